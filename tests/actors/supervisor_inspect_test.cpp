// The supervisor's inspection answers with the fake engine: pages of actors
// filtered, sorted and paged (each actor's id, mailbox, rate and age), one
// actor by name, kind or id, a task actor's message trace (off until asked,
// bounded by count), and the ring of recent events.
#include <cstdlib>
#include <filesystem>
#include <set>

#include "actors/activity.hpp"
#include "actors/supervisor.hpp"
#include "tests/actors/actor_harness.hpp"

namespace stevedore::testing {
namespace {

class SupervisorInspectTest : public ::testing::Test {
protected:
  SupervisorInspectTest() : sys_(cfg_), self_(sys_) {
    docker_ = std::make_shared<fake_engine>();
    docker_->add_image("stevedore-test/busybox:1");
    docker_->add_image("docker.io/stevedore-test/busybox:1");
    char tmpl[] = "/tmp/stevedore-inspect-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    supervisor_config c;
    c.docker = docker_;
    c.client.fingerprint_period_ms = 100;
    c.client.alloc_root = dir_ + "/alloc";
    c.prepare_task_dirs = false;
    c.collect_logs = false;
    sup_ = spawn_supervisor(sys_, std::move(c));
  }

  ~SupervisorInspectTest() override {
    caf::anon_send_exit(sup_, caf::exit_reason::user_shutdown);
    docker_->shutdown();
    std::filesystem::remove_all(dir_);
  }

  template <class T, class... Ts>
  result<T> ask(Ts&&... xs) {
    std::optional<result<T>> out;
    self_->request(sup_, 5s, std::forward<Ts>(xs)...)
      .receive([&](T& v) { out.emplace(std::move(v)); },
               [&](caf::error& e) { out.emplace(from_caf(e)); });
    return std::move(*out);
  }

  // Starts `n` tasks web-0.. in alloc a<i> and waits until all run.
  void start_running(int n) {
    std::vector<task_instance> all;
    for (int i = 0; i < n; ++i)
      all.push_back(make_instance("web", "a" + std::to_string(i)));
    ASSERT_TRUE((ask<std::vector<std::string>>(start_atom::value, std::move(all))).ok());
    for (int tries = 0; tries < 200; ++tries) {
      actor_query q;
      q.kind = "task";
      q.state = "running";
      auto page = ask<actor_page>(status_atom::value, q);
      if (page.ok() && page->total == n)
        return;
      std::this_thread::sleep_for(20ms);
    }
    FAIL() << "tasks did not all run";
  }

  harness_config cfg_;
  caf::actor_system sys_;
  caf::scoped_actor self_;
  std::shared_ptr<fake_engine> docker_;
  std::string dir_;
  supervisor_actor sup_;
};

TEST_F(SupervisorInspectTest, ListsEveryKindWithIdsAndAges) {
  start_running(2);
  auto page = ask<actor_page>(status_atom::value, actor_query{});
  ASSERT_TRUE(page.ok()) << to_string(page.error());
  std::set<std::string> kinds;
  std::set<std::uint64_t> ids;
  for (const auto& a : page->actors) {
    kinds.insert(a.kind);
    ids.insert(a.id);
    EXPECT_GT(a.born_ms, 0) << a.kind;
    EXPECT_GE(a.mailbox, 0);
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"supervisor", "image_manager", "fingerprinter", "stats_poller",
                                          "container_events", "timer_service", "task"}));
  EXPECT_EQ(ids.size(), page->actors.size()) << "every actor has its own CAF id";
  EXPECT_EQ(page->total, static_cast<std::int64_t>(page->actors.size()));
}

TEST_F(SupervisorInspectTest, FiltersSortsAndPages) {
  start_running(5);
  actor_query q;
  q.kind = "task";
  q.sort = "name";
  q.descending = true;
  q.offset = 1;
  q.limit = 2;
  auto page = ask<actor_page>(status_atom::value, q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 5);
  ASSERT_EQ(page->actors.size(), 2u);
  EXPECT_EQ(page->actors[0].name, "a3/web");
  EXPECT_EQ(page->actors[1].name, "a2/web");
  EXPECT_EQ(page->actors[0].state, "running");
  EXPECT_GT(page->actors[0].messages, 0) << "the page's actors answered themselves";
  q.state = "exited";
  page = ask<actor_page>(status_atom::value, q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 0);
  actor_query by_messages;
  by_messages.sort = "messages";
  by_messages.descending = true;
  page = ask<actor_page>(status_atom::value, by_messages);
  ASSERT_TRUE(page.ok());
  for (std::size_t i = 1; i < page->actors.size(); ++i)
    EXPECT_GE(page->actors[i - 1].messages, page->actors[i].messages)
      << page->actors[i - 1].name << " before " << page->actors[i].name;
  actor_query bad;
  bad.sort = "size";
  auto refused = ask<actor_page>(status_atom::value, bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, errc::invalid_input);
}

