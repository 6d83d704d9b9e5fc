// The Engine API client against scripted fake daemons: version negotiation,
// status mapping, request shapes, pull/logs/events streams, and hostile
// answers (truncated chunk, invalid JSON, bad frame header, body over the
// cap, a stalled connection), each ending with the right error kind.
#include <atomic>

#include <gtest/gtest.h>

#include "docker/client.hpp"
#include "tests/docker/client_test_util.hpp"
#include "tests/docker/fake_server.hpp"

namespace stevedore::docker {
namespace {

using namespace stevedore::testing;
using namespace std::chrono_literals;

client::options fixed(std::string version = "1.41") {
  client::options o;
  o.api_version = std::move(version);
  return o;
}

std::string ping_answer(const std::string& version) {
  return http_answer(200, "OK", {{"Api-Version", version}, {"Content-Type", "text/plain"}});
}

std::string frame(int stream, std::string_view payload) {
  std::string f(8, '\0');
  f[0] = static_cast<char>(stream);
  auto n = static_cast<std::uint32_t>(payload.size());
  f[4] = static_cast<char>(n >> 24);
  f[5] = static_cast<char>(n >> 16);
  f[6] = static_cast<char>(n >> 8);
  f[7] = static_cast<char>(n);
  return f + std::string(payload);
}

// -- negotiation --

TEST(ClientNegotiation, CallsWaitForOnePingAndUseItsVersion) {
  auto server = fake_server::unix_socket();
  auto release = std::make_shared<gate>();
  auto seen = std::make_shared<gate>();
  std::atomic<int> pings{0};
  server->play_always(script().serve([&, release, seen](const captured_request& r) {
    if (r.target == "/_ping") {
      ++pings;
      seen->open();
      release->wait(10s); // calls made meanwhile must wait, not go out
      return ping_answer("1.40");
    }
    return http_answer(200, R"({"Version":"20.10.24","ApiVersion":"1.40"})");
  }));
  auto c = client::make(server->where());
  auto a = std::make_shared<probe<result<engine_version>>>();
  auto b = std::make_shared<probe<result<unit>>>();
  c->version(a->callback());
  c->ping(b->callback());
  ASSERT_TRUE(seen->wait(5s));
  EXPECT_EQ(c->api_version(), "");
  EXPECT_EQ(a->calls() + b->calls(), 0);
  release->open();
  ASSERT_TRUE(a->wait() && b->wait());
  ASSERT_TRUE(a->value().ok()) << line(a->value());
  ASSERT_TRUE(b->value().ok()) << line(b->value());
  EXPECT_EQ(c->api_version(), "1.40");
  EXPECT_EQ(pings.load(), 1);
  auto reqs = server->requests();
  ASSERT_EQ(reqs.size(), 3u);
  for (std::size_t i = 1; i < reqs.size(); ++i)
    EXPECT_EQ(reqs[i].target.rfind("/v1.40/", 0), 0u) << reqs[i].target;
  // Later calls do not negotiate again.
  auto again = wait_for_result<unit>([&](auto cb) { c->ping(cb); });
  EXPECT_TRUE(again.ok());
  EXPECT_EQ(pings.load(), 1);
}

TEST(ClientNegotiation, NewerDaemonIsSpokenToAtOurMaximum) {
  auto server = fake_server::unix_socket();
  server->play_always(script().serve([](const captured_request& r) {
    return r.target == "/_ping" ? ping_answer("1.45") : http_answer(200, "OK");
  }));
  auto c = client::make(server->where());
  auto r = wait_for_result<unit>([&](auto cb) { c->ping(cb); });
  ASSERT_TRUE(r.ok()) << line(r);
  EXPECT_EQ(c->api_version(), "1.41");
  EXPECT_EQ(server->requests().back().target, "/v1.41/_ping");
}

TEST(ClientNegotiation, OldDaemonIsRefusedClearlyAndAskedAgainNextTime) {
  auto server = fake_server::unix_socket();
  server->play_always(script().serve([](const captured_request&) { return ping_answer("1.20"); }));
  auto c = client::make(server->where());
  auto r = wait_for_result<container_info>([&](auto cb) { c->container_inspect("web", cb); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::daemon_error);
  EXPECT_EQ(r.error().what, "container inspect web");
  EXPECT_NE(r.error().message.find("Engine API 1.20, older than 1.24"), std::string::npos)
    << r.error().message;
  EXPECT_EQ(c->api_version(), "");
  auto again = wait_for_result<unit>([&](auto cb) { c->ping(cb); });
  EXPECT_FALSE(again.ok());
  EXPECT_EQ(server->requests().size(), 2u); // two pings, no call went out
}

TEST(ClientNegotiation, FailureFailsTheWaitingCallsAndIsRetried) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().reset()); // the ping
  server->play(script().expect_request().reset()); // and the transport's one retry of it
  server->play_always(script().serve([](const captured_request& r) {
    return r.target == "/_ping" ? ping_answer("1.41") : http_answer(200, R"({"Id":"abc"})");
  }));
  auto c = client::make(server->where());
  auto a = std::make_shared<probe<result<unit>>>();
  auto b = std::make_shared<probe<result<unit>>>();
  c->ping(a->callback());
  c->container_start("web", b->callback());
  ASSERT_TRUE(a->wait() && b->wait());
  ASSERT_FALSE(a->value().ok());
  ASSERT_FALSE(b->value().ok());
  EXPECT_EQ(a->value().error().kind, errc::daemon_unreachable) << line(a->value());
  EXPECT_EQ(b->value().error().what, "container start web");
  EXPECT_NE(b->value().error().message.find("negotiating the API version"), std::string::npos);
  auto r = wait_for_result<unit>([&](auto cb) { c->container_start("web", cb); });
  EXPECT_TRUE(r.ok()) << line(r);
  EXPECT_EQ(server->requests().back().target, "/v1.41/containers/web/start");
}

TEST(ClientNegotiation, PingWithoutVersionHeaderFallsBackToVersion) {
  auto server = fake_server::unix_socket();
  server->play_always(script().serve([](const captured_request& r) {
    if (r.target == "/_ping")
      return http_answer(200, "OK", {{"Content-Type", "text/plain"}});
    if (r.target == "/version")
      return http_answer(200, R"({"Version":"19.03","ApiVersion":"1.40","MinAPIVersion":"1.12"})");
    return http_answer(200, "OK");
  }));
  auto c = client::make(server->where());
  auto r = wait_for_result<unit>([&](auto cb) { c->ping(cb); });
  ASSERT_TRUE(r.ok()) << line(r);
  EXPECT_EQ(c->api_version(), "1.40");
}

TEST(ClientNegotiation, CancelWhileWaitingEndsOnceWithCancelled) {
  auto server = fake_server::unix_socket();
  auto release = std::make_shared<gate>();
  server->play_always(script().serve([release](const captured_request& r) {
    if (r.target == "/_ping")
      release->wait(10s);
    return r.target == "/_ping" ? ping_answer("1.41") : http_answer(200, "OK");
  }));
  auto c = client::make(server->where());
  auto p = std::make_shared<probe<result<unit>>>();
  call_handle h = c->ping(p->callback());
  ASSERT_TRUE(h.valid());
  h.cancel();
  ASSERT_TRUE(p->wait());
  ASSERT_FALSE(p->value().ok());
  EXPECT_EQ(p->value().error().kind, errc::cancelled);
  release->open();
  auto r = wait_for_result<unit>([&](auto cb) { c->ping(cb); });
  EXPECT_TRUE(r.ok()) << line(r);
  h.cancel();
  EXPECT_EQ(p->calls(), 1);
  EXPECT_EQ(server->requests().size(), 2u); // the ping of negotiation and the second call
}

TEST(ClientNegotiation, ShutdownCancelsWaitingCallsAndRefusesNewOnes) {
  auto server = fake_server::unix_socket();
  server->play_always(script().expect_request().hold());
  auto p = std::make_shared<probe<result<unit>>>();
  auto c = client::make(server->where());
  c->ping(p->callback());
  ASSERT_TRUE(server->wait_requests(1));
  c->shutdown();
  ASSERT_TRUE(p->wait());
  EXPECT_EQ(p->value().error().kind, errc::cancelled);
  auto late = std::make_shared<probe<result<unit>>>();
  EXPECT_FALSE(c->ping(late->callback()).valid());
  ASSERT_TRUE(late->wait());
  EXPECT_EQ(late->value().error().kind, errc::cancelled);
  c->shutdown();
}

// -- request shapes and statuses --

TEST(ClientCalls, StatusesMapToKindsWithTheDaemonsMessage) {
  auto server = fake_server::unix_socket();
  server->play_always(script().serve([](const captured_request& r) {
    if (r.target.find("/containers/gone/") != std::string::npos)
      return http_answer(404, R"({"message":"No such container: gone"})");
    if (r.target.find("/containers/create") != std::string::npos)
      return http_answer(409, R"({"message":"Conflict. The container name \"/web\" is already in use"})");
    if (r.target.find("/images/") != std::string::npos)
      return http_answer(403, R"({"message":"denied"})");
    if (r.target.find("/start") != std::string::npos || r.target.find("/stop") != std::string::npos)
      return http_answer(304, "");
    if (r.target.find("/kill") != std::string::npos)
      return http_answer(409, R"({"message":"Container web is not running"})");
    return http_answer(500, "oops, not json");
  }));
  auto c = client::make(server->where(), fixed());
  auto missing = wait_for_result<container_info>([&](auto cb) { c->container_inspect("gone", cb); });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, errc::not_found);
  EXPECT_EQ(to_string(missing.error()), "container inspect gone: No such container: gone");
  auto conflict = wait_for_result<create_answer>([&](auto cb) { c->container_create("web", "{}", cb); });
  EXPECT_EQ(conflict.error().kind, errc::conflict);
  auto denied = wait_for_result<unit>([&](auto cb) { c->image_remove("x:1", false, cb); });
  EXPECT_EQ(denied.error().kind, errc::unauthorized);
  auto started = wait_for_result<unit>([&](auto cb) { c->container_start("web", cb); });
  EXPECT_TRUE(started.ok()) << line(started); // 304: already started
  auto stopped = wait_for_result<unit>([&](auto cb) { c->container_stop("web", 3s, cb); });
  EXPECT_TRUE(stopped.ok()) << line(stopped);
  auto kill = wait_for_result<unit>([&](auto cb) { c->container_kill("web", "SIGUSR1", cb); });
  EXPECT_EQ(kill.error().kind, errc::conflict);
  auto other = wait_for_result<engine_info>([&](auto cb) { c->info(cb); });
  EXPECT_EQ(other.error().kind, errc::daemon_error);
  EXPECT_EQ(other.error().status, 500);
}

