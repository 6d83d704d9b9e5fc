#include "actors/activity.hpp"
#include "actors/container_events.hpp"

#include <chrono>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/atoms.hpp"
#include "actors/clock.hpp"
#include "policy/restart_tracker.hpp"
#include "messages/node.hpp"

namespace stevedore {

namespace {

using cend_atom = caf::atom_constant<caf::atom("cend")>;
using reconnect_atom = caf::atom_constant<caf::atom("reconnect")>;

// "1700000000.123456789" from nanoseconds since the epoch.
std::string since_text(std::int64_t nanos) {
  auto frac = std::to_string(1000000000 + nanos % 1000000000).substr(1);
  return std::to_string(nanos / 1000000000) + "." + frac;
}

struct container_events_state {
  static inline const char* name = "container_events";

  std::shared_ptr<docker::client> docker;
  container_events_settings settings;
  using watcher_map = std::map<std::string, caf::actor>;
  watcher_map watchers;                       // container id -> its task actor
  // Every watcher monitored (once, whatever it watches) -> its entry in
  // `watchers` (one at a time; end(): none now). Nodes of a std::map stay
  // put, so the container id is stored once.
  std::unordered_map<caf::actor_id, watcher_map::iterator> watching;
  docker::call_handle stream;                 // the open GET /events
  std::uint64_t generation = 0;               // of the stream; older callbacks are ignored
  std::int64_t last_nanos = 0;                // time of the last event seen: `since` of a reopen
  std::set<std::tuple<std::string, std::string>> at_last; // (id, action) seen at last_nanos
  int failures = 0;                           // drops since the last event: the backoff step
  std::int64_t events = 0;                    // events delivered to a watcher
  std::int64_t reconnects = 0;
  activity seen;                     // inspection (activity.hpp)
  std::string last_error;

