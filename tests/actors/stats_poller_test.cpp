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
#include "tests/support/deterministic.hpp"
#include "tests/support/fake_engine.hpp"

namespace stevedore {
namespace {

using namespace std::chrono_literals;
using testing::fake_engine;
using testing::testing_config;

class StatsPollerTest : public ::testing::Test {
protected:
  StatsPollerTest()
    : sys_(testing_config(cfg_)),
      sched_(testing::coordinator_of(sys_)),
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

  // The stats answer, or the error; the daemon answers what the read asks
  // (a read without a fresh sample waits for one).
  std::pair<std::optional<task_stats>, error_info> stats(const std::string& task) {
    std::optional<task_stats> got;
    error_info err;
    auto h = self_->request(poller_, caf::infinite, stats_atom::value, task);
    answer();
    h.receive([&](const task_stats& t) { got = t; },
              [&](const caf::error& e) { err = from_caf(e, "stats"); });
    return {got, err};
  }

  std::int64_t rounds() { return std::stoll(details()["rounds"]); }

  // Reads a task's stats once per round, `n` times (timers fire until the
  // next round starts: steps, and the limits of earlier reads).
  void read_each_round(const std::string& task, int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(stats(task).first.has_value());
      auto r = rounds();
      for (int k = 0; k < 100 && rounds() == r; ++k) {
        ASSERT_TRUE(next_step());
        answer();
      }
    }
  }

  // A reader actor that counts the samples pushed to it.
  caf::actor counting_reader(std::shared_ptr<std::vector<task_stats>> seen) {
    // The vector as a spawn argument: CAF 0.17 binds a reference to a null
    // tuple for a function spawned with none (UBSan stops there).
    auto reader = [](std::shared_ptr<std::vector<task_stats>> seen) -> caf::behavior {
      return {[seen](stats_atom, const task_stats& t) { seen->push_back(t); }};
    };
    return sys_.spawn(reader, std::move(seen));
  }

  caf::actor_system_config cfg_;
  caf::actor_system sys_;
  caf::scheduler::test_coordinator& sched_;
  caf::scoped_actor self_;
  std::shared_ptr<fake_engine> fake_ = std::make_shared<fake_engine>(fake_engine::mode::manual);
  stats_poller_actor poller_;
};

TEST_F(StatsPollerTest, UnreadTaskCostsNothing) {
  start(8, 10);
  auto c = create("c1");
  watch("t1", c);
  answer();
  EXPECT_EQ(stats_calls(), 0);
  EXPECT_FALSE(sched_.trigger_timeout()); // no timer either
  auto d = details();
  EXPECT_EQ(d["watched"], "1");
  EXPECT_EQ(d["wanted"], "0");
}

TEST_F(StatsPollerTest, FirstReadPollsAndAnswersWithTheSample) {
  start(8, 10);
  auto c = create("c1");
  stats_sample a;
  a.memory_rss = 4096;
  fake_->script_stats(c, {a});
  watch("t1", c);
  auto [got, err] = stats("t1");
  ASSERT_TRUE(got.has_value()) << to_string(err);
  EXPECT_EQ(got->samples, 1);
  EXPECT_EQ(got->memory_rss, 4096);
  EXPECT_EQ(stats_calls(), 1);
  auto again = stats("t1"); // fresh: answered from the last sample, no call
  ASSERT_TRUE(again.first.has_value());
  EXPECT_EQ(stats_calls(), 1);
}

TEST_F(StatsPollerTest, PollsOncePerIntervalWhileRead) {
  start(8, 10);
  auto c = create("c1");
  watch("t1", c);
  ASSERT_TRUE(stats("t1").first.has_value());
  EXPECT_EQ(stats_calls(), 1); // the read starts the first round at once
  for (int i = 0; i < 9; ++i)
    ASSERT_TRUE(next_step());
  answer();
  EXPECT_EQ(stats_calls(), 1); // steps 1..9 of the round: nothing new for one task
  ASSERT_TRUE(next_step());    // step 0 of the next round
  EXPECT_EQ(stats_calls(), 2);
  answer();
  EXPECT_EQ(stats("t1").first->samples, 2);
}

TEST_F(StatsPollerTest, ReadKeepsSamplingForKeepRoundsThenStops) {
  stats_poller_options o;
  o.interval = 1000ms;
  o.max_in_flight = 8;
  o.steps = 1;
  o.keep_rounds = 3;
  poller_ = spawn_stats_poller(sys_, fake_, o);
  sched_.run();
  auto c = create("c1");
  watch("t1", c);
  ASSERT_TRUE(stats("t1").first.has_value()); // round 1 (kept: 2 more)
  for (int i = 0; i < 5; ++i) {
    next_step();
    answer();
  }
  EXPECT_EQ(stats_calls(), 3);             // rounds 1..3, then nothing
  EXPECT_FALSE(sched_.trigger_timeout());  // and no timer
  EXPECT_EQ(details()["wanted"], "0");
  auto [got, err] = stats("t1");           // a later read samples anew
  ASSERT_TRUE(got.has_value()) << to_string(err);
  EXPECT_EQ(stats_calls(), 4);
  EXPECT_EQ(got->samples, 4);
}

TEST_F(StatsPollerTest, ReaderEachIntervalKeepsItPolledEachInterval) {
  start(8, 2);
  auto c = create("c1");
  watch("t1", c);
  read_each_round("t1", 10);
  // One call per round (the first read started the first), none per read.
  EXPECT_EQ(rounds(), 11);
  EXPECT_EQ(stats_calls(), 11);
  EXPECT_EQ(stats("t1").first->samples, 11);
}

TEST_F(StatsPollerTest, OnlyReadTasksArePolled) {
  start(100, 1);
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    ids.push_back(create("c" + std::to_string(i)));
    watch("t" + std::to_string(i), ids.back());
  }
  ASSERT_TRUE(stats("t7").first.has_value());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(next_step());
    answer();
  }
  EXPECT_EQ(stats_calls(), 4); // t7 alone, each round
  EXPECT_EQ(details()["wanted"], "1");
  EXPECT_EQ(stats("t3").first->samples, 1); // t3 had never been sampled before its read
}

