// One actor that keeps a supervisor's short-lived timers: a task's kill
// timeout, its log drain bound, its log follower's wait for the exit notice.
//
// Why not delayed_send: CAF 0.17's clock is a thread of its own that every
// delayed_send wakes twice (once to take the timer, once to fire it), and a
// task lifecycle sets three such timers: at thousands of lifecycles a second
// that clock thread is woken more often than any other. Here a timer is one
// message to this actor, which keeps its timers ordered by deadline and
// holds one delayed_send of its own, for the earliest deadline; one that is
// not the earliest costs the clock nothing. Due timers fire together, at most
// every 5 ms: a timer may be that much late, never early.
//
// Protocol (dynamically typed; `caf::actor`):
//   (tset_atom, std::int64_t deadline_ns, caf::actor_addr target, caf::message msg)
//       sends `msg` to `target` (unless it has ended by then) once the steady
//       clock reaches deadline_ns (nanoseconds since its epoch); timers with
//       one deadline fire in the order they were set
//   (status_atom) -> actor_status
// A timer cannot be cancelled: its receiver ignores a stale one (an epoch
// or generation in the message), as it would a stale delayed_send.
#pragma once

#include <chrono>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>

namespace stevedore {

using tset_atom = caf::atom_constant<caf::atom("tset")>;

caf::actor spawn_timer_service(caf::actor_system& sys);

// Sets a timer on `timers` for `to`, `delay` from now (any thread).
void set_timer(const caf::actor& timers, std::chrono::nanoseconds delay, const caf::actor_addr& to,
               caf::message msg);

} // namespace stevedore
