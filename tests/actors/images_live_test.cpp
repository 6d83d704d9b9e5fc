// The image manager on the real registry and dockerd, without containers:
// fifty tasks' acquires of one image make one pull (counted in the registry's
// access log), and every source of credentials (the task's auth block, a bad
// password, auth_soft_fail, a credential helper on PATH, a docker config file
// with auths or credHelpers) does what it should. No credential may appear in
// what the manager logs or tells its waiters (progress, lease warnings,
// errors): every test captures both and checks.
//
// Pulls use a tag made for the test (a copy of the registry's :1 manifest
// under a unique name, put through the registry's API), so that the counts of
// one run are not disturbed by other tests pulling the shared tags at the same
// time. Leases are never released into a removal here: the image behind the
// tag is also the test environment's busybox:1, and removal is by image id.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>

#include <caf/all.hpp>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "actors/errors.hpp"
#include "actors/image_manager.hpp"
#include "actors/types.hpp"
#include "docker/client.hpp"
#include "docker/credential_helper.hpp"
#include "docker/registry_auth.hpp"
#include "tests/support/integration_test.hpp"
#include "tests/support/sync_call.hpp"

namespace stevedore {
namespace {

using namespace std::chrono_literals;
using testing::sync;
namespace fs = std::filesystem;

// -- a plain HTTP/1.0 exchange with the registry on 127.0.0.1 ----------------

struct http_answer {
  int status = 0;
  std::string body;
};

http_answer http_exchange(const std::string& host_port, const std::string& request) {
  http_answer out;
  auto colon = host_port.rfind(':');
  int port = std::atoi(host_port.c_str() + colon + 1);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return out;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string raw;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0)
      raw.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (raw.rfind("HTTP/1.", 0) == 0 && raw.size() > 12)
    out.status = std::atoi(raw.c_str() + 9);
  auto end = raw.find("\r\n\r\n");
  if (end != std::string::npos)
    out.body = raw.substr(end + 4);
  return out;
}

// Puts the manifest of repo:from under repo:to (the registry's own API; the
// layers are already there). An empty string, or what went wrong.
std::string registry_copy_tag(const testenv::environment& env, const std::string& repo,
                              const std::string& from, const std::string& to) {
  const std::string media = "application/vnd.docker.distribution.manifest.v2+json";
  const std::string auth =
    "Authorization: Basic " + docker::base64_encode(env.registry_user + ":" + env.registry_password) + "\r\n";
  auto got = http_exchange(env.registry, "GET /v2/" + repo + "/manifests/" + from + " HTTP/1.0\r\nHost: " +
                                           env.registry + "\r\n" + auth + "Accept: " + media + "\r\n\r\n");
  if (got.status != 200)
    return "GET manifest " + repo + ":" + from + " answered " + std::to_string(got.status);
  auto put = http_exchange(env.registry, "PUT /v2/" + repo + "/manifests/" + to + " HTTP/1.0\r\nHost: " +
                                           env.registry + "\r\n" + auth + "Content-Type: " + media +
                                           "\r\nContent-Length: " + std::to_string(got.body.size()) +
                                           "\r\n\r\n" + got.body);
  if (put.status != 201)
    return "PUT manifest " + repo + ":" + to + " answered " + std::to_string(put.status) + ": " + put.body;
  return {};
}

// -- a task's side of an acquire ----------------------------------------------

struct probe_state {
  bool done = false;
  image_lease lease;
  error_info error;
  std::vector<std::string> heard; // every progress line, as a task would turn it into events
};

using heard_atom = caf::atom_constant<caf::atom("heard")>;

caf::behavior probe(caf::stateful_actor<probe_state>* self, image_manager_actor mgr, image_request req) {
  self->request(mgr, caf::infinite, acquire_atom::value, req)
    .then([=](image_lease& l) { self->state.lease = std::move(l); self->state.done = true; },
          [=](caf::error& e) { self->state.error = from_caf(e, "acquire"); self->state.done = true; });
  return {
    [=](progress_atom, const std::string& ref, const pull_progress& p) {
      self->state.heard.push_back(ref + " " + p.id + " " + p.status);
    },
    [=](caf::get_atom) { return caf::make_message(self->state.done, self->state.lease, self->state.error); },
    [=](heard_atom) { return self->state.heard; },
  };
}

struct outcome {
  bool done = false;
  image_lease lease;
  error_info error;
  std::vector<std::string> heard;
};

class ImagesLive : public testenv::integration_test {
protected:
  void SetUp() override {
    integration_test::SetUp();
    if (HasFatalFailure())
      return;
    // Everything the manager logs, at every level, is also kept here.
    capture_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    previous_logger_ = spdlog::default_logger();
    auto sinks = previous_logger_->sinks();
    sinks.push_back(capture_);
    auto logger = std::make_shared<spdlog::logger>("capture", sinks.begin(), sinks.end());
    logger->set_level(spdlog::level::trace);
    capture_->set_level(spdlog::level::trace);
    spdlog::set_default_logger(logger);

    char tmpl[] = "/tmp/stevedore-images-live-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    repo_ = env_.registry_image.substr(env_.registry_image.find('/') + 1);
    add_message_types(cfg_);
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    docker::endpoint ep;
    ep.path = env_.docker_socket;
    client_ = docker::client::make(ep);
  }

