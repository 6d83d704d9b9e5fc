// The simulated daemon, driven by our own transport: exact answers for the
// container lifecycle, images, logs, exec, stats, wait and events, and each
// injected fault ending the call with the transport error it must.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <thread>

#include <gtest/gtest.h>

#include "tests/tools/simd_test_util.hpp"

namespace stevedore::testing {
namespace {

std::string id_of(const std::string& answer) {
  auto at = answer.find("\"Id\":\"");
  return at == std::string::npos ? "" : answer.substr(at + 6, 64);
}

std::string header(const docker::response& r, std::string_view name) {
  for (auto& [k, v] : r.headers)
    if (k.size() == name.size() &&
        std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
      return v;
  return "";
}

// Runs a stream to its end (bounded) and returns the probe.
std::unique_ptr<stream_probe> stream(simd_fixture& f, docker::request req, bool wait_end = true) {
  auto p = std::make_unique<stream_probe>();
  f.t->stream(std::move(req), p->handler());
  if (wait_end) {
    EXPECT_TRUE(p->wait_end(10s));
  }
  return p;
}

const std::string sleeper = R"({"Image":"busybox","Cmd":["sleep","1000"]})";

TEST(Simd, PingAnswersWithApiVersionAndOsType) {
  simd_fixture f;
  for (auto target : {"/_ping", "/v1.41/_ping"}) {
    auto r = f.send(simd_request("GET", target));
    ASSERT_TRUE(r.ok()) << to_string(r.error());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "OK");
    EXPECT_EQ(header(*r, "API-Version"), "1.41");
    EXPECT_EQ(header(*r, "OSType"), "linux");
  }
  EXPECT_EQ(f.sim->calls("ping"), 2u);
  auto bare = simd_request("GET", "/_ping");
  bare.keep_headers = false; // what the Engine API client asks: the headers are not copied
  auto r = f.send(bare);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "OK");
  EXPECT_TRUE(r->headers.empty());
}

TEST(Simd, InfoVersionAndBridge) {
  simd_fixture f;
  auto info = f.call("GET", "/v1.41/info");
  EXPECT_EQ(info.substr(0, 4), "200 ");
  for (auto field : {"\"OSType\":\"linux\"", "\"ServerVersion\":\"20.10.24\"", "\"Containers\":0",
                     "\"ContainersRunning\":0", "\"Images\":1", "\"runc\":{\"path\":\"runc\"}", "\"NCPU\":", "\"MemTotal\":"})
    EXPECT_NE(info.find(field), std::string::npos) << field;
  EXPECT_NE(f.call("GET", "/version").find("\"ApiVersion\":\"1.41\""), std::string::npos);
  auto net = f.call("GET", "/networks/bridge");
  EXPECT_NE(net.find("\"Config\":[{\"Subnet\":\"172.17.0.0/16\",\"Gateway\":\"172.17.0.1\"}]"), std::string::npos) << net;
  EXPECT_EQ(f.call("GET", "/networks/nope"), "404 {\"message\":\"network nope not found\"}");
}

TEST(Simd, ContainerLifecycle) {
  simd_fixture f;
  auto created = f.call("POST", "/v1.41/containers/create?name=web",
                        R"({"Image":"busybox:latest","Cmd":["sleep","1000"],"Labels":{"team":"a"},)"
                        R"("HostConfig":{"PortBindings":{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"8080"}]}}})");
  auto id = id_of(created);
  ASSERT_EQ(id.size(), 64u) << created;
  EXPECT_EQ(created, "201 {\"Id\":\"" + id + "\",\"Warnings\":[]}");
  auto before = f.call("GET", "/v1.41/containers/web/json");
  EXPECT_NE(before.find("\"Status\":\"created\",\"Running\":false"), std::string::npos) << before;

  EXPECT_EQ(f.call("POST", "/v1.41/containers/" + id + "/start"), "204 ");
  EXPECT_EQ(f.call("POST", "/v1.41/containers/web/start"), "304 ");
  auto running = f.call("GET", "/v1.41/containers/web/json");
  for (auto field : {"\"Status\":\"running\",\"Running\":true", "\"Name\":\"/web\"", "\"OOMKilled\":false",
                     "\"Labels\":{\"team\":\"a\"}", "\"Image\":\"busybox:latest\"",
                     "\"Ports\":{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"8080\"}]}"})
    EXPECT_NE(running.find(field), std::string::npos) << field << " in " << running;
  EXPECT_EQ(f.sim->running(), 1u);

  EXPECT_EQ(f.call("POST", "/v1.41/containers/web/stop?t=5"), "204 ");
  auto stopped = f.call("GET", "/v1.41/containers/web/json");
  EXPECT_NE(stopped.find("\"Status\":\"exited\",\"Running\":false"), std::string::npos) << stopped;
  EXPECT_NE(stopped.find("\"ExitCode\":143"), std::string::npos) << stopped;
  EXPECT_EQ(f.call("POST", "/v1.41/containers/web/stop"), "304 ");
  EXPECT_EQ(f.call("DELETE", "/v1.41/containers/web?force=0&v=1"), "204 ");
  EXPECT_EQ(f.call("GET", "/v1.41/containers/web/json"), "404 {\"message\":\"No such container: web\"}");
  EXPECT_EQ(f.sim->containers(), 0u);
}

TEST(Simd, NameInUseIsConflict) {
  simd_fixture f;
  auto id = id_of(f.call("POST", "/containers/create?name=web", sleeper));
  EXPECT_EQ(f.call("POST", "/containers/create?name=web", sleeper),
            "409 {\"message\":\"Conflict. The container name \\\"/web\\\" is already in use by container \\\"" + id +
                "\\\". You have to remove (or rename) that container to be able to reuse that name.\"}");
}

TEST(Simd, CreateWithAbsentImageIsNotFound) {
  simd_fixture f;
  EXPECT_EQ(f.call("POST", "/containers/create?name=cx", R"({"Image":"nope"})"),
            "404 {\"message\":\"No such image: nope:latest\"}");
}

TEST(Simd, RemovingARunningContainerNeedsForce) {
  simd_fixture f;
  auto id = id_of(f.call("POST", "/containers/create?name=cr", sleeper));
  f.call("POST", "/containers/cr/start");
  EXPECT_EQ(f.call("DELETE", "/containers/cr"),
            "409 {\"message\":\"You cannot remove a running container " + id +
                ". Stop the container before attempting removal or force remove\"}");
  EXPECT_EQ(f.call("DELETE", "/containers/cr?force=1"), "204 ");
}

TEST(Simd, SleepExitsZeroAndWaitReturnsTheCode) {
  simd_fixture f; // 1 simulated second = 10 ms
  f.call("POST", "/containers/create?name=cs", R"({"Image":"busybox","Cmd":["sleep","2"]})");
  f.call("POST", "/containers/create?name=ce", R"({"Image":"busybox","Cmd":["sh","-c","exit 7"]})");
  f.call("POST", "/containers/cs/start");
  auto w = stream(f, simd_request("POST", "/v1.41/containers/cs/wait?condition=not-running"));
  ASSERT_TRUE(w->end().ok()) << to_string(w->end().error());
  EXPECT_EQ(w->data(), "{\"Error\":null,\"StatusCode\":0}\n");
  f.call("POST", "/containers/ce/start");
  auto w2 = stream(f, simd_request("POST", "/containers/ce/wait"));
  EXPECT_EQ(w2->data(), "{\"Error\":null,\"StatusCode\":7}\n");
}

TEST(Simd, WaitLongPollsUntilTheContainerDies) {
  simd_fixture f;
  f.call("POST", "/containers/create?name=ck", sleeper);
  f.call("POST", "/containers/ck/start");
  auto w = stream(f, simd_request("POST", "/containers/ck/wait"), false);
  EXPECT_FALSE(w->wait_end(100ms));
  EXPECT_EQ(f.call("POST", "/containers/ck/kill?signal=SIGKILL"), "204 ");
  ASSERT_TRUE(w->wait_end(5s));
  EXPECT_EQ(w->data(), "{\"Error\":null,\"StatusCode\":137}\n");
}

TEST(Simd, EventsCarryDieWithExitCodeAndLabels) {
  simd_fixture f;
  auto req = simd_request("GET", "/events?filters=%7B%22type%22%3A%5B%22container%22%5D%7D");
  auto ev = stream(f, req, false);
  // The subscription exists once the head arrived.
  for (int i = 0; i < 100 && ev->heads() == 0; ++i)
    std::this_thread::sleep_for(5ms);
  ASSERT_EQ(ev->heads(), 1);
  auto id = id_of(f.call("POST", "/containers/create?name=ev",
                         R"({"Image":"busybox","Cmd":["sh","-c","exit 3"],"Labels":{"job":"j1"}})"));
  f.call("POST", "/containers/ev/start");
  f.call("DELETE", "/containers/ev");
  ASSERT_TRUE(ev->wait_data("\"Action\":\"destroy\""));
  auto data = ev->data();
  for (auto action : {"create", "start", "die", "destroy"})
    EXPECT_NE(data.find("{\"status\":\"" + std::string(action) + "\",\"id\":\"" + id +
                        "\",\"from\":\"busybox\",\"Type\":\"container\",\"Action\":\"" + action + "\""),
              std::string::npos)
        << action << " in " << data;
  EXPECT_NE(data.find("\"Attributes\":{\"exitCode\":\"3\",\"image\":\"busybox\",\"job\":\"j1\",\"name\":\"ev\"}"),
            std::string::npos) << data;
  EXPECT_NE(data.find("\"timeNano\":"), std::string::npos);
  EXPECT_EQ(data.find("\"Type\":\"image\""), std::string::npos); // filtered out
  // since= replays the history
  auto replay = stream(f, simd_request("GET", "/events?since=1&until=" + std::to_string(time(nullptr) + 1)));
  EXPECT_NE(replay->data().find("\"Action\":\"die\""), std::string::npos);
}

TEST(Simd, LogsAreMultiplexedFramesOrRawWithTty) {
  simd_fixture f;
  f.call("POST", "/containers/create?name=cl",
         R"({"Image":"busybox","Cmd":["sh","-c","echo hello; echo oops >&2; exit 0"]})");
  f.call("POST", "/containers/cl/start");
  auto both = stream(f, simd_request("GET", "/containers/cl/logs?stdout=1&stderr=1"));
  EXPECT_EQ(both->data(), std::string("\x01\0\0\0\0\0\0\x06hello\n\x02\0\0\0\0\0\0\x05oops\n", 27));
  auto out = stream(f, simd_request("GET", "/containers/cl/logs?stdout=1"));
  EXPECT_EQ(out->data(), std::string("\x01\0\0\0\0\0\0\x06hello\n", 14));
  f.call("POST", "/containers/create?name=ct", R"({"Image":"busybox","Tty":true,"Cmd":["echo","hi","there"]})");
  f.call("POST", "/containers/ct/start");
  auto tty = stream(f, simd_request("GET", "/containers/ct/logs?stdout=1&stderr=1"));
  EXPECT_EQ(tty->data(), "hi there\n");
  EXPECT_EQ(f.call("GET", "/containers/ct/logs"),
            "400 {\"message\":\"Bad parameters: you must choose at least one stream\"}");
}

TEST(Simd, FollowedLogsEndWhenTheContainerExits) {
  simd_fixture f;
  f.call("POST", "/containers/create?name=fl",
         R"({"Image":"busybox","Cmd":["sh","-c","echo one; sleep 5; echo two"]})");
  f.call("POST", "/containers/fl/start");
  auto p = stream(f, simd_request("GET", "/containers/fl/logs?follow=1&stdout=1"));
  ASSERT_TRUE(p->end().ok());
  EXPECT_EQ(p->data(), std::string("\x01\0\0\0\0\0\0\x04one\n\x01\0\0\0\0\0\0\x04two\n", 24));
}

// Like dockerd, a chunked answer that ends (a followed log at the exit, a
// long-polled wait) leaves the connection open for the next request.
TEST(Simd, EndedStreamsKeepTheConnection) {
  simd_fixture f;
  f.call("POST", "/containers/create?name=ka", R"({"Image":"busybox","Cmd":["sh","-c","echo one; sleep 2"]})");
  f.call("POST", "/containers/ka/start");
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", f.sim->socket_path().c_str());
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  // Sends one request and reads until `until` arrives; "" when the
  // connection closed or went quiet first.
  auto ask = [fd](const std::string& req, const std::string& until) {
    if (::write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size()))
      return std::string();
    std::string got;
    char buf[512];
    while (got.find(until) == std::string::npos) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0)
        return std::string();
      got.append(buf, static_cast<std::size_t>(n));
    }
    return got;
  };
  auto logs = ask("GET /containers/ka/logs?follow=1&stdout=1 HTTP/1.1\r\nHost: docker\r\n\r\n", "\r\n0\r\n\r\n");
  EXPECT_NE(logs.find("one\n"), std::string::npos) << logs;
  EXPECT_EQ(logs.find("Connection: close"), std::string::npos) << logs;
  f.call("POST", "/containers/create?name=kb", sleeper);
  f.call("POST", "/containers/kb/start");
  std::thread killer([&f] {
    std::this_thread::sleep_for(50ms);
    f.call("POST", "/containers/kb/kill?signal=SIGKILL");
  });
  auto wait = ask("POST /containers/kb/wait HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\n\r\n", "}");
  killer.join();
  EXPECT_NE(wait.find("\"StatusCode\":137"), std::string::npos) << wait;
  EXPECT_NE(ask("GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n", "\r\n\r\nOK"), "");
  // A client that asks for close gets it after the stream.
  auto closing = ask("GET /containers/ka/logs?stdout=1 HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n", "\r\n0\r\n\r\n");
  EXPECT_NE(closing.find("Connection: close"), std::string::npos) << closing;
  char c;
  EXPECT_EQ(::read(fd, &c, 1), 0);
  ::close(fd);
  EXPECT_EQ(f.sim->calls("containers.logs"), 2u);
}

