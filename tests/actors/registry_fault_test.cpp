// The registry failing in the middle of a pull, on the real daemon: a TCP
// proxy on 127.0.0.1 (in this test) stands between the daemon and the test
// registry (127.0.0.0/8 is an insecure registry by default in dockerd), and
// once it has passed 1 MiB of the registry's answers it either cuts every
// connection and refuses new ones (the registry stopped) or stops passing
// bytes while keeping the connections open (a stalled registry). The image
// pulled has one 8 MiB layer of random bytes, pushed under a name of this
// test's own. Three waiters acquire it at once through one image manager:
// each is told with an error naming the image, none hangs (a stall ends by
// docker.pull_activity_timeout, the stop by the daemon's own error or
// image_pull_timeout, whichever comes first).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>
#include <vector>

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include "actors/errors.hpp"
#include "actors/image_manager.hpp"
#include "actors/types.hpp"
#include "docker/client.hpp"
#include "tests/support/integration_test.hpp"

namespace stevedore {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// -- the proxy -----------------------------------------------------------------

enum class fault { cut, stall };

class tcp_proxy {
public:
  tcp_proxy(int upstream_port, std::int64_t after, fault how)
    : upstream_(upstream_port), after_(after), how_(how) {
    listen_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(listen_, 64);
    socklen_t n = sizeof a;
    ::getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &n);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~tcp_proxy() {
    stop_ = true;
    acceptor_.join(); // no connection is added after this
    for (auto& t : threads_)
      t.join();
    ::close(listen_);
  }
  int port() const { return port_; }
  std::int64_t forwarded() const { return down_; }
  bool tripped() const { return down_ >= after_; }

private:
  int connect_upstream() const {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(upstream_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      return -1;
    }
    return fd;
  }

  void accept_loop() {
    while (!stop_) {
      pollfd p{listen_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0)
        continue;
      int c = ::accept(listen_, nullptr, nullptr);
      if (c < 0)
        continue;
      if (tripped() && how_ == fault::cut) {
        ::close(c); // the registry is gone
        continue;
      }
      threads_.emplace_back([this, c] { pump(c); });
    }
  }

  void pump(int c) {
    int u = connect_upstream();
    char buf[16384];
    while (u >= 0 && !stop_) {
      if (tripped() && how_ == fault::cut)
        break;
      pollfd p[2] = {{c, POLLIN, 0}, {u, tripped() ? short(0) : short(POLLIN), 0}};
      if (::poll(p, 2, 100) <= 0)
        continue;
      if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
        auto n = ::read(c, buf, sizeof buf);
        if (n <= 0 || ::write(u, buf, static_cast<std::size_t>(n)) != n)
          break;
      }
      if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
        auto n = ::read(u, buf, sizeof buf);
        if (n <= 0 || ::write(c, buf, static_cast<std::size_t>(n)) != n)
          break;
        down_ += n;
      }
    }
    if (u >= 0)
      ::close(u);
    ::close(c);
  }

  int upstream_;
  std::int64_t after_;
  fault how_;
  int listen_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::int64_t> down_{0};
  std::thread acceptor_;
  std::vector<std::thread> threads_; // one per connection, added by the acceptor only
};

// -- a waiter ------------------------------------------------------------------

struct waiter_state {
  bool done = false;
  error_info error;
};

caf::behavior waiter(caf::stateful_actor<waiter_state>* self, image_manager_actor mgr, image_request req) {
  self->request(mgr, caf::infinite, acquire_atom::value, req)
    .then([=](image_lease&) { self->state.done = true; },
          [=](caf::error& e) { self->state.error = from_caf(e, "acquire"); self->state.done = true; });
  return {
    [=](progress_atom, const std::string&, const pull_progress&) {},
    [=](caf::get_atom) { return caf::make_message(self->state.done, self->state.error); },
  };
}

