// The HTTP layer under the Engine API client: one endpoint (unix, tcp or TLS),
// its own Asio io_context and thread, a pool of keep-alive connections, a
// deadline on every call, cancellation of any call or stream. Callbacks run on
// the transport's I/O thread and must not block; an actor forwards them with
// anon_send. This header deliberately includes no Asio/Beast: those stay in
// transport.cpp so CAF-heavy translation units do not pay for them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "messages/result.hpp"

namespace stevedore::docker {

// Where the daemon listens: unix:///path, tcp://host:port, or tcp with TLS.
struct endpoint {
  enum class scheme { unix_socket, tcp, tls };
  scheme kind = scheme::unix_socket;
  std::string path;          // unix socket path
  std::string host;          // tcp / tls host
  std::uint16_t port = 0;    // tcp / tls port
  std::string tls_cert;      // client certificate (PEM file)
  std::string tls_key;       // client key (PEM file)
  std::string tls_ca;        // CA that signed the daemon's certificate (PEM file)
  bool tls_verify = true;    // verify the daemon's certificate against tls_ca
};

// "unix:///run/x.sock", "tcp://127.0.0.1:2376" (+ " (tls)").
std::string to_string(const endpoint& ep);

// Reads an endpoint the way the spec says: `docker.endpoint` (and the
// `docker.tls.*` files, used only with it) when set; otherwise DOCKER_HOST,
// DOCKER_TLS_VERIFY and DOCKER_CERT_PATH from `getenv`; otherwise
// unix:///var/run/docker.sock. Errors name the setting and the bad value.
using getenv_fn = std::function<const char*(const char*)>;
result<endpoint> resolve_endpoint(const std::string& configured,
                                  const std::string& tls_cert,
                                  const std::string& tls_key,
                                  const std::string& tls_ca,
                                  const getenv_fn& getenv);

using header_list = std::vector<std::pair<std::string, std::string>>;

struct request {
  std::string method = "GET";     // GET, POST, DELETE, HEAD
  std::string target;             // path and query, e.g. "/v1.41/containers/json?all=1"
  header_list headers;            // extra headers (Host is always set by the transport)
  std::string body;               // sent as is; Content-Type application/json unless a header says otherwise
  std::string body_file;          // when set: this file is streamed as the body (application/x-tar), never read whole
  std::chrono::milliseconds timeout{30000}; // send(): the whole call; stream(): the longest silence between reads
  // stream(): the longest wait for the answer's header, when shorter than
  // `timeout` (0: `timeout` bounds it). A stream that may stay silent for
  // days (events, logs, wait) still gets its header at once from a daemon
  // that is there: one that never answers must not hold it forever.
  std::chrono::milliseconds head_timeout{0};
  std::size_t body_limit = 8u << 20;        // cap on a buffered body (send(), and error bodies of stream())
  std::string what;               // names the call in errors: "container create web-1234"
  bool keep_headers = true;       // send(): false leaves response::headers empty (no copy of them)
};

struct response {
  int status = 0;
  header_list headers;
  std::string body;
};

// A running call or stream. cancel() may be called from any thread, any
// number of times; the call then ends with errc::cancelled (unless it already
// ended). Destroying the handle does not cancel.
class call_handle {
public:
  // What a handle cancels: a call of the transport, or of the client.
  class target {
  public:
    virtual void cancel_call() = 0; // any thread, any number of times

  protected:
    ~target() = default;
  };

  call_handle() = default;
  // Holds `t` weakly: a handle does not keep an ended call alive, and costs
  // no allocation of its own (thousands of streams each keep one).
  explicit call_handle(std::weak_ptr<target> t) : target_(std::move(t)) {}
  void cancel() const;
  // Made for a call (whether or not that call has ended since).
  bool valid() const noexcept {
    return target_.owner_before(std::weak_ptr<target>{}) || std::weak_ptr<target>{}.owner_before(target_);
  }

