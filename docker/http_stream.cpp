// stream(): one request whose answer body is handed on as it arrives.
//
// There may be one stream per task (its log follower), nearly all of them
// quiet for hours, so an idle stream holds as little as it can: no read
// buffer (it waits for the socket to become readable, then reads into its
// shard's scratch buffer and parses at once), no Beast read operation, no
// request (dropped once the answer began), no timer when its silence limit
// is unbounded, no Beast parser once the header is read (about 250 bytes a
// stream would keep for days): the body's framing (chunked, a length, or up
// to the close) is undone by body_decoder below, byte by byte, so a chunk
// header cut by a read needs no bytes kept either. Body bytes go straight
// from the scratch buffer to on_data. Only a header cut by a read is kept,
// and only until the rest arrives.
//
// A non-2xx answer never reaches on_data: its body is read up to body_limit
// and the stream ends with status_error(). A stream that stops early (on_data
// returned false, an error, cancel) closes its connection; one that read its
// answer to the end pools it again.
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>

#include "docker/http_call.hpp"

namespace stevedore::docker::detail {

namespace {

namespace http = beast::http;

class stream_call;
// False: the stream wants no more body (stream_call::on_body).
bool take_body(stream_call& call, std::string_view bytes);

// A body that is not stored: each piece the parser decodes goes to the call.
struct handed_on_body {
  struct value_type {
    stream_call* to = nullptr;
  };

  class reader {
  public:
    template <bool isRequest, class Fields>
    reader(http::header<isRequest, Fields>&, value_type& v) : body_(v) {}

    void init(const boost::optional<std::uint64_t>&, error_code& ec) { ec = {}; }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, error_code& ec) {
      ec = {};
      std::size_t used = 0;
      for (auto b : beast::buffers_range_ref(buffers)) {
        if (b.size() > 0 && !take_body(*body_.to, {static_cast<const char*>(b.data()), b.size()})) {
          ec = net::error::interrupted; // stops the parser; the call knows why
          return used;
        }
        used += b.size();
      }
      return used;
    }

    void finish(error_code& ec) { ec = {}; }

  private:
    value_type& body_; // Beast makes the reader with the parser: `to` is set later
  };
};

// The framing of a 2xx answer's body, undone incrementally: the input may be
// cut anywhere. As strict as Beast's parser: a chunk header is hex digits, an
// optional extension, CRLF; chunk data ends with CRLF; trailers end with an
// empty line.
class body_decoder {
public:
  enum class framing : std::uint8_t { chunked, length, until_close };

  body_decoder(framing f, std::uint64_t length)
      : framing_(f), left_(length), state_(f == framing::chunked ? state::size : state::data) {}

  bool done() const noexcept { return state_ == state::done; }
  bool until_close() const noexcept { return framing_ == framing::until_close; }

  // Hands the body bytes of `in` to take(bytes) (false: stop; ec is then
  // interrupted). Stops at the body's end; returns the bytes used.
  template <class Take>
  std::size_t put(std::string_view in, error_code& ec, Take&& take) {
    std::size_t at = 0;
    while (at < in.size() && state_ != state::done) {
      if (state_ == state::data) {
        std::size_t n = in.size() - at;
        if (framing_ != framing::until_close && left_ < n)
          n = static_cast<std::size_t>(left_);
        if (n > 0 && !take(in.substr(at, n))) {
          ec = net::error::interrupted;
          return at + n;
        }
        at += n;
        if (framing_ == framing::until_close)
          continue;
        left_ -= n;
        if (left_ == 0)
          state_ = framing_ == framing::chunked ? state::data_cr : state::done;
        continue;
      }
      if (!step(in[at++])) {
        ec = http::error::bad_chunk;
        return at;
      }
    }
    return at;
  }

private:
  enum class state : std::uint8_t {
    size, ext, size_lf, data, data_cr, data_lf, trailer_start, trailer_line, final_lf, done
  };

  static int hex_value(char c) {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  }

