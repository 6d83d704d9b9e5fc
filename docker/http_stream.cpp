// stream(): one request whose answer body is handed on as it arrives.
//
// There may be one stream per task (its log follower), nearly all of them
// quiet for hours, so an idle stream holds as little as it can: no read
// buffer (it waits for the socket to become readable, then reads into its
// shard's scratch buffer and parses at once), no Beast read operation, no
// request (dropped once the answer began), no timer when its silence limit
// is unbounded. The parser's body type hands body bytes straight from the
// scratch buffer to on_data; chunked transfer encoding is undone by Beast.
// Only bytes the parser cannot take yet (a header or chunk header cut by a
// read) are kept, and only until the rest arrives.
//
// A non-2xx answer never reaches on_data: its body is read up to body_limit
// and the stream ends with status_error(). A stream that stops early (on_data
// returned false, an error, cancel) closes its connection; one that read its
// answer to the end pools it again.
#include <limits>
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

class stream_call final : public call_base {
public:
  // Reads per turn of a busy stream before it lets the thread's other calls run.
  static constexpr int reads_per_turn = 4;

  stream_call(std::shared_ptr<shard> sh, std::shared_ptr<const link> ln, request req,
              stream_handler handler)
      : call_base(std::move(sh), std::move(ln), std::move(req), mode::streaming),
        handler_(std::move(handler)) {}

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
    parser_.emplace();
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
      if (caller_stopped_) {
        if (end(false)) // the caller stopped reading mid-answer
          deliver(unit{});
        return false;
      }
      if (ec) {
        on_parse_error(ec);
        return false;
      }
      if (!head_seen_ && parser_->is_header_done())
        on_header();
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

  void on_header() {
    head_seen_ = true;
    release_request(); // the answer began: it will not be sent again
    status_ = parser_->get().result_int();
    if (status_ < 200 || status_ > 299) {
      failed_status_ = true;
      set_step("read error body");
    } else {
      response head;
      head.status = status_;
      head.headers = to_headers(parser_->get().base());
      guarded(handler_.on_head, head);
      set_step("read body");
    }
    handler_.on_head = nullptr;
    // Handed on: a stream that lasts for days need not keep its headers.
    parser_->get().base().clear();
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
    bool reusable = parser_->keep_alive() && nothing_left && bytes_.empty();
    if (!end(reusable))
      return;
    if (failed_status_)
      deliver(status_error(what(), status_, error_body_));
    else
      deliver(unit{});
  }

  // False: the caller wants no more (or on_data threw, which ends it too).
  bool deliver_data(std::string_view bytes) {
    if (!handler_.on_data)
      return true;
    try {
      return handler_.on_data(bytes);
    } catch (...) {
      return false;
    }
  }

  void deliver_error(error_info e) override { deliver(result<unit>(std::move(e))); }

  void deliver(result<unit> r) {
    auto on_end = std::move(handler_.on_end);
    handler_ = stream_handler{};
    guarded(on_end, std::move(r));
  }

  const char* step_name() const { return failed_status_ ? "read error body" : "read body"; }

  std::shared_ptr<stream_call> shared_self() {
    return std::static_pointer_cast<stream_call>(shared_from_this());
  }

  stream_handler handler_;
  std::optional<http::response_parser<handed_on_body>> parser_;
  int status_ = 0;
  bool head_seen_ = false;
  bool failed_status_ = false;   // a non-2xx answer: collect its body for the error
  bool caller_stopped_ = false;  // on_data said stop
  std::string error_body_;
};

bool take_body(stream_call& call, std::string_view bytes) { return call.on_body(bytes); }

} // namespace

std::shared_ptr<call_base> make_stream_call(std::shared_ptr<shard> sh, std::shared_ptr<const link> ln,
                                            request req, stream_handler handler) {
  return std::make_shared<stream_call>(std::move(sh), std::move(ln), std::move(req),
                                       std::move(handler));
}

} // namespace stevedore::docker::detail