TEST(ClientCalls, RequestsAreShapedAsTheApiWants) {
  auto server = fake_server::unix_socket();
  server->play_always(script().serve([](const captured_request& r) {
    if (r.target.find("/exec") != std::string::npos && r.method == "POST")
      return http_answer(201, R"({"Id":"e1"})");
    if (r.target.find("/containers/create") != std::string::npos)
      return http_answer(201, R"({"Id":"c1","Warnings":[]})");
    if (r.target.find("/containers/json") != std::string::npos)
      return http_answer(200, "[]");
    return http_answer(204, "");
  }));
  auto c = client::make(server->where(), fixed());
  EXPECT_TRUE(wait_for_result<create_answer>([&](auto cb) { c->container_create("web-1", R"({"Image":"x"})", cb); }).ok());
  EXPECT_TRUE(wait_for_result<unit>([&](auto cb) { c->container_kill("c1", "SIGUSR1", cb); }).ok());
  EXPECT_TRUE(wait_for_result<unit>([&](auto cb) { c->container_remove("c1", true, true, cb); }).ok());
  EXPECT_TRUE(wait_for_result<std::vector<container_summary>>(
                [&](auto cb) { c->container_list({"com.stevedore.node=n1", "a\"b"}, true, cb); })
                .ok());
  exec_request ex;
  ex.cmd = {"sh", "-c", "echo \"hi\""};
  ex.env = {"A=1"};
  EXPECT_TRUE(wait_for_result<std::string>([&](auto cb) { c->exec_create("c1", ex, cb); }).ok());
  EXPECT_TRUE(wait_for_result<unit>([&](auto cb) { c->image_remove("127.0.0.1:5000/app:1", true, cb); }).ok());
  auto reqs = server->requests();
  ASSERT_EQ(reqs.size(), 6u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, "/v1.41/containers/create?name=web-1");
  EXPECT_EQ(reqs[0].body, R"({"Image":"x"})");
  EXPECT_EQ(reqs[1].target, "/v1.41/containers/c1/kill?signal=SIGUSR1");
  EXPECT_EQ(reqs[2].method, "DELETE");
  EXPECT_EQ(reqs[2].target, "/v1.41/containers/c1?force=1&v=1");
  EXPECT_EQ(reqs[3].target,
            "/v1.41/containers/json?all=1&filters=%7B%22label%22%3A%5B%22com.stevedore.node%3Dn1%22%2C%22a%5C%22b%22%5D%7D");
  EXPECT_EQ(reqs[4].target, "/v1.41/containers/c1/exec");
  EXPECT_NE(reqs[4].body.find(R"("Cmd":["sh","-c","echo \"hi\""])"), std::string::npos) << reqs[4].body;
  EXPECT_NE(reqs[4].body.find(R"("Env":["A=1"])"), std::string::npos) << reqs[4].body;
  EXPECT_EQ(reqs[5].target, "/v1.41/images/127.0.0.1:5000/app:1?force=1&noprune=0");
}

