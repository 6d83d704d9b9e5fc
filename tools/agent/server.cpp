// The HTTP server under the agent's API (server.hpp). Shaped like Beast's
// advanced_server: one `session` per connection owns its stream, buffer and
// a fresh parser per request, kept alive by shared_from_this; one on_<step>
// per completion. Everything a session does runs on its strand; responders
// post onto it from whatever thread a backend answers on.
#include "tools/agent/server.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <atomic>
#include <cctype>
#include <deque>
#include <fstream>
#include <mutex>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/optional.hpp>

#include "messages/json.hpp"
#include "tools/agent/request_target.hpp"

namespace stevedore::agent {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

const std::string* http_request::param(std::string_view key) const {
  for (const auto& [k, v] : query)
    if (k == key)
      return &v;
  return nullptr;
}

result<listen_address> parse_listen(std::string_view text) {
  auto bad = [&](std::string why) {
    return make_error(errc::invalid_input, "listen address " + std::string(text), std::move(why));
  };
  listen_address out;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return bad("expected [IPv6]:PORT");
    out.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0)
      return bad("expected ADDRESS:PORT");
    out.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  if (port_text.empty() || port_text.size() > 5 ||
      !std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return bad("port must be a number from 0 to 65535");
  const unsigned long port = std::stoul(std::string(port_text));
  if (port > 65535)
    return bad("port must be a number from 0 to 65535");
  out.port = static_cast<std::uint16_t>(port);
  if (out.host == "localhost") {
    out.loopback = true;
    return out;
  }
  boost::system::error_code ec;
  auto addr = net::ip::make_address(out.host, ec);
  if (ec)
    return bad("'" + out.host + "' is not an IP address (use 127.0.0.1, ::1 or localhost)");
  out.loopback = addr.is_loopback();
  return out;
}

result<std::string> read_token_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IROTH | S_IWOTH)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return make_error(errc::not_permitted, "token file " + path,
                      std::string("other users can read or write it (mode ") + mode +
                        "); chmod o-rwx it (600 is usual)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return make_error(errc::invalid_input, "token file " + path, "cannot be read");
  std::string line;
  std::getline(in, line);
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  line.erase(line.begin(), std::find_if(line.begin(), line.end(), not_space));
  line.erase(std::find_if(line.rbegin(), line.rend(), not_space).base(), line.end());
  if (line.empty())
    return make_error(errc::invalid_input, "token file " + path, "holds no token on its first line");
  return line;
}

namespace {

std::string error_body(const std::string& message) {
  json body = json::object();
  body.set("error", message);
  return body.dump();
}

struct core;

//------------------------------------------------------------------------------

class session : public std::enable_shared_from_this<session> {
public:
  session(std::shared_ptr<core> c, tcp::socket&& socket);
  ~session();

  void run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&session::do_read_header, shared_from_this()));
  }
  net::any_io_executor executor() { return stream_.get_executor(); }
  // A request of this connection passed the token check (any thread).
  bool proven() const noexcept { return proven_.load(std::memory_order_relaxed); }

  // Called on the strand, through a responder.
  void send_reply(int status, std::string body, std::string content_type, header_list headers);
  void begin_stream(int status, std::string content_type);
  void queue_chunk(std::string data, std::function<void(bool)> written);
  void end_stream();
  void add_close_fn(std::function<void()> fn);
  void add_message_fn(std::function<void(std::string)> fn) { message_fns_.push_back(std::move(fn)); }
  void close();

private:
  void do_read_header();
  void on_header(beast::error_code ec, std::size_t);
  void read_body();
  void on_body(beast::error_code ec, std::size_t);
  void dispatch_request();
  // An answer given before the request was read whole: the connection closes after it.
  void refuse(int status, const std::string& message, header_list headers = {});
  void on_written(beast::error_code ec, bool close_after);
  void watch_peer();
  void pump();

  struct pending_chunk {
    std::string data;
    std::function<void(bool)> written;
  };

  // WebSocket: the handshake, then reading the client's messages until it goes.
  void accept_websocket();
  void read_message();

  std::shared_ptr<core> core_;
  beast::tcp_stream stream_;
  // A WebSocket upgrade being answered: its request, then the stream that
  // took the connection over (stream_ is moved into it).
  boost::optional<http::request<http::string_body>> upgrade_;
  boost::optional<websocket::stream<beast::tcp_stream>> ws_;
  beast::flat_buffer ws_in_;
  std::vector<std::function<void(std::string)>> message_fns_;
  beast::flat_buffer buffer_;                 // must persist between reads (keep-alive)
  boost::optional<http::request_parser<http::string_body>> parser_; // fresh per request
  bool keep_alive_ = false;                   // of the request being answered
  bool streaming_ = false;                    // a chunked answer is under way
  bool writing_ = false;                      // a write is on the wire
  bool end_pending_ = false;                  // end_stream() asked, last chunk not yet sent
  bool closed_ = false;
  std::atomic<bool> proven_{false};           // a request passed the token check: not evictable
  std::shared_ptr<http::response<http::empty_body>> stream_head_;
  std::shared_ptr<http::response_serializer<http::empty_body>> stream_sr_;
  std::deque<pending_chunk> chunks_;          // waiting for the wire, in order
  std::vector<std::function<void()>> close_fns_;
};

