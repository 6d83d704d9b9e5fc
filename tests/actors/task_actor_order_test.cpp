// The task actor where the order of events is what a test checks, on CAF's
// deterministic scheduler with the fake engine in manual mode: the daemon
// answers when the test runs it, its containers exit when the test moves
// its clock, and a timer (kill timeout, retry, OOM grace) fires only when
// the test triggers it. No sleeps; each test writes down one interleaving.
// The same orders are covered without any actor by the lifecycle's tests
// (tests/policy/lifecycle_*); these check that the executor keeps them.
#include <caf/all.hpp>
#include <gtest/gtest.h>

#include "tests/actors/actor_harness.hpp"
#include "tests/support/deterministic.hpp"

namespace stevedore::testing {
namespace {

using ts = task_state;

class TaskOrderTest : public ::testing::Test {
protected:
  TaskOrderTest() : sys_(testing_config(cfg_)), sched_(coordinator_of(sys_)), probe_(sys_) {
    fake_->add_image("stevedore-test/busybox:1");
    images_ = sys_.spawn(fake_images, images_m_);
    container_events_settings es;
    es.label_filters = container_label_filters("");
    events_ = spawn_container_events(sys_, fake_, es);
    settings_.retry_base = 10ms;
    settings_.retry_max = 40ms;
    settle();
  }
  ~TaskOrderTest() override {
    for (const caf::actor& a : {caf::actor_cast<caf::actor>(task_), events_,
                                caf::actor_cast<caf::actor>(images_)})
      if (a)
        caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched_.run();
    fake_->shutdown();
    fake_->run_pending();
    sched_.run();
  }

  // No timer service: the task's timers are delayed messages the test triggers.
  void start(task_instance inst) {
    task_services svc;
    svc.docker = fake_;
    svc.images = images_;
    svc.events = events_;
    task_ = spawn_task(sys_, std::move(inst), svc, settings_, probe_.handle());
    settle();
  }

  // Runs the daemon's due answers and the actors until both are idle.
  void settle() {
    while (fake_->run_pending() > 0 || sched_.run() > 0) {
    }
    probe_.drain();
  }
  // The daemon's clock moves by d (a scripted container exits in it).
  void pass(std::chrono::milliseconds d) {
    fake_->advance(d);
    settle();
  }
  // The earliest pending timer fires.
  bool fire() {
    bool fired = sched_.trigger_timeout();
    settle();
    return fired;
  }
  void send(caf::message msg) {
    caf::anon_send(caf::actor_cast<caf::actor>(task_), std::move(msg));
    settle();
  }
  task_status status() {
    task_status out;
    caf::scoped_actor self{sys_};
    auto h = self->request(task_, caf::infinite, caf::get_atom::value);
    sched_.run();
    h.receive([&](task_status& st) { out = std::move(st); },
              [&](caf::error& e) { ADD_FAILURE() << sys_.render(e); });
    return out;
  }
  // The task's inspection says an exit waits for its OOM grace.
  bool exit_held() {
    bool held = false;
    caf::scoped_actor self{sys_};
    auto h = self->request(task_, caf::infinite, status_atom::value);
    sched_.run();
    h.receive([&](actor_status& st) { held = st.details.count("exit_held") > 0; },
              [&](caf::error& e) { ADD_FAILURE() << sys_.render(e); });
    return held;
  }
  void daemon_back() {
    fake_->set_down(false);
    fingerprint healthy;
    healthy.health = daemon_health::healthy;
    send(caf::make_message(health_atom::value, healthy));
  }

