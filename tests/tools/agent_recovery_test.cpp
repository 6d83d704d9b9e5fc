// Durable state against the real daemon: `stevedore agent` is killed with
// SIGKILL under running tasks and started again on the same state folder.
// A running container is re-attached (same container, not restarted, its
// log file goes on without a line lost, exec and stats work);
// a container that exited while the agent was away reports its real exit
// code, one removed meanwhile is reported lost, both go through the restart
// policy; the reconciler removes a container labelled for this node that no
// task holds and leaves other nodes' and foreign containers alone.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <simdjson.h>

#include "tests/support/integration_test.hpp"
#include "tests/tools/agent_http.hpp"
#include "tests/tools/agent_process.hpp"

namespace stevedore::agent::test {
namespace {

namespace fs = std::filesystem;

class agent_recovery : public testenv::integration_test {
protected:
  void SetUp() override {
    integration_test::SetUp();
    char tmpl[] = "/tmp/stevedore-recovery-it-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    job_ = "recov" + std::to_string(::getpid());
    node_ = "node-" + job_;
    std::ofstream(dir_ / "client.hcl")
      << "client {\n  options {\n    \"docker.endpoint\" = \"" << env_.docker_host
      << "\"\n    \"stevedore.fingerprint.period\" = \"1s\"\n    \"stevedore.node_id\" = \""
      << node_ << "\"\n    \"docker.cleanup.image\" = \"false\"\n  }\n}\n";
  }

  void TearDown() override {
    for (auto& a : agents_)
      a->kill();
    docker("rm -f $(DOCKER_HOST=" + env_.docker_host + " docker ps -aq --filter label=com.stevedore.job=" +
           job_ + ") >/dev/null 2>&1");
    for (const auto& name : made_)
      docker("rm -f " + name + " >/dev/null 2>&1");
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Starts an agent on the state folder; false when it does not serve.
  bool start_agent(std::vector<std::string> more = {}) {
    std::vector<std::string> args = {"agent", "--config", (dir_ / "client.hcl").string(), "--listen",
                                     "127.0.0.1:0", "--state-dir", (dir_ / "state").string()};
    args.insert(args.end(), more.begin(), more.end());
    agents_.push_back(std::make_unique<agent_process>());
    auto& a = *agents_.back();
    if (!a.start(args) || !a.wait_for("listening on http://", 30s))
      return false;
    port_ = a.port();
    return port_ != 0;
  }
  agent_process& agent() { return *agents_.back(); }

  int docker(const std::string& args) {
    return std::system(("DOCKER_HOST=" + env_.docker_host + " docker " + args).c_str());
  }
  std::string docker_out(const std::string& args) {
    FILE* p = ::popen(("DOCKER_HOST=" + env_.docker_host + " docker " + args + " 2>/dev/null").c_str(), "r");
    std::string out;
    if (!p)
      return out;
    char buf[512];
    while (std::fgets(buf, sizeof buf, p))
      out += buf;
    ::pclose(p);
    while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
      out.pop_back();
    return out;
  }
  int containers() {
    auto out = docker_out("ps -aq --filter label=com.stevedore.job=" + job_);
    return out.empty() ? 0 : static_cast<int>(std::count(out.begin(), out.end(), '\n') + 1);
  }

  std::string task_hcl(const std::string& name, const std::string& script) const {
    return "    task \"" + name + "\" {\n      driver = \"docker\"\n      kill_timeout = \"2s\"\n"
           "      config {\n        image = \"" + env_.image + "\"\n        command = \"sh\"\n"
           "        args = [\"-c\", \"" + script + "\"]\n      }\n    }\n";
  }
  std::string job_hcl(const std::string& tasks) const {
    return "job \"" + job_ + "\" {\n  group \"g\" {\n    restart {\n      attempts = 0\n"
           "      mode = \"fail\"\n    }\n" + tasks + "  }\n}\n";
  }
  // The ids of a submitted job's tasks.
  std::vector<std::string> submit(const std::string& hcl) {
    std::vector<std::string> ids;
    auto r = request(port_, "POST", "/v1/jobs", hcl);
    if (!r || r->status != 201)
      return ids;
    simdjson::dom::element e;
    simdjson::dom::array arr;
    if (parser_.parse(r->body).get(e) || e["task_ids"].get(arr))
      return ids;
    for (auto v : arr) {
      std::string_view id;
      if (!v.get(id))
        ids.emplace_back(id);
    }
    return ids;
  }
  std::string body_of(const std::string& id) {
    auto r = request(port_, "GET", "/v1/tasks/" + id);
    return r ? r->body : std::string();
  }
  std::string field(const std::string& id, const char* name) {
    simdjson::dom::element e;
    std::string_view v;
    auto body = body_of(id);
    if (parser_.parse(body).get(e) || e[name].get(v))
      return {};
    return std::string(v);
  }
  bool wait_state(const std::string& id, const std::string& want, std::chrono::seconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      if (field(id, "state") == want)
        return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }
  // The task's stdout log file: <state>/alloc/<alloc_id>/alloc/logs/<task>.stdout.0
  std::vector<std::string> log_lines(const std::string& id, const std::string& task) {
    auto alloc = id.substr(0, id.find('/'));
    std::ifstream in(dir_ / "state" / "alloc" / alloc / "alloc" / "logs" / (task + ".stdout.0"));
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);)
      out.push_back(line);
    return out;
  }