TEST(Simd, StatsOneShot) {
  simd_fixture f;
  f.call("POST", "/containers/create?name=st", sleeper);
  f.call("POST", "/containers/st/start");
  auto s = f.call("GET", "/containers/st/stats?stream=false");
  EXPECT_EQ(s.substr(0, 4), "200 ");
  for (auto field : {"\"memory_stats\":{\"usage\":", "\"cpu_usage\":{\"total_usage\":", "\"online_cpus\":",
                     "\"pids_stats\":{\"current\":1}", "\"name\":\"/st\""})
    EXPECT_NE(s.find(field), std::string::npos) << field << " in " << s;
}

TEST(Simd, ExecOutputAndExitCode) {
  simd_fixture f;
  auto id = id_of(f.call("POST", "/containers/create?name=cx", sleeper));
  EXPECT_EQ(f.call("POST", "/containers/cx/exec", R"({"Cmd":["true"]})").substr(0, 4), "409 ");
  f.call("POST", "/containers/cx/start");
  auto created = f.call("POST", "/containers/cx/exec",
                        R"({"AttachStdout":true,"AttachStderr":true,"Cmd":["sh","-c","echo out; echo err >&2; exit 5"]})");
  ASSERT_EQ(created.substr(0, 4), "201 ") << created;
  auto exec_id = id_of(created);
  auto before = f.call("GET", "/exec/" + exec_id + "/json");
  EXPECT_NE(before.find("\"ExitCode\":null"), std::string::npos) << before;
  auto out = stream(f, simd_request("POST", "/exec/" + exec_id + "/start", R"({"Detach":false,"Tty":false})"));
  ASSERT_TRUE(out->end().ok()) << to_string(out->end().error());
  EXPECT_EQ(out->data(), std::string("\x01\0\0\0\0\0\0\x04out\n\x02\0\0\0\0\0\0\x04" "err\n", 24));
  auto after = f.call("GET", "/exec/" + exec_id + "/json");
  EXPECT_NE(after.find("\"ExitCode\":5"), std::string::npos) << after;
  EXPECT_NE(after.find("\"ContainerID\":\"" + id + "\""), std::string::npos);
  EXPECT_EQ(f.call("GET", "/exec/nope/json"), "404 {\"message\":\"No such exec instance: nope\"}");
}

