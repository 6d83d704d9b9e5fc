// The transport against daemons that stall, refuse, reset, or answer
// garbage: each ends the call once, with the right kind and a one-line
// message naming the step, within its deadline.
#include <vector>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "docker/transport.hpp"
#include "tests/docker/transport_test_util.hpp"

namespace stevedore::docker {
namespace {

using namespace stevedore::testing;
using namespace std::chrono_literals;

TEST(TransportFailure, StalledAnswerTimesOutWithinTheDeadline) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().hold());
  auto t = transport::make(server->where());

  request req = get("/v1.41/info");
  req.timeout = 150ms;
  req.what = "info";
  auto started = std::chrono::steady_clock::now();
  auto r = call(*t, req);
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::timeout);
  EXPECT_EQ(to_string(r.error()), "info: read header: timeout after 150 ms");
  EXPECT_GE(took, 150ms);
  EXPECT_LT(took, 2s);
}

TEST(TransportFailure, SlowBodyHitsTheWholeCallDeadline) {
  auto server = fake_server::unix_socket();
  server->play(script()
                   .expect_request()
                   .write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
                   .hold());
  auto t = transport::make(server->where());

  request req = get("/slow");
  req.timeout = 150ms;
  auto r = call(*t, req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(to_string(r.error()), "GET /slow: read body: timeout after 150 ms");
}

TEST(TransportFailure, ConnectionRefusedIsDaemonUnreachable) {
  // A bound socket that does not listen refuses connections, and holding it
  // keeps the port from being handed to anyone else meanwhile.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  endpoint ep;
  ep.kind = endpoint::scheme::tcp;
  ep.host = "127.0.0.1";
  ep.port = ntohs(addr.sin_port);
  auto t = transport::make(ep);

  auto r = call(*t, get("/_ping"));
  ::close(fd);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::daemon_unreachable);
  EXPECT_EQ(to_string(r.error()),
            "GET /_ping: connect: Connection refused (tcp://127.0.0.1:" + std::to_string(ep.port) + ")");
}

TEST(TransportFailure, MissingSocketIsDaemonUnreachable) {
  endpoint ep;
  ep.path = "/nonexistent/stevedore/docker.sock";
  auto t = transport::make(ep);
  auto r = call(*t, get("/_ping"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::daemon_unreachable);
  EXPECT_EQ(r.error().message, "connect: No such file or directory (unix:///nonexistent/stevedore/docker.sock)");
}

TEST(TransportFailure, ConnectTimesOutWhenTheDaemonNeverAccepts) {
  // A listener whose accept queue is full drops new connection attempts, so
  // connect() hangs: fill a backlog of 0 (room for one) and never accept.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 0), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::vector<int> fillers;
  for (int i = 0; i < 2; ++i) {
    int c = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ::connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    fillers.push_back(c);
  }
  endpoint ep;
  ep.kind = endpoint::scheme::tcp;
  ep.host = "127.0.0.1";
  ep.port = ntohs(addr.sin_port);
  transport::options opts;
  opts.connect_timeout = 150ms;
  auto t = transport::make(ep, opts);

  auto r = call(*t, get("/_ping"));
  for (int c : fillers)
    ::close(c);
  ::close(fd);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::timeout);
  EXPECT_EQ(r.error().message, "connect: timeout after 150 ms");
}

TEST(TransportFailure, ResetMidAnswerIsDaemonUnreachable) {
  auto server = fake_server::tcp();
  server->play_always(script() // the GET and its one retry
                   .expect_request()
                   .write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc")
                   .reset());
  auto t = transport::make(server->where());

  auto r = call(*t, get("/_ping"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::daemon_unreachable);
  EXPECT_EQ(r.error().message.rfind("read body: ", 0), 0u) << r.error().message;
}

TEST(TransportFailure, ClosedMidAnswerIsDaemonUnreachable) {
  auto server = fake_server::unix_socket();
  server->play_always(script() // the GET and its one retry
                   .expect_request()
                   .write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc")
                   .close());
  auto t = transport::make(server->where());

  auto r = call(*t, get("/_ping"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::daemon_unreachable);
  EXPECT_EQ(r.error().message, "read body: connection closed in the middle of the answer");
}

// Safe calls retried: a GET asks once more on a fresh connection whatever
// broke; a POST, which may have done something already, never does.
TEST(TransportFailure, GetWithAGarbledAnswerIsAskedOnceMore) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().write(
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n").hold());
  server->play(script().expect_request().answer(200, R"({"ok":true})"));
  auto t = transport::make(server->where());

  auto r = call(*t, get("/v1.41/info"));
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_EQ(r->body, R"({"ok":true})");
}

TEST(TransportFailure, GetResetOnAFreshConnectionIsAskedOnceMore) {
  auto server = fake_server::tcp();
  server->play(script().expect_request().reset());
  server->play(script().expect_request().answer(200, R"({"ok":true})"));
  auto t = transport::make(server->where());

  auto r = call(*t, get("/v1.41/info"));
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(server->requests().size(), 2u);
}

TEST(TransportFailure, GetAnswered5xxIsAskedOnceMore) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().answer(500, R"({"message":"injected"})"));
  server->play(script().expect_request().answer(200, "OK"));
  auto t = transport::make(server->where());

  auto r = call(*t, get("/_ping"));
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_EQ(r->status, 200);
}

