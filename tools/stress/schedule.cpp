#include "tools/stress/schedule.hpp"

#include <algorithm>
#include <memory>
#include <numeric>

namespace stevedore::stress {

namespace {

// Shared by the waiting thread and every done callback, which may outlive
// the wait (a callback still returning): it owns its copies of the items
// and of fn, so nothing it touches dies with the caller's frame.
struct window_state {
  std::vector<std::size_t> items;
  std::size_t concurrency = 1;
  std::function<void(std::size_t, done_fn)> fn;
  std::mutex mtx;
  std::condition_variable cv;
  std::size_t next = 0;
  std::size_t in_flight = 0;
  std::size_t finished = 0;
  bool pumping = false; // one thread starts items at a time; others leave it to that one
};

void pump(const std::shared_ptr<window_state>& st) {
  std::unique_lock<std::mutex> lock(st->mtx);
  if (st->pumping)
    return;
  st->pumping = true;
  while (st->next < st->items.size() && st->in_flight < st->concurrency) {
    auto item = st->items[st->next++];
    ++st->in_flight;
    lock.unlock();
    st->fn(item, [st](bool) {
      {
        std::lock_guard<std::mutex> g(st->mtx);
        --st->in_flight;
        ++st->finished;
      }
      pump(st);
    });
    lock.lock();
  }
  st->pumping = false;
  // The waiter wakes only when it can leave: waking it at every item would
  // be a context switch per item for nothing.
  bool all_done = st->finished == st->items.size();
  lock.unlock();
  if (all_done)
    st->cv.notify_all();
}

std::vector<std::size_t> iota_n(std::size_t n) {
  std::vector<std::size_t> v(n);
  std::iota(v.begin(), v.end(), std::size_t{0});
  return v;
}

} // namespace

void bounded_for_each(const std::vector<std::size_t>& items, std::size_t concurrency,
                      const std::function<void(std::size_t, done_fn)>& fn) {
  auto st = std::make_shared<window_state>();
  st->items = items;
  st->concurrency = std::max<std::size_t>(1, concurrency);
  st->fn = fn;
  pump(st);
  std::unique_lock<std::mutex> lock(st->mtx);
  // fn may capture the caller's frame: return only when no pump can call it
  // again (all started and finished, nobody inside the loop).
  st->cv.wait(lock, [&] { return st->finished == st->items.size() && !st->pumping; });
}

schedule::schedule(std::size_t tasks, std::size_t concurrency, step_fn launch, step_fn teardown,
                   std::chrono::steady_clock::duration step_timeout)
  : tasks_(tasks), concurrency_(std::max<std::size_t>(1, concurrency)),
    launch_(std::move(launch)), teardown_(std::move(teardown)), step_timeout_(step_timeout) {}

done_fn schedule::guard(std::size_t index, done_fn done) {
  if (step_timeout_ <= step_timeout_.zero())
    return done;
  auto once = std::make_shared<std::atomic<bool>>(false);
  auto target = std::make_shared<done_fn>(std::move(done));
  auto timer = timeouts_.after(step_timeout_, [this, index, once, target] {
    if (once->exchange(true))
      return;
    {
      std::lock_guard<std::mutex> g(mtx_);
      timed_out_.push_back(index);
    }
    (*target)(false);
  });
  // A step that ends in time drops its timeout (thousands of steps would
  // otherwise each hold one for the whole --step-timeout).
  return [this, timer, once, target](bool ok) {
    if (once->exchange(true))
      return;
    timeouts_.cancel(timer);
    (*target)(ok);
  };
}

std::vector<std::size_t> schedule::timed_out() const {
  std::lock_guard<std::mutex> g(mtx_);
  return timed_out_;
}

std::vector<std::size_t> schedule::launch_all() {
  std::vector<char> ran(tasks_, 0);
  bounded_for_each(iota_n(tasks_), concurrency_, [&](std::size_t i, done_fn done) {
    ++progress_.submitted;
    launch_(i, guard(i, [this, i, &ran, done = std::move(done)](bool ok) {
      if (ok) {
        ran[i] = 1;
        ++progress_.running;
      } else {
        ++progress_.failed;
      }
      done(ok);
    }));
  });
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < tasks_; ++i)
    if (ran[i])
      out.push_back(i);
  return out;
}

void schedule::teardown(const std::vector<std::size_t>& indices) {
  bounded_for_each(indices, concurrency_, [&](std::size_t i, done_fn done) {
    teardown_(i, guard(i, [this, done = std::move(done)](bool ok) {
      --progress_.running;
      ++(ok ? progress_.completed : progress_.failed);
      done(ok);
    }));
  });
}

void schedule::churn(std::chrono::steady_clock::duration hold, timer_queue& timers) {
  bounded_for_each(iota_n(tasks_), concurrency_, [&](std::size_t i, done_fn done) {
    ++progress_.submitted;
    launch_(i, guard(i, [this, i, hold, &timers, done = std::move(done)](bool ok) mutable {
      if (!ok) {
        ++progress_.failed;
        done(false);
        return;
      }
      ++progress_.running;
      auto down = [this, i, done = std::move(done)]() mutable {
        teardown_(i, guard(i, [this, done = std::move(done)](bool ok) {
          --progress_.running;
          ++(ok ? progress_.completed : progress_.failed);
          done(ok);
        }));
      };
      if (hold.count() > 0)
        timers.after(hold, std::move(down));
      else
        down();
    }));
  });
}

} // namespace stevedore::stress