TEST(Simd, PullStreamsProgressThenTheImageExists) {
  simd_fixture f;
  EXPECT_EQ(f.call("GET", "/images/alpine:3/json"), "404 {\"message\":\"No such image: alpine:3\"}");
  auto p = stream(f, simd_request("POST", "/v1.41/images/create?fromImage=alpine&tag=3"));
  ASSERT_TRUE(p->end().ok()) << to_string(p->end().error());
  auto d = p->data();
  for (auto line : {"{\"status\":\"Pulling from library/alpine\",\"id\":\"3\"}\n", "\"status\":\"Pulling fs layer\"",
                    "\"status\":\"Downloading\",\"progressDetail\":{\"current\":", "\"status\":\"Pull complete\"",
                    "{\"status\":\"Digest: sha256:", "{\"status\":\"Status: Downloaded newer image for alpine:3\"}\n"})
    EXPECT_NE(d.find(line), std::string::npos) << line << " in " << d;
  EXPECT_EQ(f.call("GET", "/images/alpine:3/json").substr(0, 4), "200 ");
  auto again = stream(f, simd_request("POST", "/images/create?fromImage=alpine&tag=3"));
  EXPECT_NE(again->data().find("Status: Image is up to date for alpine:3"), std::string::npos);
  auto missing = stream(f, simd_request("POST", "/images/create?fromImage=127.0.0.1:5000/missing&tag=1"));
  ASSERT_FALSE(missing->end().ok());
  EXPECT_EQ(missing->end().error().kind, errc::not_found);
  EXPECT_NE(missing->end().error().message.find("manifest unknown"), std::string::npos);
}

