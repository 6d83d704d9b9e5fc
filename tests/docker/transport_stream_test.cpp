// stream(): bytes delivered as they arrive and in order, the inactivity
// deadline, non-2xx answers, truncation, early stop and cancellation.
#include <gtest/gtest.h>

#include "docker/transport.hpp"
#include "tests/docker/transport_test_util.hpp"

namespace stevedore::docker {
namespace {

using namespace stevedore::testing;
using namespace std::chrono_literals;

std::string end_line(stream_probe& s) { return s.end().ok() ? "ok" : to_string(s.end().error()); }

TEST(TransportStream, ChunksArriveInPiecesInOrderBeforeTheEnd) {
  auto server = fake_server::unix_socket();
  auto more = std::make_shared<gate>();
  server->play(script()
                   .expect_request()
                   .write(chunked_head(200, {{"Content-Type", "application/json"}}) +
                          chunk(R"({"status":"Pulling fs layer"})" "\n"))
                   .wait_for(more)
                   .write(chunk(R"({"status":"Downloading")"))
                   .write(chunk(R"(,"progress":"1/2"})" "\n"))
                   .write(last_chunk()));
  stream_probe s;
  auto t = transport::make(server->where());

  t->stream(get("/v1.41/images/create?fromImage=busybox&tag=latest"), s.handler());
  // Progress is delivered while the daemon still has more to say.
  ASSERT_TRUE(s.wait_data("Pulling fs layer"));
  EXPECT_EQ(s.ends(), 0);
  EXPECT_EQ(s.heads(), 1);
  EXPECT_EQ(s.status(), 200);
  more->open();
  ASSERT_TRUE(s.wait_end());
  EXPECT_TRUE(s.end().ok()) << end_line(s);
  EXPECT_EQ(s.data(), R"({"status":"Pulling fs layer"})" "\n"
                      R"({"status":"Downloading","progress":"1/2"})" "\n");
  EXPECT_GE(s.pieces().size(), 2u);
  EXPECT_FALSE(s.data_after_end());
  t->shutdown();
  EXPECT_EQ(s.ends(), 1);
}

TEST(TransportStream, CompletedStreamLeavesItsConnectionForReuse) {
  auto server = fake_server::unix_socket();
  server->play(script()
                   .expect_request()
                   .write(chunked_head(200) + chunk("line\n") + last_chunk())
                   .expect_request()
                   .answer(200, "again"));
  stream_probe s;
  auto t = transport::make(server->where());

  t->stream(get("/v1.41/events?until=1"), s.handler());
  ASSERT_TRUE(s.wait_end());
  ASSERT_TRUE(s.end().ok()) << end_line(s);
  auto p = std::make_shared<probe<result<response>>>();
  t->send(get("/_ping"), [p](result<response> r) { p->callback()(std::move(r)); });
  ASSERT_TRUE(p->wait());
  ASSERT_TRUE(p->value().ok());
  EXPECT_EQ(p->value()->body, "again");
  EXPECT_EQ(server->accepted(), 1u);
}

TEST(TransportStream, StaleGetStreamIsRetriedOnAFreshConnection) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().answer(200, "OK").expect_request().close());
  server->play(script().expect_request().write(chunked_head(200) + chunk("fresh\n") + last_chunk()));
  stream_probe s;
  auto t = transport::make(server->where());

  auto p = std::make_shared<probe<result<response>>>();
  t->send(get("/_ping"), [p](result<response> r) { p->callback()(std::move(r)); });
  ASSERT_TRUE(p->wait());
  t->stream(get("/v1.41/events"), s.handler());
  ASSERT_TRUE(s.wait_end());
  EXPECT_TRUE(s.end().ok()) << end_line(s);
  EXPECT_EQ(s.data(), "fresh\n");
  EXPECT_EQ(server->accepted(), 2u);
}

// Streams read through their thread's shared read buffer: a long answer in
// pieces far bigger than it arrives whole and in order, and the connection
// is still reused after it.
TEST(TransportStream, LongBodyArrivesWholeThroughTheSharedReadBuffer) {
  auto server = fake_server::unix_socket();
  std::string body;
  for (int i = 0; body.size() < 200 * 1024; ++i)
    body += "line " + std::to_string(i) + " " + std::string(static_cast<std::size_t>(i % 97), 'x') + "\n";
  std::string chunks;
  for (std::size_t at = 0; at < body.size(); at += 40000)
    chunks += chunk(body.substr(at, 40000));
  server->play(script()
                   .expect_request()
                   .write(chunked_head(200) + chunks + last_chunk())
                   .expect_request()
                   .answer(200, "again"));
  stream_probe s;
  auto t = transport::make(server->where());

  t->stream(get("/v1.41/containers/x/logs?follow=1&stdout=1"), s.handler());
  ASSERT_TRUE(s.wait_end());
  EXPECT_TRUE(s.end().ok()) << end_line(s);
  EXPECT_EQ(s.data().size(), body.size());
  EXPECT_TRUE(s.data() == body);
  auto p = std::make_shared<probe<result<response>>>();
  t->send(get("/_ping"), [p](result<response> r) { p->callback()(std::move(r)); });
  ASSERT_TRUE(p->wait());
  ASSERT_TRUE(p->value().ok());
  EXPECT_EQ(server->accepted(), 1u);
}

