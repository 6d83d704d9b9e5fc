// How lifecycles are paced, the same for every driver so that their figures
// compare: a driver supplies two asynchronous steps per task, `launch`
// (submit until running, or failed) and `teardown` (stop until removed), and
// the schedule keeps at most `concurrency` of them in flight.
//
//   batch:  launch_all() launches every task (at most C launches at once) and
//           returns when each runs or failed; the caller holds and measures;
//           teardown() then stops the running ones (at most C at once).
//   churn:  churn() runs each task's whole lifecycle (launch, hold, teardown)
//           with at most C lifecycles in flight, starting the next as one ends.
//
// Steps report through `done(ok)` exactly once, from any thread, possibly
// before they return. The blocking calls wait on the calling thread. With a
// step timeout, a step that has not reported in time counts as failed (its
// late report is ignored) and timed_out() names it, so one stuck task cannot
// hang the run.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "tools/stress/timer_queue.hpp"

namespace stevedore::stress {

// Counters for the progress bar, readable from any thread.
struct progress {
  std::atomic<std::int64_t> submitted{0}; // launches begun
  std::atomic<std::int64_t> running{0};   // launched and not torn down yet
  std::atomic<std::int64_t> completed{0}; // torn down after running
  std::atomic<std::int64_t> failed{0};    // a step failed
  std::int64_t live() const noexcept { return submitted - completed - failed; }
};

// Runs fn(item, done) for every item, at most `concurrency` at once, and
// returns when every done has been called. Safe when fn calls done
// synchronously (no recursion grows with the number of items).
using done_fn = std::function<void(bool ok)>;
void bounded_for_each(const std::vector<std::size_t>& items, std::size_t concurrency,
                      const std::function<void(std::size_t, done_fn)>& fn);

class schedule {
public:
  using step_fn = std::function<void(std::size_t index, done_fn done)>;

  schedule(std::size_t tasks, std::size_t concurrency, step_fn launch, step_fn teardown,
           std::chrono::steady_clock::duration step_timeout = {});

  // Batch mode. Returns the indices of the tasks that reached running.
  std::vector<std::size_t> launch_all();
  void teardown(const std::vector<std::size_t>& indices);

  // Churn mode; `hold` waits on `timers` (not at all when zero).
  void churn(std::chrono::steady_clock::duration hold, timer_queue& timers);

  const progress& counters() const noexcept { return progress_; }
  // The tasks whose launch or teardown timed out, in no particular order.
  std::vector<std::size_t> timed_out() const;
  // Step timeouts still armed (a step that ended drops its own).
  std::size_t armed_timeouts() const { return timeouts_.pending(); }

private:
  // `done` guarded by the step timeout: whichever of the step and the timer
  // comes first calls it.
  done_fn guard(std::size_t index, done_fn done);

  std::size_t tasks_;
  std::size_t concurrency_;
  step_fn launch_;
  step_fn teardown_;
  std::chrono::steady_clock::duration step_timeout_;
  progress progress_;
  mutable std::mutex mtx_;               // guards timed_out_
  std::vector<std::size_t> timed_out_;
  timer_queue timeouts_;                 // last: its thread stops before the rest goes
};

} // namespace stevedore::stress
