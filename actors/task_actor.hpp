// One task actor per task instance: it owns the task's container from the
// image lease to the removal, and its state history.
//
//   pending -> pulling -> creating -> starting -> running -> stopping -> exited -> cleaned
//      |          |          |           |           |          |          |
//      +----------+----------+-----------+-----------+----------+----------+--> failed (reason)
//
//   running -> exited -> (restart policy) -> creating -> ...   a failed run restarted
//   creating --409--> ours and running: adopted (running); ours and dead:
//                     removed, create retried; not ours: failed, untouched
//
// Death is learned from the shared container event stream
// (container_events), exit code and OOM from an inspect. An API error is
// never taken as death: while the daemon cannot be reached the task keeps
// its state ("parked") and re-checks when the daemon is healthy again (the
// supervisor forwards the fingerprinter's health) or after a fallback period.
//
// Protocol: the typed interface `task_actor` below. The actor quits after it
// reached cleaned or failed and told its subscribers.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/container_events.hpp"
#include "actors/log_follower.hpp"
#include "actors/protocol.hpp"
#include "actors/state_store.hpp"
#include "docker/client.hpp"
#include "messages/engine.hpp"
#include "messages/task_instance.hpp"
#include "messages/task_state.hpp"

namespace stevedore {

// Asks the task-dir worker to lay out a task's folders:
//   (prepare_atom, shared_ptr<const task_instance>) -> std::vector<std::string> (artifacts fetched)
// The plan is shared, not copied: the worker only reads it.
using prepare_atom = caf::atom_constant<caf::atom("prepare")>;

// Answers of the task's own Engine API calls, sent by the client's I/O
// thread (task_commands.cpp):
//   (answer_atom, call, epoch, unit | error_info)   a call without a value, or
//                                                  any failed one
//   (created_atom, epoch, create_answer)
//   (holder_atom, epoch, container_info)           the inspect of the name
//   (inspected_atom, epoch, container_info)        the inspect of the container
// `call` is a lifecycle::call, `epoch` the lifecycle's (policy/lifecycle.hpp);
// a user's signal and the calls of an exec answer in the same shapes, with
// calls of their own (task_detail::side_call) and their own ids as the epoch:
// every handler costs each of thousands of task actors some bytes.
using answer_atom = caf::atom_constant<caf::atom("answer")>;
using created_atom = caf::atom_constant<caf::atom("created")>;
using holder_atom = caf::atom_constant<caf::atom("holder")>;
using inspected_atom = caf::atom_constant<caf::atom("inspected")>;

// A task actor.
//   get: the task's whole status.  status: its actor status (inspection).
//   stop: kill signal, SIGKILL after kill_timeout, then cleanup.
//   signal: a signal to the running container (conflict unless running).
//   restart: a user's restart: the run stopped (kill signal, timeout) and the
//     task started again at once, not counted against its restart policy
//     (conflict unless running).
//   subscribe: s receives (event_atom, task_event) for every transition and
//     event, then (done_atom, task_status) once terminal.
//   health: the daemon's health (from the supervisor).
//   cevent, recheck: from container_events.  progress: the image manager's.
//   exec: runs cmd in the running container, answered with its output and
//     exit code, or a timeout error after timeout_ms (the command goes on);
//     the other exec messages are its calls' answers and its deadline.
//   The rest are its own calls' answers and timers, and its log follower's.
using task_actor = caf::typed_actor<
  caf::replies_to<caf::get_atom>::with<task_status>,
  caf::replies_to<status_atom>::with<actor_status>,
  caf::replies_to<stop_atom>::with<unit>,
  caf::replies_to<signal_atom, std::string>::with<unit>,
  caf::replies_to<restart_atom>::with<unit>,
  caf::reacts_to<caf::subscribe_atom, caf::actor>,
  caf::reacts_to<health_atom, fingerprint>,
  caf::reacts_to<cevent_atom, engine_event>,
  caf::reacts_to<recheck_atom, std::string>,
  caf::reacts_to<progress_atom, std::string, pull_progress>,
  caf::replies_to<exec_atom, std::vector<std::string>, std::int64_t>::with<exec_output>,
  caf::reacts_to<exec_atom, std::uint32_t, std::string>,
  caf::reacts_to<exec_atom, std::uint32_t, exec_info>,
  caf::reacts_to<answer_atom, std::uint8_t, std::uint32_t, unit>,
  caf::reacts_to<answer_atom, std::uint8_t, std::uint32_t, error_info>,
  caf::reacts_to<created_atom, std::uint32_t, create_answer>,
  caf::reacts_to<holder_atom, std::uint32_t, container_info>,
  caf::reacts_to<inspected_atom, std::uint32_t, container_info>,
  caf::reacts_to<timer_atom, std::uint8_t, std::uint32_t>>::extend_with<log_follower_messages, trace_messages>;

// Timings and switches of a task actor; every delay is a setting so tests
// run them in milliseconds.
struct task_settings {
  bool cleanup_container = true;               // docker.cleanup.container
  std::chrono::milliseconds retry_base{250};   // first backoff of a transient error
  std::chrono::milliseconds retry_max{8000};   // backoff cap
  int max_retries = 6;                         // per step; then unreachable parks, others fail
  int max_conflict_retries = 3;                // removals of a dead container of ours, then fail
  std::chrono::milliseconds parked_recheck{10000}; // re-check period while the daemon is away
  std::chrono::milliseconds log_drain{3000};   // longest wait for the task's logs before removal
  std::chrono::milliseconds progress_every{250}; // pull progress events at most this often (layer ends always)
  // A SIGKILL death the task did not cause (exit 137, no stop asked) without
  // OOMKilled yet waits this long for the daemon's oom event, which can come
  // after the die event and the inspect; 0: no wait.
  std::chrono::milliseconds oom_grace{500};
};

struct log_service; // actors/log_follower.hpp

// The services a task actor talks to. Only `docker` and `images` are
// required; the others may be null (unit tests), and then that part is
// skipped.
struct task_services {
  std::shared_ptr<docker::client> docker;
  image_manager_actor images;
  caf::actor events;                  // container_events: death of the container
  stats_poller_actor stats;           // sampling while running
  fingerprinter_actor fingerprinter;  // asked to poll when the daemon seems gone
  caf::actor task_dirs;               // worker that answers prepare_atom
  caf::actor timers;                  // timer_service; none: delayed_send
  // Log collection: when set (and collects_logs(task)), the task actor
  // follows its running container's output into the task's log files with a
  // log_follower of its own (no second actor). Cleanup waits until the
  // output is on disk (at most task_settings::log_drain) before removing
  // the container.
  std::shared_ptr<const log_service> logs;
  // The durable state (actors/state_store.hpp); none: nothing is recorded.
  // The intent of a create is on disk before the create is sent.
  state_store_actor store;
};

// "{alloc_id}/{task}": a task's id in its supervisor.
std::string task_id_of(const task_instance& inst);

// "SIGKILL" for 9 ... (empty for numbers without a name).
std::string signal_name(int number);

// True when the container carries the com.stevedore.* labels that `inst`'s
// create body gives (created by a supervisor for exactly this task of this
// allocation).
bool is_our_container(const task_instance& inst, const container_info& info);

// The create body as sent: create_body_text, or create_body_packed unpacked.
result<std::string> create_body_of(const task_instance& inst);

// Spawns the task actor; it starts at once (pending) and reports to
// `subscriber` (if valid) from its first event on. The plan is shared, not
// copied (the supervisor keeps the same one); its create_body_text is what
// the daemon gets.
task_actor spawn_task(caf::actor_system& sys, std::shared_ptr<const task_instance> inst,
                      task_services services, task_settings settings, caf::actor subscriber);
task_actor spawn_task(caf::actor_system& sys, task_instance inst, task_services services,
                      task_settings settings, caf::actor subscriber);

// The services and settings, one object for all the tasks of a supervisor
// (each task would otherwise carry its own copy of both).
struct task_setup {
  task_services svc;
  task_settings settings;
};
task_actor spawn_task(caf::actor_system& sys, std::shared_ptr<const task_instance> inst,
                      std::shared_ptr<const task_setup> setup, caf::actor subscriber);

// A task of a supervisor started again on its state: it goes on from what
// was recorded (lifecycle::ev::recovered) instead of starting anew.
task_actor spawn_recovered_task(caf::actor_system& sys, std::shared_ptr<const task_record> record,
                                std::shared_ptr<const task_setup> setup, caf::actor subscriber);

} // namespace stevedore

// Local only (the task-dir worker lives in the same actor system).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<const stevedore::task_instance>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<const stevedore::task_record>)
