// A lifecycle driver: something that takes task i of a planned workload to
// running (launch) and back down to removed (teardown), recording each
// milestone in records[i] against the run's clock. The baseline (a bare
// Engine API client) and the supervisor (stevedore's embedding API) are the
// two; schedule.hpp paces both the same way.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "messages/error.hpp"
#include "messages/task_instance.hpp"
#include "tools/stress/figures.hpp"
#include "tools/stress/schedule.hpp"
#include "tools/stress/workload.hpp"

namespace stevedore::stress {

// The run's clock: microseconds since the driver's first submit may be taken
// from any thread.
class run_clock {
public:
  using clock = std::chrono::steady_clock;
  run_clock() : t0_(clock::now()) {}
  void restart() { t0_ = clock::now(); }
  std::int64_t now_us() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - t0_).count();
  }

private:
  clock::time_point t0_;
};

// Everything a driver works on. Each task's record is written only by the
// steps of that task, which run one after the other; the runner reads the
// records after the schedule has returned.
struct driver_context {
  const stress_options& options;
  // Planned, one allocation each: a driver that hands an instance over (the
  // supervisor keeps it) drops its own, so a task's plan is held once.
  std::vector<std::unique_ptr<task_instance>> work;
  std::vector<task_record> records;    // one per task
  run_clock clock;

  void fail(std::size_t i, const error_info& e) {
    records[i].error_kind = to_string(e.kind);
    records[i].error = to_string(e);
  }
  void mark(std::size_t i, milestone m) { records[i].set(m, clock.now_us()); }
};

class driver {
public:
  virtual ~driver() = default;
  virtual std::string name() const = 0;
  virtual void launch(std::size_t i, done_fn done) = 0;
  virtual void teardown(std::size_t i, done_fn done) = 0;
  // Stops whatever the driver started (supervisor, client threads); after
  // it, no step runs any more. Counted in the driver's CPU time.
  virtual void shutdown() = 0;
};

using driver_factory = std::function<std::unique_ptr<driver>(driver_context&)>;

} // namespace stevedore::stress
