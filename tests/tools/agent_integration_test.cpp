// `stevedore agent` against the test environment's real daemon, driven only
// through its HTTP API: a busybox job is submitted, seen running, exec'd
// into, its logs read, stopped, counted by /metrics; SIGTERM ends the agent
// with exit 0 and leaves none of its containers behind.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <simdjson.h>

#include "tests/support/integration_test.hpp"
#include "tests/tools/agent_http.hpp"

namespace stevedore::agent::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// The agent as a child process, its stdout read through a pipe.
class agent_process {
public:
  bool start(const std::vector<std::string>& args) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0)
      return false;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      std::vector<char*> argv;
      std::string bin = STEVEDORE_BIN;
      argv.push_back(bin.data());
      std::vector<std::string> copy = args;
      for (auto& a : copy)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(bin.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    fd_ = out[0];
    return pid_ > 0;
  }
  // Reads stdout until `needle`; true when seen within `timeout`.
  bool wait_for(const std::string& needle, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (out_.find(needle) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0)
        return false;
      char buf[4096];
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0)
        return false;
      out_.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }
  // The port from "listening on http://127.0.0.1:PORT".
  std::uint16_t port() const {
    const std::string key = "listening on http://127.0.0.1:";
    auto at = out_.find(key);
    return at == std::string::npos ? 0 : static_cast<std::uint16_t>(std::stoi(out_.substr(at + key.size())));
  }
  void signal(int sig) { ::kill(pid_, sig); }
  // The exit code, or -1 when it did not exit normally within `timeout`.
  int wait_exit(std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(50ms);
    }
    return -1;
  }
  const std::string& output() const { return out_; }
  ~agent_process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0)
      ::close(fd_);
  }

private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string out_;
};

class agent_live : public testenv::integration_test {
protected:
  void SetUp() override {
    integration_test::SetUp();
    char tmpl[] = "/tmp/stevedore-agent-it-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    job_ = "agentit" + std::to_string(::getpid());
    std::ofstream(dir_ / "client.hcl")
      << "client {\n  options {\n    \"docker.endpoint\" = \"" << env_.docker_host
      << "\"\n    \"stevedore.fingerprint.period\" = \"1s\"\n    \"stevedore.stats.interval\" = \"1s\"\n"
      << "    \"docker.cleanup.image\" = \"false\"\n  }\n}\n";
    ASSERT_TRUE(agent_.start({"agent", "--config", (dir_ / "client.hcl").string(), "--listen",
                              "127.0.0.1:0", "--state-dir", (dir_ / "state").string()}));
    ASSERT_TRUE(agent_.wait_for("listening on http://", 30s)) << agent_.output();
    port_ = agent_.port();
    ASSERT_NE(port_, 0) << agent_.output();
  }
  void TearDown() override {
    // Whatever happened, no container of this job stays behind.
    std::system(("DOCKER_HOST=" + env_.docker_host + " docker rm -f $(DOCKER_HOST=" +
                 env_.docker_host + " docker ps -aq --filter label=com.stevedore.job=" + job_ +
                 ") >/dev/null 2>&1")
                  .c_str());
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Containers of this job on the daemon, running or not.
  int containers() {
    const std::string cmd = "DOCKER_HOST=" + env_.docker_host +
                            " docker ps -aq --filter label=com.stevedore.job=" + job_ + " | wc -l";
    FILE* p = ::popen(cmd.c_str(), "r");
    int n = -1;
    if (p) {
      if (std::fscanf(p, "%d", &n) != 1)
        n = -1;
      ::pclose(p);
    }
    return n;
  }

  std::string hcl() const {
    return "job \"" + job_ + "\" {\n  group \"g\" {\n    task \"echo\" {\n      driver = \"docker\"\n"
           "      kill_timeout = \"2s\"\n      config {\n        image = \"" + env_.image + "\"\n"
           "        command = \"sh\"\n        args = [\"-c\", \"echo hello-from-agent; echo oops >&2; "
           "trap 'exit 0' TERM; while true; do sleep 1; done\"]\n      }\n    }\n  }\n}\n";
  }

  // The task's state from GET /v1/tasks/{id}.
  std::string state_of(const std::string& id) {
    auto r = request(port_, "GET", "/v1/tasks/" + id);
    if (!r || r->status != 200)
      return "<" + (r ? r->body : std::string("no answer")) + ">";
    std::string_view s;
    simdjson::dom::element e;
    if (parser_.parse(r->body).get(e) || e["state"].get(s))
      return "<bad json>";
    return std::string(s);
  }
  bool wait_state(const std::string& id, std::initializer_list<const char*> states,
                  std::chrono::seconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      const std::string s = state_of(id);
      for (const char* want : states)
        if (s == want)
          return true;
      if (s == "failed")
        return false;
      std::this_thread::sleep_for(200ms);
    }
    return false;
  }

