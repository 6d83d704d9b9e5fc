// The Engine API client against the test environment's real dockerd and
// registry (tools/testenv.sh), once over its Unix socket and once over
// mutual TLS. Containers and pulled or loaded tags a test makes are removed
// by the fixture's TearDown even when the test fails; names carry the test,
// the transport and the pid so that parallel runs do not meet.
#include <unistd.h>

#include <condition_variable>
#include <mutex>

#include <gtest/gtest.h>

#include "docker/client.hpp"
#include "docker/registry_auth.hpp"
#include "tests/docker/client_test_util.hpp"
#include "tests/support/integration_test.hpp"

namespace stevedore::docker {
namespace {

using namespace stevedore::testing;
using namespace std::chrono_literals;

constexpr auto long_call = 60s;

class ClientIntegration : public testenv::integration_test,
                          public ::testing::WithParamInterface<const char*> {
protected:
  void SetUp() override {
    integration_test::SetUp();
    if (HasFatalFailure())
      return;
    result<endpoint> ep = make_error(errc::internal, "", "");
    if (std::string(GetParam()) == "tls") {
      std::string dir = env_.docker_cert_path + "/";
      ep = resolve_endpoint(env_.docker_tls_host, dir + "cert.pem", dir + "key.pem", dir + "ca.pem",
                            getenv_fn());
    } else {
      ep = resolve_endpoint(env_.docker_host, "", "", "", getenv_fn());
    }
    ASSERT_TRUE(ep.ok()) << to_string(ep.error());
    if (std::string(GetParam()) == "tls") {
      ASSERT_EQ(ep->kind, endpoint::scheme::tls);
    }
    client_ = client::make(*ep);
    auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = info->name();
    name = name.substr(0, name.find('/'));
    unique_ = "stevedore-client-" + name + "-" + GetParam() + "-" + std::to_string(::getpid());
    for (auto& ch : unique_)
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }

  // The cleanup guard: whatever the test left, removed (force) here.
  void TearDown() override {
    if (!client_)
      return;
    for (const auto& id : containers_)
      wait_for_result<unit>([&](auto cb) { client_->container_remove(id, true, true, cb); }, long_call);
    for (const auto& ref : images_)
      wait_for_result<unit>([&](auto cb) { client_->image_remove(ref, false, cb); }, long_call);
    client_->shutdown();
  }

  // Creates a container from `image` running `cmd`, labelled with this
  // test's unique value; remembered for TearDown.
  std::string create(const std::string& suffix, const std::string& cmd, bool tty = false) {
    std::string body = R"({"Image":")" + env_.image + R"(","Cmd":["sh","-c",)" + json(cmd) +
                       R"(],"Tty":)" + (tty ? "true" : "false") +
                       R"(,"Labels":{"com.stevedore.client-test":")" + unique_ + R"("}})";
    auto r = wait_for_result<create_answer>(
      [&](auto cb) { client_->container_create(unique_ + suffix, body, cb); }, long_call);
    EXPECT_TRUE(r.ok()) << line(r);
    if (!r.ok())
      return "";
    containers_.push_back(r->id);
    return r->id;
  }

  static std::string json(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\')
        out += '\\';
      out += c;
    }
    return out + "\"";
  }

  std::string credentials(const std::string& password) {
    registry_credentials c;
    c.username = env_.registry_user;
    c.password = password;
    c.server_address = env_.registry;
    return encode_registry_auth(c);
  }

