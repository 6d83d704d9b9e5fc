// credential_helper_runner (docker/credential_helper.hpp): one worker thread,
// a queue of calls, up to max_running children watched with poll(2).
//
// The server address is written into the child's stdin pipe before the child
// exists (it fits the pipe buffer), so the worker never writes to a pipe a
// child may have closed: no SIGPIPE to guard against. Each child leads its
// own process group, so a helper that forked (a shell script running curl)
// dies whole at the deadline.
#include "docker/credential_helper.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <simdjson.h>

extern char** environ;

namespace stevedore::docker {

namespace {

using clock = std::chrono::steady_clock;

constexpr std::size_t max_address = 4096;  // longer is no registry address
constexpr std::size_t max_stderr = 4096;   // kept for the error line
constexpr std::size_t max_error_line = 200;
constexpr auto exit_poll = std::chrono::milliseconds(10); // pipes closed, exit not yet seen

bool valid_helper_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '_' || c == '-';
  });
}

// The first executable regular file named `program` in `search_path`.
// Empty entries (which would mean the current directory) are skipped.
std::string find_on_path(const std::string& program, const std::string& search_path) {
  std::size_t start = 0;
  while (start <= search_path.size()) {
    std::size_t end = search_path.find(':', start);
    if (end == std::string::npos)
      end = search_path.size();
    std::string dir = search_path.substr(start, end - start);
    start = end + 1;
    if (dir.empty())
      continue;
    std::string candidate = dir + "/" + program;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return "";
}

bool contains_nocase(std::string_view hay, std::string_view needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
  return it != hay.end();
}

// The first non-empty line of a helper's diagnostic output, printable and
// capped; empty when the text looks like JSON (it might hold a secret).
std::string first_line(const std::string& text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos)
      end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    auto not_space = [](unsigned char c) { return !std::isspace(c); };
    line.erase(line.begin(), std::find_if(line.begin(), line.end(), not_space));
    line.erase(std::find_if(line.rbegin(), line.rend(), not_space).base(), line.end());
    if (line.empty())
      continue;
    if (line.front() == '{')
      return "";
    for (char& c : line)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
        c = '?';
    if (line.size() > max_error_line)
      line = line.substr(0, max_error_line) + "...";
    return line;
  }
  return "";
}

void close_fd(int& fd) {
  if (fd >= 0)
    ::close(fd);
  fd = -1;
}

struct job {
  std::string helper;
  std::string address;
  credential_helper_runner::callback done;

  std::string program() const { return "docker-credential-" + helper; }
  error_info fail(errc kind, std::string message) const {
    return make_error(kind, "credential helper for " + address, std::move(message));
  }
};

// A child being watched.
struct child {
  job call;
  pid_t pid = -1;
  int out_fd = -1;
  int err_fd = -1;
  std::string out;
  std::string err;
  clock::time_point deadline;
  std::optional<credential_helper_runner::answer> outcome; // set once: the call is over

  bool pipes_open() const { return out_fd >= 0 || err_fd >= 0; }
};

