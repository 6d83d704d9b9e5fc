// The reconciler (see reconciler.hpp): one pass is a list of the node's
// containers, the supervisor's list of its tasks, and a removal of each
// container nobody holds that is older than the grace.
#include "actors/reconciler.hpp"

#include <set>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/activity.hpp"
#include "actors/clock.hpp"
#include "actors/errors.hpp"
#include "messages/task_state.hpp"

namespace stevedore {

namespace {

using listed_atom = caf::atom_constant<caf::atom("rc_listed")>;
using removed_atom = caf::atom_constant<caf::atom("rc_removed")>;

// The public interface plus the Engine API's answers, as messages.
using impl_actor = reconciler_actor::extend<
  caf::reacts_to<listed_atom, error_info, std::vector<container_summary>>,
  caf::reacts_to<removed_atom, std::string, error_info>>;

struct reconciler_state {
  static inline const char* name = "reconciler";
  std::shared_ptr<docker::client> docker;
  std::string node_id;
  reconcile_settings settings;
  caf::actor supervisor;
  bool listing = false;          // a pass waits for the daemon's list
  std::vector<caf::typed_response_promise<std::int64_t>> waiting; // answered by that pass
  std::int64_t passes = 0;
  std::int64_t removed = 0;      // removals asked (or reported, dry run)
  std::int64_t failures = 0;     // passes or removals that failed
  std::string last_error;
  activity seen;
};

using self_ptr = impl_actor::stateful_pointer<reconciler_state>;

// What the supervisor's tasks hold: ids, and the names of every task that
// has not ended (a create may be in flight).
struct holdings {
  std::set<std::string> ids;
  std::set<std::string> names;
  bool holds(const container_summary& c) const {
    if (ids.count(c.id))
      return true;
    for (const auto& n : c.names)
      if (names.count(n))
        return true;
    return false;
  }
};

holdings holdings_of(const std::vector<task_status>& tasks) {
  holdings h;
  for (const auto& t : tasks) {
    if (!t.container_id.empty())
      h.ids.insert(t.container_id);
    if (!is_terminal(t.state))
      h.names.insert(t.container_name);
  }
  return h;
}

void report(self_ptr self, std::string message) {
  spdlog::info("reconciler: {}", message);
  task_event ev;
  ev.kind = "reconcile";
  ev.at_ms = now_ms();
  ev.message = std::move(message);
  caf::anon_send(self->state.supervisor, event_atom::value, std::move(ev));
}

std::string describe(const container_summary& c) {
  return c.id.substr(0, 12) + (c.names.empty() ? std::string() : " (" + c.names.front() + ")");
}

bool labelled_ours(const reconciler_state& s, const container_summary& c) {
  auto node = c.labels.find("com.stevedore.node");
  return node != c.labels.end() && node->second == s.node_id;
}

// Removes (or reports) what nobody holds; the count of them.
std::int64_t sweep(self_ptr self, const std::vector<container_summary>& listed, const holdings& h) {
  auto& s = self->state;
  std::int64_t n = 0;
  auto now_s = now_ms() / 1000;
  for (const auto& c : listed) {
    if (h.holds(c) || !labelled_ours(s, c) || (now_s - c.created) * 1000 < s.settings.grace.count())
      continue;
    ++n;
    ++s.removed;
    if (s.settings.dry_run) {
      report(self, "dry run: would remove container " + describe(c) +
                     ", labelled for this node but held by no task");
      continue;
    }
    report(self, "removing container " + describe(c) + ", labelled for this node but held by no task");
    auto me = caf::actor_cast<impl_actor>(self);
    auto what = describe(c);
    s.docker->container_remove(c.id, true, true, [me, what](result<unit> r) {
      if (!r)
        caf::anon_send(me, removed_atom::value, what, std::move(r).error());
    });
  }
  return n;
}

void answer(self_ptr self, std::int64_t n) {
  auto waiting = std::move(self->state.waiting);
  self->state.waiting.clear();
  for (auto& rp : waiting)
    rp.deliver(n);
}

void pass(self_ptr self) {
  auto& s = self->state;
  if (s.listing)
    return; // the pass in flight answers every waiter
  s.listing = true;
  ++s.passes;
  auto me = caf::actor_cast<impl_actor>(self);
  s.docker->container_list({"com.stevedore.node=" + s.node_id}, true,
                           [me](result<std::vector<container_summary>> r) {
    if (r)
      caf::anon_send(me, listed_atom::value, error_info{}, std::move(*r));
    else
      caf::anon_send(me, listed_atom::value, std::move(r).error(), std::vector<container_summary>{});
  });
}

void failed_pass(self_ptr self, std::string why) {
  auto& s = self->state;
  ++s.failures;
  if (why != s.last_error)
    spdlog::warn("reconciler: {}", why);
  s.last_error = std::move(why);
  answer(self, 0);
}

// The list of containers first, then the tasks: a container created in
// between is held by a task whose name is known.
void on_listed(self_ptr self, const error_info& e, std::vector<container_summary>& listed) {
  auto& s = self->state;
  s.listing = false;
  if (e.kind != errc::ok) {
    failed_pass(self, to_string(e));
    return;
  }
  self->request(s.supervisor, std::chrono::seconds(30), list_atom::value)
    .then(
      [self, listed = std::move(listed)](std::vector<task_status>& tasks) {
        self->state.last_error.clear();
        answer(self, sweep(self, listed, holdings_of(tasks)));
      },
      [self](caf::error& err) { failed_pass(self, "list tasks: " + self->system().render(err)); });
}

void arm(self_ptr self) {
  self->delayed_send(self, self->state.settings.interval, caf::tick_atom::value);
}

actor_status status_of(self_ptr self) {
  const auto& s = self->state;
  auto st = s.seen.status(self, "reconciler", s.node_id, s.settings.dry_run ? "dry run" : "removing");
  st.details["passes"] = std::to_string(s.passes);
  st.details["removed"] = std::to_string(s.removed);
  st.details["failures"] = std::to_string(s.failures);
  st.details["grace_ms"] = std::to_string(s.settings.grace.count());
  if (!s.last_error.empty())
    st.details["last_error"] = s.last_error;
  return st;
}

impl_actor::behavior_type reconciler(self_ptr self, std::shared_ptr<docker::client> docker,
                                     std::string node_id, reconcile_settings settings,
                                     caf::actor supervisor) {
  auto& s = self->state;
  s.docker = std::move(docker);
  s.node_id = std::move(node_id);
  s.settings = settings;
  s.supervisor = std::move(supervisor);
  arm(self);
  return {
    [self](reconcile_atom) -> caf::result<std::int64_t> {
      self->state.seen.note("reconcile");
      auto rp = self->make_response_promise<std::int64_t>();
      self->state.waiting.push_back(rp);
      pass(self);
      return rp;
    },
    [self](caf::tick_atom) {
      self->state.seen.note("tick");
      pass(self);
      arm(self);
    },
    [self](status_atom) {
      self->state.seen.note("status");
      return status_of(self);
    },
    [self](listed_atom, const error_info& e, std::vector<container_summary>& listed) {
      self->state.seen.note("listed");
      on_listed(self, e, listed);
    },
    [self](removed_atom, const std::string& what, const error_info& e) {
      self->state.seen.note("removed");
      if (e.kind == errc::not_found)
        return;
      ++self->state.failures;
      spdlog::warn("reconciler: removing container {}: {}", what, to_string(e));
    },
  };
}

} // namespace

reconciler_actor spawn_reconciler(caf::actor_system& sys, std::shared_ptr<docker::client> docker,
                                  std::string node_id, reconcile_settings settings,
                                  caf::actor supervisor) {
  auto h = sys.spawn(reconciler, std::move(docker), std::move(node_id), settings,
                     std::move(supervisor));
  return caf::actor_cast<reconciler_actor>(h);
}

} // namespace stevedore
