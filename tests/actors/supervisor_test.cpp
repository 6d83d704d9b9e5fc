// The supervisor with the fake engine behind the real image manager,
// fingerprinter and event stream: registry, unknown ids, refusal while the
// daemon is unhealthy, constraints, jobs, shutdown.
#include <cstdlib>
#include <filesystem>

#include "actors/supervisor.hpp"
#include "policy/rules.hpp"
#include "tests/actors/actor_harness.hpp"

namespace stevedore::testing {
namespace {

class SupervisorTest : public ::testing::Test {
protected:
  SupervisorTest() : sys_(cfg_), self_(sys_) {
    docker_ = std::make_shared<fake_engine>();
    docker_->add_image("stevedore-test/busybox:1");
    docker_->add_image("docker.io/stevedore-test/busybox:1");
    char tmpl[] = "/tmp/stevedore-sup-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }

  ~SupervisorTest() override {
    if (sup_)
      caf::anon_send_exit(sup_, caf::exit_reason::user_shutdown);
    docker_->shutdown();
    std::filesystem::remove_all(dir_);
  }

  supervisor_actor make_supervisor(bool dirs_and_logs = false, std::size_t max_ended = 1000) {
    supervisor_config c;
    c.max_ended_tasks = max_ended;
    c.docker = docker_;
    c.client.fingerprint_period_ms = 100;
    c.client.alloc_root = dir_ + "/alloc";
    c.task.retry_base = 10ms;
    c.task.retry_max = 40ms;
    c.prepare_task_dirs = dirs_and_logs;
    c.collect_logs = dirs_and_logs;
    sup_ = spawn_supervisor(sys_, std::move(c));
    return sup_;
  }

  template <class T, class... Ts>
  result<T> ask(Ts&&... xs) {
    std::optional<result<T>> out;
    self_->request(sup_, 5s, std::forward<Ts>(xs)...)
      .receive([&](T& v) { out.emplace(std::move(v)); },
               [&](caf::error& e) { out.emplace(from_caf(e)); });
    return std::move(*out);
  }

  harness_config cfg_;
  caf::actor_system sys_;
  caf::scoped_actor self_;
  std::shared_ptr<fake_engine> docker_;
  std::string dir_;
  supervisor_actor sup_;
};

TEST_F(SupervisorTest, AnUnknownTaskIdIsNotFound) {
  make_supervisor();
  auto st = ask<task_status>(caf::get_atom::value, std::string("nope/web"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, errc::not_found);
  EXPECT_EQ(to_string(st.error()), "task nope/web: no such task in this supervisor");
  auto stop = ask<unit>(stop_atom::value, std::string("nope/web"));
  ASSERT_FALSE(stop.ok());
  EXPECT_EQ(stop.error().kind, errc::not_found);
  auto sig = ask<unit>(signal_atom::value, std::string("nope/web"), std::string("SIGHUP"));
  ASSERT_FALSE(sig.ok());
  EXPECT_EQ(sig.error().kind, errc::not_found);
  auto stats = ask<task_stats>(stats_atom::value, std::string("nope/web"));
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.error().kind, errc::not_found);
  auto inst = ask<task_instance>(instance_atom::value, std::string("nope/web"));
  ASSERT_FALSE(inst.ok());
  EXPECT_EQ(inst.error().kind, errc::not_found);
}

TEST_F(SupervisorTest, KeepsARegistryOfItsTasksAndFansOutTheirEvents) {
  make_supervisor();
  probe p(sys_);
  caf::anon_send(sup_, caf::subscribe_atom::value, p.handle());
  auto ids = ask<std::vector<std::string>>(
    start_atom::value, std::vector<task_instance>{make_instance("web", "a1"), make_instance("db", "a1")});
  ASSERT_TRUE(ids.ok()) << to_string(ids.error());
  EXPECT_EQ(*ids, (std::vector<std::string>{"a1/web", "a1/db"}));
  ASSERT_TRUE(p.until([&] {
    int running = 0;
    for (auto& e : p.events)
      running += e.kind == "state" && e.state == task_state::running;
    return running == 2;
  }));
  auto list = ask<std::vector<task_status>>(list_atom::value);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].task_id, "a1/db");
  EXPECT_EQ((*list)[0].state, task_state::running);
  EXPECT_FALSE((*list)[0].container_id.empty());
  auto dup = ask<std::string>(start_atom::value, make_instance("web", "a1"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().kind, errc::conflict);
  ASSERT_TRUE(ask<unit>(stop_atom::value, std::string("a1/web")).ok());
  ASSERT_TRUE(p.until_done());
  EXPECT_EQ(p.final_status.task_id, "a1/web");
  auto web = ask<task_status>(caf::get_atom::value, std::string("a1/web"));
  ASSERT_TRUE(web.ok());
  EXPECT_EQ(web->state, task_state::cleaned) << "an ended task stays in the registry: "
                                             << web->history.back().reason;
  auto inst = ask<task_instance>(instance_atom::value, std::string("a1/db"));
  ASSERT_TRUE(inst.ok());
  EXPECT_EQ(inst->container_name, "db-a1");
  // The supervisor keeps a running task's body packed (the fake daemon got
  // it unpacked: the task runs); the plan is given back as it was sent.
  EXPECT_EQ(inst->create_body_text, make_instance("db", "a1").create_body_text);
  EXPECT_TRUE(inst->create_body_packed.empty());
  auto busy = ask<unit>(caf::delete_atom::value, std::string("a1/db"));
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().kind, errc::conflict) << "a running task cannot be forgotten";
  ASSERT_TRUE(ask<unit>(caf::delete_atom::value, std::string("a1/web")).ok());
  auto gone = ask<task_status>(caf::get_atom::value, std::string("a1/web"));
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().kind, errc::not_found);
}