  std::shared_ptr<client> client_;
  std::string unique_;
  std::vector<std::string> containers_; // removed by TearDown
  std::vector<std::string> images_;     // tags this test made; removed by TearDown
};

// Output of a stream, for the test thread to wait on.
struct output_probe {
  std::mutex m;
  std::condition_variable cv;
  std::string out, err, raw;
  output_fn fn(std::function<bool(output_probe&)> stop_when = {}) {
    return [this, stop_when](output_stream s, std::string_view bytes) {
      std::lock_guard<std::mutex> lock(m);
      (s == output_stream::stdout_stream ? out : s == output_stream::stderr_stream ? err : raw) += bytes;
      cv.notify_all();
      return !(stop_when && stop_when(*this));
    };
  }
};

struct event_probe {
  std::mutex m;
  std::condition_variable cv;
  std::vector<engine_event> seen;
  bool wait_for(const std::string& action, std::chrono::seconds limit) {
    std::unique_lock<std::mutex> lock(m);
    return cv.wait_for(lock, limit, [&] {
      for (const auto& e : seen)
        if (e.action == action)
          return true;
      return false;
    });
  }
};

TEST_P(ClientIntegration, DaemonPingVersionInfoAndBridge) {
  auto p = wait_for_result<unit>([&](auto cb) { client_->ping(cb); });
  ASSERT_TRUE(p.ok()) << line(p);
  EXPECT_EQ(client_->api_version(), "1.41");
  auto v = wait_for_result<engine_version>([&](auto cb) { client_->version(cb); });
  ASSERT_TRUE(v.ok()) << line(v);
  EXPECT_EQ(v->api_version, "1.41");
  EXPECT_EQ(v->os, "linux");
  EXPECT_FALSE(v->version.empty());
  auto i = wait_for_result<engine_info>([&](auto cb) { client_->info(cb); });
  ASSERT_TRUE(i.ok()) << line(i);
  EXPECT_EQ(i->driver, "vfs");
  EXPECT_NE(std::find(i->runtimes.begin(), i->runtimes.end(), "runc"), i->runtimes.end());
  auto n = wait_for_result<network_info>([&](auto cb) { client_->network_inspect("bridge", cb); });
  ASSERT_TRUE(n.ok()) << line(n);
  EXPECT_FALSE(n->gateway.empty());
  EXPECT_EQ(n->driver, "bridge");
}

TEST_P(ClientIntegration, ImageInspectAndList) {
  auto i = wait_for_result<image_info>([&](auto cb) { client_->image_inspect(env_.image_full, cb); });
  ASSERT_TRUE(i.ok()) << line(i);
  EXPECT_EQ(i->stop_signal, "SIGUSR1");
  EXPECT_FALSE(i->entrypoint.empty());
  auto missing = wait_for_result<image_info>(
    [&](auto cb) { client_->image_inspect("stevedore-test/no-such-image:" + unique_, cb); });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, errc::not_found) << line(missing);
  auto l = wait_for_result<std::vector<image_summary>>([&](auto cb) { client_->image_list(cb); });
  ASSERT_TRUE(l.ok()) << line(l);
  bool found = false;
  for (const auto& s : *l)
    for (const auto& t : s.repo_tags)
      found = found || t == env_.image_full;
  EXPECT_TRUE(found);
}

TEST_P(ClientIntegration, PullWithGoodCredentials) {
  std::string ref = env_.registry_image + ":2";
  // A tag already present (another test's) is left; one this pull adds goes.
  bool present = wait_for_result<image_info>([&](auto cb) { client_->image_inspect(ref, cb); }).ok();
  if (!present)
    images_.push_back(ref);
  std::mutex m;
  std::vector<pull_progress> seen;
  pull_request req{env_.registry_image, "2", credentials(env_.registry_password), 30s};
  auto r = wait_for_result<pull_summary>([&](auto cb) {
    client_->image_pull(req, [&](const pull_progress& p) {
      std::lock_guard<std::mutex> lock(m);
      seen.push_back(p);
    }, cb);
  }, long_call);
  ASSERT_TRUE(r.ok()) << line(r);
  EXPECT_EQ(r->digest.rfind("sha256:", 0), 0u) << r->digest;
  EXPECT_EQ(r->status.rfind("Status: ", 0), 0u) << r->status;
  std::lock_guard<std::mutex> lock(m);
  EXPECT_GE(seen.size(), 3u);
  auto i = wait_for_result<image_info>([&](auto cb) { client_->image_inspect(ref, cb); });
  EXPECT_TRUE(i.ok()) << line(i);
}

TEST_P(ClientIntegration, PullWithBadCredentialsIsUnauthorized) {
  pull_request req{env_.registry_image, "1", credentials("not-the-password"), 30s};
  auto r = wait_for_result<pull_summary>([&](auto cb) { client_->image_pull(req, {}, cb); }, long_call);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::unauthorized) << line(r);
  EXPECT_EQ(r.error().what, "image pull " + env_.registry_image + ":1");
}

TEST_P(ClientIntegration, PullOfAMissingTagIsNotFound) {
  pull_request req{env_.registry_image, "no-such-tag", credentials(env_.registry_password), 30s};
  auto r = wait_for_result<pull_summary>([&](auto cb) { client_->image_pull(req, {}, cb); }, long_call);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::not_found) << line(r);
}