TEST(Simd, PullChecksRegistryAuthWhenConfigured) {
  sim::options o;
  o.registry_user = "u";
  o.registry_password = "p";
  simd_fixture f(o);
  auto anon = stream(f, simd_request("POST", "/images/create?fromImage=127.0.0.1:5000/app&tag=1"));
  ASSERT_FALSE(anon->end().ok());
  EXPECT_EQ(anon->end().error().message,
            "Head \"http://127.0.0.1:5000/v2/app/manifests/1\": no basic auth credentials");
  auto req = simd_request("POST", "/images/create?fromImage=127.0.0.1:5000/app&tag=1");
  req.headers.emplace_back("X-Registry-Auth", "eyJ1c2VybmFtZSI6InUiLCJwYXNzd29yZCI6InAifQ=="); // {"username":"u","password":"p"}
  auto ok = stream(f, req);
  EXPECT_TRUE(ok->end().ok());
  EXPECT_EQ(f.call("GET", "/images/127.0.0.1:5000/app:1/json").substr(0, 4), "200 ");
}

TEST(Simd, ImageInUseCannotBeDeleted) {
  simd_fixture f;
  f.call("POST", "/containers/create?name=cu", sleeper);
  auto r = f.call("DELETE", "/images/busybox:latest");
  EXPECT_EQ(r.substr(0, 4), "409 ") << r;
  EXPECT_NE(r.find("must force"), std::string::npos) << r;
  f.call("DELETE", "/containers/cu");
  auto ok = f.call("DELETE", "/images/busybox:latest");
  EXPECT_NE(ok.find("{\"Untagged\":\"busybox:latest\"}"), std::string::npos) << ok;
  EXPECT_EQ(f.call("GET", "/images/json"), "200 []");
}

