// One `stevedore stress` run: each driver in turn plans its workload, runs
// it through the schedule (batch or churn), is measured (time, CPU, RSS,
// idle cost) and shut down, and the daemon is checked for containers it
// left behind (which are then removed, so the next driver starts clean).
//
// Memory: RSS before planning to RSS when the most tasks were live, so a
// task's figure includes its planned instance, which the driver holds. CPU
// and time: from the driver's creation to its shutdown; planning is not
// counted (both drivers send the same planned bodies).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "messages/result.hpp"
#include "tools/stress/driver.hpp"
#include "tools/stress/figures.hpp"

namespace stevedore::docker {
class client;
}

namespace stevedore::stress {

struct named_driver {
  std::string name;     // "baseline", "stevedore": also the job name suffix
  driver_factory make;
};

struct run_hooks {
  // Every ~100 ms while a driver runs, from a helper thread.
  std::function<void(const std::string& driver, const progress& p, std::int64_t total)> on_progress;
  // One line about what happens next ("stevedore: planning 100 tasks").
  std::function<void(const std::string& line)> on_note;
};

// Runs `drivers` in the given order; `checker` is a client of the same
// daemon used only to look for leftovers. Errors: invalid options, a plan
// that fails, a temporary folder that cannot be made.
result<run_figures> run_stress(const stress_options& opts, const std::vector<named_driver>& drivers,
                               docker::client& checker, const run_hooks& hooks);

// "baseline first, then stevedore" for the order given.
std::string order_text(const std::vector<named_driver>& drivers);

} // namespace stevedore::stress
