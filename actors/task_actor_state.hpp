// Internal to the task actor (task_actor.cpp, task_commands.cpp): its state
// and the executor of the lifecycle's commands. Not part of any interface.
//
// The task's life is decided by policy/lifecycle.hpp's step function; the
// actor keeps the lifecycle value, turns messages into events, steps, and
// carries out the commands. It keeps no lifecycle flag of its own: what it
// holds beyond the lifecycle is the plan, its helpers (the log follower),
// reporting (history, subscribers) and the replies it owes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/activity.hpp"
#include "actors/clock.hpp"
#include "actors/log_follower.hpp"
#include "actors/task_exec.hpp"
#include "actors/task_actor.hpp"
#include "messages/node.hpp"
#include "policy/lifecycle.hpp"

namespace stevedore::task_detail {

// Calls that answer in the lifecycle's shapes (answer_atom, timer_atom) but
// are not the lifecycle's: their `call` (or timer) values lie above every
// lifecycle::call and lifecycle::timer, and their id takes the epoch's place.
enum class side_call : std::uint8_t {
  signal = 100,  // a user's signal: (answer_atom, signal, signal id, unit | error_info)
  exec_create,   // an exec's calls: (answer_atom, exec_*, run id, error_info),
  exec_start,    //   exec_start also (.., unit) when its output has ended
  exec_inspect,
  exec_deadline, // (timer_atom, exec_deadline, run id)
};
constexpr std::uint8_t first_side_call = static_cast<std::uint8_t>(side_call::signal);

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

  // -- what to run and with whom --
  std::shared_ptr<const task_instance> inst; // the plan (create body, labels, ports), shared with the supervisor
  std::shared_ptr<const task_setup> setup; // services and settings, shared by a supervisor's tasks
  std::vector<caf::actor> subscribers; // hear every task_event, then done

  // -- the life: everything the lifecycle decides by, recovery state included --
  lifecycle::lifecycle life;
  std::vector<state_change> history;

  // -- the executor --
  std::vector<lifecycle::event> queued; // events raised while commands run
  bool stepping = false;                // a step's commands are being carried out

  // -- durability (state_store.hpp) --
  bool plan_stored = false;             // the store holds the plan: later records leave it out
  std::uint32_t intents_unsynced = 0;   // create intents sent to the store, not yet committed
  std::optional<std::uint32_t> held_create; // a create's epoch, sent once the intents are on disk
  std::string resume_logs_at;           // a recovered task's stored log position, for its follower

  // -- helpers of the running container --
  std::unique_ptr<log_follower> logs;  // follows the running container's output; null once on disk
  std::vector<std::pair<std::uint32_t, caf::response_promise>> signal_replies; // by signal id
  std::uint32_t next_signal = 0;
  std::unique_ptr<pull_state> pulling; // while an image is pulled for the task
  std::unique_ptr<exec_table> execs;   // open exec runs (task_exec.cpp)

  activity seen; // inspection
};

using self_ptr = task_actor::stateful_pointer<state>;

// The task's fixed rules for the step function, from its plan and settings.
lifecycle::rules rules_of(const state& s);

// Steps the lifecycle with `what` and carries out the commands (events that
// commands raise meanwhile are queued and stepped after them).
void handle(self_ptr self, lifecycle::event_data what);

// Carries out one command (task_commands.cpp).
void execute(self_ptr self, const lifecycle::command& c);

// What the state store keeps of the task now (task_commands.cpp).
task_record record_of(state& s);

// The lifecycle event that goes on from a stored record.
lifecycle::ev::recovered recovered_event(const task_record& r);

// Exec runs (task_exec.cpp): a request, the answers of its calls, its
// deadline, and the end of every open run when the task ends.
caf::result<exec_output> start_exec(self_ptr self, std::vector<std::string> cmd,
                                    std::int64_t timeout_ms);
void on_exec_created(self_ptr self, std::uint32_t seq, std::string exec_id);
void on_exec_output_end(self_ptr self, std::uint32_t seq);
void on_exec_inspected(self_ptr self, std::uint32_t seq, const exec_info& info);
void on_exec_failed(self_ptr self, std::uint32_t seq, side_call step, const error_info& e);
void on_exec_deadline(self_ptr self, std::uint32_t seq);
void end_execs(self_ptr self);

// Reporting
void emit(self_ptr self, task_event ev);
task_status status_of(const state& s);

} // namespace stevedore::task_detail
