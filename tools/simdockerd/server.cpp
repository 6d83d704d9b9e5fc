// The wire side of the simulated daemon: a Unix-socket acceptor, one session
// per connection (on its own strand), answers written by hand so that faults
// can cut them anywhere, and the one timer that runs the model's clock.
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "tools/simdockerd/routes.hpp"
#include "tools/simdockerd/sim_daemon.hpp"

namespace stevedore::sim {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using local = net::local::stream_protocol;
using error_code = boost::system::error_code;

namespace {

std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::uint64_t fnv(std::string_view s) {
  std::uint64_t h = 14695981039346656037ull;
  for (char c : s)
    h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

// A draw in [0, 1) that depends only on its inputs.
double draw(std::uint64_t seed, std::string_view route, std::uint64_t index, std::uint64_t salt) {
  auto x = splitmix(seed ^ splitmix(fnv(route) ^ splitmix(index ^ (salt << 48))));
  return static_cast<double>(x >> 11) * (1.0 / 9007199254740992.0);
}

std::string http_date() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

// The head of an answer with dockerd's usual headers.
std::string head(int status, std::string_view content_type, const docker::header_list& extra,
                 std::string_view framing) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " +
                    std::string(http::obsolete_reason(static_cast<http::status>(status))) + "\r\n";
  out += "Api-Version: 1.41\r\nDocker-Experimental: false\r\nOstype: linux\r\n"
         "Server: Docker/20.10.24 (linux)\r\nDate: " + http_date() + "\r\n";
  if (!content_type.empty())
    out += "Content-Type: " + std::string(content_type) + "\r\n";
  for (auto& [k, v] : extra)
    out += k + ": " + v + "\r\n";
  out += framing;
  out += "\r\n";
  return out;
}

std::string chunk(std::string_view data) {
  char size[24];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string out(size);
  out.append(data.data(), data.size());
  out += "\r\n";
  return out;
}

} // namespace

//----------------------------------------------------------------------------

// What every session shares: options, model, counters, the clock timer.
struct core {
  options opts;
  model engine;
  net::io_context ioc;
  net::strand<net::io_context::executor_type> clock_strand{ioc.get_executor()};
  net::steady_timer clock{clock_strand};
  model::steady::time_point armed = model::steady::time_point::max();
  mutable std::mutex mu; // counters and fault rules
  std::map<std::string, std::uint64_t> calls;
  std::map<std::string, std::uint64_t> faulted;
  std::vector<fault_rule> faults;

  explicit core(options o)
      : opts(std::move(o)),
        engine(model_options{opts.time_scale, opts.log_lines_kept, opts.events_kept,
                             opts.registry_user, opts.registry_password, opts.pull_layers}),
        faults(opts.faults) {}

  // The model may have a new earliest deadline: wake up for it.
  void rearm() {
    net::post(clock_strand, [this] {
      auto next = engine.next_deadline();
      if (next >= armed)
        return;
      armed = next;
      clock.expires_at(next);
      clock.async_wait([this](error_code ec) {
        if (ec)
          return; // re-armed earlier, or stopping
        armed = model::steady::time_point::max();
        engine.advance(model::steady::now());
        rearm();
      });
    });
  }

  // Counts the call; its fault (if any) and delay, all from (seed, route, index).
  std::pair<std::optional<fault_kind>, std::chrono::milliseconds> admit(const std::string& route) {
    std::lock_guard lock(mu);
    auto index = calls[route]++;
    std::optional<fault_kind> fault;
    for (std::size_t i = 0; i < faults.size() && !fault; ++i) {
      auto& r = faults[i];
      if ((r.route == "*" || r.route == route) && draw(opts.seed, route, index, i + 1) < r.rate)
        fault = r.kind;
    }
    if (fault)
      ++faulted[to_string(*fault)];
    const latency_rule* rule = nullptr;
    for (auto& l : opts.latency)
      if (l.route == route || (l.route == "*" && (!rule || rule->route == "*")))
        rule = &l;
    std::chrono::milliseconds delay{0};
    if (rule) {
      delay = rule->fixed;
      if (rule->jitter.count() > 0)
        delay += std::chrono::milliseconds(static_cast<std::int64_t>(
            draw(opts.seed, route, index, 0xffff) * static_cast<double>(rule->jitter.count() + 1)));
    }
    return {fault, delay};
  }
};

//----------------------------------------------------------------------------

class session : public std::enable_shared_from_this<session> {
public:
  session(core& c, local::socket sock) : core_(c), sock_(std::move(sock)), delay_(sock_.get_executor()) {}

