// The image manager and the fingerprinter against the test environment's
// dockerd and registry, through the real Engine API client.
#include <chrono>
#include <future>
#include <thread>

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include "actors/errors.hpp"
#include "actors/fingerprinter.hpp"
#include "actors/image_manager.hpp"
#include "actors/types.hpp"
#include "docker/client.hpp"
#include "tests/support/integration_test.hpp"
#include "tests/support/sync_call.hpp"

namespace stevedore {
namespace {

using namespace std::chrono_literals;
using testing::sync;

struct probe_state {
  bool done = false;
  image_lease lease;
  error_info error;
  int progress = 0;
};

caf::behavior probe(caf::stateful_actor<probe_state>* self, image_manager_actor mgr, image_request req) {
  self->request(mgr, caf::infinite, acquire_atom::value, req)
    .then([=](image_lease& l) { self->state.lease = std::move(l); self->state.done = true; },
          [=](caf::error& e) { self->state.error = from_caf(e, "acquire"); self->state.done = true; });
  return {
    [=](progress_atom, const std::string&, const pull_progress&) { ++self->state.progress; },
    [=](caf::get_atom) {
      return caf::make_message(self->state.done, self->state.lease, self->state.error, self->state.progress);
    },
  };
}

class ImagesIntegration : public testenv::integration_test {
protected:
  void SetUp() override {
    integration_test::SetUp();
    add_message_types(cfg_);
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    auto ep = docker::resolve_endpoint(env_.docker_host, "", "", "", [](const char*) -> const char* { return nullptr; });
    ASSERT_TRUE(ep.ok()) << to_string(ep.error());
    client_ = docker::client::make(*ep);
  }
  void TearDown() override {
    for (auto& a : actors_)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    actors_.clear();
    sys_.reset();
    if (client_)
      client_->shutdown();
  }

  // Bounded wait for a probe's answer.
  std::tuple<bool, image_lease, error_info, int> wait_probe(const caf::actor& p, std::chrono::seconds limit = 120s) {
    caf::scoped_actor self(*sys_);
    auto until = std::chrono::steady_clock::now() + limit;
    std::tuple<bool, image_lease, error_info, int> out{false, {}, {}, 0};
    while (!std::get<0>(out) && std::chrono::steady_clock::now() < until) {
      self->request(p, 5s, caf::get_atom::value)
        .receive([&](bool d, image_lease& l, error_info& e, int n) { out = {d, l, e, n}; }, [](caf::error&) {});
      if (!std::get<0>(out))
        std::this_thread::sleep_for(20ms);
    }
    return out;
  }

  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::shared_ptr<docker::client> client_;
  std::vector<caf::actor> actors_;
};

TEST_F(ImagesIntegration, TwoAcquiresOnePullWithAuthThenDelayedRemoval) {
  const std::string tag = "2";
  const std::string ref = env_.registry_image + ":" + tag;
  // Start from an absent image (others use tag 1 and latest).
  auto gone = sync<unit>([&](auto cb) { client_->image_remove(ref, false, cb); });
  if (!gone.ok()) {
    ASSERT_EQ(gone.error().kind, errc::not_found) << to_string(gone.error());
  }

  image_manager_config icfg;
  icfg.cleanup_delay = 300ms;
  auto mgr = spawn_image_manager(*sys_, client_, icfg);
  actors_.push_back(caf::actor_cast<caf::actor>(mgr));

  auto repo = env_.registry_image.substr(env_.registry_image.find('/') + 1);
  auto before = testenv::manifest_requests(env_, repo, tag);
  std::vector<caf::actor> tasks;
  for (const char* holder : {"a", "b"}) {
    image_request req;
    req.holder = holder;
    req.reference = ref;
    req.has_auth = true;
    req.auth.username = env_.registry_user;
    req.auth.password = env_.registry_password;
    tasks.push_back(sys_->spawn(probe, mgr, req));
  }
  std::string id;
  for (auto& t : tasks) {
    auto [done, lease, err, progress] = wait_probe(t);
    ASSERT_TRUE(done);
    ASSERT_EQ(err.kind, errc::ok) << to_string(err);
    EXPECT_TRUE(lease.pulled);
    EXPECT_GT(progress, 0);
    if (id.empty())
      id = lease.image_id;
    EXPECT_EQ(lease.image_id, id);
  }
  EXPECT_EQ(testenv::manifest_requests(env_, repo, tag) - before, 1u);

  caf::anon_send(mgr, release_atom::value, std::string("a"), id);
  caf::anon_send(mgr, release_atom::value, std::string("b"), id);
  bool removed = false;
  for (int i = 0; i < 200 && !removed; ++i) {
    std::this_thread::sleep_for(50ms);
    auto r = sync<image_info>([&](auto cb) { client_->image_inspect(id, cb); });
    removed = !r.ok() && r.error().kind == errc::not_found;
  }
  EXPECT_TRUE(removed) << "image " << id << " still present after the cleanup delay";
  for (auto& t : tasks)
    caf::anon_send_exit(t, caf::exit_reason::user_shutdown);
}

TEST_F(ImagesIntegration, WrongPasswordIsRefusedWithoutLeakingIt) {
  image_manager_config icfg;
  auto mgr = spawn_image_manager(*sys_, client_, icfg);
  actors_.push_back(caf::actor_cast<caf::actor>(mgr));
  image_request req;
  req.holder = "x";
  req.reference = env_.registry_image + ":latest";
  req.pull = pull_policy::always_pull;
  req.has_auth = true;
  req.auth.username = env_.registry_user;
  req.auth.password = "not-the-password-4711";
  auto p = sys_->spawn(probe, mgr, req);
  auto [done, lease, err, progress] = wait_probe(p);
  ASSERT_TRUE(done);
  EXPECT_NE(err.kind, errc::ok);
  EXPECT_EQ(to_string(err).find("4711"), std::string::npos) << to_string(err);
  caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
}

TEST_F(ImagesIntegration, FingerprintMatchesTheDaemon) {
  fingerprinter_config fcfg;
  fcfg.period = 10s;
  auto fp = spawn_fingerprinter(*sys_, client_, fcfg);
  actors_.push_back(caf::actor_cast<caf::actor>(fp));
  caf::scoped_actor self(*sys_);
  caf::anon_send(fp, watch_atom::value, caf::actor_cast<caf::actor>(self));
  std::optional<fingerprint> healthy;
  auto until = std::chrono::steady_clock::now() + 30s;
  while (!healthy && std::chrono::steady_clock::now() < until)
    self->receive([&](health_atom, fingerprint& f) { if (f.health == daemon_health::healthy) healthy = f; },
                  caf::after(std::chrono::seconds(30)) >> [] {});
  ASSERT_TRUE(healthy);
  auto v = sync<engine_version>([&](auto cb) { client_->version(cb); });
  ASSERT_TRUE(v.ok()) << to_string(v.error());
  EXPECT_EQ(healthy->attributes["driver.docker.version"], v->version);
  EXPECT_FALSE(healthy->attributes["driver.docker.bridge_ip"].empty());
  EXPECT_EQ(healthy->attributes["driver.docker.os_type"], "linux");
  EXPECT_NE(healthy->attributes["driver.docker.runtimes"].find("runc"), std::string::npos);
}

} // namespace
} // namespace stevedore
