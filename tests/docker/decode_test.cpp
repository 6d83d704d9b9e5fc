// Decoding of answers recorded from the test environment's dockerd 20.10
// (tests/docker/data, captured with curl over its Unix socket; the cgroup v2
// stats, layer progress and error line files follow the daemon's format but
// were written by hand, since this machine runs cgroup v1 and the test
// registry's image layers are already present), plus malformed input.
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "docker/decode.hpp"

namespace stevedore::docker {
namespace {

std::string data(const std::string& name) {
  std::ifstream in(std::string(STEVEDORE_DOCKER_TEST_DATA) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty())
      out.push_back(line);
  return out;
}

template <class T>
const T& ok(const result<T>& r) {
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : to_string(r.error()));
  static T empty{};
  return r.ok() ? r.value() : empty;
}

TEST(Decode, Version) {
  auto v = ok(decode::version(data("version.json"), "version"));
  EXPECT_EQ(v.version, "20.10.24+dfsg1");
  EXPECT_EQ(v.api_version, "1.41");
  EXPECT_EQ(v.min_api_version, "1.12");
  EXPECT_EQ(v.os, "linux");
  EXPECT_EQ(v.arch, "amd64");
  EXPECT_FALSE(v.kernel_version.empty());
}

TEST(Decode, Info) {
  auto i = ok(decode::info(data("info.json"), "info"));
  EXPECT_EQ(i.server_version, "20.10.24+dfsg1");
  EXPECT_EQ(i.os_type, "linux");
  EXPECT_EQ(i.driver, "vfs");
  EXPECT_EQ(i.cgroup_driver, "cgroupfs");
  EXPECT_EQ(i.ncpu, 2);
  EXPECT_EQ(i.mem_total, 25276510208);
  EXPECT_EQ(i.images, 9);
  EXPECT_EQ(i.default_runtime, "runc");
  EXPECT_EQ(i.runtimes, (std::vector<std::string>{"io.containerd.runc.v2",
                                                  "io.containerd.runtime.v1.linux", "runc"}));
  EXPECT_EQ(i.security_options, (std::vector<std::string>{"name=seccomp,profile=default"}));
  EXPECT_EQ(i.operating_system, "Debian GNU/Linux 12 (bookworm)");
  EXPECT_FALSE(i.id.empty());
}

TEST(Decode, BridgeNetwork) {
  auto n = ok(decode::network(data("network_bridge.json"), "network inspect bridge"));
  EXPECT_EQ(n.name, "bridge");
  EXPECT_EQ(n.driver, "bridge");
  EXPECT_EQ(n.subnet, "172.17.0.0/16");
  EXPECT_EQ(n.gateway, "172.17.0.1");
  EXPECT_EQ(n.id.size(), 64u);
}

// dockerd 20.10 leaves Gateway out when docker0 had its address before the
// daemon started; the bridge then has the subnet's first host address.
TEST(Decode, BridgeNetworkWithoutGatewayGetsTheSubnetsFirstHost) {
  std::string body = R"({"Name":"bridge","Id":"x","Driver":"bridge","IPAM":{"Driver":"default",)"
                     R"("Options":null,"Config":[{"Subnet":"10.200.16.0/20"}]}})";
  auto n = ok(decode::network(body, "network inspect bridge"));
  EXPECT_EQ(n.gateway, "10.200.16.1");
  body = R"({"Name":"bridge","IPAM":{"Config":[{"Subnet":"fd00::/64"}]}})";
  EXPECT_EQ(ok(decode::network(body, "network inspect bridge")).gateway, "")
    << "no guess for what is not IPv4";
}

TEST(Decode, ImageWithEveryConfigField) {
  auto i = ok(decode::image(data("image_inspect_full.json"), "image inspect"));
  EXPECT_EQ(i.id, "sha256:5aced2a92e9049e65ae6e7cfd974a3e60e0570432c5c0c6c6d7dac4c4e4f2aea");
  EXPECT_EQ(i.repo_tags, (std::vector<std::string>{"stevedore-test/full:1"}));
  EXPECT_EQ(i.size, 1982378);
  EXPECT_EQ(i.os, "linux");
  EXPECT_EQ(i.entrypoint, (std::vector<std::string>{"/bin/sh", "-c"}));
  ASSERT_EQ(i.cmd.size(), 1u);
  EXPECT_EQ(i.cmd[0].rfind("trap \"echo stopped by SIGUSR1", 0), 0u);
  EXPECT_EQ(i.working_dir, "/work");
  EXPECT_EQ(i.stop_signal, "SIGUSR1");
  EXPECT_EQ(i.exposed_ports, (std::vector<std::string>{"8080/tcp"}));
  EXPECT_EQ(i.labels.at("org.stevedore.testenv"), "full-1");
  EXPECT_EQ(i.env.size(), 2u);
}

TEST(Decode, ImageList) {
  auto l = ok(decode::image_list(data("image_list.json"), "image list"));
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0].repo_tags, (std::vector<std::string>{"stevedore-test/full:1"}));
  EXPECT_TRUE(l[0].repo_digests.empty()); // null in the answer
  EXPECT_EQ(l[0].containers, -1);
  EXPECT_EQ(l[0].created, 1795898554);
}