  void run() { read_request(); }

  // -- used by the stream sink, always on the strand --
  void stream_write(std::string bytes) {
    if (!streaming_ || closed_)
      return;
    enqueue(hijack_ ? std::move(bytes) : chunk(bytes));
  }
  void stream_end() {
    if (!streaming_ || closed_)
      return;
    streaming_ = false;
    cancel_ = nullptr;
    if (hijack_ || !keep_alive_) {
      if (!hijack_)
        enqueue("0\r\n\r\n");
      return close_after_write();
    }
    // Like dockerd: a chunked answer that ended leaves the connection open
    // for the next request.
    enqueue("0\r\n\r\n");
    after_write_ = [this] { read_after_watch(); };
  }
  auto executor() { return sock_.get_executor(); }
  bool closed() const { return closed_; }

private:
  void read_request() {
    parser_.emplace();
    parser_->body_limit(core_.opts.body_limit);
    parser_->header_limit(64 * 1024);
    http::async_read(sock_, buf_, *parser_,
                     [self = shared_from_this()](error_code ec, std::size_t) { self->on_request(ec); });
  }

  void on_request(error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::broken_pipe)
      return close();
    if (ec == http::error::body_limit)
      return answer_and_close(413, error_body("request body over " +
                                              std::to_string(core_.opts.body_limit) + " bytes"));
    if (ec)
      return answer_and_close(400, error_body("malformed HTTP request: " + ec.message()));

    auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive();
    sim_request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    for (auto& f : msg)
      req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    req.body = std::move(msg.body());
    auto q = req.target.find('?');
    if (!percent_decode(std::string_view(req.target).substr(0, q), req.path, false) ||
        (q != std::string::npos && !parse_query(std::string_view(req.target).substr(q + 1), req.query)))
      return answer_and_close(400, error_body("malformed request target: bad percent escape"));
    if (req.path.empty() || req.path[0] != '/')
      return answer_and_close(400, error_body("malformed request target: path must start with /"));
    if (auto v = strip_version(req.path); !v.empty())
      return answer_and_close(400, error_body(v));

    std::vector<std::string> args;
    auto route = match_route(req.method, req.path, args);
    auto [fault, delay] = core_.admit(route);
    auto go = [self = shared_from_this(), route, args = std::move(args), fault = fault,
               req = std::move(req)]() mutable { self->dispatch(route, args, fault, req); };
    if (delay.count() == 0)
      return go();
    delay_.expires_after(delay);
    delay_.async_wait([go = std::move(go)](error_code e) mutable {
      if (!e)
        go();
    });
  }

  // "/v1.41/x" -> "/x"; an error text for a version out of range.
  static std::string strip_version(std::string& path) {
    if (path.size() < 4 || path.compare(0, 3, "/v1") != 0 || path[3] != '.')
      return {};
    auto slash = path.find('/', 1);
    auto version = path.substr(2, slash == std::string::npos ? std::string::npos : slash - 2);
    int minor = std::atoi(version.c_str() + 2);
    if (version.find_first_not_of("0123456789.") != std::string::npos)
      return {};
    if (minor > 41)
      return "client version " + version + " is too new. Maximum supported API version is 1.41";
    if (minor < 12)
      return "client version " + version + " is too old. Minimum supported API version is 1.12, "
             "please upgrade your client to a newer version";
    path = slash == std::string::npos ? "/" : path.substr(slash);
    return {};
  }

