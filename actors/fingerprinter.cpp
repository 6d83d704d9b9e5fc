// The fingerprinter actor: one poll at a time (version, info and the bridge
// network asked together, the fingerprint computed when all three are
// back), the next one `period` after it ended. A forced poll while one runs
// is folded into it.
#include "actors/activity.hpp"
#include "actors/fingerprinter.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/clock.hpp"
#include "actors/errors.hpp"

namespace stevedore {

namespace {

using fp_ver_atom = caf::atom_constant<caf::atom("fp_ver")>;
using fp_info_atom = caf::atom_constant<caf::atom("fp_info")>;
using fp_net_atom = caf::atom_constant<caf::atom("fp_net")>;
using fp_tick_atom = caf::atom_constant<caf::atom("fp_tick")>;

using impl_actor = fingerprinter_actor::extend<
  caf::reacts_to<fp_ver_atom, std::uint64_t, error_info, engine_version>,
  caf::reacts_to<fp_info_atom, std::uint64_t, error_info, engine_info>,
  caf::reacts_to<fp_net_atom, std::uint64_t, error_info, network_info>,
  caf::reacts_to<fp_tick_atom, std::uint64_t>>;

// The answers of one poll as they come back.
struct poll_round {
  std::uint64_t id = 0;
  int pending = 0;
  std::optional<engine_version> version;
  std::optional<engine_info> info;
  std::optional<network_info> network;
  std::optional<error_info> failure;   // version or info failed: the daemon is not usable
  std::string network_error;           // the bridge could not be inspected (not fatal)
};

struct fingerprinter_state {
  static inline const char* name = "fingerprinter";
  fingerprinter_config cfg;
  std::shared_ptr<docker::client> docker;
  fingerprint current;                 // what watchers were last told
  bool ever_healthy = false;
  int failures_in_a_row = 0;           // polls that failed since the last good one
  std::vector<caf::actor> watchers;
  std::optional<poll_round> round;     // the poll in flight
  bool again = false;                  // a poll was asked for while one ran
  std::uint64_t next_round = 1;
  std::uint64_t tick_gen = 0;          // the one armed tick that counts
  // inspection
  activity seen;                     // inspection (activity.hpp)
};

using self_ptr = impl_actor::stateful_pointer<fingerprinter_state>;

void start_poll(self_ptr self) {
  auto& s = self->state;
  if (s.round) {
    s.again = true;
    return;
  }
  s.round = poll_round{s.next_round++, 3, {}, {}, {}, {}, {}};
  auto id = s.round->id;
  auto me = caf::actor_cast<impl_actor>(self);
  s.docker->version([me, id](stevedore::result<engine_version> r) {
    caf::anon_send(me, fp_ver_atom::value, id, r ? error_info{} : r.error(), r ? *r : engine_version{});
  });
  s.docker->info([me, id](stevedore::result<engine_info> r) {
    caf::anon_send(me, fp_info_atom::value, id, r ? error_info{} : r.error(), r ? *r : engine_info{});
  });
  s.docker->network_inspect(s.cfg.bridge_network, [me, id](stevedore::result<network_info> r) {
    caf::anon_send(me, fp_net_atom::value, id, r ? error_info{} : r.error(), r ? *r : network_info{});
  });
}

std::map<std::string, std::string> attributes_of(const fingerprinter_config& cfg, const poll_round& r) {
  std::map<std::string, std::string> a;
  a["driver.docker"] = "1";
  a["driver.docker.version"] = r.version->version;
  if (r.network && !r.network->gateway.empty())
    a["driver.docker.bridge_ip"] = r.network->gateway;
  a["driver.docker.volumes.enabled"] = cfg.volumes_enabled ? "true" : "false";
  a["driver.docker.privileged.enabled"] = cfg.privileged_enabled ? "true" : "false";
  std::string runtimes;
  for (const auto& rt : r.info->runtimes)
    runtimes += (runtimes.empty() ? "" : ",") + rt;
  a["driver.docker.runtimes"] = runtimes;
  a["driver.docker.os_type"] = r.info->os_type;
  return a;
}

void publish(self_ptr self, fingerprint next) {
  auto& s = self->state;
  bool changed = next.health != s.current.health || next.reason != s.current.reason ||
                 next.attributes != s.current.attributes;
  if (changed && next.health != s.current.health)
    spdlog::info("fingerprinter: docker daemon {} -> {}{}{}", to_string(s.current.health),
                 to_string(next.health), next.reason.empty() ? "" : ": ", next.reason);
  s.current = std::move(next);
  if (!changed)
    return;
  for (const auto& w : s.watchers)
    caf::anon_send(w, health_atom::value, s.current);
}

void finish_poll(self_ptr self) {
  auto& s = self->state;
  auto r = std::move(*s.round);
  s.round.reset();
  fingerprint next = s.current;
  next.at_ms = now_ms();
  next.polls = s.current.polls + 1;
  bool retry_soon = false;
  if (r.failure) {
    ++s.failures_in_a_row;
    // A healthy daemon keeps its health through failures fewer than
    // unhealthy_after in a row (one reset, one 5xx, one garbled answer);
    // the next poll comes after retry_delay to settle it quickly.
    bool suspect = s.current.health == daemon_health::healthy &&
                   s.failures_in_a_row < std::max(1, s.cfg.unhealthy_after);
    if (suspect) {
      spdlog::info("fingerprinter: poll failed ({} in a row), retrying: {}", s.failures_in_a_row,
                   to_string(*r.failure));
      retry_soon = true;
    } else {
      next.health = s.ever_healthy ? daemon_health::unhealthy : daemon_health::undetected;
      next.reason = to_string(*r.failure);
    }
  } else {
    s.failures_in_a_row = 0;
    s.ever_healthy = true;
    next.health = daemon_health::healthy;
    next.reason.clear();
    next.attributes = attributes_of(s.cfg, r);
    if (!r.network_error.empty())
      spdlog::debug("fingerprinter: no bridge ip: {}", r.network_error);
  }
  publish(self, std::move(next));
  if (s.again) {
    s.again = false;
    return start_poll(self);
  }
  auto wait = retry_soon ? std::min(s.cfg.retry_delay, s.cfg.period) : s.cfg.period;
  self->delayed_send(self, wait, fp_tick_atom::value, ++s.tick_gen);
}

template <class T>
void answer(self_ptr self, std::uint64_t id, const error_info& e, T&& value,
            std::optional<std::decay_t<T>> poll_round::*slot, bool fatal) {
  auto& s = self->state;
  if (!s.round || s.round->id != id)
    return;
  if (e.kind == errc::ok)
    (*s.round).*slot = std::forward<T>(value);
  else if (fatal && !s.round->failure)
    s.round->failure = e;
  else if (!fatal)
    s.round->network_error = to_string(e);
  if (--s.round->pending == 0)
    finish_poll(self);
}

void drop_watcher(self_ptr self, const caf::actor_addr& who) {
  auto& w = self->state.watchers;
  w.erase(std::remove_if(w.begin(), w.end(), [&](const caf::actor& a) { return a.address() == who; }), w.end());
}

impl_actor::behavior_type fingerprinter(self_ptr self, std::shared_ptr<docker::client> docker,
                                        fingerprinter_config cfg) {
  self->state.docker = std::move(docker);
  self->state.cfg = cfg;
  self->state.current.reason = "not polled yet";
  self->set_down_handler([self](caf::down_msg& dm) {
    self->state.seen.note("down");
    drop_watcher(self, dm.source);
  });
  start_poll(self);
  return {
    [self](attrs_atom) {
      self->state.seen.note("attrs");
      return self->state.current;
    },
    [self](watch_atom, caf::actor& who) {
      self->state.seen.note("watch");
      if (!who)
        return;
      drop_watcher(self, who.address());
      self->monitor(who);
      self->state.watchers.push_back(who);
      caf::anon_send(who, health_atom::value, self->state.current);
    },
    [self](unwatch_atom, caf::actor& who) {
      self->state.seen.note("unwatch");
      if (who) {
        self->demonitor(who);
        drop_watcher(self, who.address());
      }
    },
    trace_start_handler(self),
    trace_read_handler(self),
    [self](poll_atom) {
      self->state.seen.note("poll");
      start_poll(self);
    },
    [self](status_atom) {
      self->state.seen.note("status");
      auto& s = self->state;
      auto st = s.seen.status(self, "fingerprinter", "docker", to_string(s.current.health));
      st.details = {{"polls", std::to_string(s.current.polls)},
                    {"watchers", std::to_string(s.watchers.size())},
                    {"polling", s.round ? "true" : "false"},
                    {"period_ms", std::to_string(s.cfg.period.count())},
                    {"failures_in_a_row", std::to_string(s.failures_in_a_row)},
                    {"reason", s.current.reason}};
      return st;
    },
    [self](fp_ver_atom, std::uint64_t id, error_info& e, engine_version& v) {
      self->state.seen.note("version");
      answer(self, id, e, std::move(v), &poll_round::version, true);
    },
    [self](fp_info_atom, std::uint64_t id, error_info& e, engine_info& i) {
      self->state.seen.note("info");
      answer(self, id, e, std::move(i), &poll_round::info, true);
    },
    [self](fp_net_atom, std::uint64_t id, error_info& e, network_info& n) {
      self->state.seen.note("network");
      answer(self, id, e, std::move(n), &poll_round::network, false);
    },
    [self](fp_tick_atom, std::uint64_t gen) {
      self->state.seen.note("tick");
      if (gen == self->state.tick_gen)
        start_poll(self);
    },
  };
}

} // namespace

fingerprinter_config fingerprinter_config::from(const client_config& c) {
  fingerprinter_config cfg;
  cfg.period = std::chrono::milliseconds(std::max<std::int64_t>(1, c.fingerprint_period_ms));
  cfg.volumes_enabled = c.volumes_enabled;
  cfg.privileged_enabled = c.privileged_enabled;
  return cfg;
}

fingerprinter_actor spawn_fingerprinter(caf::actor_system& sys, std::shared_ptr<docker::client> docker,
                                        fingerprinter_config cfg) {
  return caf::actor_cast<fingerprinter_actor>(sys.spawn(fingerprinter, std::move(docker), std::move(cfg)));
}

} // namespace stevedore
