// The log collector with the fake engine (threaded) on the real scheduler:
// waits are bounded receives, never sleeps. The fake ignores `since` and
// re-sends a container's whole output on every logs call, which is the
// hardest case for resuming: everything already written comes again.
#include "actors/log_collector.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include "actors/atoms.hpp"
#include "actors/log_worker.hpp"
#include "actors/types.hpp"
#include "messages/node.hpp"
#include "tests/support/fake_engine.hpp"

namespace stevedore {
namespace {

using namespace std::chrono_literals;
using docker::output_stream;
using testing::fake_engine;
namespace fs = std::filesystem;

// "2024-01-02T03:04:05.00000000Nz " with N = nanos (0..9), for ordering.
std::string stamp(int second, int nanos = 0) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "2024-01-02T03:04:%02d.%09dZ ", second, nanos);
  return buf;
}

class LogCollectorTest : public ::testing::Test {
protected:
  LogCollectorTest() {
    add_message_types(cfg_);
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    self_ = std::make_unique<caf::scoped_actor>(*sys_);
    std::string tmpl = (fs::temp_directory_path() / "stevedore-logs-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
    fake_->add_image("busybox:1");
    opts_.worker = worker_;
    opts_.retry_delay = 10ms;
    opts_.max_retry_delay = 50ms;
  }
  ~LogCollectorTest() override {
    if (collector_)
      caf::anon_send_exit(collector_, caf::exit_reason::user_shutdown);
    fake_->shutdown();
    worker_->wait_idle(2s);
    fs::remove_all(dir_);
  }

  // Creates and starts a container; returns its id.
  std::string run_container(const std::string& name, bool tty = false) {
    std::promise<std::string> created;
    std::string body = tty ? R"({"Image":"busybox:1","Tty":true})" : R"({"Image":"busybox:1"})";
    fake_->container_create(name, body, [&](result<create_answer> r) {
      created.set_value(r ? r->id : std::string{});
    });
    auto id = created.get_future().get();
    std::promise<bool> started;
    fake_->container_start(id, [&](result<unit> r) { started.set_value(r.ok()); });
    EXPECT_TRUE(started.get_future().get());
    return id;
  }

  void stop_container(const std::string& id) {
    std::promise<bool> stopped;
    fake_->container_kill(id, "SIGKILL", [&](result<unit> r) { stopped.set_value(r.ok()); });
    EXPECT_TRUE(stopped.get_future().get());
  }

  void spawn(const std::string& id, bool tty = false, logs_spec logs = {}) {
    collector_ = spawn_log_collector(*sys_, fake_, log_target{"job.web[0]", "web", id, tty, dir_.string(), logs},
                                     opts_);
    self()->monitor(collector_);
  }

  // True when the collector ended by itself within `limit`.
  bool ends_within(std::chrono::milliseconds limit) {
    bool down = false;
    self()->receive([&](const caf::down_msg& m) { down = m.source == collector_; },
                   caf::after(limit) >> [] {});
    if (down)
      collector_ = nullptr;
    return down;
  }

  std::map<std::string, std::string> status() {
    std::map<std::string, std::string> d;
    self()->request(collector_, 2s, status_atom::value)
      .receive([&](const actor_status& st) { d = st.details; d["state"] = st.state; },
               [&](const caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    return d;
  }

  // Waits (bounded, by status requests) until the collector wrote `lines`
  // stdout lines.
  bool wait_lines(const std::string& key, int lines) {
    auto until = std::chrono::steady_clock::now() + 3s;
    while (std::chrono::steady_clock::now() < until) {
      if (status()[key] == std::to_string(lines))
        return true;
      self()->receive(caf::after(2ms) >> [] {});
    }
    return false;
  }

  std::string read(const std::string& file) const {
    std::ifstream in(dir_ / file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  caf::scoped_actor& self() { return *self_; }

  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::unique_ptr<caf::scoped_actor> self_;
  fs::path dir_;
  std::shared_ptr<fake_engine> fake_ = std::make_shared<fake_engine>();
  std::shared_ptr<log_worker> worker_ = log_worker::make();
  log_collector_options opts_;
  caf::actor collector_;
};

TEST_F(LogCollectorTest, BothStreamsIntoTheirFiles) {
  auto id = run_container("web-1");
  fake_->append_logs(id, output_stream::stdout_stream, stamp(1) + "out one\n");
  spawn(id);
  fake_->append_logs(id, output_stream::stderr_stream, stamp(2) + "err one\n");
  fake_->append_logs(id, output_stream::stdout_stream, stamp(3) + "out two\n");
  fake_->append_logs(id, output_stream::stderr_stream, stamp(4) + "last, no newline");
  ASSERT_TRUE(wait_lines("stderr_lines", 1));
  stop_container(id);
  ASSERT_TRUE(ends_within(3s)) << "the collector did not end after the container died";
  EXPECT_EQ(read("web.stdout.0"), "out one\nout two\n");
  EXPECT_EQ(read("web.stderr.0"), "err one\nlast, no newline");
}

// Thousands of running tasks must not hold thousands of open log files.
TEST_F(LogCollectorTest, FollowingCollectorHoldsNoLogFileOpen) {
  auto id = run_container("web-1");
  spawn(id);
  fake_->append_logs(id, output_stream::stdout_stream, stamp(1) + "out one\n");
  fake_->append_logs(id, output_stream::stderr_stream, stamp(2) + "err one\n");
  ASSERT_TRUE(wait_lines("stderr_lines", 1));
  ASSERT_TRUE(wait_lines("stdout_lines", 1));
  ASSERT_TRUE(worker_->wait_idle(3s));
  std::vector<std::string> open_logs;
  for (const auto& fd : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    auto target = fs::read_symlink(fd.path(), ec).string();
    if (!ec && target.rfind(dir_.string(), 0) == 0)
      open_logs.push_back(target);
  }
  EXPECT_TRUE(open_logs.empty()) << open_logs.size() << " open, the first " << open_logs.front();
  EXPECT_EQ(status()["state"], "following");
  stop_container(id);
  ASSERT_TRUE(ends_within(3s));
  EXPECT_EQ(read("web.stdout.0"), "out one\n");
}

TEST_F(LogCollectorTest, DroppedStreamResumesWithoutLossOrRepeat) {
  auto id = run_container("web-1");
  spawn(id);
  fake_->append_logs(id, output_stream::stdout_stream, stamp(1) + "a\n" + stamp(2) + "b\n");
  fake_->append_logs(id, output_stream::stderr_stream, stamp(2) + "e1\n");
  fake_->append_logs(id, output_stream::stdout_stream, stamp(3) + "c\n" + stamp(3) + "cut mid-li");
  ASSERT_TRUE(wait_lines("stdout_lines", 3));
  fake_->end_in_flight(errc::daemon_unreachable, "connection reset by peer");
  // Sharing the last written time (3s) with "c": must not be taken for a repeat.
  fake_->append_logs(id, output_stream::stdout_stream, "ne\n" + stamp(3) + "same time as c\n");
  fake_->append_logs(id, output_stream::stderr_stream, stamp(5) + "e2\n");
  ASSERT_TRUE(wait_lines("stdout_lines", 5));
  auto st = status();
  EXPECT_EQ(st["resumes"], "1");
  EXPECT_EQ(st["stdout_repeats_dropped"], "3");
  stop_container(id);
  ASSERT_TRUE(ends_within(3s));
  EXPECT_EQ(read("web.stdout.0"), "a\nb\nc\ncut mid-line\nsame time as c\n");
  EXPECT_EQ(read("web.stderr.0"), "e1\ne2\n");
}

TEST_F(LogCollectorTest, OutputTheFollowerMissedAtTheExitIsReadOnce) {
  // dockerd may end a follower at the exit before the last partial line is
  // in its log file; a non-follow read after the exit finds it.
  auto id = run_container("web-1");
  spawn(id);
  fake_->append_logs(id, output_stream::stdout_stream, stamp(1) + "one\n");
  ASSERT_TRUE(wait_lines("stdout_lines", 1));
  fake_->append_logs_unseen(id, output_stream::stdout_stream, stamp(2) + "two\n");
  fake_->append_logs_unseen(id, output_stream::stderr_stream, stamp(2) + "late, no newline");
  stop_container(id);
  ASSERT_TRUE(ends_within(3s));
  EXPECT_EQ(read("web.stdout.0"), "one\ntwo\n");
  EXPECT_EQ(read("web.stderr.0"), "late, no newline");
  EXPECT_EQ(fake_->calls("container_logs"), 2);
}

// The task actor tells its collector of the exit: no inspect, and what the
// follower missed is still read once.
TEST_F(LogCollectorTest, ExitNoticeSparesTheInspect) {
  opts_.exit_notice_wait = 5s;
  auto id = run_container("web-1");
  spawn(id);
  fake_->append_logs(id, output_stream::stdout_stream, stamp(1) + "one\n");
  ASSERT_TRUE(wait_lines("stdout_lines", 1));
  fake_->append_logs_unseen(id, output_stream::stdout_stream, stamp(2) + "two, no newline");
  auto inspects = fake_->calls("container_inspect");
  stop_container(id);
  caf::anon_send(collector_, died_atom::value);
  ASSERT_TRUE(ends_within(3s));
  EXPECT_EQ(read("web.stdout.0"), "one\ntwo, no newline");
  EXPECT_EQ(fake_->calls("container_logs"), 2);
  EXPECT_EQ(fake_->calls("container_inspect"), inspects);
}

// Promised but never told (the owner died, or the follower ended while the
// container runs): it asks the daemon after the wait.
TEST_F(LogCollectorTest, MissingExitNoticeFallsBackToInspect) {
  opts_.exit_notice_wait = 50ms;
  auto id = run_container("web-1");
  spawn(id);
  fake_->append_logs(id, output_stream::stdout_stream, stamp(1) + "one\n");
  ASSERT_TRUE(wait_lines("stdout_lines", 1));
  auto inspects = fake_->calls("container_inspect");
  stop_container(id);
  ASSERT_TRUE(ends_within(3s));
  EXPECT_EQ(read("web.stdout.0"), "one\n");
  EXPECT_GT(fake_->calls("container_inspect"), inspects);
}

TEST_F(LogCollectorTest, StreamsDroppedWhileTheContainerDiesStillEndClean) {
  auto id = run_container("web-1");
  spawn(id);
  fake_->append_logs(id, output_stream::stdout_stream, stamp(1) + "one\n");
  ASSERT_TRUE(wait_lines("stdout_lines", 1));
  fake_->append_logs(id, output_stream::stdout_stream, stamp(2) + "two\n");
  fake_->end_in_flight(errc::daemon_unreachable, "daemon restarting");
  stop_container(id);
  ASSERT_TRUE(ends_within(3s));
  EXPECT_EQ(read("web.stdout.0"), "one\ntwo\n");
}

TEST_F(LogCollectorTest, TtyIsOneRawStreamIntoStdout) {
  auto id = run_container("web-1", true);
  spawn(id, true);
  fake_->append_logs(id, output_stream::stdout_stream, stamp(1) + "tty line\r\n");
  fake_->append_logs(id, output_stream::stderr_stream, stamp(2) + "also tty\r\n");
  ASSERT_TRUE(wait_lines("stdout_lines", 2));
  stop_container(id);
  ASSERT_TRUE(ends_within(3s));
  EXPECT_EQ(read("web.stdout.0"), "tty line\r\nalso tty\r\n");
  EXPECT_TRUE(fs::exists(dir_ / "web.stderr.0"));
  EXPECT_EQ(read("web.stderr.0"), "");
}

TEST_F(LogCollectorTest, RotatesByTheLogsBlock) {
  auto id = run_container("web-1");
  logs_spec logs;
  logs.max_files = 2;
  logs.max_file_size_mb = 1;
  spawn(id, false, logs);
  const std::string line(1000, 'x');
  std::string chunk;
  for (int i = 0; i < 2500; ++i)
    chunk += stamp(1, i) + line + "\n";
  fake_->append_logs(id, output_stream::stdout_stream, chunk);
  ASSERT_TRUE(wait_lines("stdout_lines", 2500));
  stop_container(id);
  ASSERT_TRUE(ends_within(3s));
  EXPECT_FALSE(fs::exists(dir_ / "web.stdout.0")); // max_files = 2: the oldest went
  EXPECT_EQ(fs::file_size(dir_ / "web.stdout.1"), 1001u * 1047); // whole lines up to 1 MiB
  EXPECT_EQ(fs::file_size(dir_ / "web.stdout.2"), 1001u * (2500 - 2 * 1047));
}

TEST_F(LogCollectorTest, GoneContainerEndsTheCollector) {
  spawn("no-such-container");
  ASSERT_TRUE(ends_within(3s));
  EXPECT_TRUE(fs::exists(dir_ / "web.stdout.0"));
}

TEST_F(LogCollectorTest, ExitMessageEndsItAndStopsTheStream) {
  auto id = run_container("web-1");
  spawn(id);
  fake_->append_logs(id, output_stream::stdout_stream, stamp(1) + "before\n");
  ASSERT_TRUE(wait_lines("stdout_lines", 1));
  caf::anon_send_exit(collector_, caf::exit_reason::user_shutdown);
  ASSERT_TRUE(ends_within(3s));
  // The follower is still open at the fake; the next output finds nobody and
  // the stream is stopped.
  fake_->append_logs(id, output_stream::stdout_stream, stamp(2) + "after\n");
  ASSERT_TRUE(fake_->wait_idle(2s));
  EXPECT_EQ(fake_->in_flight(), 0u);
  ASSERT_TRUE(worker_->wait_idle(2s));
  EXPECT_EQ(read("web.stdout.0"), "before\n");
}

TEST(CollectsLogs, OnlyDriversTheDaemonCanReadBack) {
  task_spec t;
  EXPECT_TRUE(collects_logs(t));
  for (auto type : {"json-file", "local", "journald"}) {
    t.config.logging.type = type;
    EXPECT_TRUE(collects_logs(t)) << type;
  }
  for (auto type : {"syslog", "fluentd", "gelf", "none", "awslogs", "splunk"}) {
    t.config.logging.type = type;
    EXPECT_FALSE(collects_logs(t)) << type;
  }
}

} // namespace
} // namespace stevedore
