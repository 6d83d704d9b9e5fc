// tools/stress/stats: percentiles (nearest rank) with their edge cases,
// summaries, phase durations from milestones, histogram bins, throughput and
// ratios.
#include <gtest/gtest.h>

#include "tools/stress/stats.hpp"

namespace stevedore::stress {
namespace {

std::vector<std::int64_t> one_to(std::int64_t n) {
  std::vector<std::int64_t> v;
  for (std::int64_t i = 1; i <= n; ++i)
    v.push_back(i);
  return v;
}

TEST(StressPercentile, EmptyHasNone) {
  EXPECT_FALSE(percentile({}, 50).has_value());
}

TEST(StressPercentile, SingleSampleIsEveryPercentile) {
  for (double p : {0.0, 1.0, 50.0, 99.0, 100.0})
    EXPECT_EQ(percentile({42}, p), 42) << p;
}

TEST(StressPercentile, NearestRankOnOneToHundred) {
  auto v = one_to(100);
  EXPECT_EQ(percentile(v, 50), 50);
  EXPECT_EQ(percentile(v, 90), 90);
  EXPECT_EQ(percentile(v, 99), 99);
  EXPECT_EQ(percentile(v, 100), 100);
  EXPECT_EQ(percentile(v, 0), 1);
  EXPECT_EQ(percentile(v, 0.5), 1);
  EXPECT_EQ(percentile(v, 99.5), 100);
}

TEST(StressPercentile, RankIsRoundedUpNotInterpolated) {
  // 10 samples: p90 is the 9th, p99 the 10th (no interpolation between).
  auto v = one_to(10);
  EXPECT_EQ(percentile(v, 90), 9);
  EXPECT_EQ(percentile(v, 91), 10);
  EXPECT_EQ(percentile(v, 99), 10);
  EXPECT_EQ(percentile(v, 50), 5);
  EXPECT_EQ(percentile(v, 51), 6);
}

TEST(StressPercentile, OutOfRangePercentsAreClamped) {
  auto v = one_to(5);
  EXPECT_EQ(percentile(v, -10), 1);
  EXPECT_EQ(percentile(v, 250), 5);
}

TEST(StressSummary, UnsortedInputAndMean) {
  auto s = summarize({30, 10, 20, 40});
  EXPECT_EQ(s.count, 4);
  EXPECT_EQ(s.min, 10);
  EXPECT_EQ(s.max, 40);
  EXPECT_EQ(s.p50, 20);
  EXPECT_EQ(s.p90, 40);
  EXPECT_DOUBLE_EQ(s.mean, 25.0);
}

TEST(StressSummary, EmptyIsAllZero) {
  auto s = summarize({});
  EXPECT_EQ(s.count, 0);
  EXPECT_EQ(s.p99, 0);
  EXPECT_EQ(s.max, 0);
  EXPECT_EQ(s.mean, 0);
}

task_record full_record(std::int64_t base) {
  task_record r;
  std::int64_t at = base;
  for (std::size_t m = 0; m < milestone_count; ++m) {
    r.at_us[m] = at;
    at += 10 * std::int64_t(m + 1);
  }
  return r;
}

TEST(StressPhases, DurationsFromMilestones) {
  auto r = full_record(1000); // 1000, 1010, 1030, 1060, 1100, 1150, 1210
  EXPECT_EQ(r.duration_us(phase::pull), 10);
  EXPECT_EQ(r.duration_us(phase::create), 20);
  EXPECT_EQ(r.duration_us(phase::start), 30);
  EXPECT_EQ(r.duration_us(phase::running), 60);
  EXPECT_EQ(r.duration_us(phase::stop), 50);
  EXPECT_EQ(r.duration_us(phase::remove), 60);
}

TEST(StressPhases, MissingMilestoneMeansNoDuration) {
  task_record r;
  r.set(milestone::submitted, 5);
  r.set(milestone::image_ready, 9);
  EXPECT_EQ(r.duration_us(phase::pull), 4);
  EXPECT_EQ(r.duration_us(phase::create), -1);
  EXPECT_EQ(r.duration_us(phase::running), -1);
}

TEST(StressPhases, SamplesSkipTasksThatDidNotGetThere) {
  driver_figures d;
  d.tasks = {full_record(0), full_record(100), task_record{}};
  d.tasks[2].set(milestone::submitted, 7);
  d.tasks[2].error_kind = "timeout";
  EXPECT_EQ(phase_samples(d, phase::running).size(), 2u);
  EXPECT_EQ(phase_summary(d, phase::stop).count, 2);
  EXPECT_EQ(d.completed(), 2);
  EXPECT_EQ(d.failed(), 1);
  EXPECT_EQ(d.errors_by_kind().at("timeout"), 1);
}

TEST(StressHistogram, EmptyOrZeroBinsGiveNoBins) {
  EXPECT_TRUE(histogram({}, 10).empty());
  EXPECT_TRUE(histogram({1, 2, 3}, 0).empty());
}

TEST(StressHistogram, IdenticalSamplesShareOneBin) {
  auto h = histogram({7, 7, 7}, 10);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].lo, 7);
  EXPECT_EQ(h[0].hi, 8);
  EXPECT_EQ(h[0].count, 3);
}

