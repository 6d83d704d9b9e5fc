// The stress drivers against the test environment's real daemon, on a
// handful of tasks: every lifecycle completes with every milestone, the
// concurrency bound holds, and nothing is left on the daemon or on disk.
#include <filesystem>
#include <future>

#include <gtest/gtest.h>

#include "docker/client.hpp"
#include "tests/support/integration_test.hpp"
#include "tools/stress/baseline.hpp"
#include "tools/stress/run.hpp"
#include "tools/stress/stats.hpp"
#if STEVEDORE_STRESS_SUPERVISOR
#include "tools/stress/stevedore_driver.hpp"
#endif

namespace stevedore::stress {
namespace {

class StressIntegration : public testenv::integration_test {
protected:
  void SetUp() override {
    integration_test::SetUp();
    auto ep = docker::resolve_endpoint(env_.docker_host, "", "", "",
                                       [](const char*) -> const char* { return nullptr; });
    ASSERT_TRUE(ep.ok()) << to_string(ep.error());
    ep_ = *ep;
    checker_ = docker::client::make(ep_);
    opts_.tasks = 4;
    opts_.concurrency = 2;
    opts_.image = env_.image;
    opts_.hold_s = 0.2;
    opts_.kill_timeout_ms = 2000;
    opts_.run_id = random_run_id();
    opts_.client.endpoint = env_.docker_host;
  }

  void TearDown() override {
    if (checker_)
      checker_->shutdown();
  }

  named_driver baseline() {
    return {baseline_driver_name, [ep = ep_](driver_context& ctx) {
              return make_baseline_driver(ctx, docker::client::make(ep));
            }};
  }

