// The daemon stopped, or killed with SIGKILL, and started again under a
// running task. The shared test daemon is never restarted (other tests use
// it): each test starts a spare dockerd of its own (tools/testenv.sh spare:
// own folder and network namespace, no bridge), loads the test image from the
// tar the test environment saved, and runs one task with network_mode "none"
// on it. While the daemon is away the task must stay running (a warning is
// fine) and the fingerprint's health goes unhealthy; when it returns, health
// comes back and the task sees its container's true state:
//   - with --live-restore (stopped, or killed): the same container still
//     runs, re-checked and followed again; a stop then ends it and removes
//     the container; the log lost and repeated nothing;
//   - without (killed): the daemon stopped the container when it came back;
//     the task gets that exit and goes through its restart policy (a new
//     container, running).
// The spare daemon is destroyed in TearDown, whatever the test's outcome.
// Run serially (ctest RUN_SERIAL): a second dockerd is heavy for 2 cores.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "tests/actors/live_support.hpp"

#ifndef STEVEDORE_TESTENV_SH
#error "STEVEDORE_TESTENV_SH (tools/testenv.sh) must be defined by the build"
#endif

namespace stevedore {
namespace {

using namespace std::chrono_literals;
using live::eventually;
using live::sync;

// Runs `bash tools/testenv.sh args...` (with `env`, NAME=VALUE entries, added
// to its environment); its exit status and output. The child gets no
// descriptor of ours but its stdout: the dockerd it may start must not hold
// our sockets.
std::pair<int, std::string> testenv_sh(const std::vector<std::string>& args,
                                       const std::vector<std::string>& env = {}) {
  int out[2];
  if (::pipe(out) != 0)
    return {-1, "pipe failed"};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::close_range(3, ~0U, 0);
    for (const auto& e : env)
      ::putenv(const_cast<char*>(e.c_str())); // the child's own copy of the environment
    std::vector<std::string> argv{"/bin/bash", STEVEDORE_TESTENV_SH};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargs;
    for (auto& a : argv)
      cargs.push_back(a.data());
    cargs.push_back(nullptr);
    ::execv(cargs[0], cargs.data());
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  char buf[1024];
  ssize_t n;
  while ((n = ::read(out[0], buf, sizeof buf)) > 0)
    text.append(buf, static_cast<std::size_t>(n));
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

class DaemonRestart : public live::live_test {
protected:
  void SetUp() override {
    live_test::SetUp();
    if (HasFatalFailure())
      return;
    char tmpl[] = "/tmp/stevedore-spare-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    spare_ = tmpl;
    auto [rc, out] = testenv_sh({"spare", "start", spare_, env_.image_tar},
                                {std::string("STEVEDORE_SPARE_LIVE_RESTORE=") + (live_restore() ? "1" : "0")});
    ASSERT_EQ(rc, 0) << out;
    endpoint_socket_ = spare_ + "/docker.sock";
    supervisor_options opts;
    opts.client.fingerprint_period_ms = 500;  // health follows the daemon quickly
    opts.task.parked_recheck = 2s;
    start_supervisor("unix://" + endpoint_socket_, opts);
  }

  void TearDown() override {
    if (!spare_.empty()) {
      // Back up (if the test stopped it) so that the supervisor can stop its
      // task and TearDown can remove what is left.
      auto [rc, out] = testenv_sh({"spare", "start", spare_});
      EXPECT_EQ(rc, 0) << out;
    }
    live_test::TearDown();
    if (!spare_.empty()) {
      auto [rc, out] = testenv_sh({"spare", "destroy", spare_});
      EXPECT_EQ(rc, 0) << out;
    }
  }

  virtual bool live_restore() const { return true; }

  // The task actor's own status (its state word says when it is waiting
  // for the daemon).
  actor_status task_actor_status(const std::string& id) {
    auto all = sup_->actors();
    if (all.ok())
      for (const auto& a : *all)
        if (a.kind == "task" && a.name == id)
          return a;
    return {};
  }

  daemon_health health() {
    auto fp = sup_->node();
    return fp.ok() ? fp->health : daemon_health::undetected;
  }

  std::string spare_; // the spare daemon's folder

  // The daemon goes away (`how`: "stop" or "kill") under a running task and
  // comes back: the task never leaves running meanwhile, health goes
  // unhealthy and back; the checks of the file's head comment.
  void survives_absence(const std::string& how);

  // A task whose "tick N" lines (one every 0.1 s) must come out whole; on
  // SIGTERM it prints "stopped" and exits with `term_exit`.
  std::string start_ticking(int attempts, int term_exit = 0) {
    return start_one(R"(  group "g" {
    restart {
      attempts = )" + std::to_string(attempts) + R"(
      interval = "1h"
      delay    = "1s"
      mode     = "fail"
    }
    task "t" {
      driver = "docker"
      kill_timeout = "5s"
      config {
        image        = ")" + env_.image_tar_ref + R"("
        network_mode = "none"
        command      = "/bin/sh"
        args         = ["-c", "trap 'echo stopped; exit )" + std::to_string(term_exit) + R"(' TERM; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done"]
      }
    }
  })");
  }

  // While the daemon is away: the task stays running (for 3 s of watching),
  // waits for it, says so; health unhealthy.
  void check_away(const std::string& id) {
    EXPECT_TRUE(eventually([&] { return health() == daemon_health::unhealthy; }, 10s));
    bool waiting = eventually(
      [&] { return task_actor_status(id).state.find("waiting for the daemon") != std::string::npos; }, 20s);
    EXPECT_TRUE(waiting) << "actor state '" << task_actor_status(id).state << "'; events:\n" << all_events_text(id);
    auto until = std::chrono::steady_clock::now() + 3s;
    while (std::chrono::steady_clock::now() < until) {
      auto st = sup_->status(id);
      ASSERT_TRUE(st.ok()) << to_string(st.error());
      ASSERT_EQ(st->state, task_state::running) << "an unreachable daemon is not the container's death:\n"
                                                << all_events_text(id);
      std::this_thread::sleep_for(100ms);
    }
    bool warned = false;
    for (const auto& w : events_of(id, "warning"))
      warned = warned || w.message.find("waiting for the Docker daemon") != std::string::npos;
    EXPECT_TRUE(warned) << all_events_text(id);
    for (const auto& e : events_of(id, "state"))
      EXPECT_TRUE(e.state == task_state::pending || e.state == task_state::pulling || e.state == task_state::creating ||
                  e.state == task_state::starting || e.state == task_state::running)
        << "moved to " << to_string(e.state) << " while the daemon was away";
    EXPECT_TRUE(events_of(id, "exit").empty()) << all_events_text(id);
  }

  void spare(const std::string& what) {
    auto [rc, out] = testenv_sh({"spare", what, spare_});
    ASSERT_EQ(rc, 0) << out;
  }
};

class DaemonKilledWithoutLiveRestore : public DaemonRestart {
protected:
  bool live_restore() const override { return false; }
};

TEST_F(DaemonRestart, ARunningTaskSurvivesTheDaemonGoingAwayAndIsRecheckedWhenItReturns) {
  survives_absence("stop");
}

TEST_F(DaemonRestart, ARunningTaskSurvivesTheDaemonKilledWithLiveRestore) {
  survives_absence("kill");
}

// Without live restore, the daemon started again after a SIGKILL stops the
// containers it finds: the task is not dead while the daemon is away, then
// gets its container's real exit and restarts by its policy.
TEST_F(DaemonKilledWithoutLiveRestore, TheTaskSeesItsContainerStoppedByTheReturningDaemonAndRestarts) {
  // Exit 3 on the daemon's SIGTERM: a failure, which the policy restarts.
  auto id = start_ticking(2, 3);
  ASSERT_FALSE(id.empty());
  auto running = wait_state(id, task_state::running);
  ASSERT_EQ(running.state, task_state::running) << all_events_text(id);
  const auto first = running.container_id;
  ASSERT_TRUE(eventually([&] { return logs_of(id, "stdout").find("tick 5\n") != std::string::npos; }, 10s));

  spare("kill");
  check_away(id);
  if (HasFatalFailure())
    return;

  spare("start");
  EXPECT_TRUE(eventually([&] { return health() == daemon_health::healthy; }, 20s));
  // The container the daemon stopped at its start: its exit, then a restart.
  ASSERT_TRUE(eventually([&] { return !events_of(id, "exit").empty(); }, 30s)) << all_events_text(id);
  auto exit = events_of(id, "exit").front();
  EXPECT_EQ(exit.exit.exit_code, 3) << "the daemon's stop, as the container saw it\n" << all_events_text(id);
  auto info = sync<container_info>([&](auto cb) { docker_->container_inspect(first, cb); });
  if (info.ok()) {
    EXPECT_FALSE(info->running) << "the daemon stopped it";
  }
  bool restarted = eventually(
    [&] {
      auto st = sup_->status(id);
      return st.ok() && st->state == task_state::running && st->container_id != first;
    },
    30s);
  ASSERT_TRUE(restarted) << all_events_text(id);
  auto st = sup_->status(id);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->restarts, 1) << all_events_text(id);
  EXPECT_EQ(events_of(id, "restart").size(), 1u) << all_events_text(id);
  EXPECT_TRUE(eventually([&] { return container_gone(first); }, 20s)) << "the first container was removed";
  auto second = st->container_id;
  auto now = sync<container_info>([&](auto cb) { docker_->container_inspect(second, cb); });
  ASSERT_TRUE(now.ok()) << to_string(now.error());
  EXPECT_TRUE(now->running);