  void dispatch(const std::string& route, const std::vector<std::string>& args,
                std::optional<fault_kind> fault, sim_request& req) {
    if (closed_)
      return;
    if (fault)
      return inject(*fault, route);
    route_context ctx{core_.engine, core_.opts};
    auto act = handle(ctx, route, args, req);
    core_.rearm();
    if (auto* r = std::get_if<reply>(&act))
      return send_reply(std::move(*r));
    if (auto* d = std::get_if<deferred>(&act)) {
      cancel_ = std::move(d->cancel);
      std::weak_ptr<session> weak = weak_from_this();
      auto ex = executor();
      d->start([weak, ex, this_core = &core_](reply r) {
        net::post(ex, [weak, r = std::move(r), this_core]() mutable {
          if (auto self = weak.lock()) {
            self->cancel_ = nullptr;
            self->send_reply(std::move(r), true);
          }
          this_core->rearm();
        });
      });
      watch_for_close();
      return;
    }
    auto& s = std::get<streamed>(act);
    start_stream(std::move(s));
  }

  // -- faults --
  static bool streaming_route(const std::string& route) {
    return route == "images.create" || route == "events" || route == "containers.logs" ||
           route == "containers.wait" || route == "containers.stats";
  }

  void inject(fault_kind kind, const std::string& route) {
    switch (kind) {
      case fault_kind::status_500:
        return send_reply({500, error_body("simulated fault: 500 on " + route)});
      case fault_kind::reset: {
        error_code ignored;
        sock_.set_option(net::socket_base::linger(true, 0), ignored);
        return close();
      }
      case fault_kind::stall:
        return watch_for_close(); // answers nothing; the client gives up and closes
      case fault_kind::garbage:
        enqueue(head(200, "application/json", {}, "Transfer-Encoding: chunked\r\n") + "zz\r\n{}\r\n");
        return close_after_write();
      case fault_kind::truncate: {
        // Streaming routes: one whole chunk, then half of the next one.
        // Others: half of the body Content-Length promises.
        std::string body = "{\"status\":\"simulated truncated answer\"}\n";
        if (streaming_route(route))
          enqueue(head(200, "application/json", {}, "Transfer-Encoding: chunked\r\n") + chunk(body) +
                  chunk(body).substr(0, body.size() / 2));
        else
          enqueue(head(200, "application/json", {},
                       "Content-Length: " + std::to_string(body.size()) + "\r\n") +
                  body.substr(0, body.size() / 2));
        return close_after_write();
      }
    }
  }

  // -- answers --
  // `watched`: a read watching for the client's close is pending (a
  // deferred answer); it gives way before the next request is read.
  void send_reply(reply r, bool watched = false) {
    bool no_body = r.status == 204 || r.status == 304;
    std::string framing;
    if (!no_body)
      framing = "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    if (!keep_alive_)
      framing += "Connection: close\r\n";
    enqueue(head(r.status, no_body ? "" : r.content_type, r.headers, framing) +
            (no_body ? std::string() : r.body));
    if (!keep_alive_)
      return close_after_write();
    if (watched)
      after_write_ = [this] { read_after_watch(); };
    else
      after_write_ = [this] { read_request(); };
  }

  void answer_and_close(int status, std::string body) {
    keep_alive_ = false;
    send_reply({status, std::move(body)});
  }

  void start_stream(streamed s) {
    streaming_ = true;
    hijack_ = s.hijack;
    cancel_ = std::move(s.cancel);
    if (hijack_)
      enqueue("HTTP/1.1 " + std::to_string(s.status) +
              (s.status == 101 ? " UPGRADED\r\nContent-Type: " + s.content_type +
                                     "\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
                               : " OK\r\nContent-Type: " + s.content_type + "\r\n\r\n"));
    else
      enqueue(head(s.status, s.content_type, {},
                   std::string(keep_alive_ ? "" : "Connection: close\r\n") +
                     "Transfer-Encoding: chunked\r\n"));
    watch_for_close();
    if (s.start)
      s.start(std::make_shared<sink>(weak_from_this(), executor()));
  }