// Spawns the helper with its stdin already holding the address.
std::optional<error_info> spawn(const std::string& path, child& c) {
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0)
    return c.call.fail(errc::internal, std::string("pipe: ") + std::strerror(errno));
  if (::pipe2(out, O_CLOEXEC) != 0) {
    int e = errno;
    ::close(in[0]), ::close(in[1]);
    return c.call.fail(errc::internal, std::string("pipe: ") + std::strerror(e));
  }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    int e = errno;
    ::close(in[0]), ::close(in[1]), ::close(out[0]), ::close(out[1]);
    return c.call.fail(errc::internal, std::string("pipe: ") + std::strerror(e));
  }
  std::string input = c.call.address + "\n";
  ssize_t wrote = ::write(in[1], input.data(), input.size()); // fits the pipe buffer: no block
  ::close(in[1]);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  ::posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  ::posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  ::posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  ::posix_spawnattr_setsigmask(&attr, &none);
  ::posix_spawnattr_setsigdefault(&attr, &defaults);
  ::posix_spawnattr_setpgroup(&attr, 0);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  std::string arg0 = c.call.program();
  char get[] = "get";
  char* argv[] = {arg0.data(), get, nullptr};
  int rc = ::posix_spawn(&c.pid, path.c_str(), &actions, &attr, argv, environ);
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attr);
  ::close(in[0]), ::close(out[1]), ::close(err[1]);
  if (rc != 0) {
    ::close(out[0]), ::close(err[0]);
    c.pid = -1;
    return c.call.fail(errc::daemon_error, "cannot run " + c.call.program() + ": " + std::strerror(rc));
  }
  (void)wrote; // a short write shows up as the helper's own complaint
  c.out_fd = out[0];
  c.err_fd = err[0];
  ::fcntl(c.out_fd, F_SETFL, ::fcntl(c.out_fd, F_GETFL) | O_NONBLOCK);
  ::fcntl(c.err_fd, F_SETFL, ::fcntl(c.err_fd, F_GETFL) | O_NONBLOCK);
  return std::nullopt;
}

// Kills the child's process group and reaps the child.
void kill_and_reap(child& c) {
  close_fd(c.out_fd);
  close_fd(c.err_fd);
  if (c.pid <= 0)
    return;
  ::kill(-c.pid, SIGKILL);
  int status = 0;
  while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
  }
  c.pid = -1;
}

} // namespace

credential_helper_runner::answer decode_helper_output(const std::string& output,
                                                      const std::string& server_address,
                                                      const std::string& program) {
  namespace od = simdjson::ondemand;
  auto bad = [&] {
    return make_error(errc::malformed_answer, "credential helper for " + server_address,
                      program + " answered with output that is not {ServerURL, Username, Secret} JSON");
  };
  simdjson::padded_string input(output);
  simdjson::dom::parser validator; // the whole output, trailing text included
  if (validator.parse(input).error())
    return bad();
  od::parser parser;
  od::document doc;
  od::object obj;
  if (parser.iterate(input).get(doc) || doc.get_object().get(obj))
    return bad();
  std::string username, secret;
  bool has_secret = false;
  for (auto fr : obj) {
    od::field f;
    std::string_view key, value;
    if (std::move(fr).get(f) || f.unescaped_key().get(key))
      return bad();
    std::string* target = key == "Username" ? &username : key == "Secret" ? &secret : nullptr;
    if (!target)
      continue;
    if (f.value().get_string().get(value))
      return bad();
    target->assign(value);
    has_secret = has_secret || key == "Secret";
  }
  if (!has_secret)
    return bad();
  if (username.empty() && secret.empty())
    return std::optional<registry_credentials>{};
  registry_credentials creds;
  creds.server_address = server_address;
  if (username == "<token>") {
    creds.identity_token = std::move(secret);
  } else {
    creds.username = std::move(username);
    creds.password = std::move(secret);
  }
  return std::optional<registry_credentials>{std::move(creds)};
}

//----------------------------------------------------------------------------

struct credential_helper_runner::impl {
  options opts;
  std::string search_path;

  std::mutex m;
  std::deque<job> queue;  // guarded by m
  bool stopping = false;  // guarded by m
  std::mutex join_m;      // held while joining the worker

  int wake_r = -1;        // the worker polls it; get() and shutdown() write a byte
  int wake_w = -1;
  std::thread worker;
  std::vector<child> running; // worker thread only

  void wake() {
    char b = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_w, &b, 1); // full pipe: a wake-up is already pending
  }

  void run();
  void start(job j);
  void read_from(child& c, int& fd, std::string& buf, std::size_t cap);
  void check_exit(child& c);
  answer judge_exit(const child& c, int status);
};

