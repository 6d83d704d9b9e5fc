// The image manager against the in-memory fake engine (threaded mode), on
// CAF's real scheduler with scoped actors and short, bounded waits.
#include "actors/image_manager.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include "actors/errors.hpp"
#include "actors/types.hpp"
#include "docker/credential_helper.hpp"
#include "docker/docker_config.hpp"
#include "docker/registry_auth.hpp"
#include "tests/support/fake_engine.hpp"

namespace stevedore {
namespace {

using namespace std::chrono_literals;
using testing::fake_engine;
namespace fs = std::filesystem;

constexpr auto reg_ref = "127.0.0.1:5000/team/app:1";

struct outcome {
  std::optional<image_lease> lease;
  error_info error;
  int progress = 0;
};

// A task stand-in: acquires once, counts the progress it hears, keeps the answer.
struct probe_state {
  int progress = 0;
  bool done = false;
  image_lease lease;
  error_info error;
};

caf::behavior probe(caf::stateful_actor<probe_state>* self, image_manager_actor mgr, image_request req) {
  self->request(mgr, caf::infinite, acquire_atom::value, req)
    .then([=](image_lease& l) { self->state.lease = std::move(l); self->state.done = true; },
          [=](caf::error& e) { self->state.error = from_caf(e, "acquire"); self->state.done = true; });
  return {
    [=](progress_atom, const std::string&, const pull_progress&) { ++self->state.progress; },
    [=](caf::get_atom) { return caf::make_message(self->state.done, self->state.progress, self->state.lease,
                                                  self->state.error); },
  };
}

class ImageManagerTest : public ::testing::Test {
protected:
  ImageManagerTest() {
    add_message_types(cfg_);
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    icfg_.cleanup_delay = 50ms;
    dir_ = fs::temp_directory_path() / ("stevedore-im-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  ~ImageManagerTest() override {
    if (mgr_)
      caf::anon_send_exit(mgr_, caf::exit_reason::user_shutdown);
    fake_->shutdown();
    fs::remove_all(dir_);
  }

  image_manager_actor& start() {
    mgr_ = spawn_image_manager(*sys_, fake_, icfg_);
    return mgr_;
  }

  static image_request request(std::string holder, std::string ref, pull_policy p = pull_policy::pull_if_missing) {
    image_request r;
    r.holder = std::move(holder);
    r.reference = std::move(ref);
    r.pull = p;
    return r;
  }

  // Acquire and wait for the answer (progress is counted by `probe` actors).
  outcome acquire(caf::scoped_actor& self, const image_request& req, std::chrono::milliseconds limit = 5s) {
    outcome out;
    self->request(mgr_, limit, acquire_atom::value, req)
      .receive([&](image_lease& l) { out.lease = std::move(l); },
               [&](caf::error& e) { out.error = from_caf(e, "acquire"); });
    return out;
  }

  // Waits (bounded) until the probe has its answer.
  outcome wait_probe(const caf::actor& p, std::chrono::milliseconds limit = 5s) {
    caf::scoped_actor self(*sys_);
    outcome out;
    auto until = std::chrono::steady_clock::now() + limit;
    bool done = false;
    while (!done && std::chrono::steady_clock::now() < until) {
      self->request(p, 5s, caf::get_atom::value)
        .receive([&](bool d, int progress, image_lease& l, error_info& e) {
                   done = d;
                   out.progress = progress;
                   if (d && e.kind == errc::ok)
                     out.lease = std::move(l);
                   out.error = std::move(e);
                 },
                 [&](caf::error&) {});
      if (!done)
        std::this_thread::sleep_for(5ms);
    }
    return out;
  }

  std::vector<image_record> images(caf::scoped_actor& self) {
    std::vector<image_record> out;
    self->request(mgr_, 5s, images_atom::value).receive([&](std::vector<image_record>& r) { out = std::move(r); },
                                                       [&](caf::error&) {});
    return out;
  }

  actor_status status(caf::scoped_actor& self) {
    actor_status out;
    self->request(mgr_, 5s, status_atom::value).receive([&](actor_status& s) { out = std::move(s); },
                                                       [&](caf::error&) {});
    return out;
  }

  // Polls the fake (not the actor) until `pred` holds; bounded.
  template <class Pred>
  static bool eventually(Pred pred, std::chrono::milliseconds limit = 3s) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (pred())
        return true;
      std::this_thread::sleep_for(5ms);
    }
    return pred();
  }

