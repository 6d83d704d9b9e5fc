#include "actors/activity.hpp"
#include "actors/timer_service.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/clock.hpp"
#include "messages/node.hpp"

namespace stevedore {
namespace {

using tfire_atom = caf::atom_constant<caf::atom("tfire")>;
using steady = std::chrono::steady_clock;

struct timer_service_state {
  static inline const char* name = "timers";
  struct entry {
    caf::actor_addr to;
    caf::message msg;
  };
  // By deadline; a multimap keeps the order of insertion among equal keys.
  std::multimap<steady::time_point, entry> timers;
  steady::time_point armed = steady::time_point::max(); // deadline of the pending tfire
  std::uint64_t armed_gen = 0;                          // ... and its generation
  steady::time_point last_fire;                         // when due timers last fired
  std::int64_t set = 0;
  std::int64_t fired = 0;
  std::int64_t dropped = 0; // the receiver had ended
  activity seen;                     // inspection (activity.hpp)
};

using self_ptr = caf::stateful_actor<timer_service_state>*;

// Due timers fire together at most this often: each firing is a wakeup of
// CAF's clock thread, and thousands of timers a second each due at its own
// instant would otherwise be as many. A timer is late by at most this, never
// early.
constexpr auto tick = std::chrono::milliseconds(5);

// One delayed_send, for the earliest deadline, and only when that changed.
void arm(self_ptr self) {
  auto& s = self->state;
  if (s.timers.empty())
    return;
  auto first = std::max(s.timers.begin()->first, s.last_fire + tick);
  if (first >= s.armed)
    return;
  s.armed = first;
  auto left = first - steady::now();
  self->delayed_send(self, std::max(left, steady::duration::zero()), tfire_atom::value, ++s.armed_gen);
}

caf::behavior timer_service(self_ptr self) {
  return {
    trace_start_handler(self),
    trace_read_handler(self),
    [self](tset_atom, std::int64_t deadline_ns, const caf::actor_addr& to, caf::message& msg) {
      self->state.seen.note("set");
      auto& s = self->state;
      ++s.set;
      s.timers.emplace(steady::time_point(std::chrono::nanoseconds(deadline_ns)),
                       timer_service_state::entry{to, std::move(msg)});
      arm(self);
    },
    [self](tfire_atom, std::uint64_t gen) {
      self->state.seen.note("fire");
      auto& s = self->state;
      if (gen != s.armed_gen)
        return; // an earlier deadline took its place
      s.armed = steady::time_point::max();
      auto now = steady::now();
      s.last_fire = now;
      while (!s.timers.empty() && s.timers.begin()->first <= now) {
        auto node = s.timers.extract(s.timers.begin());
        auto& e = node.mapped();
        if (auto to = caf::actor_cast<caf::actor>(e.to)) {
          ++s.fired;
          self->send(to, std::move(e.msg));
        } else {
          ++s.dropped;
        }
      }
      arm(self);
    },
    [self](status_atom) {
      auto& s = self->state;
      auto st = s.seen.status(self, "timer_service", "timers", s.timers.empty() ? "idle" : "waiting");
      st.details["pending"] = std::to_string(s.timers.size());
      st.details["set"] = std::to_string(s.set);
      st.details["fired"] = std::to_string(s.fired);
      st.details["dropped"] = std::to_string(s.dropped);
      return st;
    },
  };
}

// Spawned as a class: CAF 0.17's spawn of a function taking no argument but
// its self binds a reference to a null shared_ptr<tuple<>>
// (caf/detail/init_fun_factory.hpp), which UBSan stops on.
class timer_service_actor final : public caf::stateful_actor<timer_service_state> {
public:
  using caf::stateful_actor<timer_service_state>::stateful_actor;
  caf::behavior make_behavior() override { return timer_service(this); }
};

} // namespace

caf::actor spawn_timer_service(caf::actor_system& sys) {
  return sys.spawn<timer_service_actor>();
}

void set_timer(const caf::actor& timers, std::chrono::nanoseconds delay, const caf::actor_addr& to,
               caf::message msg) {
  auto deadline = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    (steady::now() + delay).time_since_epoch()).count();
  caf::anon_send(timers, tset_atom::value, static_cast<std::int64_t>(deadline), to, std::move(msg));
}

} // namespace stevedore