TEST(TransportFailure, GetFailingTwiceAnswersTheSecondFailure) {
  auto server = fake_server::unix_socket();
  server->play_always(script().expect_request().answer(503, R"({"message":"busy"})"));
  auto t = transport::make(server->where());

  auto r = call(*t, get("/_ping"));
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_EQ(r->status, 503); // an answer: the client above turns it into an error
  EXPECT_EQ(server->requests().size(), 2u);
}

TEST(TransportFailure, PostResetIsNeverAskedAgain) {
  auto server = fake_server::tcp();
  server->play(script().expect_request().reset());
  server->play(script().expect_request().answer(201, R"({"Id":"c1"})"));
  auto t = transport::make(server->where());

  request req = get("/v1.41/containers/create");
  req.method = "POST";
  auto r = call(*t, req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::daemon_unreachable);
  EXPECT_EQ(server->requests().size(), 1u);
}

TEST(TransportFailure, GarbageStatusLineIsMalformed) {
  auto server = fake_server::unix_socket();
  // The GET and its one retry.
  server->play_always(script().expect_request().write("SSH-2.0-OpenSSH_9.2\r\n\r\n").hold());
  auto t = transport::make(server->where());

  auto r = call(*t, get("/_ping"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::malformed_answer);
  EXPECT_EQ(r.error().message.rfind("read header: ", 0), 0u) << r.error().message;
}

TEST(TransportFailure, BadChunkIsMalformed) {
  auto server = fake_server::unix_socket();
  // The GET and its one retry.
  server->play_always(script().expect_request().write(chunked_head(200) + chunk("abc") + "zz\r\n").hold());
  auto t = transport::make(server->where());

  auto r = call(*t, get("/_ping"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::malformed_answer);
  EXPECT_EQ(r.error().message.rfind("read body: ", 0), 0u) << r.error().message;
}

TEST(TransportFailure, BodyOverTheCapIsMalformedAndTheConnectionIsDropped) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().answer(200, std::string(5000, 'x')).hold());
  server->play(script().expect_request().answer(200, "small"));
  auto t = transport::make(server->where());

  request req = get("/v1.41/images/json");
  req.body_limit = 1000;
  req.what = "image list";
  auto r = call(*t, req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::malformed_answer);
  EXPECT_EQ(to_string(r.error()), "image list: answer body over 1000 bytes");

  auto next = call(*t, get("/_ping"));
  ASSERT_TRUE(next.ok()) << error_line(next);
  EXPECT_EQ(next->body, "small");
  EXPECT_EQ(server->accepted(), 2u);
}

TEST(TransportFailure, BadRequestsAreRefusedBeforeConnecting) {
  auto server = fake_server::unix_socket();
  auto t = transport::make(server->where());

  request bad_method = get("/_ping");
  bad_method.method = "FETCH";
  auto r = call(*t, bad_method);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::invalid_input);
  EXPECT_EQ(r.error().message, "unknown method 'FETCH'");

  auto bad_target = call(*t, get("_ping"));
  ASSERT_FALSE(bad_target.ok());
  EXPECT_EQ(bad_target.error().message, "bad target '_ping'");
  EXPECT_EQ(server->accepted(), 0u);
}

TEST(TransportFailure, RequestBeastRefusesToWriteFailsOnce) {
  auto server = fake_server::unix_socket();
  server->play_always(script().hold());
  auto t = transport::make(server->where());

  request req = get("/trace");
  req.method = "TRACE";
  req.body = "not allowed";
  auto r = call(*t, req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::invalid_input);
  EXPECT_EQ(r.error().message.rfind("write: ", 0), 0u) << r.error().message;
}

} // namespace
} // namespace stevedore::docker
