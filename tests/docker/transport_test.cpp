// The transport against a scripted fake daemon: plain answers over unix and
// tcp, keep-alive and stale connections, concurrency, bodies from files.
// Failures are in transport_failure_test.cpp, cancellation and shutdown in
// transport_lifecycle_test.cpp, streams in transport_stream_test.cpp, TLS in
// transport_tls_test.cpp.
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include <unistd.h>

#include <gtest/gtest.h>

#include "docker/transport.hpp"
#include "tests/docker/transport_test_util.hpp"

namespace stevedore::docker {
namespace {

using namespace stevedore::testing;
using namespace std::chrono_literals;

//----------------------------------------------------------------------------

TEST(Transport, AnswersOverUnixSocket) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().answer(200, "OK", {{"Api-Version", "1.41"}}));
  auto t = transport::make(server->where());

  auto r = call(*t, get("/_ping"));
  ASSERT_TRUE(r.ok()) << error_line(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "OK");
  bool version = false;
  for (const auto& [k, v] : r->headers)
    version = version || (k == "Api-Version" && v == "1.41");
  EXPECT_TRUE(version);
  ASSERT_EQ(server->requests().size(), 1u);
  EXPECT_EQ(server->requests()[0].method, "GET");
  EXPECT_EQ(server->requests()[0].target, "/_ping");
  EXPECT_EQ(server->requests()[0].header("Host"), "docker");
}

TEST(Transport, AnswersOverTcpWithTheHostAsHostHeader) {
  auto server = fake_server::tcp();
  server->play(script().expect_request().answer(200, "OK"));
  auto t = transport::make(server->where());

  auto r = call(*t, get("/_ping"));
  ASSERT_TRUE(r.ok()) << error_line(r);
  EXPECT_EQ(r->body, "OK");
  EXPECT_EQ(server->requests().at(0).header("Host"), "127.0.0.1:" + std::to_string(server->where().port));
}

TEST(Transport, SendsBodyAndHeaders) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().answer(201, R"({"Id":"abc"})"));
  auto t = transport::make(server->where());

  request req;
  req.method = "POST";
  req.target = "/v1.41/containers/create?name=web-1";
  req.body = R"({"Image":"busybox"})";
  req.headers = {{"X-Registry-Auth", "e30="}, {"Host", "ignored"}};
  auto r = call(*t, req);
  ASSERT_TRUE(r.ok()) << error_line(r);
  EXPECT_EQ(r->status, 201);
  auto got = server->requests().at(0);
  EXPECT_EQ(got.method, "POST");
  EXPECT_EQ(got.target, "/v1.41/containers/create?name=web-1");
  EXPECT_EQ(got.body, R"({"Image":"busybox"})");
  EXPECT_EQ(got.header("Content-Type"), "application/json");
  EXPECT_EQ(got.header("X-Registry-Auth"), "e30=");
  EXPECT_EQ(got.header("Host"), "docker"); // the transport's, always
}

TEST(Transport, PostWithoutBodySendsContentLengthZero) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().answer(204));
  auto t = transport::make(server->where());

  request req = get("/v1.41/containers/x/start");
  req.method = "POST";
  auto r = call(*t, req);
  ASSERT_TRUE(r.ok()) << error_line(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(server->requests().at(0).header("Content-Length"), "0");
}

TEST(Transport, NonSuccessStatusIsAnAnswerForSend) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().answer(404, R"({"message":"No such container: x"})"));
  auto t = transport::make(server->where());

  auto r = call(*t, get("/v1.41/containers/x/json"));
  ASSERT_TRUE(r.ok()) << error_line(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->body, R"({"message":"No such container: x"})");
}

TEST(Transport, HeadAnswerHasNoBodyAndKeepsTheConnection) {
  auto server = fake_server::unix_socket();
  server->play(script()
                   .expect_request()
                   .write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
                   .expect_request()
                   .answer(200, "second"));
  auto t = transport::make(server->where());

  request head = get("/_ping");
  head.method = "HEAD";
  auto r = call(*t, head);
  ASSERT_TRUE(r.ok()) << error_line(r);
  EXPECT_EQ(r->body, "");
  auto second = call(*t, get("/_ping"));
  ASSERT_TRUE(second.ok()) << error_line(second);
  EXPECT_EQ(second->body, "second");
  EXPECT_EQ(server->accepted(), 1u);
}

//----------------------------------------------------------------------------
// Keep-alive and stale connections

