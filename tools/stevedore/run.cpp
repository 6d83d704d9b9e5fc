// `stevedore run FILE [--config CLIENT] [--state-dir DIR] [--json]`: runs
// every task instance of a job on the daemon and follows them to the end.
//
// The job is read, checked against the client settings and planned (the job
// intake, policy/intake.hpp) before anything reaches the daemon: problems go to stderr, one per line, exit 1.
// Then every task starts (all or none: health, constraints), and each event
// is printed as it happens: a readable line, or with --json one JSON object
// per line on stdout ({"at_ms", "time", "task_id", "task", "alloc_id",
// "kind", "state", "message", ...; "exit_code", "signal", "oom_killed" on
// exits}). Pull progress is shown on one rewritten line when stdout is a
// terminal (and always in --json). Logs of the process itself go to stderr.
//
// Exit: when every task has ended, 0 if each exited 0, else 1. SIGINT or
// SIGTERM stops every task with its kill signal and kill timeout, removes
// the containers, and exits 130 (SIGINT) or 143 (SIGTERM).
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "actors/stevedore.hpp"
#include "messages/json.hpp"
#include "policy/intake.hpp"
#include "policy/decode.hpp"
#include "policy/rules.hpp"
#include "tools/stevedore/command.hpp"
#include "tools/stevedore/job_variables.hpp"

namespace {

using namespace stevedore;

struct run_args {
  std::string job_file;
  stevedore::cli::variable_args variables;
  std::string config_file;
  std::string state_dir;
  bool json = false;
};

bool read_text(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  std::stringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

void print_warnings(const std::vector<std::string>& warnings) {
  for (const auto& w : warnings)
    std::fprintf(stderr, "warning: %s\n", printable(w).c_str());
}

// "FILE:LINE:COL: path: why", as validate and plan print them.
bool report(const std::vector<error_info>& problems, const std::string& file) {
  for (const auto& p : problems)
    std::fprintf(stderr, "%s\n", policy::format_problem(p, file).c_str());
  return !problems.empty();
}

std::string clock_text(std::int64_t at_ms, bool iso) {
  std::time_t secs = static_cast<std::time_t>(at_ms / 1000);
  std::tm tm{};
  char buf[64];
  if (iso) {
    gmtime_r(&secs, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  } else {
    localtime_r(&secs, &tm);
    std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  }
  char out[80];
  std::snprintf(out, sizeof out, "%s.%03lld%s", buf, static_cast<long long>(at_ms % 1000),
                iso ? "Z" : "");
  return out;
}

// "{task}" plus the alloc id's first 8 characters: short and unique enough.
std::string short_name(const std::string& task_id) {
  auto slash = task_id.find('/');
  if (slash == std::string::npos)
    return task_id;
  return task_id.substr(slash + 1) + "[" + task_id.substr(0, std::min<std::size_t>(8, slash)) + "]";
}

std::string json_line(const task_event& ev) {
  auto slash = ev.task_id.find('/');
  auto j = json::object();
  j.set("at_ms", ev.at_ms);
  j.set("time", clock_text(ev.at_ms, true));
  j.set("task_id", ev.task_id);
  j.set("task", slash == std::string::npos ? ev.task_id : ev.task_id.substr(slash + 1));
  j.set("alloc_id", slash == std::string::npos ? std::string() : ev.task_id.substr(0, slash));
  j.set("kind", ev.kind);
  j.set("state", to_string(ev.state));
  j.set("message", ev.message);
  if (ev.kind == "progress") {
    j.set("bytes_current", ev.bytes_current);
    j.set("bytes_total", ev.bytes_total);
  }
  if (ev.kind == "exit") {
    j.set("exit_code", ev.exit.exit_code);
    j.set("signal", ev.exit.signal);
    j.set("oom_killed", ev.exit.oom_killed);
  }
  return j.dump();
}

// Prints events (from CAF worker threads) and tracks which tasks ended.
class printer {
public:
  explicit printer(bool json) : json_(json), tty_(!json && ::isatty(STDOUT_FILENO)) {}

  void on_event(const task_event& ev) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (ev.kind == "state" && is_terminal(ev.state))
      ended_.insert(ev.task_id);
    if (json_) {
      auto line = json_line(ev);
      std::fprintf(stdout, "%s\n", line.c_str());
      std::fflush(stdout);
      return;
    }
    auto head = clock_text(ev.at_ms, false) + " " + short_name(ev.task_id);
    if (ev.kind == "progress") {
      if (!tty_)
        return;
      std::fprintf(stdout, "\r\033[K%s pulling %s", head.c_str(), ev.message.c_str());
      std::fflush(stdout);
      progress_shown_ = true;
      return;
    }
    if (progress_shown_) {
      std::fputs("\r\033[K", stdout);
      progress_shown_ = false;
    }
    std::string text;
    if (ev.kind == "state")
      text = to_string(ev.state) + (ev.message.empty() ? "" : ": " + ev.message);
    else
      text = ev.kind + ": " + ev.message;
    std::fprintf(stdout, "%s %s\n", head.c_str(), text.c_str());
    std::fflush(stdout);
  }

  bool all_ended(const std::vector<std::string>& ids) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& id : ids)
      if (ended_.count(id) == 0)
        return false;
    return true;
  }

