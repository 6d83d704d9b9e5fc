// The credential helper protocol (docker/credential_helper.hpp) against small
// fake helpers: shell scripts written into a temporary folder put at the head
// of PATH, one per behaviour (answers, has nothing, babbles, hangs, fails).
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "docker/credential_helper.hpp"

namespace stevedore::docker {
namespace {

using namespace std::chrono_literals;
using answer = credential_helper_runner::answer;
using steady = std::chrono::steady_clock;

// Collects answers from the worker thread. The callbacks share its state,
// so a callback that comes late (a failed wait) touches nothing dead.
class answers {
public:
  credential_helper_runner::callback collect() {
    return [s = s_](answer a) {
      std::lock_guard<std::mutex> lock(s->m);
      s->got.push_back(std::move(a));
      s->threads.push_back(std::this_thread::get_id());
      s->cv.notify_all();
    };
  }
  // Waits for `n` answers; false on timeout.
  bool wait(std::size_t n, std::chrono::milliseconds limit = 10s) {
    std::unique_lock<std::mutex> lock(s_->m);
    return s_->cv.wait_for(lock, limit, [&] { return s_->got.size() >= n; });
  }
  std::vector<answer> take() {
    std::lock_guard<std::mutex> lock(s_->m);
    return s_->got;
  }
  std::thread::id thread_of(std::size_t i) {
    std::lock_guard<std::mutex> lock(s_->m);
    return s_->threads.at(i);
  }

private:
  struct state {
    std::mutex m;
    std::condition_variable cv;
    std::vector<answer> got;
    std::vector<std::thread::id> threads;
  };
  std::shared_ptr<state> s_ = std::make_shared<state>();
};

std::string error_line(const answer& a) { return a.ok() ? "(ok)" : to_string(a.error()); }

// True once `pid` no longer runs (gone, or a zombie awaiting its reaper).
bool process_gone(pid_t pid, std::chrono::milliseconds limit = 3s) {
  auto until = steady::now() + limit;
  for (;;) {
    if (::kill(pid, 0) != 0 && errno == ESRCH)
      return true;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    auto close = line.rfind(')');
    if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z')
      return true;
    if (steady::now() > until)
      return false;
    std::this_thread::sleep_for(20ms);
  }
}

class CredentialHelper : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/stevedore-credhelper-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    const char* path = std::getenv("PATH");
    old_path_ = path ? path : "";
    ::setenv("PATH", (dir_ + ":" + old_path_).c_str(), 1);

    script("ok", R"(
[ "$1" = get ] || { echo "want get, got $1" >&2; exit 3; }
read -r addr
printf '{"ServerURL":"%s","Username":"user-%s","Secret":"pw-%s"}\n' "$addr" "$addr" "$addr")");
    script("token", R"(read -r addr
printf '{"ServerURL":"%s","Username":"<token>","Secret":"refresh-token"}' "$addr")");
    script("none", R"(echo "credentials not found in native keychain"; exit 1)");
    script("none-stderr", R"(echo "Credentials Not Found for that server" >&2; exit 4)");
    script("garbage", R"(echo "hello there"; exit 0)");
    script("no-secret", R"(echo '{"ServerURL":"x","Username":"u"}')");
    script("fails", R"(echo; echo "  vault: permission denied  " >&2; echo "second line" >&2; exit 2)");
    script("leaky", R"(echo '{"Username":"u","Secret":"hunter2"}'; exit 1)");
    script("huge", R"(head -c 100000 /dev/zero | tr '\0' a)");
    script("slow", "echo $$ > '" + dir_ + "/slow.pid'\nsleep 30 &\necho $! > '" + dir_ +
                     "/slow-child.pid'\nwait");
    script("late-exit", R"(echo '{"Username":"u","Secret":"s"}'
exec >&- 2>&-
sleep 0.3)");
    std::ofstream(dir_ + "/docker-credential-noexec") << "#!/bin/sh\necho '{}'\n";
  }

