// The state file (state_db) and the state store actor: what is written comes
// back, old schemas are migrated, a corrupt, newer or unreadable file is
// refused in one line and left as it was, and writes are batched.
#include "actors/state_store.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <caf/all.hpp>
#include <gtest/gtest.h>
#include <sqlite3.h>

using namespace stevedore;
namespace fs = std::filesystem;

namespace {

class state_store_test : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stevedore-state-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string dir() const { return (dir_ / "state").string(); }
  std::string file() const { return (dir_ / "state" / "state.db").string(); }

  static task_record record(const std::string& id) {
    auto plan = std::make_shared<task_instance>();
    plan->alloc_id = id;
    plan->job_name = "job";
    plan->task.edit().name = "web";
    plan->task.edit().config.image = "127.0.0.1:5000/app:1";
    plan->task.edit().config.has_auth = true;
    plan->task.edit().config.auth.password = "s3cret";
    plan->container_name = "web-" + id;
    plan->create_body_text = R"({"Image":"app"})";
    task_record r;
    r.task_id = id + "/web";
    r.plan = plan;
    r.container_name = plan->container_name;
    r.container_id = "c0ffee" + id;
    r.state = task_state::running;
    r.phase = "running";
    r.restarts = 2;
    r.image_id = "sha256:abc";
    r.lease = true;
    r.has_exit = true;
    r.exit_code = 3;
    r.updated_ms = 1234;
    return r;
  }

  static void raw(const std::string& path, const char* sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  }

  fs::path dir_;
};

TEST_F(state_store_test, round_trip_keeps_every_field_and_is_private) {
  {
    auto db = state_db::open(dir());
    ASSERT_TRUE(db) << to_string(db.error());
    EXPECT_EQ((*db)->schema_version(), state_db::current_schema);
    ASSERT_TRUE((*db)->set_node_id("node-1"));
    state_batch b;
    b.put(record("a1"));
    b.cleanups["sha256:old"] = 99;
    ASSERT_TRUE((*db)->write(b));
  }
  struct stat st{};
  ASSERT_EQ(::stat(dir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat(file().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto db = state_db::open(dir());
  ASSERT_TRUE(db);
  auto loaded = (*db)->load();
  ASSERT_TRUE(loaded) << to_string(loaded.error());
  EXPECT_EQ(loaded->node_id, "node-1");
  ASSERT_EQ(loaded->tasks.size(), 1u);
  const auto& r = loaded->tasks[0];
  EXPECT_EQ(r.task_id, "a1/web");
  EXPECT_EQ(r.container_name, "web-a1");
  EXPECT_EQ(r.container_id, "c0ffeea1");
  EXPECT_EQ(r.state, task_state::running);
  EXPECT_EQ(r.phase, "running");
  EXPECT_EQ(r.restarts, 2);
  EXPECT_EQ(r.image_id, "sha256:abc");
  EXPECT_TRUE(r.lease);
  EXPECT_TRUE(r.has_exit);
  EXPECT_EQ(r.exit_code, 3);
  ASSERT_TRUE(r.plan);
  EXPECT_EQ(r.plan->task->name, "web");
  EXPECT_EQ(r.plan->task->config.auth.password, "s3cret"); // a pull after recovery needs it
  EXPECT_EQ(r.plan->create_body_text, R"({"Image":"app"})");
  ASSERT_EQ(loaded->cleanups.size(), 1u);
  EXPECT_EQ(loaded->cleanups[0].image_id, "sha256:old");
  EXPECT_EQ(loaded->cleanups[0].deadline_ms, 99);
}

TEST_F(state_store_test, an_update_without_plan_keeps_the_stored_plan_and_deletes_delete) {
  auto db = state_db::open(dir());
  ASSERT_TRUE(db);
  state_batch b;
  b.put(record("a1"));
  b.put(record("a2"));
  ASSERT_TRUE((*db)->write(b));
  state_batch update;
  auto r = record("a1");
  r.plan = nullptr;
  r.container_id = "other";
  r.log_position = "17.5";
  update.put(r);
  update.tasks["a2/web"] = std::nullopt;
  update.cleanups["sha256:none"] = 0;
  ASSERT_TRUE((*db)->write(update));
  auto loaded = (*db)->load();
  ASSERT_TRUE(loaded);
  ASSERT_EQ(loaded->tasks.size(), 1u);
  EXPECT_EQ(loaded->tasks[0].container_id, "other");
  EXPECT_EQ(loaded->tasks[0].log_position, "17.5");
  ASSERT_TRUE(loaded->tasks[0].plan);
  EXPECT_EQ(loaded->tasks[0].plan->container_name, "web-a1");
}

TEST_F(state_store_test, a_batch_keeps_an_earlier_plan_of_the_same_task) {
  state_batch b;
  b.put(record("a1"));
  auto later = record("a1");
  later.plan = nullptr;
  later.restarts = 5;
  b.put(later);
  ASSERT_EQ(b.size(), 1u);
  ASSERT_TRUE(b.tasks["a1/web"]->plan);
  EXPECT_EQ(b.tasks["a1/web"]->restarts, 5);
}

TEST_F(state_store_test, an_old_schema_is_migrated) {
  {
    auto db = state_db::open(dir(), 1);
    ASSERT_TRUE(db);
    EXPECT_EQ((*db)->schema_version(), 1);
  }
  raw(file(), "INSERT INTO tasks VALUES('a/web', x'00', 'web-a', 'cid', 4, 'running', 0, 0, 0,"
              " '', 0, 0, 0, 1);");
  auto db = state_db::open(dir());
  ASSERT_TRUE(db) << to_string(db.error());
  EXPECT_EQ((*db)->schema_version(), 2);
  // The migrated column exists and took its default; the row is still there.
  state_batch b;
  auto r = record("b");
  r.log_position = "1.0";
  b.put(r);
  ASSERT_TRUE((*db)->write(b));
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(file().c_str(), &h), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(h, "SELECT count(*), max(log_position) FROM tasks;", -1, &st, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 2);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 1)), "1.0");
  sqlite3_finalize(st);
  sqlite3_close(h);
}