// An idle stream keeps no read buffer: bytes the parser cannot take yet (a
// header or a chunk header cut between writes) are kept until the rest comes.
TEST(TransportStream, HeaderAndChunkSizeCutBetweenWritesAreJoined) {
  auto server = fake_server::unix_socket();
  std::string answer = chunked_head(200, {{"Content-Type", "application/json"}}) + chunk("joined line\n") +
                       chunk("second\n") + last_chunk();
  auto head_end = answer.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos);
  auto cut_header = head_end / 2;  // inside the header
  auto cut_chunk_size = head_end + 5; // after the first hex digit of the chunk size
  script sc;
  sc.expect_request()
    .write(answer.substr(0, cut_header))
    .pause(20ms) // pacing only: the result must be the same if the pieces coalesce
    .write(answer.substr(cut_header, cut_chunk_size - cut_header))
    .pause(20ms)
    .write(answer.substr(cut_chunk_size));
  server->play(std::move(sc));
  stream_probe s;
  auto t = transport::make(server->where());

  t->stream(get("/v1.41/containers/x/logs?follow=1&stdout=1"), s.handler());
  ASSERT_TRUE(s.wait_end());
  EXPECT_TRUE(s.end().ok()) << end_line(s);
  EXPECT_EQ(s.status(), 200);
  EXPECT_EQ(s.data(), "joined line\nsecond\n");
}

// A follow-mode stream has no silence limit (no timer is kept for it), yet
// it still delivers, and a cancel still ends it once.
TEST(TransportStream, UnboundedSilenceLimitStillDeliversAndCancels) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().write(chunked_head(200) + chunk("first\n")).hold());
  stream_probe s;
  auto t = transport::make(server->where());

  request req = get("/v1.41/containers/x/logs?follow=1&stdout=1");
  req.timeout = std::chrono::hours(24 * 365 * 10);
  auto handle = t->stream(std::move(req), s.handler());
  ASSERT_TRUE(s.wait_data("first\n"));
  EXPECT_EQ(s.ends(), 0);
  handle.cancel();
  ASSERT_TRUE(s.wait_end());
  ASSERT_FALSE(s.end().ok());
  EXPECT_EQ(s.end().error().kind, errc::cancelled);
  t->shutdown();
  EXPECT_EQ(s.ends(), 1);
}

// A stream with no silence limit but a header deadline (head_timeout): a
// daemon that never answers ends it with a timeout naming the header...
TEST(TransportStream, StalledHeaderEndsAnUnboundedStreamAtItsHeadTimeout) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().hold());
  stream_probe s;
  auto t = transport::make(server->where());

  request req = get("/v1.41/events");
  req.timeout = std::chrono::hours(24 * 365 * 10);
  req.head_timeout = 150ms;
  req.what = "events";
  auto started = std::chrono::steady_clock::now();
  t->stream(std::move(req), s.handler());
  ASSERT_TRUE(s.wait_end());
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(s.end().ok());
  EXPECT_EQ(s.end().error().kind, errc::timeout);
  EXPECT_EQ(to_string(s.end().error()), "events: read header: timeout after 150 ms");
  EXPECT_GE(took, 150ms);
  EXPECT_LT(took, 2s);
  EXPECT_EQ(s.ends(), 1);
}

// ...and once the header came, the stream may stay silent past it.
TEST(TransportStream, HeadTimeoutNoLongerCountsOnceTheHeaderCame) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().write(chunked_head(200)).pause(400ms).write(chunk("late\n")).hold());
  stream_probe s;
  auto t = transport::make(server->where());

  request req = get("/v1.41/events");
  req.timeout = std::chrono::hours(24 * 365 * 10);
  req.head_timeout = 100ms;
  auto handle = t->stream(std::move(req), s.handler());
  ASSERT_TRUE(s.wait_data("late\n"));
  EXPECT_EQ(s.ends(), 0) << end_line(s);
  handle.cancel();
  ASSERT_TRUE(s.wait_end());
  EXPECT_EQ(s.end().error().kind, errc::cancelled);
  t->shutdown();
}

TEST(TransportStream, BodyWithoutChunkingOrLengthEndsAtClose) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nfirst ").write("second").close());
  stream_probe s;
  auto t = transport::make(server->where());

  t->stream(get("/v1.41/containers/x/logs?follow=1&stdout=1"), s.handler());
  ASSERT_TRUE(s.wait_end());
  EXPECT_TRUE(s.end().ok()) << end_line(s);
  EXPECT_EQ(s.data(), "first second");
}

