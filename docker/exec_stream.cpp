// The attached two-way exec (exec_stream.hpp). Shaped like Beast's async
// client: one object owns the socket, the buffer and the parser, kept alive by
// shared_from_this; one on_<step> per completion, each checking its error
// first. After the daemon's 101 the connection is a plain byte stream: what
// the header read left in the buffer is output already.
#include "docker/exec_stream.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/optional.hpp>

namespace stevedore::docker {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using socket_t = net::generic::stream_protocol::socket;
using generic_endpoint = net::generic::stream_protocol::endpoint;

// Where to connect, as a protocol-neutral endpoint; an error for TLS.
result<generic_endpoint> resolve(const endpoint& ep, net::io_context& io) {
  if (ep.kind == endpoint::scheme::unix_socket)
    return generic_endpoint(net::local::stream_protocol::endpoint(ep.path));
  if (ep.kind == endpoint::scheme::tls)
    return make_error(errc::unavailable, "exec stream to " + to_string(ep),
                      "an attached exec over TLS is not supported; use a unix or tcp endpoint");
  beast::error_code ec;
  net::ip::tcp::resolver r(io);
  auto found = r.resolve(ep.host, std::to_string(ep.port), ec);
  if (ec || found.empty())
    return make_error(errc::daemon_unreachable, "exec stream to " + to_string(ep),
                      "resolve: " + (ec ? ec.message() : std::string("no address")));
  return generic_endpoint(found.begin()->endpoint());
}

http::request<http::string_body> post(const std::string& target, std::string body) {
  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::host, "docker");
  req.set(http::field::user_agent, "stevedore");
  req.set(http::field::content_type, "application/json");
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

//------------------------------------------------------------------------------

class stream_impl final : public exec_stream, public std::enable_shared_from_this<stream_impl> {
public:
  stream_impl(endpoint ep, std::string version, std::string exec_id, bool tty, output_fn on_output,
              callback<unit> end)
    : io_(std::make_shared<net::io_context>(1)), work_(net::make_work_guard(*io_)),
      socket_(*io_), ep_(std::move(ep)), prefix_("/v" + version + "/exec/" + exec_id),
      tty_(tty), on_output_(std::move(on_output)), end_(std::move(end)) {}

  void run() {
    // The I/O thread runs until the last operation of this stream (and of
    // its resizes) has completed; it holds the context, not the stream.
    std::thread([io = io_] { io->run(); }).detach();
    net::post(*io_, [self = shared_from_this()] { self->do_connect(); });
  }

  void write(std::string bytes) override {
    if (bytes.empty())
      return;
    net::post(*io_, [self = shared_from_this(), b = std::move(bytes)]() mutable {
      if (self->ended_ || self->input_closed_)
        return;
      self->input_.push_back(std::move(b));
      self->pump();
    });
  }

  void close_input() override {
    net::post(*io_, [self = shared_from_this()] {
      self->input_closed_ = true;
      self->pump();
    });
  }

  void resize(int height, int width) override {
    if (height <= 0 || width <= 0)
      return;
    net::post(*io_, [self = shared_from_this(), height, width] { self->send_resize(height, width); });
  }

  void cancel() override {
    net::post(*io_, [self = shared_from_this()] {
      self->finish(make_error(errc::cancelled, "exec stream", "cancelled"));
    });
  }

private:
  void do_connect() {
    auto where = resolve(ep_, *io_);
    if (!where)
      return finish(std::move(where).error());
    where_ = *where;
    socket_.async_connect(where_, [self = shared_from_this()](beast::error_code ec) {
      self->on_connect(ec);
    });
  }

  void on_connect(beast::error_code ec) {
    if (ec)
      return fail("connect", ec, errc::daemon_unreachable);
    req_ = post(prefix_ + "/start", std::string("{\"Detach\":false,\"Tty\":") +
                                       (tty_ ? "true" : "false") + "}");
    req_.set(http::field::connection, "Upgrade");
    req_.set(http::field::upgrade, "tcp");
    http::async_write(socket_, req_, [self = shared_from_this()](beast::error_code e, std::size_t) {
      self->on_sent(e);
    });
  }

  void on_sent(beast::error_code ec) {
    if (ec)
      return fail("send the start", ec, errc::daemon_unreachable);
    head_.emplace();
    head_->body_limit(1u << 20);
    http::async_read_header(socket_, buffer_, *head_,
                            [self = shared_from_this()](beast::error_code e, std::size_t) {
                              self->on_header(e);
                            });
  }

  void on_header(beast::error_code ec) {
    if (ec)
      return fail("read the start's answer", ec, errc::daemon_unreachable);
    const int status = static_cast<int>(head_->get().result_int());
    if (status == 101 || status == 200) {
      started_ = true;
      if (pending_size_.first > 0)
        send_resize(pending_size_.first, pending_size_.second);
      deliver(buffer_.data());
      buffer_.consume(buffer_.size());
      pump();
      return read_output();
    }
    // An error answer: its body says why ({"message": ...}).
    error_body_.emplace(std::move(*head_));
    http::async_read(socket_, buffer_, *error_body_,
                     [self = shared_from_this(), status](beast::error_code, std::size_t) {
                       std::string why = self->error_body_->get().body();
                       while (!why.empty() && (why.back() == '\n' || why.back() == '\r'))
                         why.pop_back();
                       self->finish(make_error(status == 404 ? errc::not_found
                                               : status == 409 ? errc::conflict
                                                               : errc::daemon_error,
                                               "exec start", std::to_string(status) + " " + why));
                     });
  }

