// A small blocking HTTP/1.1 client over a loopback TCP socket, for the agent's
// route tests: raw requests (so tests can misbehave on purpose), answers
// parsed with Content-Length or chunked bodies, and waits with deadlines.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace stevedore::agent::test {

struct http_reply {
  int status = 0;
  std::map<std::string, std::string> headers; // lower-case names
  std::string body;                            // de-chunked
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class http_conn {
public:
  explicit http_conn(std::uint16_t port);
  ~http_conn();
  http_conn(const http_conn&) = delete;
  http_conn& operator=(const http_conn&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send_raw(std::string_view bytes);
  // Sends a request with Host and, for a body, Content-Length.
  bool send(const std::string& method, const std::string& target, const std::string& body = "",
            const std::string& extra_headers = "");
  // One whole answer, or nullopt when the connection closed or time ran out.
  std::optional<http_reply> read_reply(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Reads until `needle` appears in the raw bytes received (true) or time runs out.
  bool read_until(std::string_view needle, std::chrono::milliseconds timeout);
  // True when the server closes the connection within `timeout`.
  bool closed_within(std::chrono::milliseconds timeout);
  const std::string& raw() const { return buf_; }
  void close();

private:
  // Appends what arrives within `until`; false on close or timeout.
  bool fill(std::chrono::steady_clock::time_point until);

  int fd_ = -1;
  std::string buf_; // received, not yet consumed by read_reply
  bool eof_ = false;
};

// One request on a fresh connection.
std::optional<http_reply> request(std::uint16_t port, const std::string& method,
                                  const std::string& target, const std::string& body = "",
                                  const std::string& extra_headers = "");

} // namespace stevedore::agent::test