TEST(ClientCalls, StopDeadlineIsGracePlusTimeout) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().pause(700ms).write(http_answer(204, "")));
  auto o = fixed();
  o.timeout = 300ms;
  auto c = client::make(server->where(), o);
  auto r = wait_for_result<unit>([&](auto cb) { c->container_stop("web", 1s, cb); });
  EXPECT_TRUE(r.ok()) << line(r);
  EXPECT_EQ(server->requests().at(0).target, "/v1.41/containers/web/stop?t=1");
}

// -- hostile answers --

TEST(ClientHostile, InvalidJsonIsMalformed) {
  auto server = fake_server::unix_socket();
  server->play_always(script().serve([](const captured_request&) {
    return http_answer(200, R"({"Id":"abc","State":{"Running":tru)");
  }));
  auto c = client::make(server->where(), fixed());
  auto r = wait_for_result<container_info>([&](auto cb) { c->container_inspect("web", cb); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::malformed_answer);
  EXPECT_EQ(r.error().what, "container inspect web");
}

TEST(ClientHostile, TruncatedChunkIsAnError) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().write(chunked_head(200) + "40\r\n{\"Id\":\"abc\"").close());
  auto c = client::make(server->where(), fixed());
  auto r = wait_for_result<container_info>([&](auto cb) { c->container_inspect("web", cb); });
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().kind == errc::malformed_answer || r.error().kind == errc::daemon_unreachable)
    << line(r);
}

