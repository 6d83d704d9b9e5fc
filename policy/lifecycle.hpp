// A task's life as data: `step(lifecycle, event) -> transition`.
//
//   pending -> pulling -> creating -> starting -> running -> stopping -> exited -> cleaned
//      |          |          |           |           |          |          |
//      +----------+----------+-----------+-----------+----------+----------+--> failed (reason)
//
//   exited (failed run) -> restart policy -> creating -> ...       a failed run restarted
//   running --restart--> stopping -> exited -> creating -> ...    a user's restart (not
//     counted against the restart policy: no delay, no attempt of its window)
//   recovered (a restart of stevedore): container known -> running, inspected:
//     running: re-attached; exited: its exit goes through the restart policy;
//     gone: lost (a failed run); a create's unconfirmed intent: settled by
//     the name (finding_holder); else started again where it was
//   creating --409--> holder ours and running: adopted (running)
//                     holder ours and dead: removed, create again (at most N times)
//                     holder not ours: failed, the container left untouched
//
// `lifecycle` is the state of the diagram plus the few facts that decide what
// comes next; `event` is everything that can happen to a task (the daemon's
// answers, the event stream, timers, a user's stop, the daemon coming back);
// `transition` is the next lifecycle and the commands to carry out, in order.
// No I/O, no CAF, no clock: time comes in the events (`at_ms`), and the task
// actor (actors/task_actor.cpp) only turns messages into events and carries
// out commands.
//
// Stale answers are recognised here, in one place: every call a command asks
// for carries the lifecycle's `epoch` and its answer brings it back; the
// epoch moves on with every state change and every retry, so an answer to an
// abandoned call is ignored. Timers carry a token of their own (a timer is
// armed in one state and must survive retries in it): a timer whose token is
// not the armed one is stale.
//
// Death is learned from the container event stream, the exit code and OOM
// from an inspect. An API error is never taken as death: while the daemon
// cannot be reached a task keeps its state ("waiting for the daemon") and
// looks again when the daemon is healthy or after a re-check period.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "messages/error.hpp"
#include "messages/task_spec.hpp"
#include "messages/task_state.hpp"
#include "policy/restart_tracker.hpp"

namespace stevedore::lifecycle {

// -- the value -------------------------------------------------------------

// What the task waits for now: the step of the diagram in finer grain.
enum class phase : std::uint8_t {
  preparing,     // pending: its folders are being laid out
  acquiring,     // pulling: the image lease
  creating,      // creating: the create call
  finding_holder,// creating: who holds the name (the create answered 409)
  clearing,      // creating: a dead container of ours that held the name is removed
  starting,      // starting: the start call
  running,       // running or stopping: the container's death (event stream, inspect)
  draining,      // cleanup: the log follower writes the last output
  removing,      // cleanup: the container is removed
  restart_wait,  // cleanup done: the restart delay runs
  done,          // cleaned or failed
};
const char* to_string(phase p) noexcept;

// What ends a cleanup (the removal of the container).
enum class after : std::uint8_t { clean, fail, restart };

// Why the current step is not in flight.
enum class waiting : std::uint8_t {
  no,         // a call or an event is awaited
  retry,      // a transient error: the retry timer runs
  daemon,     // the daemon is away: until it is healthy or the re-check timer fires
};

// Whether a container of the task's name may exist without our knowing its id.
enum class create_intent : std::uint8_t {
  none,        // no: nothing sent, or every create was answered
  sent,        // a create is in flight
  unconfirmed, // a create's answer was lost (timeout, connection): only the name can tell
};

// The stop signal the task sent last.
enum class sent : std::uint8_t { nothing, stop_signal, sigkill };

enum class timer : std::uint8_t {
  kill,        // kill_timeout after the stop signal: SIGKILL
  log_drain,   // the longest wait for the logs before removal
  restart,     // the restart delay
  oom_grace,   // a SIGKILL exit nobody explains waits for a late oom event
  retry,       // backoff of a transient error
  recheck,     // while the daemon is away
};
constexpr std::size_t timer_count = 6;
const char* to_string(timer t) noexcept;

struct lifecycle {
  task_state state = task_state::pending; // what is reported
  phase at = phase::preparing;
  after then = after::clean;              // set by a cleanup
  waiting wait = waiting::no;
  sent signal = sent::nothing;
  bool stop_asked = false;                // a stop was asked: nothing starts again
  bool restart_asked = false;             // a user's restart: the run it stops starts again
  bool kill_delivered = false;            // the daemon took the last stop signal
  bool oom_told = false;                  // an oom event of this run was reported
  bool watching = false;                  // the event stream watches the container
  bool sampling = false;                  // the stats poller knows the container
  bool following_logs = false;            // the log follower runs
  bool lease = false;                     // an image lease is held (image_id)
  create_intent intent = create_intent::none; // whether a create may have made a container we do not know
  bool recovering = false;                // recovered with a container: its state is not known yet
  std::uint8_t attempts = 0;              // transient failures of the current step
  std::uint8_t conflict_attempts = 0;     // dead holders of the name removed
  std::uint8_t image_regets = 0;          // leases taken again for a create's "no such image", this run
  std::uint32_t epoch = 0;                // calls of older epochs are stale
  std::uint32_t next_token = 0;
  std::array<std::uint32_t, timer_count> timers{}; // token of each armed timer; 0: not armed
  std::int64_t restarts = 0;
  restart_window window;
  std::int64_t restart_delay_ms = 0;
  std::string container_id;               // empty until created or adopted
  std::string image_id;                   // the leased image
  std::string image_stop_signal;          // the image's STOPSIGNAL
  std::string final_reason;               // what a cleanup ends with
  std::shared_ptr<const exit_result> exit;      // the last exit
  std::shared_ptr<const exit_result> held_exit; // an exit waiting out oom_grace