  void TearDown() override {
    for (auto& a : actors_)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    actors_.clear();
    sys_.reset();
    // The tags this test pulled, untagged (the image stays: other tags use it).
    for (auto& ref : pulled_refs_)
      sync<unit>([&](auto cb) { client_->image_remove(ref, false, cb); });
    if (client_)
      client_->shutdown();
    if (previous_logger_)
      spdlog::set_default_logger(previous_logger_);
    if (!dir_.empty())
      fs::remove_all(dir_);
  }

  // A tag of the registry's busybox no one else pulls, absent from the daemon.
  std::string fresh_reference(const std::string& what) {
    auto tag = what + "-" + std::to_string(::getpid()) + "-" +
               std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000007);
    auto err = registry_copy_tag(env_, repo_, "1", tag);
    EXPECT_EQ(err, "");
    auto ref = env_.registry_image + ":" + tag;
    pulled_refs_.push_back(ref);
    return ref;
  }

  image_manager_actor manager(image_manager_config icfg) {
    icfg.cleanup_image = false; // see the file comment: removal by id would take busybox:1 too
    auto mgr = spawn_image_manager(*sys_, client_, std::move(icfg));
    actors_.push_back(caf::actor_cast<caf::actor>(mgr));
    return mgr;
  }

  caf::actor acquire(image_manager_actor mgr, image_request req) {
    auto p = sys_->spawn(probe, mgr, std::move(req));
    actors_.push_back(p);
    return p;
  }

  outcome wait_probe(const caf::actor& p, std::chrono::seconds limit = 120s) {
    caf::scoped_actor self(*sys_);
    auto until = std::chrono::steady_clock::now() + limit;
    outcome out;
    while (!out.done && std::chrono::steady_clock::now() < until) {
      self->request(p, 5s, caf::get_atom::value)
        .receive([&](bool d, image_lease& l, error_info& e) { out.done = d; out.lease = l; out.error = e; },
                 [](caf::error&) {});
      if (!out.done)
        std::this_thread::sleep_for(20ms);
    }
    self->request(p, 5s, heard_atom::value)
      .receive([&](std::vector<std::string>& h) { out.heard = std::move(h); }, [](caf::error&) {});
    return out;
  }

  // One acquire with `req` on a fresh manager; its outcome.
  outcome pull_once(image_request req, image_manager_config icfg = {}) {
    auto mgr = manager(std::move(icfg));
    return wait_probe(acquire(mgr, std::move(req)));
  }