TEST(ClientHostile, BadChunkSizeIsMalformed) {
  auto server = fake_server::unix_socket();
  // The GET and the transport's one retry of it.
  server->play_always(script().expect_request().write(chunked_head(200) + "zz\r\n{}\r\n").hold());
  auto c = client::make(server->where(), fixed());
  auto r = wait_for_result<engine_info>([&](auto cb) { c->info(cb); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::malformed_answer) << line(r);
}

TEST(ClientHostile, BodyOverTheCapIsMalformed) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().answer(200, "[" + std::string(10000, ' ') + "]").hold());
  auto o = fixed();
  o.body_limit = 4096;
  auto c = client::make(server->where(), o);
  auto r = wait_for_result<std::vector<image_summary>>([&](auto cb) { c->image_list(cb); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::malformed_answer) << line(r);
}

TEST(ClientHostile, StalledConnectionTimesOut) {
  auto server = fake_server::unix_socket();
  server->play_always(script().expect_request().write("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{\"Id\"").hold());
  auto o = fixed();
  o.timeout = 300ms;
  auto c = client::make(server->where(), o);
  auto r = wait_for_result<container_info>([&](auto cb) { c->container_inspect("web", cb); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::timeout) << line(r);
}

TEST(ClientHostile, StalledNegotiationTimesOutTheWaitingCalls) {
  auto server = fake_server::unix_socket();
  server->play_always(script().expect_request().hold());
  client::options o;
  o.timeout = 300ms;
  auto c = client::make(server->where(), o);
  auto r = wait_for_result<unit>([&](auto cb) { c->ping(cb); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::timeout) << line(r);
}

TEST(ClientHostile, BadFrameHeaderInLogsIsMalformed) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().write(chunked_head(200) + chunk(frame(1, "fine\n")) +
                                               chunk("\x09\0\0\0\0\0\0\x05hello" + std::string()) +
                                               last_chunk()));
  auto c = client::make(server->where(), fixed());
  std::string out;
  auto r = wait_for_result<unit>([&](auto cb) {
    c->container_logs("web", logs_request{}, [&out](output_stream, std::string_view b) {
      out += b;
      return true;
    }, cb);
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::malformed_answer) << line(r);
  EXPECT_EQ(r.error().what, "container logs web");
  EXPECT_EQ(out, "fine\n");
}

TEST(ClientHostile, LogsCutInsideAFrameAreMalformed) {
  auto server = fake_server::unix_socket();
  std::string f = frame(2, "0123456789");
  server->play(script().expect_request().write(chunked_head(200) + chunk(f.substr(0, 12)) + last_chunk()));
  auto c = client::make(server->where(), fixed());
  auto r = wait_for_result<unit>([&](auto cb) {
    c->container_logs("web", logs_request{}, [](output_stream, std::string_view) { return true; }, cb);
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::malformed_answer) << line(r);
}

TEST(ClientHostile, InvalidEventLineIsMalformed) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().write(chunked_head(200) + chunk("{\"Type\":\"container\",\"Action\":\"start\"}\n{nope}\n")).hold());
  auto c = client::make(server->where(), fixed());
  int seen = 0;
  auto r = wait_for_result<unit>([&](auto cb) {
    c->events({}, [&seen](const engine_event&) { return ++seen > 0; }, cb);
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::malformed_answer) << line(r);
  EXPECT_EQ(seen, 1);
}

// -- streams --

TEST(ClientStreams, LogsAreDemultiplexedAcrossChunks) {
  auto server = fake_server::unix_socket();
  std::string all = frame(1, "out\n") + frame(2, "err\n") + frame(1, "out2\n");
  std::string wire = chunked_head(200);
  for (std::size_t i = 0; i < all.size(); i += 3)
    wire += chunk(all.substr(i, 3));
  server->play(script().expect_request().write(wire + last_chunk()));
  auto c = client::make(server->where(), fixed());
  std::string out, err;
  logs_request lr;
  lr.since = "1700000000.5";
  auto r = wait_for_result<unit>([&](auto cb) {
    c->container_logs("web", lr, [&](output_stream s, std::string_view b) {
      (s == output_stream::stderr_stream ? err : out) += b;
      return true;
    }, cb);
  });
  ASSERT_TRUE(r.ok()) << line(r);
  EXPECT_EQ(out, "out\nout2\n");
  EXPECT_EQ(err, "err\n");
  EXPECT_EQ(server->requests().at(0).target,
            "/v1.41/containers/web/logs?follow=0&stdout=1&stderr=1&timestamps=0&tail=all&since=1700000000.5");
}

TEST(ClientStreams, PullReportsProgressAndSummary) {
  auto server = fake_server::unix_socket();
  std::string body =
    "{\"status\":\"Pulling from stevedore/busybox\",\"id\":\"1\"}\r\n"
    "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":10,\"total\":100},\"id\":\"aa\"}\r\n"
    "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":100,\"total\":100},\"id\":\"aa\"}\r\n"
    "{\"status\":\"Pull complete\",\"progressDetail\":{},\"id\":\"aa\"}\r\n"
    "{\"status\":\"Already exists\",\"progressDetail\":{},\"id\":\"bb\"}\r\n"
    "{\"status\":\"Digest: sha256:abc\"}\r\n"
    "{\"status\":\"Status: Downloaded newer image for reg/app:1\"}\r\n";
  std::string wire = chunked_head(200);
  for (std::size_t i = 0; i < body.size(); i += 17)
    wire += chunk(body.substr(i, 17));
  server->play(script().expect_request().write(wire + last_chunk()));
  auto c = client::make(server->where(), fixed());
  std::vector<pull_progress> seen;
  pull_request pr{"reg/app", "1", "e30=", 5s};
  auto r = wait_for_result<pull_summary>([&](auto cb) {
    c->image_pull(pr, [&](const pull_progress& p) { seen.push_back(p); }, cb);
  });
  ASSERT_TRUE(r.ok()) << line(r);
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(r->digest, "sha256:abc");
  EXPECT_EQ(r->status, "Status: Downloaded newer image for reg/app:1");
  EXPECT_EQ(r->layers, 2);
  EXPECT_EQ(r->bytes, 100);
  auto req = server->requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/v1.41/images/create?fromImage=reg%2Fapp&tag=1");
  EXPECT_EQ(req.header("X-Registry-Auth"), "e30=");
}

TEST(ClientStreams, PullByDigestPutsItInFromImage) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().write(chunked_head(200) + last_chunk()));
  auto c = client::make(server->where(), fixed());
  pull_request pr{"reg/app", "sha256:0123", "", 5s};
  auto r = wait_for_result<pull_summary>([&](auto cb) { c->image_pull(pr, {}, cb); });
  ASSERT_TRUE(r.ok()) << line(r);
  EXPECT_EQ(server->requests().at(0).target, "/v1.41/images/create?fromImage=reg%2Fapp%40sha256%3A0123");
  EXPECT_EQ(server->requests().at(0).header("X-Registry-Auth"), "");
}