TEST(StressHistogram, EqualWidthBinsCountEverySampleOnce) {
  auto h = histogram(one_to(100), 10); // 1..100: width 10
  ASSERT_EQ(h.size(), 10u);
  std::int64_t total = 0;
  for (std::size_t i = 0; i < h.size(); ++i) {
    EXPECT_EQ(h[i].hi - h[i].lo, 10);
    EXPECT_EQ(h[i].count, 10) << i;
    total += h[i].count;
  }
  EXPECT_EQ(h.front().lo, 1);
  EXPECT_EQ(total, 100);
}

TEST(StressHistogram, MaximumLandsInTheLastBin) {
  // 0..10 over 3 bins: width ceil(11/3) = 4 -> [0,4) [4,8) [8,12).
  auto h = histogram({0, 3, 4, 7, 8, 10}, 3);
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].count, 2);
  EXPECT_EQ(h[1].count, 2);
  EXPECT_EQ(h[2].count, 2);
  EXPECT_LE(h[2].lo, 10);
  EXPECT_GT(h[2].hi, 10);
}

TEST(StressHistogram, FewerBinsWhenTheRangeIsNarrow) {
  auto h = histogram({0, 1, 2}, 10);
  ASSERT_EQ(h.size(), 3u);
  for (const auto& b : h)
    EXPECT_EQ(b.count, 1);
}

TEST(StressHistogram, SeriesShareTheirBins) {
  auto hs = histograms({{0, 1}, {98, 99}}, 2);
  ASSERT_EQ(hs.size(), 2u);
  ASSERT_EQ(hs[0].size(), 2u);
  ASSERT_EQ(hs[1].size(), 2u);
  EXPECT_EQ(hs[0][0].lo, hs[1][0].lo);
  EXPECT_EQ(hs[0][1].hi, hs[1][1].hi);
  EXPECT_EQ(hs[0][0].count, 2);
  EXPECT_EQ(hs[0][1].count, 0);
  EXPECT_EQ(hs[1][0].count, 0);
  EXPECT_EQ(hs[1][1].count, 2);
}

TEST(StressThroughput, CompletedPerSecondOfWallTime) {
  driver_figures d;
  d.tasks = {full_record(0), full_record(0), full_record(0), full_record(0)};
  d.wall_us = 2'000'000;
  EXPECT_DOUBLE_EQ(throughput(d), 2.0);
  d.wall_us = 0;
  EXPECT_EQ(throughput(d), 0);
}

TEST(StressRatio, NothingToCompareAgainstZero) {
  EXPECT_FALSE(ratio(1, 0).has_value());
  EXPECT_FALSE(ratio(-1, 2).has_value());
  EXPECT_DOUBLE_EQ(*ratio(3, 2), 1.5);
}

TEST(StressUsage, BytesPerLiveTask) {
  usage_figures u;
  u.rss_before_kb = 1000;
  u.rss_live_kb = 2000;
  u.live_tasks = 100;
  EXPECT_EQ(u.bytes_per_task(), 1000 * 1024 / 100);
  u.live_tasks = 0;
  EXPECT_EQ(u.bytes_per_task(), 0);
  u.live_tasks = 10;
  u.rss_live_kb = 900; // shrank: no growth to share out
  EXPECT_EQ(u.bytes_per_task(), 0);
  u.rss_planned_kb = 1500;
  EXPECT_EQ(u.plan_bytes_per_task(500), 1024);
  EXPECT_EQ(u.plan_bytes_per_task(0), 0);
}

} // namespace
} // namespace stevedore::stress
