// `stevedore run` and the embedding example as programs, against the test
// environment's dockerd: exit codes, --json lines, rejection before any
// container exists, SIGINT stopping and removing everything.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "docker/client.hpp"
#include "tests/support/integration_test.hpp"

namespace stevedore {
namespace {

using namespace std::chrono_literals;

// A child process with its stdout (and stderr) captured.
class child {
public:
  child(const std::vector<std::string>& argv, const std::string& docker_host) {
    int out[2];
    if (::pipe(out) != 0)
      return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::dup2(out[1], 2);
      ::close(out[0]);
      ::close(out[1]);
      ::setenv("DOCKER_HOST", docker_host.c_str(), 1);
      std::vector<char*> args;
      for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(out[1]);
    fd_ = out[0];
    reader_ = std::thread([this] {
      char buf[4096];
      ssize_t n;
      while ((n = ::read(fd_, buf, sizeof buf)) > 0) {
        std::lock_guard<std::mutex> lock(mutex_);
        output_.append(buf, static_cast<std::size_t>(n));
      }
    });
  }
  ~child() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      wait(5s);
    }
    if (reader_.joinable())
      reader_.join();
    if (fd_ >= 0)
      ::close(fd_);
  }
  // The exit code (128+n for a signal), or -1 after `limit`.
  int wait(std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        if (reader_.joinable())
          reader_.join();
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }
  bool wait_for_output(const std::string& part, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (output().find(part) != std::string::npos)
        return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  void signal(int sig) { ::kill(pid_, sig); }
  std::string output() {
    std::lock_guard<std::mutex> lock(mutex_);
    return output_;
  }

private:
  pid_t pid_ = -1;
  int fd_ = -1;
  bool reaped_ = false;
  std::thread reader_;
  std::mutex mutex_;
  std::string output_;
};

class RunLive : public testenv::integration_test {
protected:
  void SetUp() override {
    testenv::integration_test::SetUp();
    if (HasFatalFailure())
      return;
    char tmpl[] = "/tmp/stevedore-run-live-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    docker::endpoint ep;
    ep.path = env_.docker_socket;
    docker_ = docker::client::make(ep);
  }
  void TearDown() override {
    if (docker_)
      docker_->shutdown();
    if (!dir_.empty())
      std::filesystem::remove_all(dir_);
  }

  std::string write_job(const std::string& name, const std::string& args,
                        const std::string& extra = {}) {
    auto path = dir_ + "/" + name + ".nomad";
    std::ofstream(path) << "job \"" << name << R"(" {
  type = "batch"
  group "g" {
    restart {
      attempts = 0
      mode     = "fail"
    }
    task "t" {
      driver = "docker"
      kill_timeout = "2s"
      config {
        image   = ")" << env_.image << R"("
        command = "/bin/sh"
        args    = )" << args << R"(
)" << extra << R"(
      }
    }
  }
})";
    return path;
  }

  // Containers of a job (by its label), whatever their state.
  std::vector<container_summary> containers_of(const std::string& job) {
    std::promise<std::vector<container_summary>> p;
    docker_->container_list({"com.stevedore.job=" + job}, true,
                            [&](result<std::vector<container_summary>> r) {
                              p.set_value(r.ok() ? *r : std::vector<container_summary>{});
                            });
    return p.get_future().get();
  }

  std::string dir_;
  std::shared_ptr<docker::client> docker_;
};

TEST_F(RunLive, ExitsZeroWhenEveryTaskExitedZero) {
  auto job = write_job("runok", R"(["-c", "echo fine"])");
  child c({STEVEDORE_BIN, "run", job, "--state-dir", dir_}, env_.docker_host);
  EXPECT_EQ(c.wait(60s), 0) << c.output();
  auto out = c.output();
  for (const char* st : {"pending", "pulling", "creating", "starting", "running", "exited", "cleaned"})
    EXPECT_NE(out.find(st), std::string::npos) << st << " in\n" << out;
  EXPECT_TRUE(containers_of("runok").empty());
}

TEST_F(RunLive, ExitsOneWithJsonLinesWhenATaskFails) {
  auto job = write_job("runbad", R"(["-c", "exit 3"])");
  child c({STEVEDORE_BIN, "run", job, "--json", "--state-dir", dir_}, env_.docker_host);
  EXPECT_EQ(c.wait(60s), 1) << c.output();
  std::istringstream lines(c.output());
  std::string line;
  int objects = 0;
  bool exit_three = false;
  while (std::getline(lines, line)) {
    ASSERT_FALSE(line.empty());
    ASSERT_EQ(line.front(), '{') << "not a JSON object: " << line;
    ASSERT_EQ(line.back(), '}') << line;
    EXPECT_NE(line.find("\"kind\":"), std::string::npos) << line;
    exit_three |= line.find("\"kind\":\"exit\"") != std::string::npos &&
                  line.find("\"exit_code\":3") != std::string::npos;
    ++objects;
  }
  EXPECT_GE(objects, 8);
  EXPECT_TRUE(exit_three) << c.output();
  EXPECT_TRUE(containers_of("runbad").empty());
}