  // Containers of this run's job for `driver` still on the daemon.
  std::size_t containers_left(const std::string& driver) {
    std::promise<result<std::vector<container_summary>>> p;
    checker_->container_list({"com.stevedore.job=" + job_name(opts_, driver)}, true,
                             [&p](auto r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    EXPECT_TRUE(r.ok()) << to_string(r.error());
    return r.ok() ? r->size() : 999;
  }

  // The most tasks that were between two milestones at once.
  static std::size_t peak_overlap(const driver_figures& d, milestone from, milestone to) {
    std::vector<std::pair<std::int64_t, int>> edges;
    for (const auto& t : d.tasks) {
      edges.emplace_back(t.at(from), +1);
      edges.emplace_back(t.at(to), -1);
    }
    std::sort(edges.begin(), edges.end(), [](auto& a, auto& b) {
      return a.first != b.first ? a.first < b.first : a.second < b.second; // ends first
    });
    int now = 0, peak = 0;
    for (auto& e : edges)
      peak = std::max(peak, now += e.second);
    return static_cast<std::size_t>(peak);
  }

  void expect_complete(const run_figures& run, const std::string& driver) {
    const auto* d = run.find(driver);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->tasks.size(), 4u);
    EXPECT_EQ(d->completed(), 4) << first_error(*d);
    EXPECT_EQ(d->failed(), 0);
    EXPECT_EQ(d->leftover_containers, 0);
    for (const auto& t : d->tasks)
      for (std::size_t m = 0; m < milestone_count; ++m)
        EXPECT_GE(t.at_us[m], 0) << driver << " milestone " << m;
    for (auto p : all_phases)
      EXPECT_EQ(phase_summary(*d, p).count, 4) << driver << " " << to_string(p);
    EXPECT_GT(d->wall_us, 0);
    EXPECT_GT(d->usage.cpu_us, 0);
    EXPECT_GT(d->usage.peak_rss_kb, 0);
    EXPECT_EQ(containers_left(driver), 0u);
    EXPECT_FALSE(std::filesystem::exists(std::filesystem::temp_directory_path() /
                                         ("stevedore-stress-" + opts_.run_id + "-" + driver)));
  }

  static std::string first_error(const driver_figures& d) {
    for (const auto& t : d.tasks)
      if (t.failed())
        return t.error;
    return "";
  }

  docker::endpoint ep_;
  std::shared_ptr<docker::client> checker_;
  stress_options opts_;
};

TEST_F(StressIntegration, BaselineBatchCompletesWithinTheBound) {
  opts_.idle_measure_s = 0.3;
  auto run = run_stress(opts_, {baseline()}, *checker_, {});
  ASSERT_TRUE(run.ok()) << to_string(run.error());
  expect_complete(*run, "baseline");
  const auto& d = run->drivers.front();
  EXPECT_LE(peak_overlap(d, milestone::submitted, milestone::running), 2u);
  EXPECT_LE(peak_overlap(d, milestone::stop_requested, milestone::cleaned), 2u);
  // Batch: every task ran before the first stop.
  std::int64_t last_running = 0, first_stop = INT64_MAX;
  for (const auto& t : d.tasks) {
    last_running = std::max(last_running, t.at(milestone::running));
    first_stop = std::min(first_stop, t.at(milestone::stop_requested));
  }
  EXPECT_LE(last_running, first_stop);
  EXPECT_EQ(d.all_running_us, last_running);
  EXPECT_EQ(d.usage.live_tasks, 4);
  EXPECT_GE(d.idle.seconds, 0.3);
  EXPECT_EQ(d.idle.tasks, 4);
  EXPECT_EQ(d.idle.child_processes, 0);
}

TEST_F(StressIntegration, BaselineChurnCompletesWithinTheBound) {
  opts_.churn = true;
  auto run = run_stress(opts_, {baseline()}, *checker_, {});
  ASSERT_TRUE(run.ok()) << to_string(run.error());
  expect_complete(*run, "baseline");
  const auto& d = run->drivers.front();
  EXPECT_EQ(d.all_running_us, -1);
  EXPECT_LE(peak_overlap(d, milestone::submitted, milestone::cleaned), 2u);
  // Each task held at least its 0.2 s between running and its stop.
  for (const auto& t : d.tasks)
    EXPECT_GE(t.at(milestone::stop_requested) - t.at(milestone::running), 200000);
}

TEST_F(StressIntegration, MissingImageFailsEveryTaskAndLeavesNothing) {
  // From the local registry (never Docker Hub): it refuses anonymous pulls.
  opts_.image = env_.registry + "/stevedore/no-such-image:1";
  opts_.tasks = 2;
  auto run = run_stress(opts_, {baseline()}, *checker_, {});
  ASSERT_TRUE(run.ok()) << to_string(run.error());
  const auto& d = run->drivers.front();
  EXPECT_EQ(d.failed(), 2);
  EXPECT_EQ(d.completed(), 0);
  EXPECT_EQ(d.leftover_containers, 0);
  ASSERT_FALSE(d.errors_by_kind().empty());
  EXPECT_FALSE(d.tasks[0].error.empty());
}

TEST(StressOrder, SaysWhichRanFirst) {
  std::vector<named_driver> two{{"baseline", {}}, {"stevedore", {}}};
  EXPECT_EQ(order_text(two), "baseline first, then stevedore");
  EXPECT_EQ(order_text({{"stevedore", {}}}), "stevedore");
}

#if STEVEDORE_STRESS_SUPERVISOR
named_driver supervisor() {
  return {stevedore_driver_name, [](driver_context& ctx) { return make_stevedore_driver(ctx); }};
}

TEST_F(StressIntegration, SupervisorBatchCompletesWithinTheBound) {
  auto run = run_stress(opts_, {supervisor()}, *checker_, {});
  ASSERT_TRUE(run.ok()) << to_string(run.error());
  expect_complete(*run, "stevedore");
  EXPECT_LE(peak_overlap(run->drivers.front(), milestone::submitted, milestone::running), 2u);
}

TEST_F(StressIntegration, SupervisorChurnCompletesWithinTheBound) {
  opts_.churn = true;
  auto run = run_stress(opts_, {supervisor()}, *checker_, {});
  ASSERT_TRUE(run.ok()) << to_string(run.error());
  expect_complete(*run, "stevedore");
  EXPECT_LE(peak_overlap(run->drivers.front(), milestone::submitted, milestone::cleaned), 2u);
}

TEST_F(StressIntegration, BaselineThenSupervisorCompareInOneRun) {
  opts_.tasks = 3;
  auto run = run_stress(opts_, {baseline(), supervisor()}, *checker_, {});
  ASSERT_TRUE(run.ok()) << to_string(run.error());
  ASSERT_EQ(run->drivers.size(), 2u);
  EXPECT_EQ(run->settings.order, "baseline first, then stevedore");
  for (const auto& d : run->drivers) {
    EXPECT_EQ(d.completed(), 3) << d.driver;
    EXPECT_EQ(d.leftover_containers, 0) << d.driver;
  }
}
#endif

} // namespace
} // namespace stevedore::stress
