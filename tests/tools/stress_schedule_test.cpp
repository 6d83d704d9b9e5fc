// tools/stress/schedule and timer_queue: the concurrency bound holds in both
// modes, every task is launched once and torn down once when it ran, failed
// launches are not torn down, synchronous completions do not recurse, and
// holds wait on the timer queue.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "tools/stress/schedule.hpp"
#include "tools/stress/timer_queue.hpp"

namespace stevedore::stress {
namespace {

using namespace std::chrono_literals;

// Steps that complete on worker threads after a short while, tracking how
// many are in flight at once.
struct async_steps {
  std::atomic<int> in_flight{0};
  std::atomic<int> peak{0};
  std::atomic<int> launches{0};
  std::atomic<int> teardowns{0};
  std::mutex mtx;
  std::vector<std::thread> threads;
  std::vector<int> torn_down;
  std::function<bool(std::size_t)> launch_ok = [](std::size_t) { return true; };

  ~async_steps() {
    for (auto& t : threads)
      t.join();
  }

  void enter() {
    int now = ++in_flight;
    int p = peak;
    while (now > p && !peak.compare_exchange_weak(p, now)) {
    }
  }

  void later(done_fn done, bool ok) {
    std::lock_guard<std::mutex> g(mtx);
    threads.emplace_back([this, done, ok] {
      std::this_thread::sleep_for(1ms);
      --in_flight;
      done(ok);
    });
  }

  schedule::step_fn launch() {
    return [this](std::size_t i, done_fn done) {
      ++launches;
      enter();
      later(std::move(done), launch_ok(i));
    };
  }

  schedule::step_fn teardown() {
    return [this](std::size_t i, done_fn done) {
      ++teardowns;
      {
        std::lock_guard<std::mutex> g(mtx);
        torn_down.push_back(static_cast<int>(i));
      }
      enter();
      later(std::move(done), true);
    };
  }
};

TEST(StressSchedule, BatchLaunchesAllWithinTheBound) {
  async_steps steps;
  schedule s(40, 4, steps.launch(), steps.teardown());
  auto running = s.launch_all();
  EXPECT_EQ(running.size(), 40u);
  EXPECT_EQ(steps.launches, 40);
  EXPECT_LE(steps.peak, 4);
  EXPECT_GE(steps.peak, 2); // it did run launches side by side
  EXPECT_EQ(s.counters().running, 40);
  EXPECT_EQ(steps.teardowns, 0); // nothing stops before teardown()

  steps.peak = 0;
  s.teardown(running);
  EXPECT_EQ(steps.teardowns, 40);
  EXPECT_LE(steps.peak, 4);
  EXPECT_EQ(s.counters().completed, 40);
  EXPECT_EQ(s.counters().running, 0);
  EXPECT_EQ(s.counters().live(), 0);
}

TEST(StressSchedule, FailedLaunchesAreCountedAndNotTornDown) {
  async_steps steps;
  steps.launch_ok = [](std::size_t i) { return i % 3 != 0; };
  schedule s(9, 2, steps.launch(), steps.teardown());
  auto running = s.launch_all();
  EXPECT_EQ(running, (std::vector<std::size_t>{1, 2, 4, 5, 7, 8}));
  EXPECT_EQ(s.counters().failed, 3);
  s.teardown(running);
  std::sort(steps.torn_down.begin(), steps.torn_down.end());
  EXPECT_EQ(steps.torn_down, (std::vector<int>{1, 2, 4, 5, 7, 8}));
}

TEST(StressSchedule, ChurnKeepsTheBoundOverWholeLifecycles) {
  // A lifecycle is in flight from launch to the end of its teardown: count
  // lifecycles rather than steps.
  std::atomic<int> lives{0}, peak{0}, ended{0};
  std::mutex mtx;
  std::vector<std::thread> threads;
  auto bump = [&] {
    int now = ++lives;
    int p = peak;
    while (now > p && !peak.compare_exchange_weak(p, now)) {
    }
  };
  auto later = [&](done_fn done) {
    std::lock_guard<std::mutex> g(mtx);
    threads.emplace_back([done] {
      std::this_thread::sleep_for(500us);
      done(true);
    });
  };
  schedule s(30, 3,
             [&](std::size_t, done_fn done) { bump(); later(std::move(done)); },
             [&](std::size_t, done_fn done) {
               later([&, done](bool ok) {
                 --lives;
                 ++ended;
                 done(ok);
               });
             });
  timer_queue timers;
  s.churn(2ms, timers);
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(ended, 30);
  EXPECT_LE(peak, 3);
  EXPECT_EQ(peak, 3);
  EXPECT_EQ(s.counters().completed, 30);
}

TEST(StressSchedule, SynchronousCompletionsDoNotRecurse) {
  // 200k tasks completing inside their own step: recursion per task would
  // overflow the stack long before this finishes.
  std::size_t launches = 0, teardowns = 0;
  schedule s(200000, 8, [&](std::size_t, done_fn done) { ++launches; done(true); },
             [&](std::size_t, done_fn done) { ++teardowns; done(true); });
  timer_queue timers;
  s.churn(std::chrono::steady_clock::duration::zero(), timers);
  EXPECT_EQ(launches, 200000u);
  EXPECT_EQ(teardowns, 200000u);
}

TEST(StressSchedule, StuckStepsTimeOutAndLateReportsAreIgnored) {
  // Task 1 never reports its launch; task 2 reports its teardown only after
  // its timeout. Both count as failed, once each, and the run ends.
  done_fn late;
  std::mutex mtx;
  schedule s(3, 3,
             [&](std::size_t i, done_fn done) {
               if (i != 1)
                 done(true);
             },
             [&](std::size_t i, done_fn done) {
               if (i == 2) {
                 std::lock_guard<std::mutex> g(mtx);
                 late = std::move(done);
               } else {
                 done(true);
               }
             },
             20ms);
  auto running = s.launch_all();
  EXPECT_EQ(running, (std::vector<std::size_t>{0, 2}));
  s.teardown(running);
  {
    std::lock_guard<std::mutex> g(mtx);
    ASSERT_TRUE(late);
    late(true); // after its timeout: ignored
  }
  EXPECT_EQ(s.counters().completed, 1);
  EXPECT_EQ(s.counters().failed, 2);
  auto t = s.timed_out();
  std::sort(t.begin(), t.end());
  EXPECT_EQ(t, (std::vector<std::size_t>{1, 2}));
}

TEST(StressSchedule, StepsThatEndInTimeDropTheirTimeouts) {
  schedule s(50, 8, [](std::size_t, done_fn done) { done(true); },
             [](std::size_t, done_fn done) { done(true); }, std::chrono::hours(1));
  auto running = s.launch_all();
  EXPECT_EQ(running.size(), 50u);
  EXPECT_EQ(s.armed_timeouts(), 0u); // not fifty timers waiting out the hour
  s.teardown(running);
  EXPECT_EQ(s.armed_timeouts(), 0u);
  EXPECT_EQ(s.counters().completed, 50);
  EXPECT_TRUE(s.timed_out().empty());
}

TEST(StressSchedule, NoTimeoutWithoutALimit) {
  schedule s(2, 1, [](std::size_t, done_fn done) { done(true); },
             [](std::size_t, done_fn done) { done(true); });
  s.teardown(s.launch_all());
  EXPECT_TRUE(s.timed_out().empty());
  EXPECT_EQ(s.counters().completed, 2);
}

TEST(StressSchedule, BoundedForEachVisitsEachItemOnce) {
  std::vector<std::size_t> items{5, 3, 9, 1};
  std::vector<std::size_t> seen;
  bounded_for_each(items, 1, [&](std::size_t i, done_fn done) {
    seen.push_back(i);
    done(true);
  });
  EXPECT_EQ(seen, items);
  bounded_for_each({}, 4, [&](std::size_t, done_fn) { FAIL() << "no items, no calls"; });
}

TEST(StressTimerQueue, RunsInDeadlineOrder) {
  timer_queue q;
  std::mutex mtx;
  std::vector<int> order;
  std::atomic<int> ran{0};
  auto now = timer_queue::clock::now();
  auto push = [&](int v) {
    return [&, v] {
      std::lock_guard<std::mutex> g(mtx);
      order.push_back(v);
      ++ran;
    };
  };
  q.at(now + 30ms, push(3));
  q.at(now + 10ms, push(1));
  q.at(now + 20ms, push(2));
  q.at(now + 20ms, push(22)); // same deadline: after the one scheduled first
  auto deadline = timer_queue::clock::now() + 2s;
  while (ran < 4 && timer_queue::clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  std::lock_guard<std::mutex> g(mtx);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 22, 3}));
}