TEST(Transport, SequentialCallsReuseOneConnection) {
  auto server = fake_server::unix_socket();
  server->play(script().serve(echo_target));
  auto t = transport::make(server->where());

  for (int i = 0; i < 20; ++i) {
    auto r = call(*t, get("/call/" + std::to_string(i)));
    ASSERT_TRUE(r.ok()) << error_line(r);
    EXPECT_EQ(r->body, "/call/" + std::to_string(i));
  }
  EXPECT_EQ(server->accepted(), 1u);
  EXPECT_TRUE(server->problems().empty());
}

TEST(Transport, IdleConnectionClosedByTheDaemonIsReplaced) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().answer(200, "first").close());
  server->play(script().expect_request().answer(200, "second"));
  auto t = transport::make(server->where());

  ASSERT_TRUE(call(*t, get("/one")).ok());
  ASSERT_TRUE(server->wait_finished(1)); // the daemon has closed the pooled connection
  request post = get("/two");
  post.method = "POST"; // not idempotent: must not need a retry
  auto r = call(*t, post);
  ASSERT_TRUE(r.ok()) << error_line(r);
  EXPECT_EQ(r->body, "second");
  EXPECT_EQ(server->accepted(), 2u);
}

TEST(Transport, IdleConnectionResetByTheDaemonIsReplaced) {
  auto server = fake_server::tcp();
  server->play(script().expect_request().answer(200, "first").reset());
  server->play(script().expect_request().answer(200, "second"));
  auto t = transport::make(server->where());

  ASSERT_TRUE(call(*t, get("/one")).ok());
  ASSERT_TRUE(server->wait_finished(1));
  auto r = call(*t, get("/two"));
  ASSERT_TRUE(r.ok()) << error_line(r);
  EXPECT_EQ(r->body, "second");
}

// The daemon closes a pooled connection just as a request goes out on it.
TEST(Transport, GetOnAConnectionClosedInFlightIsRetriedOnce) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().answer(200, "first").expect_request().close());
  server->play(script().expect_request().answer(200, "second"));
  auto t = transport::make(server->where());

  ASSERT_TRUE(call(*t, get("/one")).ok());
  auto r = call(*t, get("/two"));
  ASSERT_TRUE(r.ok()) << error_line(r);
  EXPECT_EQ(r->body, "second");
  EXPECT_EQ(server->accepted(), 2u);
}

TEST(Transport, PostOnAConnectionClosedInFlightIsNotRepeated) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().answer(200, "first").expect_request().close());
  server->play(script().expect_request().answer(200, "must not be reached"));
  auto t = transport::make(server->where());

  ASSERT_TRUE(call(*t, get("/one")).ok());
  request post = get("/v1.41/containers/x/kill");
  post.method = "POST";
  auto r = call(*t, post);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::daemon_unreachable);
  EXPECT_EQ(to_string(r.error()), "POST /v1.41/containers/x/kill: read header: connection closed by the daemon");
  EXPECT_EQ(server->accepted(), 1u);
}

TEST(Transport, FreshConnectionFailureOfAPostIsNotRetried) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().close());
  server->play(script().expect_request().answer(200, "must not be reached"));
  auto t = transport::make(server->where());

  request post = get("/containers/web/start");
  post.method = "POST"; // may have started it: not safe to ask again
  auto r = call(*t, post);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::daemon_unreachable);
  EXPECT_EQ(server->accepted(), 1u);
}

//----------------------------------------------------------------------------
// Concurrency

TEST(Transport, ManyParallelCallsCompleteOnBoundedConnections) {
  auto server = fake_server::unix_socket();
  server->play_always(script().serve(echo_target));
  transport::options opts;
  opts.max_connections = 8;
  opts.max_idle_connections = 8;
  auto t = transport::make(server->where(), opts);

  constexpr int n = 200;
  std::vector<std::shared_ptr<probe<result<response>>>> probes;
  for (int i = 0; i < n; ++i) {
    auto p = std::make_shared<probe<result<response>>>();
    probes.push_back(p);
    t->send(get("/p/" + std::to_string(i)), [p](result<response> r) { p->callback()(std::move(r)); });
  }
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(probes[i]->wait()) << "call " << i;
    auto& r = probes[i]->value();
    ASSERT_TRUE(r.ok()) << error_line(r);
    EXPECT_EQ(r->body, "/p/" + std::to_string(i));
    EXPECT_EQ(probes[i]->calls(), 1);
  }
  EXPECT_LE(server->accepted(), 8u);
  EXPECT_EQ(server->requests().size(), static_cast<std::size_t>(n));
}

