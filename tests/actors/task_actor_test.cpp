// The task actor against the fake engine and a fake image manager, on the
// real scheduler with millisecond timers. The tests whose point is an order
// of events (a stop racing an exit, the daemon away) are in
// task_actor_order_test.cpp, on the deterministic scheduler.
#include "tests/actors/actor_harness.hpp"

namespace stevedore::testing {
namespace {

using ts = task_state;

// For effects that follow the task's last event (a release sent to another actor).
bool eventually(const std::function<bool()>& cond) {
  for (int i = 0; i < 200 && !cond(); ++i)
    std::this_thread::sleep_for(5ms);
  return cond();
}

fake_engine::container_script exits_after(std::chrono::milliseconds d, std::int64_t code) {
  fake_engine::container_script s;
  s.run_for = d;
  s.exit_code = code;
  return s;
}

TEST(TaskActor, GoesThroughEveryStateWhenStopped) {
  actor_harness h;
  probe p(h.sys());
  auto task = h.start(make_instance("web"), p);
  ASSERT_TRUE(p.until_state(ts::running));
  auto st = h.status(task);
  EXPECT_EQ(st.state, ts::running);
  EXPECT_EQ(st.task_id, "a1b2c3/web");
  ASSERT_FALSE(st.container_id.empty());
  EXPECT_TRUE(h.docker->container("web-a1b2c3")->running);
  caf::anon_send(task, stop_atom::value);
  ASSERT_TRUE(p.until_done());
  EXPECT_EQ(p.states(), (std::vector<ts>{ts::pending, ts::pulling, ts::creating, ts::starting,
                                         ts::running, ts::stopping, ts::exited, ts::cleaned}));
  EXPECT_EQ(p.final_status.history.size(), 8u);
  for (std::size_t i = 1; i < p.final_status.history.size(); ++i)
    EXPECT_LE(p.final_status.history[i - 1].at_ms, p.final_status.history[i].at_ms);
  EXPECT_EQ(p.final_status.exit.exit_code, 143);
  EXPECT_EQ(p.final_status.exit.signal, "SIGTERM");
  EXPECT_FALSE(h.docker->container("web-a1b2c3")) << "the container is removed";
  EXPECT_TRUE(eventually([&] { return h.images_m->releases("a1b2c3/web") == 1; }));
  EXPECT_TRUE(p.has_message("progress", "Downloading")) << "pull progress reaches the events";
}

TEST(TaskActor, ExitZeroIsCleanedWithTheExitCode) {
  actor_harness h;
  h.docker->script_container("ok-a1b2c3", exits_after(30ms, 0));
  probe p(h.sys());
  h.start(make_instance("ok"), p);
  ASSERT_TRUE(p.until_done());
  EXPECT_EQ(p.final_status.state, ts::cleaned);
  EXPECT_EQ(p.final_status.exit.exit_code, 0);
  EXPECT_FALSE(p.reached(ts::stopping));
  EXPECT_TRUE(p.has_message("exit", "exit code 0"));
}

TEST(TaskActor, NonZeroExitWithoutRestartsFailsWithTheCode) {
  actor_harness h;
  h.docker->script_container("bad-a1b2c3", exits_after(30ms, 3));
  probe p(h.sys());
  h.start(make_instance("bad"), p);
  ASSERT_TRUE(p.until_done());
  EXPECT_EQ(p.final_status.state, ts::failed);
  EXPECT_EQ(p.final_status.exit.exit_code, 3);
  EXPECT_NE(p.final_status.history.back().reason.find("exit code 3"), std::string::npos)
    << p.final_status.history.back().reason;
  EXPECT_TRUE(p.reached(ts::exited));
  EXPECT_FALSE(h.docker->container("bad-a1b2c3"));
}

// A container the kernel OOM-kills 30 ms after its start, whose inspect
// never shows OOMKilled (dockerd sets it late, racing the exit); its oom
// event comes before the die event, or `oom_after_die` after it. The task
// fails with the OOM told either way.
void expect_oom_reported(std::optional<std::chrono::milliseconds> oom_after_die) {
  actor_harness h;
  fake_engine::container_script oom;
  oom.run_for = 30ms;
  oom.oom = true;
  oom.oom_in_inspect = false;
  if (oom_after_die)
    oom.oom_after_die = *oom_after_die;
  h.docker->script_container("hog-a1b2c3", oom);
  probe p(h.sys());
  h.start(make_instance("hog"), p);
  ASSERT_TRUE(p.until_done());
  EXPECT_EQ(p.final_status.state, ts::failed);
  EXPECT_TRUE(p.final_status.exit.oom_killed);
  EXPECT_EQ(p.final_status.exit.exit_code, 137);
  EXPECT_EQ(p.final_status.exit.signal, "SIGKILL");
  EXPECT_TRUE(p.has_message("exit", "OOM killed"));
}

TEST(TaskActor, AnOomKillIsReportedEvenWhenInspectHasNotCaughtUp) {
  expect_oom_reported(std::nullopt);
}

TEST(TaskActor, AnOomEventThatComesAfterTheDieAndTheInspectStillCounts) {
  expect_oom_reported(100ms); // die, inspect (137, OOMKilled false), then the oom event
}

TEST(TaskActor, ASigkillNobodyExplainsIsAnExitAfterTheOomGraceNotAnOom) {
  actor_harness h;
  h.settings.oom_grace = 150ms;
  h.docker->script_container("killed-a1b2c3", exits_after(30ms, 137));
  probe p(h.sys());
  h.start(make_instance("killed"), p);
  ASSERT_TRUE(p.until_done());
  EXPECT_EQ(p.final_status.state, ts::failed);
  EXPECT_EQ(p.final_status.exit.exit_code, 137);
  EXPECT_EQ(p.final_status.exit.signal, "SIGKILL");
  EXPECT_FALSE(p.final_status.exit.oom_killed);
  EXPECT_FALSE(p.has_message("exit", "OOM killed"));
  // The exit was held for the grace before it counted.
  const auto& hist = p.final_status.history;
  auto running = std::find_if(hist.begin(), hist.end(), [](const auto& c) { return c.state == ts::running; });
  auto exited = std::find_if(hist.begin(), hist.end(), [](const auto& c) { return c.state == ts::exited; });
  ASSERT_NE(running, hist.end());
  ASSERT_NE(exited, hist.end());
  EXPECT_GE(exited->at_ms - running->at_ms, 150);
}

TEST(TaskActor, AdoptsARunningContainerOfItsOwn) {
  actor_harness h;
  auto id = h.make_container("web-a1b2c3", our_labels("web", "a1b2c3"), true);
  probe p(h.sys());
  auto task = h.start(make_instance("web"), p);
  ASSERT_TRUE(p.until_state(ts::running));
  EXPECT_TRUE(p.has_message("warning", "adopted running container"));
  EXPECT_FALSE(p.reached(ts::starting));
  EXPECT_EQ(h.status(task).container_id, id);
  EXPECT_EQ(h.docker->calls("container_create"), 2); // ours and the refused one
  caf::anon_send(task, stop_atom::value);
  ASSERT_TRUE(p.until_done());
  EXPECT_EQ(p.final_status.state, ts::cleaned);
}

TEST(TaskActor, RemovesADeadContainerOfItsOwnAndRetriesTheCreate) {
  actor_harness h;
  auto old_id = h.make_container("web-a1b2c3", our_labels("web", "a1b2c3"), false);
  probe p(h.sys());
  auto task = h.start(make_instance("web"), p);
  ASSERT_TRUE(p.until_state(ts::running));
  EXPECT_TRUE(p.has_message("warning", "removing dead container"));
  auto st = h.status(task);
  EXPECT_NE(st.container_id, old_id);
  EXPECT_EQ(h.docker->calls("container_create"), 3);
  caf::anon_send(task, stop_atom::value);
  ASSERT_TRUE(p.until_done());
}

TEST(TaskActor, NeverTouchesAContainerThatIsNotOurs) {
  actor_harness h;
  auto labels = our_labels("web", "someone-else");
  auto foreign = h.make_container("web-a1b2c3", labels, true);
  probe p(h.sys());
  h.start(make_instance("web"), p);
  ASSERT_TRUE(p.until_done());
  EXPECT_EQ(p.final_status.state, ts::failed);
  auto reason = p.final_status.history.back().reason;
  EXPECT_NE(reason.find("did not create"), std::string::npos) << reason;
  auto still = h.docker->container("web-a1b2c3");
  ASSERT_TRUE(still);
  EXPECT_EQ(still->id, foreign);
  EXPECT_TRUE(still->running);
  EXPECT_TRUE(h.docker->signals_of(foreign).empty());
  EXPECT_EQ(h.docker->calls("container_remove"), 0);
  EXPECT_EQ(h.docker->calls("container_kill"), 0);
}

TEST(TaskActor, RetriesTransientErrorsWithBackoff) {
  actor_harness h;
  h.docker->fail_next("container_create", 2, errc::daemon_error, "500 internal");
  h.docker->fail_next("container_start", 1, errc::timeout);
  probe p(h.sys());
  auto task = h.start(make_instance("web"), p);
  ASSERT_TRUE(p.until_state(ts::running));
  EXPECT_EQ(h.docker->calls("container_create"), 3);
  EXPECT_EQ(h.docker->calls("container_start"), 2);
  caf::anon_send(task, stop_atom::value);
  ASSERT_TRUE(p.until_done());
  EXPECT_EQ(p.final_status.state, ts::cleaned);
}

TEST(TaskActor, GivesUpAfterTheRetryBudget) {
  actor_harness h;
  h.settings.max_retries = 2;
  h.docker->fail_next("container_create", 10, errc::daemon_error, "500 internal");
  probe p(h.sys());
  h.start(make_instance("web"), p);
  ASSERT_TRUE(p.until_done());
  EXPECT_EQ(p.final_status.state, ts::failed);
  EXPECT_EQ(h.docker->calls("container_create"), 3);
  EXPECT_NE(p.final_status.history.back().reason.find("gave up after 2 retries"),
            std::string::npos);
}

TEST(TaskActor, DoesNotRetryAMissingImageOrRefusedCredentials) {
  actor_harness h;
  h.images_m->failures["nope:1"] =
    make_error(errc::not_found, "pull nope:1", "manifest for nope:1 not found");
  h.images_m->failures["private:1"] =
    make_error(errc::unauthorized, "pull private:1", "registry answered 401 unauthorized");
  probe p1(h.sys());
  h.start(make_instance("a", "a1", "nope:1"), p1);
  probe p2(h.sys());
  h.start(make_instance("b", "a2", "private:1"), p2);
  ASSERT_TRUE(p1.until_done());
  ASSERT_TRUE(p2.until_done());
  EXPECT_EQ(p1.final_status.state, ts::failed);
  EXPECT_EQ(p1.final_status.history.back().reason, "pull nope:1: manifest for nope:1 not found");
  EXPECT_EQ(p2.final_status.state, ts::failed);
  EXPECT_EQ(h.images_m->acquires("a1/a"), 1);
  EXPECT_EQ(h.images_m->acquires("a2/b"), 1);
  EXPECT_EQ(h.docker->calls("container_create"), 0);
}

TEST(TaskActor, StopSendsTheKillSignalThenSigkillAfterTheTimeout) {
  actor_harness h;
  h.settings.cleanup_container = false; // keeps the signals observable
  fake_engine::container_script stubborn;
  stubborn.ignores_sigterm = true;
  h.docker->script_container("web-a1b2c3", stubborn);
  probe p(h.sys());
  auto inst = make_instance("web");
  inst.task.edit().kill_timeout_ms = 200;
  auto task = h.start(inst, p);
  ASSERT_TRUE(p.until_state(ts::running));
  auto id = h.status(task).container_id;
  auto asked = std::chrono::steady_clock::now();
  caf::anon_send(task, stop_atom::value);
  ASSERT_TRUE(p.until_done());
  auto took = std::chrono::steady_clock::now() - asked;
  EXPECT_GE(took, 200ms);
  EXPECT_EQ(h.docker->signals_of(id), (std::vector<std::string>{"SIGTERM", "SIGKILL"}));
  EXPECT_EQ(p.final_status.exit.exit_code, 137);
  EXPECT_EQ(p.final_status.exit.signal, "SIGKILL");
  EXPECT_TRUE(p.has_message("warning", "sending SIGKILL"));
}

TEST(TaskActor, StopUsesTheImageStopSignalWhenTheTaskSetsNone) {
  actor_harness h;
  h.settings.cleanup_container = false; // keeps the signals observable
  image_info full;
  full.id = "sha256:full";
  full.stop_signal = "SIGUSR1";
  h.images_m->images["stevedore-test/busybox:1"] = full;
  probe p(h.sys());
  auto task = h.start(make_instance("web"), p);
  ASSERT_TRUE(p.until_state(ts::running));
  auto id = h.status(task).container_id;
  caf::anon_send(task, stop_atom::value);
  ASSERT_TRUE(p.until_done());
  // The fake only records SIGUSR1, so the kill timeout ends it.
  EXPECT_EQ(h.docker->signals_of(id), (std::vector<std::string>{"SIGUSR1", "SIGKILL"}));
}

TEST(TaskActor, TheTaskKillSignalWinsOverTheImageStopSignal) {
  actor_harness h;
  h.settings.cleanup_container = false; // keeps the signals observable
  image_info full;
  full.stop_signal = "SIGUSR1";
  h.images_m->images["stevedore-test/busybox:1"] = full;
  probe p(h.sys());
  auto inst = make_instance("web");
  inst.task.edit().kill_signal = "SIGINT";
  auto task = h.start(inst, p);
  ASSERT_TRUE(p.until_state(ts::running));
  auto id = h.status(task).container_id;
  caf::anon_send(task, stop_atom::value);
  ASSERT_TRUE(p.until_done());
  auto sigs = h.docker->signals_of(id);
  ASSERT_FALSE(sigs.empty());
  EXPECT_EQ(sigs.front(), "SIGINT");
}

TEST(TaskActor, StopWhilePullingEndsCleanWithoutAContainer) {
  actor_harness h;
  h.images_m->failures["slow:1"] = make_error(errc::timeout, "pull slow:1", "registry slow");
  probe p(h.sys());
  auto task = h.start(make_instance("web", "a1b2c3", "slow:1"), p);
  ASSERT_TRUE(p.until_state(ts::pulling));
  caf::anon_send(task, stop_atom::value);
  ASSERT_TRUE(p.until_done());
  EXPECT_EQ(p.final_status.state, ts::cleaned);
  EXPECT_EQ(h.docker->calls("container_create"), 0);
}

TEST(TaskActor, RestartPolicyFailModeRestartsThenFails) {
  actor_harness h;
  h.docker->script_container("web-a1b2c3", exits_after(20ms, 1));
  auto inst = make_instance("web");
  inst.task.edit().restart = restart_spec{2, 60000, 20, "fail"};
  probe p(h.sys());
  h.start(inst, p);
  ASSERT_TRUE(p.until_done());
  EXPECT_EQ(p.final_status.state, ts::failed);
  EXPECT_EQ(p.final_status.restarts, 2);
  EXPECT_EQ(p.messages("restart").size(), 2u);
  EXPECT_EQ(h.docker->calls("container_create"), 3);
  EXPECT_NE(p.final_status.history.back().reason.find("restart attempts exhausted"),
            std::string::npos);
  EXPECT_TRUE(eventually([&] { return h.images_m->releases("a1b2c3/web") == 1; }));
}

TEST(TaskActor, RestartPolicyDelayModeWaitsForTheNextInterval) {
  actor_harness h;
  h.docker->script_container("web-a1b2c3", exits_after(20ms, 1));
  auto inst = make_instance("web");
  inst.task.edit().restart = restart_spec{1, 600, 10, "delay"};
  probe p(h.sys());
  auto task = h.start(inst, p);
  ASSERT_TRUE(p.until([&] { return p.messages("restart").size() >= 2; }));
  auto second = std::chrono::steady_clock::now();
  EXPECT_NE(p.messages("restart")[1].find("mode delay"), std::string::npos);
  ASSERT_TRUE(p.until([&] { return h.docker->calls("container_create") >= 3; }, 3s));
  EXPECT_GE(std::chrono::steady_clock::now() - second, 300ms)
    << "the third run waits for the interval to end";
  EXPECT_FALSE(p.finished) << "mode delay never fails the task";
  caf::anon_send(task, stop_atom::value);
  ASSERT_TRUE(p.until_done());
  EXPECT_EQ(p.final_status.state, ts::cleaned);
}

TEST(TaskActor, AStartThatFailsFollowsTheRestartPolicy) {
  actor_harness h;
  h.docker->fail_next("container_start", 2, errc::not_permitted, "exec: \"nope\": not found");
  auto inst = make_instance("web");
  inst.task.edit().restart = restart_spec{1, 60000, 10, "fail"};
  probe p(h.sys());
  h.start(inst, p);
  ASSERT_TRUE(p.until_done());
  EXPECT_EQ(p.final_status.state, ts::failed);
  EXPECT_EQ(p.messages("restart").size(), 1u);
  EXPECT_TRUE(p.has_message("restart", "start failed"));
  EXPECT_EQ(h.docker->calls("container_create"), 2);
  EXPECT_EQ(h.docker->calls("container_start"), 2);
  EXPECT_NE(p.final_status.history.back().reason.find("not found"), std::string::npos);
  EXPECT_FALSE(h.docker->container("web-a1b2c3")) << "the unstartable container is removed";
}

TEST(TaskActor, KeepsExitedContainersWhenCleanupIsOff) {
  actor_harness h;
  h.settings.cleanup_container = false;
  h.docker->script_container("ok-a1b2c3", exits_after(20ms, 0));
  probe p(h.sys());
  h.start(make_instance("ok"), p);
  ASSERT_TRUE(p.until_done());
  EXPECT_EQ(p.final_status.state, ts::cleaned);
  auto kept = h.docker->container("ok-a1b2c3");
  ASSERT_TRUE(kept);
  EXPECT_FALSE(kept->running);
  EXPECT_EQ(h.docker->calls("container_remove"), 0);
}

TEST(TaskActor, SignalReachesTheRunningContainer) {
  actor_harness h;
  probe p(h.sys());
  auto task = h.start(make_instance("web"), p);
  ASSERT_TRUE(p.until_state(ts::running));
  caf::scoped_actor self{h.sys()};
  bool ok = false;
  self->request(task, 2s, signal_atom::value, std::string("SIGHUP"))
    .receive([&](unit) { ok = true; }, [&](caf::error& e) { ADD_FAILURE() << h.sys().render(e); });
  EXPECT_TRUE(ok);
  auto id = h.status(task).container_id;
  EXPECT_EQ(h.docker->signals_of(id), std::vector<std::string>{"SIGHUP"});
  caf::anon_send(task, stop_atom::value);
  ASSERT_TRUE(p.until_done());
}

TEST(TaskActor, StopBeforeTheContainerExistsEndsClean) {
  actor_harness h;
  probe p(h.sys());
  auto task = h.start(make_instance("web"), p);
  caf::anon_send(task, stop_atom::value);
  ASSERT_TRUE(p.until_done());
  EXPECT_EQ(p.final_status.state, ts::cleaned);
  EXPECT_FALSE(h.docker->container("web-a1b2c3"));
  EXPECT_TRUE(eventually([&] { return h.images_m->releases("a1b2c3/web") == 1; }));
  EXPECT_EQ(h.images_m->acquires("a1b2c3/web"), 1);
}

// An exec through the task actor: (output, exit code) or an error.
result<exec_output> exec_in(actor_harness& h, const task_actor& task, std::vector<std::string> cmd,
                            std::int64_t timeout_ms = 5000) {
  caf::scoped_actor self{h.sys()};
  std::optional<result<exec_output>> out;
  self->request(task, 5s, exec_atom::value, std::move(cmd), timeout_ms)
    .receive([&](exec_output& o) { out.emplace(std::move(o)); },
             [&](caf::error& e) { out.emplace(from_caf(e)); });
  return std::move(*out);
}

TEST(TaskActor, ExecRunsInTheRunningContainerAndTellsTheExitCode) {
  actor_harness h;
  fake_engine::exec_script script;
  script.output = {{docker::output_stream::stdout_stream, "uid=0(root)\n"},
                   {docker::output_stream::stderr_stream, "warn\n"}};
  script.exit_code = 3;
  h.docker->script_exec("id", script);
  probe p(h.sys());
  auto task = h.start(make_instance("web"), p);
  ASSERT_TRUE(p.until_state(ts::running));
  auto r = exec_in(h, task, {"id", "-u"});
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->stdout_text, "uid=0(root)\n");
  EXPECT_EQ(r->stderr_text, "warn\n");
  EXPECT_FALSE(r->truncated);
  caf::anon_send(task, stop_atom::value);
  ASSERT_TRUE(p.until_done());
}

TEST(TaskActor, ExecIsRefusedUnlessTheTaskRuns) {
  actor_harness h;
  h.docker->script_container("ok-a1b2c3", exits_after(10ms, 0));
  probe p(h.sys());
  auto task = h.start(make_instance("ok"), p);
  caf::anon_send(task, stop_atom::value);
  auto r = exec_in(h, task, {"true"});
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().kind == errc::conflict || r.error().kind == errc::unavailable)
    << to_string(r.error());
  ASSERT_TRUE(p.until_done());
}

TEST(TaskActor, AnExecWhoseContainerWentAwayIsAConflictNamingTheStep) {
  actor_harness h;
  probe p(h.sys());
  auto task = h.start(make_instance("web"), p);
  ASSERT_TRUE(p.until_state(ts::running));
  h.docker->fail_next("exec_create", 1, errc::not_found, "no such container");
  auto r = exec_in(h, task, {"true"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, errc::conflict);
  EXPECT_EQ(r.error().what, "exec in task a1b2c3/web");
  EXPECT_EQ(r.error().message.rfind("create: ", 0), 0u) << r.error().message;
  caf::anon_send(task, stop_atom::value);
  ASSERT_TRUE(p.until_done());
}

} // namespace
} // namespace stevedore::testing