TEST_F(StatsPollerTest, SubscriberKeepsItPolledAndHearsEachSample) {
  start(8, 1);
  auto c = create("c1");
  watch("t1", c);
  auto seen = std::make_shared<std::vector<task_stats>>();
  auto reader = counting_reader(seen);
  caf::anon_send(poller_, caf::subscribe_atom::value, std::string("t1"), reader);
  answer();
  for (int i = 0; i < 9; ++i) {
    ASSERT_TRUE(next_step()); // far past keep_rounds: the subscriber keeps it wanted
    answer();
  }
  EXPECT_EQ(stats_calls(), 10);
  ASSERT_EQ(seen->size(), 10u);
  EXPECT_EQ(seen->back().samples, 10);
  EXPECT_EQ(seen->back().task_id, "t1");
  caf::anon_send(poller_, caf::unsubscribe_atom::value, std::string("t1"), reader);
  answer();
  while (next_step())
    answer();
  EXPECT_EQ(stats_calls(), 10);
  EXPECT_EQ(details()["wanted"], "0");
  caf::anon_send_exit(reader, caf::exit_reason::user_shutdown);
  sched_.run();
}

TEST_F(StatsPollerTest, DeadSubscriberStopsPolling) {
  start(8, 1);
  auto c = create("c1");
  watch("t1", c);
  auto seen = std::make_shared<std::vector<task_stats>>();
  auto reader = counting_reader(seen);
  caf::anon_send(poller_, caf::subscribe_atom::value, std::string("t1"), reader);
  answer();
  EXPECT_EQ(stats_calls(), 1);
  caf::anon_send_exit(reader, caf::exit_reason::user_shutdown);
  reader = nullptr;
  answer();
  EXPECT_EQ(details()["subscribers"], "0");
  while (next_step())
    answer();
  EXPECT_EQ(stats_calls(), 1);
}

TEST_F(StatsPollerTest, SubscriberBeforeTheTaskRunsIsServedOnceItDoes) {
  start(8, 1);
  auto seen = std::make_shared<std::vector<task_stats>>();
  auto reader = counting_reader(seen);
  caf::anon_send(poller_, caf::subscribe_atom::value, std::string("t1"), reader);
  answer();
  EXPECT_FALSE(sched_.trigger_timeout()); // nothing runs yet: no timer
  auto c = create("c1");
  watch("t1", c);
  answer();
  EXPECT_EQ(stats_calls(), 1);
  EXPECT_EQ(seen->size(), 1u);
  caf::anon_send_exit(reader, caf::exit_reason::user_shutdown);
  sched_.run();
}