// Only a new earliest timer wakes the loop: one set after a later one still
// runs on time, and timers set from several threads at once all run.
TEST(StressTimerQueue, AnEarlierTimerSetLaterWakesTheLoop) {
  timer_queue q;
  std::atomic<int> ran{0};
  q.after(10s, [&] { ran += 100; });
  std::this_thread::sleep_for(20ms); // the loop sleeps until the 10 s one
  q.after(10ms, [&] { ++ran; });
  std::vector<std::thread> setters;
  for (int t = 0; t < 4; ++t)
    setters.emplace_back([&q, &ran, t] {
      for (int i = 0; i < 250; ++i)
        q.after(std::chrono::microseconds((i * 7 + t * 13) % 300), [&ran] { ++ran; });
    });
  for (auto& t : setters)
    t.join();
  auto deadline = timer_queue::clock::now() + 5s;
  while (ran < 1001 && timer_queue::clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  EXPECT_EQ(ran, 1001);
  EXPECT_EQ(q.pending(), 1u); // the 10 s one
}

TEST(StressTimerQueue, CancelDropsOneThatHasNotRun) {
  timer_queue q;
  std::atomic<int> ran{0};
  auto dropped = q.after(50ms, [&] { ran += 10; });
  auto kept = q.after(60ms, [&] { ran += 1; });
  EXPECT_EQ(q.pending(), 2u);
  q.cancel(dropped);
  EXPECT_EQ(q.pending(), 1u);
  auto deadline = timer_queue::clock::now() + 2s;
  while (q.pending() > 0 && timer_queue::clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  q.stop();
  EXPECT_EQ(ran, 1);
  q.cancel(kept); // after it ran: nothing happens
  q.cancel(dropped);
  EXPECT_EQ(ran, 1);
}

TEST(StressTimerQueue, StopDropsWhatHasNotRun) {
  std::atomic<bool> ran{false};
  {
    timer_queue q;
    q.after(10s, [&] { ran = true; });
    q.stop();
    q.after(0s, [&] { ran = true; }); // after stop: ignored
  }
  EXPECT_FALSE(ran);
}

} // namespace
} // namespace stevedore::stress