TEST(Decode, RunningContainer) {
  auto c = ok(decode::container(data("container_inspect_running.json"), "container inspect"));
  EXPECT_EQ(c.name, "capture-4304");
  EXPECT_EQ(c.status, "running");
  EXPECT_TRUE(c.running);
  EXPECT_GT(c.pid, 0);
  EXPECT_EQ(c.image, "stevedore-test/busybox:1");
  EXPECT_EQ(c.image_id.rfind("sha256:", 0), 0u);
  EXPECT_EQ(c.labels.at("com.stevedore.capture"), "1");
  ASSERT_EQ(c.ports.size(), 1u);
  EXPECT_EQ(c.ports[0].container_port, "8080/tcp");
  EXPECT_EQ(c.ports[0].host_ip, "127.0.0.1");
  EXPECT_EQ(c.ports[0].host_port, 32768);
  EXPECT_FALSE(c.tty);
  EXPECT_EQ(c.stop_signal, "");
}

TEST(Decode, ExitedContainer) {
  auto c = ok(decode::container(data("container_inspect_exited.json"), "container inspect"));
  EXPECT_EQ(c.status, "exited");
  EXPECT_FALSE(c.running);
  EXPECT_EQ(c.pid, 0);
  EXPECT_EQ(c.exit_code, 0);
  EXPECT_EQ(c.finished_at, "2026-11-28T23:37:16.794718095Z");
  EXPECT_TRUE(c.ports.empty());
}

TEST(Decode, ContainerList) {
  auto l = ok(decode::container_list(data("container_list.json"), "container list"));
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].names, (std::vector<std::string>{"capture-4304"}));
  EXPECT_EQ(l[0].state, "running");
  EXPECT_EQ(l[0].labels.at("com.stevedore.capture"), "1");
  EXPECT_EQ(l[0].created, 1795909034);
}

TEST(Decode, CreateExecWait) {
  auto c = ok(decode::create(data("container_create.json"), "container create"));
  EXPECT_EQ(c.id.size(), 64u);
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_EQ(ok(decode::id(data("exec_create.json"), "exec create")).size(), 64u);
  auto created = ok(decode::exec(data("exec_inspect_created.json"), "exec inspect"));
  EXPECT_EQ(created.exit_code, -1); // null: not run yet
  EXPECT_FALSE(created.running);
  auto exited = ok(decode::exec(data("exec_inspect_exited.json"), "exec inspect"));
  EXPECT_EQ(exited.exit_code, 3);
  EXPECT_GT(exited.pid, 0);
  auto w = ok(decode::wait(data("container_wait.json"), "container wait"));
  EXPECT_EQ(w.status_code, 137);
  EXPECT_EQ(w.error, "");
  auto werr = ok(decode::wait(R"({"Error":{"Message":"boom"},"StatusCode":-1})", "wait"));
  EXPECT_EQ(werr.error, "boom");
  EXPECT_EQ(werr.status_code, -1);
}

TEST(Decode, StatsCgroupV1) {
  auto s = ok(decode::stats(data("stats_oneshot.json"), "stats"));
  EXPECT_EQ(s.read, "2026-11-28T23:37:15.821102331Z");
  EXPECT_EQ(s.pids, 2);
  EXPECT_EQ(s.memory_usage, 675840);
  EXPECT_EQ(s.memory_max_usage, 4079616);
  EXPECT_EQ(s.memory_limit, 25276510208);
  EXPECT_EQ(s.memory_rss, 114688);
  EXPECT_EQ(s.memory_cache, 0);
  EXPECT_EQ(s.cpu_total, 28827064);
  EXPECT_EQ(s.cpu_user, 20000000);
  EXPECT_EQ(s.system_cpu, 71923800000000);
  EXPECT_EQ(s.online_cpus, 2);
  EXPECT_EQ(s.pre_cpu_total, 0);
}

TEST(Decode, StatsCgroupV2) {
  auto s = ok(decode::stats(data("stats_oneshot_cgroup2.json"), "stats"));
  EXPECT_EQ(s.memory_rss, 245760);   // anon
  EXPECT_EQ(s.memory_cache, 8192);   // file
  EXPECT_EQ(s.memory_max_usage, 0);  // v2 has none
  EXPECT_EQ(s.memory_usage, 675840);
}

