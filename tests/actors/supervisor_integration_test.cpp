// The supervisor through the embedding API, with the real Engine API client,
// against the test environment's dockerd: exit codes and logs, a trapping
// shell stopped by SIGTERM, SIGKILL after the kill timeout, the image's
// STOPSIGNAL, and a published port reachable on 127.0.0.1. One container per
// test, removed by the task itself (checked).
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <thread>
#include <fstream>
#include <sstream>

#include "actors/stevedore.hpp"
#include "policy/rules.hpp"
#include "tests/actors/live_support.hpp"
#include "tests/support/integration_test.hpp"

namespace stevedore {
namespace {

using namespace std::chrono_literals;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One HTTP GET to 127.0.0.1:port; the answer's first line, or empty.
std::string http_get_status(std::int64_t port) {
  auto answer = live::http_get(port);
  return answer.substr(0, answer.find("\r\n"));
}

class SupervisorLive : public testenv::integration_test {
protected:
  void SetUp() override {
    testenv::integration_test::SetUp();
    if (HasFatalFailure())
      return;
    char tmpl[] = "/tmp/stevedore-sup-live-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    supervisor_options opts;
    opts.client.endpoint = env_.docker_host;
    opts.state_dir = dir_;
    auto sup = supervisor::create(std::move(opts));
    ASSERT_TRUE(sup.ok()) << to_string(sup.error());
    sup_ = std::move(*sup);
    docker_ = sup_->docker();
  }

  void TearDown() override {
    if (sup_) {
      EXPECT_TRUE(sup_->shutdown().ok());
    }
    if (!dir_.empty())
      std::filesystem::remove_all(dir_);
  }

  // Starts the job's one task; its id.
  std::string start(const std::string& hcl) {
    auto job = policy::read_job(hcl, "live.nomad");
    EXPECT_TRUE(job.ok()) << (job.problems.empty() ? "" : to_string(job.problems.front()));
    auto ids = sup_->start_job(job.value);
    EXPECT_TRUE(ids.ok()) << to_string(ids.error());
    if (!ids.ok() || ids->size() != 1)
      return {};
    return ids->front();
  }

  task_status wait_state(const std::string& id, task_state st, std::chrono::seconds limit = 30s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    task_status now;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = sup_->status(id);
      if (r.ok()) {
        now = *r;
        if (now.state == st || is_terminal(now.state))
          return now;
      }
      std::this_thread::sleep_for(50ms);
    }
    return now;
  }

  bool container_gone(const std::string& name) {
    std::promise<bool> gone;
    docker_->container_inspect(name, [&](result<container_info> r) {
      gone.set_value(!r.ok() && r.error().kind == errc::not_found);
    });
    return gone.get_future().get();
  }

  std::string logs_of(const std::string& id, const std::string& stream) {
    auto inst = sup_->instance(id);
    if (!inst.ok())
      return {};
    return read_file(inst->shared_dir() + "/logs/" + inst->task->name + "." + stream + ".0");
  }

  std::string dir_;
  std::unique_ptr<supervisor> sup_;
  std::shared_ptr<docker::client> docker_;
};

std::string job(const std::string& task_body, const std::string& image) {
  return R"(job "live" {
  group "g" {
    restart {
      attempts = 0
      mode     = "fail"
    }
    task "t" {
      driver = "docker"
      kill_timeout = "1s"
      config {
        image = ")" + image + R"("
)" + task_body + R"(
      }
    }
  }
})";
}

TEST_F(SupervisorLive, ExitCodeAndBothLogStreams) {
  auto id = start(job(R"(command = "/bin/sh"
        args = ["-c", "echo hi; echo oops >&2; exit 3"])", env_.image));
  ASSERT_FALSE(id.empty());
  auto st = sup_->wait(id, 60s);
  ASSERT_TRUE(st.ok()) << to_string(st.error());
  EXPECT_EQ(st->state, task_state::failed);
  EXPECT_EQ(st->exit.exit_code, 3);
  EXPECT_EQ(st->exit.signal, "");
  EXPECT_EQ(logs_of(id, "stdout"), "hi\n");
  EXPECT_EQ(logs_of(id, "stderr"), "oops\n");
  EXPECT_TRUE(container_gone(st->container_name));
}

TEST_F(SupervisorLive, AnOomKillIsReportedFromInspect) {
  auto id = start(R"HCL(job "live" {
  group "g" {
    restart {
      attempts = 0
      mode     = "fail"
    }
    task "t" {
      driver = "docker"
      config {
        image   = ")HCL" + env_.image + R"HCL("
        command = "/bin/sh"
        args    = ["-c", "x=$(dd if=/dev/zero bs=1M count=200 2>/dev/null | tr '\\000' a)"]
      }
      resources {
        memory = 20
      }
    }
  }
})HCL");
  ASSERT_FALSE(id.empty());
  auto st = sup_->wait(id, 60s);
  ASSERT_TRUE(st.ok()) << to_string(st.error());
  EXPECT_EQ(st->state, task_state::failed);
  EXPECT_TRUE(st->exit.oom_killed);
  EXPECT_EQ(st->exit.exit_code, 137);
  EXPECT_EQ(st->exit.signal, "SIGKILL");
  EXPECT_TRUE(container_gone(st->container_name));
}