  // One byte of the chunk framing; false: it breaks the syntax.
  bool step(char c) {
    switch (state_) {
      case state::size:
        if (int v = hex_value(c); v >= 0) {
          if (left_ > (std::numeric_limits<std::uint64_t>::max() >> 4))
            return false;
          left_ = left_ * 16 + static_cast<unsigned>(v);
          digits_ = true;
          return true;
        }
        if (!digits_ || (c != ';' && c != '\r'))
          return false;
        state_ = c == ';' ? state::ext : state::size_lf;
        return true;
      case state::ext:
        if (c == '\r')
          state_ = state::size_lf;
        return c != '\n';
      case state::size_lf:
        if (c != '\n')
          return false;
        digits_ = false;
        state_ = left_ == 0 ? state::trailer_start : state::data;
        return true;
      case state::data_cr:
        state_ = state::data_lf;
        return c == '\r';
      case state::data_lf:
        state_ = state::size;
        return c == '\n';
      case state::trailer_start:
        state_ = c == '\r' ? state::final_lf : state::trailer_line;
        return true;
      case state::trailer_line:
        if (c == '\n')
          state_ = state::trailer_start;
        return true;
      case state::final_lf:
        state_ = state::done;
        return c == '\n';
      case state::data:
      case state::done:
        break;
    }
    return false;
  }

  framing framing_;
  std::uint64_t left_;   // bytes of the current chunk (or of the length) still to come
  state state_;
  bool digits_ = false;  // the chunk size has a digit
};

class stream_call final : public call_base {
public:
  // Reads per turn of a busy stream before it lets the thread's other calls run.
  static constexpr int reads_per_turn = 4;

  stream_call(std::shared_ptr<shard> sh, std::shared_ptr<const link> ln, request req,
              std::shared_ptr<stream_sink> sink)
      : call_base(std::move(sh), std::move(ln), std::move(req), mode::streaming),
        sink_(std::move(sink)) {}

  // Body bytes from the parser; false stops it.
  bool on_body(std::string_view bytes) {
    if (failed_status_) {
      std::size_t room = body_limit_ - std::min(body_limit_, error_body_.size());
      error_body_.append(bytes.substr(0, room));
      return true;
    }
    if (!deliver_data(bytes)) {
      caller_stopped_ = true;
      return false;
    }
    return true;
  }

private:
  void read_answer() override {
    parser_ = std::make_unique<http::response_parser<handed_on_body>>();
    body_.reset();
    // Not boost::none: Beast 1.74 then refuses any answer with a Content-Length
    // (it compares the length with an empty optional).
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    parser_->header_limit(64 * 1024);
    parser_->get().body().to = this;
    std::string().swap(bytes_); // a retry reads a fresh answer
    set_step("read header");
    pump();
  }

  void on_readable(error_code ec) override {
    if (done())
      return;
    if (ec)
      return on_read_error(ec);
    pump();
  }

  // Reads what the connection has, never waiting, and parses it; waits for
  // the connection to become readable once it has nothing more.
  void pump() {
    for (int reads = 0; reads < reads_per_turn; ++reads) {
      net::mutable_buffer scratch = shard_->scratch();
      error_code ec;
      std::size_t got = conn_->read_now(scratch, ec);
      if (ec == net::error::would_block || ec == net::error::try_again)
        return conn_->async_wait_readable(as_waiter());
      if (ec)
        return on_read_error(ec);
      if (!parse(std::string_view(static_cast<const char*>(scratch.data()), got)))
        return;
    }
    net::post(shard_->ioc(), [self = shared_self()] { self->on_readable({}); });
  }

  // Parses `fresh` after what earlier reads left; false once the call ended.
  bool parse(std::string_view fresh) {
    if (body_)
      return parse_body(fresh);
    std::string_view data = fresh;
    if (!bytes_.empty()) {
      bytes_.append(fresh);
      data = bytes_;
    }
    while (!data.empty()) {
      error_code ec;
      std::size_t used = parser_->put(net::buffer(data.data(), data.size()), ec);
      data.remove_prefix(used);
      if (done())
        return false;
      if (ec == http::error::need_more)
        break;
      if (ended_by(ec))
        return false;
      if (!head_seen_ && parser_->is_header_done()) {
        on_header();
        if (body_) { // the rest is the body's
          std::string rest(data); // `data` may point into bytes_
          std::string().swap(bytes_);
          return parse_body(rest);
        }
      }
      if (parser_->is_done()) {
        on_complete(data.empty());
        return false;
      }
      if (failed_status_ && error_body_.size() >= body_limit_) {
        if (end(false)) // the rest is not worth waiting for; the connection goes
          deliver(status_error(what(), status_, error_body_));
        return false;
      }
      if (used == 0)
        break;
    }
    std::string left(data); // `data` may point into bytes_
    bytes_.swap(left);
    return true;
  }

  // Ends the call when the caller stopped reading or the bytes handed over
  // did not parse; true then.
  bool ended_by(error_code ec) {
    if (caller_stopped_) {
      if (end(false)) // the caller stopped reading mid-answer
        deliver(unit{});
      return true;
    }
    if (ec) {
      on_parse_error(ec);
      return true;
    }
    return false;
  }

