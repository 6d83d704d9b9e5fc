// The parts of the fake daemon a test touches directly: recorded requests,
// gates, answers in wire form, and scripts.
#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <mutex>

#include <ostream> // boost/beast/http/status.hpp needs it and does not include it

#include <boost/beast/http/status.hpp>

#include "tests/docker/fake_server.hpp"

namespace stevedore::testing {

namespace http = boost::beast::http;

std::string captured_request::header(std::string_view name) const {
  auto same = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
  };
  for (const auto& [k, v] : headers)
    if (same(k, name))
      return v;
  return "";
}

std::uint64_t fnv1a(std::string_view bytes, std::uint64_t h) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

struct gate::impl {
  std::mutex m;
  std::condition_variable cv;
  bool open = false;
};

gate::gate() : impl_(std::make_unique<impl>()) {}
gate::~gate() = default;

void gate::open() {
  {
    std::lock_guard<std::mutex> lock(impl_->m);
    impl_->open = true;
  }
  impl_->cv.notify_all();
}

bool gate::is_open() const {
  std::lock_guard<std::mutex> lock(impl_->m);
  return impl_->open;
}

bool gate::wait(std::chrono::milliseconds limit) {
  std::unique_lock<std::mutex> lock(impl_->m);
  return impl_->cv.wait_for(lock, limit, [this] { return impl_->open; });
}

std::string http_answer(int status, std::string_view body, const header_list& headers, bool keep_alive) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " +
                    std::string(http::obsolete_reason(http::int_to_status(status))) + "\r\n";
  bool has_type = false;
  for (const auto& [k, v] : headers) {
    out += k + ": " + v + "\r\n";
    has_type = has_type || k == "Content-Type";
  }
  if (!has_type && !body.empty())
    out += "Content-Type: application/json\r\n";
  if (!keep_alive)
    out += "Connection: close\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  out += body;
  return out;
}

std::string chunked_head(int status, const header_list& headers) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " +
                    std::string(http::obsolete_reason(http::int_to_status(status))) + "\r\n";
  for (const auto& [k, v] : headers)
    out += k + ": " + v + "\r\n";
  out += "Transfer-Encoding: chunked\r\n\r\n";
  return out;
}

std::string chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + std::string(data) + "\r\n";
}

std::string last_chunk() { return "0\r\n\r\n"; }


script::script() = default;
script::~script() = default;
script::script(const script&) = default;
script& script::operator=(const script&) = default;
script::script(script&&) noexcept = default;
script& script::operator=(script&&) noexcept = default;

script& script::expect_request() {
  steps_.push_back({step::kind::expect_request, {}, {}, {}, {}});
  return *this;
}
script& script::write(std::string bytes) {
  steps_.push_back({step::kind::write, std::move(bytes), {}, {}, {}});
  return *this;
}
script& script::answer(int status, std::string body, header_list headers) {
  return write(http_answer(status, body, headers));
}
script& script::pause(std::chrono::milliseconds d) {
  steps_.push_back({step::kind::pause, {}, d, {}, {}});
  return *this;
}
script& script::wait_for(std::shared_ptr<gate> g) {
  steps_.push_back({step::kind::wait_for, {}, {}, std::move(g), {}});
  return *this;
}
script& script::hold() {
  steps_.push_back({step::kind::hold, {}, {}, {}, {}});
  return *this;
}
script& script::close() {
  steps_.push_back({step::kind::close, {}, {}, {}, {}});
  return *this;
}
script& script::reset() {
  steps_.push_back({step::kind::reset, {}, {}, {}, {}});
  return *this;
}
script& script::serve(responder r) {
  steps_.push_back({step::kind::serve, {}, {}, {}, std::move(r)});
  return *this;
}

} // namespace stevedore::testing
