// The fingerprinter against the fake engine (threaded), real scheduler,
// short period, bounded waits.
#include "actors/fingerprinter.hpp"

#include <chrono>
#include <optional>
#include <thread>

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include "actors/types.hpp"
#include "tests/support/fake_engine.hpp"

namespace stevedore {
namespace {

using namespace std::chrono_literals;
using testing::fake_engine;

class FingerprinterTest : public ::testing::Test {
protected:
  FingerprinterTest() {
    add_message_types(cfg_);
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    fcfg_.period = 20ms;
    engine_info info;
    info.os_type = "linux";
    info.runtimes = {"nvidia", "runc"};
    fake_->set_info(info);
    engine_version v;
    v.version = "20.10.24+dfsg1";
    fake_->set_version(v);
  }
  ~FingerprinterTest() override {
    if (fp_)
      caf::anon_send_exit(fp_, caf::exit_reason::user_shutdown);
    fake_->shutdown();
  }

  void start() { fp_ = spawn_fingerprinter(*sys_, fake_, fcfg_); }

  // The next (health_atom, fingerprint) whose health is `want`, skipping others.
  std::optional<fingerprint> next_with(caf::scoped_actor& self, daemon_health want,
                                       std::chrono::milliseconds limit = 3s) {
    auto until = std::chrono::steady_clock::now() + limit;
    std::optional<fingerprint> got;
    bool timeout = false;
    while (!got && !timeout) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        break;
      self->receive([&](health_atom, fingerprint& f) { if (f.health == want) got = std::move(f); },
                    caf::after(left) >> [&] { timeout = true; });
    }
    return got;
  }

  int count_updates(caf::scoped_actor& self, std::chrono::milliseconds window) {
    int n = 0;
    bool more = true;
    auto until = std::chrono::steady_clock::now() + window;
    while (more) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        break;
      self->receive([&](health_atom, fingerprint&) { ++n; }, caf::after(left) >> [&] { more = false; });
    }
    return n;
  }

  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::shared_ptr<fake_engine> fake_ = std::make_shared<fake_engine>();
  fingerprinter_config fcfg_;
  fingerprinter_actor fp_;
};

TEST_F(FingerprinterTest, PublishesNomadAttributes) {
  fcfg_.privileged_enabled = true;
  start();
  caf::scoped_actor self(*sys_);
  caf::anon_send(fp_, watch_atom::value, caf::actor_cast<caf::actor>(self));
  auto f = next_with(self, daemon_health::healthy);
  ASSERT_TRUE(f);
  auto& a = f->attributes;
  EXPECT_EQ(a["driver.docker"], "1");
  EXPECT_EQ(a["driver.docker.version"], "20.10.24+dfsg1");
  EXPECT_EQ(a["driver.docker.bridge_ip"], "192.0.2.1");
  EXPECT_EQ(a["driver.docker.volumes.enabled"], "true");
  EXPECT_EQ(a["driver.docker.privileged.enabled"], "true");
  EXPECT_EQ(a["driver.docker.runtimes"], "nvidia,runc");
  EXPECT_EQ(a["driver.docker.os_type"], "linux");
  EXPECT_TRUE(f->reason.empty());
  fingerprint asked;
  self->request(fp_, 3s, attrs_atom::value).receive([&](fingerprint& x) { asked = x; }, [](caf::error&) {});
  EXPECT_EQ(asked.attributes, f->attributes);
}

TEST_F(FingerprinterTest, NoBridgeNetworkLeavesBridgeIpOut) {
  fake_->remove_network("bridge");
  start();
  caf::scoped_actor self(*sys_);
  caf::anon_send(fp_, watch_atom::value, caf::actor_cast<caf::actor>(self));
  auto f = next_with(self, daemon_health::healthy);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->attributes.count("driver.docker.bridge_ip"), 0u);
}

TEST_F(FingerprinterTest, NeverReachedIsUndetected) {
  fake_->set_down(true);
  start();
  caf::scoped_actor self(*sys_);
  caf::anon_send(fp_, watch_atom::value, caf::actor_cast<caf::actor>(self));
  auto f = next_with(self, daemon_health::undetected);
  ASSERT_TRUE(f);
  // the first message is "not polled yet"; wait for a real poll's reason
  for (int i = 0; i < 10 && f && f->polls == 0; ++i)
    f = next_with(self, daemon_health::undetected);
  ASSERT_TRUE(f);
  EXPECT_NE(f->reason.find("cannot connect"), std::string::npos) << f->reason;
}

