// The Docker Engine API client: every call stevedore makes to the daemon,
// asynchronous, on the transport's own I/O thread(s).
//
// Each call returns at once with a call_handle (cancel it from any thread)
// and later runs its callback exactly once, on an I/O thread: a decoded
// value, or an error_info whose kind says what happened (daemon_unreachable,
// not_found, conflict, unauthorized, timeout, malformed_answer, daemon_error,
// cancelled) and whose message is the daemon's own. Callbacks must not block;
// an actor forwards them to itself as messages.
//
// The API version is negotiated once, before the first call goes out
// (/_ping's API-Version header, capped at the version stevedore speaks);
// calls made meanwhile wait for it. Answers are decoded with simdjson
// On-Demand into messages/engine.hpp structs; bodies are size-capped.
//
// `client` is an abstract class so that actor tests can put a scripted fake
// in its place; `client::make` builds the real one over a transport.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "docker/transport.hpp"
#include "messages/engine.hpp"
#include "messages/result.hpp"

namespace stevedore::docker {

// The newest API version stevedore speaks (dockerd 20.10); negotiation never
// goes above it, and refuses daemons below minimum_api_version.
inline constexpr std::string_view max_api_version = "1.41";
inline constexpr std::string_view minimum_api_version = "1.24";

template <class T>
using callback = std::function<void(result<T>)>;

// POST /images/create
struct pull_request {
  std::string image;          // repository with its registry: "127.0.0.1:5000/stevedore/busybox"
  std::string tag;            // "1", or a digest "sha256:..." (then fromImage gets "@digest")
  std::string registry_auth;  // X-Registry-Auth value (docker/registry_auth.hpp); empty: anonymous
  std::chrono::milliseconds activity_timeout{2 * 60 * 1000}; // longest silence of the progress stream
};

// Which stream a piece of output came from. `raw`: a TTY container's single,
// unframed stream.
enum class output_stream : std::uint8_t { stdin_stream = 0, stdout_stream = 1, stderr_stream = 2, raw = 3 };

const char* to_string(output_stream s) noexcept;

// Receives demultiplexed output in arrival order; a frame split across reads
// is delivered whole or in pieces, never merged with the next frame's stream.
// Returning false stops the stream (the end callback then gets ok).
using output_fn = std::function<bool(output_stream, std::string_view)>;

// GET /containers/{id}/logs
struct logs_request {
  bool follow = false;
  bool stdout_stream = true;
  bool stderr_stream = true;
  bool timestamps = false;    // each line starts with an RFC 3339 nano timestamp and a space
  bool tty = false;           // the container has a TTY: one raw stream, no frame headers
  std::string since;          // Unix seconds, optionally with a fraction: "1700000000.123456789"
  std::string tail;           // "all" (default when empty) or a line count
};

// POST /containers/{id}/exec
struct exec_request {
  std::vector<std::string> cmd;
  std::vector<std::string> env;  // "KEY=value"
  std::string user;
  std::string working_dir;
  bool tty = false;
  bool attach_stdin = false;     // its stdin is written through an exec_stream (exec_stream.hpp)
  bool attach_stdout = true;
  bool attach_stderr = true;
};

// GET /events: filters as the API takes them ({"type": ["container"],
// "label": ["com.stevedore.node=n1"]}); since/until as Unix seconds.
struct events_request {
  std::map<std::string, std::vector<std::string>> filters;
  std::string since;
  std::string until;
  // False: Actor.Attributes (a container's every label, its name, image and
  // exit code) are skipped, not decoded, and engine_event::attributes stays
  // empty. For a watcher that needs only ids and actions: a map less per event.
  bool with_attributes = true;
};

class client {
public:
  struct options {
    docker::transport::options connection;      // pool, connect timeout, I/O threads
    std::chrono::milliseconds timeout{30000};   // deadline of every buffered call (stop adds its grace)
    std::size_t body_limit = 8u << 20;          // cap on any buffered answer
    std::string api_version;                    // fixed version ("1.41"); empty: negotiate
  };

  // The real client over a new transport to `ep`.
  static std::shared_ptr<client> make(endpoint ep, options opts);
  static std::shared_ptr<client> make(endpoint ep) { return make(std::move(ep), options{}); }
  // The real client over an existing transport (tests, shared pools).
  static std::shared_ptr<client> make(std::shared_ptr<transport> tr, options opts);

  virtual ~client() = default;

  // The negotiated (or fixed) API version; empty until negotiation ended.
  virtual std::string api_version() const = 0;
  virtual const endpoint& where() const noexcept = 0;
  // Cancels everything in flight (callbacks run with cancelled) and stops the
  // I/O thread(s). Idempotent.
  virtual void shutdown() = 0;

  // -- daemon --
  virtual call_handle ping(callback<unit> done) = 0;
  virtual call_handle version(callback<engine_version> done) = 0;
  virtual call_handle info(callback<engine_info> done) = 0;
  virtual call_handle network_inspect(std::string name, callback<network_info> done) = 0;
  // GET /events, until cancelled, until on_event returns false (end: ok), or
  // until the daemon closes it (end: daemon_unreachable).
  virtual call_handle events(events_request req, std::function<bool(const engine_event&)> on_event,
                             callback<unit> end) = 0;

