// A task's log collection hosted in its own task actor (log_follower): one
// actor per running task, and its output on disk before the container is
// removed. Fake engine, real scheduler; waits are bounded receives.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "actors/log_follower.hpp"
#include "actors/log_worker.hpp"
#include "tests/actors/actor_harness.hpp"

namespace stevedore::testing {
namespace {

namespace fs = std::filesystem;
using ts = task_state;
using docker::output_stream;

std::string stamp(int second) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "2024-01-02T03:04:%02d.000000000Z ", second);
  return buf;
}

class TaskLogs : public ::testing::Test {
protected:
  TaskLogs() {
    std::string tmpl = (fs::temp_directory_path() / "stevedore-task-logs-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
    fs::create_directories(dir_ / "alloc" / "logs");
    auto svc = std::make_shared<log_service>();
    svc->docker = h_.docker;
    svc->options.worker = worker_;
    svc->options.retry_delay = 10ms;
    svc->options.max_retry_delay = 50ms;
    svc->options.exit_notice_wait = 5s; // the task actor tells of the exit
    svc_ = svc;
  }
  ~TaskLogs() override {
    worker_->wait_idle(2s);
    fs::remove_all(dir_);
  }

  task_actor start(probe& p) {
    auto inst = make_instance("web");
    inst.alloc_dir = dir_.string();
    auto svc = h_.services();
    svc.logs = svc_;
    return h_.keep(spawn_task(h_.sys(), std::move(inst), std::move(svc), h_.settings, p.handle()));
  }

  // The task actor's status details (state as "state").
  std::map<std::string, std::string> details(const task_actor& task) {
    std::map<std::string, std::string> d;
    (*asker_)->request(task, 2s, status_atom::value)
      .receive([&](const actor_status& st) { d = st.details; d["state"] = st.state; },
               [&](const caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    return d;
  }

  // Waits (bounded, by status requests) until details()[key] == value.
  bool wait_detail(const task_actor& task, const std::string& key, const std::string& value) {
    auto until = std::chrono::steady_clock::now() + 3s;
    while (std::chrono::steady_clock::now() < until) {
      if (details(task)[key] == value)
        return true;
      (*asker_)->receive(caf::after(2ms) >> [] {});
    }
    return false;
  }

  std::string read(const std::string& file) const {
    std::ifstream in(dir_ / "alloc" / "logs" / file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::size_t actors() { return h_.sys().registry().running(); }

  actor_harness h_;
  fs::path dir_;
  std::shared_ptr<log_worker> worker_ = log_worker::make();
  std::shared_ptr<const log_service> svc_;
  std::unique_ptr<caf::scoped_actor> asker_ = std::make_unique<caf::scoped_actor>(h_.sys());
};

TEST_F(TaskLogs, ARunningTaskWithLogsIsOneActor) {
  probe p(h_.sys());
  auto before = actors();
  auto task = start(p);
  ASSERT_TRUE(p.until_state(ts::running));
  h_.docker->append_logs("web-a1b2c3", output_stream::stdout_stream, stamp(1) + "hello\n");
  h_.docker->append_logs("web-a1b2c3", output_stream::stderr_stream, stamp(2) + "oops\n");
  ASSERT_TRUE(wait_detail(task, "logs_stdout_lines", "1"));
  ASSERT_TRUE(wait_detail(task, "logs_stderr_lines", "1"));
  EXPECT_EQ(actors(), before + 1) << "the task actor follows its logs itself";
  auto d = details(task);
  EXPECT_EQ(d["logs_state"], "following");
  EXPECT_EQ(d["logs_container_id"], h_.docker->container("web-a1b2c3")->id);
  EXPECT_EQ(read("web.stdout.0"), "hello\n");
  EXPECT_EQ(read("web.stderr.0"), "oops\n");
  caf::anon_send(task, stop_atom::value);
  ASSERT_TRUE(p.until_done());
  EXPECT_EQ(p.final_status.state, ts::cleaned);
}

// Stopped: the follower's stream ends with the container, and the catch-up
// read takes what the stream missed (a last line without a newline) before
// the container is removed; the task ends cleaned with it all on disk.
TEST_F(TaskLogs, OutputIsOnDiskAfterTheTaskIsCleaned) {
  probe p(h_.sys());
  auto task = start(p);
  ASSERT_TRUE(p.until_state(ts::running));
  h_.docker->append_logs("web-a1b2c3", output_stream::stdout_stream, stamp(1) + "one\n");
  ASSERT_TRUE(wait_detail(task, "logs_stdout_lines", "1"));
  h_.docker->append_logs_unseen("web-a1b2c3", output_stream::stdout_stream,
                                stamp(2) + "two, no newline");
  h_.docker->append_logs_unseen("web-a1b2c3", output_stream::stderr_stream, stamp(3) + "bye\n");
  auto logs_calls = h_.docker->calls("container_logs");
  caf::anon_send(task, stop_atom::value);
  ASSERT_TRUE(p.until_done());
  EXPECT_EQ(p.final_status.state, ts::cleaned);
  EXPECT_FALSE(h_.docker->container("web-a1b2c3")) << "the container is removed";
  EXPECT_FALSE(p.has_message("warning", "log collection did not finish"));
  EXPECT_EQ(h_.docker->calls("container_logs"), logs_calls + 1) << "one catch-up read";
  ASSERT_TRUE(worker_->wait_idle(2s));
  EXPECT_EQ(read("web.stdout.0"), "one\ntwo, no newline");
  EXPECT_EQ(read("web.stderr.0"), "bye\n");
}

// A task without log collection (a logging driver the daemon cannot read
// back) follows nothing and still runs.
TEST_F(TaskLogs, UncollectedDriverFollowsNothing) {
  probe p(h_.sys());
  auto inst = make_instance("web");
  inst.alloc_dir = dir_.string();
  inst.task.edit().config.logging.type = "syslog";
  auto svc = h_.services();
  svc.logs = svc_;
  auto task = h_.keep(spawn_task(h_.sys(), std::move(inst), std::move(svc), h_.settings, p.handle()));
  ASSERT_TRUE(p.until_state(ts::running));
  EXPECT_EQ(details(task).count("logs_state"), 0u);
  EXPECT_EQ(h_.docker->calls("container_logs"), 0);
  caf::anon_send(task, stop_atom::value);
  ASSERT_TRUE(p.until_done());
  EXPECT_EQ(p.final_status.state, ts::cleaned);
}

} // namespace
} // namespace stevedore::testing