  bool armed(timer t) const noexcept { return timers[static_cast<std::size_t>(t)] != 0; }
};

// The fixed rules of one task: its spec and its supervisor's settings.
// Views into the task spec, which outlives every step.
struct rules {
  std::int64_t kill_timeout_ms = 5000;
  std::string_view kill_signal;            // the task's; empty: the image's, else SIGTERM
  std::string_view container_name;
  std::string_view image;
  const restart_spec* restart = nullptr;   // null: never restart
  bool collects_logs = false;              // a log follower runs while the container runs
  bool cleanup_container = true;           // docker.cleanup.container
  std::int64_t retry_base_ms = 250;
  std::int64_t retry_max_ms = 8000;
  int max_retries = 6;
  int max_conflict_retries = 3;
  std::int64_t recheck_ms = 10000;
  std::int64_t log_drain_ms = 3000;
  std::int64_t oom_grace_ms = 500;
};

// -- events ----------------------------------------------------------------

// Engine API (and service) calls whose answers come back as events.
enum class call : std::uint8_t {
  prepare, acquire, create, find_holder, clear_holder, start, inspect, kill, remove,
};
const char* to_string(call c) noexcept;

namespace ev {
struct begin {};                                 // the plan is accepted
struct answered { call what; std::uint32_t epoch; }; // a call with no value succeeded
struct failed { call what; std::uint32_t epoch; error_info error; };
struct image_ready {
  std::uint32_t epoch;
  std::string image_id;
  std::string stop_signal;
  std::vector<std::string> warnings;
};
struct created { std::uint32_t epoch; std::string id; std::vector<std::string> warnings; };
struct name_holder {                              // inspect of the name's holder
  std::uint32_t epoch;
  std::string id;
  bool ours = false;                              // our labels for exactly this task
  bool running = false;
  std::string status;
};
struct inspected {                                // inspect of our container
  std::uint32_t epoch;
  bool running = false;                           // running or restarting
  std::int64_t exit_code = 0;
  bool oom_killed = false;
  std::string error;                              // the daemon's State.Error
  bool never_started = false;                     // State.Status "created"
};
struct died { std::string id; };                  // die or destroy on the event stream
struct recheck { std::string id; };               // the event stream may have missed one
struct oom { std::string id; };                   // the kernel killed a process in it
struct stop {};                                   // a user asked
struct restart {};                                // a user asked: stop the run, start another
struct timer_fired { timer which; std::uint32_t token; };
struct daemon_health { bool healthy; };
struct logs_finished {};                          // the follower wrote the last output
// The supervisor started again on its state: what it had recorded of the
// task (actors/state_db.hpp), instead of `begin`.
struct recovered {
  std::string container_id;                       // empty: none was known
  bool intent = false;                            // a create may have made a container of the name
  bool lease = false;                             // image_id was leased (the image manager rebuilt it)
  std::string image_id;
  std::int64_t restarts = 0;
  bool stop_asked = false;
  bool restart_due = false;                       // it was waiting out its restart delay
  bool unstarted = false;                         // the container was created, its start not confirmed
};
} // namespace ev

using event_data = std::variant<ev::begin, ev::answered, ev::failed, ev::image_ready, ev::created,
                                ev::name_holder, ev::inspected, ev::died, ev::recheck, ev::oom,
                                ev::stop, ev::timer_fired, ev::daemon_health, ev::logs_finished,
                                ev::recovered, ev::restart>;

struct event {
  event_data what;
  std::int64_t at_ms = 0; // when it happened (Unix ms): restart windows, exit times
};

// -- commands --------------------------------------------------------------

namespace cmd {
struct prepare { std::uint32_t epoch; };                        // lay out the task folders
struct acquire { std::uint32_t epoch; };                        // lease the image (pull if needed)
struct release { std::string image_id; };                       // give the lease back
struct record_intent { std::string container_name; };           // a create is about to be sent
struct record_state {};                                         // what recovery needs has changed
struct create { std::uint32_t epoch; };
struct find_holder { std::uint32_t epoch; };                    // inspect the name
struct clear_holder { std::string id; std::uint32_t epoch; };   // force-remove a dead holder
struct start { std::string id; std::uint32_t epoch; };
struct watch { std::string id; };                               // the event stream: its death
struct sample { std::string id; };                              // the stats poller: its usage
struct unwatch { std::string id; bool events; bool stats; };   // both, or either
struct follow_logs { std::string id; };
struct logs_exited {};                                          // tell the follower: no more output
struct drop_logs {};                                            // stop the follower now
struct inspect { std::string id; std::uint32_t epoch; };
struct kill { std::string id; std::string signal; std::uint32_t epoch; };
struct remove { std::string id; std::uint32_t epoch; };
struct arm { timer which; std::int64_t delay_ms; std::uint32_t token; };
struct cancel { timer which; };
struct poll_daemon {};                                          // ask the fingerprinter to look now
struct emit_state { task_state state; std::string reason; };
struct emit_warning { std::string message; };
struct emit_exit { exit_result exit; std::string message; };
struct emit_restart { std::string message; };
struct emit_recovered { std::string message; };                 // a recovered task's recovery settled
struct log { bool warning; std::string message; };              // for the operator's log
struct finish {};                                               // tell the subscribers, end
} // namespace cmd

using command = std::variant<cmd::prepare, cmd::acquire, cmd::release, cmd::record_intent,
                             cmd::record_state, cmd::create, cmd::find_holder, cmd::clear_holder,
                             cmd::start, cmd::watch, cmd::sample, cmd::unwatch, cmd::follow_logs,
                             cmd::logs_exited, cmd::drop_logs, cmd::inspect, cmd::kill,
                             cmd::remove, cmd::arm, cmd::cancel, cmd::poll_daemon,
                             cmd::emit_state, cmd::emit_warning, cmd::emit_exit,
                             cmd::emit_restart, cmd::emit_recovered, cmd::log, cmd::finish>;

struct transition {
  lifecycle next;
  std::vector<command> commands;
  bool ignored = false; // the event changed nothing (stale, or of no meaning in this state)
};

// The step. Takes the lifecycle by value: the task actor moves its own in
// and takes the next one back, so no step copies the container id.
transition step(const rules& r, lifecycle lc, const event& e);

// "SIGKILL" for 9 ..., null for numbers without a name.
const char* signal_name(std::int64_t number);

// The stop signal: the task's kill_signal, else the image's STOPSIGNAL, else SIGTERM.
std::string stop_signal(const rules& r, const lifecycle& lc);

// The exit an inspect of a stopped container tells: its code, the signal
// when the code is 128+n, OOMKilled, the daemon's State.Error; at `now_ms`.
exit_result exit_of(const ev::inspected& i, std::int64_t now_ms);

// "create", "kill", ...: the name of a command's or event's kind, for tests and traces.
const char* command_name(const command& c) noexcept;
const char* event_name(const event_data& e) noexcept;

// Which timers may be armed in a phase (no timer outlives its state).
bool timer_allowed(phase p, task_state st, timer t) noexcept;

} // namespace stevedore::lifecycle
