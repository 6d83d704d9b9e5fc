// The embedding API's asynchronous calls (actors/stevedore.hpp) without a
// daemon: every call gets exactly one answer, also when the supervisor is
// shut down while the call waits.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "actors/stevedore.hpp"

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// A Unix socket that takes connections and never answers: the supervisor's
// first fingerprint poll hangs on it, so a start waits for that poll.
class silent_socket {
public:
  explicit silent_socket(const fs::path& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    ok_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
          ::listen(fd_, 16) == 0;
  }
  ~silent_socket() {
    if (fd_ >= 0)
      ::close(fd_);
    std::error_code ec;
    fs::remove(path_, ec);
  }
  bool ok() const { return ok_; }

private:
  fs::path path_;
  int fd_ = -1;
  bool ok_ = false;
};

class EmbeddingApi : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("stevedore-embedding-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  stevedore::supervisor_options options_for(const fs::path& socket) {
    stevedore::supervisor_options o;
    o.client.endpoint = "unix://" + socket.string();
    o.client.alloc_root = (dir_ / "alloc").string();
    o.call_timeout = 120s; // far beyond the waits below: an answer must not come from it
    o.shutdown_timeout = 5s;
    return o;
  }

  static stevedore::task_instance one_task() {
    stevedore::task_instance inst;
    inst.alloc_id = "embedding-test";
    inst.task.edit().name = "web";
    inst.task.edit().config.image = "busybox:1.36";
    inst.image = "docker.io/library/busybox:1.36";
    inst.container_name = "web-embedding-test";
    inst.create_body_text = "{}";
    return inst;
  }

  fs::path dir_;
};

TEST_F(EmbeddingApi, AStartWaitingAtShutdownIsAnsweredAtOnce) {
  silent_socket daemon(dir_ / "silent.sock");
  ASSERT_TRUE(daemon.ok());
  auto made = stevedore::supervisor::create(options_for(dir_ / "silent.sock"));
  ASSERT_TRUE(made.ok()) << stevedore::to_string(made.error());
  auto& sup = **made;

  std::promise<stevedore::result<std::vector<std::string>>> answered;
  auto answer = answered.get_future();
  sup.start(std::vector<stevedore::task_instance>{one_task()},
            [&answered](stevedore::result<std::vector<std::string>> r) {
              answered.set_value(std::move(r));
            });
  // No fingerprint yet (the daemon never answers): the start is held.
  EXPECT_EQ(answer.wait_for(300ms), std::future_status::timeout);

  sup.shutdown(5s);
  ASSERT_EQ(answer.wait_for(10s), std::future_status::ready)
    << "the waiting start was not answered at shutdown";
  auto r = answer.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, stevedore::errc::unavailable) << stevedore::to_string(r.error());
}

TEST_F(EmbeddingApi, ACallAfterShutdownIsAnsweredWithoutTheSupervisor) {
  silent_socket daemon(dir_ / "silent.sock");
  ASSERT_TRUE(daemon.ok());
  auto made = stevedore::supervisor::create(options_for(dir_ / "silent.sock"));
  ASSERT_TRUE(made.ok()) << stevedore::to_string(made.error());
  auto& sup = **made;
  sup.shutdown(5s);

  std::promise<stevedore::result<stevedore::task_status>> answered;
  auto answer = answered.get_future();
  sup.status("embedding-test/web", [&answered](stevedore::result<stevedore::task_status> r) {
    answered.set_value(std::move(r));
  });
  ASSERT_EQ(answer.wait_for(5s), std::future_status::ready);
  auto r = answer.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, stevedore::errc::unavailable);
  EXPECT_NE(stevedore::to_string(r.error()).find("shut down"), std::string::npos)
    << stevedore::to_string(r.error());
}

// The caller keeps the deadlines of the calls in flight: each call that gets
// no answer in time is answered with a timeout, once, at its own deadline,
// and a call still within its time is left waiting.
TEST_F(EmbeddingApi, ACallWithoutAnAnswerInTimeTimesOutOnce) {
  silent_socket daemon(dir_ / "silent.sock");
  ASSERT_TRUE(daemon.ok());
  auto opts = options_for(dir_ / "silent.sock");
  opts.call_timeout = 400ms;
  auto made = stevedore::supervisor::create(std::move(opts));
  ASSERT_TRUE(made.ok()) << stevedore::to_string(made.error());
  auto& sup = **made;

  using answer_t = stevedore::result<std::vector<std::string>>;
  using clock = std::chrono::steady_clock;
  struct answer { int which; answer_t r; clock::duration at; };
  std::mutex mu;
  std::vector<answer> answers;
  const auto t0 = clock::now();
  auto start = [&](int which) {
    sup.start(std::vector<stevedore::task_instance>{one_task()}, [&, which](answer_t r) {
      std::lock_guard<std::mutex> lock(mu);
      answers.push_back({which, std::move(r), clock::now() - t0});
    });
  };
  auto count = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return answers.size();
  };
  start(1);
  std::this_thread::sleep_for(200ms);
  start(2); // issued at >= 200 ms: its deadline is at >= 600 ms
  while (count() < 2 && clock::now() - t0 < 10s)
    std::this_thread::sleep_for(5ms);
  sup.shutdown(5s); // answers nothing again: both calls were settled
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0].which, 1);
  EXPECT_EQ(answers[1].which, 2);
  EXPECT_GE(answers[0].at, 400ms);
  EXPECT_GE(answers[1].at, 600ms);
  for (auto& a : answers) {
    ASSERT_FALSE(a.r.ok()) << a.which;
    EXPECT_EQ(a.r.error().kind, stevedore::errc::timeout) << stevedore::to_string(a.r.error());
  }
}

} // namespace