  std::string write_file(const std::string& name, const std::string& text, bool executable = false) {
    auto p = dir_ / name;
    std::ofstream(p) << text;
    if (executable)
      fs::permissions(p, fs::perms::owner_all);
    return p.string();
  }

  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::shared_ptr<fake_engine> fake_ = std::make_shared<fake_engine>();
  image_manager_config icfg_;
  image_manager_actor mgr_;
  fs::path dir_;
};

fake_engine::pull_script slow_pull(int steps, std::chrono::milliseconds delay) {
  fake_engine::pull_script s;
  for (int i = 0; i < steps; ++i)
    s.steps.push_back(pull_progress{"layer" + std::to_string(i), "Downloading", i, steps});
  s.step_delay = delay;
  return s;
}

// -- de-duplication and progress ----------------------------------------------

TEST_F(ImageManagerTest, ConcurrentAcquiresShareOnePullAndAllHearProgress) {
  fake_->add_registry_image(reg_ref);
  fake_->script_pull(reg_ref, slow_pull(4, 15ms));
  start();
  constexpr int n = 5;
  std::vector<caf::actor> tasks;
  for (int i = 0; i < n; ++i)
    tasks.push_back(sys_->spawn(probe, mgr_, request("t" + std::to_string(i), reg_ref)));
  std::vector<outcome> got;
  for (int i = 0; i < n; ++i)
    got.push_back(wait_probe(tasks[i]));
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(got[i].lease) << to_string(got[i].error);
    EXPECT_EQ(got[i].lease->image_id, got[0].lease->image_id);
    EXPECT_TRUE(got[i].lease->pulled);
    EXPECT_EQ(got[i].progress, 4) << "task " << i;
  }
  EXPECT_EQ(fake_->calls("image_pull"), 1);
  caf::scoped_actor self(*sys_);
  auto recs = images(self);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].holders.size(), std::size_t(n));
  for (auto& t : tasks)
    caf::anon_send_exit(t, caf::exit_reason::user_shutdown);
}

// -- pull policies ------------------------------------------------------------------

TEST_F(ImageManagerTest, PresentImageIsUsedWithoutPulling) {
  auto id = fake_->add_image("busybox:1");
  start();
  caf::scoped_actor self(*sys_);
  auto r = acquire(self, request("t", "busybox:1"));
  ASSERT_TRUE(r.lease) << to_string(r.error);
  EXPECT_EQ(r.lease->image_id, id);
  EXPECT_FALSE(r.lease->pulled);
  EXPECT_EQ(fake_->calls("image_pull"), 0);
}

TEST_F(ImageManagerTest, AlwaysPullPullsEvenWhenPresent) {
  fake_->add_image(reg_ref);
  fake_->add_registry_image(reg_ref);
  start();
  caf::scoped_actor self(*sys_);
  auto r = acquire(self, request("t", reg_ref, pull_policy::always_pull));
  ASSERT_TRUE(r.lease) << to_string(r.error);
  EXPECT_TRUE(r.lease->pulled);
  EXPECT_EQ(fake_->calls("image_pull"), 1);
  ASSERT_EQ(fake_->pull_requests().size(), 1u);
  EXPECT_EQ(fake_->pull_requests()[0].image, "127.0.0.1:5000/team/app");
  EXPECT_EQ(fake_->pull_requests()[0].tag, "1");
}

// Found by tools/fault.sh: the image removed between the end of its pull and
// the inspect after it. Pulled once more; gone again, the waiter is told.
TEST_F(ImageManagerTest, AnImageGoneRightAfterItsPullIsPulledOnceMore) {
  fake_->add_registry_image(reg_ref);
  start();
  caf::scoped_actor self(*sys_);
  fake_->fail_next("image_inspect", 1, errc::not_found, "no such image");
  auto r = acquire(self, request("t", reg_ref, pull_policy::always_pull));
  ASSERT_TRUE(r.lease) << to_string(r.error);
  EXPECT_EQ(fake_->calls("image_pull"), 2);

  fake_->fail_next("image_inspect", 2, errc::not_found, "no such image");
  auto again = acquire(self, request("u", reg_ref, pull_policy::always_pull));
  ASSERT_FALSE(again.lease);
  EXPECT_EQ(again.error.kind, errc::not_found) << to_string(again.error);
  EXPECT_EQ(fake_->calls("image_pull"), 4) << "one more pull, not more";
}