TEST(Simd, ImageLoadReadsRepoTagsFromTheTar) {
  simd_fixture f;
  std::string manifest = R"([{"Config":"c.json","RepoTags":["loaded/app:2"],"Layers":[]}])";
  std::string tar(512, '\0');
  tar.replace(0, 13, "manifest.json");
  char size[12];
  std::snprintf(size, sizeof size, "%011o", static_cast<unsigned>(manifest.size()));
  tar.replace(124, 11, size);
  tar += manifest + std::string(512 - manifest.size(), '\0') + std::string(1024, '\0');
  auto req = simd_request("POST", "/images/load?quiet=1", tar);
  req.headers.emplace_back("Content-Type", "application/x-tar");
  auto r = f.send(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "{\"stream\":\"Loaded image: loaded/app:2\\n\"}\n");
  EXPECT_EQ(f.call("GET", "/images/loaded/app:2/json").substr(0, 4), "200 ");
}

TEST(Simd, StopWaitsOutAContainerThatIgnoresSigterm) {
  simd_fixture f; // t=5 -> 50 ms
  f.call("POST", "/containers/create?name=stubborn",
         R"({"Image":"busybox","Cmd":["sleep","1000"],"Labels":{"sim.ignore-sigterm":"true"}})");
  f.call("POST", "/containers/create?name=polite", R"({"Image":"busybox","Cmd":["sleep","1000"],"StopSignal":"SIGINT"})");
  f.call("POST", "/containers/stubborn/start");
  f.call("POST", "/containers/polite/start");
  auto began = std::chrono::steady_clock::now();
  EXPECT_EQ(f.call("POST", "/containers/stubborn/stop?t=5"), "204 ");
  EXPECT_GE(std::chrono::steady_clock::now() - began, 50ms);
  EXPECT_NE(f.call("GET", "/containers/stubborn/json").find("\"ExitCode\":137"), std::string::npos);
  EXPECT_EQ(f.call("POST", "/containers/polite/stop?t=5"), "204 ");
  EXPECT_NE(f.call("GET", "/containers/polite/json").find("\"ExitCode\":130"), std::string::npos);
}