  ~container_events_state() {
    if (stream.valid())
      stream.cancel();
  }
};

using self_ptr = caf::stateful_actor<container_events_state>*;

void open_stream(self_ptr self) {
  auto& s = self->state;
  docker::events_request req;
  req.filters["type"] = {"container"};
  // What a task acts on: its container died, was OOM-killed or removed.
  // (A start it made itself; every event more is a decode and two messages.)
  req.filters["event"] = {"die", "oom", "destroy"};
  req.filters["label"] = s.settings.label_filters;
  req.with_attributes = false; // the task inspects its container for the rest
  req.since = since_text(s.last_nanos);
  auto gen = ++s.generation;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  s.stream = s.docker->events(
    std::move(req),
    [me, gen](const engine_event& ev) {
      caf::anon_send(me, cevent_atom::value, gen, ev);
      return true;
    },
    [me, gen](result<unit> end) {
      caf::anon_send(me, cend_atom::value, gen, end ? error_info{} : std::move(end).error());
    });
}

void on_event(self_ptr self, engine_event& ev) {
  auto& s = self->state;
  s.failures = 0;
  // The daemon sends nothing older than `since`; only events at exactly that
  // instant can be ones already seen. (An older time, from a clock that is
  // not the daemon's, is delivered and does not move `since` back.)
  auto key = std::make_tuple(ev.id, ev.action);
  if (ev.time_nano == s.last_nanos) {
    if (!s.at_last.insert(key).second)
      return; // replayed at exactly `since`
  } else if (ev.time_nano > s.last_nanos) {
    s.last_nanos = ev.time_nano;
    s.at_last.clear();
    s.at_last.insert(key);
  }
  auto w = s.watchers.find(ev.id);
  if (w == s.watchers.end())
    return;
  ++s.events;
  self->send(w->second, cevent_atom::value, std::move(ev));
}

void on_end(self_ptr self, const error_info& err) {
  auto& s = self->state;
  s.stream = {};
  if (err.kind == errc::cancelled)
    return; // we are going away
  // A stream that only hit the client's silence deadline lost nothing: reopen
  // at once. Anything else (daemon gone, closed, 5xx) reopens after a backoff
  // and makes every watcher re-check its container.
  if (err.kind == errc::timeout && s.failures == 0) {
    open_stream(self);
    return;
  }
  s.last_error = err.kind == errc::ok ? "the daemon closed the event stream" : to_string(err);
  auto delay = backoff(s.failures++, s.settings.reconnect_base, s.settings.reconnect_max);
  spdlog::warn("container events: stream ended ({}); reopening in {} ms", s.last_error,
               delay.count());
  self->delayed_send(self, delay, reconnect_atom::value, s.generation);
}

} // namespace

std::vector<std::string> container_label_filters(const std::string& node_id) {
  std::vector<std::string> out{"com.stevedore.alloc_id"};
  if (!node_id.empty())
    out.push_back("com.stevedore.node=" + node_id);
  return out;
}

namespace {

caf::behavior container_events(self_ptr self, std::shared_ptr<docker::client> docker,
                               container_events_settings settings) {
  auto& s = self->state;
  s.docker = std::move(docker);
  s.settings = std::move(settings);
  // Events from the moment the supervisor starts count, even those that come
  // before the stream is established.
  s.last_nanos = now_ms() * 1000000;
  open_stream(self);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& s = self->state;
    if (auto i = s.watching.find(dm.source.id()); i != s.watching.end()) {
      if (i->second != s.watchers.end())
        s.watchers.erase(i->second);
      s.watching.erase(i);
    }
  });
  return {
    [self](watch_atom, std::string& id, caf::actor& watcher) {
      self->state.seen.note("watch");
      auto& s = self->state;
      if (!watcher)
        return;
      auto [mine, fresh] = s.watching.emplace(watcher.id(), s.watchers.end());
      if (fresh)
        self->monitor(watcher);
      else if (mine->second != s.watchers.end())
        s.watchers.erase(mine->second); // a task watches its current container only
      auto [w, added] = s.watchers.emplace(std::move(id), watcher);
      if (!added) { // another actor watched it: the latest watcher has it
        if (auto other = s.watching.find(w->second.id()); other != s.watching.end())
          other->second = s.watchers.end();
        w->second = std::move(watcher);
      }
      mine->second = w;
    },
    [self](unwatch_atom, const std::string& id) {
      self->state.seen.note("unwatch");
      auto& s = self->state;
      if (auto i = s.watchers.find(id); i != s.watchers.end()) {
        if (auto mine = s.watching.find(i->second.id()); mine != s.watching.end())
          mine->second = s.watchers.end();
        s.watchers.erase(i);
      }
    },
    [self](cevent_atom, std::uint64_t gen, engine_event& ev) {
      self->state.seen.note("event");
      if (gen == self->state.generation)
        on_event(self, ev);
    },
    [self](cend_atom, std::uint64_t gen, const error_info& err) {
      self->state.seen.note("stream_end");
      if (gen == self->state.generation)
        on_end(self, err);
    },
    [self](reconnect_atom, std::uint64_t gen) {
      self->state.seen.note("reconnect");
      auto& s = self->state;
      if (gen != s.generation || s.stream.valid())
        return;
      ++s.reconnects;
      open_stream(self);
      for (auto& [id, watcher] : s.watchers)
        self->send(watcher, recheck_atom::value, id);
    },
    trace_start_handler(self),
    trace_read_handler(self),
    [self](status_atom) {
      auto& s = self->state;
      auto st = s.seen.status(self, "container_events", "events",
                              s.stream.valid() ? "streaming" : "reconnecting");
      st.details["watched"] = std::to_string(s.watchers.size());
      st.details["events"] = std::to_string(s.events);
      st.details["reconnects"] = std::to_string(s.reconnects);
      st.details["since"] = since_text(s.last_nanos);
      if (!s.last_error.empty())
        st.details["last_error"] = s.last_error;
      return st;
    },
  };
}

} // namespace

caf::actor spawn_container_events(caf::actor_system& sys, std::shared_ptr<docker::client> docker,
                                  container_events_settings settings) {
  return sys.spawn(container_events, std::move(docker), std::move(settings));
}

} // namespace stevedore
