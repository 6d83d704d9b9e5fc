// One connection to the daemon (unix socket, tcp, or TLS over tcp) behind a
// single stream type, so Beast's HTTP algorithms are compiled once rather than
// once per socket kind. Internal to docker/: includes Asio, never included by
// transport.hpp.
//
// `connection` models Asio's AsyncReadStream / AsyncWriteStream. Each
// operation is forwarded to the concrete socket through a type-erased
// callback; a read passes on the first buffer only and a write at most 16
// buffers, which the read_some / write_some contracts allow.
//
// Beside that, a lean interface for what thousands of idle streams do at
// once: write a whole request, wait until the socket has bytes (holding no
// buffer meanwhile), then read what is there without waiting. Its
// completions go to an io_waiter kept alive by the shared_ptr handed in,
// with no type-erased handler copies.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include "docker/transport.hpp"

namespace stevedore::docker::detail {

namespace net = boost::asio;
using boost::system::error_code;
using clock = std::chrono::steady_clock;

using io_callback = std::function<void(error_code, std::size_t)>;
// `step` names what failed ("resolve", "connect", "handshake") for error messages.
using connect_callback = std::function<void(error_code, const char* step, std::string detail)>;

// The target of the lean interface's completions.
class io_waiter {
public:
  virtual void on_written(error_code ec, std::size_t written) = 0;
  virtual void on_readable(error_code ec) = 0;

protected:
  ~io_waiter() = default;
};

class connection {
public:
  using executor_type = net::io_context::executor_type;
  using write_buffers = std::array<net::const_buffer, 16>;

  explicit connection(net::io_context& ioc) : ioc_(ioc) {}
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  virtual ~connection() = default;

  executor_type get_executor() noexcept { return ioc_.get_executor(); }

  // Resolves, connects and (TLS) handshakes. Runs `done` exactly once.
  virtual void async_open(connect_callback done) = 0;

  // Closes the socket now: pending operations end with operation_aborted.
  virtual void close() noexcept = 0;

  // Writes all of `bytes` (which must stay alive until then), then runs
  // waiter->on_written once.
  virtual void async_write_all(net::const_buffer bytes, std::shared_ptr<io_waiter> waiter) = 0;
  // Runs waiter->on_readable once read_now() may have bytes (or an error)
  // for the caller. Only after read_now() said would_block: a socket is
  // watched edge-triggered, so bytes already there would not wake it.
  virtual void async_wait_readable(std::shared_ptr<io_waiter> waiter) = 0;
  // What can be read now, never waiting: would_block when nothing is, eof
  // when the peer closed.
  virtual std::size_t read_now(net::mutable_buffer buffer, error_code& ec) = 0;

  // True when an idle pooled connection still looks usable: nothing to read
  // and not closed by the peer (a non-blocking peek on the socket).
  bool idle_usable() const noexcept;

  // When the last read or write completed (or the connection opened); a
  // stream's inactivity deadline counts from here.
  clock::time_point last_activity() const noexcept { return *last_activity_; }

  template <class MutableBufferSequence, class ReadHandler>
  BOOST_ASIO_INITFN_RESULT_TYPE(ReadHandler, void(error_code, std::size_t))
  async_read_some(const MutableBufferSequence& buffers, ReadHandler&& handler) {
    return net::async_initiate<ReadHandler, void(error_code, std::size_t)>(
        [this](auto&& h, const MutableBufferSequence& b) {
          net::mutable_buffer first;
          for (auto it = net::buffer_sequence_begin(b); it != net::buffer_sequence_end(b); ++it) {
            first = net::mutable_buffer(*it);
            if (first.size() > 0)
              break;
          }
          do_read_some(first, erase(std::move(h)));
        },
        handler, buffers);
  }

  template <class ConstBufferSequence, class WriteHandler>
  BOOST_ASIO_INITFN_RESULT_TYPE(WriteHandler, void(error_code, std::size_t))
  async_write_some(const ConstBufferSequence& buffers, WriteHandler&& handler) {
    return net::async_initiate<WriteHandler, void(error_code, std::size_t)>(
        [this](auto&& h, const ConstBufferSequence& b) {
          write_buffers out{};
          std::size_t n = 0;
          for (auto it = net::buffer_sequence_begin(b);
               it != net::buffer_sequence_end(b) && n < out.size(); ++it) {
            net::const_buffer buf(*it);
            if (buf.size() > 0)
              out[n++] = buf;
          }
          do_write_some(out, erase(std::move(h)));
        },
        handler, buffers);
  }

protected:
  virtual void do_read_some(net::mutable_buffer buffer, io_callback done) = 0;
  virtual void do_write_some(const write_buffers& buffers, io_callback done) = 0;
  virtual int native_fd() const noexcept = 0;
  void touch() noexcept { *last_activity_ = clock::now(); }
  const std::shared_ptr<clock::time_point>& activity_clock() const noexcept { return last_activity_; }

  // Beast's handlers are move-only; std::function needs a copyable target.
  // The clock is shared, not reached through `this`, so a completion that
  // runs after the connection is gone touches nothing freed.
  template <class Handler>
  io_callback erase(Handler&& h) {
    auto held = std::make_shared<std::decay_t<Handler>>(std::forward<Handler>(h));
    return [activity = last_activity_, held](error_code ec, std::size_t n) {
      *activity = clock::now();
      (*held)(ec, n);
    };
  }

private:
  net::io_context& ioc_;
  std::shared_ptr<clock::time_point> last_activity_ =
      std::make_shared<clock::time_point>(clock::now());
};

// A fresh, unopened connection to `ep`; `tls` is required for scheme::tls.
// `ep` must outlive the connection's async_open (a unix connection refers
// to its path).
std::unique_ptr<connection> make_connection(net::io_context& ioc, const endpoint& ep,
                                            net::ssl::context* tls);

// The client TLS context for `ep` (client certificate, CA, minimum TLS 1.2).
// Errors name the file that could not be loaded.
result<std::shared_ptr<net::ssl::context>> make_tls_context(const endpoint& ep);

// The Host header for `ep`: "docker" on a unix socket, "host:port" over tcp.
std::string host_header(const endpoint& ep);

} // namespace stevedore::docker::detail