class RegistryFault : public testenv::integration_test {
protected:
  void SetUp() override {
    integration_test::SetUp();
    if (HasFatalFailure())
      return;
    char tmpl[] = "/tmp/stevedore-registry-fault-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    repo_ = "stevedore/fault-big-" + std::to_string(::getpid());
    // 8 MiB of random bytes in one layer (gzip cannot shrink it).
    fs::create_directories(dir_ / "root");
    {
      std::ofstream f(dir_ / "root" / "blob", std::ios::binary);
      std::mt19937_64 rng(42);
      for (int i = 0; i < (8 << 20) / 8; ++i) {
        auto v = rng();
        f.write(reinterpret_cast<const char*>(&v), sizeof v);
      }
    }
    auto remote = env_.registry + "/" + repo_ + ":1";
    std::string dk = "DOCKER_CONFIG=" + (dir_ / "config").string() + " DOCKER_HOST=" + env_.docker_host +
                     " /usr/bin/docker ";
    fs::create_directories(dir_ / "config");
    std::ofstream(dir_ / "password") << env_.registry_password;
    ASSERT_EQ(sh("tar -C " + (dir_ / "root").string() + " -cf " + (dir_ / "layer.tar").string() + " blob"), 0);
    ASSERT_EQ(sh(dk + "import " + (dir_ / "layer.tar").string() + " " + remote + " >/dev/null"), 0);
    ASSERT_EQ(sh(dk + "login -u " + env_.registry_user + " --password-stdin " + env_.registry + " <" +
                 (dir_ / "password").string() + " >/dev/null 2>&1"),
              0);
    ASSERT_EQ(sh(dk + "push " + remote + " >/dev/null"), 0);
    ASSERT_EQ(sh(dk + "image rm " + remote + " >/dev/null"), 0);
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
    if (client_)
      client_->shutdown();
    if (!proxied_.empty())
      sh("DOCKER_HOST=" + env_.docker_host + " /usr/bin/docker image rm " + proxied_ + " >/dev/null 2>&1");
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  static int sh(const std::string& cmd) { return std::system(cmd.c_str()); }

  // Three waiters on the image through `proxy`; how long until all were told.
  std::vector<waiter_state> pull_three(tcp_proxy& proxy, image_manager_config icfg, std::int64_t pull_timeout_ms,
                                       std::chrono::milliseconds& took) {
    icfg.cleanup_image = false;
    auto mgr = spawn_image_manager(*sys_, client_, std::move(icfg));
    actors_.push_back(caf::actor_cast<caf::actor>(mgr));
    proxied_ = "127.0.0.1:" + std::to_string(proxy.port()) + "/" + repo_ + ":1";
    std::vector<caf::actor> ws;
    for (int i = 0; i < 3; ++i) {
      image_request req;
      req.holder = "fault/t" + std::to_string(i);
      req.reference = proxied_;
      req.has_auth = true;
      req.auth.username = env_.registry_user;
      req.auth.password = env_.registry_password;
      req.pull_timeout_ms = pull_timeout_ms;
      ws.push_back(sys_->spawn(waiter, mgr, req));
      actors_.push_back(ws.back());
    }
    auto t0 = std::chrono::steady_clock::now();
    std::vector<waiter_state> out(ws.size());
    caf::scoped_actor self(*sys_);
    while (std::chrono::steady_clock::now() - t0 < 180s) {
      bool all = true;
      for (std::size_t i = 0; i < ws.size(); ++i) {
        self->request(ws[i], 5s, caf::get_atom::value)
          .receive([&](bool d, error_info& e) { out[i].done = d; out[i].error = e; }, [](caf::error&) {});
        all = all && out[i].done;
      }
      if (all)
        break;
      std::this_thread::sleep_for(50ms);
    }
    took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    return out;
  }

  int registry_port() const { return std::atoi(env_.registry.substr(env_.registry.rfind(':') + 1).c_str()); }

  fs::path dir_;
  std::string repo_;
  std::string proxied_;
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::shared_ptr<docker::client> client_;
  std::vector<caf::actor> actors_;
};

TEST_F(RegistryFault, AStalledRegistryEndsEveryWaiterByTheActivityTimeout) {
  tcp_proxy proxy(registry_port(), 1 << 20, fault::stall);
  image_manager_config icfg;
  icfg.pull_activity_timeout = 3s;
  std::chrono::milliseconds took{};
  auto out = pull_three(proxy, icfg, 5 * 60 * 1000, took);
  std::printf("stalled after %lld bytes; all 3 waiters told in %lld ms\n",
              static_cast<long long>(proxy.forwarded()), static_cast<long long>(took.count()));
  EXPECT_TRUE(proxy.tripped()) << "the pull was cut short before the stall: " << proxy.forwarded() << " bytes";
  for (const auto& w : out) {
    ASSERT_TRUE(w.done) << "a waiter still waits";
    EXPECT_EQ(w.error.kind, errc::timeout) << to_string(w.error);
    EXPECT_NE(to_string(w.error).find("pull_activity_timeout"), std::string::npos) << to_string(w.error);
    EXPECT_NE(to_string(w.error).find(repo_), std::string::npos) << "names the image: " << to_string(w.error);
  }
}

TEST_F(RegistryFault, ARegistryStoppedMidPullEndsEveryWaiterWithAnError) {
  tcp_proxy proxy(registry_port(), 1 << 20, fault::cut);
  image_manager_config icfg;
  icfg.pull_activity_timeout = 30s;
  std::chrono::milliseconds took{};
  auto out = pull_three(proxy, icfg, 20'000, took);
  std::printf("cut after %lld bytes; all 3 waiters told in %lld ms: %s\n",
              static_cast<long long>(proxy.forwarded()), static_cast<long long>(took.count()),
              out.empty() ? "" : to_string(out[0].error).c_str());
  EXPECT_TRUE(proxy.tripped()) << proxy.forwarded() << " bytes";
  for (const auto& w : out) {
    ASSERT_TRUE(w.done) << "a waiter still waits";
    EXPECT_NE(w.error.kind, errc::ok);
    EXPECT_NE(to_string(w.error).find(repo_), std::string::npos) << "names the image: " << to_string(w.error);
  }
}

} // namespace
} // namespace stevedore