  // Body bytes after the header; false once the call ended.
  bool parse_body(std::string_view data) {
    error_code ec;
    std::size_t used = body_->put(data, ec, [this](std::string_view b) { return on_body(b); });
    if (done())
      return false;
    if (ended_by(ec))
      return false;
    if (body_->done()) {
      on_complete(used == data.size());
      return false;
    }
    return true;
  }

  void on_header() {
    head_seen_ = true;
    head_arrived();
    release_request(); // the answer began: it will not be sent again
    status_ = parser_->get().result_int();
    if (status_ < 200 || status_ > 299) {
      failed_status_ = true;
      set_step("read error body");
    } else {
      if (sink_ && sink_->wants_head()) {
        response head;
        head.status = status_;
        head.headers = to_headers(parser_->get().base());
        try {
          sink_->on_head(head);
        } catch (...) {
        }
      }
      set_step("read body");
    }
    // Handed on: a stream that lasts for days need not keep its headers,
    // nor (with a body to come) the parser.
    parser_->get().base().clear();
    if (failed_status_ || parser_->is_done())
      return;
    keep_alive_ = parser_->keep_alive();
    if (parser_->chunked())
      body_.emplace(body_decoder::framing::chunked, 0);
    else if (auto n = parser_->content_length())
      body_.emplace(body_decoder::framing::length, *n);
    else
      body_.emplace(body_decoder::framing::until_close, 0);
    parser_.reset();
  }

  void on_parse_error(error_code ec) {
    if (!head_seen_) {
      if (retry_if_stale(ec, parser_->got_some(), false))
        return;
      return fail_io("read header", ec);
    }
    fail_io(step_name(), ec);
  }

  // As Beast's read: the end of the connection ends an answer that runs to
  // it; before any byte of an answer it is end_of_stream.
  void on_read_error(error_code ec) {
    if (body_ && ec == net::error::eof) {
      if (body_->until_close())
        return on_complete(false);
      return fail_io(step_name(), http::error::partial_message);
    }
    if (ec == net::error::eof) {
      if (parser_->got_some()) {
        ec = {};
        parser_->put_eof(ec);
        if (!ec) {
          if (!head_seen_ && parser_->is_header_done())
            on_header();
          return on_complete(false);
        }
      } else {
        ec = http::error::end_of_stream;
      }
    }
    on_parse_error(ec);
  }

  void on_complete(bool nothing_left) {
    bool keep_alive = body_ ? keep_alive_ && !body_->until_close() : parser_->keep_alive();
    bool reusable = keep_alive && nothing_left && bytes_.empty();
    if (!end(reusable))
      return;
    if (failed_status_)
      deliver(status_error(what(), status_, error_body_));
    else
      deliver(unit{});
  }

  // False: the caller wants no more (or on_data threw, which ends it too).
  bool deliver_data(std::string_view bytes) {
    if (!sink_)
      return true;
    try {
      return sink_->on_data(bytes);
    } catch (...) {
      return false;
    }
  }

  void deliver_error(error_info e) override { deliver(result<unit>(std::move(e))); }

  void deliver(result<unit> r) {
    auto sink = std::move(sink_); // what it holds goes now, not with the call
    if (!sink)
      return;
    try {
      sink->on_end(std::move(r), what());
    } catch (...) {
    }
  }

  const char* step_name() const { return failed_status_ ? "read error body" : "read body"; }

  std::shared_ptr<stream_call> shared_self() {
    return std::static_pointer_cast<stream_call>(shared_from_this());
  }

  std::shared_ptr<stream_sink> sink_;
  std::unique_ptr<http::response_parser<handed_on_body>> parser_; // until the header is read
  std::optional<body_decoder> body_;                             // then, for a 2xx body
  int status_ = 0;
  bool head_seen_ = false;
  bool keep_alive_ = false;      // the header allowed the connection's reuse
  bool failed_status_ = false;   // a non-2xx answer: collect its body for the error
  bool caller_stopped_ = false;  // on_data said stop
  std::string error_body_;
};

bool take_body(stream_call& call, std::string_view bytes) { return call.on_body(bytes); }

} // namespace

std::shared_ptr<call_base> make_stream_call(std::shared_ptr<shard> sh, std::shared_ptr<const link> ln,
                                            request req, std::shared_ptr<stream_sink> sink) {
  return std::make_shared<stream_call>(std::move(sh), std::move(ln), std::move(req),
                                       std::move(sink));
}

} // namespace stevedore::docker::detail