  // -- images --
  virtual call_handle image_inspect(std::string name, callback<image_info> done) = 0;
  virtual call_handle image_list(callback<std::vector<image_summary>> done) = 0;
  // Progress messages in arrival order; an {"error": ...} line ends the pull
  // with unauthorized (the registry refused credentials), not_found (no such
  // repository, tag or manifest) or daemon_error, carrying the daemon's text.
  virtual call_handle image_pull(pull_request req, std::function<void(const pull_progress&)> on_progress,
                                 callback<pull_summary> done) = 0;
  // POST /images/load with the tar file streamed as the body; the answer
  // lists the loaded references ("Loaded image: x" / "Loaded image ID: y").
  virtual call_handle image_load(std::string tar_path, callback<std::vector<std::string>> done) = 0;
  // DELETE /images/{name}: by id (every tag) or by reference (that tag).
  virtual call_handle image_remove(std::string name, bool force, callback<unit> done) = 0;

  // -- containers --
  // `body` is the exact create body (policy/create_body), sent as is.
  virtual call_handle container_create(std::string name, std::string body,
                                       callback<create_answer> done) = 0;
  // 304 (already started) is success.
  virtual call_handle container_start(std::string id, callback<unit> done) = 0;
  virtual call_handle container_inspect(std::string id, callback<container_info> done) = 0;
  // POST /wait?condition= ("not-running", "next-exit", "removed"); no deadline.
  virtual call_handle container_wait(std::string id, std::string condition,
                                     callback<wait_answer> done) = 0;
  // POST /stop?t=: the container's stop signal, SIGKILL after `grace`. 304
  // (already stopped) is success. The call's deadline is `grace` plus the
  // client's timeout.
  virtual call_handle container_stop(std::string id, std::chrono::seconds grace,
                                     callback<unit> done) = 0;
  // POST /kill?signal= ("SIGTERM", "SIGUSR1", "9").
  virtual call_handle container_kill(std::string id, std::string signal, callback<unit> done) = 0;
  virtual call_handle container_remove(std::string id, bool force, bool remove_volumes,
                                       callback<unit> done) = 0;
  // GET /containers/json?all=&filters={"label": [...]}: "key" or "key=value".
  virtual call_handle container_list(std::vector<std::string> label_filters, bool all,
                                     callback<std::vector<container_summary>> done) = 0;
  virtual call_handle container_logs(std::string id, logs_request req, output_fn on_output,
                                     callback<unit> end) = 0;
  // GET /stats?stream=false&one-shot=true
  virtual call_handle container_stats(std::string id, callback<stats_sample> done) = 0;

  // -- exec --
  virtual call_handle exec_create(std::string container_id, exec_request req,
                                  callback<std::string> done) = 0;  // the exec id
  // Attached start: output until the command ends (end: ok), then
  // exec_inspect tells the exit code.
  virtual call_handle exec_start(std::string exec_id, bool tty, output_fn on_output,
                                 callback<unit> end) = 0;
  virtual call_handle exec_inspect(std::string exec_id, callback<exec_info> done) = 0;
};

// -- decoding, exposed for tests and for the simulated daemon's checks --

// Splits the 8-byte multiplexed frame format ([stream, 0, 0, 0, size32 BE]
// payload) across arbitrary chunk boundaries. A header whose stream byte is
// not 0, 1 or 2, or whose padding is not zero, is malformed_answer.
class frame_decoder {
public:
  frame_decoder() = default;
  explicit frame_decoder(output_fn out) : out_(std::move(out)) {}
  // Feeds bytes; returns false once the consumer stopped or the input was
  // malformed (then error() says why).
  bool feed(std::string_view bytes) { return feed(bytes, out_); }
  // The same, delivering to `out` instead (a decoder kept inside the object
  // that holds the consumer).
  bool feed(std::string_view bytes, const output_fn& out);
  // At the end of the stream: a frame cut short is malformed_answer.
  result<unit> finish() const;
  const error_info& error() const noexcept;

private:
  output_fn out_;
  unsigned char header_[8] = {};
  std::uint8_t header_have_ = 0;
  output_stream current_ = output_stream::stdout_stream;
  bool stopped_ = false;
  std::uint32_t payload_left_ = 0;
  std::unique_ptr<error_info> error_; // made by the first error only
};

// Splits newline-delimited JSON arriving in arbitrary chunks into whole
// lines (without the newline), each at most `max_line` bytes (longer is
// malformed_answer).
class line_splitter {
public:
  explicit line_splitter(std::size_t max_line = 1u << 20) : max_line_(max_line) {}
  // Calls on_line for every complete line; stops and returns false when
  // on_line returns false or a line is over the cap.
  bool feed(std::string_view bytes, const std::function<bool(std::string_view)>& on_line);
  // Text after the last newline (a final line without one).
  std::string_view rest() const noexcept { return pending_; }
  bool over_limit() const noexcept { return over_limit_; }

private:
  std::size_t max_line_;
  std::string pending_;
  bool over_limit_ = false;
};

} // namespace stevedore::docker