TEST_P(ClientIntegration, LoadThenRemove) {
  images_.push_back(env_.image_tar_ref);
  auto r = wait_for_result<std::vector<std::string>>(
    [&](auto cb) { client_->image_load(env_.image_tar, cb); }, long_call);
  ASSERT_TRUE(r.ok()) << line(r);
  EXPECT_NE(std::find(r->begin(), r->end(), env_.image_tar_ref), r->end())
    << (r->empty() ? "nothing loaded" : r->front());
  auto rm = wait_for_result<unit>([&](auto cb) { client_->image_remove(env_.image_tar_ref, false, cb); });
  EXPECT_TRUE(rm.ok()) << line(rm);
  auto again = wait_for_result<unit>([&](auto cb) { client_->image_remove(env_.image_tar_ref, false, cb); });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, errc::not_found) << line(again);
}

TEST_P(ClientIntegration, ContainerLife) {
  event_probe events;
  auto events_end = std::make_shared<probe<result<unit>>>();
  events_request er;
  er.filters["type"] = {"container"};
  er.filters["label"] = {"com.stevedore.client-test=" + unique_};
  call_handle stream = client_->events(er, [&events](const engine_event& e) {
    std::lock_guard<std::mutex> lock(events.m);
    events.seen.push_back(e);
    events.cv.notify_all();
    return true;
  }, events_end->callback());
  // Subscribed before anything happens: a ping on the same client goes
  // after the events request was sent.
  ASSERT_TRUE(wait_for_result<unit>([&](auto cb) { client_->ping(cb); }).ok());

  std::string id = create("-life", "trap 'echo got-usr1' USR1; trap 'exit 0' TERM; echo out; echo err >&2; "
                                   "while true; do sleep 1; done");
  ASSERT_FALSE(id.empty());
  auto started = wait_for_result<unit>([&](auto cb) { client_->container_start(id, cb); });
  ASSERT_TRUE(started.ok()) << line(started);
  auto again = wait_for_result<unit>([&](auto cb) { client_->container_start(id, cb); });
  EXPECT_TRUE(again.ok()) << "304 is success: " << line(again);

  auto info = wait_for_result<container_info>([&](auto cb) { client_->container_inspect(id, cb); });
  ASSERT_TRUE(info.ok()) << line(info);
  EXPECT_TRUE(info->running);
  EXPECT_EQ(info->name, unique_ + "-life");
  EXPECT_EQ(info->labels.at("com.stevedore.client-test"), unique_);

  auto list = wait_for_result<std::vector<container_summary>>(
    [&](auto cb) { client_->container_list({"com.stevedore.client-test=" + unique_}, true, cb); });
  ASSERT_TRUE(list.ok()) << line(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->at(0).id, id);

  // Both streams, demultiplexed: follow until each line came.
  output_probe logs;
  logs_request lr;
  lr.follow = true;
  auto logs_end = wait_for_result<unit>([&](auto cb) {
    client_->container_logs(id, lr, logs.fn([](output_probe& o) {
      return o.out.find("out\n") != std::string::npos && o.err.find("err\n") != std::string::npos;
    }), cb);
  }, 20s);
  ASSERT_TRUE(logs_end.ok()) << line(logs_end);
  EXPECT_EQ(logs.out, "out\n");
  EXPECT_EQ(logs.err, "err\n");

  auto stats = wait_for_result<stats_sample>([&](auto cb) { client_->container_stats(id, cb); }, 30s);
  ASSERT_TRUE(stats.ok()) << line(stats);
  EXPECT_GT(stats->memory_usage, 0);
  EXPECT_GT(stats->memory_limit, 0);
  EXPECT_GT(stats->cpu_total, 0);
  EXPECT_GE(stats->pids, 1);
  EXPECT_FALSE(stats->read.empty());

  exec_request ex;
  ex.cmd = {"sh", "-c", "echo exec-out; echo exec-err >&2; exit 3"};
  auto exec_id = wait_for_result<std::string>([&](auto cb) { client_->exec_create(id, ex, cb); });
  ASSERT_TRUE(exec_id.ok()) << line(exec_id);
  output_probe exec_out;
  auto exec_end = wait_for_result<unit>([&](auto cb) { client_->exec_start(*exec_id, false, exec_out.fn(), cb); }, 20s);
  ASSERT_TRUE(exec_end.ok()) << line(exec_end);
  EXPECT_EQ(exec_out.out, "exec-out\n");
  EXPECT_EQ(exec_out.err, "exec-err\n");
  auto exec = wait_for_result<exec_info>([&](auto cb) { client_->exec_inspect(*exec_id, cb); });
  ASSERT_TRUE(exec.ok()) << line(exec);
  EXPECT_FALSE(exec->running);
  EXPECT_EQ(exec->exit_code, 3);

  auto kill = wait_for_result<unit>([&](auto cb) { client_->container_kill(id, "SIGUSR1", cb); });
  ASSERT_TRUE(kill.ok()) << line(kill);
  output_probe after_kill;
  auto trapped = wait_for_result<unit>([&](auto cb) {
    client_->container_logs(id, lr, after_kill.fn([](output_probe& o) {
      return o.out.find("got-usr1") != std::string::npos;
    }), cb);
  }, 20s);
  EXPECT_TRUE(trapped.ok()) << line(trapped);

  auto waited = std::make_shared<probe<result<wait_answer>>>();
  client_->container_wait(id, "not-running", waited->callback());
  auto stopped = wait_for_result<unit>([&](auto cb) { client_->container_stop(id, 10s, cb); }, 30s);
  ASSERT_TRUE(stopped.ok()) << line(stopped);
  ASSERT_TRUE(waited->wait(30s));
  ASSERT_TRUE(waited->value().ok()) << line(waited->value());
  EXPECT_EQ(waited->value()->status_code, 0);
  auto stopped_again = wait_for_result<unit>([&](auto cb) { client_->container_stop(id, 1s, cb); }, 30s);
  EXPECT_TRUE(stopped_again.ok()) << "304 is success: " << line(stopped_again);
  auto exited = wait_for_result<container_info>([&](auto cb) { client_->container_inspect(id, cb); });
  ASSERT_TRUE(exited.ok()) << line(exited);
  EXPECT_EQ(exited->status, "exited");
  EXPECT_EQ(exited->exit_code, 0);

  auto removed = wait_for_result<unit>([&](auto cb) { client_->container_remove(id, false, true, cb); });
  ASSERT_TRUE(removed.ok()) << line(removed);
  auto gone = wait_for_result<container_info>([&](auto cb) { client_->container_inspect(id, cb); });
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().kind, errc::not_found);

  ASSERT_TRUE(events.wait_for("destroy", 20s));
  stream.cancel();
  ASSERT_TRUE(events_end->wait(10s));
  EXPECT_EQ(events_end->value().error().kind, errc::cancelled);
  std::lock_guard<std::mutex> lock(events.m);
  std::vector<std::string> life;
  for (const auto& e : events.seen) {
    EXPECT_EQ(e.id, id);
    if (e.action == "create" || e.action == "start" || e.action == "die" || e.action == "destroy")
      life.push_back(e.action);
    if (e.action == "die") {
      EXPECT_EQ(e.attributes.at("exitCode"), "0");
    }
  }
  EXPECT_EQ(life, (std::vector<std::string>{"create", "start", "die", "destroy"}));
}

TEST_P(ClientIntegration, TtyLogsAreRaw) {
  std::string id = create("-tty", "echo tty-out", true);
  ASSERT_FALSE(id.empty());
  auto waited = std::make_shared<probe<result<wait_answer>>>();
  client_->container_wait(id, "next-exit", waited->callback());
  ASSERT_TRUE(wait_for_result<unit>([&](auto cb) { client_->container_start(id, cb); }).ok());
  ASSERT_TRUE(waited->wait(30s));
  ASSERT_TRUE(waited->value().ok()) << line(waited->value());
  EXPECT_EQ(waited->value()->status_code, 0);
  output_probe logs;
  logs_request lr;
  lr.tty = true;
  auto r = wait_for_result<unit>([&](auto cb) { client_->container_logs(id, lr, logs.fn(), cb); });
  ASSERT_TRUE(r.ok()) << line(r);
  EXPECT_EQ(logs.raw, "tty-out\r\n"); // the TTY turns \n into \r\n
  EXPECT_TRUE(logs.out.empty());
}

INSTANTIATE_TEST_SUITE_P(Transports, ClientIntegration, ::testing::Values("unix", "tls"),
                         [](const auto& info) { return std::string(info.param); });

} // namespace
} // namespace stevedore::docker
