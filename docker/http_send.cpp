// send(): one request, one buffered answer, whatever its status. The body is
// capped at request::body_limit; a connection is pooled again only when the
// answer ended cleanly and both sides keep it alive.
#include <optional>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include "docker/http_call.hpp"

namespace stevedore::docker::detail {

namespace {

namespace http = beast::http;

class send_call final : public call_base {
public:
  send_call(std::shared_ptr<shard> sh, std::shared_ptr<const link> ln, request req,
            std::function<void(result<response>)> done)
      : call_base(std::move(sh), std::move(ln), std::move(req), mode::buffered),
        done_(std::move(done)) {}

private:
  void read_answer() override {
    buffer_.clear(); // a retry reads a fresh answer
    parser_.emplace();
    parser_->body_limit(body_limit_);
    parser_->header_limit(64 * 1024);
    if (req_->method == "HEAD")
      parser_->skip(true); // a HEAD answer has a Content-Length but no body
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
    set_step("read body");
    http::async_read(*conn_, buffer_, *parser_,
                     [self = shared_self()](error_code ec, std::size_t) { self->on_body(ec); });
  }

  void on_body(error_code ec) {
    if (done())
      return;
    if (ec) {
      if (retry_if_stale(ec, true, false))
        return;
      return fail_io("read body", ec);
    }
    auto& msg = parser_->get();
    if (retry_after_answer(msg.result_int()))
      return;
    response r;
    r.status = msg.result_int();
    if (req_->keep_headers)
      r.headers = to_headers(msg.base());
    r.body = std::move(msg.body());
    // Bytes after the answer are nothing we asked for: do not reuse.
    bool reusable = msg.keep_alive() && buffer_.size() == 0;
    if (!end(reusable))
      return;
    deliver(std::move(r));
  }

  void deliver_error(error_info e) override { deliver(result<response>(std::move(e))); }

  void deliver(result<response> r) {
    auto done = std::move(done_);
    done_ = nullptr;
    guarded(done, std::move(r));
  }

  std::shared_ptr<send_call> shared_self() {
    return std::static_pointer_cast<send_call>(shared_from_this());
  }

  std::function<void(result<response>)> done_;
  beast::flat_buffer buffer_; // must persist between reads
  std::optional<http::response_parser<http::string_body>> parser_;
};

} // namespace

std::shared_ptr<call_base> make_send_call(std::shared_ptr<shard> sh, std::shared_ptr<const link> ln,
                                          request req, std::function<void(result<response>)> done) {
  return std::make_shared<send_call>(std::move(sh), std::move(ln), std::move(req), std::move(done));
}

} // namespace stevedore::docker::detail
