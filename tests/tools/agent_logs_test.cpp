// GET /v1/tasks/{id}/logs over rotated log files: order across files, the
// chosen stream, following growth and rotation, the end of a follow when the
// task ends, and the query's checks.
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/tools/agent_test_fixture.hpp"

namespace stevedore::agent::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class logs : public agent_fixture {
protected:
  void SetUp() override {
    agent_fixture::SetUp();
    char tmpl[] = "/tmp/stevedore-agent-logs-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    task_status t;
    t.task_id = "a1/web";
    t.task_name = "web";
    t.state = task_state::running;
    backend_->add_task(t);
    backend_->set_logs("a1/web", {dir_.string(), "web"});
  }
  void TearDown() override {
    agent_fixture::TearDown();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void append(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::app) << text;
  }

  fs::path dir_;
};

TEST_F(logs, rotated_files_are_read_oldest_first) {
  append("web.stdout.10", "third\n");
  append("web.stdout.2", "second\n");
  append("web.stdout.1", "first line\n");
  append("web.stderr.0", "an error\n");
  append("web.stdout.x", "not a log file\n");
  append("other.stdout.0", "another task\n");
  auto r = get("/v1/tasks/a1/web/logs");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("transfer-encoding"), "chunked");
  EXPECT_EQ(r->body, "first line\nsecond\nthird\n");
}

TEST_F(logs, stderr_is_chosen_by_the_query) {
  append("web.stdout.0", "out\n");
  append("web.stderr.0", "err\n");
  auto r = get("/v1/tasks/a1%2Fweb/logs?stream=stderr");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "err\n");
}

TEST_F(logs, no_files_yet_is_an_empty_log) {
  auto r = get("/v1/tasks/a1/web/logs");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "");
}

TEST_F(logs, follow_sees_growth_and_rotation_and_ends_with_the_task) {
  append("web.stdout.0", "one\n");
  http_conn c(port_);
  ASSERT_TRUE(c.send("GET", "/v1/tasks/a1/web/logs?follow=1"));
  ASSERT_TRUE(c.read_until("one\n", 5s)) << c.raw();
  append("web.stdout.0", "two\n");
  ASSERT_TRUE(c.read_until("two\n", 5s)) << c.raw();
  append("web.stdout.1", "three\n");
  ASSERT_TRUE(c.read_until("three\n", 5s)) << c.raw();
  // Still following: nothing has ended it.
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(c.closed_within(10ms));
  append("web.stdout.1", "last words\n");
  backend_->set_state("a1/web", task_state::exited);
  auto r = c.read_reply(5s);
  ASSERT_TRUE(r) << c.raw();
  EXPECT_EQ(r->body, "one\ntwo\nthree\nlast words\n");
}

TEST_F(logs, follow_survives_the_oldest_file_vanishing) {
  append("web.stdout.0", "old\n");
  http_conn c(port_);
  ASSERT_TRUE(c.send("GET", "/v1/tasks/a1/web/logs?follow=true"));
  ASSERT_TRUE(c.read_until("old\n", 5s));
  append("web.stdout.1", "new\n");
  fs::remove(dir_ / "web.stdout.0");
  ASSERT_TRUE(c.read_until("new\n", 5s)) << c.raw();
}

TEST_F(logs, bad_query_is_400_naming_the_parameter) {
  auto r = get("/v1/tasks/a1/web/logs?stream=stdin");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("stream: expected stdout or stderr, got 'stdin'"), std::string::npos);
  r = get("/v1/tasks/a1/web/logs?follow=yes");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("follow: expected 1, 0, true or false"), std::string::npos);
}

TEST(agent_logs, indices_are_numeric_and_sorted) {
  char tmpl[] = "/tmp/stevedore-agent-idx-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  for (const char* n : {"t.stdout.3", "t.stdout.11", "t.stdout.0", "t.stdout.", "t.stdout.1a",
                        "t.stderr.5", "tt.stdout.7"})
    std::ofstream(fs::path(tmpl) / n) << "x";
  EXPECT_EQ(log_indices(tmpl, "t", "stdout"), (std::vector<long long>{0, 3, 11}));
  EXPECT_TRUE(log_indices("/nonexistent-stevedore-dir", "t", "stdout").empty());
  fs::remove_all(tmpl);
}

} // namespace
} // namespace stevedore::agent::test