  void TearDown() override {
    ::setenv("PATH", old_path_.c_str(), 1);
    std::string cmd = "rm -rf '" + dir_ + "'";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
  }

  void script(const std::string& name, const std::string& body) {
    std::string path = dir_ + "/docker-credential-" + name;
    {
      std::ofstream out(path);
      out << "#!/bin/sh\n" << body << "\n";
    }
    ASSERT_EQ(::chmod(path.c_str(), 0755), 0);
  }

  pid_t read_pid(const std::string& file) {
    for (int i = 0; i < 100; ++i) {
      std::ifstream in(dir_ + "/" + file);
      pid_t pid = 0;
      if (in >> pid && pid > 0)
        return pid;
      std::this_thread::sleep_for(20ms);
    }
    return 0;
  }

  // One call, waited for.
  answer ask(credential_helper_runner& runner, const std::string& helper,
             const std::string& address = "127.0.0.1:5000") {
    answers got;
    runner.get(helper, address, got.collect());
    EXPECT_TRUE(got.wait(1, 20s)) << helper << " never answered";
    auto all = got.take();
    return all.empty() ? answer(make_error(errc::internal, "test", "no answer")) : all.front();
  }

  std::string dir_;
  std::string old_path_;
};

TEST_F(CredentialHelper, FoundCredentialsForTheAddressAsked) {
  credential_helper_runner runner;
  auto a = ask(runner, "ok", "127.0.0.1:5000");
  ASSERT_TRUE(a.ok()) << error_line(a);
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((*a)->username, "user-127.0.0.1:5000");
  EXPECT_EQ((*a)->password, "pw-127.0.0.1:5000");
  EXPECT_EQ((*a)->server_address, "127.0.0.1:5000");
  EXPECT_TRUE((*a)->identity_token.empty());
}

TEST_F(CredentialHelper, TokenUsernameMeansIdentityToken) {
  credential_helper_runner runner;
  auto a = ask(runner, "token");
  ASSERT_TRUE(a.ok()) << error_line(a);
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((*a)->identity_token, "refresh-token");
  EXPECT_TRUE((*a)->username.empty());
  EXPECT_TRUE((*a)->password.empty());
}

TEST_F(CredentialHelper, CredentialsNotFoundIsNoCredentialsNotAnError) {
  credential_helper_runner runner;
  for (const char* helper : {"none", "none-stderr"}) {
    auto a = ask(runner, helper);
    ASSERT_TRUE(a.ok()) << helper << ": " << error_line(a);
    EXPECT_FALSE(a->has_value()) << helper;
  }
}

TEST_F(CredentialHelper, MissingHelperIsAClearError) {
  credential_helper_runner runner;
  auto a = ask(runner, "absent");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().kind, errc::not_found);
  EXPECT_EQ(to_string(a.error()),
            "credential helper for 127.0.0.1:5000: docker-credential-absent not found on PATH");
}

TEST_F(CredentialHelper, FileWithoutExecutePermissionIsNotAHelper) {
  credential_helper_runner runner;
  auto a = ask(runner, "noexec");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().kind, errc::not_found);
}

TEST_F(CredentialHelper, NameThatCouldLeaveTheFolderIsRefused) {
  credential_helper_runner runner;
  for (const char* name : {"", "../ok", "a b", "ok\n"}) {
    auto a = ask(runner, name);
    ASSERT_FALSE(a.ok()) << name;
    EXPECT_EQ(a.error().kind, errc::invalid_input) << name;
  }
}

TEST_F(CredentialHelper, GarbageOutputIsMalformedAndNotQuoted) {
  credential_helper_runner runner;
  for (const char* helper : {"garbage", "no-secret"}) {
    auto a = ask(runner, helper);
    ASSERT_FALSE(a.ok()) << helper;
    EXPECT_EQ(a.error().kind, errc::malformed_answer) << helper;
    EXPECT_EQ(to_string(a.error()).find("hello"), std::string::npos);
    EXPECT_NE(to_string(a.error()).find("docker-credential-" + std::string(helper)), std::string::npos);
  }
}