void credential_helper_runner::impl::start(job j) {
  if (!valid_helper_name(j.helper)) {
    j.done(j.fail(errc::invalid_input,
                  "credential helper name must be non-empty and only letters, digits, '.', '_' or '-'"));
    return;
  }
  if (j.address.size() > max_address || j.address.find_first_of("\r\n") != std::string::npos) {
    j.done(j.fail(errc::invalid_input, "server address is not a single line under 4096 bytes"));
    return;
  }
  std::string path = find_on_path(j.program(), search_path);
  if (path.empty()) {
    j.done(j.fail(errc::not_found, j.program() + " not found on PATH"));
    return;
  }
  child c;
  c.call = std::move(j);
  c.deadline = clock::now() + opts.timeout;
  if (auto err = spawn(path, c)) {
    c.call.done(std::move(*err));
    return;
  }
  running.push_back(std::move(c));
}

void credential_helper_runner::impl::read_from(child& c, int& fd, std::string& buf, std::size_t cap) {
  char chunk[8192];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n > 0) {
      std::size_t room = cap + 1 > buf.size() ? cap + 1 - buf.size() : 0;
      buf.append(chunk, std::min<std::size_t>(room, static_cast<std::size_t>(n)));
      if (&buf == &c.out && buf.size() > cap) {
        c.outcome = c.call.fail(errc::malformed_answer,
                                c.call.program() + " wrote more than " + std::to_string(cap) +
                                  " bytes (killed)");
        return;
      }
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return;
    close_fd(fd); // end of file, or an error that ends it alike
    return;
  }
}

credential_helper_runner::answer credential_helper_runner::impl::judge_exit(const child& c, int status) {
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return decode_helper_output(c.out, c.call.address, c.call.program());
  // The Docker helpers print "credentials not found in native keychain" on
  // stdout; others use stderr. Either way it means: no credentials.
  if (contains_nocase(c.out, "credentials not found") || contains_nocase(c.err, "credentials not found"))
    return std::optional<registry_credentials>{};
  std::string how = WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status))
                                        : "exited with status " + std::to_string(WEXITSTATUS(status));
  std::string line = first_line(c.err);
  if (line.empty())
    line = first_line(c.out);
  return c.call.fail(errc::daemon_error, c.call.program() + " " + how + (line.empty() ? "" : ": " + line));
}

void credential_helper_runner::impl::check_exit(child& c) {
  int status = 0;
  pid_t r = ::waitpid(c.pid, &status, WNOHANG);
  if (r == 0 || (r < 0 && errno == EINTR))
    return; // still running with its pipes closed: looked at again shortly
  c.pid = -1;
  // ECHILD: someone set SIGCHLD to SIG_IGN and the status is lost; judge by the output.
  c.outcome = judge_exit(c, r < 0 ? 0 : status);
}

