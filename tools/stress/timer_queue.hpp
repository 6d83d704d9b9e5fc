// One thread that runs functions at given times: the holds of churn mode and
// the step timeouts. The drivers' own callbacks run on the Docker client's or
// CAF's threads, which must not sleep, so a task that holds hands its next
// step here. Functions run in deadline order (ties: in the order scheduled)
// and must not block; cancel() drops one that has not run (a step that ended
// in time frees its timeout at once), stop() drops all that have not.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

namespace stevedore::stress {

class timer_queue {
public:
  using clock = std::chrono::steady_clock;

  timer_queue();
  ~timer_queue(); // stop()
  timer_queue(const timer_queue&) = delete;
  timer_queue& operator=(const timer_queue&) = delete;

  // Names a scheduled function for cancel().
  using timer_id = std::pair<clock::time_point, std::uint64_t>;

  timer_id at(clock::time_point when, std::function<void()> fn);
  timer_id after(clock::duration delay, std::function<void()> fn) {
    return at(clock::now() + delay, std::move(fn));
  }
  // Drops the function unless it has run or is running; any thread.
  void cancel(const timer_id& id);
  // Functions waiting to run.
  std::size_t pending() const;

  // Joins the thread; pending functions never run. Idempotent; not from a
  // function the queue runs.
  void stop();

private:
  void loop();

  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::map<timer_id, std::function<void()>> queue_; // by deadline, then scheduling order
  std::uint64_t next_seq_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace stevedore::stress