  // Neither the log nor anything a waiter heard carries the password or
  // any encoding of it that a header would.
  void expect_no_secret(const outcome& o, const std::string& secret) {
    std::vector<std::string> forms{secret, docker::base64_encode(secret),
                                   docker::base64_encode(env_.registry_user + ":" + secret)};
    std::string said = to_string(o.error) + "\n";
    for (const auto& w : o.lease.warnings)
      said += w + "\n";
    for (const auto& h : o.heard)
      said += h + "\n";
    auto logged = log_.str();
    for (const auto& f : forms) {
      EXPECT_EQ(said.find(f), std::string::npos) << "a waiter was told a credential";
      EXPECT_EQ(logged.find(f), std::string::npos) << "a credential was logged";
    }
    EXPECT_EQ(logged.find(secret), std::string::npos) << logged;
  }

  std::string write_file(const std::string& name, const std::string& text, mode_t mode = 0600) {
    auto path = dir_ + "/" + name;
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }

  image_request request_for(const std::string& ref) {
    image_request req;
    req.holder = "live/t";
    req.reference = ref;
    req.pull = pull_policy::always_pull;
    return req;
  }

  std::ostringstream log_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> capture_;
  std::shared_ptr<spdlog::logger> previous_logger_;
  std::string dir_;
  std::string repo_;
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::shared_ptr<docker::client> client_;
  std::vector<caf::actor> actors_;
  std::vector<std::string> pulled_refs_;
};

// Fifty tasks starting on one image: each asks the image manager for a lease
// (that is all a task does with its image), so fifty concurrent acquires from
// fifty holders stand for them without fifty containers.
TEST_F(ImagesLive, FiftyTasksOnOneImageMakeOnePull) {
  auto ref = fresh_reference("fifty");
  auto tag = ref.substr(ref.rfind(':') + 1);
  // Absent from the daemon, so that a pull is needed (a fresh tag is; this
  // says so if it ever is not).
  auto gone = sync<unit>([&](auto cb) { client_->image_remove(ref, false, cb); });
  ASSERT_TRUE(!gone.ok() && gone.error().kind == errc::not_found) << "the fresh tag was already in the daemon";
  auto before = testenv::manifest_requests(env_, repo_, tag);
  ASSERT_EQ(before, 0u);

  auto mgr = manager({});
  std::vector<caf::actor> tasks;
  for (int i = 0; i < 50; ++i) {
    image_request req;
    req.holder = "fifty/task-" + std::to_string(i);
    req.reference = ref;
    req.has_auth = true;
    req.auth.username = env_.registry_user;
    req.auth.password = env_.registry_password;
    tasks.push_back(acquire(mgr, req));
  }
  std::string id;
  int heard_progress = 0;
  for (auto& t : tasks) {
    auto o = wait_probe(t);
    ASSERT_TRUE(o.done);
    ASSERT_EQ(o.error.kind, errc::ok) << to_string(o.error);
    EXPECT_TRUE(o.lease.pulled);
    heard_progress += !o.heard.empty();
    if (id.empty())
      id = o.lease.image_id;
    EXPECT_EQ(o.lease.image_id, id);
    expect_no_secret(o, env_.registry_password);
  }
  EXPECT_EQ(testenv::manifest_requests(env_, repo_, tag) - before, 1u)
    << "fifty acquires of " << ref << " asked the registry more than once";
  EXPECT_EQ(heard_progress, 50) << "every waiter hears the one pull's progress";

  caf::scoped_actor self(*sys_);
  self->request(mgr, 5s, images_atom::value)
    .receive(
      [&](std::vector<image_record>& recs) {
        ASSERT_EQ(recs.size(), 1u);
        EXPECT_EQ(recs[0].holders.size(), 50u);
      },
      [](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });
}

TEST_F(ImagesLive, TheTaskAuthBlockPulls) {
  auto ref = fresh_reference("auth");
  auto req = request_for(ref);
  req.has_auth = true;
  req.auth.username = env_.registry_user;
  req.auth.password = env_.registry_password;
  auto o = pull_once(req);
  ASSERT_TRUE(o.done);
  EXPECT_EQ(o.error.kind, errc::ok) << to_string(o.error);
  EXPECT_TRUE(o.lease.pulled);
  EXPECT_FALSE(o.lease.image_id.empty());
  EXPECT_TRUE(o.lease.warnings.empty());
  EXPECT_NE(log_.str().find("credentials: task auth block"), std::string::npos) << log_.str();
  expect_no_secret(o, env_.registry_password);
}