TEST_F(FingerprinterTest, HealthyUnhealthyHealthy) {
  fcfg_.period = 10s;  // only forced polls
  start();
  caf::scoped_actor self(*sys_);
  caf::anon_send(fp_, watch_atom::value, caf::actor_cast<caf::actor>(self));
  ASSERT_TRUE(next_with(self, daemon_health::healthy));
  fake_->set_down(true);
  caf::anon_send(fp_, poll_atom::value);
  auto down = next_with(self, daemon_health::unhealthy);
  ASSERT_TRUE(down);
  EXPECT_NE(down->reason.find("version"), std::string::npos) << down->reason;
  EXPECT_FALSE(down->attributes.empty());  // the last known facts stay
  fake_->set_down(false);
  caf::anon_send(fp_, poll_atom::value);
  auto up = next_with(self, daemon_health::healthy);
  ASSERT_TRUE(up);
  EXPECT_TRUE(up->reason.empty());
}

TEST_F(FingerprinterTest, OneFailedPollIsRetriedAndDoesNotTurnItUnhealthy) {
  fcfg_.period = 10s;  // only forced polls, and the retry
  fcfg_.retry_delay = 50ms;
  start();
  caf::scoped_actor self(*sys_);
  caf::anon_send(fp_, watch_atom::value, caf::actor_cast<caf::actor>(self));
  ASSERT_TRUE(next_with(self, daemon_health::healthy));
  auto before = fake_->calls("info");
  fake_->fail_next("info", 1, errc::daemon_unreachable, "connection reset by peer");
  caf::anon_send(fp_, poll_atom::value);
  // The failed poll and its retry, and no update: it stayed healthy.
  EXPECT_EQ(count_updates(self, 400ms), 0);
  EXPECT_EQ(fake_->calls("info") - before, 2);
}

TEST_F(FingerprinterTest, FailuresInARowTurnItUnhealthy) {
  fcfg_.period = 10s;
  fcfg_.retry_delay = 50ms;
  fcfg_.unhealthy_after = 3;
  start();
  caf::scoped_actor self(*sys_);
  caf::anon_send(fp_, watch_atom::value, caf::actor_cast<caf::actor>(self));
  ASSERT_TRUE(next_with(self, daemon_health::healthy));
  auto before = fake_->calls("info");
  fake_->fail_next("info", 3, errc::daemon_error, "500 internal server error");
  caf::anon_send(fp_, poll_atom::value);
  auto down = next_with(self, daemon_health::unhealthy);
  ASSERT_TRUE(down);
  EXPECT_EQ(fake_->calls("info") - before, 3);
  EXPECT_NE(down->reason.find("500 internal server error"), std::string::npos) << down->reason;
}

TEST_F(FingerprinterTest, PollsEveryPeriodButTellsOnlyChanges) {
  start();
  caf::scoped_actor self(*sys_);
  caf::anon_send(fp_, watch_atom::value, caf::actor_cast<caf::actor>(self));
  ASSERT_TRUE(next_with(self, daemon_health::healthy));
  auto before = fake_->calls("version");
  EXPECT_EQ(count_updates(self, 200ms), 0);  // nothing changed
  EXPECT_GE(fake_->calls("version") - before, 3);
  engine_version v;
  v.version = "24.0.7";
  fake_->set_version(v);
  auto f = next_with(self, daemon_health::healthy);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->attributes["driver.docker.version"], "24.0.7");
}

TEST_F(FingerprinterTest, UnwatchedAndDeadSubscribersAreDropped) {
  fcfg_.period = 10s;
  start();
  caf::scoped_actor self(*sys_);
  caf::anon_send(fp_, watch_atom::value, caf::actor_cast<caf::actor>(self));
  {
    caf::scoped_actor gone(*sys_);
    caf::anon_send(fp_, watch_atom::value, caf::actor_cast<caf::actor>(gone));
    ASSERT_TRUE(next_with(gone, daemon_health::healthy));
  }
  ASSERT_TRUE(next_with(self, daemon_health::healthy));
  auto watchers = [&] {
    std::string n;
    self->request(fp_, 3s, status_atom::value).receive([&](actor_status& s) { n = s.details["watchers"]; },
                                                      [](caf::error&) {});
    return n;
  };
  for (int i = 0; i < 100 && watchers() != "1"; ++i)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(watchers(), "1");
  caf::anon_send(fp_, unwatch_atom::value, caf::actor_cast<caf::actor>(self));
  EXPECT_EQ(watchers(), "0");
  fake_->set_down(true);
  caf::anon_send(fp_, poll_atom::value);
  EXPECT_EQ(count_updates(self, 100ms), 0);
}

TEST_F(FingerprinterTest, ExitStopsTheTimerSoTheSystemEnds) {
  start();
  {
    caf::scoped_actor self(*sys_);
    caf::anon_send(fp_, watch_atom::value, caf::actor_cast<caf::actor>(self));
    ASSERT_TRUE(next_with(self, daemon_health::healthy));
  }
  caf::anon_send_exit(fp_, caf::exit_reason::user_shutdown);
  fp_ = nullptr;
  auto t0 = std::chrono::steady_clock::now();
  sys_.reset();  // waits for every actor
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
}

} // namespace
} // namespace stevedore
