// Pure decisions of the task actor that need no actor: Nomad's restart
// policy (client/allocrunner/taskrunner/restarts) and retry backoff. Kept
// apart so they are tested as tables, with explicit clocks.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "messages/task_spec.hpp"

namespace stevedore {

// What to do after a task failed (exited non-zero, OOM-killed, or could not
// be started).
struct restart_decision {
  bool restart = false;           // false: the task fails
  std::int64_t delay_ms = 0;      // wait this long before restarting
  std::string reason;             // "restart 1 of 2 within 30m0s, in 15s" / "restart attempts exhausted"
};

// The window of Nomad's restart tracker: restarts granted since start_ms.
struct restart_window {
  std::int64_t start_ms = -1; // -1: no failure yet
  std::int64_t count = 0;
};

// Nomad's restart decision after a failure at now_ms, moving `window` on.
restart_decision next_restart(const restart_spec& policy, restart_window& window,
                              std::int64_t now_ms);

// Nomad's restart tracker: `attempts` restarts within an `interval` that
// starts at the first failure of the window; past that, mode "fail" stops
// restarting and mode "delay" waits until the window ends, then restarts and
// opens a new window. Times are milliseconds on any monotonic clock.
class restart_tracker {
public:
  explicit restart_tracker(restart_spec policy) : policy_(std::move(policy)) {}

  restart_decision on_failure(std::int64_t now_ms);

  std::int64_t count() const noexcept { return window_.count; }
  const restart_spec& policy() const noexcept { return policy_; }

private:
  restart_spec policy_;
  restart_window window_;
};

// Exponential backoff: base * 2^attempt, capped at max (attempt counts from 0).
std::chrono::milliseconds backoff(int attempt, std::chrono::milliseconds base,
                                  std::chrono::milliseconds max);

// "1h2m3s", "15s", "250ms": durations as Nomad prints them.
std::string format_duration_ms(std::int64_t ms);

} // namespace stevedore
