// Nomad's restart policy, backoff and exit helpers as pure functions.
#include "policy/restart_tracker.hpp"
#include "actors/task_actor.hpp"

#include <gtest/gtest.h>

namespace stevedore {
namespace {

TEST(RestartTracker, FailModeGrantsAttemptsWithinTheInterval) {
  restart_tracker t(restart_spec{2, 1000, 15, "fail"});
  auto a = t.on_failure(0);
  EXPECT_TRUE(a.restart);
  EXPECT_EQ(a.delay_ms, 15);
  EXPECT_TRUE(t.on_failure(100).restart);
  auto c = t.on_failure(200);
  EXPECT_FALSE(c.restart);
  EXPECT_NE(c.reason.find("exhausted"), std::string::npos);
}

TEST(RestartTracker, ANewIntervalResetsTheCount) {
  restart_tracker t(restart_spec{1, 1000, 15, "fail"});
  EXPECT_TRUE(t.on_failure(0).restart);
  EXPECT_FALSE(t.on_failure(500).restart);
  EXPECT_TRUE(t.on_failure(1000).restart) << "the window started at 0 ended at 1000";
}

TEST(RestartTracker, DelayModeWaitsUntilTheIntervalEnds) {
  restart_tracker t(restart_spec{1, 1000, 15, "delay"});
  EXPECT_TRUE(t.on_failure(100).restart);
  auto d = t.on_failure(300);
  EXPECT_TRUE(d.restart);
  EXPECT_EQ(d.delay_ms, 800);
  EXPECT_TRUE(t.on_failure(1200).restart) << "a new window";
  EXPECT_EQ(t.count(), 1);
}

TEST(RestartTracker, ZeroAttemptsNeverRestartsInFailMode) {
  restart_tracker t(restart_spec{0, 1000, 15, "fail"});
  EXPECT_FALSE(t.on_failure(0).restart);
}

TEST(Backoff, DoublesUpToTheCap) {
  using ms = std::chrono::milliseconds;
  EXPECT_EQ(backoff(0, ms(100), ms(1000)), ms(100));
  EXPECT_EQ(backoff(1, ms(100), ms(1000)), ms(200));
  EXPECT_EQ(backoff(3, ms(100), ms(1000)), ms(800));
  EXPECT_EQ(backoff(4, ms(100), ms(1000)), ms(1000));
  EXPECT_EQ(backoff(60, ms(100), ms(1000)), ms(1000));
}

TEST(FormatDuration, PrintsAsNomadDoes) {
  EXPECT_EQ(format_duration_ms(250), "250ms");
  EXPECT_EQ(format_duration_ms(15000), "15s");
  EXPECT_EQ(format_duration_ms(1500), "1.5s");
  EXPECT_EQ(format_duration_ms(30 * 60 * 1000), "30m0s");
  EXPECT_EQ(format_duration_ms(3723000), "1h2m3s");
}

TEST(TaskHelpers, OurContainerCarriesEveryStevedoreLabelOfTheBodySent) {
  task_instance inst;
  inst.create_body_text = R"({"Image":"busybox","Labels":{"com.stevedore.alloc_id":"a1",)"
                          R"("com.stevedore.task":"web","app":"x"}})";
  container_info info;
  info.labels = {{"com.stevedore.alloc_id", "a1"}, {"com.stevedore.task", "web"}};
  EXPECT_TRUE(is_our_container(inst, info));
  info.labels["com.stevedore.task"] = "db";
  EXPECT_FALSE(is_our_container(inst, info));
  info.labels.clear();
  EXPECT_FALSE(is_our_container(inst, info));
  // A body without our labels, or unreadable, claims nothing.
  info.labels = {{"com.stevedore.alloc_id", "a1"}, {"com.stevedore.task", "web"}};
  inst.create_body_text = R"({"Image":"busybox","Labels":{"app":"x"}})";
  EXPECT_FALSE(is_our_container(inst, info));
  inst.create_body_text = R"({"Labels":{"com.stevedore.task":)";
  EXPECT_FALSE(is_our_container(inst, info));
}

} // namespace
} // namespace stevedore