  fs::path dir_;
  std::string job_;
  agent_process agent_;
  std::uint16_t port_ = 0;
  simdjson::dom::parser parser_;
};

TEST_F(agent_live, job_runs_execs_logs_stops_and_is_counted) {
  auto r = request(port_, "POST", "/v1/jobs", hcl());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  simdjson::dom::element e;
  ASSERT_FALSE(parser_.parse(r->body).get(e));
  std::string_view id_view;
  ASSERT_FALSE(e["task_ids"].at(0).get(id_view)) << r->body;
  const std::string id(id_view);
  ASSERT_TRUE(wait_state(id, {"running"}, 60s)) << state_of(id);

  auto list = request(port_, "GET", "/v1/tasks");
  ASSERT_TRUE(list);
  EXPECT_NE(list->body.find("\"id\":\"" + id + "\""), std::string::npos) << list->body;
  EXPECT_NE(list->body.find("\"state\":\"running\""), std::string::npos) << list->body;

  auto ex = request(port_, "POST", "/v1/tasks/" + id + "/exec", R"({"cmd":["sh","-c","echo hi; exit 7"]})");
  ASSERT_TRUE(ex);
  ASSERT_EQ(ex->status, 200) << ex->body;
  EXPECT_NE(ex->body.find("\"exit_code\":7"), std::string::npos) << ex->body;
  EXPECT_NE(ex->body.find("\"stdout\":\"hi\\n\""), std::string::npos) << ex->body;

  std::string out;
  for (int i = 0; i < 100 && out.find("hello-from-agent") == std::string::npos; ++i) {
    auto lr = request(port_, "GET", "/v1/tasks/" + id + "/logs?stream=stdout");
    ASSERT_TRUE(lr);
    ASSERT_EQ(lr->status, 200) << lr->body;
    out = lr->body;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(out.find("hello-from-agent"), std::string::npos) << out;
  auto err = request(port_, "GET", "/v1/tasks/" + id + "/logs?stream=stderr");
  ASSERT_TRUE(err);
  EXPECT_NE(err->body.find("oops"), std::string::npos) << err->body;

  auto metrics = request(port_, "GET", "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("stevedore_tasks{state=\"running\"} 1\n"), std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("stevedore_engine_api_call_duration_seconds_count{call=\"container_create\"} 1\n"),
            std::string::npos) << metrics->body;

  auto stop = request(port_, "POST", "/v1/tasks/" + id + "/stop");
  ASSERT_TRUE(stop);
  EXPECT_EQ(stop->status, 202) << stop->body;
  EXPECT_TRUE(wait_state(id, {"exited", "cleaned"}, 30s)) << state_of(id);
  EXPECT_TRUE(wait_state(id, {"cleaned"}, 30s)) << state_of(id);
  EXPECT_EQ(containers(), 0);

  agent_.signal(SIGTERM);
  EXPECT_EQ(agent_.wait_exit(30s), 0) << agent_.output();
}

TEST_F(agent_live, sigterm_stops_running_tasks_and_leaves_no_container) {
  auto r = request(port_, "POST", "/v1/jobs", hcl());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  const auto at = r->body.find("\"task_ids\":[\"") + 13;
  const std::string id = r->body.substr(at, r->body.find('"', at) - at);
  ASSERT_TRUE(wait_state(id, {"running"}, 60s)) << state_of(id);
  EXPECT_EQ(containers(), 1);
  agent_.signal(SIGTERM);
  EXPECT_EQ(agent_.wait_exit(60s), 0) << agent_.output();
  EXPECT_EQ(containers(), 0);
}

TEST_F(agent_live, sigint_on_an_idle_agent_exits_0) {
  auto node = request(port_, "GET", "/v1/node");
  ASSERT_TRUE(node);
  EXPECT_NE(node->body.find("driver.docker"), std::string::npos) << node->body;
  agent_.signal(SIGINT);
  EXPECT_EQ(agent_.wait_exit(30s), 0) << agent_.output();
}

} // namespace
} // namespace stevedore::agent::test