  void line(const std::string& text) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (json_)
      return;
    std::fprintf(stdout, "%s\n", text.c_str());
    std::fflush(stdout);
  }

private:
  std::mutex mutex_;
  bool json_;
  bool tty_;
  bool progress_shown_ = false;
  std::set<std::string> ended_;
};

int run_job(const run_args& args) {
  // Our own log lines must not mix into stdout (--json is parsed by programs).
  spdlog::set_default_logger(spdlog::stderr_color_mt("stevedore-run"));
  spdlog::set_level(spdlog::level::warn);

  std::string text;
  if (!read_text(args.job_file, text)) {
    std::fprintf(stderr, "%s: cannot read the job file\n", args.job_file.c_str());
    return 1;
  }
  policy::intake_options options;
  options.file_name = args.job_file;
  if (std::string var_why; !cli::load_variables(args.variables, args.job_file, options.variables, var_why)) {
    std::fprintf(stderr, "%s\n", var_why.c_str());
    return 1;
  }
  auto& client = options.client;
  if (!args.config_file.empty()) {
    std::string config_text;
    if (!read_text(args.config_file, config_text)) {
      std::fprintf(stderr, "%s: cannot read the client settings\n", args.config_file.c_str());
      return 1;
    }
    auto decoded = policy::read_client_config(config_text, args.config_file);
    print_warnings(decoded.warnings);
    if (report(decoded.problems, args.config_file))
      return 1;
    client = std::move(decoded.value);
  }
  std::string state_dir = args.state_dir;
  if (state_dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    state_dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/stevedore-run";
  }
  // The daemon takes absolute bind paths only.
  state_dir = std::filesystem::absolute(state_dir).lexically_normal().string();
  if (client.alloc_root.empty())
    client.alloc_root = state_dir + "/alloc";
  auto plan = policy::intake(text, options);
  print_warnings(plan.warnings);
  if (report(plan.problems, args.job_file))
    return 1;
  if (plan.instances.empty()) {
    std::fprintf(stderr, "%s: the job has no task to run\n", args.job_file.c_str());
    return 1;
  }

  // Signals are taken by sigtimedwait below; blocked before any thread
  // exists so that every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // A reader that goes away (`| head`) must not kill us with tasks running:
  // writes then fail and the run still cleans up.
  std::signal(SIGPIPE, SIG_IGN);

  supervisor_options opts;
  opts.client = client;
  opts.state_dir = state_dir;
  opts.durable = false; // a run stops what it started; nothing is taken over later
  auto sup = supervisor::create(std::move(opts));
  if (!sup) {
    std::fprintf(stderr, "%s\n", to_string(sup.error()).c_str());
    return 1;
  }
  printer out(args.json);
  auto sub = (*sup)->subscribe([&out](const task_event& ev) { out.on_event(ev); });
  auto ids = (*sup)->start(with_job_constraints(plan.job, std::move(plan.instances)));
  if (!ids) {
    std::fprintf(stderr, "%s\n", to_string(ids.error()).c_str());
    (*sup)->shutdown();
    return 1;
  }

  int interrupted = 0;
  while (!out.all_ended(*ids)) {
    timespec wait{0, 200 * 1000 * 1000};
    int sig = sigtimedwait(&stop_signals, nullptr, &wait);
    if (sig == SIGINT || sig == SIGTERM) {
      interrupted = sig;
      std::fprintf(stderr, "%s: stopping every task\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
      break;
    }
  }
  if (interrupted) {
    auto r = (*sup)->shutdown();
    if (!r)
      std::fprintf(stderr, "%s\n", to_string(r.error()).c_str());
    return 128 + interrupted;
  }

  int rc = 0;
  auto statuses = (*sup)->list();
  if (!statuses) {
    std::fprintf(stderr, "%s\n", to_string(statuses.error()).c_str());
    rc = 1;
  } else {
    for (const auto& st : *statuses) {
      bool ok = st.state == task_state::cleaned && st.exit.exit_code == 0;
      if (!ok)
        rc = 1;
      std::string logs;
      if (auto inst = (*sup)->instance(st.task_id))
        logs = ", logs in " + inst->shared_dir() + "/logs";
      out.line(short_name(st.task_id) + ": " + to_string(st.state) + ", exit code " +
               std::to_string(st.exit.exit_code) + logs);
    }
  }
  sub.cancel();
  if (auto r = (*sup)->shutdown(); !r) {
    std::fprintf(stderr, "%s\n", to_string(r.error()).c_str());
    rc = 1;
  }
  return rc;
}

const bool registered = stevedore::cli::add_command(
  {"run", "Run every task of a job file on the Docker daemon and follow them to the end",
   [](CLI::App& app) {
     auto args = std::make_shared<run_args>();
     app.add_option("file", args->job_file, "Job file (HCL or JSON)")->required();
     cli::add_variable_options(app, args->variables);
     app.add_option("--config", args->config_file, "Client settings file (HCL or JSON)");
     app.add_option("--state-dir", args->state_dir,
                    "Folder for allocations and their logs (default: $TMPDIR/stevedore-run)");
     app.add_flag("--json", args->json, "One JSON object per event on stdout");
     return [args] {
       stevedore::cli::prepare_long_running_process();
       return run_job(*args);
     };
   }});

} // namespace