//------------------------------------------------------------------------------

// Shared by the server and every session: the io_context outlives any
// session (and any responder a backend still holds).
struct core {
  explicit core(server_options o, handler hd) : opts(std::move(o)), h(std::move(hd)) {}
  net::io_context ioc{1};
  server_options opts;
  handler h;
  std::atomic<std::size_t> live{0};           // open connections
  std::mutex mu;                              // guards sessions and unproven
  std::vector<std::weak_ptr<session>> sessions;
  std::deque<std::weak_ptr<session>> unproven; // in accept order: eviction candidates

  void track(const std::shared_ptr<session>& s) {
    std::lock_guard<std::mutex> lock(mu);
    sessions.erase(std::remove_if(sessions.begin(), sessions.end(),
                                  [](const std::weak_ptr<session>& w) { return w.expired(); }),
                   sessions.end());
    sessions.push_back(s);
    // Connections at the front that are gone or proven are no candidates:
    // dropped here, the list holds about the connections of the last
    // first_header_timeout.
    while (!unproven.empty()) {
      auto front = unproven.front().lock();
      if (front && !front->proven())
        break;
      unproven.pop_front();
    }
    unproven.push_back(s);
  }

  // The oldest open connection that has passed no request yet, taken off the
  // list; nullptr when every connection has. Connections that are gone or
  // proven leave the front of the list as they are met.
  std::shared_ptr<session> take_oldest_unproven();
};

//------------------------------------------------------------------------------

class session_responder final : public responder {
public:
  explicit session_responder(std::shared_ptr<session> s) : s_(std::move(s)) {}
  ~session_responder() override {
    if (!answered_.exchange(true))
      post([](session& s) { s.send_reply(500, error_body("internal: the handler gave no answer"),
                                         "application/json", {}); });
  }

  void reply(int status, std::string body, std::string content_type,
             header_list headers) override {
    if (answered_.exchange(true))
      return;
    post([status, body = std::move(body), ct = std::move(content_type),
          hs = std::move(headers)](session& s) mutable {
      s.send_reply(status, std::move(body), std::move(ct), std::move(hs));
    });
  }
  void begin_stream(int status, std::string content_type) override {
    if (answered_.exchange(true))
      return;
    streaming_ = true;
    post([status, ct = std::move(content_type)](session& s) mutable {
      s.begin_stream(status, std::move(ct));
    });
  }
  void write(std::string chunk, std::function<void(bool)> written) override {
    if (!streaming_) {
      if (written)
        written(false);
      return;
    }
    post([c = std::move(chunk), w = std::move(written)](session& s) mutable {
      s.queue_chunk(std::move(c), std::move(w));
    });
  }
  void end_stream() override {
    if (streaming_)
      post([](session& s) { s.end_stream(); });
  }
  void on_close(std::function<void()> fn) override {
    post([f = std::move(fn)](session& s) mutable { s.add_close_fn(std::move(f)); });
  }
  void on_message(std::function<void(std::string)> fn) override {
    post([f = std::move(fn)](session& s) mutable { s.add_message_fn(std::move(f)); });
  }

private:
  template <class F>
  void post(F&& f) {
    net::post(s_->executor(), [s = s_, f = std::forward<F>(f)]() mutable { f(*s); });
  }

  std::shared_ptr<session> s_;
  std::atomic<bool> answered_{false};
  std::atomic<bool> streaming_{false};
};

//------------------------------------------------------------------------------

std::shared_ptr<session> core::take_oldest_unproven() {
  std::lock_guard<std::mutex> lock(mu);
  while (!unproven.empty()) {
    auto s = unproven.front().lock();
    unproven.pop_front();
    if (s && !s->proven())
      return s;
  }
  return nullptr;
}

session::session(std::shared_ptr<core> c, tcp::socket&& socket)
  : core_(std::move(c)), stream_(std::move(socket)) {
  ++core_->live;
}

session::~session() {
  --core_->live;
}

