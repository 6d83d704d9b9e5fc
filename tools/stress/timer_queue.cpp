#include "tools/stress/timer_queue.hpp"

namespace stevedore::stress {

timer_queue::timer_queue() : thread_([this] { loop(); }) {}

timer_queue::~timer_queue() {
  stop();
}

void timer_queue::at(clock::time_point when, std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mtx_);
    if (stopping_)
      return;
    queue_.push(entry{when, next_seq_++, std::move(fn)});
  }
  cv_.notify_one();
}

void timer_queue::stop() {
  {
    std::lock_guard<std::mutex> lock(mtx_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable())
    thread_.join();
}

void timer_queue::loop() {
  std::unique_lock<std::mutex> lock(mtx_);
  while (!stopping_) {
    if (queue_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto when = queue_.top().when;
    if (clock::now() < when) {
      cv_.wait_until(lock, when);
      continue;
    }
    auto fn = std::move(const_cast<entry&>(queue_.top()).fn);
    queue_.pop();
    lock.unlock();
    fn();
    lock.lock();
  }
}

} // namespace stevedore::stress
