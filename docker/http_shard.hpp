// One I/O thread of a transport and everything only that thread touches: its
// io_context, its pool of idle keep-alive connections, its budget of
// connections for buffered calls (and the line of calls waiting for one), and
// the set of calls in flight, so that shutdown can end each of them.
//
// A transport with io_threads = N has N shards and hands calls out to them in
// turn; a call lives on one shard from start to end, so nothing below needs a
// lock or a strand. Only post_*(), begin_close() and on_this_thread() may be
// called from other threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "docker/http_connection.hpp"

namespace stevedore::docker::detail {

class call_base;

// What every call of one transport shares; read-only once the transport runs.
struct link {
  endpoint ep;
  std::string host;                          // the Host header
  std::chrono::milliseconds connect_timeout{5000};
  std::shared_ptr<net::ssl::context> tls;    // scheme::tls only
  std::string setup_error;                   // TLS files that would not load: every call fails with it
};

class shard : public std::enable_shared_from_this<shard> {
public:
  // `max_idle`: pooled connections kept; `max_active`: connections held by
  // buffered calls at once (streams are not counted).
  shard(std::size_t max_idle, std::size_t max_active);
  shard(const shard&) = delete;
  shard& operator=(const shard&) = delete;
  ~shard();

  net::io_context& ioc() noexcept { return ioc_; }

  // The thread's body: runs the io_context until begin_close() and every call
  // it ended have finished.
  void run();

  // Any thread.
  bool on_this_thread() const noexcept { return thread_id_.load() == std::this_thread::get_id(); }
  void post_start(std::shared_ptr<call_base> call);
  void post_cancel(std::weak_ptr<call_base> call);
  // Ends every call (cancelled, "transport shut down") and closes every
  // connection on the I/O thread; the io_context then runs out of work.
  void begin_close();

  // I/O thread only.
  bool closed() const noexcept { return closed_; }
  void add(call_base* call) { live_.insert(call); }
  void remove(call_base* call) { live_.erase(call); }

  // A pooled connection that still looks alive (stale ones are dropped), or null.
  std::unique_ptr<connection> take_idle();
  // Keeps `conn` for reuse, closing the oldest idle one beyond the limit.
  void put_idle(std::unique_ptr<connection> conn);

  // Where the streams of this thread read into: each parses what it read
  // and hands it on before the next read of any call, so an idle stream
  // holds no read buffer of its own.
  net::mutable_buffer scratch();

  // The budget of buffered calls: take a slot now, or queue for one.
  bool try_acquire_slot();
  void wait_for_slot(std::weak_ptr<call_base> call);
  // Gives a slot back. With a call waiting, the slot (and `conn`, when still
  // usable) goes to it; otherwise `conn` goes to the pool.
  void release_slot(std::unique_ptr<connection> conn);

private:
  void close_all();

  net::io_context ioc_{1};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::atomic<std::thread::id> thread_id_{};
  std::atomic<bool> finished_{false};      // run() returned: posts would never run

  bool closed_ = false;                     // begin_close() reached the I/O thread
  std::unordered_set<call_base*> live_;     // calls started and not ended
  std::deque<std::unique_ptr<connection>> idle_; // oldest first
  std::size_t max_idle_;
  std::size_t max_active_;
  std::size_t active_ = 0;                  // slots held by buffered calls
  std::deque<std::weak_ptr<call_base>> waiting_; // buffered calls waiting for a slot, in order
  std::unique_ptr<char[]> scratch_;         // scratch(), made on first use
};

} // namespace stevedore::docker::detail