void session::do_read_header() {
  if (closed_)
    return;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(core_->opts.header_limit));
  parser_->body_limit(core_->opts.body_limit);
  // Until a request passed the token check, the short deadline: a silent or
  // slow client cannot hold a slot for the whole header_timeout.
  stream_.expires_after(proven() ? core_->opts.header_timeout
                                 : std::min(core_->opts.header_timeout,
                                            core_->opts.first_header_timeout));
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&session::on_header, shared_from_this()));
}

void session::on_header(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
      ec == net::error::operation_aborted || ec == net::error::connection_reset || closed_)
    return close();
  if (ec == http::error::body_limit) // Beast judges Content-Length with the header
    return refuse(413, "request body is over the limit of " +
                         std::to_string(core_->opts.body_limit) + " bytes");
  if (ec == http::error::header_limit)
    return refuse(431, "request header is over the limit of " +
                           std::to_string(core_->opts.header_limit) + " bytes");
  if (ec)
    return refuse(400, "malformed HTTP request: " + ec.message());
  auto& req = parser_->get();
  // Beast takes a Transfer-Encoding whose last coding is not chunked as no
  // body at all, and would read what follows as the next request: a body
  // the client meant one way and the server reads another (RFC 9112 6.3:
  // answer 400 and close).
  if (req.count(http::field::transfer_encoding) != 0 && !parser_->chunked())
    return refuse(400, "malformed HTTP request: Transfer-Encoding must end with chunked");
  keep_alive_ = req.keep_alive();
  if (!core_->opts.token.empty()) {
    auto auth = req[http::field::authorization];
    switch (check_bearer(std::string_view(auth.data(), auth.size()), core_->opts.token)) {
      case bearer_check::ok: break;
      case bearer_check::missing:
        return refuse(401, "missing bearer token (Authorization: Bearer <token>)",
                      {{"WWW-Authenticate", "Bearer"}});
      case bearer_check::wrong:
        return refuse(401, "wrong bearer token", {{"WWW-Authenticate", "Bearer error=\"invalid_token\""}});
    }
  }
  proven_.store(true, std::memory_order_relaxed);
  if (auto len = parser_->content_length(); len && *len > core_->opts.body_limit)
    return refuse(413, "request body of " + std::to_string(*len) +
                         " bytes is over the limit of " +
                         std::to_string(core_->opts.body_limit) + " bytes");
  if (parser_->is_done())
    return dispatch_request();
  if (beast::iequals(req[http::field::expect], "100-continue")) {
    static const std::string go_on = "HTTP/1.1 100 Continue\r\n\r\n";
    stream_.expires_after(core_->opts.write_timeout);
    net::async_write(stream_, net::buffer(go_on),
                     [self = shared_from_this()](beast::error_code e, std::size_t) {
                       if (e)
                         return self->close();
                       self->read_body();
                     });
    return;
  }
  read_body();
}

void session::read_body() {
  stream_.expires_after(core_->opts.body_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&session::on_body, shared_from_this()));
}

void session::on_body(beast::error_code ec, std::size_t) {
  if (ec == http::error::body_limit)
    return refuse(413, "request body is over the limit of " +
                         std::to_string(core_->opts.body_limit) + " bytes");
  if (ec == beast::error::timeout || ec == http::error::end_of_stream ||
      ec == http::error::partial_message || ec == net::error::operation_aborted ||
      ec == net::error::connection_reset || closed_)
    return close();
  if (ec)
    return refuse(400, "malformed HTTP request body: " + ec.message());
  dispatch_request();
}

void session::dispatch_request() {
  auto& req = parser_->get();
  http_request r;
  r.method = std::string(req.method_string().data(), req.method_string().size());
  split_target(std::string_view(req.target().data(), req.target().size()), r);
  auto ct = req[http::field::content_type];
  r.content_type = std::string(ct.data(), ct.size());
  r.websocket = websocket::is_upgrade(req);
  if (r.websocket)
    upgrade_.emplace(req);
  r.body = std::move(req.body());
  stream_.expires_never();
  auto res = std::make_shared<session_responder>(shared_from_this());
  try {
    core_->h(std::move(r), res);
  } catch (const std::exception& e) {
    res->reply(500, error_body(std::string("internal: ") + e.what()), "application/json", {});
  } catch (...) {
    res->reply(500, error_body("internal: unknown exception in a handler"), "application/json", {});
  }
}

void session::refuse(int status, const std::string& message, header_list headers) {
  keep_alive_ = false;
  send_reply(status, error_body(message), "application/json", std::move(headers));
}

