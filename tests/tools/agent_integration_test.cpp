// `stevedore agent` as a process against the test environment's real daemon,
// driven only through its HTTP API: a busybox job is submitted, seen running
// with its state history, its logs read (and followed), its stats, exec'd
// into, signalled, stopped until its container is gone, all counted by
// /metrics; unknown tasks are 404 and malformed jobs 400; a bearer token
// guards the API; a public address without a token is refused at start;
// SIGTERM with --stop-tasks-on-exit ends the agent with exit 0 and leaves
// none of its containers.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include <simdjson.h>

#include "tests/support/integration_test.hpp"
#include "tests/tools/agent_http.hpp"
#include "tests/tools/agent_process.hpp"

namespace stevedore::agent::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

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
    std::vector<std::string> args = {"agent", "--config", (dir_ / "client.hcl").string(), "--listen",
                                     "127.0.0.1:0", "--state-dir", (dir_ / "state").string()};
    for (auto& a : extra_args())
      args.push_back(std::move(a));
    ASSERT_TRUE(agent_.start(args));
    ASSERT_TRUE(agent_.wait_for("listening on http://", 30s)) << agent_.output();
    port_ = agent_.port();
    ASSERT_NE(port_, 0) << agent_.output();
  }
  // More arguments for `stevedore agent` (the folder dir_ exists by then).
  virtual std::vector<std::string> extra_args() { return {}; }

  void TearDown() override {
    // Whatever happened, no container of this job stays behind (the agent,
    // if a failed test left it running, first: it would not make more).
    agent_.kill();
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
           "trap 'exit 0' TERM; trap 'echo got-usr1' USR1; while true; do sleep 1; done\"]\n      }\n    }\n  }\n}\n";
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

// The whole life of one task through the API, on one container.
TEST_F(agent_live, job_runs_shows_logs_stats_execs_signals_stops_and_is_counted) {
  auto r = request(port_, "POST", "/v1/jobs", hcl());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  simdjson::dom::element e;
  ASSERT_FALSE(parser_.parse(r->body).get(e));
  std::string_view id_view;
  ASSERT_FALSE(e["task_ids"].at(0).get(id_view)) << r->body;
  const std::string id(id_view);
  ASSERT_TRUE(wait_state(id, {"running"}, 60s)) << state_of(id);
  EXPECT_EQ(containers(), 1);

  // list and show: the task, its container and how it got to running.
  auto list = request(port_, "GET", "/v1/tasks");
  ASSERT_TRUE(list);
  EXPECT_NE(list->body.find("\"id\":\"" + id + "\""), std::string::npos) << list->body;
  EXPECT_NE(list->body.find("\"state\":\"running\""), std::string::npos) << list->body;
  auto show = request(port_, "GET", "/v1/tasks/" + id);
  ASSERT_TRUE(show);
  ASSERT_EQ(show->status, 200) << show->body;
  {
    simdjson::dom::element t;
    ASSERT_FALSE(parser_.parse(show->body).get(t)) << show->body;
    std::string_view container, job;
    ASSERT_FALSE(t["container_id"].get(container)) << show->body;
    EXPECT_FALSE(container.empty()) << show->body;
    ASSERT_FALSE(t["job"].get(job));
    EXPECT_EQ(job, job_);
    simdjson::dom::array history;
    ASSERT_FALSE(t["history"].get(history)) << show->body;
    std::vector<std::string> states;
    for (auto h : history) {
      std::string_view st;
      ASSERT_FALSE(h["state"].get(st));
      states.emplace_back(st);
    }
    ASSERT_FALSE(states.empty());
    EXPECT_EQ(states.front(), "pending") << show->body;
    EXPECT_EQ(states.back(), "running") << show->body;
    EXPECT_NE(std::find(states.begin(), states.end(), "starting"), states.end()) << show->body;
  }
  // The id may also be written percent-encoded.
  std::string encoded = id;
  encoded.replace(encoded.find('/'), 1, "%2F");
  auto show_encoded = request(port_, "GET", "/v1/tasks/" + encoded);
  ASSERT_TRUE(show_encoded);
  EXPECT_EQ(show_encoded->status, 200) << show_encoded->body;

  // logs: followed from here to the task's end.
  http_conn follow(port_);
  ASSERT_TRUE(follow.send("GET", "/v1/tasks/" + id + "/logs?stream=stdout&follow=1"));
  ASSERT_TRUE(follow.read_until("hello-from-agent\n", 20s)) << follow.raw();
  auto err = request(port_, "GET", "/v1/tasks/" + id + "/logs?stream=stderr");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->status, 200) << err->body;
  EXPECT_EQ(err->body, "oops\n");

  // exec: both streams and the exit code.
  auto ex = request(port_, "POST", "/v1/tasks/" + id + "/exec",
                    R"({"cmd":["sh","-c","echo hi; echo err >&2; exit 7"]})");
  ASSERT_TRUE(ex);
  ASSERT_EQ(ex->status, 200) << ex->body;
  EXPECT_NE(ex->body.find("\"exit_code\":7"), std::string::npos) << ex->body;
  EXPECT_NE(ex->body.find("\"stdout\":\"hi\\n\""), std::string::npos) << ex->body;
  EXPECT_NE(ex->body.find("\"stderr\":\"err\\n\""), std::string::npos) << ex->body;
  EXPECT_NE(ex->body.find("\"truncated\":false"), std::string::npos) << ex->body;
  auto missing = request(port_, "POST", "/v1/tasks/" + id + "/exec", R"({"cmd":["no-such-command"]})");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 200) << missing->body;
  {
    // The runtime's own failure (126 from runc, 127 from a shell) is the
    // command's result, not an API error.
    simdjson::dom::element x;
    ASSERT_FALSE(parser_.parse(missing->body).get(x)) << missing->body;
    std::int64_t code = 0;
    ASSERT_FALSE(x["exit_code"].get(code));
    EXPECT_TRUE(code == 126 || code == 127) << missing->body;
    EXPECT_NE(missing->body.find("no-such-command"), std::string::npos) << missing->body;
  }

  // Output past the cap (1 MiB) is cut, the command still runs to its end.
  auto big = request(port_, "POST", "/v1/tasks/" + id + "/exec",
                     R"({"cmd":["sh","-c","yes | head -c 1500000; exit 3"]})");
  ASSERT_TRUE(big);
  ASSERT_EQ(big->status, 200) << big->body.substr(0, 200);
  {
    simdjson::dom::element x;
    ASSERT_FALSE(parser_.parse(big->body).get(x));
    std::int64_t code = 0;
    bool truncated = false;
    std::string_view out;
    ASSERT_FALSE(x["exit_code"].get(code));
    ASSERT_FALSE(x["truncated"].get(truncated));
    ASSERT_FALSE(x["stdout"].get(out));
    EXPECT_EQ(code, 3);
    EXPECT_TRUE(truncated);
    EXPECT_EQ(out.size(), 1u << 20);
  }

  // A command that outlives the request's timeout: 504 naming the task, in
  // about that time, not when the command ends.
  auto t0 = std::chrono::steady_clock::now();
  auto slow = request(port_, "POST", "/v1/tasks/" + id + "/exec",
                      R"({"cmd":["sleep","600"],"timeout":"1s"})");
  ASSERT_TRUE(slow);
  EXPECT_EQ(slow->status, 504) << slow->body;
  EXPECT_NE(slow->body.find("exec in task " + id + ": still running after 1s"), std::string::npos)
    << slow->body;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 30s);

  // signal: the task's shell traps it and says so on stdout.
  auto sig = request(port_, "POST", "/v1/tasks/" + id + "/signal", R"({"signal":"SIGUSR1"})");
  ASSERT_TRUE(sig);
  EXPECT_EQ(sig->status, 200) << sig->body;
  EXPECT_TRUE(follow.read_until("got-usr1\n", 20s)) << follow.raw();

  // stats: sampled every second by the supervisor.
  std::optional<http_reply> stats;
  for (int i = 0; i < 100; ++i) {
    stats = request(port_, "GET", "/v1/tasks/" + id + "/stats");
    if (!stats || stats->status == 200)
      break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(stats);
  ASSERT_EQ(stats->status, 200) << stats->body;
  {
    simdjson::dom::element st;
    ASSERT_FALSE(parser_.parse(stats->body).get(st)) << stats->body;
    std::int64_t usage = 0, samples = 0;
    ASSERT_FALSE(st["memory"]["usage"].get(usage)) << stats->body;
    ASSERT_FALSE(st["samples"].get(samples)) << stats->body;
    EXPECT_GT(usage, 0) << stats->body;
    EXPECT_GE(samples, 1) << stats->body;
  }

  auto images = request(port_, "GET", "/v1/images");
  ASSERT_TRUE(images);
  EXPECT_EQ(images->status, 200) << images->body;
  EXPECT_NE(images->body.find(id), std::string::npos) << images->body; // the task holds its image

  // metrics: tasks by state and the latency of every Engine API call made.
  auto metrics = request(port_, "GET", "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  const std::string& m = metrics->body;
  EXPECT_NE(m.find("stevedore_tasks{state=\"running\"} 1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("stevedore_tasks{state=\"failed\"} 0\n"), std::string::npos) << m;
  EXPECT_NE(m.find("# TYPE stevedore_engine_api_call_duration_seconds histogram\n"), std::string::npos) << m;
  for (const char* call : {"container_create", "container_start"}) {
    const std::string label = std::string("{call=\"") + call + "\"";
    EXPECT_NE(m.find("stevedore_engine_api_call_duration_seconds_count" + label + "} 1\n"), std::string::npos)
      << call << "\n" << m;
    EXPECT_NE(m.find("stevedore_engine_api_call_duration_seconds_bucket" + label + ",le=\"+Inf\"} 1\n"),
              std::string::npos) << call << "\n" << m;
  }
  EXPECT_NE(m.find("stevedore_engine_api_call_duration_seconds_count{call=\"exec_create\"} 4\n"),
            std::string::npos) << m;

  // stop: the follow ends with everything the task printed, then the
  // container goes.
  auto stop = request(port_, "POST", "/v1/tasks/" + id + "/stop");
  ASSERT_TRUE(stop);
  EXPECT_EQ(stop->status, 202) << stop->body;
  auto followed = follow.read_reply(30s);
  ASSERT_TRUE(followed) << follow.raw();
  EXPECT_EQ(followed->status, 200);
  EXPECT_EQ(followed->body, "hello-from-agent\ngot-usr1\n");
  EXPECT_TRUE(wait_state(id, {"cleaned"}, 30s)) << state_of(id);
  EXPECT_EQ(containers(), 0);
  auto ended = request(port_, "GET", "/v1/tasks/" + id);
  ASSERT_TRUE(ended);
  EXPECT_NE(ended->body.find("\"state\":\"stopping\""), std::string::npos) << ended->body;
  EXPECT_NE(ended->body.find("\"exit_code\":0"), std::string::npos) << ended->body;
  // An ended task cannot be exec'd into.
  auto late = request(port_, "POST", "/v1/tasks/" + id + "/exec", R"({"cmd":["true"]})");
  ASSERT_TRUE(late);
  EXPECT_EQ(late->status, 409) << late->body;

  agent_.signal(SIGTERM);
  EXPECT_EQ(agent_.wait_exit(30s), 0) << agent_.output();
}

TEST_F(agent_live, unknown_tasks_are_404_and_malformed_jobs_400) {
  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
         {"GET", "/v1/tasks/nosuchalloc/web"},
         {"POST", "/v1/tasks/nosuchalloc/web/stop"},
         {"GET", "/v1/tasks/nosuchalloc/web/logs"},
         {"GET", "/v1/tasks/nosuchalloc/web/stats"}}) {
    auto r = request(port_, method, target);
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 404) << target << ": " << r->body;
    EXPECT_NE(r->body.find("\"error\":\"task nosuchalloc/web"), std::string::npos) << r->body;
  }
  auto ex = request(port_, "POST", "/v1/tasks/nosuchalloc/web/exec", R"({"cmd":["true"]})");
  ASSERT_TRUE(ex);
  EXPECT_EQ(ex->status, 404) << ex->body;
  auto sig = request(port_, "POST", "/v1/tasks/nosuchalloc/web/signal", R"({"signal":"SIGHUP"})");
  ASSERT_TRUE(sig);
  EXPECT_EQ(sig->status, 404) << sig->body;

  auto broken = request(port_, "POST", "/v1/jobs", "job \"" + job_ + "\" {\n  group \"g\" {\n");
  ASSERT_TRUE(broken);
  EXPECT_EQ(broken->status, 400) << broken->body;
  EXPECT_NE(broken->body.find("\"error\":\"body"), std::string::npos) << broken->body;
  std::string no_image = hcl();
  no_image.replace(no_image.find("image"), 5, "imagex");
  auto bad_field = request(port_, "POST", "/v1/jobs", no_image);
  ASSERT_TRUE(bad_field);
  EXPECT_EQ(bad_field->status, 400) << bad_field->body;
  EXPECT_NE(bad_field->body.find("imagex"), std::string::npos) << bad_field->body;
  auto bad_json = request(port_, "POST", "/v1/jobs", "{\"Job\": ");
  ASSERT_TRUE(bad_json);
  EXPECT_EQ(bad_json->status, 400) << bad_json->body;
  // Nothing reached the daemon, and the agent still serves.
  EXPECT_EQ(containers(), 0);
  auto list = request(port_, "GET", "/v1/tasks");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->body, "{\"tasks\":[]}");
  agent_.signal(SIGTERM);
  EXPECT_EQ(agent_.wait_exit(30s), 0) << agent_.output();
}

