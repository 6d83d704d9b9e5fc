#include "docker/http_call.hpp"

#include <algorithm>
#include <optional>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/file.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/http/write.hpp>

namespace stevedore::docker::detail {

namespace http = beast::http;

namespace {

// A file sent as a request body in 64 KiB reads (Beast's file_body reads
// 4 KiB at a time), never held whole. init() rewinds, so a retried request
// sends the file from its start again.
struct streamed_file_body {
  struct value_type {
    beast::file file;
    std::uint64_t size = 0;
  };

  static std::uint64_t size(const value_type& v) { return v.size; }

  class writer {
  public:
    using const_buffers_type = net::const_buffer;
    static constexpr std::size_t chunk = 64 * 1024;

    template <bool isRequest, class Fields>
    writer(http::header<isRequest, Fields>&, value_type& v) : body_(v) {}

    void init(error_code& ec) {
      body_.file.seek(0, ec);
      remain_ = body_.size;
    }

    boost::optional<std::pair<const_buffers_type, bool>> get(error_code& ec) {
      ec = {};
      if (remain_ == 0)
        return boost::none;
      if (!buf_)
        buf_ = std::make_unique<char[]>(chunk);
      auto want = static_cast<std::size_t>(std::min<std::uint64_t>(remain_, chunk));
      std::size_t got = body_.file.read(buf_.get(), want, ec);
      if (ec)
        return boost::none;
      if (got == 0) { // the file shrank after its size was taken
        ec = http::error::short_read;
        return boost::none;
      }
      remain_ -= got;
      return {{const_buffers_type(buf_.get(), got), remain_ > 0}};
    }

