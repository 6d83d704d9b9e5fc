// Recovery of an embedded supervisor on the simulated daemon
// (tools/simdockerd): a few hundred running tasks, the supervisor ended with
// leave_running(), a new one created on the same state folder. Every task
// is re-attached to its own container (none created, none restarted), one
// killed meanwhile reports its exit code, and the time from create() to all
// re-attached is printed.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "actors/stevedore.hpp"
#include "tests/docker/callback_probe.hpp"
#include "tools/simdockerd/sim_daemon.hpp"

namespace stevedore::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// STEVEDORE_RECOVERY_SIMD_TASKS runs it with more (by hand: the figure at 1,000).
const int task_count = [] {
  const char* v = std::getenv("STEVEDORE_RECOVERY_SIMD_TASKS");
  int n = v ? std::atoi(v) : 0;
  return n >= 2 ? n : 300;
}();

class recovery_simd : public ::testing::Test {
protected:
  void SetUp() override {
    sim::options so;
    so.images = {"busybox:1.36"};
    so.time_scale = 0.01;
    auto started = sim::sim_daemon::start(so);
    ASSERT_TRUE(started.ok()) << to_string(started.error());
    sim_ = std::move(*started);
    dir_ = fs::temp_directory_path() / ("stevedore-recovery-simd-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "job.hcl")
      << "job \"recsim\" {\n  group \"g\" {\n    count = " << task_count
      << "\n    restart {\n      attempts = 0\n      mode = \"fail\"\n    }\n"
         "    task \"t\" {\n      driver = \"docker\"\n      kill_timeout = \"1s\"\n"
         "      config {\n        image = \"busybox:1.36\"\n        command = \"sleep\"\n"
         "        args = [\"86400\"]\n      }\n    }\n  }\n}\n";
  }
  void TearDown() override {
    sup_.reset();
    if (sim_)
      sim_->stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  result<std::unique_ptr<supervisor>> make() {
    supervisor_options o;
    o.client.endpoint = docker::to_string(sim_->where());
    o.client.cleanup_image = false;
    o.state_dir = (dir_ / "state").string();
    o.threads = 2;
    return supervisor::create(std::move(o));
  }

  // task id -> container id once every task is running (empty map on timeout).
  std::map<std::string, std::string> all_running(supervisor& sup, std::size_t want,
                                                 std::chrono::seconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      auto list = sup.list();
      std::map<std::string, std::string> ids;
      if (list.ok())
        for (const auto& t : *list)
          if (t.state == task_state::running)
            ids[t.task_id] = t.container_id;
      if (ids.size() == want)
        return ids;
      std::this_thread::sleep_for(20ms);
    }
    return {};
  }

  std::size_t sim_containers() {
    auto c = docker::client::make(sim_->where());
    auto p = std::make_shared<probe<result<std::vector<container_summary>>>>();
    c->container_list({}, true, p->callback());
    std::size_t n = p->wait(10s) && p->value().ok() ? p->value().value().size() : 0;
    c->shutdown();
    return n;
  }

  std::unique_ptr<sim::sim_daemon> sim_;
  std::unique_ptr<supervisor> sup_;
  fs::path dir_;
};

TEST_F(recovery_simd, hundreds_of_running_tasks_are_reattached_to_their_own_containers) {
  auto first = make();
  ASSERT_TRUE(first.ok()) << to_string(first.error());
  sup_ = std::move(*first);
  auto ids = sup_->start_job_file((dir_ / "job.hcl").string());
  ASSERT_TRUE(ids.ok()) << to_string(ids.error());
  auto before = all_running(*sup_, task_count, 60s);
  ASSERT_EQ(before.size(), static_cast<std::size_t>(task_count));
  ASSERT_TRUE(sup_->leave_running().ok());
  sup_.reset();
  ASSERT_EQ(sim_containers(), static_cast<std::size_t>(task_count)) << "left running";

  // One of them dies while nobody watches.
  auto killed = before.begin()->second;
  {
    auto c = docker::client::make(sim_->where());
    auto p = std::make_shared<probe<result<unit>>>();
    c->container_kill(killed, "SIGKILL", p->callback());
    ASSERT_TRUE(p->wait(10s) && p->value().ok());
    c->shutdown();
  }

  const auto t0 = std::chrono::steady_clock::now();
  auto second = make();
  ASSERT_TRUE(second.ok()) << to_string(second.error());
  sup_ = std::move(*second);
  auto after = all_running(*sup_, task_count - 1, 60s);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::steady_clock::now() - t0);
  std::printf("recovery of %d tasks on the simulated daemon: %lld ms to all re-attached\n",
              task_count - 1, static_cast<long long>(took.count()));
  ASSERT_EQ(after.size(), static_cast<std::size_t>(task_count - 1));
  for (const auto& [id, container] : after)
    EXPECT_EQ(container, before[id]) << id << ": the same container";
  // The supervisor's own count: every recovered task said what it found
  // (299 re-attached after their inspects, one exited).
  std::map<std::string, std::string> details;
  for (int i = 0; i < 500 && details["recovering"] != "0"; ++i) {
    auto all = sup_->actors();
    ASSERT_TRUE(all.ok());
    for (const auto& a : *all)
      if (a.kind == "supervisor")
        details = a.details;
    if (details["recovering"] != "0")
      std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(details["recovered"], std::to_string(task_count));
  EXPECT_EQ(details["recovering"], "0");
  EXPECT_FALSE(details["recovery_ms"].empty());
  std::printf("the supervisor's count: %s tasks re-attached or settled in %s ms\n",
              details["recovered"].c_str(), details["recovery_ms"].c_str());
  auto dead = std::find_if(before.begin(), before.end(),
                           [&](const auto& kv) { return kv.second == killed; });
  auto st = sup_->wait(dead->first, 20s);
  ASSERT_TRUE(st.ok()) << to_string(st.error());
  EXPECT_EQ(st->state, task_state::failed);
  EXPECT_EQ(st->exit.exit_code, 137);
  EXPECT_EQ(sim_containers(), static_cast<std::size_t>(task_count - 1))
    << "nothing created, the dead one removed";

  // A clean shutdown stops everything and leaves nothing to recover.
  ASSERT_TRUE(sup_->shutdown(60s).ok());
  sup_.reset();
  EXPECT_EQ(sim_containers(), 0u);
  auto third = make();
  ASSERT_TRUE(third.ok());
  auto list = (*third)->list();
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
}

} // namespace
} // namespace stevedore::testing
