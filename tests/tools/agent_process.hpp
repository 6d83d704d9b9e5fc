// `stevedore agent` as a child process for the integration tests: its stdout
// read through a pipe, the port it listens on, signals, its exit.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace stevedore::agent::test {

using namespace std::chrono_literals;

// The agent as a child process, its stdout read through a pipe.
class agent_process {
public:
  pid_t pid() const { return pid_; }

  // `with_stderr`: stderr goes into the same pipe as stdout.
  bool start(const std::vector<std::string>& args, bool with_stderr = false) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0)
      return false;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      if (with_stderr)
        ::dup2(out[1], 2);
      std::vector<char*> argv;
      std::string bin = STEVEDORE_BIN;
      argv.push_back(bin.data());
      std::vector<std::string> copy = args;
      for (auto& a : copy)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(bin.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    fd_ = out[0];
    return pid_ > 0;
  }
  // Reads stdout until `needle`; true when seen within `timeout`.
  bool wait_for(const std::string& needle, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (out_.find(needle) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0)
        return false;
      char buf[4096];
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0)
        return false;
      out_.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }
  // Everything up to the end of the output (the process closed it).
  void read_to_end(std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0)
        return;
      char buf[4096];
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0)
        return;
      out_.append(buf, static_cast<std::size_t>(n));
    }
  }
  // The port from "listening on http://127.0.0.1:PORT".
  std::uint16_t port() const {
    const std::string key = "listening on http://127.0.0.1:";
    auto at = out_.find(key);
    return at == std::string::npos ? 0 : static_cast<std::uint16_t>(std::stoi(out_.substr(at + key.size())));
  }
  void signal(int sig) { ::kill(pid_, sig); }
  // The exit code, or -1 when it did not exit normally within `timeout`.
  int wait_exit(std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }
  const std::string& output() const { return out_; }
  // Ends it at once if it still runs.
  void kill() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  ~agent_process() {
    kill();
    if (fd_ >= 0)
      ::close(fd_);
  }

private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string out_;
};

} // namespace stevedore::agent::test