  private:
    value_type& body_;
    std::uint64_t remain_ = 0;
    std::unique_ptr<char[]> buf_;
  };
};

bool idempotent(const std::string& method) { return method == "GET" || method == "HEAD"; }

// A silence limit this long is never reached by a running process: no timer
// (and no pending wait) is kept for it.
constexpr std::chrono::hours unbounded_silence{24 * 365};

// The request as it goes on the wire, in one string (one write, and nothing
// of Beast's message kept once it is out).
std::string serialize(http::request<http::span_body<const char>>& m, error_code& ec) {
  http::serializer<true, http::span_body<const char>> sr(m);
  std::string out;
  do {
    sr.next(ec, [&](error_code&, const auto& buffers) {
      std::size_t n = 0;
      if (out.empty())
        out.reserve(beast::buffer_bytes(buffers));
      for (auto b : beast::buffers_range_ref(buffers)) {
        out.append(static_cast<const char*>(b.data()), b.size());
        n += b.size();
      }
      sr.consume(n);
    });
  } while (!ec && !sr.is_done());
  return out;
}

bool is_http_error(const error_code& ec) {
  return ec.category() == http::make_error_code(http::error::end_of_stream).category();
}

} // namespace

struct call_base::outgoing {
  std::optional<http::request<streamed_file_body>> file;
  streamed_file_body::value_type file_body;
};

//----------------------------------------------------------------------------

call_base::call_base(std::shared_ptr<shard> sh, std::shared_ptr<const link> ln, request req, mode m)
    : shard_(std::move(sh)), link_(std::move(ln)),
      what_(req.what.empty() ? req.method + " " + req.target : std::move(req.what)),
      timeout_(req.timeout), body_limit_(req.body_limit), mode_(m), head_timeout_(req.head_timeout) {
  req_ = std::make_unique<request>(std::move(req));
}

call_base::~call_base() = default;

void call_base::release_request() noexcept {
  req_.reset();
  out_.reset();
}

header_list call_base::to_headers(const http::fields& f) {
  header_list out;
  for (const auto& field : f)
    out.emplace_back(std::string(field.name_string()), std::string(field.value()));
  return out;
}

void call_base::start() {
  if (shard_->closed())
    return fail(errc::cancelled, "transport shut down");
  shard_->add(this);
  registered_ = true;
  if (!link_->setup_error.empty())
    return fail(errc::invalid_input, link_->setup_error);
  const request& req = *req_;
  if (http::string_to_verb(req.method) == http::verb::unknown)
    return fail(errc::invalid_input, "unknown method '" + req.method + "'");
  if (req.target.empty() || req.target[0] != '/' ||
      req.target.find_first_of(" \r\n") != std::string::npos)
    return fail(errc::invalid_input, "bad target '" + req.target + "'");
  if (!req.body_file.empty()) {
    out_ = std::make_unique<outgoing>();
    error_code ec;
    out_->file_body.file.open(req.body_file.c_str(), beast::file_mode::scan, ec);
    if (!ec)
      out_->file_body.size = out_->file_body.file.size(ec);
    if (ec)
      return fail(errc::invalid_input, "open body file '" + req.body_file + "': " + ec.message());
  }
  deadline_ = clock::now() + timeout_;
  if (mode_ == mode::buffered) {
    arm(deadline_, timeout_);
    if (!shard_->try_acquire_slot()) {
      set_step("wait for connection");
      shard_->wait_for_slot(weak_from_this());
      return;
    }
    holding_slot_ = true;
  }
  acquire(nullptr);
}

void call_base::resume(std::unique_ptr<connection> conn) {
  if (done_) { // ended while the slot was on its way: pass it on
    shard_->release_slot(std::move(conn));
    return;
  }
  holding_slot_ = true;
  acquire(std::move(conn));
}

void call_base::acquire(std::unique_ptr<connection> handed) {
  if (!handed && attempt_ == 0)
    handed = shard_->take_idle();
  if (handed) {
    reused_ = true;
    conn_ = std::move(handed);
    arm_for_exchange();
    return write_request();
  }
  reused_ = false;
  inactivity_ = false; // a retry connects again: connect_timeout, not silence, bounds that
  conn_ = make_connection(shard_->ioc(), link_->ep, link_->tls.get());
  set_step("connect");
  auto limit = clock::now() + link_->connect_timeout;
  if (mode_ == mode::buffered && deadline_ < limit)
    arm(deadline_, timeout_);
  else
    arm(limit, link_->connect_timeout);
  conn_->async_open([self = shared_from_this()](error_code ec, const char* step, std::string detail) {
    self->on_open(ec, step, detail);
  });
}

void call_base::on_open(error_code ec, const char* step, const std::string& detail) {
  if (done_)
    return;
  if (ec) {
    std::string why = detail.empty() ? ec.message() : detail;
    return fail(errc::daemon_unreachable,
                std::string(step) + ": " + why + " (" + to_string(link_->ep) + ")");
  }
  arm_for_exchange();
  write_request();
}

void call_base::write_request() {
  set_step("write");
  try {
    start_write();
  } catch (const std::exception& e) { // Beast refuses some requests by throwing (TRACE with a body)
    fail(errc::invalid_input, std::string("write: ") + e.what());
  }
}

void call_base::start_write() {
  const request& req = *req_;
  auto head = [&](auto& m) {
    m.version(11);
    m.method_string(req.method);
    m.target(req.target);
    for (const auto& [name, value] : req.headers)
      m.set(name, value);
    m.set(http::field::host, link_->host);
    if (m.find(http::field::user_agent) == m.end())
      m.set(http::field::user_agent, "stevedore");
  };
  if (!req.body_file.empty()) {
    auto& m = out_->file.emplace();
    head(m);
    if (m.find(http::field::content_type) == m.end())
      m.set(http::field::content_type, "application/x-tar");
    m.body() = std::move(out_->file_body);
    m.prepare_payload();
    http::async_write(*conn_, m, [self = shared_from_this()](error_code ec, std::size_t n) {
      self->on_written(ec, n);
    });
    return;
  }
  http::request<http::span_body<const char>> m;
  head(m);
  if (!req.body.empty() && m.find(http::field::content_type) == m.end())
    m.set(http::field::content_type, "application/json");
  m.body() = http::span_body<const char>::value_type(req.body.data(), req.body.size());
  m.prepare_payload();
  error_code ec;
  bytes_ = serialize(m, ec);
  if (ec)
    return fail(errc::invalid_input, "write: " + ec.message());
  conn_->async_write_all(net::buffer(bytes_), as_waiter());
}

void call_base::on_written(error_code ec, std::size_t written) {
  std::string().swap(bytes_);
  if (done_)
    return;
  if (ec) {
    if (retry_if_stale(ec, false, written == 0))
      return;
    return fail_io("write", ec);
  }
  read_answer();
}

//----------------------------------------------------------------------------

bool call_base::retry_if_stale(error_code ec, bool answer_started, bool nothing_written) {
  // A pooled connection the daemon closed while it sat idle fails at the
  // first write or read. Once: the retry uses a fresh connection, and a
  // request that may already have done something on the daemon is retried
  // only when it is safe to repeat.
  if (attempt_ > 0 || !req_ || ec == net::error::operation_aborted)
    return false;
  const bool safe = idempotent(req_->method);
  const bool stale = reused_ && !answer_started && (nothing_written || safe);
  // A GET or HEAD changes nothing on the daemon: one reset or truncated
  // answer of a request/response call is asked again, on a fresh connection
  // too (a stream's data already went to its reader, so not a stream).
  // A garbled answer (a bad chunk, a broken status line) too: a flaky
  // daemon or proxy sends the next one whole. Not one over our own limits,
  // which would only come again.
  const bool limit = ec == http::error::body_limit || ec == http::error::header_limit;
  const bool repeatable = safe && mode_ == mode::buffered && !limit;
  if (!stale && !repeatable)
    return false;
  return retry();
}

bool call_base::retry_after_answer(int status) {
  // A 5xx to a GET or HEAD is often one bad moment of the daemon (or of what
  // stands before it); asking once more costs one round trip.
  if (attempt_ > 0 || !req_ || status < 500 || !idempotent(req_->method) ||
      mode_ != mode::buffered)
    return false;
  return retry();
}

bool call_base::retry() {
  ++attempt_;
  if (out_ && out_->file) // the file goes back to the next request; init() rewinds it
    out_->file_body = std::move(out_->file->body());
  conn_->close();
  retired_ = std::move(conn_);
  acquire(nullptr);
  return true;
}

void call_base::arm(clock::time_point at, std::chrono::milliseconds reported) {
  armed_ms_ = reported;
  if (!timer_)
    timer_ = std::make_unique<timer>(shard_->ioc().get_executor());
  timer_->expires_at(at);
  timer_->async_wait([self = shared_from_this(), g = ++timer_generation_](error_code ec) {
    self->on_timer(ec, g);
  });
}

void call_base::disarm() {
  ++timer_generation_;
  if (timer_)
    timer_->cancel();
}

void call_base::arm_for_exchange() {
  if (mode_ == mode::buffered) {
    arm(deadline_, timeout_);
  } else if (head_bounded()) {
    inactivity_ = false; // the header's deadline, from the request on
    arm(clock::now() + head_timeout_, head_timeout_);
  } else {
    arm_silence();
  }
}

void call_base::arm_silence() {
  if (timeout_ >= unbounded_silence) {
    disarm();
    timer_.reset(); // its cancelled wait completes on its own
  } else {
    inactivity_ = true;
    arm(clock::now() + timeout_, timeout_);
  }
}

void call_base::head_arrived() {
  const bool was_bounded = head_bounded();
  head_arrived_ = true;
  if (was_bounded && !done_)
    arm_silence();
}

void call_base::on_timer(error_code ec, unsigned generation) {
  if (done_ || ec || generation != timer_generation_)
    return;
  if (inactivity_ && conn_) {
    auto quiet_until = conn_->last_activity() + timeout_;
    if (quiet_until > clock::now())
      return arm(quiet_until, timeout_);
  }
  fail(errc::timeout, std::string(step_) + ": timeout after " +
                          std::to_string(armed_ms_.count()) + " ms");
}

//----------------------------------------------------------------------------

bool call_base::end(bool reusable) {
  if (done_)
    return false;
  done_ = true;
  disarm();
  if (registered_) {
    shard_->remove(this);
    registered_ = false;
  }
  std::unique_ptr<connection> keep;
  if (conn_) {
    if (reusable && !shard_->closed())
      keep = std::move(conn_);
    else
      conn_->close(); // kept (closed) until its pending completions have run
  }
  if (holding_slot_) {
    holding_slot_ = false;
    shard_->release_slot(std::move(keep));
  } else {
    shard_->put_idle(std::move(keep));
  }
  return true;
}

void call_base::fail(errc kind, std::string message) {
  if (!end(false))
    return;
  deliver_error(make_error(kind, what(), std::move(message)));
}

void call_base::fail_io(const char* step, error_code ec) {
  std::string at(step);
  if (ec == http::error::end_of_stream || ec == net::error::eof ||
      ec == net::ssl::error::stream_truncated)
    return fail(errc::daemon_unreachable, at + ": connection closed by the daemon");
  if (ec == http::error::partial_message)
    return fail(errc::daemon_unreachable, at + ": connection closed in the middle of the answer");
  if (ec == http::error::body_limit)
    return fail(errc::malformed_answer, "answer body over " + std::to_string(body_limit_) + " bytes");
  if (ec == http::error::short_read) // only our file body writer reports this
    return fail(errc::invalid_input, at + ": body file '" + (req_ ? req_->body_file : std::string()) +
                                       "' shrank while being sent");
  if (is_http_error(ec))
    return fail(errc::malformed_answer, at + ": " + ec.message());
  fail(errc::daemon_unreachable, at + ": " + ec.message());
}

} // namespace stevedore::docker::detail