TEST_F(CredentialHelper, NonZeroExitGivesItsFirstStderrLine) {
  credential_helper_runner runner;
  auto a = ask(runner, "fails");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().kind, errc::daemon_error);
  EXPECT_TRUE(retryable(a.error()));
  EXPECT_EQ(to_string(a.error()), "credential helper for 127.0.0.1:5000: docker-credential-fails "
                                  "exited with status 2: vault: permission denied");
}

TEST_F(CredentialHelper, FailureNeverQuotesJsonThatMayHoldASecret) {
  credential_helper_runner runner;
  auto a = ask(runner, "leaky");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(to_string(a.error()),
            "credential helper for 127.0.0.1:5000: docker-credential-leaky exited with status 1");
}

TEST_F(CredentialHelper, OutputOverTheCapIsRefused) {
  credential_helper_runner runner;
  auto a = ask(runner, "huge");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().kind, errc::malformed_answer);
  EXPECT_NE(to_string(a.error()).find("wrote more than 65536 bytes"), std::string::npos)
    << to_string(a.error());
}

TEST_F(CredentialHelper, AnswerCountsEvenWhenExitComesAfterThePipesClose) {
  credential_helper_runner runner;
  auto a = ask(runner, "late-exit");
  ASSERT_TRUE(a.ok()) << error_line(a);
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((*a)->password, "s");
}

TEST_F(CredentialHelper, SlowHelperIsKilledAtTheTimeoutWithItsChildren) {
  credential_helper_runner::options opts;
  opts.timeout = 400ms;
  credential_helper_runner runner(opts);
  auto start = steady::now();
  auto a = ask(runner, "slow");
  auto took = steady::now() - start;
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().kind, errc::timeout);
  EXPECT_EQ(to_string(a.error()), "credential helper for 127.0.0.1:5000: docker-credential-slow "
                                  "gave no answer within 400 ms (killed)");
  EXPECT_GE(took, 400ms);
  EXPECT_LT(took, 3s);
  pid_t shell = read_pid("slow.pid");
  pid_t sleeper = read_pid("slow-child.pid");
  ASSERT_GT(shell, 0);
  ASSERT_GT(sleeper, 0);
  EXPECT_TRUE(process_gone(shell));
  EXPECT_TRUE(process_gone(sleeper)) << "the helper's own children die with it";
}

TEST_F(CredentialHelper, SlowHelperDoesNotHoldUpOthers) {
  credential_helper_runner::options opts;
  opts.timeout = 5s;
  opts.max_running = 2;
  credential_helper_runner runner(opts);
  answers slow;
  runner.get("slow", "slow:5000", slow.collect());
  auto start = steady::now();
  auto a = ask(runner, "ok", "fast:5000");
  EXPECT_TRUE(a.ok()) << error_line(a);
  EXPECT_LT(steady::now() - start, 2s);
  runner.shutdown();
  ASSERT_TRUE(slow.wait(1, 0ms)) << "shutdown answers every call before returning";
}

TEST_F(CredentialHelper, ManyConcurrentLookupsEachGetTheirOwnAnswer) {
  credential_helper_runner::options opts;
  opts.max_running = 4;
  credential_helper_runner runner(opts);
  constexpr int threads = 8, per_thread = 8;
  std::vector<answers> got(threads);
  std::vector<std::thread> callers;
  for (int t = 0; t < threads; ++t)
    callers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i)
        runner.get(i % 4 == 3 ? "none" : "ok", "r" + std::to_string(t) + "-" + std::to_string(i) + ":5000",
                   got[t].collect());
    });
  for (auto& c : callers)
    c.join();
  for (int t = 0; t < threads; ++t) {
    ASSERT_TRUE(got[t].wait(per_thread, 60s)) << "thread " << t;
    auto all = got[t].take();
    ASSERT_EQ(all.size(), std::size_t(per_thread));
    int with_creds = 0;
    for (auto& a : all) {
      ASSERT_TRUE(a.ok()) << error_line(a);
      if (!a->has_value())
        continue;
      ++with_creds;
      const auto& c = **a;
      EXPECT_EQ(c.username, "user-" + c.server_address);
      EXPECT_EQ(c.password, "pw-" + c.server_address);
      EXPECT_EQ(c.server_address.rfind("r" + std::to_string(t) + "-", 0), 0u);
    }
    EXPECT_EQ(with_creds, per_thread - per_thread / 4);
  }
}

