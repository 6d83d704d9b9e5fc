// The specification's lifecycle scenarios as event sequences through the
// step function: no daemon, no actor, no clock.
#include <gtest/gtest.h>

#include "tests/policy/lifecycle_support.hpp"

namespace stevedore::testing {
namespace {

using lc::call;
using lc::timer;
using ts = task_state;
namespace ev = lc::ev;
namespace cmd = lc::cmd;

template <class Command>
const Command* find(const std::vector<lc::command>& cs) {
  for (const auto& c : cs)
    if (auto* x = std::get_if<Command>(&c))
      return x;
  return nullptr;
}

const cmd::emit_exit* last_exit(const lifecycle_driver& d) {
  const cmd::emit_exit* out = nullptr;
  for (const auto& c : d.all)
    if (auto* x = std::get_if<cmd::emit_exit>(&c))
      out = x;
  return out;
}

std::vector<ts> states(const lifecycle_driver& d) {
  std::vector<ts> out;
  for (const auto& c : d.all)
    if (auto* x = std::get_if<cmd::emit_state>(&c))
      out.push_back(x->state);
  return out;
}

// Exit, logs written, container removed: the end of a run.
void finish_cleanup(lifecycle_driver& d) {
  d.feed(ev::logs_finished{});
  d.ok(call::remove);
}

TEST(LifecycleScenario, StopSendsTheKillSignalThenSigkillAfterTheKillTimeout) {
  lifecycle_driver d;
  d.to_running();
  d.feed(ev::stop{});
  auto* kill = find<cmd::kill>(d.last);
  ASSERT_TRUE(kill);
  EXPECT_EQ(kill->signal, "SIGTERM");
  auto* arm = find<cmd::arm>(d.last);
  ASSERT_TRUE(arm);
  EXPECT_EQ(arm->which, timer::kill);
  EXPECT_EQ(arm->delay_ms, 5000);
  d.ok(call::kill); // delivered, but the process ignores it
  d.fire(timer::kill);
  kill = find<cmd::kill>(d.last);
  ASSERT_TRUE(kill);
  EXPECT_EQ(kill->signal, "SIGKILL");
  d.exits(137);
  ASSERT_TRUE(last_exit(d));
  EXPECT_EQ(last_exit(d)->exit.signal, "SIGKILL");
  EXPECT_EQ(d.life.state, ts::exited);
  finish_cleanup(d);
  EXPECT_EQ(d.life.state, ts::cleaned) << "a stopped task ends cleaned, whatever its exit code";
  EXPECT_EQ(states(d), (std::vector<ts>{ts::pending, ts::pulling, ts::creating, ts::starting,
                                        ts::running, ts::stopping, ts::exited, ts::cleaned}));
  EXPECT_EQ(d.count<cmd::release>(), 1);
  EXPECT_EQ(d.count<cmd::remove>(), 1);
}

TEST(LifecycleScenario, AnExitBeforeTheKillTimeoutSendsNoSigkill) {
  lifecycle_driver d;
  d.to_running();
  d.feed(ev::stop{});
  d.ok(call::kill);
  d.exits(143);
  EXPECT_FALSE(d.life.armed(timer::kill)) << "the kill timer does not outlive stopping";
  auto before = d.count<cmd::kill>();
  d.feed(ev::timer_fired{timer::kill, 1}); // a stale firing
  EXPECT_TRUE(d.last_ignored);
  EXPECT_EQ(d.count<cmd::kill>(), before);
  EXPECT_EQ(last_exit(d)->exit.signal, "SIGTERM");
}

TEST(LifecycleScenario, TheImageStopSignalIsUsedWhenTheTaskSetsNone) {
  lifecycle_driver d;
  d.feed(ev::begin{});
  d.ok(call::prepare);
  d.image("sha256:img", "SIGUSR1");
  d.created();
  d.ok(call::start);
  d.feed(ev::stop{});
  EXPECT_EQ(find<cmd::kill>(d.last)->signal, "SIGUSR1");
}

TEST(LifecycleScenario, TheTaskKillSignalWinsOverTheImageStopSignal) {
  lifecycle_driver d;
  d.rules.kill_signal = "SIGINT";
  d.feed(ev::begin{});
  d.ok(call::prepare);
  d.image("sha256:img", "SIGUSR1");
  d.created();
  d.ok(call::start);
  d.feed(ev::stop{});
  EXPECT_EQ(find<cmd::kill>(d.last)->signal, "SIGINT");
}

TEST(LifecycleScenario, AUsersRestartStopsTheRunAndStartsAnotherAtOnceOutsideThePolicy) {
  lifecycle_driver d; // no_restarts(): the policy would fail any failed run
  d.to_running();
  d.feed(ev::restart{});
  auto* kill = find<cmd::kill>(d.last);
  ASSERT_TRUE(kill);
  EXPECT_EQ(kill->signal, "SIGTERM");
  EXPECT_EQ(d.life.state, ts::stopping);
  d.ok(call::kill);
  d.exits(143);
  ASSERT_TRUE(find<cmd::emit_restart>(d.last));
  EXPECT_NE(find<cmd::emit_restart>(d.last)->message.find("not counted"), std::string::npos);
  finish_cleanup(d);
  EXPECT_EQ(d.life.at, lc::phase::restart_wait);
  auto* arm = find<cmd::arm>(d.last);
  ASSERT_TRUE(arm);
  EXPECT_EQ(arm->delay_ms, 0) << "no restart delay";
  d.fire(timer::restart);
  EXPECT_TRUE(find<cmd::create>(d.last)) << "the same plan is created again";
  d.created("c0ffee0000000000000000000002");
  d.ok(call::start);
  EXPECT_EQ(d.life.state, ts::running);
  EXPECT_EQ(d.life.restarts, 1);
  EXPECT_FALSE(d.life.restart_asked);
  d.exits(1);
  finish_cleanup(d);
  EXPECT_EQ(d.life.state, ts::failed) << "the policy decides the next failed run as before";
}

TEST(LifecycleScenario, ARestartIsIgnoredUnlessRunningAndAStopWinsOverIt) {
  lifecycle_driver d;
  d.feed(ev::begin{});
  d.feed(ev::restart{});
  EXPECT_TRUE(d.last_ignored) << "pending";
  d.ok(call::prepare);
  d.image();
  d.created();
  d.ok(call::start);
  d.feed(ev::restart{});
  EXPECT_FALSE(d.last_ignored);
  d.feed(ev::restart{});
  EXPECT_TRUE(d.last_ignored) << "already restarting";
  d.feed(ev::stop{});
  d.exits(143);
  finish_cleanup(d);
  EXPECT_EQ(d.life.state, ts::cleaned) << "stopped while restarting: the end";
  EXPECT_EQ(d.count<cmd::create>(), 1);
}

TEST(LifecycleScenario, RestartModeFailRestartsAttemptsTimesThenFails) {
  lifecycle_driver d;
  d.restart = restart_spec{2, 60'000, 15, "fail"};
  d.to_running();
  for (int run = 0; run < 2; ++run) {
    d.exits(1);
    EXPECT_TRUE(find<cmd::emit_restart>(d.last)) << "run " << run;
    finish_cleanup(d);
    EXPECT_EQ(d.life.at, lc::phase::restart_wait);
    auto* arm = find<cmd::arm>(d.last);
    ASSERT_TRUE(arm);
    EXPECT_EQ(arm->delay_ms, 15);
    d.now += 15;
    d.fire(timer::restart);
    EXPECT_TRUE(find<cmd::create>(d.last)) << "the same plan is created again";
    d.created("c0ffee00000000000000000000" + std::to_string(run + 10));
    d.ok(call::start);
    EXPECT_EQ(d.life.restarts, run + 1);
  }
  d.exits(1);
  finish_cleanup(d);
  EXPECT_EQ(d.life.state, ts::failed);
  auto* st = std::get_if<cmd::emit_state>(&d.all[d.all.size() - 3]);
  ASSERT_TRUE(st);
  EXPECT_NE(st->reason.find("restart attempts exhausted"), std::string::npos) << st->reason;
  EXPECT_EQ(d.count<cmd::release>(), 1) << "one lease over all the runs";
}

TEST(LifecycleScenario, RestartModeDelayWaitsForTheNextInterval) {
  lifecycle_driver d;
  d.restart = restart_spec{1, 10'000, 100, "delay"};
  d.to_running();
  d.exits(1); // restart 1 of 1
  finish_cleanup(d);
  d.now += 100;
  d.fire(timer::restart);
  d.created("c0ffee000000000000000000000b");
  d.ok(call::start);
  d.now += 1000;
  d.exits(2); // exhausted: waits until the window that began 1,100 ms ago ends
  auto* restart = find<cmd::emit_restart>(d.last);
  ASSERT_TRUE(restart);
  EXPECT_NE(restart->message.find("mode delay"), std::string::npos) << restart->message;
  finish_cleanup(d);
  auto* arm = find<cmd::arm>(d.last);
  ASSERT_TRUE(arm);
  EXPECT_EQ(arm->which, timer::restart);
  EXPECT_EQ(arm->delay_ms, 10'000 - 1'100);
}

TEST(LifecycleScenario, AFailedStartFollowsTheRestartPolicy) {
  lifecycle_driver d;
  d.restart = restart_spec{1, 60'000, 10, "fail"};
  d.feed(ev::begin{});
  d.ok(call::prepare);
  d.image();
  d.created();
  d.fail(call::start, errc::daemon_error, "exec: not found"); // retryable 5xx...
  EXPECT_EQ(d.life.wait, lc::waiting::retry);
  d.fail(call::start, errc::not_found, "no such file"); // ...then one that is not
  EXPECT_TRUE(find<cmd::emit_restart>(d.all.empty() ? d.last : d.all));
  EXPECT_EQ(d.life.at, lc::phase::removing) << "the name is freed for the restart";
  d.ok(call::remove);
  d.fire(timer::restart);
  EXPECT_EQ(d.life.state, ts::creating);
}

TEST(LifecycleScenario, AnOomKillIsReportedWhenItsEventComesAfterTheExit) {
  lifecycle_driver d;
  d.to_running();
  d.exits(137); // OOMKilled not yet set by the daemon
  EXPECT_EQ(d.life.state, ts::running) << "held for the oom grace";
  EXPECT_TRUE(d.life.armed(timer::oom_grace));
  d.feed(ev::oom{d.life.container_id});
  EXPECT_EQ(d.life.state, ts::exited);
  EXPECT_TRUE(last_exit(d)->exit.oom_killed);
  EXPECT_FALSE(d.life.armed(timer::oom_grace));
  finish_cleanup(d);
  EXPECT_EQ(d.life.state, ts::failed);
}

TEST(LifecycleScenario, ASigkillNobodyExplainsCountsAfterTheGraceAsAPlainExit) {
  lifecycle_driver d;
  d.to_running();
  d.exits(137);
  d.fire(timer::oom_grace);
  ASSERT_TRUE(last_exit(d));
  EXPECT_FALSE(last_exit(d)->exit.oom_killed);
  EXPECT_EQ(last_exit(d)->exit.signal, "SIGKILL");
}

TEST(LifecycleScenario, AnOomBeforeTheExitMarksIt) {
  lifecycle_driver d;
  d.to_running();
  d.feed(ev::oom{d.life.container_id});
  d.exits(137);
  EXPECT_EQ(d.life.state, ts::exited) << "no grace needed";
  EXPECT_TRUE(last_exit(d)->exit.oom_killed);
}

TEST(LifecycleScenario, ANameHeldBySomebodyElseFailsAndLeavesTheirContainer) {
  lifecycle_driver d;
  d.feed(ev::begin{});
  d.ok(call::prepare);
  d.image();
  d.fail(call::create, errc::conflict);
  d.feed(ev::name_holder{d.life.epoch, "beef0000000000", false, true, "running"});
  EXPECT_EQ(d.life.state, ts::failed);
  EXPECT_EQ(d.count<cmd::clear_holder>(), 0);
  EXPECT_EQ(d.count<cmd::remove>(), 0);
  EXPECT_EQ(d.count<cmd::kill>(), 0);
}

TEST(LifecycleScenario, ADeadHolderOfOursIsRemovedAndTheCreateRetried) {
  lifecycle_driver d;
  d.feed(ev::begin{});
  d.ok(call::prepare);
  d.image();
  d.fail(call::create, errc::conflict);
  d.feed(ev::name_holder{d.life.epoch, "beef0000000000", true, false, "exited"});
  auto* clear = find<cmd::clear_holder>(d.last);
  ASSERT_TRUE(clear);
  EXPECT_EQ(clear->id, "beef0000000000");
  d.ok(call::clear_holder);
  EXPECT_TRUE(find<cmd::create>(d.last));
  d.created();
  d.ok(call::start);
  EXPECT_EQ(d.life.state, ts::running);
}

TEST(LifecycleScenario, ADeadHolderThatKeepsComingBackFailsAfterTheLimit) {
  lifecycle_driver d;
  d.rules.max_conflict_retries = 2;
  d.feed(ev::begin{});
  d.ok(call::prepare);
  d.image();
  for (int i = 0; i < 3; ++i) {
    d.fail(call::create, errc::conflict);
    d.feed(ev::name_holder{d.life.epoch, "beef0000000000", true, false, "exited"});
    if (d.life.at == lc::phase::clearing)
      d.ok(call::clear_holder);
  }
  EXPECT_EQ(d.life.state, ts::failed);
  EXPECT_EQ(d.count<cmd::clear_holder>(), 2);
}

TEST(LifecycleScenario, ARunningHolderOfOursIsAdopted) {
  lifecycle_driver d;
  d.feed(ev::begin{});
  d.ok(call::prepare);
  d.image();
  d.fail(call::create, errc::conflict);
  d.feed(ev::name_holder{d.life.epoch, "beef0000000000", true, true, "running"});
  EXPECT_EQ(d.life.state, ts::running);
  EXPECT_EQ(d.life.container_id, "beef0000000000");
  EXPECT_TRUE(find<cmd::inspect>(d.last)) << "it may have died before the watch began";
  EXPECT_EQ(d.count<cmd::start>(), 0) << "adopted, not started again";
}

TEST(LifecycleScenario, TheDaemonAwayUnderARunningTaskIsNeverItsDeath) {
  lifecycle_driver d;
  d.to_running();
  d.feed(ev::died{d.life.container_id}); // the stream says die, but...
  for (int i = 0; i < 10; ++i) {
    d.fail(call::inspect, errc::daemon_unreachable); // ...the daemon is gone
    EXPECT_EQ(d.life.state, ts::running);
    EXPECT_EQ(d.life.wait, lc::waiting::daemon);
    d.fire(timer::recheck);
  }
  EXPECT_EQ(d.count<cmd::emit_exit>(), 0);
  d.feed(ev::inspected{d.life.epoch, true, 0, false, {}});
  EXPECT_EQ(d.life.wait, lc::waiting::no);
  EXPECT_EQ(d.life.state, ts::running);
  d.fail(call::inspect, errc::daemon_unreachable);
  d.feed(ev::daemon_health{true}); // back: look again at once
  EXPECT_TRUE(find<cmd::inspect>(d.last));
}

TEST(LifecycleScenario, AStopWhileTheDaemonIsAwayIsSignalledAgainWhenItReturns) {
  lifecycle_driver d;
  d.to_running();
  d.feed(ev::stop{});
  d.fail(call::kill, errc::daemon_unreachable);
  EXPECT_EQ(d.life.state, ts::stopping);
  d.feed(ev::daemon_health{true});
  d.feed(ev::inspected{d.life.epoch, true, 0, false, {}});
  auto* kill = find<cmd::kill>(d.last);
  ASSERT_TRUE(kill);
  EXPECT_EQ(kill->signal, "SIGTERM");
}

TEST(LifecycleScenario, StopDuringPullEndsCleanWithoutAContainerAndReleasesTheLease) {
  lifecycle_driver d;
  d.feed(ev::begin{});
  d.ok(call::prepare);
  d.feed(ev::stop{});
  EXPECT_EQ(d.life.state, ts::pulling) << "the pull in flight answers first";
  d.image();
  EXPECT_EQ(d.life.state, ts::cleaned);
  EXPECT_EQ(d.count<cmd::create>(), 0);
  EXPECT_EQ(d.count<cmd::release>(), 1);
}

TEST(LifecycleScenario, StopDuringCreateRemovesTheContainerWithoutStartingIt) {
  lifecycle_driver d;
  d.feed(ev::begin{});
  d.ok(call::prepare);
  d.image();
  d.feed(ev::stop{});
  d.created();
  EXPECT_EQ(d.count<cmd::start>(), 0);
  EXPECT_EQ(d.life.at, lc::phase::removing);
  d.ok(call::remove);
  EXPECT_EQ(d.life.state, ts::cleaned);
}

TEST(LifecycleScenario, StopAfterACreateThatTimedOutFindsTheContainerByName) {
  lifecycle_driver d;
  d.feed(ev::begin{});
  d.ok(call::prepare);
  d.image();
  d.fail(call::create, errc::timeout); // the daemon may have made it
  EXPECT_EQ(d.life.intent, lc::create_intent::unconfirmed);
  d.feed(ev::stop{});
  EXPECT_NE(d.life.state, ts::cleaned) << "not before the name is checked";
  d.fire(timer::retry);
  EXPECT_TRUE(find<cmd::find_holder>(d.last));
  EXPECT_EQ(d.count<cmd::create>(), 1) << "no new create after the stop";
  d.feed(ev::name_holder{d.life.epoch, "beef0000000000", true, false, "created"});
  EXPECT_TRUE(find<cmd::clear_holder>(d.last));
  d.ok(call::clear_holder);
  EXPECT_EQ(d.life.state, ts::cleaned);
  EXPECT_EQ(d.count<cmd::create>(), 1);
}

TEST(LifecycleScenario, StopWhileWaitingToRetryAPullEndsAtOnce) {
  lifecycle_driver d;
  d.feed(ev::begin{});
  d.ok(call::prepare);
  d.fail(call::acquire, errc::daemon_error);
  d.feed(ev::stop{});
  EXPECT_EQ(d.life.state, ts::cleaned);
  EXPECT_FALSE(d.life.armed(timer::retry));
}

TEST(LifecycleScenario, TransientErrorsAreRetriedWithBackoffThenFail) {
  lifecycle_driver d;
  d.rules.max_retries = 3;
  d.feed(ev::begin{});
  d.ok(call::prepare);
  std::vector<std::int64_t> delays;
  for (int i = 0; i < 3; ++i) {
    d.fail(call::acquire, errc::daemon_error);
    delays.push_back(find<cmd::arm>(d.last)->delay_ms);
    d.fire(timer::retry);
  }
  EXPECT_EQ(delays, (std::vector<std::int64_t>{250, 500, 1000}));
  d.fail(call::acquire, errc::daemon_error);
  EXPECT_EQ(d.life.state, ts::failed);
}

// The image removed under a task between two runs (its lease kept): the
// restart's create answers 404 "No such image"; the lease is given back and
// taken again (a pull), a bounded number of times per run; another 404 (a
// network) fails as before.
TEST(LifecycleScenario, AnImageRemovedBetweenRunsIsLeasedAndPulledAgain) {
  lifecycle_driver d;
  d.restart = restart_spec{5, 60'000, 15, "fail"};
  d.to_running();
  d.exits(1);
  finish_cleanup(d);
  d.fire(timer::restart);
  ASSERT_TRUE(find<cmd::create>(d.last));
  d.fail(call::create, errc::not_found, "No such image: sha256:img");
  EXPECT_EQ(d.life.state, ts::pulling);
  EXPECT_TRUE(find<cmd::release>(d.last)) << lifecycle_driver::describe(d.last);
  EXPECT_TRUE(find<cmd::acquire>(d.last)) << lifecycle_driver::describe(d.last);
  d.image("sha256:img2");
  ASSERT_TRUE(find<cmd::create>(d.last));
  d.created("c0ffee0000000000000000000002");
  d.ok(call::start);
  EXPECT_EQ(d.life.state, ts::running);
  EXPECT_EQ(d.life.restarts, 1);
  EXPECT_EQ(d.count<cmd::acquire>(), 2);
  EXPECT_EQ(d.count<cmd::release>(), 1) << "the first lease, given back once";

  // Removed again and again within one run: bounded (max_retries = 2).
  d.exits(1);
  finish_cleanup(d);
  d.fire(timer::restart);
  for (int i = 0; i < 2; ++i) {
    d.fail(call::create, errc::not_found, "No such image: sha256:img2");
    ASSERT_EQ(d.life.state, ts::pulling) << i;
    d.image("sha256:img2");
  }
  d.fail(call::create, errc::not_found, "No such image: sha256:img2");
  EXPECT_EQ(d.life.state, ts::failed);
}

TEST(LifecycleScenario, ACreatesOther404FailsWithoutAPull) {
  lifecycle_driver d;
  d.feed(ev::begin{});
  d.ok(call::prepare);
  d.image();
  d.fail(call::create, errc::not_found, "network web-net not found");
  EXPECT_EQ(d.life.state, ts::failed);
  EXPECT_EQ(d.count<cmd::acquire>(), 1);
}

TEST(LifecycleScenario, ContainersAreKeptWhenCleanupIsOff) {
  lifecycle_driver d;
  d.rules.cleanup_container = false;
  d.to_running();
  d.exits(0);
  d.feed(ev::logs_finished{});
  EXPECT_EQ(d.life.state, ts::cleaned);
  EXPECT_EQ(d.count<cmd::remove>(), 0);
}

TEST(LifecycleScenario, LogsThatDoNotDrainAreCutAfterTheBound) {
  lifecycle_driver d;
  d.to_running();
  d.exits(0);
  EXPECT_EQ(d.life.at, lc::phase::draining);
  d.fire(timer::log_drain);
  EXPECT_TRUE(find<cmd::drop_logs>(d.last));
  EXPECT_TRUE(find<cmd::remove>(d.last));
}

TEST(LifecycleScenario, AContainerRemovedBehindOurBackFailsTheTask) {
  lifecycle_driver d;
  d.to_running();
  d.feed(ev::died{d.life.container_id});
  d.fail(call::inspect, errc::not_found);
  EXPECT_EQ(d.life.state, ts::failed);
  EXPECT_EQ(d.count<cmd::remove>(), 0);
  EXPECT_EQ(d.life.exit->error, "container removed outside stevedore");
}

TEST(LifecycleScenario, RecoveryFactsAreRecordedWhenTheyChange) {
  lifecycle_driver d;
  d.feed(ev::begin{});
  d.ok(call::prepare);
  EXPECT_TRUE(find<cmd::record_state>(d.last));
  d.image();
  EXPECT_TRUE(find<cmd::record_intent>(d.last)) << "the intent comes before the create";
  auto intent = std::find_if(d.last.begin(), d.last.end(), [](const auto& c) {
    return std::holds_alternative<cmd::record_intent>(c);
  });
  auto create = std::find_if(d.last.begin(), d.last.end(), [](const auto& c) {
    return std::holds_alternative<cmd::create>(c);
  });
  EXPECT_LT(intent, create);
  d.feed(ev::died{"not-ours"});
  EXPECT_FALSE(find<cmd::record_state>(d.last));
}

TEST(LifecycleScenario, AGarbledCreateAnswerIsSettledByTheNameNotLeaked) {
  lifecycle_driver d;
  d.feed(ev::begin{});
  d.ok(call::prepare);
  d.image();
  d.fail(call::create, errc::malformed_answer, "unexpected end of JSON"); // made, or not
  EXPECT_EQ(d.life.intent, lc::create_intent::unconfirmed);
  EXPECT_EQ(d.life.wait, lc::waiting::retry) << "tried again, not failed";
  d.fire(timer::retry);
  d.fail(call::create, errc::conflict); // it was made: the name is taken
  d.feed(ev::name_holder{d.life.epoch, "beef0000000000", true, false, "created"});
  d.ok(call::clear_holder);
  EXPECT_EQ(d.life.intent, lc::create_intent::sent);
  d.created();
  d.ok(call::start);
  EXPECT_EQ(d.life.state, ts::running);
  EXPECT_EQ(d.count<cmd::clear_holder>(), 1) << "the garbled create's container was removed";
}

TEST(LifecycleHelpers, TheStopSignalIsTheTasksThenTheImagesThenSigterm) {
  lc::rules r;
  lc::lifecycle l;
  EXPECT_EQ(lc::stop_signal(r, l), "SIGTERM");
  l.image_stop_signal = "SIGUSR1";
  EXPECT_EQ(lc::stop_signal(r, l), "SIGUSR1");
  r.kill_signal = "SIGINT";
  EXPECT_EQ(lc::stop_signal(r, l), "SIGINT");
}

TEST(LifecycleHelpers, AnExitNamesTheSignalOfCodesAbove128) {
  ev::inspected i{0, false, 137, true, "boom"};
  auto x = lc::exit_of(i, 42);
  EXPECT_EQ(x.signal, "SIGKILL");
  EXPECT_TRUE(x.oom_killed);
  EXPECT_EQ(x.error, "boom");
  EXPECT_EQ(x.finished_at_ms, 42);
  i.exit_code = 3;
  EXPECT_EQ(lc::exit_of(i, 0).signal, "");
  i.exit_code = 143;
  EXPECT_EQ(lc::exit_of(i, 0).signal, "SIGTERM");
  i.exit_code = 128 + 64; // no name: a code, not a signal
  EXPECT_EQ(lc::exit_of(i, 0).signal, "");
  EXPECT_STREQ(lc::signal_name(9), "SIGKILL");
  EXPECT_EQ(lc::signal_name(0), nullptr);
}

// -- recovery: the supervisor started again on its state (issue 13) --

restart_spec restarts(int attempts) {
  restart_spec r;
  r.attempts = attempts;
  r.interval_ms = 60000;
  r.delay_ms = 100;
  r.mode = "fail";
  return r;
}

TEST(LifecycleRecovery, ARunningContainerIsReattachedNotRestarted) {
  lifecycle_driver d;
  d.recover(recovered_container());
  EXPECT_EQ(d.life.state, ts::running);
  EXPECT_TRUE(d.life.recovering);
  EXPECT_TRUE(find<cmd::watch>(d.last));
  EXPECT_TRUE(find<cmd::follow_logs>(d.last)) << "its logs resume";
  EXPECT_TRUE(find<cmd::sample>(d.last)) << "its stats resume";
  ASSERT_TRUE(find<cmd::inspect>(d.last));
  d.feed(ev::inspected{d.life.epoch, true, 0, false, {}});
  EXPECT_EQ(d.life.state, ts::running);
  EXPECT_FALSE(d.life.recovering);
  EXPECT_EQ(d.life.restarts, 1) << "the stored count";
  EXPECT_EQ(d.count<cmd::create>(), 0);
  EXPECT_EQ(d.count<cmd::start>(), 0);
  EXPECT_EQ(d.count<cmd::acquire>(), 0) << "the lease was rebuilt, not taken again";
  d.feed(ev::stop{}); // and it stops like any running task
  ASSERT_TRUE(find<cmd::kill>(d.last));
}

// Each recovered task says once what it found (the supervisor counts them
// to know when recovery ended): a re-attached one only after its inspect.
TEST(LifecycleRecovery, EveryRecoveredTaskSaysOnceWhatItFound) {
  auto said = [](const lifecycle_driver& d) {
    std::vector<std::string> out;
    for (const auto& c : d.all)
      if (auto* r = std::get_if<cmd::emit_recovered>(&c))
        out.push_back(r->message);
    return out;
  };
  lifecycle_driver running;
  running.recover(recovered_container());
  EXPECT_TRUE(said(running).empty()) << "not before the daemon confirmed it";
  running.feed(ev::inspected{running.life.epoch, true, 0, false, {}});
  ASSERT_EQ(said(running).size(), 1u);
  EXPECT_NE(said(running)[0].find("re-attached"), std::string::npos) << said(running)[0];
  running.feed(ev::died{running.life.container_id});
  running.feed(ev::inspected{running.life.epoch, false, 0, false, {}});
  EXPECT_EQ(said(running).size(), 1u) << "a later inspect says nothing more";

  lifecycle_driver exited;
  exited.recover(recovered_container());
  exited.feed(ev::inspected{exited.life.epoch, false, 3, false, {}});
  ASSERT_EQ(said(exited).size(), 1u);
  EXPECT_NE(said(exited)[0].find("exited"), std::string::npos) << said(exited)[0];

  lifecycle_driver gone;
  gone.recover(recovered_container());
  gone.fail(call::inspect, errc::not_found);
  ASSERT_EQ(said(gone).size(), 1u);
  EXPECT_NE(said(gone)[0].find("gone"), std::string::npos) << said(gone)[0];

  lifecycle_driver intent;
  intent.recover(recovered_intent());
  EXPECT_EQ(said(intent).size(), 1u) << "told at once: what it does instead";
}

TEST(LifecycleRecovery, AContainerThatExitedWhileAwayGoesThroughItsRestartPolicy) {
  lifecycle_driver d;
  d.restart = restarts(2);
  d.recover(recovered_container());
  d.feed(ev::inspected{d.life.epoch, false, 3, false, {}});
  auto* exit = last_exit(d);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->exit.exit_code, 3) << "the real exit code, from the daemon";
  EXPECT_TRUE(find<cmd::emit_restart>(d.all));
  finish_cleanup(d);
  d.fire(timer::restart);
  EXPECT_EQ(d.life.restarts, 2);
  EXPECT_TRUE(find<cmd::create>(d.last));
}

TEST(LifecycleRecovery, AGoneContainerIsLostAndHandledByTheRestartPolicy) {
  lifecycle_driver d;
  d.restart = restarts(1);
  d.recover(recovered_container());
  d.fail(call::inspect, errc::not_found, "No such container");
  auto* exit = last_exit(d);
  ASSERT_TRUE(exit);
  EXPECT_NE(exit->message.find("lost while stevedore was away"), std::string::npos) << exit->message;
  bool warned = false;
  for (const auto& c : d.all)
    if (auto* w = std::get_if<cmd::emit_warning>(&c))
      warned = warned || w->message.find("is gone") != std::string::npos;
  EXPECT_TRUE(warned);
  EXPECT_TRUE(d.life.container_id.empty());
  d.feed(ev::logs_finished{});
  EXPECT_EQ(d.count<cmd::remove>(), 0) << "nothing is left to remove";
  EXPECT_EQ(d.life.at, lc::phase::restart_wait);
  d.fire(timer::restart);
  EXPECT_TRUE(find<cmd::create>(d.last));
}

TEST(LifecycleRecovery, AGoneContainerWithoutRestartsFails) {
  lifecycle_driver d;
  d.recover(recovered_container());
  d.fail(call::inspect, errc::not_found);
  d.feed(ev::logs_finished{});
  EXPECT_EQ(d.life.state, ts::failed);
  EXPECT_EQ(d.count<cmd::release>(), 1) << "the rebuilt lease goes back once";
}

TEST(LifecycleRecovery, AnUnconfirmedCreateIsSettledByTheName) {
  lifecycle_driver d;
  d.recover(recovered_intent());
  ASSERT_TRUE(find<cmd::find_holder>(d.last));
  EXPECT_EQ(d.count<cmd::create>(), 0) << "never a second container before the name is asked";
  d.feed(ev::name_holder{d.life.epoch, "c0ffee0000000000000000000009", true, true, "running"});
  EXPECT_EQ(d.life.state, ts::running);
  EXPECT_EQ(d.life.container_id, "c0ffee0000000000000000000009");
  EXPECT_EQ(d.count<cmd::create>(), 0);

  lifecycle_driver none;
  none.recover(recovered_intent());
  none.fail(call::find_holder, errc::not_found);
  EXPECT_TRUE(find<cmd::create>(none.last)) << "nothing was made: created now";
}

TEST(LifecycleRecovery, ATaskWithoutLeaseStartsFromTheBeginning) {
  lifecycle_driver d;
  lc::ev::recovered r;
  d.recover(r);
  EXPECT_TRUE(find<cmd::prepare>(d.last));
  EXPECT_EQ(d.life.state, ts::pending);
}

TEST(LifecycleRecovery, ARestartDueIsMadeWithTheStoredCount) {
  lifecycle_driver d;
  auto r = recovered_intent();
  r.intent = false;
  r.restart_due = true;
  r.restarts = 3;
  d.recover(r);
  EXPECT_TRUE(find<cmd::create>(d.last));
  EXPECT_EQ(d.life.restarts, 4);
}

TEST(LifecycleRecovery, AStopAskedBeforeTheRestartGoesOn) {
  lifecycle_driver d;
  auto r = recovered_container();
  r.stop_asked = true;
  d.recover(r);
  EXPECT_EQ(d.life.state, ts::stopping);
  auto* kill = find<cmd::kill>(d.last);
  ASSERT_TRUE(kill);
  EXPECT_EQ(kill->signal, "SIGTERM");
}

// A container whose start was never confirmed: inspected first; started
// only if it never was (status "created").
TEST(LifecycleRecovery, ACreatedButUnstartedContainerIsStartedNotTakenForAnExit) {
  lifecycle_driver d;
  auto r = recovered_container();
  r.unstarted = true;
  d.recover(r);
  EXPECT_EQ(d.life.state, ts::starting);
  ASSERT_TRUE(find<cmd::inspect>(d.last));
  EXPECT_FALSE(find<cmd::start>(d.last)) << "not before the inspect says it never started";
  d.feed(ev::inspected{d.life.epoch, false, 0, false, {}, true});
  auto* start = find<cmd::start>(d.last);
  ASSERT_TRUE(start);
  EXPECT_EQ(start->id, r.container_id);
  EXPECT_EQ(d.count<cmd::create>(), 0);
  d.ok(call::start);
  EXPECT_EQ(d.life.state, ts::running);
}

// Found by tools/fault.sh: the agent SIGKILLed after a start was sent and
// before its answer was recorded; the container ran and exited meanwhile.
// Started again, it would have run twice: its exit goes to the restart
// policy instead.
TEST(LifecycleRecovery, AnUnconfirmedStartWhoseContainerRanAndExitedIsNotStartedAgain) {
  lifecycle_driver d;
  d.restart = restart_spec{3, 60'000, 15, "fail"};
  auto r = recovered_container();
  r.unstarted = true;
  d.recover(r);
  d.feed(ev::inspected{d.life.epoch, false, 1, false, {}, false});
  EXPECT_EQ(d.count<cmd::start>(), 0);
  EXPECT_EQ(d.life.state, ts::exited);
  ASSERT_TRUE(last_exit(d));
  EXPECT_EQ(last_exit(d)->exit.exit_code, 1);
  finish_cleanup(d);
  EXPECT_EQ(d.life.at, lc::phase::restart_wait);
}

TEST(LifecycleRecovery, AnUnconfirmedStartOfARunningContainerIsFollowed) {
  lifecycle_driver d;
  auto r = recovered_container();
  r.unstarted = true;
  d.recover(r);
  d.feed(ev::inspected{d.life.epoch, true, 0, false, {}, false});
  EXPECT_EQ(d.count<cmd::start>(), 0);
  EXPECT_EQ(d.life.state, ts::running);
  EXPECT_EQ(d.life.container_id, r.container_id);
}

TEST(LifecycleRecovery, AnUnconfirmedStartWhoseContainerIsGoneIsLost) {
  lifecycle_driver d;
  auto r = recovered_container();
  r.unstarted = true;
  d.recover(r);
  d.fail(call::inspect, errc::not_found);
  EXPECT_EQ(d.count<cmd::start>(), 0);
  EXPECT_TRUE(d.life.container_id.empty());
  ASSERT_TRUE(last_exit(d));
  EXPECT_EQ(last_exit(d)->exit.error, "container lost while stevedore was away");
}

TEST(LifecycleRecovery, IsOnlyAFirstEvent) {
  lifecycle_driver d;
  d.to_running();
  auto before = d.life.epoch;
  d.recover(recovered_container());
  EXPECT_TRUE(d.last_ignored);
  EXPECT_EQ(d.life.epoch, before);
}

} // namespace
} // namespace stevedore::testing