void session::send_reply(int status, std::string body, std::string content_type,
                         header_list headers) {
  if (closed_)
    return;
  auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(status), 11);
  res->set(http::field::server, "stevedore-agent");
  res->set(http::field::content_type, content_type);
  for (auto& [k, v] : headers)
    res->set(k, v);
  res->keep_alive(keep_alive_);
  res->body() = std::move(body);
  res->prepare_payload();
  writing_ = true;
  stream_.expires_after(core_->opts.write_timeout);
  http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
    self->on_written(ec, !res->keep_alive());
  });
}

void session::on_written(beast::error_code ec, bool close_after) {
  writing_ = false;
  if (ec || close_after)
    return close();
  do_read_header();
}

void session::begin_stream(int status, std::string content_type) {
  if (closed_)
    return;
  streaming_ = true;
  keep_alive_ = false; // a stream ends its connection: no request can follow it unread
  if (upgrade_)
    return accept_websocket();
  stream_head_ = std::make_shared<http::response<http::empty_body>>(static_cast<http::status>(status), 11);
  stream_head_->set(http::field::server, "stevedore-agent");
  stream_head_->set(http::field::content_type, content_type);
  stream_head_->set(http::field::cache_control, "no-cache");
  stream_head_->keep_alive(false);
  stream_head_->chunked(true);
  stream_sr_ = std::make_shared<http::response_serializer<http::empty_body>>(*stream_head_);
  writing_ = true;
  stream_.expires_after(core_->opts.write_timeout);
  http::async_write_header(stream_, *stream_sr_,
                           [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             self->writing_ = false;
                             if (ec)
                               return self->close();
                             self->watch_peer();
                             self->pump();
                           });
}

void session::queue_chunk(std::string data, std::function<void(bool)> written) {
  if (closed_ || !streaming_ || end_pending_) {
    if (written)
      written(false);
    return;
  }
  if (data.empty()) { // an empty chunk would end the stream
    if (written)
      written(true);
    return;
  }
  chunks_.push_back({std::move(data), std::move(written)});
  pump();
}

void session::end_stream() {
  if (closed_ || !streaming_)
    return;
  end_pending_ = true;
  pump();
}

void session::accept_websocket() {
  ws_.emplace(std::move(stream_));
  beast::get_lowest_layer(*ws_).expires_never();
  ws_->set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_->set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(http::field::server, "stevedore-agent");
  }));
  ws_->read_message_max(64u << 10);
  writing_ = true;
  ws_->async_accept(*upgrade_, [self = shared_from_this()](beast::error_code ec) {
    self->writing_ = false;
    if (ec)
      return self->close();
    self->ws_->text(true);
    self->read_message();
    self->pump();
  });
}

void session::read_message() {
  ws_->async_read(ws_in_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec || self->closed_)
      return self->close();
    std::string text = beast::buffers_to_string(self->ws_in_.data());
    self->ws_in_.consume(self->ws_in_.size());
    for (auto& f : self->message_fns_)
      f(text);
    self->read_message();
  });
}

void session::pump() {
  if (writing_ || closed_ || !streaming_)
    return;
  if (ws_) {
    if (!chunks_.empty()) {
      auto c = std::make_shared<pending_chunk>(std::move(chunks_.front()));
      chunks_.pop_front();
      writing_ = true;
      ws_->async_write(net::buffer(c->data), [self = shared_from_this(), c](beast::error_code ec, std::size_t) {
        self->writing_ = false;
        if (c->written)
          c->written(!ec);
        if (ec)
          return self->close();
        self->pump();
      });
    } else if (end_pending_) {
      writing_ = true;
      ws_->async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code) {
        self->writing_ = false;
        self->close();
      });
    }
    return;
  }
  if (!chunks_.empty()) {
    auto c = std::make_shared<pending_chunk>(std::move(chunks_.front()));
    chunks_.pop_front();
    writing_ = true;
    stream_.expires_after(core_->opts.write_timeout);
    net::async_write(stream_, http::make_chunk(net::buffer(c->data)),
                     [self = shared_from_this(), c](beast::error_code ec, std::size_t) {
                       self->writing_ = false;
                       if (c->written)
                         c->written(!ec);
                       if (ec)
                         return self->close();
                       self->pump();
                     });
    return;
  }
  if (end_pending_) {
    writing_ = true;
    stream_.expires_after(core_->opts.write_timeout);
    net::async_write(stream_, http::make_chunk_last(),
                     [self = shared_from_this()](beast::error_code, std::size_t) {
                       self->writing_ = false;
                       self->close();
                     });
  }
}

