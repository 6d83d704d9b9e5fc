// `stevedore stress --tasks N [--concurrency C] [--image I] [--command CMD]
//  [--hold S] [--churn] [--baseline | --baseline-only] [--order O]
//  [--idle-measure S] [--kill-timeout S] [--call-timeout S] [--step-timeout S]
//  [--watch MS] [--report FILE]
//  [--figures] [--config CLIENT] [--endpoint E] [--no-progress]`:
// drives N task lifecycles through the supervisor against the daemon, and
// with --baseline the same N through a bare Engine API client in the same
// run (baseline first unless --order stevedore-first), comparing every
// figure as stevedore / baseline.
//   batch (default): start all N (at most C launches in flight), hold S
//     seconds once all run (measuring idle cost over --idle-measure S),
//     then stop and remove all (at most C in flight);
//   --churn: at most C whole lifecycles in flight, one starting as each ends.
// A progress bar on a terminal, a table at the end; --report writes
// FILE.json and FILE.html; --figures adds "figure NAME=VALUE" lines. Exit 0
// when every lifecycle completed and no container was left behind, else 1.
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "docker/client.hpp"
#include "policy/decode.hpp"
#include "policy/rules.hpp"
#include "tools/stevedore/command.hpp"
#include "tools/stress/baseline.hpp"
#include "tools/stress/report.hpp"
#include "tools/stress/run.hpp"
#if STEVEDORE_STRESS_SUPERVISOR
#include "tools/stress/stevedore_driver.hpp"
#endif

namespace {

using namespace stevedore;
using namespace stevedore::stress;

struct stress_args {
  stress_options opts;
  std::string command_text;
  bool baseline = false;
  bool baseline_only = false;
  std::string order = "baseline-first";
  std::string report;
  std::string config_file;
  std::string endpoint;
  double kill_timeout_s = 5;
  double call_timeout_s = 60;
  double step_timeout_s = 300;
  bool no_progress = false;
  bool figures = false;
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

bool write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out.flush());
}

// Reads --config into opts.client; false (after printing why) on a problem.
bool load_client(stress_args& a) {
  if (a.config_file.empty())
    return true;
  std::string text;
  if (!read_text(a.config_file, text)) {
    std::fprintf(stderr, "%s: cannot read the client settings\n", a.config_file.c_str());
    return false;
  }
  auto decoded = policy::read_client_config(text, a.config_file);
  for (const auto& w : decoded.warnings)
    std::fprintf(stderr, "warning: %s\n", w.c_str());
  for (const auto& p : decoded.problems)
    std::fprintf(stderr, "%s\n", to_string(p).c_str());
  if (!decoded.problems.empty())
    return false;
  a.opts.client = std::move(decoded.value);
  return true;
}

void draw_progress(const std::string& driver, const progress& p, std::int64_t total) {
  constexpr int width = 30;
  auto done = p.completed + p.failed;
  int filled = total > 0 ? static_cast<int>(width * done / total) : 0;
  int started = total > 0 ? static_cast<int>(width * p.submitted / total) : 0;
  std::string bar;
  for (int i = 0; i < width; ++i)
    bar += i < filled ? '#' : i < started ? '>' : '.';
  std::printf("\r\033[K%-9s [%s] %lld/%lld started, %lld running, %lld done, %lld failed",
              driver.c_str(), bar.c_str(), static_cast<long long>(p.submitted.load()),
              static_cast<long long>(total), static_cast<long long>(p.running.load()),
              static_cast<long long>(p.completed.load()), static_cast<long long>(p.failed.load()));
  std::fflush(stdout);
}

int run_stress_command(stress_args& a) {
  if (!load_client(a))
    return 1;
  if (!a.command_text.empty()) {
    auto words = split_command(a.command_text, "stress --command");
    if (!words.ok()) {
      std::fprintf(stderr, "%s\n", to_string(words.error()).c_str());
      return 1;
    }
    a.opts.command = std::move(*words);
  }
  if (!a.endpoint.empty())
    a.opts.client.endpoint = a.endpoint;
  a.opts.kill_timeout_ms = static_cast<std::int64_t>(a.kill_timeout_s * 1000);
  a.opts.call_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(a.call_timeout_s * 1000));
  a.opts.step_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(a.step_timeout_s * 1000));
  a.opts.run_id = random_run_id();
  auto ep = docker::resolve_endpoint(a.opts.client.endpoint, a.opts.client.tls_cert,
                                     a.opts.client.tls_key, a.opts.client.tls_ca,
                                     [](const char* k) { return std::getenv(k); });
  if (!ep.ok()) {
    std::fprintf(stderr, "%s\n", to_string(ep.error()).c_str());
    return 1;
  }
  // The supervisor resolves the same settings (and environment) itself.
  docker::client::options copts;
  copts.timeout = a.opts.call_timeout;
  std::vector<named_driver> drivers;
  named_driver base{baseline_driver_name, [ep = *ep, copts](driver_context& ctx) {
                      return make_baseline_driver(ctx, docker::client::make(ep, copts));
                    }};