TEST_F(SupervisorTest, OnlyTheMostRecentEndedTasksAreKept) {
  make_supervisor(false, 2);
  probe p(sys_);
  caf::anon_send(sup_, caf::subscribe_atom::value, p.handle());
  for (std::string alloc : {"a1", "a2", "a3"}) {
    const auto id = alloc + "/web";
    ASSERT_TRUE(ask<std::string>(start_atom::value, make_instance("web", alloc)).ok()) << id;
    ASSERT_TRUE(p.until([&] {
      for (auto& e : p.events)
        if (e.task_id == id && e.kind == "state" && e.state == task_state::running)
          return true;
      return false;
    })) << id;
    p.finished = false;
    ASSERT_TRUE(ask<unit>(stop_atom::value, id).ok()) << id;
    ASSERT_TRUE(p.until([&] { return p.finished && p.final_status.task_id == id; })) << id;
  }
  // The registry hears the done before the actor's end: a3's entry is in.
  auto a3 = ask<task_status>(caf::get_atom::value, std::string("a3/web"));
  ASSERT_TRUE(a3.ok());
  EXPECT_EQ(a3->state, task_state::cleaned);
  auto a2 = ask<task_status>(caf::get_atom::value, std::string("a2/web"));
  ASSERT_TRUE(a2.ok());
  EXPECT_EQ(a2->state, task_state::cleaned);
  auto a1 = ask<task_status>(caf::get_atom::value, std::string("a1/web"));
  ASSERT_FALSE(a1.ok()) << "the oldest ended task is forgotten past max_ended_tasks";
  EXPECT_EQ(a1.error().kind, errc::not_found);
  auto list = ask<std::vector<task_status>>(list_atom::value);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 2u);
}

TEST_F(SupervisorTest, RefusesStartsWhileTheDaemonIsUnhealthy) {
  docker_->set_down(true);
  make_supervisor();
  auto id = ask<std::string>(start_atom::value, make_instance("web"));
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().kind, errc::unavailable);
  EXPECT_NE(to_string(id.error()).find("start task a1b2c3/web: the Docker daemon is"),
            std::string::npos)
    << to_string(id.error());
  EXPECT_EQ(docker_->calls("container_create"), 0);
}

TEST_F(SupervisorTest, ChecksConstraintsBeforeAnythingStarts) {
  make_supervisor();
  auto good = make_instance("ok", "a1");
  good.task.edit().constraints.push_back({"${driver.docker}", "=", "1"});
  auto bad = make_instance("old", "a1");
  bad.task.edit().constraints.push_back({"${driver.docker.version}", "version", ">= 99.0"});
  auto r = ask<std::vector<std::string>>(start_atom::value, std::vector<task_instance>{good, bad});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::not_permitted);
  EXPECT_NE(to_string(r.error()).find("start task a1/old: constraint"), std::string::npos)
    << to_string(r.error());
  EXPECT_EQ(docker_->calls("container_create"), 0) << "the whole batch is refused";
  auto ok = ask<std::string>(start_atom::value, good);
  EXPECT_TRUE(ok.ok());
}

TEST_F(SupervisorTest, StartsAJobAndShutsDownGracefully) {
  make_supervisor(true);
  auto job = policy::read_job(R"(job "j" {
  constraint {
    attribute = "${driver.docker}"
    value     = "1"
  }
  group "g" {
    count = 2
    task "t" {
      driver = "docker"
      config { image = "stevedore-test/busybox:1" }
    }
  }
})", "j.nomad");
  ASSERT_TRUE(job.ok());
  probe p(sys_);
  caf::anon_send(sup_, caf::subscribe_atom::value, p.handle());
  auto ids = ask<std::vector<std::string>>(start_atom::value, job.value);
  ASSERT_TRUE(ids.ok()) << to_string(ids.error());
  ASSERT_EQ(ids->size(), 2u);
  ASSERT_TRUE(p.until([&] {
    int running = 0;
    for (auto& e : p.events)
      running += e.kind == "state" && e.state == task_state::running;
    return running == 2;
  }));
  auto inst = ask<task_instance>(instance_atom::value, ids->front());
  ASSERT_TRUE(inst.ok());
  EXPECT_EQ(inst->task->constraints.size(), 1u) << "the job's constraint travels with the task";
  EXPECT_TRUE(std::filesystem::is_directory(inst->shared_dir() + "/logs"));
  auto bye = ask<unit>(shutdown_atom::value);
  ASSERT_TRUE(bye.ok());
  for (const auto& id : *ids) {
    auto alloc = id.substr(0, id.find('/'));
    EXPECT_FALSE(docker_->container("t-" + alloc)) << "removed at shutdown";
  }
  auto cleaned = [&] {
    int n = 0;
    for (auto& e : p.events)
      n += e.kind == "state" && e.state == task_state::cleaned;
    return n;
  };
  EXPECT_TRUE(p.until([&] { return cleaned() == 2; }, 1s)) << "both told before the answer";
}

TEST_F(SupervisorTest, AJobThatBreaksTheClientRulesIsRefusedWhole) {
  make_supervisor();
  auto job = policy::read_job(R"(job "j" {
  group "g" {
    task "t" {
      driver = "docker"
      config {
        image      = "stevedore-test/busybox:1"
        privileged = true
      }
    }
  }
})", "j.nomad");
  ASSERT_TRUE(job.ok());
  auto ids = ask<std::vector<std::string>>(start_atom::value, job.value);
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(ids.error().kind, errc::not_permitted);
  EXPECT_EQ(docker_->calls("container_create"), 0);
}

} // namespace
} // namespace stevedore::testing
