// The agent's HTTP server itself: keep-alive, size caps, read deadlines for
// slow clients, the bearer token, the loopback rule, handlers that forget
// to answer.
#include <atomic>
#include <deque>
#include <fstream>
#include <memory>
#include <thread>

#include "tests/tools/agent_test_fixture.hpp"

namespace stevedore::agent::test {
namespace {

using namespace std::chrono_literals;

class server_test : public agent_fixture {};

TEST_F(server_test, keep_alive_serves_several_requests_on_one_connection) {
  http_conn c(port_);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.send("GET", "/v1/tasks")) << i;
    auto r = c.read_reply();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, R"({"tasks":[]})");
  }
}

TEST_F(server_test, connection_close_is_honoured) {
  http_conn c(port_);
  ASSERT_TRUE(c.send("GET", "/v1/tasks", "", "Connection: close\r\n"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(c.closed_within(2s));
}

TEST_F(server_test, body_over_the_limit_is_413_before_it_is_read) {
  server_options so;
  so.body_limit = 100;
  serve(so);
  http_conn c(port_);
  // Only the header is sent: the answer must not wait for the 1 MB body.
  ASSERT_TRUE(c.send_raw("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n"));
  auto r = c.read_reply(5s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->body, R"({"error":"request body is over the limit of 100 bytes"})");
  EXPECT_TRUE(c.closed_within(2s));
}

TEST_F(server_test, chunked_body_over_the_limit_is_413) {
  server_options so;
  so.body_limit = 100;
  serve(so);
  http_conn c(port_);
  std::string chunk(80, 'x');
  ASSERT_TRUE(c.send_raw("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "50\r\n" + chunk + "\r\n50\r\n" + chunk + "\r\n0\r\n\r\n"));
  auto r = c.read_reply(5s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(backend_->jobs().empty());
}

TEST_F(server_test, header_over_the_limit_is_431) {
  server_options so;
  so.header_limit = 1024;
  serve(so);
  auto r = get("/v1/tasks", "X-Big: " + std::string(4000, 'a') + "\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
}

TEST_F(server_test, slow_header_is_cut_off_at_its_deadline) {
  server_options so;
  so.header_timeout = 300ms;
  serve(so);
  http_conn c(port_);
  ASSERT_TRUE(c.send_raw("GET /v1/tasks HTTP/1.1\r\nHost: x\r\n")); // never finished
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_within(5s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST_F(server_test, first_header_deadline_is_short_until_a_request_passed) {
  server_options so;
  so.first_header_timeout = 300ms;
  so.header_timeout = 10s;
  serve(so);
  http_conn slow(port_);
  ASSERT_TRUE(slow.send_raw("GET /v1/tasks HTTP/1.1\r\nHost: x\r\n")); // never finished
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(slow.closed_within(5s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  // Once a request passed, the connection waits the long deadline for the next.
  http_conn served(port_);
  ASSERT_TRUE(served.send("GET", "/v1/tasks"));
  ASSERT_TRUE(served.read_reply());
  EXPECT_FALSE(served.closed_within(800ms));
  ASSERT_TRUE(served.send("GET", "/v1/tasks"));
  EXPECT_TRUE(served.read_reply());
}

// Issue 18's attack, bounded and on loopback: a client keeps many more
// connections than there are slots, each with half a header, reconnecting
// all the time; a client with the token must still be answered every time.
TEST_F(server_test, slow_header_flood_does_not_lock_out_an_authenticated_client) {
  server_options so;
  so.token = "t0ken";
  so.max_connections = 16;
  so.header_timeout = 10s;
  serve(so);
  std::atomic<bool> stop{false};
  std::atomic<int> opened{0};
  std::thread attacker([&] {
    std::deque<std::unique_ptr<http_conn>> held;
    while (!stop) {
      auto c = std::make_unique<http_conn>(port_);
      c->send_raw("GET /v1/tasks HTTP/1.1\r\nHost: x\r\n");
      held.push_back(std::move(c));
      ++opened;
      if (held.size() > 100)
        held.pop_front();
      std::this_thread::sleep_for(2ms);
    }
  });
  std::this_thread::sleep_for(300ms); // every slot is taken by now
  int answered = 0;
  for (int i = 0; i < 20; ++i) {
    auto r = request(port_, "GET", "/v1/tasks", "", "Authorization: Bearer t0ken\r\n");
    answered += r && r->status == 200;
  }
  stop = true;
  attacker.join();
  EXPECT_GT(opened.load(), 100);
  EXPECT_EQ(answered, 20);
}

TEST_F(server_test, idle_keep_alive_connection_is_closed_at_the_header_deadline) {
  server_options so;
  so.header_timeout = 300ms;
  serve(so);
  http_conn c(port_);
  ASSERT_TRUE(c.send("GET", "/v1/tasks"));
  ASSERT_TRUE(c.read_reply());
  EXPECT_TRUE(c.closed_within(5s));
}

TEST_F(server_test, slow_body_is_cut_off_at_its_deadline) {
  server_options so;
  so.body_timeout = 300ms;
  serve(so);
  http_conn c(port_);
  ASSERT_TRUE(c.send_raw("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\njob"));
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_within(5s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_TRUE(backend_->jobs().empty());
}

TEST_F(server_test, expect_100_continue_gets_its_interim_answer) {
  http_conn c(port_);
  ASSERT_TRUE(c.send_raw("POST /v1/tasks/x/t/stop HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                         "Expect: 100-continue\r\n\r\n"));
  ASSERT_TRUE(c.read_until("HTTP/1.1 100 Continue\r\n\r\n", 5s));
  ASSERT_TRUE(c.send_raw("{}"));
  ASSERT_TRUE(c.read_until("HTTP/1.1 404", 5s)) << c.raw();
}

TEST_F(server_test, token_is_required_and_checked) {
  server_options so;
  so.token = "s3cret-token";
  serve(so);
  auto r = get("/v1/tasks");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->header("www-authenticate"), "Bearer");
  EXPECT_NE(r->body.find("missing bearer token"), std::string::npos);

  r = get("/v1/tasks", "Authorization: Bearer s3cret-tokeN\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_NE(r->body.find("wrong bearer token"), std::string::npos);
  EXPECT_EQ(r->body.find("s3cret"), std::string::npos) << "the answer must not echo tokens";

  r = get("/v1/tasks", "Authorization: Basic czNjcmV0\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);

  r = get("/v1/tasks", "Authorization: Bearer s3cret-token\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = get("/metrics", "Authorization: bearer s3cret-token\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
}

TEST_F(server_test, unauthenticated_request_with_a_body_is_refused_unread) {
  server_options so;
  so.token = "t";
  serve(so);
  http_conn c(port_);
  ASSERT_TRUE(c.send_raw("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n"));
  auto r = c.read_reply(5s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_TRUE(backend_->jobs().empty());
}

TEST_F(server_test, connections_past_the_cap_are_closed_at_once) {
  server_options so;
  so.max_connections = 1;
  serve(so);
  http_conn first(port_);
  ASSERT_TRUE(first.send("GET", "/v1/tasks"));
  ASSERT_TRUE(first.read_reply()); // the first connection is open and served
  http_conn second(port_);
  EXPECT_TRUE(second.closed_within(2s));
  ASSERT_TRUE(first.send("GET", "/v1/tasks"));
  EXPECT_TRUE(first.read_reply());
}

TEST(agent_server, non_loopback_listen_without_token_is_refused_at_start) {
  server_options so;
  so.listen = "0.0.0.0:0";
  auto s = server::start(so, [](http_request, std::shared_ptr<responder>) {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, errc::not_permitted);
  EXPECT_EQ(to_string(s.error()),
            "listen 0.0.0.0:0: not a loopback address; serving it needs a bearer token (--token-file)");
}

TEST(agent_server, listen_addresses) {
  auto a = parse_listen("127.0.0.1:8080");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->port, 8080);
  EXPECT_TRUE(a->loopback);
  a = parse_listen("[::1]:0");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "::1");
  EXPECT_TRUE(a->loopback);
  a = parse_listen("localhost:9");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->loopback);
  a = parse_listen("10.1.2.3:80");
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->loopback);
  EXPECT_FALSE(parse_listen("127.0.0.1").ok());
  EXPECT_FALSE(parse_listen("127.0.0.1:65536").ok());
  EXPECT_FALSE(parse_listen("127.0.0.1:http").ok());
  auto bad = parse_listen("example.org:80");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(to_string(bad.error()),
            "listen address example.org:80: 'example.org' is not an IP address (use 127.0.0.1, ::1 or localhost)");
}

TEST(agent_server, binding_a_port_in_use_names_the_address) {
  server_options so;
  auto first = server::start(so, [](http_request, std::shared_ptr<responder>) {});
  ASSERT_TRUE(first.ok());
  so.listen = (*first)->address();
  auto second = server::start(so, [](http_request, std::shared_ptr<responder>) {});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(to_string(second.error()).rfind("listen " + so.listen + ": bind: ", 0), 0u)
    << to_string(second.error());
}

TEST(agent_server, token_file_first_line_trimmed) {
  char tmpl[] = "/tmp/stevedore-token-XXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  ::close(fd);
  std::ofstream(tmpl) << "  abc123 \nsecond line\n";
  auto t = read_token_file(tmpl);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, "abc123");
  std::ofstream(tmpl) << "\n";
  auto empty = read_token_file(tmpl);
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(to_string(empty.error()).find("holds no token"), std::string::npos);
  ::unlink(tmpl);
  EXPECT_FALSE(read_token_file(tmpl).ok());
}

TEST(agent_server, token_file_others_can_read_is_refused_without_the_token) {
  char tmpl[] = "/tmp/stevedore-token-XXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  ::close(fd);
  std::ofstream(tmpl) << "abc123\n";
  ::chmod(tmpl, 0644);
  auto open = read_token_file(tmpl);
  ASSERT_FALSE(open.ok());
  auto line = to_string(open.error());
  EXPECT_NE(line.find("other users can read or write it (mode 0644)"), std::string::npos) << line;
  EXPECT_EQ(line.find("abc123"), std::string::npos) << line;
  ::chmod(tmpl, 0640); // the group may share it
  EXPECT_TRUE(read_token_file(tmpl).ok());
  ::unlink(tmpl);
}

TEST(agent_server, constant_time_equal_compares_whole_strings) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("", "a"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

TEST(agent_server, handler_that_drops_its_responder_answers_500) {
  auto s = server::start(server_options{}, [](http_request, std::shared_ptr<responder>) {});
  ASSERT_TRUE(s.ok());
  auto r = request((*s)->port(), "GET", "/anything");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_NE(r->body.find("gave no answer"), std::string::npos);
}

TEST(agent_server, handler_that_throws_answers_500_and_the_server_lives_on) {
  auto s = server::start(server_options{}, [](http_request req, std::shared_ptr<responder> res) {
    if (req.path == "/boom")
      throw std::runtime_error("kaboom");
    res->reply(200, "{}");
  });
  ASSERT_TRUE(s.ok());
  auto r = request((*s)->port(), "GET", "/boom");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_NE(r->body.find("kaboom"), std::string::npos);
  r = request((*s)->port(), "GET", "/fine?x=a%20b&y");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(agent_server, query_parameters_are_decoded) {
  std::string seen;
  auto s = server::start(server_options{}, [&seen](http_request req, std::shared_ptr<responder> res) {
    seen = *req.param("a") + "|" + *req.param("b") + "|" + (req.param("c") ? "c" : "-");
    res->reply(200, "{}");
  });
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(request((*s)->port(), "GET", "/p?a=x%2Fy+z&b="));
  (*s)->stop();
  EXPECT_EQ(seen, "x/y z||-");
}

TEST(agent_server, stop_closes_open_connections) {
  auto s = server::start(server_options{}, [](http_request, std::shared_ptr<responder> res) {
    res->reply(200, "{}");
  });
  ASSERT_TRUE(s.ok());
  http_conn c((*s)->port());
  ASSERT_TRUE(c.send("GET", "/x"));
  ASSERT_TRUE(c.read_reply());
  (*s)->stop();
  EXPECT_TRUE(c.closed_within(2s));
}

} // namespace
} // namespace stevedore::agent::test