TEST_F(RunLive, RejectsABadJobBeforeAnyContainerExists) {
  auto job = write_job("runrefused", R"(["-c", "true"])", R"(        privileged = true
        cap_add = ["SYS_ADMIN"])");
  child c({STEVEDORE_BIN, "run", job, "--state-dir", dir_}, env_.docker_host);
  EXPECT_EQ(c.wait(30s), 1);
  auto out = c.output();
  EXPECT_NE(out.find("config.privileged: privileged containers are disabled"), std::string::npos) << out;
  EXPECT_NE(out.find("config.cap_add: capability SYS_ADMIN is not allowed"), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2) << "one line per problem:\n" << out;
  EXPECT_TRUE(containers_of("runrefused").empty());
}

TEST_F(RunLive, SigintStopsEveryTaskAndLeavesNoContainer) {
  auto job = write_job("runint",
                       R"(["-c", "trap 'echo got TERM; exit 0' TERM; while true; do sleep 0.1; done"])");
  child c({STEVEDORE_BIN, "run", job, "--state-dir", dir_}, env_.docker_host);
  ASSERT_TRUE(c.wait_for_output("running", 30s)) << c.output();
  EXPECT_EQ(containers_of("runint").size(), 1u);
  c.signal(SIGINT);
  EXPECT_EQ(c.wait(30s), 130) << c.output();
  auto out = c.output();
  EXPECT_NE(out.find("stopping: signal SIGTERM"), std::string::npos) << out;
  EXPECT_NE(out.find("cleaned"), std::string::npos) << out;
  EXPECT_TRUE(containers_of("runint").empty());
}

// GET / on 127.0.0.1:port, retried until `limit`; the whole answer or "".
std::string http_get(int port, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string answer;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      const char req[] = "GET / HTTP/1.0\r\n\r\n";
      if (::write(fd, req, sizeof req - 1) == static_cast<ssize_t>(sizeof req - 1)) {
        char buf[1024];
        ssize_t n;
        while ((n = ::read(fd, buf, sizeof buf)) > 0)
          answer.append(buf, static_cast<std::size_t>(n));
      }
    }
    ::close(fd);
    if (answer.find("200") != std::string::npos)
      return answer;
    std::this_thread::sleep_for(100ms);
  }
  return {};
}

// The first line of `file` (under `dir`, any depth) holding `part`, waiting up to `limit`.
std::string line_of(const std::string& dir, const std::string& file, const std::string& part,
                    std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (it->path().filename() != file)
        continue;
      std::ifstream in(it->path());
      std::string line;
      while (std::getline(in, line))
        if (line.find(part) != std::string::npos)
          return line;
    }
    std::this_thread::sleep_for(100ms);
  }
  return {};
}

// Nomad 1.x's job file shape (what `nomad job init -short` writes): an HCL2
// variable set with -var, a group network port mapped with `to`, published
// by config.ports, auth_soft_fail, an identity block. The task serves HTTP
// on its `to` port; the test reaches it on the dynamic host port on 127.0.0.1.
TEST_F(RunLive, NomadOneJobPublishesItsGroupPortOnTheDynamicHostPort) {
  auto path = dir_ + "/ports.nomad";
  std::ofstream(path) << R"(variable "image" {
  type = string
}
job "runports" {
  type = "batch"
  group "g" {
    network {
      port "web" {
        to = 8080
      }
    }
    restart {
      attempts = 0
      mode     = "fail"
    }
    task "t" {
      driver       = "docker"
      kill_timeout = "2s"
      config {
        image          = var.image
        ports          = ["web"]
        auth_soft_fail = true
        command        = "/bin/sh"
        args = ["-c", join(" && ", [
          "mkdir -p /tmp/w",
          "echo hello-from-task > /tmp/w/index.html",
          "httpd -p $NOMAD_PORT_web -h /tmp/w",
          "echo port=$NOMAD_PORT_web alloc=$NOMAD_ALLOC_PORT_web host=$NOMAD_HOST_PORT_web end",
          "sleep 4",
        ])]
      }
      identity {
        env = true
      }
      resources {
        cpu    = 1
        memory = 32
      }
    }
  }
})";
  child c({STEVEDORE_BIN, "run", path, "-var", "image=" + env_.image, "--state-dir", dir_},
          env_.docker_host);
  auto line = line_of(dir_, "t.stdout.0", "end", 30s);
  ASSERT_FALSE(line.empty()) << c.output();
  EXPECT_EQ(line.find("port=8080 alloc=8080 host="), 0u) << line;
  auto host = line.substr(line.find("host=") + 5);
  int port = std::atoi(host.c_str());
  EXPECT_GE(port, 20000) << line;
  EXPECT_LE(port, 32000) << line;
  auto answer = http_get(port, 5s);
  EXPECT_NE(answer.find("hello-from-task"), std::string::npos) << answer;
  EXPECT_EQ(c.wait(60s), 0) << c.output();
  EXPECT_TRUE(containers_of("runports").empty());
}

TEST_F(RunLive, TheEmbeddingExampleRunsItsTask) {
  child c({EMBED_EXAMPLE_BIN, env_.image, dir_}, env_.docker_host);
  EXPECT_EQ(c.wait(60s), 0) << c.output();
  auto out = c.output();
  EXPECT_NE(out.find("state running"), std::string::npos) << out;
  EXPECT_NE(out.find("final "), std::string::npos) << out;
  EXPECT_NE(out.find("cleaned exit_code=0"), std::string::npos) << out;
  EXPECT_NE(out.find("hello from an embedded stevedore"), std::string::npos)
    << "its output, collected into the alloc's log file:\n" << out;
  EXPECT_TRUE(containers_of("embed-example").empty());
}

} // namespace
} // namespace stevedore