// The planner's request carries the reference parsed: the pull asks for
// the name and tag the struct gives, and the lease keeps the reference.
TEST_F(ImageManagerTest, APlannedRequestPullsByItsParsedReference) {
  const std::string canonical = "docker.io/library/busybox:1.36";
  fake_->add_registry_image(canonical);
  start();
  caf::scoped_actor self(*sys_);
  auto req = request("t", canonical, pull_policy::always_pull);
  req.parsed = image_ref{"docker.io", "library/busybox", "1.36", ""};
  auto r = acquire(self, req);
  ASSERT_TRUE(r.lease) << to_string(r.error);
  EXPECT_EQ(r.lease->reference, canonical);
  ASSERT_EQ(fake_->pull_requests().size(), 1u);
  EXPECT_EQ(fake_->pull_requests()[0].image, "docker.io/library/busybox");
  EXPECT_EQ(fake_->pull_requests()[0].tag, "1.36");
}

// A request written without the struct is parsed once on arrival; a text
// that is no image reference never reaches the daemon.
TEST_F(ImageManagerTest, AnInvalidReferenceIsRefusedBeforeAnyDaemonCall) {
  start();
  caf::scoped_actor self(*sys_);
  auto r = acquire(self, request("t", "127.0.0.1:5000/Team/App:1"));
  ASSERT_FALSE(r.lease);
  EXPECT_EQ(r.error.kind, errc::invalid_input);
  auto line = to_string(r.error);
  EXPECT_EQ(line.rfind("pull 127.0.0.1:5000/Team/App:1: ", 0), 0u) << line;
  EXPECT_NE(line.find("must be lowercase"), std::string::npos) << line;
  EXPECT_EQ(fake_->calls("image_inspect"), 0);
  EXPECT_EQ(fake_->calls("image_pull"), 0);
}