// While a stream is under way nothing is read; a client that hangs up is
// seen as the socket turning readable with nothing to read.
void session::watch_peer() {
  stream_.socket().async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
    if (ec || self->closed_ || !self->streaming_)
      return;
    beast::error_code e2;
    const auto n = self->stream_.socket().available(e2);
    if (e2 || n == 0)
      self->close();
  });
}

void session::add_close_fn(std::function<void()> fn) {
  if (closed_) {
    fn();
    return;
  }
  close_fns_.push_back(std::move(fn));
}

void session::close() {
  if (closed_)
    return;
  closed_ = true;
  beast::error_code ec;
  auto& tcp_stream = ws_ ? beast::get_lowest_layer(*ws_) : stream_;
  tcp_stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  tcp_stream.close();
  message_fns_.clear();
  auto chunks = std::move(chunks_);
  for (auto& c : chunks)
    if (c.written)
      c.written(false);
  auto fns = std::move(close_fns_);
  for (auto& f : fns)
    f();
}

//------------------------------------------------------------------------------

class server_impl final : public server {
public:
  server_impl(std::shared_ptr<core> c) : core_(std::move(c)), acceptor_(net::make_strand(core_->ioc)) {}
  ~server_impl() override { stop(); }

  result<unit> listen(const listen_address& where) {
    beast::error_code ec;
    net::ip::address addr = where.host == "localhost" ? net::ip::make_address("127.0.0.1")
                                                      : net::ip::make_address(where.host, ec);
    tcp::endpoint ep(addr, where.port);
    auto fail = [&](const char* step) {
      return make_error(errc::invalid_input, "listen " + core_->opts.listen,
                        std::string(step) + ": " + ec.message());
    };
    acceptor_.open(ep.protocol(), ec);
    if (ec)
      return fail("open");
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    acceptor_.bind(ep, ec);
    if (ec)
      return fail("bind");
    acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
      return fail("listen");
    bound_ = acceptor_.local_endpoint(ec);
    do_accept();
    const std::size_t n = std::max<std::size_t>(1, core_->opts.io_threads);
    for (std::size_t i = 0; i < n; ++i)
      threads_.emplace_back([c = core_] { c->ioc.run(); });
    return unit{};
  }

  std::string address() const override {
    const auto a = bound_.address();
    return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" +
           std::to_string(bound_.port());
  }
  std::uint16_t port() const override { return bound_.port(); }

  void stop() override {
    if (stopped_.exchange(true))
      return;
    net::post(acceptor_.get_executor(), [this] {
      beast::error_code ec;
      acceptor_.close(ec);
    });
    std::vector<std::shared_ptr<session>> open;
    {
      std::lock_guard<std::mutex> lock(core_->mu);
      for (auto& w : core_->sessions)
        if (auto s = w.lock())
          open.push_back(std::move(s));
    }
    for (auto& s : open)
      net::post(s->executor(), [s] { s->close(); });
    open.clear();
    for (auto& t : threads_)
      if (t.joinable())
        t.join();
  }

private:
  void do_accept() {
    acceptor_.async_accept(net::make_strand(core_->ioc),
                           [this](beast::error_code ec, tcp::socket socket) {
                             if (ec == net::error::operation_aborted || !acceptor_.is_open())
                               return;
                             if (!ec)
                               admit(std::move(socket));
                             do_accept();
                           });
  }

  // Full: the oldest connection that has proved nothing gives its slot up
  // (its close is posted to its strand; `live` drops when it is gone, so it
  // may pass max_connections for a moment), else the new one is refused.
  void admit(tcp::socket socket) {
    if (core_->live.load() >= core_->opts.max_connections) {
      auto victim = core_->take_oldest_unproven();
      if (!victim) {
        beast::error_code ignored;
        socket.close(ignored);
        return;
      }
      net::post(victim->executor(), [victim] { victim->close(); });
    }
    auto s = std::make_shared<session>(core_, std::move(socket));
    core_->track(s);
    s->run();
  }

  std::shared_ptr<core> core_;
  tcp::acceptor acceptor_;
  tcp::endpoint bound_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopped_{false};
};

} // namespace

result<std::unique_ptr<server>> server::start(server_options opts, handler h) {
  auto where = parse_listen(opts.listen);
  if (!where)
    return std::move(where).error();
  if (!where->loopback && opts.token.empty())
    return make_error(errc::not_permitted, "listen " + opts.listen,
                      "not a loopback address; serving it needs a bearer token (--token-file)");
  auto c = std::make_shared<core>(std::move(opts), std::move(h));
  auto s = std::make_unique<server_impl>(c);
  auto r = s->listen(*where);
  if (!r)
    return std::move(r).error();
  return std::unique_ptr<server>(std::move(s));
}

} // namespace stevedore::agent