void credential_helper_runner::impl::run() {
  std::vector<pollfd> fds;
  for (;;) {
    std::vector<job> starting;
    {
      std::lock_guard<std::mutex> lock(m);
      if (stopping)
        break;
      while (!queue.empty() && running.size() + starting.size() < opts.max_running) {
        starting.push_back(std::move(queue.front()));
        queue.pop_front();
      }
    }
    for (auto& j : starting)
      start(std::move(j));

    // Wait for output, an exit, a deadline or a wake-up.
    fds.clear();
    fds.push_back({wake_r, POLLIN, 0});
    auto now = clock::now();
    auto wait = clock::duration::max();
    for (auto& c : running) {
      if (c.out_fd >= 0)
        fds.push_back({c.out_fd, POLLIN, 0});
      if (c.err_fd >= 0)
        fds.push_back({c.err_fd, POLLIN, 0});
      wait = std::min(wait, c.deadline > now ? c.deadline - now : clock::duration::zero());
      if (!c.pipes_open())
        wait = std::min<clock::duration>(wait, exit_poll);
    }
    int timeout_ms = -1;
    if (wait != clock::duration::max())
      timeout_ms = static_cast<int>(
        std::chrono::ceil<std::chrono::milliseconds>(wait).count());
    int n = ::poll(fds.data(), fds.size(), timeout_ms);
    if (n < 0 && errno != EINTR)
      std::this_thread::sleep_for(exit_poll); // cannot happen with valid fds; never spin

    if (fds[0].revents) {
      char drain[64];
      while (::read(wake_r, drain, sizeof drain) > 0) {
      }
    }
    // Every open pipe is read (non-blocking) whether or not poll flagged it:
    // simpler than mapping revents back, and cheap for a handful of children.
    now = clock::now();
    for (auto& c : running) {
      if (!c.outcome && c.out_fd >= 0)
        read_from(c, c.out_fd, c.out, opts.max_output);
      if (!c.outcome && c.err_fd >= 0)
        read_from(c, c.err_fd, c.err, max_stderr);
      if (!c.outcome && !c.pipes_open())
        check_exit(c);
      if (!c.outcome && now >= c.deadline)
        c.outcome = c.call.fail(errc::timeout, c.call.program() + " gave no answer within " +
                                                 std::to_string(opts.timeout.count()) + " ms (killed)");
      if (c.outcome)
        kill_and_reap(c); // no-op for a child already reaped
    }
    // Callbacks run after the bookkeeping, so one may call get() freely.
    std::vector<child> finished;
    for (auto it = running.begin(); it != running.end();) {
      if (it->outcome) {
        finished.push_back(std::move(*it));
        it = running.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& c : finished)
      c.call.done(std::move(*c.outcome));
  }

  // Shutting down: no child outlives the runner, no call goes unanswered.
  for (auto& c : running) {
    kill_and_reap(c);
    c.call.done(c.call.fail(errc::cancelled, "stopped before " + c.call.program() + " answered"));
  }
  running.clear();
  std::deque<job> left;
  {
    std::lock_guard<std::mutex> lock(m);
    left.swap(queue);
  }
  for (auto& j : left)
    j.done(j.fail(errc::cancelled, "stopped before " + j.program() + " ran"));
}

//----------------------------------------------------------------------------

credential_helper_runner::credential_helper_runner(options opts) : impl_(std::make_unique<impl>()) {
  impl_->opts = std::move(opts);
  if (impl_->opts.max_running == 0)
    impl_->opts.max_running = 1;
  impl_->search_path = impl_->opts.search_path;
  if (impl_->search_path.empty()) {
    const char* p = std::getenv("PATH");
    impl_->search_path = p ? p : "";
  }
  int w[2];
  if (::pipe2(w, O_CLOEXEC | O_NONBLOCK) != 0)
    throw std::system_error(errno, std::generic_category(), "credential_helper_runner: pipe");
  impl_->wake_r = w[0];
  impl_->wake_w = w[1];
  impl_->worker = std::thread([this] { impl_->run(); });
}

credential_helper_runner::~credential_helper_runner() {
  shutdown();
  close_fd(impl_->wake_r);
  close_fd(impl_->wake_w);
}

void credential_helper_runner::get(std::string helper, std::string server_address, callback done) {
  job j{std::move(helper), std::move(server_address), std::move(done)};
  bool stopped = false;
  {
    std::lock_guard<std::mutex> lock(impl_->m);
    stopped = impl_->stopping;
    if (!stopped && impl_->queue.size() < impl_->opts.max_queued) {
      impl_->queue.push_back(std::move(j));
      impl_->wake();
      return;
    }
  }
  if (stopped)
    j.done(j.fail(errc::cancelled, "credential helper runner is shut down"));
  else
    j.done(j.fail(errc::unavailable, "more than " + std::to_string(impl_->opts.max_queued) +
                                       " credential helper calls waiting"));
}

void credential_helper_runner::shutdown() {
  {
    std::lock_guard<std::mutex> lock(impl_->m);
    impl_->stopping = true;
  }
  impl_->wake();
  std::lock_guard<std::mutex> lock(impl_->join_m); // two shutdowns must not join at once
  if (impl_->worker.joinable())
    impl_->worker.join();
}

} // namespace stevedore::docker