  ASSERT_TRUE(sup_->stop(id).ok());
  auto end = sup_->wait(id, 60s);
  ASSERT_TRUE(end.ok()) << to_string(end.error());
  EXPECT_EQ(end->state, task_state::cleaned) << all_events_text(id);
  EXPECT_TRUE(container_gone(second));
}

void DaemonRestart::survives_absence(const std::string& how) {
  // A numbered line every 0.1 s: the log must come out whole across the gap.
  auto id = start_ticking(0);
  ASSERT_FALSE(id.empty());
  auto running = wait_state(id, task_state::running);
  ASSERT_EQ(running.state, task_state::running) << all_events_text(id);
  const auto container = running.container_id;
  ASSERT_TRUE(eventually([&] { return logs_of(id, "stdout").find("tick 5\n") != std::string::npos; }, 10s));

  const auto log_then = logs_of(id, "stdout");
  const auto before = static_cast<long>(std::count(log_then.begin(), log_then.end(), '\n'));

  // -- the daemon goes away --
  spare(how);
  check_away(id);
  if (HasFatalFailure())
    return;

  // -- the daemon returns (live restore kept the container) --
  spare("start");
  EXPECT_TRUE(eventually([&] { return health() == daemon_health::healthy; }, 20s));
  bool rechecked = eventually([&] { return task_actor_status(id).state == "running"; }, 30s);
  EXPECT_TRUE(rechecked) << "actor state '" << task_actor_status(id).state << "'";
  auto st = sup_->status(id);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->state, task_state::running);
  EXPECT_EQ(st->container_id, container);
  auto info = sync<container_info>([&](auto cb) { docker_->container_inspect(container, cb); });
  ASSERT_TRUE(info.ok()) << to_string(info.error());
  EXPECT_TRUE(info->running);
  // Output written while the daemon was away reaches the log once it is back.
  auto ticks_now = logs_of(id, "stdout").size();
  EXPECT_TRUE(eventually([&] { return logs_of(id, "stdout").size() > ticks_now; }, 10s)) << "log collection resumed";

  // -- a stop ends it as usual --
  ASSERT_TRUE(sup_->stop(id).ok());
  auto end = sup_->wait(id, 60s);
  ASSERT_TRUE(end.ok()) << to_string(end.error());
  EXPECT_EQ(end->state, task_state::cleaned) << all_events_text(id);
  EXPECT_EQ(end->exit.exit_code, 0);
  EXPECT_TRUE(container_gone(container));

  // Every tick once, in order, none lost across the daemon's absence.
  std::istringstream in(logs_of(id, "stdout"));
  std::string line;
  long expect = 0;
  bool stopped = false;
  while (std::getline(in, line)) {
    if (line == "stopped") {
      stopped = true;
      continue;
    }
    ASSERT_EQ(line, "tick " + std::to_string(expect)) << "the log lost or repeated output";
    ++expect;
  }
  EXPECT_TRUE(stopped);
  // More than before the daemon went (how much the container could print
  // while its daemon was away is the daemon's matter: a killed one is not
  // reading its output).
  EXPECT_GT(expect, before) << "lines after the daemon's return";
  std::printf("daemon %s: %ld lines in order, %ld of them before it went\n", how.c_str(), expect, before);
}

} // namespace
} // namespace stevedore
