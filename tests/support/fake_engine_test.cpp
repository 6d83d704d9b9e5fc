// The fake engine itself: the behaviours actor tests rely on.
#include "tests/support/fake_engine.hpp"

#include <atomic>
#include <future>
#include <thread>

#include <gtest/gtest.h>

namespace stevedore::testing {
namespace {

using namespace std::chrono_literals;
using mode = fake_engine::mode;

std::string body_for(const std::string& image, const std::string& labels = "{}") {
  return R"({"Image":")" + image + R"(","Labels":)" + labels + "}";
}

template <class T>
struct slot {
  std::optional<result<T>> value;
  docker::callback<T> cb() {
    return [this](result<T> r) { value.emplace(std::move(r)); };
  }
};

TEST(FakeEngine, ThreadedCallbacksRunOffTheCallersThread) {
  fake_engine f;
  std::promise<std::thread::id> where;
  f.ping([&](result<unit> r) {
    EXPECT_TRUE(r.ok());
    where.set_value(std::this_thread::get_id());
  });
  auto fut = where.get_future();
  ASSERT_EQ(fut.wait_for(5s), std::future_status::ready);
  EXPECT_NE(fut.get(), std::this_thread::get_id());
  EXPECT_EQ(f.calls("ping"), 1);
}

TEST(FakeEngine, PullDeliversProgressThenMakesTheImagePresent) {
  fake_engine f(mode::manual);
  f.add_registry_image("127.0.0.1:5000/app:1");
  f.script_pull("127.0.0.1:5000/app:1", {{{"l1", "Downloading", 1, 2}, {"l1", "Pull complete", 2, 2}}, 10ms});
  std::vector<std::string> seen;
  slot<pull_summary> done;
  f.image_pull({"127.0.0.1:5000/app", "1", "", 1s}, [&](const pull_progress& p) { seen.push_back(p.status); },
               done.cb());
  f.advance(15ms);
  EXPECT_EQ(seen, std::vector<std::string>{"Downloading"});
  EXPECT_FALSE(done.value);
  f.advance(20ms);
  ASSERT_TRUE(done.value);
  ASSERT_TRUE(done.value->ok()) << to_string(done.value->error());
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_TRUE(f.has_image("127.0.0.1:5000/app:1"));
}

TEST(FakeEngine, PullChecksAuthAndActivityTimeout) {
  fake_engine f(mode::manual);
  f.add_registry_image("r/a:1", {}, "secret-auth");
  slot<pull_summary> anon, good;
  f.image_pull({"r/a", "1", "", 1s}, [](const pull_progress&) {}, anon.cb());
  f.image_pull({"r/a", "1", "secret-auth", 1s}, [](const pull_progress&) {}, good.cb());
  f.run_pending();
  ASSERT_TRUE(anon.value && good.value);
  ASSERT_FALSE(anon.value->ok());
  EXPECT_EQ(anon.value->error().kind, errc::unauthorized);
  EXPECT_TRUE(good.value->ok());

  f.add_registry_image("r/slow:1");
  f.script_pull("r/slow:1", {{}, 500ms});
  slot<pull_summary> slow;
  f.image_pull({"r/slow", "1", "", 100ms}, [](const pull_progress&) {}, slow.cb());
  f.advance(99ms);
  EXPECT_FALSE(slow.value);
  f.advance(1ms);
  ASSERT_TRUE(slow.value);
  EXPECT_EQ(slow.value->error().kind, errc::timeout);
  EXPECT_NE(to_string(slow.value->error()).find("no progress"), std::string::npos);
}

TEST(FakeEngine, ContainerLifecycleWithEventsAndAStubbornStop) {
  fake_engine f(mode::manual);
  f.add_image("busybox:1");
  f.script_container("web-1", {std::nullopt, 0, false, true});
  std::vector<std::string> actions;
  slot<unit> events_end;
  f.events({{{"type", {"container"}}}, "", ""},
           [&](const engine_event& e) { actions.push_back(e.action); return true; }, events_end.cb());
  slot<create_answer> created;
  f.container_create("web-1", body_for("busybox:1", R"({"a":"b"})"), created.cb());
  f.run_pending();
  ASSERT_TRUE(created.value && created.value->ok());
  auto id = (*created.value)->id;
  slot<create_answer> again;
  f.container_create("web-1", body_for("busybox:1"), again.cb());
  slot<unit> started, stopped;
  f.container_start(id, started.cb());
  f.run_pending();
  EXPECT_EQ(again.value->error().kind, errc::conflict);
  EXPECT_TRUE(f.container(id)->running);
  f.container_stop(id, std::chrono::seconds(2), stopped.cb());
  f.advance(1999ms);
  EXPECT_FALSE(stopped.value);
  EXPECT_TRUE(f.container(id)->running);
  f.advance(1ms);
  ASSERT_TRUE(stopped.value && stopped.value->ok());
  EXPECT_EQ(f.container(id)->exit_code, 137);
  EXPECT_EQ(f.signals_of("web-1"), (std::vector<std::string>{"SIGTERM", "SIGKILL"}));
  slot<unit> removed;
  f.container_remove(id, false, false, removed.cb());
  f.run_pending();
  ASSERT_TRUE(removed.value && removed.value->ok());
  EXPECT_EQ(actions, (std::vector<std::string>{"create", "start", "kill", "kill", "die", "stop", "destroy"}));
  EXPECT_FALSE(f.container(id));
}

TEST(FakeEngine, ScriptedExitAnswersWaitAndOom) {
  fake_engine f(mode::manual);
  f.add_image("busybox:1");
  f.script_container("busybox:1", {50ms, 0, true, false});
  slot<create_answer> c;
  f.container_create("t", body_for("busybox:1"), c.cb());
  f.run_pending();
  auto id = (*c.value)->id;
  slot<unit> s;
  slot<wait_answer> w;
  f.container_start(id, s.cb());
  f.container_wait(id, "next-exit", w.cb());
  f.advance(49ms);
  EXPECT_FALSE(w.value);
  f.advance(1ms);
  ASSERT_TRUE(w.value && w.value->ok());
  EXPECT_EQ((*w.value)->status_code, 137);
  EXPECT_TRUE(f.container(id)->oom_killed);
}

TEST(FakeEngine, ImageRemoveByIdCoversEveryTagAndRefusesInUse) {
  fake_engine f(mode::manual);
  auto id = f.add_image("a:1");
  image_info same;
  same.id = id;
  f.add_image("a:2", same);
  slot<create_answer> c;
  f.container_create("x", body_for("a:1"), c.cb());
  slot<unit> busy;
  f.image_remove(id, false, busy.cb());
  f.run_pending();
  EXPECT_EQ(busy.value->error().kind, errc::conflict);
  slot<unit> rm_c, rm_i, again;
  f.container_remove((*c.value)->id, false, false, rm_c.cb());
  f.image_remove(id, false, rm_i.cb());
  f.image_remove(id, false, again.cb());
  f.run_pending();
  EXPECT_TRUE(rm_i.value->ok());
  EXPECT_FALSE(f.has_image("a:1"));
  EXPECT_FALSE(f.has_image("a:2"));
  EXPECT_EQ(again.value->error().kind, errc::not_found);
}

TEST(FakeEngine, FaultsAndDownSwitch) {
  fake_engine f(mode::manual);
  f.fail_next("version", 1, errc::daemon_error, "boom");
  slot<engine_version> v1, v2, v3;
  f.version(v1.cb());
  f.version(v2.cb());
  f.run_pending();
  EXPECT_EQ(v1.value->error().kind, errc::daemon_error);
  EXPECT_TRUE(v2.value->ok());
  slot<unit> end;
  f.events({}, [](const engine_event&) { return true; }, end.cb());
  f.set_down(true);
  f.version(v3.cb());
  f.run_pending();
  EXPECT_EQ(v3.value->error().kind, errc::daemon_unreachable);
  EXPECT_EQ(end.value->error().kind, errc::daemon_unreachable);
  EXPECT_EQ(f.calls("version"), 3);
}

TEST(FakeEngine, LogsFollowUntilExit) {
  fake_engine f(mode::manual);
  f.add_image("busybox:1");
  slot<create_answer> c;
  slot<unit> s;
  f.container_create("l", body_for("busybox:1"), c.cb());
  f.run_pending();
  auto id = (*c.value)->id;
  f.container_start(id, s.cb());
  f.append_logs(id, docker::output_stream::stdout_stream, "one\n");
  f.run_pending();
  std::string out;
  slot<unit> end;
  docker::logs_request req;
  req.follow = true;
  f.container_logs(id, req, [&](docker::output_stream, std::string_view t) { out += t; return true; }, end.cb());
  f.run_pending();
  f.append_logs(id, docker::output_stream::stderr_stream, "two\n");
  f.run_pending();
  EXPECT_EQ(out, "one\ntwo\n");
  EXPECT_FALSE(end.value);
  slot<unit> k;
  f.container_kill(id, "SIGKILL", k.cb());
  f.run_pending();
  ASSERT_TRUE(end.value && end.value->ok());
}

TEST(FakeEngine, ShutdownCancelsWhatIsInFlight) {
  std::atomic<int> cancelled{0};
  {
    fake_engine f;
    f.events({}, [](const engine_event&) { return true; },
             [&](result<unit> r) { cancelled += !r.ok() && r.error().kind == errc::cancelled; });
    f.shutdown();
    f.ping([&](result<unit> r) { cancelled += !r.ok() && r.error().kind == errc::cancelled; });
  }
  EXPECT_EQ(cancelled, 2);
}

} // namespace
} // namespace stevedore::testing