TEST(ClientStreams, PullErrorsAreClassifiedByTheDaemonsWords) {
  struct pull_case {
    const char* name;
    std::string answer;
    errc kind;
  };
  std::vector<pull_case> cases = {
    {"error line, bad credentials",
     chunked_head(200) + chunk("{\"status\":\"Pulling from app\",\"id\":\"1\"}\r\n") +
       chunk("{\"errorDetail\":{\"message\":\"unauthorized: authentication required\"},\"error\":\"unauthorized: authentication required\"}\r\n") +
       last_chunk(),
     errc::unauthorized},
    {"error line, other", chunked_head(200) + chunk("{\"error\":\"write /var/lib: no space left on device\"}\r\n") + last_chunk(),
     errc::daemon_error},
    {"500 before streaming, bad credentials",
     http_answer(500, R"({"message":"unauthorized: authentication required"})"), errc::unauthorized},
    {"500 before streaming, anonymous",
     http_answer(500, R"({"message":"Head \"http://r/v2/app/manifests/1\": no basic auth credentials"})"),
     errc::unauthorized},
    {"404 missing tag",
     http_answer(404, R"({"message":"manifest for r/app:nope not found: manifest unknown: manifest unknown"})"),
     errc::not_found},
    {"500 repository not found", http_answer(500, R"({"message":"repository r/nothing not found: name unknown"})"),
     errc::not_found},
    {"500 other", http_answer(500, R"({"message":"Get \"http://r/v2/\": dial tcp: connection refused"})"),
     errc::daemon_error},
  };
  for (const auto& pc : cases) {
    auto server = fake_server::unix_socket();
    server->play(script().expect_request().write(pc.answer));
    auto c = client::make(server->where(), fixed());
    auto r = wait_for_result<pull_summary>([&](auto cb) { c->image_pull({"r/app", "1", "", 5s}, {}, cb); });
    ASSERT_FALSE(r.ok()) << pc.name;
    EXPECT_EQ(r.error().kind, pc.kind) << pc.name << ": " << line(r);
    EXPECT_EQ(r.error().what, "image pull r/app:1") << pc.name;
  }
}