  // While a stream or a stall holds the connection, a read that ends tells
  // that the client went away. Bytes read meanwhile (outside a hijacked
  // stream) are kept for the next request's parser.
  void watch_for_close() {
    watching_ = true;
    auto on_read = [self = shared_from_this()](error_code ec, std::size_t n) {
      self->watching_ = false;
      if (!ec && !self->hijack_)
        self->buf_.commit(n);
      if (self->resume_ && (!ec || ec == net::error::operation_aborted)) {
        self->resume_ = false;
        if (!self->closed_)
          self->read_request();
        return;
      }
      if (!ec && self->buf_.size() > 64 * 1024)
        ec = net::error::message_size; // a client that talks over an answer
      if (ec) {
        if (self->cancel_)
          self->cancel_();
        self->cancel_ = nullptr;
        self->streaming_ = false;
        self->close();
        return;
      }
      if (!self->closed_)
        self->watch_for_close();
    };
    if (hijack_)
      sock_.async_read_some(net::buffer(scratch_), std::move(on_read));
    else
      sock_.async_read_some(buf_.prepare(4096), std::move(on_read));
  }

  // The answer that a watching read ran beside is written: the next request
  // is read once that read has given way (cancelled, or done with its bytes).
  void read_after_watch() {
    if (!watching_)
      return read_request();
    resume_ = true;
    error_code ignored;
    sock_.cancel(ignored); // nothing else is pending: the answer is written
  }

  void enqueue(std::string bytes) {
    if (closed_)
      return;
    out_.push_back(std::move(bytes));
    if (!writing_)
      write_next();
  }

  void write_next() {
    if (out_.empty()) {
      writing_ = false;
      if (close_when_written_)
        return close();
      if (after_write_) {
        auto next = std::move(after_write_);
        after_write_ = nullptr;
        next();
      }
      return;
    }
    writing_ = true;
    net::async_write(sock_, net::buffer(out_.front()), [self = shared_from_this()](error_code ec, std::size_t) {
      self->out_.pop_front();
      if (ec) {
        if (self->cancel_)
          self->cancel_();
        self->cancel_ = nullptr;
        return self->close();
      }
      self->write_next();
    });
  }

  void close_after_write() {
    close_when_written_ = true;
    if (!writing_)
      write_next();
  }

  void close() {
    if (closed_)
      return;
    closed_ = true;
    error_code ignored;
    delay_.cancel();
    sock_.shutdown(local::socket::shutdown_both, ignored);
    sock_.close(ignored);
  }

  class sink : public stream_sink {
  public:
    sink(std::weak_ptr<session> s, local::socket::executor_type ex) : s_(std::move(s)), ex_(std::move(ex)) {}
    void write(std::string bytes) override {
      net::post(ex_, [s = s_, b = std::move(bytes)]() mutable {
        if (auto self = s.lock())
          self->stream_write(std::move(b));
      });
    }
    void end() override {
      net::post(ex_, [s = s_] {
        if (auto self = s.lock())
          self->stream_end();
      });
    }
    void after(std::chrono::nanoseconds d, std::function<void()> fn) override {
      auto self = s_.lock();
      if (!self)
        return;
      if (d.count() <= 0) {
        net::post(ex_, [s = s_, fn = std::move(fn)] {
          if (auto alive = s.lock(); alive && !alive->closed())
            fn();
        });
        return;
      }
      auto t = std::make_shared<net::steady_timer>(ex_, d);
      t->async_wait([t, s = s_, fn = std::move(fn)](error_code ec) {
        if (auto alive = s.lock(); !ec && alive && !alive->closed())
          fn();
      });
    }

  private:
    std::weak_ptr<session> s_;
    local::socket::executor_type ex_;
  };

  core& core_;
  local::socket sock_;
  net::steady_timer delay_;
  beast::flat_buffer buf_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<std::string> out_;
  std::function<void()> after_write_; // after the queue drains: read the next request
  std::function<void()> cancel_;      // the stream or deferred answer's cancel
  char scratch_[512];
  bool keep_alive_ = true;
  bool writing_ = false;
  bool close_when_written_ = false;
  bool streaming_ = false;
  bool hijack_ = false;
  bool closed_ = false;
  bool watching_ = false; // watch_for_close's read is pending
  bool resume_ = false;   // ... and read_after_watch waits for it to give way
};

//----------------------------------------------------------------------------