TEST(Decode, EventsOfAContainersLife) {
  std::vector<std::string> actions;
  for (const auto& line : lines_of(data("events_container_life.jsonl"))) {
    auto e = ok(decode::event(line, "events"));
    EXPECT_EQ(e.type, "container");
    EXPECT_EQ(e.id.size(), 64u);
    EXPECT_EQ(e.attributes.at("name"), "capture-4304");
    EXPECT_GT(e.time_nano, 0);
    if (e.action == "die") {
      EXPECT_EQ(e.attributes.at("exitCode"), "0");
    }
    actions.push_back(e.action);
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"create", "start", "kill", "die", "stop", "destroy"}));
}

TEST(Decode, EventsWithoutAttributesSkipThem) {
  for (const auto& line : lines_of(data("events_container_life.jsonl"))) {
    auto e = ok(decode::event(line, "events", false));
    EXPECT_EQ(e.id.size(), 64u);
    EXPECT_FALSE(e.action.empty());
    EXPECT_TRUE(e.attributes.empty());
  }
}

TEST(Decode, OldStyleEventFallsBackToStatusAndId) {
  auto e = ok(decode::event(R"({"status":"die","id":"abc","time":1})", "events"));
  EXPECT_EQ(e.action, "die");
  EXPECT_EQ(e.id, "abc");
}

TEST(Decode, PullProgressLines) {
  std::vector<std::string> statuses;
  for (const auto& line : lines_of(data("pull_layers.jsonl"))) {
    auto l = ok(decode::progress_line(line, "pull"));
    EXPECT_TRUE(l.error.empty());
    statuses.push_back(l.progress.status);
    if (l.progress.status == "Downloading" && l.progress.current == 1048576) {
      EXPECT_EQ(l.progress.total, 1048576);
    }
  }
  ASSERT_EQ(statuses.size(), 10u);
  EXPECT_EQ(statuses[8], "Digest: sha256:1f37fde2e13626f8ced10a21030eec337d30d463d69012f98ed5f97dfd1b28c3");
  auto recorded = lines_of(data("pull_good.jsonl"));
  ASSERT_EQ(recorded.size(), 3u);
  auto first = ok(decode::progress_line(recorded[0], "pull"));
  EXPECT_EQ(first.progress.id, "2");
  EXPECT_EQ(first.progress.status, "Pulling from stevedore/busybox");
}

TEST(Decode, PullErrorLine) {
  auto lines = lines_of(data("pull_error_line.jsonl"));
  auto l = ok(decode::progress_line(lines.back(), "pull"));
  EXPECT_EQ(l.error, "unauthorized: authentication required");
}

TEST(Decode, LoadStreamLine) {
  auto l = ok(decode::progress_line(R"({"stream":"Loaded image: stevedore-test/tarred:1\n"})", "load"));
  EXPECT_EQ(l.stream, "Loaded image: stevedore-test/tarred:1\n");
}

TEST(Decode, MalformedAnswersAreMalformedAndNameTheField) {
  struct bad_case {
    const char* name;
    std::string body;
    const char* in_message;
  };
  std::vector<bad_case> cases = {
    {"empty", "", "invalid JSON"},
    {"not json", "<html>bad gateway</html>", "invalid JSON"},
    {"truncated", R"({"Id":"abc","State":{"Status":"runn)", "invalid JSON"},
    {"unclosed object", R"({"Id":"abc","State":{"Status":"running")", "invalid JSON"},
    {"wrong type", R"({"Id":"abc","State":{"Pid":"seven"}})", "field State.Pid:"},
    {"array root", R"([1,2])", "invalid JSON"},
    {"trailing garbage", R"({"Id":"abc"} x)", "invalid JSON"},
    {"bad port", R"({"NetworkSettings":{"Ports":{"80/tcp":[{"HostIp":"","HostPort":"x"}]}}})",
     "field NetworkSettings.Ports.80/tcp.[0].HostPort:"},
  };
  for (const auto& c : cases) {
    auto r = decode::container(c.body, "container inspect web");
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.error().kind, errc::malformed_answer) << c.name;
    EXPECT_EQ(r.error().what, "container inspect web") << c.name;
    EXPECT_NE(r.error().message.find(c.in_message), std::string::npos)
      << c.name << ": " << r.error().message;
  }
}

TEST(Decode, NullsKeepDefaults) {
  auto i = ok(decode::image(R"({"Id":"sha256:x","RepoTags":null,"Config":{"Entrypoint":null,"Labels":null,"Cmd":"sh"}})",
                            "image inspect"));
  EXPECT_TRUE(i.entrypoint.empty());
  EXPECT_TRUE(i.labels.empty());
  EXPECT_EQ(i.cmd, (std::vector<std::string>{"sh"}));
}

TEST(Decode, HugeUnsignedSaturates) {
  auto s = ok(decode::stats(R"({"memory_stats":{"limit":18446744073709551615}})", "stats"));
  EXPECT_EQ(s.memory_limit, INT64_MAX);
}

} // namespace
} // namespace stevedore::docker