TEST_F(SupervisorInspectTest, FindsOneActorByNameKindOrId) {
  start_running(1);
  auto task = ask<actor_status>(status_atom::value, std::string("a0/web"));
  ASSERT_TRUE(task.ok());
  EXPECT_EQ(task->kind, "task");
  EXPECT_FALSE(task->details["container_id"].empty());
  auto by_id = ask<actor_status>(status_atom::value, std::to_string(task->id));
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->name, "a0/web");
  auto images = ask<actor_status>(status_atom::value, std::string("image_manager"));
  ASSERT_TRUE(images.ok());
  EXPECT_EQ(images->kind, "image_manager");
  auto sup = ask<actor_status>(status_atom::value, std::string("supervisor"));
  ASSERT_TRUE(sup.ok());
  EXPECT_EQ(sup->kind, "supervisor");
  auto none = ask<actor_status>(status_atom::value, std::string("b9/web"));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(to_string(none.error()), "actor b9/web: no such actor in this supervisor");
}

TEST_F(SupervisorInspectTest, TracesATaskOnlyWhenAskedAndForAsManyMessagesAsAsked) {
  start_running(1);
  const std::string who = "a0/web";
  auto off = ask<actor_trace>(trace_atom::value, who);
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->on);
  EXPECT_TRUE(off->entries.empty());
  ASSERT_TRUE((ask<unit>(trace_atom::value, who, std::int64_t{3}, std::int64_t{60000})).ok());
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE((ask<task_status>(caf::get_atom::value, who)).ok());
  auto t = ask<actor_trace>(trace_atom::value, who);
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->on) << "3 messages were asked for";
  ASSERT_EQ(t->entries.size(), 3u);
  for (const auto& e : t->entries) {
    EXPECT_EQ(e.dir, "in");
    EXPECT_EQ(e.kind, "get");
    EXPECT_GT(e.at_ms, 0);
  }
  auto after = ask<actor_trace>(trace_atom::value, who);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->entries.empty()) << "an ended trace is dropped once read";
}

TEST_F(SupervisorInspectTest, KeepsRecentEventsWithoutPullProgress) {
  start_running(2);
  auto events = ask<std::vector<task_event>>(events_atom::value);
  ASSERT_TRUE(events.ok());
  int running = 0;
  for (const auto& e : *events) {
    EXPECT_NE(e.kind, "progress");
    running += e.kind == "state" && e.state == task_state::running;
  }
  EXPECT_EQ(running, 2);
  for (std::size_t i = 1; i < events->size(); ++i)
    EXPECT_LE((*events)[i - 1].at_ms, (*events)[i].at_ms) << "oldest first";
}

TEST(Activity, RecordsTracesOnlyWhileOnAndClampsTheirBounds) {
  activity a;
  a.note("x");
  a.sent("y");
  EXPECT_FALSE(a.trace) << "no trace until asked: nothing is kept";
  a.trace_on(max_trace_count * 10, max_trace_ms * 10);
  ASSERT_TRUE(a.trace);
  EXPECT_EQ(a.trace->left, max_trace_count);
  EXPECT_LE(a.trace->until_ms - now_ms(), max_trace_ms);
  a.note("get");
  a.sent("event");
  auto t = a.trace_report();
  EXPECT_TRUE(t.on);
  ASSERT_EQ(t.entries.size(), 2u);
  EXPECT_EQ(t.entries[1].dir, "out");
  a.trace_on(0, 0);
  EXPECT_FALSE(a.trace_report().on);
  EXPECT_FALSE(a.trace) << "a stopped trace is dropped once read";
  EXPECT_EQ(a.messages, 2);
}

} // namespace
} // namespace stevedore::testing