TEST(Simd, OomLabelKillsAtStart) {
  simd_fixture f;
  f.call("POST", "/containers/create?name=co", R"({"Image":"busybox","Cmd":["sleep","1000"],"Labels":{"sim.oom":"true"}})");
  f.call("POST", "/containers/co/start");
  auto r = f.call("GET", "/containers/co/json");
  EXPECT_NE(r.find("\"OOMKilled\":true"), std::string::npos) << r;
  EXPECT_NE(r.find("\"ExitCode\":137"), std::string::npos) << r;
}

TEST(Simd, ListFiltersByLabel) {
  simd_fixture f;
  f.call("POST", "/containers/create?name=a1", R"({"Image":"busybox","Cmd":["sleep","9"],"Labels":{"app":"a"}})");
  f.call("POST", "/containers/create?name=a2", R"({"Image":"busybox","Cmd":["sleep","9"],"Labels":{"app":"a"}})");
  f.call("POST", "/containers/create?name=b1", R"({"Image":"busybox","Cmd":["sleep","9"],"Labels":{"app":"b"}})");
  f.call("POST", "/containers/a1/start");
  auto count = [](const std::string& s) {
    std::size_t n = 0;
    for (auto at = s.find("\"Names\""); at != std::string::npos; at = s.find("\"Names\"", at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count(f.call("GET", "/containers/json?all=1")), 3u);
  EXPECT_EQ(count(f.call("GET", "/containers/json")), 1u);
  auto a = f.call("GET", "/containers/json?all=1&filters=%7B%22label%22%3A%5B%22app%3Da%22%5D%7D");
  EXPECT_EQ(count(a), 2u) << a;
  EXPECT_EQ(count(f.call("GET", "/containers/json?all=1&filters=%7B%22label%22%3A%5B%22app%22%5D%7D")), 3u);
  EXPECT_EQ(f.call("GET", "/containers/json?filters=%7Bbad"),
            "400 {\"message\":\"invalid JSON in filters: The JSON document has an improper structure: missing or "
            "superfluous commas, braces, missing keys, etc.\"}");
}

// -- malformed requests -------------------------------------------------------

TEST(Simd, MalformedBodiesAndRoutesGetReasons) {
  simd_fixture f;
  auto bad = f.call("POST", "/containers/create", "{\"Image\":");
  EXPECT_EQ(bad.substr(0, 4), "400 ") << bad;
  EXPECT_NE(bad.find("invalid JSON in container create body"), std::string::npos);
  EXPECT_EQ(f.call("POST", "/containers/create", R"({"Image":"busybox","Cmd":5})"),
            "400 {\"message\":\"json: cannot unmarshal Cmd: expected a string or an array of strings\"}");
  EXPECT_EQ(f.call("GET", "/nothing/here"), "404 {\"message\":\"page not found\"}");
  EXPECT_EQ(f.call("GET", "/v1.99/info"),
            "400 {\"message\":\"client version 1.99 is too new. Maximum supported API version is 1.41\"}");
  EXPECT_EQ(f.call("POST", "/containers/cx/stop?t=soon"),
            "400 {\"message\":\"strconv.Atoi: parsing \\\"soon\\\": invalid syntax\"}");
  EXPECT_EQ(f.call("GET", "/_ping"), "200 OK"); // still alive
}

TEST(Simd, GarbageOnTheWireGets400) {
  simd_fixture f;
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", f.sim->socket_path().c_str());
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string junk = "NOT HTTP AT ALL\r\n\r\n";
  ASSERT_EQ(::write(fd, junk.data(), junk.size()), static_cast<ssize_t>(junk.size()));
  std::string got;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0)
    got.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  EXPECT_EQ(got.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << got;
  EXPECT_NE(got.find("{\"message\":\"malformed HTTP request: "), std::string::npos) << got;
  EXPECT_EQ(f.call("GET", "/_ping"), "200 OK");
}

// -- faults ---------------------------------------------------------------------

sim::options with_fault(const char* rule) {
  sim::options o;
  o.faults.push_back(*sim::parse_fault(rule));
  return o;
}

TEST(SimdFaults, Status500) {
  simd_fixture f(with_fault("info:500:1"));
  EXPECT_EQ(f.call("GET", "/info"), "500 {\"message\":\"simulated fault: 500 on info\"}");
  EXPECT_EQ(f.call("GET", "/_ping"), "200 OK");
  // The GET and the transport's one retry of it (a 5xx to a GET is asked again).
  EXPECT_EQ(f.sim->faults_injected().at("500"), 2u);
}

TEST(SimdFaults, ResetIsDaemonUnreachable) {
  simd_fixture f(with_fault("info:reset:1"));
  auto r = f.send(simd_request("GET", "/info"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::daemon_unreachable) << to_string(r.error());
}

TEST(SimdFaults, TruncatedBodyIsDaemonUnreachableMidAnswer) {
  simd_fixture f(with_fault("info:truncate:1"));
  auto r = f.send(simd_request("GET", "/info"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::daemon_unreachable);
  EXPECT_EQ(to_string(r.error()), "GET /info: read body: connection closed in the middle of the answer");
}

TEST(SimdFaults, TruncatedStreamEndsWithAnError) {
  simd_fixture f(with_fault("images.create:truncate:1"));
  auto p = stream(f, simd_request("POST", "/images/create?fromImage=alpine&tag=3"));
  ASSERT_FALSE(p->end().ok());
  EXPECT_EQ(p->end().error().kind, errc::daemon_unreachable) << to_string(p->end().error());
  EXPECT_NE(p->data().find("simulated truncated answer"), std::string::npos);
}

TEST(SimdFaults, StallRunsIntoTheDeadline) {
  simd_fixture f(with_fault("containers.list:stall:1"));
  auto req = simd_request("GET", "/containers/json");
  req.timeout = 200ms;
  auto r = f.send(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::timeout);
  EXPECT_EQ(f.call("GET", "/_ping"), "200 OK");
}

TEST(SimdFaults, GarbageIsMalformedAnswer) {
  simd_fixture f(with_fault("*:garbage:1"));
  auto r = f.send(simd_request("GET", "/version"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::malformed_answer) << to_string(r.error());
}

TEST(SimdFaults, LatencyDelaysTheAnswer) {
  sim::options o;
  o.latency.push_back(*sim::parse_latency("ping:80"));
  simd_fixture f(o);
  auto began = std::chrono::steady_clock::now();
  EXPECT_EQ(f.call("GET", "/_ping"), "200 OK");
  EXPECT_GE(std::chrono::steady_clock::now() - began, 80ms);
}

// The same seed gives the same faults on the same calls; another seed differs.
std::string fault_pattern(std::uint64_t seed) {
  sim::options o = with_fault("version:500:0.5");
  o.seed = seed;
  simd_fixture f(o);
  std::string pattern;
  for (int i = 0; i < 32; ++i)
    pattern += f.call("GET", "/version").substr(0, 3) == "500" ? 'x' : '.';
  return pattern;
}

TEST(SimdFaults, DeterministicWithASeed) {
  auto a = fault_pattern(7), b = fault_pattern(7), c = fault_pattern(8);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a.find('x'), std::string::npos);
  EXPECT_NE(a.find('.'), std::string::npos);
}

TEST(SimdFaults, RulesAreParsedWithReasons) {
  EXPECT_FALSE(sim::parse_fault("containers.start:500").ok());
  EXPECT_EQ(to_string(sim::parse_fault("nope:500:1").error()),
            "fault or latency rule 'nope:500:1': unknown route 'nope' (see --list-routes)");
  EXPECT_EQ(to_string(sim::parse_fault("*:boom:1").error()),
            "fault or latency rule '*:boom:1': unknown kind 'boom' (500, reset, truncate, stall, garbage)");
  EXPECT_FALSE(sim::parse_fault("*:500:1.5").ok());
  auto l = sim::parse_latency("containers.create:5~3");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->fixed, 5ms);
  EXPECT_EQ(l->jitter, 3ms);
}

} // namespace
} // namespace stevedore::testing
