// tools/stress/supervisor_driver: task events become milestones and end the
// pending step; refusals and failures end it with the right kind; events of
// other tasks are ignored; the instance moves into the supervisor.
#include <gtest/gtest.h>

#include "tools/stress/supervisor_driver.hpp"

namespace stevedore::stress {
namespace {

// Records what the driver asked; answers start and stop as scripted.
struct scripted_port : supervisor_port {
  std::vector<task_instance> started;
  std::vector<std::string> stopped;
  error_info refuse_start;  // kind ok: accept
  error_info refuse_stop;
  bool shut = false;

  void start(task_instance inst, std::function<void(result<std::string>)> done) override {
    started.push_back(std::move(inst));
    if (refuse_start.kind != errc::ok)
      return done(refuse_start);
    done(task_id_of(started.back()));
  }
  void stop(const std::string& id, std::function<void(result<unit>)> done) override {
    stopped.push_back(id);
    if (refuse_stop.kind != errc::ok)
      return done(refuse_stop);
    done(unit{});
  }
  void shutdown() override { shut = true; }
};

class StressSupervisorDriver : public ::testing::Test {
protected:
  StressSupervisorDriver() : ctx_{opts_, {}, {}, {}} {
    for (int i = 0; i < 2; ++i) {
      task_instance inst;
      inst.alloc_id = "alloc-" + std::to_string(i);
      inst.task.edit().name = "sleeper";
      inst.create_body_text = "{}";
      ctx_.work.push_back(std::make_unique<task_instance>(inst));
    }
    ctx_.records.resize(2);
    port_ = std::make_shared<scripted_port>();
    drv_ = std::make_unique<supervisor_driver>(ctx_, port_);
  }

  void state(std::size_t i, task_state s, std::string message = "") {
    task_event e;
    e.task_id = "alloc-" + std::to_string(i) + "/sleeper";
    e.kind = "state";
    e.state = s;
    e.message = std::move(message);
    drv_->on_event(e);
  }