TEST_F(ImagesLive, AWrongPasswordIsRefusedNamingTheImageAndNotThePassword) {
  auto ref = fresh_reference("bad");
  auto req = request_for(ref);
  req.has_auth = true;
  req.auth.username = env_.registry_user;
  const std::string wrong = "wrong-" + env_.registry_password.substr(0, 8) + "-4711";
  req.auth.password = wrong;
  auto o = pull_once(req);
  ASSERT_TRUE(o.done);
  EXPECT_EQ(o.error.kind, errc::unauthorized) << to_string(o.error);
  EXPECT_NE(to_string(o.error).find(ref), std::string::npos) << to_string(o.error);
  expect_no_secret(o, wrong);
  expect_no_secret(o, env_.registry_password);
}

// auth_soft_fail: refused credentials give way to an anonymous pull, with a
// warning. This registry refuses anonymous pulls too, so the task fails; the
// failure says that the anonymous attempt is what the registry refused last.
TEST_F(ImagesLive, SoftFailFallsBackToAnonymousAndSaysSo) {
  auto ref = fresh_reference("soft");
  auto tag = ref.substr(ref.rfind(':') + 1);
  auto req = request_for(ref);
  req.has_auth = true;
  req.auth.username = env_.registry_user;
  const std::string wrong = "wrong-password-0815";
  req.auth.password = wrong;
  req.auth_soft_fail = true;
  auto o = pull_once(req);
  ASSERT_TRUE(o.done);
  EXPECT_EQ(o.error.kind, errc::unauthorized) << to_string(o.error);
  auto text = to_string(o.error);
  EXPECT_NE(text.find("anonymous"), std::string::npos) << text;
  EXPECT_NE(log_.str().find("pulling anonymously (auth_soft_fail)"), std::string::npos) << log_.str();
  EXPECT_NE(log_.str().find("credentials: anonymous (auth_soft_fail)"), std::string::npos) << log_.str();
  EXPECT_GE(testenv::manifest_requests(env_, repo_, tag), 1u);
  expect_no_secret(o, wrong);
}

// auth_soft_fail when the credential lookup itself fails (a helper that
// exits non-zero): the pull goes on anonymously with a warning, and this
// registry refuses it.
TEST_F(ImagesLive, SoftFailWithAFailingHelperWarnsAndPullsAnonymously) {
  auto bin = dir_ + "/bin";
  fs::create_directories(bin);
  write_file("bin/docker-credential-stevedorebroken", "#!/bin/sh\necho 'helper is broken' >&2\nexit 3\n", 0700);
  image_manager_config icfg;
  icfg.auth_helper = "stevedorebroken";
  icfg.run_helper = runner_helper(std::make_shared<docker::credential_helper_runner>(
    docker::credential_helper_runner::options{10s, 64u << 10, 4, 1024, bin}));
  auto ref = fresh_reference("softhelper");
  auto req = request_for(ref);
  req.auth_soft_fail = true;
  auto o = pull_once(req, icfg);
  ASSERT_TRUE(o.done);
  EXPECT_NE(o.error.kind, errc::ok);
  EXPECT_NE(log_.str().find("pulling anonymously (auth_soft_fail)"), std::string::npos) << log_.str();
  EXPECT_NE(to_string(o.error).find("anonymous"), std::string::npos) << to_string(o.error);
}