TEST(TransportStream, SilenceLongerThanTheTimeoutEndsIt) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().write(chunked_head(200) + chunk("tick\n")).hold());
  stream_probe s;
  auto t = transport::make(server->where());

  request req = get("/v1.41/events");
  req.timeout = 150ms;
  req.what = "events";
  auto started = std::chrono::steady_clock::now();
  t->stream(req, s.handler());
  ASSERT_TRUE(s.wait_end());
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(s.end().ok());
  EXPECT_EQ(s.end().error().kind, errc::timeout);
  EXPECT_EQ(to_string(s.end().error()), "events: read body: timeout after 150 ms");
  EXPECT_EQ(s.data(), "tick\n");
  EXPECT_LT(took, 2s);
}

TEST(TransportStream, TimeoutBoundsSilenceNotTheWholeStream) {
  auto server = fake_server::unix_socket();
  script paced;
  paced.expect_request().write(chunked_head(200));
  for (int i = 0; i < 5; ++i) // 5 x 70 ms: longer than the 250 ms timeout in all
    paced.pause(70ms).write(chunk("tick\n"));
  paced.write(last_chunk());
  server->play(paced);
  stream_probe s;
  auto t = transport::make(server->where());

  request req = get("/v1.41/events");
  req.timeout = 250ms;
  t->stream(req, s.handler());
  ASSERT_TRUE(s.wait_end());
  EXPECT_TRUE(s.end().ok()) << end_line(s);
  EXPECT_EQ(s.data().size(), 5 * 5u);
}

TEST(TransportStream, SilentHeaderTimesOut) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().hold());
  stream_probe s;
  auto t = transport::make(server->where());

  request req = get("/v1.41/containers/x/wait");
  req.timeout = 100ms;
  t->stream(req, s.handler());
  ASSERT_TRUE(s.wait_end());
  ASSERT_FALSE(s.end().ok());
  EXPECT_EQ(s.end().error().message, "read header: timeout after 100 ms");
  EXPECT_EQ(s.heads(), 0);
}

// Truncation is a transport failure (the daemon went away: a retry may
// work), reported as daemon_unreachable; bad chunk syntax is malformed_answer.
TEST(TransportStream, TruncatedChunkIsDaemonUnreachable) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().write(chunked_head(200) + chunk("whole\n") + "20\r\nonly part").close());
  stream_probe s;
  auto t = transport::make(server->where());

  t->stream(get("/v1.41/images/create?fromImage=x"), s.handler());
  ASSERT_TRUE(s.wait_end());
  ASSERT_FALSE(s.end().ok());
  EXPECT_EQ(s.end().error().kind, errc::daemon_unreachable);
  EXPECT_EQ(s.end().error().message, "read body: connection closed in the middle of the answer");
  EXPECT_EQ(s.data().rfind("whole\n", 0), 0u);
}

TEST(TransportStream, BadChunkSizeIsMalformed) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().write(chunked_head(200) + chunk("ok\n") + "xyz\r\nboom\r\n").hold());
  stream_probe s;
  auto t = transport::make(server->where());

  t->stream(get("/v1.41/events"), s.handler());
  ASSERT_TRUE(s.wait_end());
  ASSERT_FALSE(s.end().ok());
  EXPECT_EQ(s.end().error().kind, errc::malformed_answer);
}

TEST(TransportStream, NotFoundWithJsonMessageEndsWithThatMessage) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().answer(404, R"({"message":"No such container: web-1"})"));
  stream_probe s;
  auto t = transport::make(server->where());

  request req = get("/v1.41/containers/web-1/logs?follow=1");
  req.what = "logs web-1";
  t->stream(req, s.handler());
  ASSERT_TRUE(s.wait_end());
  ASSERT_FALSE(s.end().ok());
  EXPECT_EQ(s.end().error().kind, errc::not_found);
  EXPECT_EQ(s.end().error().status, 404);
  EXPECT_EQ(to_string(s.end().error()), "logs web-1: No such container: web-1");
  EXPECT_EQ(s.heads(), 0);
  EXPECT_EQ(s.data(), "");
}

TEST(TransportStream, ServerErrorWithGarbageBodyIsQuotedOnOneLine) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().answer(502, "<html>\n  <b>Bad gateway</b>\n</html>\n",
                                               {{"Content-Type", "text/html"}}));
  stream_probe s;
  auto t = transport::make(server->where());

  t->stream(get("/v1.41/images/create?fromImage=x"), s.handler());
  ASSERT_TRUE(s.wait_end());
  ASSERT_FALSE(s.end().ok());
  EXPECT_EQ(s.end().error().kind, errc::daemon_error);
  EXPECT_EQ(s.end().error().message, "answered 502 Bad Gateway: <html> <b>Bad gateway</b> </html>");
}

