// tools/stress/workload and system_usage: the generated job plans into N
// containers with the run's job label, the command splitter's quoting, and
// the /proc parsers on fixed text (plus a sanity check on this process).
#include <gtest/gtest.h>

#include "tools/stress/system_usage.hpp"
#include "tools/stress/workload.hpp"

namespace stevedore::stress {
namespace {

TEST(StressSplitCommand, WordsAndQuotes) {
  auto w = split_command(R"(sh -c 'trap "exit 0" TERM; sleep 1'  "a \"b\" c" d\ e)", "cmd");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, (std::vector<std::string>{"sh", "-c", "trap \"exit 0\" TERM; sleep 1",
                                           "a \"b\" c", "d e"}));
  auto empty = split_command("   ", "cmd");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  auto glued = split_command("a'b'\"c\"", "cmd");
  ASSERT_TRUE(glued.ok());
  EXPECT_EQ(*glued, std::vector<std::string>{"abc"});
  EXPECT_EQ(split_command("''", "cmd")->size(), 1u); // an empty word is still a word
}

TEST(StressSplitCommand, UnterminatedQuoteNamesTheOption) {
  auto w = split_command("sh -c 'oops", "stress --command");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().kind, errc::invalid_input);
  EXPECT_EQ(to_string(w.error()), "stress --command: unterminated single quote");
  EXPECT_FALSE(split_command("\"x", "c").ok());
}

TEST(StressWorkload, PlansNContainersWithTheRunsJobLabel) {
  stress_options o;
  o.tasks = 5;
  o.image = "busybox:1.36";
  o.run_id = "abcd1234";
  o.kill_timeout_ms = 2000;
  auto w = plan_workload(o, "baseline", "/tmp/stress-test-root");
  ASSERT_TRUE(w.ok()) << to_string(w.error());
  ASSERT_EQ(w->size(), 5u);
  std::set<std::string> names;
  for (const auto& inst : *w) {
    names.insert(inst.container_name);
    EXPECT_NE(inst.create_body_text.find("\"com.stevedore.job\":\"stress-abcd1234-baseline\""),
              std::string::npos)
      << inst.create_body_text;
    EXPECT_EQ(inst.task->kill_timeout_ms, 2000);
    // Dropped: only the body's text is kept, which carries them.
    EXPECT_TRUE(inst.env.empty());
    EXPECT_TRUE(inst.labels.empty());
    EXPECT_NE(inst.create_body_text.find("\"Cmd\":[\"sh\",\"-c\",\"trap 'exit 0' TERM; sleep"),
              std::string::npos)
      << inst.create_body_text;
    EXPECT_NE(inst.create_body_text.find("busybox:1.36"), std::string::npos);
    EXPECT_EQ(inst.alloc_dir.rfind("/tmp/stress-test-root/", 0), 0u) << inst.alloc_dir;
  }
  EXPECT_EQ(names.size(), 5u);
}

TEST(StressWorkload, BadImageIsOneInvalidInputError) {
  stress_options o;
  o.tasks = 2;
  o.image = "UPPER/Case:!!";
  o.run_id = "x";
  auto w = plan_workload(o, "stevedore", "/tmp/x");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().kind, errc::invalid_input);
  EXPECT_EQ(w.error().what, "stress plan stress-x-stevedore");
}

TEST(StressProc, StatusFields) {
  const char* text = "Name:\tstevedore\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\nThreads:\t7\n";
  EXPECT_EQ(status_field(text, "VmRSS"), 10240);
  EXPECT_EQ(status_field(text, "VmHWM"), 20480);
  EXPECT_EQ(status_field(text, "Threads"), 7);
  EXPECT_FALSE(status_field(text, "VmSwap").has_value());
  EXPECT_FALSE(status_field(text, "Name").has_value()); // not a number
  EXPECT_FALSE(status_field(text, "Vm").has_value());   // a prefix is not the key
}

TEST(StressProc, StatParentSkipsOddCommandNames) {
  EXPECT_EQ(stat_parent("1234 (sleep) S 99 1234 1234 0 -1"), 99);
  EXPECT_EQ(stat_parent("1234 (a) b) c) R 4242 1 1"), 4242);
  EXPECT_FALSE(stat_parent("garbage").has_value());
}

TEST(StressProc, ThisProcessHasMemoryAndCpu) {
  auto m = read_memory();
  EXPECT_GT(m.rss_kb, 0);
  EXPECT_GE(m.peak_kb, m.rss_kb);
  EXPECT_GE(m.threads, 1);
  volatile double x = 0;
  for (int i = 0; i < 2000000; ++i)
    x = x + i;
  EXPECT_GT(process_cpu_us(), 0);
  EXPECT_EQ(child_process_count(), 0);
}

} // namespace
} // namespace stevedore::stress
