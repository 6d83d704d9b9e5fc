// stream(): one request whose answer body is handed on as it arrives. A
// buffer_body parser with no body limit reads into a chunk (small, growing
// while reads fill it); each async_read_some delivers what came
// (http::error::need_buffer only means the chunk is full). Chunked transfer encoding is undone by Beast.
//
// A non-2xx answer never reaches on_data: its body is read up to body_limit
// and the stream ends with status_error(). A stream that stops early (on_data
// returned false, an error, cancel) closes its connection; one that read its
// answer to the end pools it again.
#include <limits>
#include <optional>

#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/read.hpp>

#include "docker/http_call.hpp"

namespace stevedore::docker::detail {

namespace {

namespace http = beast::http;

class stream_call final : public call_base {
public:
  // Per live stream, and there may be one per task (its log follower), most
  // of them quiet: the body chunk starts small and doubles each time a read
  // fills it, up to max_chunk, so only busy streams hold a big one. Docker's
  // progress, event and log lines are far shorter than either.
  static constexpr std::size_t first_chunk = 512;
  static constexpr std::size_t max_chunk = 16 * 1024;

  stream_call(std::shared_ptr<shard> sh, std::shared_ptr<const link> ln, request req,
              stream_handler handler)
      : call_base(std::move(sh), std::move(ln), std::move(req), mode::streaming),
        handler_(std::move(handler)) {}

private:
  void read_answer() override {
    parser_.emplace();
    // Not boost::none: Beast 1.74 then refuses any answer with a Content-Length
    // (it compares the length with an empty optional).
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    parser_->header_limit(64 * 1024);
    set_step("read header");
    http::async_read_header(*conn_, buffer_, *parser_,
                            [self = shared_self()](error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(error_code ec) {
    if (done())
      return;
    if (ec) {
      if (retry_if_stale(ec, parser_->got_some(), false))
        return;
      return fail_io("read header", ec);
    }
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
    // Handed on: a stream that lasts for days need not keep its headers.
    parser_->get().base().clear();
    read_more();
  }

  void read_more() {
    if (parser_->is_done())
      return on_complete();
    if (!chunk_) {
      chunk_size_ = first_chunk;
      chunk_ = std::make_unique<char[]>(chunk_size_);
    } else if (grow_ && chunk_size_ < max_chunk) {
      chunk_size_ *= 2;
      chunk_ = std::make_unique<char[]>(chunk_size_);
    }
    grow_ = false;
    auto& body = parser_->get().body();
    body.data = chunk_.get();
    body.size = chunk_size_;
    http::async_read_some(*conn_, buffer_, *parser_,
                          [self = shared_self()](error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    if (done())
      return;
    if (ec == http::error::need_buffer)
      ec = {};
    if (ec)
      return fail_io(step_name(), ec);
    std::size_t got = chunk_size_ - parser_->get().body().size;
    grow_ = got == chunk_size_;
    std::string_view bytes(chunk_.get(), got);
    if (failed_status_) {
      std::size_t room = req_.body_limit - std::min(req_.body_limit, error_body_.size());
      error_body_.append(bytes.substr(0, room));
      if (error_body_.size() >= req_.body_limit && !parser_->is_done()) {
        if (end(false)) // the rest is not worth waiting for; the connection goes
          deliver(status_error(what(), status_, error_body_));
        return;
      }
    } else if (got > 0 && !deliver_data(bytes)) {
      if (end(false)) // the caller stopped reading mid-answer
        deliver(unit{});
      return;
    }
    read_more();
  }

  void on_complete() {
    bool reusable = parser_->keep_alive() && buffer_.size() == 0;
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
  std::optional<http::response_parser<http::buffer_body>> parser_;
  std::unique_ptr<char[]> chunk_;
  std::size_t chunk_size_ = 0;
  bool grow_ = false;          // the last read filled the chunk
  int status_ = 0;
  bool failed_status_ = false; // a non-2xx answer: collect its body for the error
  std::string error_body_;
};

} // namespace

std::shared_ptr<call_base> make_stream_call(std::shared_ptr<shard> sh, std::shared_ptr<const link> ln,
                                            request req, stream_handler handler) {
  return std::make_shared<stream_call>(std::move(sh), std::move(ln), std::move(req),
                                       std::move(handler));
}

} // namespace stevedore::docker::detail