TEST_F(CredentialHelper, CallbacksRunOnTheWorkerNotTheCaller) {
  credential_helper_runner runner;
  answers got;
  runner.get("ok", "r:5000", got.collect());
  ASSERT_TRUE(got.wait(1));
  EXPECT_NE(got.thread_of(0), std::this_thread::get_id());
}

TEST_F(CredentialHelper, ShutdownCancelsRunningAndWaitingCallsAndKillsHelpers) {
  credential_helper_runner::options opts;
  opts.timeout = 30s;
  opts.max_running = 1;
  credential_helper_runner runner(opts);
  answers got;
  runner.get("slow", "a:5000", got.collect());
  runner.get("ok", "b:5000", got.collect());
  pid_t shell = read_pid("slow.pid");
  ASSERT_GT(shell, 0);
  auto start = steady::now();
  runner.shutdown();
  EXPECT_LT(steady::now() - start, 3s);
  ASSERT_TRUE(got.wait(2, 0ms));
  for (auto& a : got.take()) {
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.error().kind, errc::cancelled) << error_line(a);
  }
  EXPECT_TRUE(process_gone(shell));
  runner.shutdown(); // idempotent
}

TEST_F(CredentialHelper, CallAfterShutdownIsCancelledAtOnce) {
  credential_helper_runner runner;
  runner.shutdown();
  answers got;
  runner.get("ok", "r:5000", got.collect());
  ASSERT_TRUE(got.wait(1, 0ms));
  EXPECT_EQ(got.take().front().error().kind, errc::cancelled);
  EXPECT_EQ(got.thread_of(0), std::this_thread::get_id());
}

TEST_F(CredentialHelper, FullQueueRefusesAtOnce) {
  credential_helper_runner::options opts;
  opts.timeout = 30s;
  opts.max_running = 1;
  opts.max_queued = 1;
  credential_helper_runner runner(opts);
  answers first, refused;
  runner.get("slow", "a:5000", first.collect());
  ASSERT_GT(read_pid("slow.pid"), 0); // running: the queue is empty again
  runner.get("slow", "b:5000", first.collect());
  runner.get("slow", "c:5000", refused.collect());
  ASSERT_TRUE(refused.wait(1, 0ms));
  auto a = refused.take().front();
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().kind, errc::unavailable);
  EXPECT_TRUE(retryable(a.error()));
}

TEST(HelperOutput, DecodesTheProtocol) {
  auto a = decode_helper_output(R"({"ServerURL":"r","Username":"u","Secret":"s"})", "r:5000", "docker-credential-x");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((*a)->username, "u");
  EXPECT_EQ((*a)->password, "s");
  EXPECT_EQ((*a)->server_address, "r:5000");

  auto empty = decode_helper_output(R"({"ServerURL":"","Username":"","Secret":""})", "r", "p");
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->has_value());

  for (const char* bad : {"", "[]", "{", R"({"Username":"u"})", R"({"Username":1,"Secret":"s"})",
                          R"({"Username":"u","Secret":"s"} trailing)"}) {
    auto r = decode_helper_output(bad, "r", "docker-credential-x");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().kind, errc::malformed_answer) << bad;
  }
}

} // namespace
} // namespace stevedore::docker
