// The agent's HTTP/1.1 server: Beast on its own Asio thread(s), keep-alive,
// a cap on header and body size, deadlines on reading a request's header and
// body and on writing an answer, and an optional bearer token checked in
// constant time before any body is read. Handlers get a request and a
// responder; they must not block, and answer (from any thread) when their
// backend call completes. This header keeps Asio/Beast out of its includers.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "messages/result.hpp"

namespace stevedore::agent {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct http_request {
  std::string method;       // "GET", "POST", ...
  std::string path;         // target without the query, still percent-encoded
  std::vector<std::pair<std::string, std::string>> query; // decoded, in order
  std::string body;
  std::string content_type;
  // A WebSocket upgrade (GET with Upgrade: websocket): begin_stream accepts
  // it, write() sends text messages, end_stream() closes it, and what the
  // client sends arrives through responder::on_message.
  bool websocket = false;

  // The first value of query parameter `key`, or nullptr.
  const std::string* param(std::string_view key) const;
};

// How a handler answers. Every method may be called from any thread; calls
// after the connection is gone do nothing. A responder dropped without an
// answer answers 500, so a request is never left hanging.
class responder {
public:
  virtual ~responder() = default;
  // One whole answer.
  virtual void reply(int status, std::string body,
                     std::string content_type = "application/json",
                     header_list headers = {}) = 0;
  // A chunked answer: the head now, then write() chunks in order, then
  // end_stream(). `written` runs once the chunk is on the wire (true) or the
  // connection is gone (false): the way to pace a producer.
  virtual void begin_stream(int status, std::string content_type) = 0;
  virtual void write(std::string chunk, std::function<void(bool ok)> written) = 0;
  virtual void end_stream() = 0;
  // `fn` runs once when the client goes away before the answer ended (at
  // once if it already has), on the server's thread.
  virtual void on_close(std::function<void()> fn) = 0;
  // A WebSocket's messages from the client, each whole, on the server's
  // thread (set it before begin_stream). Other answers have none.
  virtual void on_message(std::function<void(std::string)> fn) { (void)fn; }
};

using handler = std::function<void(http_request, std::shared_ptr<responder>)>;

struct server_options {
  std::string listen = "127.0.0.1:0";    // ADDR:PORT, [v6]:PORT or localhost:PORT; port 0: any
  std::string token;                     // bearer token; empty: no authentication
  std::size_t body_limit = 1u << 20;     // larger bodies answer 413
  std::size_t header_limit = 16u << 10;  // larger headers answer 431
  std::chrono::milliseconds header_timeout{10000}; // from the end of the last answer to the
                                                   // end of the next header
  // From the connect to the end of the first request's header, until a
  // request has passed the token check (any request without a token): a
  // connection that has proved nothing holds its slot no longer than this.
  std::chrono::milliseconds first_header_timeout{2000};
  std::chrono::milliseconds body_timeout{30000};   // to read the body after its header
  std::chrono::milliseconds write_timeout{30000};  // to write one answer or one chunk
  std::size_t io_threads = 1;
  // Past this many, a new connection takes the slot of the oldest one that
  // has not passed a request yet (closed for it); when every one has, the
  // new one is closed at once. So slow or silent clients, however many,
  // cannot keep an authenticated client out.
  std::size_t max_connections = 256;
};

// A parsed listen address.
struct listen_address {
  std::string host;          // as written ("127.0.0.1", "::1", "localhost")
  std::uint16_t port = 0;
  bool loopback = false;     // every address it names is a loopback one
};

// "127.0.0.1:8080", "[::1]:0", "localhost:9000". Errors name the part at fault.
result<listen_address> parse_listen(std::string_view text);

// Reads a bearer token file: the first line, trimmed of white space. An empty
// or unreadable file is an error naming the file (never the token), and so is
// a file that users other than its owner and group can read or write: the
// token is the API's root password.
result<std::string> read_token_file(const std::string& path);

// Equality whose time depends only on the lengths, not on where the inputs
// first differ.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

class server {
public:
  // Binds and starts serving. Refuses a listen address that is not loopback
  // unless a token is set.
  static result<std::unique_ptr<server>> start(server_options opts, handler h);

  virtual ~server() = default;
  // "127.0.0.1:43127": the address actually bound.
  virtual std::string address() const = 0;
  virtual std::uint16_t port() const = 0;
  // Stops accepting, closes every connection and joins the I/O thread(s).
  // Idempotent; also run by the destructor.
  virtual void stop() = 0;
};

} // namespace stevedore::agent
