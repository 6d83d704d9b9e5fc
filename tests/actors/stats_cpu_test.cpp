// compute_cpu_percent and to_task_stats: a table of named cases.
#include "actors/stats_poller.hpp"

#include <gtest/gtest.h>

namespace stevedore {
namespace {

stats_sample sample(std::int64_t total, std::int64_t user, std::int64_t kernel, std::int64_t system,
                    std::int64_t cpus = 2) {
  stats_sample s;
  s.cpu_total = total;
  s.cpu_user = user;
  s.cpu_kernel = kernel;
  s.system_cpu = system;
  s.online_cpus = cpus;
  return s;
}

struct cpu_case {
  const char* name;
  stats_sample previous;
  stats_sample current;
  std::int64_t cpus;
  double total, user, system;
};

TEST(CpuPercent, Table) {
  const cpu_case cases[] = {
    // container used 1/4 of the host's cpu time on 2 cpus: half a core = 50%
    {"normal", sample(1000, 600, 400, 10000), sample(2000, 1200, 800, 14000), 2, 50, 30, 20},
    {"one core busy on four", sample(0, 0, 0, 0), sample(250, 250, 0, 1000), 4, 100, 100, 0},
    {"idle container", sample(500, 300, 200, 1000), sample(500, 300, 200, 2000), 2, 0, 0, 0},
    {"counters reset (restarted container)", sample(900000, 500000, 400000, 1000),
     sample(100, 60, 40, 2000), 2, 0, 0, 0},
    {"no host time passed", sample(100, 50, 50, 5000), sample(200, 100, 100, 5000), 2, 0, 0, 0},
    {"host counter went back", sample(100, 50, 50, 5000), sample(200, 100, 100, 4000), 2, 0, 0, 0},
    {"user counter reset alone", sample(1000, 900, 100, 1000), sample(1500, 100, 400, 2000), 1,
     50, 0, 30},
    {"impossible delta capped at cpus*100", sample(0, 0, 0, 0), sample(5000, 5000, 0, 1000), 2,
     200, 200, 0},
    {"zero cpus counts as one", sample(0, 0, 0, 0), sample(500, 500, 0, 1000), 0, 50, 50, 0},
    {"eight cpus", sample(0, 0, 0, 0), sample(4000, 3000, 1000, 8000), 8, 400, 300, 100},
  };
  for (const auto& c : cases) {
    auto got = compute_cpu_percent(c.previous, c.current, c.cpus);
    EXPECT_DOUBLE_EQ(got.total, c.total) << c.name;
    EXPECT_DOUBLE_EQ(got.user, c.user) << c.name;
    EXPECT_DOUBLE_EQ(got.system, c.system) << c.name;
    EXPECT_GE(got.total, 0) << c.name;
  }
}

TEST(TaskStats, MemoryAndThrottlingPassThrough) {
  stats_sample s = sample(2000, 1000, 1000, 4000, 2);
  s.memory_rss = 11;
  s.memory_cache = 22;
  s.memory_usage = 33;
  s.memory_max_usage = 44;
  s.throttled_periods = 5;
  s.throttled_time = 66;
  auto prev = sample(1000, 500, 500, 2000, 2);
  auto t = to_task_stats("t1", "c1", &prev, s, 1234);
  EXPECT_EQ(t.task_id, "t1");
  EXPECT_EQ(t.container_id, "c1");
  EXPECT_EQ(t.at_ms, 1234);
  EXPECT_EQ(t.memory_rss, 11);
  EXPECT_EQ(t.memory_cache, 22);
  EXPECT_EQ(t.memory_usage, 33);
  EXPECT_EQ(t.memory_max_usage, 44);
  EXPECT_EQ(t.throttled_periods, 5);
  EXPECT_EQ(t.throttled_time, 66);
  EXPECT_DOUBLE_EQ(t.cpu_percent, 100);
  EXPECT_DOUBLE_EQ(t.cpu_user_percent, 50);
  EXPECT_DOUBLE_EQ(t.cpu_system_percent, 50);
}

TEST(TaskStats, FirstSampleHasNoCpuUnlessPrecpuGiven) {
  auto s = sample(2000, 1000, 1000, 4000, 2);
  EXPECT_DOUBLE_EQ(to_task_stats("t", "c", nullptr, s, 0).cpu_percent, 0);
  s.pre_cpu_total = 1000;
  s.pre_system_cpu = 2000;
  auto t = to_task_stats("t", "c", nullptr, s, 0);
  EXPECT_DOUBLE_EQ(t.cpu_percent, 100);
  EXPECT_DOUBLE_EQ(t.cpu_user_percent, 0); // precpu has no user/kernel split
}

} // namespace
} // namespace stevedore