namespace {

class daemon_impl final : public sim_daemon {
public:
  explicit daemon_impl(options o) : core_(std::make_unique<core>(std::move(o))) {}
  ~daemon_impl() override { stop(); }

  result<unit> listen() {
    auto& o = core_->opts;
    namespace fs = std::filesystem;
    if (o.socket_path.empty()) {
      auto tmpl = (fs::temp_directory_path() / "simdockerd-XXXXXX").string();
      if (!::mkdtemp(tmpl.data()))
        return make_error(errc::internal, "simdockerd", "cannot make a temp dir: " + std::string(std::strerror(errno)));
      temp_dir_ = tmpl;
      o.socket_path = tmpl + "/docker.sock";
    }
    path_ = o.socket_path;
    std::error_code fec;
    if (fs::is_socket(path_, fec))
      fs::remove(path_, fec); // a stale socket from an earlier run
    for (auto& img : o.images)
      core_->engine.add_image(img);
    acceptor_.emplace(core_->ioc);
    error_code ec;
    acceptor_->open(local(), ec);
    if (!ec)
      acceptor_->bind(local::endpoint(path_), ec);
    if (!ec)
      acceptor_->listen(net::socket_base::max_listen_connections, ec);
    if (ec)
      return make_error(errc::invalid_input, "simdockerd listen " + path_, ec.message());
    accept();
    auto n = std::max<std::size_t>(1, o.threads);
    for (std::size_t i = 0; i < n; ++i)
      threads_.emplace_back([this] { core_->ioc.run(); });
    return unit{};
  }

  docker::endpoint where() const override {
    docker::endpoint ep;
    ep.kind = docker::endpoint::scheme::unix_socket;
    ep.path = path_;
    return ep;
  }
  const std::string& socket_path() const override { return path_; }

  std::map<std::string, std::uint64_t> calls() const override {
    std::lock_guard lock(core_->mu);
    return core_->calls;
  }
  std::uint64_t calls(std::string_view route) const override {
    std::lock_guard lock(core_->mu);
    auto it = core_->calls.find(std::string(route));
    return it == core_->calls.end() ? 0 : it->second;
  }
  std::map<std::string, std::uint64_t> faults_injected() const override {
    std::lock_guard lock(core_->mu);
    return core_->faulted;
  }
  void set_faults(std::vector<fault_rule> rules) override {
    std::lock_guard lock(core_->mu);
    core_->faults = std::move(rules);
  }
  std::size_t containers() const override { return core_->engine.containers(); }
  std::size_t running() const override { return core_->engine.running(); }
  std::size_t images() const override { return core_->engine.images(); }

  void stop() override {
    if (stopped_.exchange(true))
      return;
    net::post(core_->ioc, [this] {
      error_code ignored;
      if (acceptor_)
        acceptor_->close(ignored);
    });
    core_->ioc.stop();
    for (auto& t : threads_)
      t.join();
    threads_.clear();
    acceptor_.reset();
    std::error_code fec;
    std::filesystem::remove(path_, fec);
    if (!temp_dir_.empty())
      std::filesystem::remove_all(temp_dir_, fec);
  }

private:
  void accept() {
    acceptor_->async_accept(net::make_strand(core_->ioc), [this](error_code ec, local::socket sock) {
      if (ec == net::error::operation_aborted || !acceptor_->is_open())
        return;
      if (!ec)
        std::make_shared<session>(*core_, std::move(sock))->run();
      accept();
    });
  }

  std::unique_ptr<core> core_;
  std::optional<local::acceptor> acceptor_;
  std::vector<std::thread> threads_;
  std::string path_;
  std::string temp_dir_;
  std::atomic<bool> stopped_{false};
};

} // namespace

result<std::unique_ptr<sim_daemon>> sim_daemon::start(options opts) {
  if (opts.time_scale < 0)
    return make_error(errc::invalid_input, "simdockerd options", "time_scale must not be negative");
  auto d = std::make_unique<daemon_impl>(std::move(opts));
  auto r = d->listen();
  if (!r.ok())
    return std::move(r).error();
  return std::unique_ptr<sim_daemon>(std::move(d));
}

} // namespace stevedore::sim
