// Log collection and stats against the test environment's dockerd, through
// the real Engine API client: a container writing to both streams leaves
// exactly its lines in the rotated files; a running `sleep` has memory.
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <unistd.h>

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include "actors/log_collector.hpp"
#include "actors/stats_poller.hpp"
#include "actors/types.hpp"
#include "docker/client.hpp"
#include "tests/support/integration_test.hpp"

namespace stevedore {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

template <class T, class F>
result<T> call(F&& f) {
  std::promise<result<T>> p;
  f([&](result<T> r) { p.set_value(std::move(r)); });
  return p.get_future().get();
}

class LogsStatsIntegrationTest : public testenv::integration_test {
protected:
  void SetUp() override {
    integration_test::SetUp();
    add_message_types(cfg_);
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    docker::endpoint ep;
    ep.path = env_.docker_socket;
    client_ = docker::client::make(ep);
    std::string tmpl = (fs::temp_directory_path() / "stevedore-logs-it-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
  }
  void TearDown() override {
    for (auto& id : containers_)
      call<unit>([&](auto cb) { client_->container_remove(id, true, true, cb); });
    if (client_)
      client_->shutdown();
    fs::remove_all(dir_);
  }

  std::string run(const std::string& name, const std::string& script) {
    auto full = name + "-" + std::to_string(::getpid());
    std::string body = R"({"Image":")" + env_.image + R"(","Cmd":["sh","-c",")" + script +
                       R"("],"Labels":{"com.stevedore.test":"logs_stats"}})";
    auto created = call<create_answer>([&](auto cb) { client_->container_create(full, body, cb); });
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : to_string(created.error()));
    if (!created)
      return {};
    containers_.push_back(created->id);
    auto started = call<unit>([&](auto cb) { client_->container_start(created->id, cb); });
    EXPECT_TRUE(started.ok()) << (started.ok() ? "" : to_string(started.error()));
    return created->id;
  }

  std::string read(const std::string& file) const {
    std::ifstream in(dir_ / file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::shared_ptr<docker::client> client_;
  std::vector<std::string> containers_;
  fs::path dir_;
};

TEST_F(LogsStatsIntegrationTest, BothStreamsLandInTheirFilesExactly) {
  auto id = run("stevedore-logs", "sleep 1; echo out1; echo err1 >&2; echo out2; echo err2 >&2; "
                                  "printf 'no newline'");
  ASSERT_FALSE(id.empty());
  caf::scoped_actor self{*sys_};
  auto collector = spawn_log_collector(*sys_, client_, log_target{"it.web[0]", "web", id, false,
                                                                  dir_.string(), logs_spec{}});
  self->monitor(collector);
  bool down = false;
  self->receive([&](const caf::down_msg&) { down = true; }, caf::after(20s) >> [] {});
  if (!down)
    caf::anon_send_exit(collector, caf::exit_reason::user_shutdown);
  ASSERT_TRUE(down) << "the collector did not end after the container exited";
  EXPECT_EQ(read("web.stdout.0"), "out1\nout2\nno newline");
  EXPECT_EQ(read("web.stderr.0"), "err1\nerr2\n");
}

TEST_F(LogsStatsIntegrationTest, RunningSleepHasMemory) {
  auto id = run("stevedore-stats", "exec sleep 60");
  ASSERT_FALSE(id.empty());
  auto poller = spawn_stats_poller(*sys_, client_, 200ms, 4);
  caf::scoped_actor self{*sys_};
  self->send(poller, watch_atom::value, std::string("it.sleep[0]"), id);
  task_stats got;
  auto until = std::chrono::steady_clock::now() + 15s;
  while (got.samples < 2 && std::chrono::steady_clock::now() < until) {
    self->request(poller, 2s, stats_atom::value, std::string("it.sleep[0]"))
      .receive([&](const task_stats& t) { got = t; },
               [&](const caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
    self->receive(caf::after(100ms) >> [] {});
  }
  caf::anon_send_exit(poller, caf::exit_reason::user_shutdown);
  ASSERT_GE(got.samples, 2) << "no two stats samples within 15 s";
  EXPECT_EQ(got.container_id, id);
  EXPECT_GT(got.memory_usage, 0);
  EXPECT_GE(got.cpu_percent, 0);
  std::printf("sleep container: usage %lld B, rss %lld B, cache %lld B, cpu %.3f%%\n",
              static_cast<long long>(got.memory_usage), static_cast<long long>(got.memory_rss),
              static_cast<long long>(got.memory_cache), got.cpu_percent);
}

} // namespace
} // namespace stevedore