TEST(TransportStream, HugeErrorBodyIsCappedNotAwaited) {
  auto server = fake_server::unix_socket();
  // Claims more than it sends, and then says nothing: the cap ends it.
  server->play(script()
                   .expect_request()
                   .write("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 100000\r\n\r\n" +
                          std::string(3000, 'e'))
                   .hold());
  stream_probe s;
  auto t = transport::make(server->where());

  request req = get("/v1.41/events");
  req.body_limit = 1000;
  t->stream(req, s.handler());
  ASSERT_TRUE(s.wait_end());
  ASSERT_FALSE(s.end().ok());
  EXPECT_EQ(s.end().error().kind, errc::daemon_error);
  EXPECT_LT(s.end().error().message.size(), 300u);
}

TEST(TransportStream, OnDataReturningFalseStopsCleanly) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().write(chunked_head(200) + chunk("enough\n")).hold());
  stream_probe s;
  auto t = transport::make(server->where());

  t->stream(get("/v1.41/events"), s.handler([](std::string_view) { return false; }));
  ASSERT_TRUE(s.wait_end());
  EXPECT_TRUE(s.end().ok()) << end_line(s);
  EXPECT_EQ(s.data(), "enough\n");
  ASSERT_TRUE(server->wait_finished(1)); // its connection was closed, not kept
}

TEST(TransportStream, CancelEndsItOnceAndNoDataFollows) {
  auto server = fake_server::unix_socket();
  auto later = std::make_shared<gate>();
  server->play(script()
                   .expect_request()
                   .write(chunked_head(200) + chunk("first\n"))
                   .wait_for(later)
                   .write(chunk("after cancel\n"))
                   .hold());
  stream_probe s;
  auto t = transport::make(server->where());

  auto handle = t->stream(get("/v1.41/events"), s.handler());
  ASSERT_TRUE(s.wait_data("first\n"));
  handle.cancel();
  ASSERT_TRUE(s.wait_end());
  later->open();
  ASSERT_FALSE(s.end().ok());
  EXPECT_EQ(s.end().error().kind, errc::cancelled);
  EXPECT_EQ(to_string(s.end().error()), "GET /v1.41/events: cancelled");
  handle.cancel();
  t->shutdown();
  EXPECT_EQ(s.ends(), 1);
  EXPECT_EQ(s.data(), "first\n");
}

TEST(TransportStream, CancelFromInsideOnData) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().write(chunked_head(200) + chunk("one\n")).hold());
  stream_probe s;
  auto t = transport::make(server->where());

  auto handle = std::make_shared<call_handle>();
  auto ready = std::make_shared<gate>();
  *handle = t->stream(get("/v1.41/events"), s.handler([handle, ready](std::string_view) {
    ready->wait(5s); // the handle is assigned once stream() has returned
    handle->cancel();
    return true;
  }));
  ready->open();
  ASSERT_TRUE(s.wait_end());
  EXPECT_EQ(s.end().error().kind, errc::cancelled);
}

TEST(TransportStream, ShutdownEndsStreamsBeforeReturning) {
  auto server = fake_server::unix_socket();
  server->play_always(script().expect_request().write(chunked_head(200) + chunk("x")).hold());
  stream_probe a, b;
  auto t = transport::make(server->where());

  t->stream(get("/v1.41/events"), a.handler());
  t->stream(get("/v1.41/events"), b.handler());
  ASSERT_TRUE(a.wait_data("x"));
  ASSERT_TRUE(b.wait_data("x"));
  t->shutdown();
  ASSERT_EQ(a.ends(), 1);
  ASSERT_EQ(b.ends(), 1);
  EXPECT_EQ(a.end().error().message, "transport shut down");

  stream_probe late;
  EXPECT_FALSE(t->stream(get("/v1.41/events"), late.handler()).valid());
  ASSERT_EQ(late.ends(), 1);
  EXPECT_EQ(late.end().error().kind, errc::cancelled);
}

TEST(TransportStream, StreamsAreNotHeldBackByTheSendBudget) {
  auto server = fake_server::unix_socket();
  server->play_always(script().expect_request().write(chunked_head(200) + chunk("live\n")).hold());
  std::vector<std::unique_ptr<stream_probe>> streams;
  transport::options opts;
  opts.max_connections = 1;
  auto t = transport::make(server->where(), opts);

  for (int i = 0; i < 5; ++i) {
    streams.push_back(std::make_unique<stream_probe>());
    t->stream(get("/v1.41/events"), streams.back()->handler());
  }
  for (auto& s : streams)
    EXPECT_TRUE(s->wait_data("live\n"));
  t->shutdown();
}

} // namespace
} // namespace stevedore::docker
