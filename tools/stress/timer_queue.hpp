// One thread that runs functions at given times: the holds of churn mode.
// The drivers' own callbacks run on the Docker client's or CAF's threads,
// which must not sleep, so a task that holds hands its next step here.
// Functions run in deadline order (ties: in the order scheduled) and must
// not block; stop() drops what has not run yet.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace stevedore::stress {

class timer_queue {
public:
  using clock = std::chrono::steady_clock;

  timer_queue();
  ~timer_queue(); // stop()
  timer_queue(const timer_queue&) = delete;
  timer_queue& operator=(const timer_queue&) = delete;

  void at(clock::time_point when, std::function<void()> fn);
  void after(clock::duration delay, std::function<void()> fn) { at(clock::now() + delay, std::move(fn)); }

  // Joins the thread; pending functions never run. Idempotent; not from a
  // function the queue runs.
  void stop();

private:
  struct entry {
    clock::time_point when;
    std::uint64_t seq; // keeps equal deadlines in scheduling order
    std::function<void()> fn;
  };
  struct later {
    bool operator()(const entry& a, const entry& b) const {
      return a.when != b.when ? a.when > b.when : a.seq > b.seq;
    }
  };

  void loop();

  std::mutex mtx_;
  std::condition_variable cv_;
  std::priority_queue<entry, std::vector<entry>, later> queue_;
  std::uint64_t next_seq_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace stevedore::stress