  caf::actor_system_config cfg_;
  caf::actor_system sys_;
  caf::scheduler::test_coordinator& sched_;
  std::shared_ptr<fake_engine> fake_ = std::make_shared<fake_engine>(fake_engine::mode::manual);
  std::shared_ptr<images_model> images_m_ = std::make_shared<images_model>();
  image_manager_actor images_;
  caf::actor events_;
  task_settings settings_;
  task_actor task_;
  probe probe_;
};

fake_engine::container_script exits_after(std::chrono::milliseconds d, std::int64_t code) {
  fake_engine::container_script s;
  s.run_for = d;
  s.exit_code = code;
  return s;
}

TEST_F(TaskOrderTest, TheKillSignalFirstThenSigkillOnlyWhenTheKillTimeoutFires) {
  settings_.cleanup_container = false; // keeps the signals observable
  fake_engine::container_script stubborn;
  stubborn.ignores_sigterm = true;
  fake_->script_container("web-a1b2c3", stubborn);
  start(make_instance("web"));
  ASSERT_TRUE(probe_.reached(ts::running));
  auto id = status().container_id;
  send(caf::make_message(stop_atom::value));
  EXPECT_EQ(fake_->signals_of(id), std::vector<std::string>{"SIGTERM"});
  EXPECT_EQ(status().state, ts::stopping);
  pass(10s); // however long the container ignores it, only the timer escalates
  EXPECT_EQ(fake_->signals_of(id), std::vector<std::string>{"SIGTERM"});
  ASSERT_TRUE(fire());
  EXPECT_EQ(fake_->signals_of(id), (std::vector<std::string>{"SIGTERM", "SIGKILL"}));
  ASSERT_TRUE(probe_.finished);
  EXPECT_EQ(probe_.final_status.exit.exit_code, 137);
  EXPECT_EQ(probe_.final_status.exit.signal, "SIGKILL");
}

TEST_F(TaskOrderTest, AStopWhileAnExitWaitsForItsOomEventEndsWithoutTheGrace) {
  settings_.oom_grace = 5s;
  fake_->script_container("killed-a1b2c3", exits_after(30ms, 137));
  start(make_instance("killed"));
  ASSERT_TRUE(probe_.reached(ts::running));
  pass(30ms); // die 137: held for an oom event that may follow
  EXPECT_TRUE(exit_held());
  EXPECT_FALSE(probe_.finished);
  send(caf::make_message(stop_atom::value)); // before the grace's timer fires
  ASSERT_TRUE(probe_.finished);
  EXPECT_EQ(probe_.final_status.state, ts::cleaned);
  EXPECT_EQ(probe_.final_status.exit.exit_code, 137);
  EXPECT_FALSE(fake_->container("killed-a1b2c3"));
}

TEST_F(TaskOrderTest, AnExitWhileTheDaemonIsAwayIsLearnedWhenItReturnsNotBefore) {
  fake_->script_container("web-a1b2c3", exits_after(400ms, 7));
  start(make_instance("web"));
  ASSERT_TRUE(probe_.reached(ts::running));
  fake_->set_down(true); // the event stream drops: the die will never be heard
  fake_->end_in_flight(errc::daemon_unreachable, "daemon away");
  settle();
  pass(500ms); // the container exits while the daemon is away
  while (sched_.has_pending_timeout() && !probe_.finished && fire()) {
    if (probe_.has_message("warning", "waiting for the Docker daemon"))
      break;
  }
  EXPECT_EQ(status().state, ts::running) << "an API error is not the container's death";
  EXPECT_FALSE(probe_.reached(ts::exited));
  daemon_back();
  ASSERT_TRUE(probe_.finished);
  EXPECT_EQ(probe_.final_status.exit.exit_code, 7);
  EXPECT_EQ(probe_.final_status.state, ts::failed);
}

TEST_F(TaskOrderTest, AStopWhileAStartWaitsForItsRetryStartsNothing) {
  fake_->fail_next("container_start", 1, errc::timeout);
  start(make_instance("web"));
  EXPECT_EQ(fake_->calls("container_start"), 1);
  EXPECT_FALSE(probe_.reached(ts::running));
  send(caf::make_message(stop_atom::value)); // the retry's timer is still pending
  while (!probe_.finished && fire()) {
  }
  ASSERT_TRUE(probe_.finished);
  EXPECT_EQ(fake_->calls("container_start"), 1) << "the retry must not start a stopped task";
  EXPECT_FALSE(probe_.reached(ts::running));
  EXPECT_EQ(probe_.final_status.state, ts::cleaned);
  EXPECT_FALSE(fake_->container("web-a1b2c3")) << "the created container is removed";
  EXPECT_EQ(images_m_->releases("a1b2c3/web"), 1);
}

TEST_F(TaskOrderTest, AStopWhileTheDaemonIsAwaySignalsOnlyWhenItReturns) {
  settings_.cleanup_container = false;
  auto inst = make_instance("web");
  inst.task.edit().kill_timeout_ms = 5000;
  start(inst);
  ASSERT_TRUE(probe_.reached(ts::running));
  auto id = status().container_id;
  fake_->set_down(true);
  send(caf::make_message(stop_atom::value));
  EXPECT_TRUE(fake_->signals_of(id).empty()) << "nothing reached the container";
  EXPECT_EQ(status().state, ts::stopping);
  daemon_back();
  EXPECT_EQ(fake_->signals_of(id), std::vector<std::string>{"SIGTERM"});
  // The die is heard once the event stream is open again (its reconnect
  // timer is earlier than the 5 s kill timeout).
  while (!probe_.finished && fire()) {
  }
  ASSERT_TRUE(probe_.finished);
  EXPECT_EQ(fake_->signals_of(id), std::vector<std::string>{"SIGTERM"});
  EXPECT_EQ(probe_.final_status.exit.exit_code, 143);
}

} // namespace
} // namespace stevedore::testing