TEST_F(ImageManagerTest, DigestIsPulledOnceByDigest) {
  const std::string ref = "127.0.0.1:5000/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  fake_->add_registry_image(ref);
  start();
  caf::scoped_actor self(*sys_);
  auto a = acquire(self, request("a", ref, pull_policy::digest));
  auto b = acquire(self, request("b", ref, pull_policy::digest));
  ASSERT_TRUE(a.lease && b.lease) << to_string(a.error) << to_string(b.error);
  EXPECT_TRUE(a.lease->pulled);
  EXPECT_FALSE(b.lease->pulled);
  ASSERT_EQ(fake_->pull_requests().size(), 1u);
  EXPECT_EQ(fake_->pull_requests()[0].tag, "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
}

TEST_F(ImageManagerTest, LoadFromTarLoadsThenInspects) {
  fake_->add_tar("/alloc/t/local/app.tar", {"local/app:3"});
  start();
  caf::scoped_actor self(*sys_);
  auto req = request("t", "local/app:3", pull_policy::load_from_tar);
  req.archive = "/alloc/t/local/app.tar";
  auto r = acquire(self, req);
  ASSERT_TRUE(r.lease) << to_string(r.error);
  EXPECT_TRUE(r.lease->pulled);
  EXPECT_EQ(r.lease->image.id, r.lease->image_id);
  EXPECT_EQ(fake_->calls("image_load"), 1);
  EXPECT_EQ(fake_->calls("image_pull"), 0);
}

TEST_F(ImageManagerTest, MissingImageFailsWithOneLineNamingIt) {
  start();
  caf::scoped_actor self(*sys_);
  auto r = acquire(self, request("t", "127.0.0.1:5000/nope:1"));
  ASSERT_FALSE(r.lease);
  EXPECT_EQ(r.error.kind, errc::not_found);
  auto line = to_string(r.error);
  EXPECT_EQ(line.rfind("pull 127.0.0.1:5000/nope:1: ", 0), 0u) << line;
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

// -- auth chain -------------------------------------------------------------------------

registry_credentials creds(std::string user, std::string pass, std::string server = "127.0.0.1:5000") {
  registry_credentials c;
  c.username = std::move(user);
  c.password = std::move(pass);
  c.server_address = std::move(server);
  return c;
}

TEST_F(ImageManagerTest, TaskAuthBlockComesFirst) {
  fake_->add_registry_image(reg_ref, {}, docker::encode_registry_auth(creds("task", "task-pw")));
  // A config file with other credentials for the same registry: not used.
  icfg_.auth_config = write_file("config.json", R"({"auths":{"127.0.0.1:5000":{"auth":"ZmlsZTpmaWxlLXB3"}}})");
  start();
  caf::scoped_actor self(*sys_);
  auto req = request("t", reg_ref);
  req.has_auth = true;
  req.auth.username = "task";
  req.auth.password = "task-pw";
  auto r = acquire(self, req);
  ASSERT_TRUE(r.lease) << to_string(r.error);
}

TEST_F(ImageManagerTest, ConfigFileAuthsComeBeforeTheHelper) {
  auto path = write_file("config.json", R"({"auths":{"127.0.0.1:5000":{"auth":"ZmlsZTpmaWxlLXB3"}}})");
  auto src = docker::lookup_docker_config(path, "127.0.0.1:5000");
  ASSERT_TRUE(src.ok());
  ASSERT_EQ(src->from, docker::auth_source::kind::credentials);
  EXPECT_EQ(src->credentials.username, "file");
  fake_->add_registry_image(reg_ref, {}, docker::encode_registry_auth(src->credentials));
  icfg_.auth_config = path;
  icfg_.auth_helper = "never-run";
  bool helper_ran = false;
  icfg_.run_helper = [&](const std::string&, const std::string&) -> result<std::optional<registry_credentials>> {
    helper_ran = true;
    return std::optional<registry_credentials>{};
  };
  start();
  caf::scoped_actor self(*sys_);
  auto r = acquire(self, request("t", reg_ref));
  ASSERT_TRUE(r.lease) << to_string(r.error);
  EXPECT_FALSE(helper_ran);
}

// A real docker-credential-* script run by docker::credential_helper_runner.
class ImageManagerHelperTest : public ImageManagerTest {
protected:
  void use_script_helper(const std::string& name) {
    write_file("docker-credential-" + name,
               "#!/bin/sh\nread server\n"
               "echo \"$server\" >> \"$(dirname \"$0\")/asked\"\n"
               "printf '{\"ServerURL\":\"%s\",\"Username\":\"helper\",\"Secret\":\"helper-pw\"}' \"$server\"\n",
               true);
    docker::credential_helper_runner::options o;
    o.search_path = dir_.string();
    o.timeout = 5s;
    icfg_.run_helper = runner_helper(std::make_shared<docker::credential_helper_runner>(o));
  }
  std::string asked() {
    std::ifstream in(dir_ / "asked");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
};

TEST_F(ImageManagerHelperTest, CredHelpersInTheConfigFileRunTheHelper) {
  use_script_helper("stevetest");
  icfg_.auth_config = write_file("config.json", R"({"credHelpers":{"127.0.0.1:5000":"stevetest"}})");
  fake_->add_registry_image(reg_ref, {}, docker::encode_registry_auth(creds("helper", "helper-pw")));
  start();
  caf::scoped_actor self(*sys_);
  auto r = acquire(self, request("t", reg_ref));
  ASSERT_TRUE(r.lease) << to_string(r.error);
  EXPECT_EQ(asked(), "127.0.0.1:5000\n");
}

TEST_F(ImageManagerHelperTest, AuthHelperIsTheLastSource) {
  use_script_helper("stevetest");
  icfg_.auth_config = write_file("config.json", R"({"auths":{"other.example:5000":{"auth":"ZmlsZTpmaWxlLXB3"}}})");
  icfg_.auth_helper = "stevetest";
  fake_->add_registry_image(reg_ref, {}, docker::encode_registry_auth(creds("helper", "helper-pw")));
  start();
  caf::scoped_actor self(*sys_);
  auto r = acquire(self, request("t", reg_ref));
  ASSERT_TRUE(r.lease) << to_string(r.error);
  EXPECT_EQ(asked(), "127.0.0.1:5000\n");
}

TEST_F(ImageManagerTest, HelperFailureFailsThePullUnlessSoftFail) {
  fake_->add_registry_image(reg_ref);
  icfg_.auth_helper = "broken";
  icfg_.run_helper = [](const std::string&, const std::string&) -> result<std::optional<registry_credentials>> {
    return make_error(errc::not_found, "credential helper docker-credential-broken", "not found on PATH");
  };
  start();
  caf::scoped_actor self(*sys_);
  auto hard = acquire(self, request("a", reg_ref));
  ASSERT_FALSE(hard.lease);
  EXPECT_NE(to_string(hard.error).find("looking up credentials"), std::string::npos) << to_string(hard.error);
  EXPECT_EQ(fake_->calls("image_pull"), 0);

  auto soft_req = request("b", reg_ref);
  soft_req.auth_soft_fail = true;
  auto soft = acquire(self, soft_req);
  ASSERT_TRUE(soft.lease) << to_string(soft.error);
  ASSERT_EQ(soft.lease->warnings.size(), 1u);
  EXPECT_NE(soft.lease->warnings[0].find("auth_soft_fail"), std::string::npos);
  ASSERT_EQ(fake_->pull_requests().size(), 1u);
  EXPECT_EQ(fake_->pull_requests()[0].registry_auth, "");
}

TEST_F(ImageManagerTest, RefusedCredentialsRetryAnonymouslyOnSoftFailAndNeverLeak) {
  fake_->add_registry_image(reg_ref, {}, docker::encode_registry_auth(creds("right", "right-pw")));
  start();
  caf::scoped_actor self(*sys_);
  auto req = request("t", reg_ref);
  req.has_auth = true;
  req.auth.username = "wrong";
  req.auth.password = "s3cret-pw";
  req.auth_soft_fail = true;
  auto r = acquire(self, req);
  ASSERT_FALSE(r.lease);
  EXPECT_EQ(r.error.kind, errc::unauthorized);
  ASSERT_EQ(fake_->pull_requests().size(), 2u);  // with the credentials, then anonymously
  EXPECT_FALSE(fake_->pull_requests()[0].registry_auth.empty());
  EXPECT_TRUE(fake_->pull_requests()[1].registry_auth.empty());
  auto line = to_string(r.error);
  EXPECT_EQ(line.find("s3cret"), std::string::npos) << line;
  EXPECT_EQ(line.find(fake_->pull_requests()[0].registry_auth), std::string::npos);
  // What was refused last is the anonymous pull, not the credentials.
  EXPECT_NE(line.find("refused the anonymous pull (auth_soft_fail)"), std::string::npos) << line;
}

TEST_F(ImageManagerTest, ARefusedPullWithoutCredentialsSaysSo) {
  fake_->add_registry_image(reg_ref, {}, docker::encode_registry_auth(creds("right", "right-pw")));
  start();
  caf::scoped_actor self(*sys_);
  auto r = acquire(self, request("t", reg_ref));
  ASSERT_FALSE(r.lease);
  EXPECT_EQ(r.error.kind, errc::unauthorized);
  EXPECT_NE(to_string(r.error).find("refused an anonymous pull (no credentials for 127.0.0.1:5000)"),
            std::string::npos)
    << to_string(r.error);
}

// -- leases and cleanup ---------------------------------------------------------------------

// The delayed cleanup's order (release, re-acquire, removal) is tested on
// the deterministic scheduler: image_cleanup_test.cpp.

TEST_F(ImageManagerTest, ImageInUseEndsRemovalQuietly) {
  auto id = fake_->add_image("busybox:1");
  fake_->container_create("user", R"({"Image":"busybox:1"})", [](result<create_answer>) {});
  start();
  caf::scoped_actor self(*sys_);
  ASSERT_TRUE(acquire(self, request("a", "busybox:1")).lease);
  caf::anon_send(mgr_, release_atom::value, std::string("a"), id);
  EXPECT_TRUE(eventually([&] { return fake_->calls("image_remove") == 1; }));
  EXPECT_TRUE(eventually([&] { return images(self).empty(); }));
  EXPECT_TRUE(fake_->has_image(id));
  EXPECT_EQ(status(self).details["removals"], "1");
}

TEST_F(ImageManagerTest, DyingHolderReleasesItsLeases) {
  auto id = fake_->add_image("busybox:1");
  start();
  auto holder = sys_->spawn(probe, mgr_, request("doomed", "busybox:1"));
  ASSERT_TRUE(wait_probe(holder).lease);
  caf::scoped_actor self(*sys_);
  ASSERT_EQ(images(self).at(0).holders.size(), 1u);
  caf::anon_send_exit(holder, caf::exit_reason::kill);
  EXPECT_TRUE(eventually([&] { return !fake_->has_image(id); }));
}

// -- deadlines and the pull cap -----------------------------------------------------------------

TEST_F(ImageManagerTest, InactivityTimeoutFailsEveryWaiter) {
  icfg_.pull_activity_timeout = 40ms;
  fake_->add_registry_image(reg_ref);
  fake_->script_pull(reg_ref, slow_pull(3, 500ms));
  start();
  caf::scoped_actor a(*sys_), b(*sys_);
  auto ha = a->request(mgr_, 5s, acquire_atom::value, request("a", reg_ref));
  auto hb = b->request(mgr_, 5s, acquire_atom::value, request("b", reg_ref));
  for (auto* h : {&ha, &hb}) {
    error_info e;
    h->receive([](image_lease&) { FAIL() << "pull should have stalled"; },
               [&](caf::error& err) { e = from_caf(err); });
    EXPECT_EQ(e.kind, errc::timeout);
    EXPECT_NE(to_string(e).find("pull_activity_timeout"), std::string::npos) << to_string(e);
  }
  EXPECT_EQ(fake_->calls("image_pull"), 1);
}

TEST_F(ImageManagerTest, TotalTimeoutCancelsAPullThatKeepsTalking) {
  fake_->add_registry_image(reg_ref);
  fake_->script_pull(reg_ref, slow_pull(100, 10ms));
  start();
  caf::scoped_actor self(*sys_);
  auto req = request("a", reg_ref);
  req.pull_timeout_ms = 80;
  auto p = sys_->spawn(probe, mgr_, req);
  auto r = wait_probe(p);
  caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
  ASSERT_FALSE(r.lease);
  EXPECT_EQ(r.error.kind, errc::timeout);
  EXPECT_NE(to_string(r.error).find("image_pull_timeout"), std::string::npos) << to_string(r.error);
  EXPECT_GT(r.progress, 0);
  EXPECT_EQ(status(self).details["jobs"], "0");
}

TEST_F(ImageManagerTest, PullsBeyondTheCapWaitInLine) {
  icfg_.max_concurrent_pulls = 1;
  fake_->add_registry_image("r/a:1");
  fake_->add_registry_image("r/b:1");
  fake_->script_pull("r/a:1", slow_pull(3, 40ms));
  fake_->script_pull("r/b:1", slow_pull(3, 10ms));
  start();
  caf::scoped_actor a(*sys_), b(*sys_), self(*sys_);
  auto ha = a->request(mgr_, 5s, acquire_atom::value, request("a", "r/a:1", pull_policy::always_pull));
  auto hb = b->request(mgr_, 5s, acquire_atom::value, request("b", "r/b:1", pull_policy::always_pull));
  auto st = status(self);  // handled after both acquires
  EXPECT_EQ(st.details["pulls_running"], "1");
  EXPECT_EQ(st.details["pulls_queued"], "1");
  EXPECT_EQ(fake_->calls("image_pull"), 1);
  bool a_done = false;
  ha.receive([&](image_lease&) { a_done = true; }, [](caf::error& e) { FAIL() << to_string(e); });
  hb.receive([&](image_lease&) { EXPECT_TRUE(a_done); }, [](caf::error& e) { FAIL() << to_string(e); });
  EXPECT_EQ(fake_->calls("image_pull"), 2);
}

TEST_F(ImageManagerTest, StatusNamesTheActor) {
  start();
  caf::scoped_actor self(*sys_);
  auto st = status(self);
  EXPECT_EQ(st.kind, "image_manager");
  EXPECT_EQ(st.state, "idle");
  EXPECT_GE(st.messages, 1);
  EXPECT_EQ(st.last_message, "status");
}

} // namespace
} // namespace stevedore