// A docker-credential-<name> program found on PATH (as Docker finds them),
// named by docker.auth.helper.
class ImagesLiveHelper : public ImagesLive {
protected:
  void SetUp() override {
    // PATH before the actor system exists (no thread reads it meanwhile);
    // the manager's helper runner takes PATH when it is made.
    char tmpl[] = "/tmp/stevedore-helper-bin-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    bin_ = tmpl;
    const char* old = std::getenv("PATH");
    old_path_ = old ? old : "";
    ::setenv("PATH", (bin_ + ":" + old_path_).c_str(), 1);
    ImagesLive::SetUp();
    if (HasFatalFailure())
      return;
    auto env = testenv::load();
    ASSERT_TRUE(env.ok());
    // Answers for our registry only; "credentials not found" for any other.
    std::ofstream(bin_ + "/docker-credential-stevedoretest")
      << "#!/bin/sh\n"
         "[ \"$1\" = get ] || exit 1\n"
         "read -r server\n"
         "if [ \"$server\" = '" << env->registry << "' ]; then\n"
         "  printf '{\"ServerURL\":\"%s\",\"Username\":\"%s\",\"Secret\":\"%s\"}\\n' \"$server\" '"
      << env->registry_user << "' '" << env->registry_password << "'\n"
         "else\n"
         "  echo 'credentials not found in native keychain'\n"
         "  exit 1\n"
         "fi\n";
    ::chmod((bin_ + "/docker-credential-stevedoretest").c_str(), 0700);
  }
  void TearDown() override {
    ImagesLive::TearDown();
    ::setenv("PATH", old_path_.c_str(), 1);
    if (!bin_.empty())
      fs::remove_all(bin_);
  }
  std::string bin_;
  std::string old_path_;
};

TEST_F(ImagesLiveHelper, TheAuthHelperOnPathPulls) {
  image_manager_config icfg;
  icfg.auth_helper = "stevedoretest";
  auto ref = fresh_reference("helper");
  auto o = pull_once(request_for(ref), icfg);
  ASSERT_TRUE(o.done);
  EXPECT_EQ(o.error.kind, errc::ok) << to_string(o.error);
  EXPECT_TRUE(o.lease.pulled);
  EXPECT_NE(log_.str().find("credentials: docker.auth.helper (docker-credential-stevedoretest)"),
            std::string::npos)
    << log_.str();
  expect_no_secret(o, env_.registry_password);
}

TEST_F(ImagesLiveHelper, ConfigFileCredHelpersRunTheHelper) {
  image_manager_config icfg;
  icfg.auth_config = write_file("config.json", R"({"credHelpers": {")" + env_.registry + R"(": "stevedoretest"}})");
  auto ref = fresh_reference("credhelpers");
  auto o = pull_once(request_for(ref), icfg);
  ASSERT_TRUE(o.done);
  EXPECT_EQ(o.error.kind, errc::ok) << to_string(o.error);
  EXPECT_NE(log_.str().find("docker-credential-stevedoretest"), std::string::npos) << log_.str();
  expect_no_secret(o, env_.registry_password);
}

TEST_F(ImagesLive, ConfigFileAuthsPull) {
  image_manager_config icfg;
  icfg.auth_config = write_file(
    "config.json", R"({"auths": {")" + env_.registry + R"(": {"auth": ")" +
                     docker::base64_encode(env_.registry_user + ":" + env_.registry_password) + R"("}}})");
  auto ref = fresh_reference("auths");
  auto o = pull_once(request_for(ref), icfg);
  ASSERT_TRUE(o.done);
  EXPECT_EQ(o.error.kind, errc::ok) << to_string(o.error);
  EXPECT_TRUE(o.lease.pulled);
  EXPECT_NE(log_.str().find("credentials: docker.auth.config auths"), std::string::npos) << log_.str();
  expect_no_secret(o, env_.registry_password);
}

TEST_F(ImagesLive, ConfigFileWithAWrongPasswordIsRefused) {
  image_manager_config icfg;
  const std::string wrong = "config-file-wrong-2342";
  icfg.auth_config = write_file("config.json", R"({"auths": {")" + env_.registry + R"(": {"auth": ")" +
                                                 docker::base64_encode(env_.registry_user + ":" + wrong) +
                                                 R"("}}})");
  auto ref = fresh_reference("authsbad");
  auto o = pull_once(request_for(ref), icfg);
  ASSERT_TRUE(o.done);
  EXPECT_EQ(o.error.kind, errc::unauthorized) << to_string(o.error);
  expect_no_secret(o, wrong);
}

} // namespace
} // namespace stevedore
