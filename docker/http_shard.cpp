#include "docker/http_shard.hpp"

#include <vector>

#include <boost/asio/post.hpp>

#include "docker/http_call.hpp"

namespace stevedore::docker::detail {

shard::shard(std::size_t max_idle, std::size_t max_active)
    : work_(net::make_work_guard(ioc_)), max_idle_(max_idle),
      max_active_(max_active == 0 ? 1 : max_active) {}

shard::~shard() = default;

void shard::run() {
  thread_id_ = std::this_thread::get_id();
  for (;;) {
    try {
      ioc_.run();
      break;
    } catch (...) {
      // Callbacks are guarded where they are called; nothing of ours throws
      // past a handler. Keep serving the other calls regardless.
    }
  }
  finished_ = true;
}

void shard::post_start(std::shared_ptr<call_base> call) {
  net::post(ioc_, [call = std::move(call)] { call->start(); });
}

void shard::post_cancel(std::weak_ptr<call_base> call) {
  if (finished_)
    return;
  net::post(ioc_, [call = std::move(call)] {
    if (auto c = call.lock())
      c->cancel(errc::cancelled, "cancelled");
  });
}

void shard::begin_close() {
  net::post(ioc_, [self = shared_from_this()] { self->close_all(); });
  work_.reset();
}

void shard::close_all() {
  closed_ = true;
  idle_.clear(); // closes the sockets; no operation is pending on an idle connection
  waiting_.clear();
  // Ending a call removes it from live_ (and may run a callback that starts
  // another call, which now ends at once): iterate over a copy, holding each
  // call alive across its own end.
  std::vector<std::shared_ptr<call_base>> calls;
  calls.reserve(live_.size());
  for (auto* c : live_)
    calls.push_back(c->shared_from_this());
  for (auto& c : calls)
    c->cancel(errc::cancelled, "transport shut down");
}

std::unique_ptr<connection> shard::take_idle() {
  while (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    if (conn->idle_usable())
      return conn;
    conn->close();
  }
  return nullptr;
}

void shard::put_idle(std::unique_ptr<connection> conn) {
  if (!conn)
    return;
  if (closed_ || max_idle_ == 0) {
    conn->close();
    return;
  }
  while (idle_.size() >= max_idle_) {
    idle_.front()->close();
    idle_.pop_front();
  }
  idle_.push_back(std::move(conn));
}

net::mutable_buffer shard::scratch() {
  constexpr std::size_t size = 64 * 1024;
  if (!scratch_)
    scratch_ = std::make_unique<char[]>(size);
  return net::mutable_buffer(scratch_.get(), size);
}

bool shard::try_acquire_slot() {
  while (!waiting_.empty()) { // calls that ended while waiting keep no place in line
    auto first = waiting_.front().lock();
    if (first && !first->done())
      break;
    waiting_.pop_front();
  }
  if (active_ >= max_active_ || !waiting_.empty())
    return false;
  ++active_;
  return true;
}

void shard::wait_for_slot(std::weak_ptr<call_base> call) {
  waiting_.push_back(std::move(call));
}

void shard::release_slot(std::unique_ptr<connection> conn) {
  while (!waiting_.empty()) {
    auto next = waiting_.front().lock();
    waiting_.pop_front();
    if (!next || next->done())
      continue;
    // The slot moves to `next` without ever being free. Posted, so that a
    // long line of waiters never nests calls inside each other.
    net::post(ioc_, [next = std::move(next), conn = std::move(conn)]() mutable {
      next->resume(std::move(conn));
    });
    return;
  }
  --active_;
  put_idle(std::move(conn));
}

} // namespace stevedore::docker::detail