TEST_F(StatsPollerTest, ReadWithoutAnswerIsBounded) {
  stats_poller_options o;
  o.interval = 1000ms;
  o.max_in_flight = 8;
  o.steps = 1;
  o.read_wait = 2000ms;
  poller_ = spawn_stats_poller(sys_, fake_, o);
  sched_.run();
  auto c = create("c1");
  watch("t1", c);
  std::optional<task_stats> got;
  error_info err;
  auto h = self_->request(poller_, caf::infinite, stats_atom::value, std::string("t1"));
  sched_.run(); // the call is out; the daemon does not answer it
  EXPECT_EQ(stats_calls(), 1);
  // Steps come and go (the task is still out) until the read's limit fires.
  for (int i = 0; i < 10 && details()["reads_waited"] != "1"; ++i) {
    ASSERT_TRUE(sched_.trigger_timeout());
    sched_.run();
  }
  ASSERT_EQ(details()["reads_waited"], "1");
  h.receive([&](const task_stats& t) { got = t; },
            [&](const caf::error& e) { err = from_caf(e, "stats"); });
  EXPECT_FALSE(got.has_value());
  EXPECT_EQ(err.kind, errc::timeout) << to_string(err);
  EXPECT_NE(to_string(err).find("t1"), std::string::npos) << to_string(err);
  answer(); // the late answer is kept for the next read
  EXPECT_EQ(stats("t1").first->samples, 1);
}

TEST_F(StatsPollerTest, RoundSpreadOverSteps) {
  start(100, 10);
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    ids.push_back(create("c" + std::to_string(i)));
    watch("t" + std::to_string(i), ids.back());
  }
  auto seen = std::make_shared<std::vector<task_stats>>();
  auto reader = counting_reader(seen);
  for (int i = 0; i < 20; ++i)
    caf::anon_send(poller_, caf::subscribe_atom::value, "t" + std::to_string(i), reader);
  sched_.run(); // the first subscriber starts a round of one; the others wait for the next
  answer();
  for (int i = 0; i < 9; ++i)
    ASSERT_TRUE(next_step()); // finish the first round
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
  caf::anon_send_exit(reader, caf::exit_reason::user_shutdown);
  sched_.run();
}

TEST_F(StatsPollerTest, CapOnCallsInFlight) {
  start(3, 1);
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) {
    ids.push_back(create("c" + std::to_string(i)));
    watch("t" + std::to_string(i), ids.back());
  }
  auto seen = std::make_shared<std::vector<task_stats>>();
  auto reader = counting_reader(seen);
  for (int i = 0; i < 10; ++i)
    caf::anon_send(poller_, caf::subscribe_atom::value, "t" + std::to_string(i), reader);
  sched_.run();             // t0 starts a round of one, unanswered
  ASSERT_TRUE(next_step()); // a round of 10 (t0 still out: skipped)
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
  caf::anon_send_exit(reader, caf::exit_reason::user_shutdown);
  sched_.run();
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
  ASSERT_TRUE(stats("t1").first.has_value());
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
  ASSERT_TRUE(stats("t1").first.has_value());
  caf::anon_send(poller_, unwatch_atom::value, std::string("t1"));
  sched_.run();
  auto [got, err] = stats("t1");
  EXPECT_FALSE(got.has_value());
  EXPECT_EQ(err.kind, errc::not_found);
  EXPECT_NE(to_string(err).find("t1"), std::string::npos) << to_string(err);
  auto before = stats_calls();
  // The armed step and the first read's limit find nothing to do...
  for (int i = 0; i < 2; ++i)
    next_step();
  EXPECT_FALSE(sched_.trigger_timeout()); // ...and arm nothing else
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
  ASSERT_TRUE(stats("t1").first.has_value());
  fake_->fail_next("container_stats", 1, errc::daemon_unreachable);
  ASSERT_TRUE(next_step());
  answer();
  EXPECT_EQ(stats("t1").first->memory_rss, 77);
  EXPECT_EQ(details()["failures"], "1");
}

} // namespace
} // namespace stevedore
