// What the supervisor tells about tasks: lifecycle states, the events that
// move a task between them, the exit result, and a task's full status.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace stevedore {

//   pending -> pulling -> creating -> starting -> running -> stopping -> exited -> cleaned
//   failed is reachable from every step and carries a reason.
enum class task_state : std::uint8_t {
  pending,
  pulling,
  creating,
  starting,
  running,
  stopping,
  exited,
  cleaned,
  failed,
};

const char* to_string(task_state s) noexcept;

// True for states a task never leaves on its own (cleaned, failed).
inline bool is_terminal(task_state s) noexcept {
  return s == task_state::cleaned || s == task_state::failed;
}

// How the container ended.
struct exit_result {
  std::int64_t exit_code = 0;
  std::string signal;       // "SIGKILL" when the exit code says a signal ended it (128+n), else empty
  bool oom_killed = false;
  std::string error;        // the daemon's State.Error, if any
  std::int64_t finished_at_ms = 0;
};

// One entry of a task's state history.
struct state_change {
  task_state state = task_state::pending;
  std::int64_t at_ms = 0;   // Unix epoch, milliseconds
  std::string reason;       // why (failures, restarts, adoption), empty otherwise
};

// Everything a subscriber hears about a task. `kind` says which fields matter:
//   "state"    state, reason
//   "progress" message (pull progress: "3/5 layers, 12.1/40.0 MB"), bytes_* fields
//   "warning"  message (soft-failed auth, unresolved interpolation, adopted container)
//   "exit"     exit
//   "restart"  message (attempt n of m, delay)
//   "recovered" message: what a task recovered from the state store found
//              (its container running, exited or gone; or what it does
//              instead), once, when it knows
struct task_event {
  std::string task_id;
  std::string kind;
  task_state state = task_state::pending;
  std::int64_t at_ms = 0;
  std::string message;
  std::int64_t bytes_current = 0;
  std::int64_t bytes_total = 0;
  exit_result exit;
};

struct port_mapping {
  std::string label;
  std::int64_t host_port = 0;
  std::int64_t container_port = 0;
};

// A task's whole status, as the supervisor and the console show it.
struct task_status {
  std::string task_id;          // "{alloc_id}/{task}": unique in a supervisor
  std::string task_name;
  std::string alloc_id;
  std::string job_name;
  std::string group_name;
  std::string container_name;
  std::string container_id;
  std::string image;            // the reference asked for
  std::string image_id;         // the leased image id
  task_state state = task_state::pending;
  std::vector<state_change> history;
  exit_result exit;
  std::vector<port_mapping> ports;
  std::int64_t restarts = 0;
};

// What a command run with exec in a task's container printed, and how it ended.
struct exec_output {
  std::int64_t exit_code = -1;
  std::string stdout_text;
  std::string stderr_text;
  bool truncated = false;   // output went past the cap (1 MiB, both streams) and was cut
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exec_output& x) {
  return f(caf::meta::type_name("stevedore::exec_output"), x.exit_code, x.stdout_text,
           x.stderr_text, x.truncated);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exit_result& x) {
  return f(caf::meta::type_name("stevedore::exit_result"), x.exit_code, x.signal,
           x.oom_killed, x.error, x.finished_at_ms);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, state_change& x) {
  return f(caf::meta::type_name("stevedore::state_change"), x.state, x.at_ms, x.reason);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_event& x) {
  return f(caf::meta::type_name("stevedore::task_event"), x.task_id, x.kind, x.state,
           x.at_ms, x.message, x.bytes_current, x.bytes_total, x.exit);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, port_mapping& x) {
  return f(caf::meta::type_name("stevedore::port_mapping"), x.label, x.host_port,
           x.container_port);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_status& x) {
  return f(caf::meta::type_name("stevedore::task_status"), x.task_id, x.task_name,
           x.alloc_id, x.job_name, x.group_name, x.container_name, x.container_id,
           x.image, x.image_id, x.state, x.history, x.exit, x.ports, x.restarts);
}

} // namespace stevedore