TEST(ClientStreams, PullSilenceLongerThanActivityTimeoutIsTimeout) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().write(chunked_head(200) + chunk("{\"status\":\"Pulling from app\",\"id\":\"1\"}\r\n")).hold());
  auto c = client::make(server->where(), fixed());
  auto r = wait_for_result<pull_summary>([&](auto cb) { c->image_pull({"r/app", "1", "", 300ms}, {}, cb); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::timeout) << line(r);
}

TEST(ClientStreams, EventsSplitAcrossChunksAndTheDaemonClosing) {
  auto server = fake_server::unix_socket();
  std::string body =
    "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"c1\",\"Attributes\":{\"name\":\"web\"}},\"timeNano\":5}\n"
    "{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"c1\",\"Attributes\":{\"exitCode\":\"3\"}},\"timeNano\":6}\n";
  std::string wire = chunked_head(200);
  for (std::size_t i = 0; i < body.size(); i += 10)
    wire += chunk(body.substr(i, 10));
  server->play(script().expect_request().write(wire + last_chunk()));
  auto c = client::make(server->where(), fixed());
  std::vector<engine_event> seen;
  events_request er;
  er.filters["type"] = {"container"};
  auto r = wait_for_result<unit>([&](auto cb) {
    c->events(er, [&](const engine_event& e) {
      seen.push_back(e);
      return true;
    }, cb);
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::daemon_unreachable) << line(r);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].action, "die");
  EXPECT_EQ(seen[1].attributes.at("exitCode"), "3");
  EXPECT_EQ(server->requests().at(0).target, "/v1.41/events?filters=%7B%22type%22%3A%5B%22container%22%5D%7D");
}

TEST(ClientStreams, CancelEndsAStreamOnce) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().write(chunked_head(200)).hold());
  auto c = client::make(server->where(), fixed());
  auto p = std::make_shared<probe<result<unit>>>();
  call_handle h = c->events({}, [](const engine_event&) { return true; }, p->callback());
  ASSERT_TRUE(server->wait_requests(1));
  h.cancel();
  h.cancel();
  ASSERT_TRUE(p->wait());
  EXPECT_EQ(p->value().error().kind, errc::cancelled);
  c->shutdown();
  EXPECT_EQ(p->calls(), 1);
}

TEST(ClientStreams, WaitDecodesTheExitCode) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().write(chunked_head(200)).pause(200ms)
                 .write(chunk(R"({"Error":null,"StatusCode":3})" "\n") + last_chunk()));
  auto c = client::make(server->where(), fixed());
  auto r = wait_for_result<wait_answer>([&](auto cb) { c->container_wait("web", "next-exit", cb); });
  ASSERT_TRUE(r.ok()) << line(r);
  EXPECT_EQ(r->status_code, 3);
  EXPECT_EQ(server->requests().at(0).target, "/v1.41/containers/web/wait?condition=next-exit");
}

} // namespace
} // namespace stevedore::docker
