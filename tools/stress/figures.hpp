// What one stress run measured: per task, the moments its lifecycle reached
// (microseconds since the driver's first submit), and per driver the totals
// and the process's resource use. Drivers fill these; stats.hpp summarises
// them; report.hpp writes them out. Plain data, no logic beyond the phase
// arithmetic.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace stevedore::stress {

// The phases a lifecycle is timed by. `running` is the whole way from submit
// to running (time to running); the others are consecutive steps.
enum class phase : std::uint8_t { pull, create, start, running, stop, remove };
inline constexpr std::size_t phase_count = 6;
inline constexpr std::array<phase, phase_count> all_phases = {
  phase::pull, phase::create, phase::start, phase::running, phase::stop, phase::remove};

const char* to_string(phase p) noexcept;

// The moments of one lifecycle, in order; -1 where it was never reached.
enum class milestone : std::uint8_t {
  submitted,      // the driver asked for the task
  image_ready,    // the image is on the node (pulled, or found present)
  created,        // the container exists
  running,        // the container runs
  stop_requested, // the driver asked for the stop
  exited,         // the container stopped
  cleaned,        // the container is removed
};
inline constexpr std::size_t milestone_count = 7;

struct task_record {
  std::array<std::int64_t, milestone_count> at_us{-1, -1, -1, -1, -1, -1, -1};
  std::string error_kind; // errc name ("timeout", "daemon_error") when it failed, or
                          // "step_timeout" (--step-timeout: it hung); else empty
  std::string error;      // one line: what failed and why

  std::int64_t at(milestone m) const noexcept { return at_us[static_cast<std::size_t>(m)]; }
  void set(milestone m, std::int64_t us) noexcept { at_us[static_cast<std::size_t>(m)] = us; }
  bool failed() const noexcept { return !error_kind.empty(); }
  // The phase's duration in microseconds, or -1 when either end is missing.
  std::int64_t duration_us(phase p) const noexcept;
};

// The process's resources around one driver's run.
struct usage_figures {
  std::int64_t cpu_us = 0;          // user + system CPU time spent during the run
  std::int64_t peak_rss_kb = 0;     // highest RSS during the run (VmHWM, reset before it)
  std::int64_t rss_before_kb = 0;   // RSS when the driver started
  std::int64_t rss_planned_kb = 0;  // RSS once its workload was planned (before any start)
  std::int64_t rss_live_kb = 0;     // RSS when the most tasks were live
  std::int64_t live_tasks = 0;      // how many tasks were live then
  // (rss_live - rss_before) / live_tasks, in bytes; 0 when nothing was live.
  std::int64_t bytes_per_task() const noexcept;
  // (rss_planned - rss_before) / tasks: what the planned instances alone
  // take, which bytes_per_task includes (the driver holds them).
  std::int64_t plan_bytes_per_task(std::int64_t tasks) const noexcept;
};

// Idle measurement (--idle-measure): every task running, nothing asked.
struct idle_figures {
  double seconds = 0;               // how long it was measured; 0: not measured
  std::int64_t tasks = 0;           // tasks running meanwhile
  std::int64_t cpu_us = 0;          // CPU time the process spent meanwhile
  std::int64_t rss_kb = 0;          // RSS at the end of it
  std::int64_t threads = 0;         // the process's threads
  std::int64_t child_processes = 0; // processes whose parent is this one
};

struct driver_figures {
  std::string driver;               // "baseline" or "stevedore"
  std::vector<task_record> tasks;   // one per lifecycle, in submit order
  std::int64_t wall_us = 0;         // first submit to the last lifecycle's end
  std::int64_t all_running_us = -1; // first submit to the last task running (batch mode), else -1
  usage_figures usage;
  idle_figures idle;
  std::int64_t leftover_containers = -1; // containers of this run still on the daemon; -1: not checked

  std::int64_t completed() const noexcept; // lifecycles that reached cleaned
  std::int64_t failed() const noexcept;
  std::map<std::string, std::int64_t> errors_by_kind() const;
};

// The parameters of the run, as given.
struct run_settings {
  std::int64_t tasks = 0;
  std::int64_t concurrency = 0;
  bool churn = false;
  double hold_s = 0;
  std::string image;
  std::vector<std::string> command;
  std::string endpoint;
  std::string order;                // "baseline first, then stevedore", ...
};

struct run_figures {
  run_settings settings;
  std::vector<driver_figures> drivers; // in the order they ran
  const driver_figures* find(const std::string& driver) const noexcept;
};

} // namespace stevedore::stress