// With --stop-tasks-on-exit, SIGTERM stops the tasks before the exit (by
// default they keep running for the next start: agent_recovery_test).
class agent_stopping_tasks : public agent_live {
protected:
  std::vector<std::string> extra_args() override { return {"--stop-tasks-on-exit"}; }
};

TEST_F(agent_stopping_tasks, sigterm_stops_running_tasks_and_leaves_no_container) {
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

// The agent with a bearer token: every request must carry it.
class agent_with_token : public agent_live {
protected:
  std::vector<std::string> extra_args() override {
    std::ofstream(dir_ / "token") << "s3cret-agent-token\n";
    // A token file others can read is refused at start.
    fs::permissions(dir_ / "token", fs::perms::owner_read | fs::perms::owner_write);
    return {"--token-file", (dir_ / "token").string()};
  }
};

TEST_F(agent_with_token, requests_without_the_token_are_401) {
  auto none = request(port_, "GET", "/v1/tasks");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401) << none->body;
  EXPECT_EQ(none->header("www-authenticate"), "Bearer");
  auto wrong = request(port_, "GET", "/v1/tasks", "", "Authorization: Bearer s3cret-agent-tokem\r\n");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401) << wrong->body;
  // A job without the token never reaches the supervisor.
  auto job = request(port_, "POST", "/v1/jobs", hcl());
  ASSERT_TRUE(job);
  EXPECT_EQ(job->status, 401) << job->body;
  auto good = request(port_, "GET", "/v1/tasks", "", "Authorization: Bearer s3cret-agent-token\r\n");
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 200) << good->body;
  EXPECT_EQ(good->body, "{\"tasks\":[]}");
  EXPECT_EQ(containers(), 0);
  agent_.signal(SIGTERM);
  EXPECT_EQ(agent_.wait_exit(30s), 0) << agent_.output();
}

// Serving anything but loopback without a token is refused before anything
// starts: exit 1 and one line saying why (no daemon is needed to see it).
TEST(agent_start, public_address_without_a_token_is_refused) {
  agent_process agent;
  ASSERT_TRUE(agent.start({"agent", "--listen", "0.0.0.0:4680", "--state-dir",
                           "/nonexistent-stevedore-state"},
                          true));
  agent.read_to_end(30s);
  EXPECT_EQ(agent.wait_exit(30s), 1) << agent.output();
  EXPECT_EQ(agent.output(),
            "stevedore agent: listen 0.0.0.0:4680: not a loopback address; serving it needs a "
            "bearer token (--token-file)\n");
}

} // namespace
} // namespace stevedore::agent::test
