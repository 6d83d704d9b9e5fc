#include "tools/stress/timer_queue.hpp"

namespace stevedore::stress {

timer_queue::timer_queue() : thread_([this] { loop(); }) {}

timer_queue::~timer_queue() {
  stop();
}

timer_queue::timer_id timer_queue::at(clock::time_point when, std::function<void()> fn) {
  timer_id id{when, 0};
  bool earliest = false;
  {
    std::lock_guard<std::mutex> lock(mtx_);
    id.second = next_seq_++;
    if (stopping_)
      return id;
    auto placed = queue_.emplace(id, std::move(fn)).first;
    earliest = placed == queue_.begin();
  }
  // The loop sleeps until the earliest timer: only a new earliest one needs
  // to wake it (step timeouts, minutes away, are set by the thousand).
  if (earliest)
    cv_.notify_one();
  return id;
}

void timer_queue::cancel(const timer_id& id) {
  std::function<void()> dropped; // destroyed outside the lock
  std::lock_guard<std::mutex> lock(mtx_);
  auto it = queue_.find(id);
  if (it == queue_.end())
    return;
  dropped = std::move(it->second);
  queue_.erase(it);
}

std::size_t timer_queue::pending() const {
  std::lock_guard<std::mutex> lock(mtx_);
  return queue_.size();
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
    auto first = queue_.begin();
    auto when = first->first.first;
    if (clock::now() < when) {
      cv_.wait_until(lock, when);
      continue;
    }
    auto fn = std::move(first->second);
    queue_.erase(first);
    lock.unlock();
    fn();
    lock.lock();
  }
}

} // namespace stevedore::stress
