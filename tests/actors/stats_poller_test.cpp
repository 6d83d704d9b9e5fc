// The stats poller on the deterministic scheduler with the fake engine in
// manual mode: timers are triggered, daemon answers are run on demand; no
// sleeps.
#include "actors/stats_poller.hpp"

#include <optional>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <gtest/gtest.h>

#include "actors/errors.hpp"
#include "actors/types.hpp"
#include "tests/support/fake_engine.hpp"

namespace stevedore {
namespace {

using namespace std::chrono_literals;
using testing::fake_engine;

caf::actor_system_config& testing_config(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  add_message_types(cfg);
  return cfg;
}

class StatsPollerTest : public ::testing::Test {
protected:
  StatsPollerTest()
    : sys_(testing_config(cfg_)),
      sched_(dynamic_cast<caf::scheduler::test_coordinator&>(sys_.scheduler())),
      self_(sys_) {
    fake_->add_image("busybox:1");
  }
  ~StatsPollerTest() override {
    if (poller_)
      caf::anon_send_exit(poller_, caf::exit_reason::user_shutdown);
    sched_.run();
    fake_->shutdown();
  }

  void start(std::size_t cap, std::size_t steps = 10, std::chrono::milliseconds interval = 1000ms) {
    stats_poller_options o;
    o.interval = interval;
    o.max_in_flight = cap;
    o.steps = steps;
    poller_ = spawn_stats_poller(sys_, fake_, o);
    sched_.run();
  }

  std::string create(const std::string& name) {
    std::string id;
    fake_->container_create(name, R"({"Image":"busybox:1"})",
                            [&](result<create_answer> r) { ASSERT_TRUE(r.ok()); id = r->id; });
    fake_->run_pending();
    return id;
  }

  void watch(const std::string& task, const std::string& container) {
    caf::anon_send(poller_, watch_atom::value, task, container);
    sched_.run();
  }

  // The daemon answers everything asked so far; the poller handles the answers.
  void answer() {
    while (fake_->run_pending() > 0 || sched_.run() > 0) {
    }
  }

  // Fires the next step timer (and handles it).
  bool next_step() {
    bool fired = sched_.trigger_timeout();
    sched_.run();
    return fired;
  }

  std::int64_t stats_calls() const { return fake_->calls("container_stats"); }

