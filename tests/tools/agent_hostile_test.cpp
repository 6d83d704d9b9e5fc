// The agent's server against hostile clients, on loopback and bounded in
// time (issue 18): malformed HTTP, a body far over the limit sent as fast as
// the socket takes it, pipelined garbage, a flood of concurrent clients. Each
// is refused or cut off, and the server goes on serving. Slow headers and
// bodies, the connection cap and the token are in agent_server_test.cpp.
#include <atomic>
#include <thread>
#include <vector>

#include "tests/tools/agent_test_fixture.hpp"

namespace stevedore::agent::test {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;

class hostile_test : public agent_fixture {
protected:
  // The server still answers a well-formed request on a fresh connection.
  void expect_still_serving() {
    auto r = get("/v1/tasks");
    ASSERT_TRUE(r) << "the server stopped answering";
    EXPECT_EQ(r->status, 200);
  }
};

// Each is either answered 400 and closed, or closed unanswered; never
// dispatched to a route.
TEST_F(hostile_test, malformed_requests_are_refused_and_the_server_keeps_serving) {
  const std::vector<std::string> malformed = {
    "GARBAGE\r\n\r\n",
    "GET /v1/tasks HTTP/9.9\r\nHost: x\r\n\r\n",
    "GET /v1/tasks HTTP/1.1\r\nBad Header: x\r\n\r\n",
    "GET /v1/tasks HTTP/1.1\r\nHost: x\r\n:\r\n\r\n",
    "GET /v1/tasks HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n"s,
    "G\x01T /v1/tasks HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET \x7f\x80 HTTP/1.1\r\nHost: x\r\n\r\n",
    "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
    "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
    "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    "ffffffffffffffffffff\r\n",
    // Request smuggling: a body the server would read otherwise than the client.
    "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked, identity\r\n\r\n"
    "GET /v1/tasks HTTP/1.1\r\nHost: x\r\n\r\n",
    "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n",
    "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
    "0\r\n\r\nGET /v1/tasks HTTP/1.1\r\nHost: x\r\n\r\n",
    "\r\n\r\n\r\n\r\n",
  };
  for (std::size_t i = 0; i < malformed.size(); ++i) {
    http_conn c(port_);
    ASSERT_TRUE(c.send_raw(malformed[i])) << i;
    auto r = c.read_reply(3s);
    if (r) {
      EXPECT_EQ(r->status, 400) << i << ": " << r->body;
      EXPECT_NE(r->body.find("malformed HTTP request"), std::string::npos) << i << ": " << r->body;
    }
    EXPECT_TRUE(c.closed_within(3s)) << i;
  }
  EXPECT_TRUE(backend_->jobs().empty());
  expect_still_serving();
}

// A 16 MB chunked body against a 64 KB limit, written as fast as the socket
// takes it: 413 long before the client is done, the connection closed.
TEST_F(hostile_test, huge_body_sent_flat_out_is_cut_off_at_the_limit) {
  server_options so;
  so.body_limit = 64u << 10;
  serve(so);
  http_conn c(port_);
  ASSERT_TRUE(c.send_raw("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk = "10000\r\n" + std::string(0x10000, 'j') + "\r\n";
  const auto t0 = std::chrono::steady_clock::now();
  std::size_t sent = 0;
  while (sent < (16u << 20) && c.send_raw(chunk))
    sent += 0x10000;
  EXPECT_LT(sent, 16u << 20) << "the server read a 16 MB body against a 64 KB limit";
  // The answer may be lost to the reset of the unread bytes: either way, closed.
  auto r = c.read_reply(3s);
  if (r) {
    EXPECT_EQ(r->status, 413);
  }
  EXPECT_TRUE(c.closed_within(3s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_TRUE(backend_->jobs().empty());
  expect_still_serving();
}

// A good request followed on the same connection by garbage: the first is
// answered, the garbage refused, the connection closed.
TEST_F(hostile_test, garbage_pipelined_after_a_good_request) {
  http_conn c(port_);
  ASSERT_TRUE(c.send_raw("GET /v1/tasks HTTP/1.1\r\nHost: x\r\n\r\n\x01\x02garbage\r\n\r\n"));
  auto first = c.read_reply(3s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  auto second = c.read_reply(3s);
  if (second) {
    EXPECT_EQ(second->status, 400);
  }
  EXPECT_TRUE(c.closed_within(3s));
  expect_still_serving();
}

// 8 threads, each opening 40 connections one after the other as fast as it
// can, with one request each: every request is answered 200.
TEST_F(hostile_test, flood_of_concurrent_clients_is_served) {
  constexpr int threads = 8, per_thread = 40;
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> clients;
  const auto t0 = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t)
    clients.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) {
        auto r = request(port_, "GET", "/v1/tasks");
        (r && r->status == 200 ? ok : failed)++;
      }
    });
  for (auto& t : clients)
    t.join();
  EXPECT_EQ(ok.load(), threads * per_thread);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 20s);
  expect_still_serving();
}

// Connections that connect and send nothing, far more than the slots: each
// is dropped by the cap or the short first deadline, and the server serves
// as soon as the flood stops.
TEST_F(hostile_test, silent_connections_past_the_cap_do_not_wedge_the_server) {
  server_options so;
  so.max_connections = 32;
  so.first_header_timeout = 300ms;
  serve(so);
  std::vector<std::unique_ptr<http_conn>> silent;
  for (int i = 0; i < 200; ++i)
    silent.push_back(std::make_unique<http_conn>(port_));
  int closed = 0;
  for (auto& c : silent)
    closed += c->closed_within(2s);
  EXPECT_EQ(closed, 200);
  silent.clear();
  expect_still_serving();
}

} // namespace
} // namespace stevedore::agent::test