  fs::path dir_;
  std::string job_;
  std::string node_;
  std::vector<std::unique_ptr<agent_process>> agents_;
  std::vector<std::string> made_; // containers the test made itself
  std::uint16_t port_ = 0;
  simdjson::dom::parser parser_;
};

TEST_F(agent_recovery, a_running_task_is_reattached_after_sigkill_with_no_log_line_lost) {
  ASSERT_TRUE(start_agent()) << agent().output();
  auto ids = submit(job_hcl(task_hcl(
    "tick", "trap 'exit 0' TERM; i=0; while true; do echo line-$i; i=$((i+1)); sleep 0.05; done")));
  ASSERT_EQ(ids.size(), 1u);
  const auto id = ids[0];
  ASSERT_TRUE(wait_state(id, "running", 60s)) << body_of(id);
  const auto container = field(id, "container_id");
  ASSERT_FALSE(container.empty());
  const auto started = docker_out("inspect -f '{{.State.StartedAt}}' " + container);
  std::this_thread::sleep_for(700ms);
  ::kill(agent().pid(), SIGKILL);
  agent().kill(); // reaps it
  std::this_thread::sleep_for(700ms); // it goes on printing meanwhile

  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(start_agent()) << agent().output();
  ASSERT_TRUE(wait_state(id, "running", 10s)) << body_of(id);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  std::printf("recovery of 1 task on the real daemon: %lld ms to serve it running again\n",
              static_cast<long long>(took.count()));
  EXPECT_EQ(field(id, "container_id"), container) << "the same container";
  EXPECT_EQ(docker_out("inspect -f '{{.State.StartedAt}}' " + container), started) << "not restarted";
  EXPECT_NE(body_of(id).find("\"restarts\":0"), std::string::npos) << body_of(id);
  EXPECT_EQ(containers(), 1);

  // exec and stats work on the re-attached task.
  auto ex = request(port_, "POST", "/v1/tasks/" + id + "/exec", R"({"cmd":["echo","still-here"]})");
  ASSERT_TRUE(ex);
  EXPECT_EQ(ex->status, 200) << ex->body;
  EXPECT_NE(ex->body.find("still-here"), std::string::npos) << ex->body;
  auto st = request(port_, "GET", "/v1/tasks/" + id + "/stats");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->status, 200) << st->body;

  // The log file: line-0, line-1, ... none lost, past what was printed
  // while the agent was away, and none repeated: a batch that reached the
  // disk after the last position the store committed is cut off the file
  // when the next run resumes there (the daemon sends it again).
  std::this_thread::sleep_for(1s);
  auto lines = log_lines(id, "tick");
  ASSERT_GT(lines.size(), 30u);
  for (std::size_t i = 0; i < lines.size(); ++i)
    ASSERT_EQ(lines[i], "line-" + std::to_string(i)) << "a line lost or repeated at line " << i;
  std::printf("log lines after the SIGKILL: %zu written, none lost or repeated\n", lines.size());

  // Drained through the API: stopped, removed, nothing left to recover.
  auto drain = request(port_, "POST", "/v1/node/drain");
  ASSERT_TRUE(drain);
  EXPECT_EQ(drain->status, 202) << drain->body;
  EXPECT_NE(drain->body.find(id), std::string::npos) << drain->body;
  ASSERT_TRUE(wait_state(id, "cleaned", 20s)) << body_of(id);
  EXPECT_EQ(containers(), 0);
  agent().signal(SIGTERM);
  EXPECT_EQ(agent().wait_exit(20s), 0) << agent().output();
  ASSERT_TRUE(start_agent());
  auto list = request(port_, "GET", "/v1/tasks");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->body, "{\"tasks\":[]}") << "a drained task is not recovered";
}