#if STEVEDORE_STRESS_SUPERVISOR
  named_driver mine{stevedore_driver_name,
                    [](driver_context& ctx) { return make_stevedore_driver(ctx); }};
  if (a.baseline_only) {
    drivers = {base};
  } else if (!a.baseline) {
    drivers = {mine};
  } else if (a.order == "stevedore-first") {
    drivers = {mine, base};
  } else {
    drivers = {base, mine};
  }
#else
  if (!a.baseline_only) {
    std::fprintf(stderr, "stress: this build has no supervisor (actors/stevedore.hpp); "
                         "only --baseline-only can run\n");
    return 1;
  }
  drivers = {base};
#endif

  auto checker = docker::client::make(*ep, copts);
  bool tty = !a.no_progress && isatty(STDOUT_FILENO);
  run_hooks hooks;
  if (tty)
    hooks.on_progress = draw_progress;
  hooks.on_note = [tty](const std::string& line) {
    if (tty)
      std::printf("\r\033[K");
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  };
  auto run = stevedore::stress::run_stress(a.opts, drivers, *checker, hooks);
  if (tty)
    std::printf("\r\033[K");
  checker->shutdown();
  if (!run.ok()) {
    std::fprintf(stderr, "%s\n", to_string(run.error()).c_str());
    return 1;
  }
  std::printf("\n%s", report_table(*run).c_str());
  if (a.figures)
    std::printf("%s", report_figures(*run).c_str());
  if (!a.report.empty()) {
    auto json_path = a.report + ".json", html_path = a.report + ".html";
    if (!write_text(json_path, report_json(*run)) || !write_text(html_path, report_html(*run))) {
      std::fprintf(stderr, "stress --report %s: cannot write %s / %s\n", a.report.c_str(),
                   json_path.c_str(), html_path.c_str());
      return 1;
    }
    std::printf("report: %s, %s\n", json_path.c_str(), html_path.c_str());
  }
  bool clean = true;
  for (const auto& d : run->drivers)
    clean = clean && d.failed() == 0 && d.leftover_containers == 0;
  return clean ? 0 : 1;
}

const bool registered = stevedore::cli::add_command(
  {"stress", "Drive N task lifecycles against the daemon and measure them", [](CLI::App& app) {
     auto a = std::make_shared<stress_args>();
     auto& o = a->opts;
     app.add_option("--tasks,-n", o.tasks, "Task lifecycles to drive")->required()
       ->check(CLI::Range(std::int64_t{1}, std::int64_t{10000000}));
     app.add_option("--concurrency,-c", o.concurrency, "Launches (batch) or lifecycles (churn) in flight")
       ->capture_default_str()->check(CLI::Range(std::int64_t{1}, std::int64_t{100000}));
     app.add_option("--image", o.image, "Image of every task (present or pulled once)")
       ->capture_default_str();
     app.add_option("--command", a->command_text,
                    "Command line of every task, split into words (quotes work); default: a "
                    "shell that sleeps and exits at SIGTERM");
     app.add_option("--hold", o.hold_s, "Seconds to hold: batch, all tasks once running; churn, each task")
       ->capture_default_str()->check(CLI::NonNegativeNumber);
     app.add_flag("--churn", o.churn, "Keep C lifecycles in flight, starting one as each ends");
     app.add_option("--watch", o.watch_ms,
                    "Ms between the actor pages a watching console would ask (0: none)");
     app.add_option("--state-dir", o.state_dir,
                    "Keep the supervisor's durable state in this folder (state.db), to measure "
                    "what the state store costs");
     app.add_flag("--baseline", a->baseline,
                  "Also run the same lifecycles through a bare Engine API client and compare");
     app.add_flag("--baseline-only", a->baseline_only, "Run only the bare-client baseline");
     app.add_option("--order", a->order, "With --baseline: baseline-first or stevedore-first")
       ->capture_default_str()->check(CLI::IsMember({"baseline-first", "stevedore-first"}));
     app.add_option("--idle-measure", o.idle_measure_s,
                    "Batch: once all run, measure CPU time and RSS over this many idle seconds")
       ->check(CLI::NonNegativeNumber);
     app.add_option("--kill-timeout", a->kill_timeout_s, "The tasks' kill timeout, seconds")
       ->capture_default_str()->check(CLI::NonNegativeNumber);
     app.add_option("--call-timeout", a->call_timeout_s, "Deadline of one Engine API call, seconds")
       ->capture_default_str()->check(CLI::PositiveNumber);
     app.add_option("--step-timeout", a->step_timeout_s,
                    "Longest a launch or a teardown may take before it counts as failed; 0: none")
       ->capture_default_str()->check(CLI::NonNegativeNumber);
     app.add_option("--report", a->report, "Write FILE.json and FILE.html");
     app.add_option("--config", a->config_file, "Client settings file (HCL or JSON)");
     app.add_option("--endpoint", a->endpoint,
                    "Daemon endpoint (unix:///path, tcp://host:port); overrides docker.endpoint");
     app.add_flag("--no-progress", a->no_progress, "No progress bar even on a terminal");
     app.add_flag("--figures", a->figures, "Also print \"figure NAME=VALUE\" lines for scripts");
     return [a] {
       stevedore::cli::prepare_long_running_process();
       return run_stress_command(*a);
     };
   }});

} // namespace