TEST_F(state_store_test, a_newer_schema_is_refused_in_one_line) {
  { ASSERT_TRUE(state_db::open(dir())); }
  raw(file(), "PRAGMA user_version=99;");
  auto db = state_db::open(dir());
  ASSERT_FALSE(db);
  auto text = to_string(db.error());
  EXPECT_NE(text.find("state.db"), std::string::npos) << text;
  EXPECT_NE(text.find("schema version 99 is newer"), std::string::npos) << text;
  EXPECT_EQ(text.find('\n'), std::string::npos);
}

TEST_F(state_store_test, a_corrupt_file_is_refused_and_left_as_it_was) {
  fs::create_directories(dir());
  std::string junk(8192, 'x');
  std::ofstream(file(), std::ios::binary) << junk;
  auto db = state_db::open(dir());
  ASSERT_FALSE(db);
  auto text = to_string(db.error());
  EXPECT_NE(text.find("state.db"), std::string::npos) << text;
  EXPECT_NE(text.find("not a database"), std::string::npos) << text;
  std::ifstream in(file(), std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), junk);
}

TEST_F(state_store_test, an_unreadable_plan_is_refused_naming_the_task) {
  { ASSERT_TRUE(state_db::open(dir())); }
  raw(file(), "INSERT INTO tasks VALUES('a/web', x'01020304', 'web-a', 'cid', 4, 'running', 0,"
              " 0, 0, '', 0, 0, 0, 1, '');");
  auto db = state_db::open(dir());
  ASSERT_TRUE(db);
  auto loaded = (*db)->load();
  ASSERT_FALSE(loaded);
  EXPECT_NE(to_string(loaded.error()).find("task a/web"), std::string::npos);
}

TEST_F(state_store_test, an_unwritable_folder_is_refused) {
  if (::geteuid() == 0)
    GTEST_SKIP() << "root writes anywhere";
  fs::create_directories(dir_);
  fs::permissions(dir_, fs::perms::owner_read | fs::perms::owner_exec);
  auto db = state_db::open(dir());
  fs::permissions(dir_, fs::perms::owner_all);
  ASSERT_FALSE(db);
  EXPECT_NE(to_string(db.error()).find("state folder"), std::string::npos);
}

// The actor: a thousand writes become a few commits; a sync write is
// answered only once it is on disk; a terminal state deletes the task.
TEST_F(state_store_test, the_actor_batches_writes_and_answers_sync_after_commit) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto db = state_db::open(dir());
  ASSERT_TRUE(db);
  state_store_options opts;
  opts.flush_interval = std::chrono::milliseconds(200);
  opts.max_batch = 100000;
  auto store = spawn_state_store(sys, std::move(*db), opts);
  for (int i = 0; i < 1000; ++i)
    caf::anon_send(store, store_atom::value, record("t" + std::to_string(i)));
  auto ended = record("t7");
  ended.state = task_state::cleaned;
  caf::anon_send(store, store_atom::value, ended);
  caf::scoped_actor self{sys};
  bool synced = false;
  self->request(store, std::chrono::seconds(10), store_atom::value, record("sync"), sync_atom::value)
    .receive([&](unit) { synced = true; }, [](caf::error&) {});
  ASSERT_TRUE(synced);
  // Answered after the commit: another connection sees every row now.
  auto other = state_db::open(dir());
  ASSERT_TRUE(other);
  auto loaded = (*other)->load();
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->tasks.size(), 1000u); // 1000 + sync - t7
  std::string commits;
  self->request(store, std::chrono::seconds(5), status_atom::value)
    .receive([&](actor_status& st) { commits = st.details["commits"]; }, [](caf::error&) {});
  EXPECT_EQ(commits, "1");
  self->send_exit(store, caf::exit_reason::user_shutdown);
}

TEST_F(state_store_test, what_the_actor_holds_is_written_when_it_ends) {
  {
    caf::actor_system_config cfg;
    caf::actor_system sys{cfg};
    auto db = state_db::open(dir());
    ASSERT_TRUE(db);
    state_store_options opts;
    opts.flush_interval = std::chrono::hours(1);
    auto store = spawn_state_store(sys, std::move(*db), opts);
    caf::anon_send(store, store_atom::value, record("late"));
    caf::anon_send(store, store_atom::value, image_cleanup_record{"sha256:x", 42});
    caf::anon_send_exit(store, caf::exit_reason::user_shutdown);
  }
  auto db = state_db::open(dir());
  ASSERT_TRUE(db);
  auto loaded = (*db)->load();
  ASSERT_TRUE(loaded);
  ASSERT_EQ(loaded->tasks.size(), 1u);
  ASSERT_EQ(loaded->cleanups.size(), 1u);
}

} // namespace
