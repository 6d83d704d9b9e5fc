// Internal to the task actor (task_actor.cpp, task_steps.cpp): its state and
// the steps of its lifecycle. Not part of any interface.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/log_follower.hpp"
#include "actors/clock.hpp"
#include "policy/restart_tracker.hpp"
#include "actors/task_actor.hpp"
#include "messages/node.hpp"

namespace stevedore::task_detail {

// Answers of Engine API calls, sent by the client's I/O thread to the actor:
// (atom, epoch, value) or (atom, epoch, error_info).
using created_atom = caf::atom_constant<caf::atom("created")>;
using conflict_atom = caf::atom_constant<caf::atom("conflict")>;
using cleared_atom = caf::atom_constant<caf::atom("cleared")>;
using started_atom = caf::atom_constant<caf::atom("started")>;
using inspected_atom = caf::atom_constant<caf::atom("inspected")>;
using killed_atom = caf::atom_constant<caf::atom("killed")>;
using removed_atom = caf::atom_constant<caf::atom("removed")>;
using sigreply_atom = caf::atom_constant<caf::atom("sigreply")>;
// Timers: (timer_atom, kind, epoch).
using killtimer_atom = caf::atom_constant<caf::atom("killtimer")>;
using restart_atom = caf::atom_constant<caf::atom("restart")>;
using parked_atom = caf::atom_constant<caf::atom("parked")>;
using logdrain_atom = caf::atom_constant<caf::atom("logdrain")>;
using oomwait_atom = caf::atom_constant<caf::atom("oomwait")>;

// What follows a container removal.
enum class after_remove : std::uint8_t { clean, fail, restart };

// Progress of the pull the task waits for.
struct pull_state {
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> layers; // id -> (current, total)
  std::int64_t layers_done = 0;
  std::int64_t last_progress_ms = 0; // progress events are at most one per progress_every
};

struct state {
  static inline const char* name = "task";

  const task_services& svc() const { return setup->svc; }
  const task_settings& settings() const { return setup->settings; }
  // "{alloc_id}/{task}", made from the plan when needed rather than kept.
  std::string task_id() const { return task_id_of(*inst); }
  // The restart policy's count of failures, made on first use.
  restart_tracker& restart_tracker_of() {
    if (!tracker)
      tracker = std::make_unique<restart_tracker>(inst->task->restart);
    return *tracker;
  }
  // The last exit, made on first use.
  exit_result& last_exit() {
    if (!exit)
      exit = std::make_unique<exit_result>();
    return *exit;
  }

  // -- what to run and with whom --
  std::shared_ptr<const task_instance> inst; // the plan (create body, labels, ports), shared with the supervisor
  std::shared_ptr<const task_setup> setup; // services and settings, shared by a supervisor's tasks
  std::vector<caf::actor> subscribers; // hear every task_event, then done

  // -- recovery state (DESIGN.md Durability): what a restarted supervisor
  //    needs to re-attach; alloc id and container name are in `inst` --
  std::string container_id;            // empty until created or adopted
  std::string image_id;                // the leased image; empty without a lease
  bool has_lease = false;
  std::string image_stop_signal;       // all the task keeps of its lease's image inspect
  bool create_pending = false;         // the intent "create <name>" until the answer confirms it

  // -- lifecycle --
  task_state current = task_state::pending;
  std::vector<state_change> history;
  std::unique_ptr<exit_result> exit;   // the last exit, once there was one
  std::int64_t restarts = 0;
  std::unique_ptr<restart_tracker> tracker; // made at the first failure (restart_tracker_of)
  bool stop_requested = false;         // stop asked; steps in flight end in cleanup
  bool kill_armed = false;             // the SIGKILL timer is running
  bool sigkill_sent = false;
  bool kill_delivered = false;         // the daemon took the last stop signal
  after_remove then = after_remove::clean;
  std::string final_reason;            // reason of the failure that cleanup ends with
  std::int64_t restart_delay_ms = 0;

  // -- retries --
  std::uint64_t epoch = 0;             // bumped per state and per attempt: older answers are stale
  int attempts = 0;                    // transient failures of the current step
  int conflict_attempts = 0;           // dead containers of ours removed on 409
  bool parked = false;                 // waiting for the daemon to come back
  std::string parked_because;

  // -- helpers of the running container --
  std::unique_ptr<log_follower> logs;  // follows the running container's output; null once on disk
  bool draining_logs = false;          // cleanup waits for the follower to finish
  bool stats_watched = false;
  bool events_watched = false;
  std::vector<std::pair<std::uint64_t, caf::response_promise>> signal_replies; // by signal id
  std::uint64_t next_signal = 0;
  std::unique_ptr<pull_state> pulling; // while an image is pulled for the task
  bool oom_told = false;               // one OOM warning per run (the kernel reports each kill)
  // A SIGKILL exit waiting out oom_grace for a late oom event. Members seldom
  // set are held by pointer: thousands of running tasks carry this state.
  std::unique_ptr<container_info> exit_held;

  // -- inspection --
  std::int64_t messages = 0;
  const char* last_message = "";       // a literal: what note() was told
  std::int64_t last_at_ms = 0;
};

using self_ptr = caf::stateful_actor<state>*;


// What a stop sends first: the task's kill_signal, else its image's STOPSIGNAL, else SIGTERM.
std::string stop_signal_of(const state& s);

// Reporting
void emit(self_ptr self, task_event ev);
void set_state(self_ptr self, task_state st, std::string reason = {});
void warn(self_ptr self, std::string message);
task_status status_of(const state& s);

// Steps (task_steps.cpp)
void prepare(self_ptr self);
void pull(self_ptr self);
void create(self_ptr self);
void start(self_ptr self);
void inspect(self_ptr self);
void begin_stop(self_ptr self);
void kill(self_ptr self, const std::string& signal);
void on_exit(self_ptr self, const container_info& info);
// An exit held for a late oom event (task_actor.cpp on_inspect) goes on now.
void release_held_exit(self_ptr self);
void cleanup(self_ptr self, after_remove then, std::string reason);
// The rest of cleanup, once the container's output is on disk.
void continue_cleanup(self_ptr self);
void remove_container(self_ptr self);
void finish(self_ptr self, task_state st, std::string reason);
// The log follower is done (output on disk): dropped, and cleanup goes on if
// it waited for it.
void on_logs_finished(self_ptr self);
void fail(self_ptr self, std::string reason);
// A transient or permanent error of the current step: retried, parked or failed.
void step_error(self_ptr self, const error_info& err);
// Redo what the current state waits for (after a retry delay or the daemon's return).
void resume(self_ptr self);
// A timer of this task, (timer_atom, kind, epoch) after `delay`: through the
// supervisor's timer_service when there is one, else a delayed_send.
void arm(self_ptr self, caf::atom_value kind, std::chrono::milliseconds delay);

// Engine API callback that forwards to the actor as (Atom, epoch, T|error_info).
template <class Atom, class T>
docker::callback<T> reply(self_ptr self) {
  caf::actor me = caf::actor_cast<caf::actor>(self);
  auto epoch = self->state.epoch;
  return [me, epoch](result<T> r) {
    if (r)
      caf::anon_send(me, Atom::value, epoch, std::move(r).value());
    else
      caf::anon_send(me, Atom::value, epoch, std::move(r).error());
  };
}

} // namespace stevedore::task_detail
