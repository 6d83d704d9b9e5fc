#include "tests/tools/agent_http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

namespace stevedore::agent::test {

using clock_type = std::chrono::steady_clock;

http_conn::http_conn(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    close();
}

http_conn::~http_conn() {
  close();
}

void http_conn::close() {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = -1;
}

bool http_conn::send_raw(std::string_view bytes) {
  while (!bytes.empty() && fd_ >= 0) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0)
      return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return fd_ >= 0;
}

bool http_conn::send(const std::string& method, const std::string& target, const std::string& body,
                     const std::string& extra_headers) {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers;
  if (!body.empty() || method == "POST")
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  return send_raw(req);
}

bool http_conn::fill(clock_type::time_point until) {
  if (fd_ < 0 || eof_)
    return false;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock_type::now());
  if (left.count() <= 0)
    return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
    return false;
  char tmp[65536];
  const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  buf_.append(tmp, static_cast<std::size_t>(n));
  return true;
}

bool http_conn::read_until(std::string_view needle, std::chrono::milliseconds timeout) {
  const auto until = clock_type::now() + timeout;
  while (buf_.find(needle) == std::string::npos)
    if (!fill(until))
      return buf_.find(needle) != std::string::npos;
  return true;
}

bool http_conn::closed_within(std::chrono::milliseconds timeout) {
  const auto until = clock_type::now() + timeout;
  while (!eof_)
    if (!fill(until) && !eof_)
      return false;
  return true;
}

std::optional<http_reply> http_conn::read_reply(std::chrono::milliseconds timeout) {
  const auto until = clock_type::now() + timeout;
  std::size_t head_end;
  while ((head_end = buf_.find("\r\n\r\n")) == std::string::npos)
    if (!fill(until))
      return std::nullopt;
  http_reply r;
  const std::string head = buf_.substr(0, head_end);
  std::size_t pos = head.find("\r\n");
  const std::string status_line = head.substr(0, pos);
  if (status_line.size() < 12)
    return std::nullopt;
  r.status = std::stoi(status_line.substr(9, 3));
  while (pos != std::string::npos && pos < head.size()) {
    const std::size_t next = head.find("\r\n", pos + 2);
    const std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      r.headers[name] = value;
    }
    pos = next;
  }
  std::size_t at = head_end + 4;
  if (r.header("transfer-encoding") == "chunked") {
    for (;;) {
      std::size_t eol;
      while ((eol = buf_.find("\r\n", at)) == std::string::npos)
        if (!fill(until))
          return std::nullopt;
      const std::size_t size = std::stoul(buf_.substr(at, eol - at), nullptr, 16);
      while (buf_.size() < eol + 2 + size + 2)
        if (!fill(until))
          return std::nullopt;
      r.body += buf_.substr(eol + 2, size);
      at = eol + 2 + size + 2;
      if (size == 0)
        break;
    }
  } else if (!r.header("content-length").empty()) {
    const std::size_t len = std::stoul(r.header("content-length"));
    while (buf_.size() < at + len)
      if (!fill(until))
        return std::nullopt;
    r.body = buf_.substr(at, len);
    at += len;
  } else {
    while (fill(until)) {
    }
    r.body = buf_.substr(at);
    at = buf_.size();
  }
  buf_.erase(0, at);
  return r;
}

std::optional<http_reply> request(std::uint16_t port, const std::string& method,
                                  const std::string& target, const std::string& body,
                                  const std::string& extra_headers) {
  http_conn c(port);
  if (!c.connected() || !c.send(method, target, body, extra_headers))
    return std::nullopt;
  return c.read_reply();
}

} // namespace stevedore::agent::test