  // A handle whose cancel() runs `cancel` instead (any thread, any number of
  // times: `cancel` must tolerate that): for a call that is not on the wire
  // yet, or is made of several transport calls (docker::client).
  static call_handle from_function(std::function<void()> cancel);

private:
  std::weak_ptr<target> target_;
  std::shared_ptr<const void> keep_; // from_function(): owns the target
};

// Callbacks of a streaming call. on_data gets raw body bytes in arrival order
// (chunk boundaries are not message boundaries: split lines or frames above
// this layer); returning false stops the stream cleanly (on_end gets ok).
// on_end runs exactly once. A non-2xx answer never reaches on_data: it ends
// the stream with the error built from the body's {"message": ...}.
struct stream_handler {
  std::function<void(const response& head)> on_head; // status and headers; body empty
  std::function<bool(std::string_view bytes)> on_data;
  std::function<void(result<unit>)> on_end;
};

// The same callbacks as one object, for streams that last (a log follower's):
// one allocation where a stream_handler's closures take one each.
class stream_sink {
public:
  virtual ~stream_sink() = default;
  // False: on_head is never called (its headers are not even copied).
  virtual bool wants_head() const { return false; }
  virtual void on_head(const response& /*head*/) {}
  virtual bool on_data(std::string_view bytes) = 0;
  // Exactly once. `what` names the call (request::what), for errors found
  // in the body.
  virtual void on_end(result<unit> r, const std::string& what) = 0;
};

class transport {
public:
  struct options {
    std::size_t max_idle_connections = 64;       // keep-alive connections kept for reuse
    std::size_t max_connections = 128;           // send() calls on the wire at once (each holds a
                                                 // connection); more wait in line, their deadline
                                                 // running. A call the daemon answers late (a stop
                                                 // waiting out its kill timeout) holds its place all
                                                 // along. Streams are not counted: each holds its
                                                 // own connection while it lasts.
    std::chrono::milliseconds connect_timeout{5000};
    std::size_t io_threads = 1;
  };

  // Starts the I/O thread(s). Connections are made lazily, on first use.
  static std::shared_ptr<transport> make(endpoint ep, options opts);
  static std::shared_ptr<transport> make(endpoint ep) { return make(std::move(ep), options{}); }

  virtual ~transport() = default;

  // One request, one buffered answer. `done` runs exactly once, on the I/O
  // thread: ok with any status (the caller maps statuses it expects), or an
  // error of kind daemon_unreachable, timeout, malformed_answer (bad chunking,
  // body over body_limit) or cancelled.
  virtual call_handle send(request req, std::function<void(result<response>)> done) = 0;

  // One request whose answer body is consumed as it arrives (pull progress,
  // events, logs, wait). Statuses other than 2xx end it with an error whose
  // kind follows the status (404 not_found, 409 conflict, 401/403
  // unauthorized, others daemon_error) and the daemon's message.
  virtual call_handle stream(request req, stream_handler handler) = 0;
  // The same, with the callbacks of one object.
  virtual call_handle stream(request req, std::shared_ptr<stream_sink> sink) = 0;

  // Cancels every call in flight, closes every connection and joins the I/O
  // thread(s). Idempotent; also run by the destructor of the implementation.
  // The callbacks of the calls it cancels run (errc::cancelled) before it
  // returns, and no callback runs after. A call made after shutdown began
  // gets its callback at once, on the caller's thread, with cancelled, and an
  // invalid handle. Run on one of the transport's own threads (inside a
  // callback), it cannot wait for that thread: the calls still on it end,
  // cancelled, right after the running callback returns.
  virtual void shutdown() = 0;

  virtual const endpoint& where() const noexcept = 0;
};

// The error of a non-2xx answer: kind from the status, message from the body's
// {"message": ...} (or the raw body, trimmed and capped, when it is not JSON).
error_info status_error(std::string_view what, int status, std::string_view body);

} // namespace stevedore::docker
