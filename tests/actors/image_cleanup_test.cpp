// The image manager's leases and delayed cleanup on CAF's deterministic
// scheduler, with the fake engine in manual mode: the cleanup timer fires
// when the test says so and the daemon answers when the test runs it, so the
// order of release, re-acquire and removal is exactly the one each test
// writes down (no sleeps, no timing).
#include "actors/image_manager.hpp"

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

class ImageCleanupTest : public ::testing::Test {
protected:
  ImageCleanupTest()
    : sys_(testing_config(cfg_)),
      sched_(testing::coordinator_of(sys_)),
      self_(sys_) {
    icfg_.cleanup_delay = 50ms;
  }
  ~ImageCleanupTest() override {
    if (mgr_)
      caf::anon_send_exit(mgr_, caf::exit_reason::user_shutdown);
    sched_.run();
    fake_->shutdown();
  }

  void start() {
    mgr_ = spawn_image_manager(sys_, fake_, icfg_);
    sched_.run();
  }

  // Runs the daemon's answers and the actors until both are idle.
  void settle() {
    while (fake_->run_pending() > 0 || sched_.run() > 0) {
    }
  }

  std::optional<image_lease> acquire(const std::string& holder) {
    image_request r;
    r.holder = holder;
    r.reference = "busybox:1";
    r.pull = pull_policy::pull_if_missing;
    std::optional<image_lease> out;
    auto h = self_->request(mgr_, caf::infinite, acquire_atom::value, r);
    settle();
    h.receive([&](image_lease& l) { out = std::move(l); },
              [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    return out;
  }

  void release(const std::string& holder, const std::string& id) {
    caf::anon_send(mgr_, release_atom::value, holder, id);
    settle();
  }

  std::vector<image_record> images() {
    std::vector<image_record> out;
    auto h = self_->request(mgr_, caf::infinite, images_atom::value);
    sched_.run();
    h.receive([&](std::vector<image_record>& r) { out = std::move(r); },
              [&](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    return out;
  }

  // The next cleanup timer fires, and what it asks of the daemon is answered.
  bool fire_timer() {
    bool fired = sched_.trigger_timeout();
    settle();
    return fired;
  }

  caf::actor_system_config cfg_;
  caf::actor_system sys_;
  caf::scheduler::test_coordinator& sched_;
  caf::scoped_actor self_;
  std::shared_ptr<fake_engine> fake_ = std::make_shared<fake_engine>(fake_engine::mode::manual);
  image_manager_config icfg_;
  image_manager_actor mgr_;
};

TEST_F(ImageCleanupTest, TheLastReleaseRemovesTheImageWhenTheDelayEnds) {
  auto id = fake_->add_image("busybox:1");
  image_info other;
  other.id = id;
  fake_->add_image("busybox:other-tag", other);
  start();
  ASSERT_TRUE(acquire("a"));
  ASSERT_TRUE(acquire("b"));
  release("a", id);
  EXPECT_FALSE(sched_.has_pending_timeout()) << "b still holds it: no cleanup is scheduled";
  EXPECT_EQ(images().at(0).cleanup_at_ms, 0);
  release("b", id);
  EXPECT_GT(images().at(0).cleanup_at_ms, 0);
  EXPECT_TRUE(fake_->has_image(id)) << "not before the delay";
  ASSERT_TRUE(fire_timer());
  EXPECT_FALSE(fake_->has_image(id));
  EXPECT_FALSE(fake_->has_image("busybox:other-tag")) << "by id: every tag";
  EXPECT_EQ(fake_->calls("image_remove"), 1);
  EXPECT_TRUE(images().empty());
}

TEST_F(ImageCleanupTest, ANewLeaseBeforeTheDelayEndsCancelsTheRemoval) {
  auto id = fake_->add_image("busybox:1");
  start();
  ASSERT_TRUE(acquire("a"));
  release("a", id);
  EXPECT_GT(images().at(0).cleanup_at_ms, 0);
  ASSERT_TRUE(acquire("b")); // before the timer fires
  EXPECT_EQ(images().at(0).cleanup_at_ms, 0);
  fire_timer(); // the cancelled removal's timer comes anyway: stale
  EXPECT_TRUE(fake_->has_image(id));
  EXPECT_EQ(fake_->calls("image_remove"), 0);
  release("b", id); // a later last release schedules afresh
  ASSERT_TRUE(fire_timer());
  EXPECT_FALSE(fake_->has_image(id));
}

TEST_F(ImageCleanupTest, CleanupDisabledNeverSchedulesARemoval) {
  icfg_.cleanup_image = false;
  auto id = fake_->add_image("busybox:1");
  start();
  ASSERT_TRUE(acquire("a"));
  release("a", id);
  EXPECT_FALSE(sched_.has_pending_timeout());
  EXPECT_TRUE(fake_->has_image(id));
  EXPECT_EQ(fake_->calls("image_remove"), 0);
}

} // namespace
} // namespace stevedore