TEST(Transport, ManyParallelCallsOnSeveralIoThreads) {
  auto server = fake_server::tcp();
  server->play_always(script().serve(echo_target));
  transport::options opts;
  opts.io_threads = 3;
  opts.max_connections = 6;
  auto t = transport::make(server->where(), opts);

  constexpr int n = 90;
  std::vector<std::shared_ptr<probe<result<response>>>> probes;
  std::vector<std::thread> callers;
  std::mutex m;
  for (int c = 0; c < 3; ++c)
    callers.emplace_back([&, c] {
      for (int i = 0; i < n / 3; ++i) {
        auto p = std::make_shared<probe<result<response>>>();
        {
          std::lock_guard<std::mutex> lock(m);
          probes.push_back(p);
        }
        t->send(get("/c" + std::to_string(c)), [p](result<response> r) { p->callback()(std::move(r)); });
      }
    });
  for (auto& th : callers)
    th.join();
  for (auto& p : probes) {
    ASSERT_TRUE(p->wait());
    ASSERT_TRUE(p->value().ok()) << error_line(p->value());
  }
  EXPECT_LE(server->accepted(), 6u);
}

TEST(Transport, DeadlineRunsWhileWaitingForAConnection) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().hold());
  transport::options opts;
  opts.max_connections = 1;
  auto t = transport::make(server->where(), opts);

  auto first = std::make_shared<probe<result<response>>>();
  t->send(get("/held"), [first](result<response> r) { first->callback()(std::move(r)); });
  ASSERT_TRUE(server->wait_requests(1));
  request second = get("/queued");
  second.timeout = 100ms;
  auto r = call(*t, second);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::timeout);
  EXPECT_EQ(to_string(r.error()), "GET /queued: wait for connection: timeout after 100 ms");
}

//----------------------------------------------------------------------------
// Bodies from files

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("stevedore-transport-test-" + std::to_string(::getpid()) + "-" + name))
      .string();
}

// Writes `size` bytes of a repeating pattern in pieces; returns their fnv1a.
std::uint64_t write_file(const std::string& path, std::size_t size) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  std::uint64_t h = fnv1a("");
  std::string piece(64 * 1024, '\0');
  for (std::size_t i = 0; i < piece.size(); ++i)
    piece[i] = static_cast<char>('a' + (i * 7) % 26);
  for (std::size_t done = 0; done < size;) {
    std::size_t n = std::min(piece.size(), size - done);
    std::fwrite(piece.data(), 1, n, f);
    h = fnv1a(std::string_view(piece.data(), n), h);
    done += n;
  }
  std::fclose(f);
  return h;
}

// Peak resident set size in KiB ("VmHWM"), or -1.
long peak_rss_kib() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f)
    return -1;
  char line[256];
  long kib = -1;
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "VmHWM: %ld kB", &kib) == 1)
      break;
  std::fclose(f);
  return kib;
}

bool reset_peak_rss() {
  std::FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (!f)
    return false;
  bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

TEST(Transport, BodyFileIsStreamedNotReadWhole) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().answer(200, R"({"stream":"Loaded image"})"));
  auto t = transport::make(server->where());
  const std::size_t size = 32u << 20;
  auto path = temp_path("body.tar");
  auto hash = write_file(path, size);

  request req = get("/v1.41/images/load");
  req.method = "POST";
  req.body_file = path;
  bool measured = reset_peak_rss();
  long before = peak_rss_kib();
  auto r = call(*t, req);
  long after = peak_rss_kib();
  std::filesystem::remove(path);
  ASSERT_TRUE(r.ok()) << error_line(r);
  auto got = server->requests().at(0);
  EXPECT_EQ(got.body_size, size);
  EXPECT_EQ(got.body_hash, hash);
  EXPECT_EQ(got.header("Content-Type"), "application/x-tar");
  EXPECT_EQ(got.header("Content-Length"), std::to_string(size));
  if (measured && before > 0 && after > 0) {
    EXPECT_LT(after - before, 16 * 1024) << "peak RSS grew by " << (after - before) << " KiB";
  }
}

TEST(Transport, MissingBodyFileNamesIt) {
  auto server = fake_server::unix_socket();
  auto t = transport::make(server->where());
  request req = get("/v1.41/build");
  req.method = "POST";
  req.body_file = "/nonexistent/context.tar";
  req.what = "build";
  auto r = call(*t, req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::invalid_input);
  EXPECT_EQ(to_string(r.error()), "build: open body file '/nonexistent/context.tar': No such file or directory");
  EXPECT_EQ(server->accepted(), 0u);
}

} // namespace
} // namespace stevedore::docker