  std::map<std::string, std::string> details() {
    std::map<std::string, std::string> out;
    auto h = self_->request(poller_, caf::infinite, status_atom::value);
    sched_.run();
    h.receive([&](const actor_status& st) { out = st.details; },
              [&](const caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    return out;
  }

  // The stats answer, or the error.
  std::pair<std::optional<task_stats>, error_info> stats(const std::string& task) {
    std::optional<task_stats> got;
    error_info err;
    auto h = self_->request(poller_, caf::infinite, stats_atom::value, task);
    sched_.run();
    h.receive([&](const task_stats& t) { got = t; },
              [&](const caf::error& e) { err = from_caf(e, "stats"); });
    return {got, err};
  }

  caf::actor_system_config cfg_;
  caf::actor_system sys_;
  caf::scheduler::test_coordinator& sched_;
  caf::scoped_actor self_;
  std::shared_ptr<fake_engine> fake_ = std::make_shared<fake_engine>(fake_engine::mode::manual);
  stats_poller_actor poller_;
};

TEST_F(StatsPollerTest, PollsOncePerInterval) {
  start(8, 10);
  auto c = create("c1");
  watch("t1", c);
  EXPECT_EQ(stats_calls(), 1); // the first round starts at once
  answer();
  for (int i = 0; i < 9; ++i)
    ASSERT_TRUE(next_step());
  answer();
  EXPECT_EQ(stats_calls(), 1); // steps 1..9 of the round: nothing new for one task
  ASSERT_TRUE(next_step());    // step 0 of the next round
  EXPECT_EQ(stats_calls(), 2);
  answer();
  EXPECT_EQ(stats("t1").first->samples, 2);
}

TEST_F(StatsPollerTest, RoundSpreadOverSteps) {
  start(100, 10);
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i)
    ids.push_back(create("c" + std::to_string(i)));
  watch("t0", ids[0]);
  for (int i = 1; i < 20; ++i)
    watch("t" + std::to_string(i), ids[static_cast<std::size_t>(i)]);
  answer();
  for (int i = 0; i < 9; ++i)
    ASSERT_TRUE(next_step()); // finish the first round (it held only t0)
  answer();
  auto before = stats_calls();
  ASSERT_TRUE(next_step()); // a round of 20 in 10 steps: 2 per step
  EXPECT_EQ(stats_calls() - before, 2);
  answer();
  ASSERT_TRUE(next_step());
  EXPECT_EQ(stats_calls() - before, 4);
  for (int i = 0; i < 8; ++i) {
    answer();
    ASSERT_TRUE(next_step());
  }
  EXPECT_EQ(stats_calls() - before, 20);
}

TEST_F(StatsPollerTest, CapOnCallsInFlight) {
  start(3, 1);
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i)
    ids.push_back(create("c" + std::to_string(i)));
  for (int i = 0; i < 10; ++i)
    watch("t" + std::to_string(i), ids[static_cast<std::size_t>(i)]);
  ASSERT_TRUE(next_step()); // a round of 10 (t0 still unanswered: skipped)
  EXPECT_EQ(stats_calls(), 3);
  EXPECT_EQ(details()["in_flight"], "3");
  fake_->run_pending(); // three answers arrive...
  sched_.run();         // ...and let three more go
  EXPECT_EQ(stats_calls(), 6);
  answer();
  EXPECT_EQ(stats_calls(), 10);
  auto d = details();
  EXPECT_EQ(d["peak_in_flight"], "3");
  EXPECT_EQ(d["in_flight"], "0");
  EXPECT_EQ(d["skipped"], "1");
}

TEST_F(StatsPollerTest, CpuFromConsecutiveSamples) {
  start(8, 1);
  auto c = create("c1");
  stats_sample a;
  a.cpu_total = 1000;
  a.cpu_user = 600;
  a.cpu_kernel = 400;
  a.system_cpu = 10000;
  a.online_cpus = 2;
  a.memory_rss = 4096;
  stats_sample b = a;
  b.cpu_total = 2000;
  b.cpu_user = 1200;
  b.cpu_kernel = 800;
  b.system_cpu = 14000;
  b.memory_rss = 8192;
  fake_->script_stats(c, {a, b});
  watch("t1", c);
  answer();
  EXPECT_DOUBLE_EQ(stats("t1").first->cpu_percent, 0); // one sample: no CPU yet
  ASSERT_TRUE(next_step());
  answer();
  auto t = *stats("t1").first;
  EXPECT_DOUBLE_EQ(t.cpu_percent, 50);
  EXPECT_DOUBLE_EQ(t.cpu_user_percent, 30);
  EXPECT_DOUBLE_EQ(t.cpu_system_percent, 20);
  EXPECT_EQ(t.memory_rss, 8192);
  EXPECT_EQ(t.container_id, c);
}

TEST_F(StatsPollerTest, NewContainerStartsCountersAgain) {
  start(8, 1);
  auto c1 = create("c1");
  auto c2 = create("c2");
  stats_sample old;
  old.cpu_total = 900000;
  old.system_cpu = 1000;
  old.online_cpus = 1;
  stats_sample fresh;
  fresh.cpu_total = 100;
  fresh.system_cpu = 2000;
  fresh.online_cpus = 1;
  fake_->script_stats(c1, {old});
  fake_->script_stats(c2, {fresh});
  watch("t1", c1);
  answer();
  watch("t1", c2); // restarted as a new container
  ASSERT_TRUE(next_step());
  answer();
  auto t = *stats("t1").first;
  EXPECT_EQ(t.container_id, c2);
  EXPECT_EQ(t.samples, 1);
  EXPECT_DOUBLE_EQ(t.cpu_percent, 0);
}

TEST_F(StatsPollerTest, UnwatchedTaskIsNotFoundAndStopsPolling) {
  start(8, 1);
  auto c = create("c1");
  watch("t1", c);
  answer();
  ASSERT_TRUE(stats("t1").first.has_value());
  caf::anon_send(poller_, unwatch_atom::value, std::string("t1"));
  sched_.run();
  auto [got, err] = stats("t1");
  EXPECT_FALSE(got.has_value());
  EXPECT_EQ(err.kind, errc::not_found);
  EXPECT_NE(to_string(err).find("t1"), std::string::npos) << to_string(err);
  auto before = stats_calls();
  next_step();                     // the armed step finds nothing watched...
  EXPECT_FALSE(sched_.trigger_timeout()); // ...and arms no other
  EXPECT_EQ(stats_calls(), before);
  EXPECT_EQ(details()["watched"], "0");
}

TEST_F(StatsPollerTest, NeverWatchedTaskIsNotFound) {
  start(8, 1);
  auto [got, err] = stats("nope");
  EXPECT_FALSE(got.has_value());
  EXPECT_EQ(err.kind, errc::not_found);
}

TEST_F(StatsPollerTest, FailedCallKeepsLastFiguresAndCounts) {
  start(8, 1);
  auto c = create("c1");
  stats_sample a;
  a.memory_rss = 77;
  fake_->script_stats(c, {a});
  watch("t1", c);
  answer();
  fake_->fail_next("container_stats", 1, errc::daemon_unreachable);
  ASSERT_TRUE(next_step());
  answer();
  EXPECT_EQ(stats("t1").first->memory_rss, 77);
  EXPECT_EQ(details()["failures"], "1");
}

} // namespace
} // namespace stevedore