  stress_options opts_;
  driver_context ctx_;
  std::shared_ptr<scripted_port> port_;
  std::unique_ptr<supervisor_driver> drv_;
};

TEST_F(StressSupervisorDriver, WholeLifecycleFromEvents) {
  int launched = -1, torn = -1;
  drv_->launch(0, [&](bool ok) { launched = ok; });
  ASSERT_EQ(port_->started.size(), 1u);
  EXPECT_EQ(port_->started[0].create_body_text, "{}");
  EXPECT_EQ(ctx_.work[0], nullptr); // moved into the supervisor, the harness's copy gone
  for (auto s : {task_state::pending, task_state::pulling, task_state::creating,
                 task_state::starting})
    state(0, s);
  EXPECT_EQ(launched, -1); // not running yet
  state(0, task_state::running);
  EXPECT_EQ(launched, 1);

  drv_->teardown(0, [&](bool ok) { torn = ok; });
  EXPECT_EQ(port_->stopped, std::vector<std::string>{"alloc-0/sleeper"});
  state(0, task_state::stopping);
  state(0, task_state::exited);
  EXPECT_EQ(torn, -1);
  state(0, task_state::cleaned);
  EXPECT_EQ(torn, 1);

  const auto& r = ctx_.records[0];
  for (std::size_t m = 0; m < milestone_count; ++m)
    EXPECT_GE(r.at_us[m], 0) << m;
  EXPECT_LE(r.at(milestone::submitted), r.at(milestone::image_ready));
  EXPECT_LE(r.at(milestone::running), r.at(milestone::stop_requested));
  EXPECT_FALSE(r.failed());
  EXPECT_LT(ctx_.records[1].at(milestone::submitted), 0); // the other task untouched
}

TEST_F(StressSupervisorDriver, RefusedStartFailsTheLaunchWithItsKind) {
  port_->refuse_start = make_error(errc::unavailable, "start alloc-1/sleeper", "daemon unhealthy");
  int launched = -1;
  drv_->launch(1, [&](bool ok) { launched = ok; });
  EXPECT_EQ(launched, 0);
  EXPECT_EQ(ctx_.records[1].error_kind, "unavailable");
  EXPECT_EQ(ctx_.records[1].error, "start alloc-1/sleeper: daemon unhealthy");
}

TEST_F(StressSupervisorDriver, FailedStateEndsThePendingStep) {
  int launched = -1;
  drv_->launch(0, [&](bool ok) { launched = ok; });
  state(0, task_state::creating);
  state(0, task_state::failed, "create: no such image");
  EXPECT_EQ(launched, 0);
  EXPECT_EQ(ctx_.records[0].error_kind, "task_failed");
  EXPECT_EQ(ctx_.records[0].error, "task alloc-0/sleeper: create: no such image");
  state(0, task_state::failed, "again"); // nothing pending: no second call
  EXPECT_EQ(launched, 0);
}

TEST_F(StressSupervisorDriver, RefusedStopFailsTheTeardown) {
  drv_->launch(0, [](bool) {});
  state(0, task_state::running);
  port_->refuse_stop = make_error(errc::not_found, "stop alloc-0/sleeper", "no such task");
  int torn = -1;
  drv_->teardown(0, [&](bool ok) { torn = ok; });
  EXPECT_EQ(torn, 0);
  EXPECT_EQ(ctx_.records[0].error_kind, "not_found");
}

TEST_F(StressSupervisorDriver, CleanedBeforeRunningFailsTheLaunch) {
  int launched = -1;
  drv_->launch(1, [&](bool ok) { launched = ok; });
  state(1, task_state::cleaned);
  EXPECT_EQ(launched, 0);
  EXPECT_EQ(ctx_.records[1].error_kind, "ended_early");
}

TEST_F(StressSupervisorDriver, OtherTasksAndKindsAreIgnored) {
  int launched = -1;
  drv_->launch(0, [&](bool ok) { launched = ok; });
  task_event e;
  e.task_id = "someone-else/web";
  e.kind = "state";
  e.state = task_state::running;
  drv_->on_event(e);
  e.task_id = "alloc-0/sleeper";
  e.kind = "progress";
  drv_->on_event(e);
  EXPECT_EQ(launched, -1);
  EXPECT_LT(ctx_.records[0].at(milestone::running), 0);
  drv_->shutdown();
  EXPECT_TRUE(port_->shut);
}

// Every one of many tasks' events reaches that task's record, whatever the
// order (the id table's collisions included); an unknown id reaches none.
TEST(StressSupervisorDriverIds, ManyTasksEachFindTheirOwnRecord) {
  stress_options opts;
  driver_context ctx{opts, {}, {}, {}};
  const std::size_t n = 3000;
  for (std::size_t i = 0; i < n; ++i) {
    task_instance inst;
    inst.alloc_id = "a" + std::to_string(i * 7919 % 10007);
    inst.task.edit().name = "t";
    ctx.work.push_back(std::make_unique<task_instance>(inst));
  }
  ctx.records.resize(n);
  std::vector<std::string> ids;
  for (auto& w : ctx.work)
    ids.push_back(task_id_of(*w));
  supervisor_driver drv(ctx, std::make_shared<scripted_port>());
  for (std::size_t k = 0; k < n; ++k) {
    auto i = (k * 1237) % n; // every index once, out of order
    task_event e;
    e.task_id = ids[i];
    e.kind = "state";
    e.state = task_state::exited;
    drv.on_event(e);
  }
  task_event stranger;
  stranger.task_id = "a10008/t";
  stranger.kind = "state";
  stranger.state = task_state::exited;
  drv.on_event(stranger);
  for (std::size_t i = 0; i < n; ++i)
    ASSERT_GE(ctx.records[i].at(milestone::exited), 0) << ids[i];
}

} // namespace
} // namespace stevedore::stress