  void read_output() {
    socket_.async_read_some(net::buffer(chunk_), [self = shared_from_this()](beast::error_code ec,
                                                                             std::size_t n) {
      if (n > 0)
        self->deliver(net::buffer(self->chunk_, n));
      if (ec == net::error::eof)
        return self->finish(self->tty_ ? result<unit>(unit{}) : self->frames_.finish());
      if (ec)
        return self->fail("read the output", ec, errc::daemon_unreachable);
      self->read_output();
    });
  }

  template <class Buffers>
  void deliver(const Buffers& bufs) {
    for (auto b : beast::buffers_range_ref(bufs)) {
      std::string_view bytes(static_cast<const char*>(b.data()), b.size());
      if (bytes.empty() || ended_)
        continue;
      if (tty_) {
        on_output_(output_stream::raw, bytes);
      } else if (!frames_.feed(bytes, on_output_)) {
        return finish(frames_.error());
      }
    }
  }

  // Writes stdin in order, one piece at a time; after the last piece of a
  // closed input, the sending half is shut (the command reads its end).
  void pump() {
    if (!started_ || writing_ || ended_)
      return;
    if (input_.empty()) {
      if (input_closed_ && !input_shut_) {
        input_shut_ = true;
        beast::error_code ignored;
        socket_.shutdown(net::socket_base::shutdown_send, ignored);
      }
      return;
    }
    writing_ = true;
    net::async_write(socket_, net::buffer(input_.front()),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->writing_ = false;
                       self->input_.pop_front();
                       if (ec)
                         return self->fail("write the input", ec, errc::daemon_unreachable);
                       self->pump();
                     });
  }

  // POST /exec/{id}/resize?h=&w= on a fresh connection; its answer is read
  // and dropped.
  void send_resize(int height, int width) {
    if (ended_)
      return;
    if (!started_) { // the daemon refuses to resize an exec that has not started
      pending_size_ = {height, width};
      return;
    }
    struct call {
      socket_t socket;
      http::request<http::string_body> req;
      beast::flat_buffer buf;
      http::response<http::string_body> res;
    };
    auto c = std::make_shared<call>(call{socket_t(*io_), post(prefix_ + "/resize?h=" +
                                                                std::to_string(height) + "&w=" +
                                                                std::to_string(width), ""), {}, {}});
    c->socket.async_connect(where_, [c](beast::error_code ec) {
      if (ec)
        return;
      http::async_write(c->socket, c->req, [c](beast::error_code e, std::size_t) {
        if (e)
          return;
        http::async_read(c->socket, c->buf, c->res, [c](beast::error_code, std::size_t) {
          beast::error_code ignored;
          c->socket.close(ignored);
        });
      });
    });
  }

  void fail(const char* step, beast::error_code ec, errc kind) {
    finish(make_error(kind, "exec stream " + prefix_.substr(prefix_.rfind('/') + 1),
                      std::string(step) + ": " + ec.message()));
  }

  void finish(result<unit> r) {
    if (ended_)
      return;
    ended_ = true;
    beast::error_code ignored;
    socket_.close(ignored);
    input_.clear();
    work_.reset();
    auto end = std::move(end_);
    if (end)
      end(std::move(r));
  }

  std::shared_ptr<net::io_context> io_;
  net::executor_work_guard<net::io_context::executor_type> work_; // until the stream ends
  socket_t socket_;
  endpoint ep_;
  generic_endpoint where_;
  std::string prefix_;                        // "/v1.41/exec/{id}"
  bool tty_;
  output_fn on_output_;
  callback<unit> end_;
  http::request<http::string_body> req_;      // must live until written
  beast::flat_buffer buffer_;
  boost::optional<http::response_parser<http::empty_body>> head_;
  boost::optional<http::response_parser<http::string_body>> error_body_;
  char chunk_[16384];
  frame_decoder frames_;                      // without a TTY: stdout and stderr framed
  std::deque<std::string> input_;             // stdin waiting for the wire
  std::pair<int, int> pending_size_{0, 0};    // asked before the start: sent after it
  bool started_ = false;                      // the daemon answered 101: the stream is ours
  bool writing_ = false;
  bool input_closed_ = false;
  bool input_shut_ = false;
  bool ended_ = false;
};

} // namespace

std::shared_ptr<exec_stream> exec_stream::open(const endpoint& ep, std::string version,
                                               std::string exec_id, bool tty, output_fn on_output,
                                               callback<unit> end) {
  auto s = std::make_shared<stream_impl>(ep, std::move(version), std::move(exec_id), tty,
                                         std::move(on_output), std::move(end));
  s->run();
  return s;
}

} // namespace stevedore::docker
