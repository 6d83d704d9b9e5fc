// One call on the wire, shaped like Beast's `session`: start() and then one
// on_<step> per completion, each checking for an error first and naming its
// step when it fails. call_base does what send() and stream() share (getting
// a connection, connecting, writing the request, the deadline, retrying a
// stale pooled connection once, ending exactly once); send_call and
// stream_call read the answer.
//
// Everything here runs on the call's shard thread. A call ends exactly once,
// either through a subclass delivering its answer or through fail(); after
// that every late completion finds done() true and returns.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/fields.hpp>

#include "docker/http_shard.hpp"

namespace stevedore::docker {

namespace detail {

namespace beast = boost::beast;

class call_base : public std::enable_shared_from_this<call_base>, public io_waiter,
                  public call_handle::target {
public:
  enum class mode {
    buffered,  // send(): counted against the shard's slots; `timeout` bounds the whole call
    streaming, // stream(): its own connection; `timeout` bounds each silence
  };

  call_base(std::shared_ptr<shard> sh, std::shared_ptr<const link> ln, request req, mode m);
  virtual ~call_base();

  void start();
  // Ends the call now with this error, unless it already ended.
  void cancel(errc kind, std::string message) { fail(kind, std::move(message)); }
  // A call_handle's cancel(), from any thread: the call's own thread ends it.
  void cancel_call() override { shard_->post_cancel(weak_from_this()); }
  // The shard handed this waiting call a slot, and a connection when one was free.
  void resume(std::unique_ptr<connection> conn);
  bool done() const noexcept { return done_; }

protected:
  // Read the answer; the request has been written.
  virtual void read_answer() = 0;
  // Hand `e` to the caller; the call has ended.
  virtual void deliver_error(error_info e) = 0;

  // The request is written and its answer has begun, so it will not be sent
  // again: a stream that lasts for days need not keep it.
  void release_request() noexcept;

  // Ends the call: the connection goes back to the pool when `reusable`,
  // else it is closed. False when the call had already ended.
  bool end(bool reusable);
  void fail(errc kind, std::string message);
  // Fails with the kind and words that fit an I/O error at `step`.
  void fail_io(const char* step, error_code ec);
  // After a failed write or read: true when a fresh connection was started
  // instead (once, and only where safe: a stale pooled connection, or a
  // GET/HEAD request/response call that was cut or garbled).
  bool retry_if_stale(error_code ec, bool answer_started, bool nothing_written);
  // A whole answer with a 5xx status to a GET or HEAD: asked once more.
  bool retry_after_answer(int status);

  // Runs one of the caller's callbacks (empty ones are skipped). An exception
  // from it is swallowed: it must not take the I/O thread and every other
  // call down with it.
  template <class R, class... Params, class... Args>
  static void guarded(const std::function<R(Params...)>& f, Args&&... args) {
    try {
      if (f)
        f(std::forward<Args>(args)...);
    } catch (...) {
    }
  }

  void set_step(const char* step) noexcept { step_ = step; }
  // Streams: the answer's header came; from now on `timeout_` bounds the silence.
  void head_arrived();
  const std::string& what() const noexcept { return what_; }
  static header_list to_headers(const beast::http::fields& f);
  std::shared_ptr<io_waiter> as_waiter() { return shared_from_this(); }

  void on_readable(error_code) override {} // only streams wait for bytes

  std::shared_ptr<shard> shard_;
  std::shared_ptr<const link> link_;
  std::unique_ptr<request> req_;   // until release_request()
  std::string what_;               // names the call in its errors
  std::chrono::milliseconds timeout_;
  std::size_t body_limit_;
  std::unique_ptr<connection> conn_;
  // The request on its way out (empty once written); then, for a stream,
  // bytes read that its parser could not take yet (a cut header).
  std::string bytes_;

private:
  struct outgoing;                 // a file body's request as Beast serializes it

  void acquire(std::unique_ptr<connection> handed);
  void on_open(error_code ec, const char* step, const std::string& detail);
  void write_request();
  void start_write();
  void on_written(error_code ec, std::size_t written) override;
  void arm(clock::time_point at, std::chrono::milliseconds reported);
  void disarm();
  void arm_for_exchange();
  void arm_silence();
  bool head_bounded() const noexcept {
    return mode_ == mode::streaming && !head_arrived_ && head_timeout_.count() > 0 &&
           head_timeout_ < timeout_;
  }
  void on_timer(error_code ec, unsigned generation);
  bool retry(); // closes conn_ and asks again on a fresh connection; true

  const mode mode_;
  std::unique_ptr<outgoing> out_;  // file bodies only
  std::unique_ptr<connection> retired_; // closed by the one retry, kept until its completions have run
  using timer = net::basic_waitable_timer<clock, net::wait_traits<clock>, net::io_context::executor_type>;
  std::unique_ptr<timer> timer_;   // made by arm(); a stream with no silence limit drops it once connected
  unsigned timer_generation_ = 0;  // a timer completion from an older arm() is ignored
  std::chrono::milliseconds armed_ms_{0}; // the limit the armed timer enforces, for the message
  bool inactivity_ = false;        // the timer measures silence (streams, once connected)
  std::chrono::milliseconds head_timeout_{0}; // streams: the header's deadline (request::head_timeout)
  bool head_arrived_ = false;      // streams: the header was read
  clock::time_point deadline_;     // buffered calls: the end of the whole call
  const char* step_ = "start";
  bool registered_ = false;        // in the shard's live set
  bool holding_slot_ = false;
  bool reused_ = false;            // conn_ came from the pool
  int attempt_ = 0;                // 1 once the one retry was made
  bool done_ = false;
};

std::shared_ptr<call_base> make_send_call(std::shared_ptr<shard> sh, std::shared_ptr<const link> ln,
                                          request req, std::function<void(result<response>)> done);
std::shared_ptr<call_base> make_stream_call(std::shared_ptr<shard> sh, std::shared_ptr<const link> ln,
                                            request req, std::shared_ptr<stream_sink> sink);

} // namespace detail
} // namespace stevedore::docker