TEST_F(agent_recovery, exits_and_losses_while_away_are_told_and_go_through_the_restart_policy) {
  ASSERT_TRUE(start_agent()) << agent().output();
  auto loop = "trap 'exit 0' TERM; while true; do sleep 0.2; done";
  auto ids = submit(job_hcl(task_hcl("dies", loop) + task_hcl("goes", loop)));
  ASSERT_EQ(ids.size(), 2u);
  ASSERT_TRUE(wait_state(ids[0], "running", 60s)) << body_of(ids[0]);
  ASSERT_TRUE(wait_state(ids[1], "running", 60s)) << body_of(ids[1]);
  const auto dies = field(ids[0], "container_id");
  const auto goes = field(ids[1], "container_id");
  // SIGTERM leaves them running; then one is killed, the other removed.
  agent().signal(SIGTERM);
  ASSERT_EQ(agent().wait_exit(20s), 0) << agent().output();
  agent().read_to_end(2s);
  EXPECT_NE(agent().output().find("leaving tasks running"), std::string::npos) << agent().output();
  EXPECT_EQ(containers(), 2) << "SIGTERM left the tasks running";
  ASSERT_EQ(docker("kill -s KILL " + dies + " >/dev/null"), 0);
  ASSERT_EQ(docker("rm -f " + goes + " >/dev/null"), 0);

  ASSERT_TRUE(start_agent()) << agent().output();
  ASSERT_TRUE(wait_state(ids[0], "failed", 20s)) << body_of(ids[0]);
  EXPECT_NE(body_of(ids[0]).find("\"exit_code\":137"), std::string::npos) << body_of(ids[0]);
  ASSERT_TRUE(wait_state(ids[1], "failed", 20s)) << body_of(ids[1]);
  EXPECT_NE(body_of(ids[1]).find("lost while stevedore was away"), std::string::npos)
    << body_of(ids[1]);
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (containers() > 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(100ms);
  EXPECT_EQ(containers(), 0) << "the dead container was removed";
}

TEST_F(agent_recovery, the_reconciler_removes_only_this_nodes_unheld_containers) {
  auto run = [&](const std::string& name, const std::string& labels) {
    made_.push_back(name);
    return docker("run -d --name " + name + " " + labels + " " + env_.image +
                  " sleep 30 >/dev/null");
  };
  const auto orphan = job_ + "-orphan", other = job_ + "-other", foreign = job_ + "-foreign";
  ASSERT_EQ(run(orphan, "--label com.stevedore.node=" + node_ + " --label com.stevedore.job=" + job_), 0);
  ASSERT_EQ(run(other, "--label com.stevedore.node=another-" + node_), 0);
  ASSERT_EQ(run(foreign, "--label app=" + job_), 0);
  ASSERT_TRUE(start_agent({"--reconcile-grace", "0s", "--reconcile-interval", "300ms"}))
    << agent().output();
  auto events = request(port_, "GET", "/v1/tasks"); // the agent serves
  ASSERT_TRUE(events);
  const auto until = std::chrono::steady_clock::now() + 15s;
  while (!docker_out("ps -aq --filter name=^" + orphan + "$").empty() &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(docker_out("ps -aq --filter name=^" + orphan + "$").empty()) << "the orphan was removed";
  EXPECT_FALSE(docker_out("ps -aq --filter name=^" + other + "$").empty()) << "another node's stays";
  EXPECT_FALSE(docker_out("ps -aq --filter name=^" + foreign + "$").empty()) << "a foreign one stays";
}

TEST_F(agent_recovery, dry_run_only_reports) {
  const auto orphan = job_ + "-dry";
  made_.push_back(orphan);
  ASSERT_EQ(docker("run -d --name " + orphan + " --label com.stevedore.node=" + node_ + " " +
                   env_.image + " sleep 30 >/dev/null"),
            0);
  ASSERT_TRUE(start_agent({"--reconcile-grace", "0s", "--reconcile-interval", "200ms",
                           "--reconcile-dry-run"}))
    << agent().output();
  std::this_thread::sleep_for(1500ms);
  EXPECT_FALSE(docker_out("ps -aq --filter name=^" + orphan + "$").empty()) << "dry run removes nothing";
}

} // namespace
} // namespace stevedore::agent::test