TEST_F(SupervisorLive, ATrappingShellStopsOnSigterm) {
  auto id = start(job(R"(command = "/bin/sh"
        args = ["-c", "trap 'echo got TERM; exit 0' TERM; echo ready; while true; do sleep 0.1; done"])",
                      env_.image));
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(wait_state(id, task_state::running).state, task_state::running);
  auto asked = std::chrono::steady_clock::now();
  ASSERT_TRUE(sup_->stop(id).ok());
  auto st = sup_->wait(id, 60s);
  ASSERT_TRUE(st.ok()) << to_string(st.error());
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 1s) << "ended by SIGTERM, before the kill timeout";
  EXPECT_EQ(st->state, task_state::cleaned);
  EXPECT_EQ(st->exit.exit_code, 0);
  EXPECT_NE(logs_of(id, "stdout").find("got TERM"), std::string::npos);
  EXPECT_TRUE(container_gone(st->container_name));
}

TEST_F(SupervisorLive, SleepAsPid1IsKilledAfterTheKillTimeout) {
  auto id = start(job(R"(command = "sleep"
        args = ["1000"])", env_.image));
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(wait_state(id, task_state::running).state, task_state::running);
  auto asked = std::chrono::steady_clock::now();
  ASSERT_TRUE(sup_->stop(id).ok());
  auto st = sup_->wait(id, 60s);
  ASSERT_TRUE(st.ok()) << to_string(st.error());
  EXPECT_GE(std::chrono::steady_clock::now() - asked, 1s) << "SIGTERM is ignored by PID 1";
  EXPECT_EQ(st->exit.exit_code, 137);
  EXPECT_EQ(st->exit.signal, "SIGKILL");
  EXPECT_EQ(st->state, task_state::cleaned);
  EXPECT_TRUE(container_gone(st->container_name));
}

TEST_F(SupervisorLive, ImageStopSignalAndAPublishedPort) {
  auto id = start(R"(job "live" {
  group "g" {
    task "t" {
      driver = "docker"
      kill_timeout = "5s"
      config {
        image    = ")" + env_.image_full + R"("
        port_map {
          http = 8080
        }
      }
      resources {
        network {
          port "http" {}
        }
      }
    }
  }
})");
  ASSERT_FALSE(id.empty());
  auto running = wait_state(id, task_state::running);
  ASSERT_EQ(running.state, task_state::running);
  ASSERT_EQ(running.ports.size(), 1u);
  EXPECT_EQ(running.ports[0].container_port, 8080);
  auto port = running.ports[0].host_port;
  std::string answer;
  for (int i = 0; i < 50 && answer.empty(); ++i) { // httpd starts after the container
    answer = http_get_status(port);
    if (answer.empty())
      std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(answer.rfind("HTTP/1.", 0), 0u) << "127.0.0.1:" << port << " answered '" << answer << "'";
  result<task_stats> stats = make_error(errc::not_found, "stats", "none yet");
  for (int i = 0; i < 60 && !(stats.ok() && stats->samples > 0); ++i) {
    stats = sup_->stats(id);
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(stats.ok()) << to_string(stats.error());
  EXPECT_GT(stats->memory_usage, 0) << "the stats poller samples the running task";
  auto asked = std::chrono::steady_clock::now();
  ASSERT_TRUE(sup_->stop(id).ok());
  auto st = sup_->wait(id, 60s);
  ASSERT_TRUE(st.ok()) << to_string(st.error());
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 5s) << "SIGUSR1 ends it, no SIGKILL needed";
  EXPECT_EQ(st->exit.exit_code, 0);
  EXPECT_NE(logs_of(id, "stdout").find("stopped by SIGUSR1"), std::string::npos);
  EXPECT_TRUE(container_gone(st->container_name));
}

} // namespace
} // namespace stevedore
