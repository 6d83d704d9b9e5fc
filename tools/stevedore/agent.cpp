// `stevedore agent [--config CLIENT] [--listen ADDR:PORT] [--state-dir DIR]
// [--token-file F] [--stop-tasks-on-exit] [--reconcile-grace D]
// [--reconcile-interval D] [--reconcile-dry-run]`: runs the supervisor and serves its HTTP API
// (tools/agent/api.hpp) until SIGINT or SIGTERM, then exits 0 leaving its
// tasks running for the next start on the same --state-dir to re-attach
// (with --stop-tasks-on-exit: stops every task with its kill signal and
// timeout first). A state file it cannot read stops it before anything
// starts, with one line saying why. Prints one line with the address
// bound ("listening on http://127.0.0.1:43127") once it serves. Anything but
// a loopback address is refused without a token, before anything starts.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>

#include "policy/duration.hpp"
#include "policy/rules.hpp"
#include "tools/agent/api.hpp"
#include "tools/agent/server.hpp"
#include "tools/agent/supervisor_backend.hpp"
#include "tools/stevedore/command.hpp"

namespace {

using namespace stevedore;

struct agent_args {
  std::string config_file;
  std::string listen = "127.0.0.1:4680";
  std::string state_dir = "/var/lib/stevedore";
  std::string token_file;
  std::size_t body_limit = 0; // 0: stevedore.job.max_size of the client settings
  bool stop_tasks_on_exit = false;
  std::string reconcile_grace = "1m";
  std::string reconcile_interval = "30s";
  bool reconcile_dry_run = false;
};

int fail(const std::string& line) {
  std::fprintf(stderr, "stevedore agent: %s\n", line.c_str());
  return 1;
}

bool read_client(const std::string& path, client_config& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fail(path + ": cannot read the client settings");
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto decoded = policy::read_client_config(ss.str(), path);
  for (const auto& w : decoded.warnings)
    std::fprintf(stderr, "warning: %s\n", w.c_str());
  for (const auto& p : decoded.problems)
    std::fprintf(stderr, "%s\n", to_string(p).c_str());
  if (!decoded.ok())
    return false;
  out = std::move(decoded.value);
  return true;
}

int run_agent(agent_args args) {
  // The daemon takes absolute bind paths only: a relative --state-dir is the
  // working folder's.
  args.state_dir = std::filesystem::absolute(args.state_dir).lexically_normal().string();
  client_config client;
  if (!args.config_file.empty() && !read_client(args.config_file, client))
    return 1;
  if (client.alloc_root.empty())
    client.alloc_root = (std::filesystem::path(args.state_dir) / "alloc").string();

  agent::server_options so;
  so.listen = args.listen;
  so.body_limit = args.body_limit > 0 ? args.body_limit
                                      : static_cast<std::size_t>(client.max_job_bytes);
  if (!args.token_file.empty()) {
    auto token = agent::read_token_file(args.token_file);
    if (!token)
      return fail(to_string(token.error()));
    so.token = std::move(*token);
  }
  // Refused before the supervisor starts: nothing to undo.
  auto where = agent::parse_listen(so.listen);
  if (!where)
    return fail(to_string(where.error()));
  if (!where->loopback && so.token.empty())
    return fail("listen " + so.listen +
                ": not a loopback address; serving it needs a bearer token (--token-file)");

  // SIGINT and SIGTERM are blocked in every thread (those started below
  // inherit the mask) and taken by sigwait here, in main's thread.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  agent::durability_options dur;
  auto grace = policy::parse_nonnegative_duration(args.reconcile_grace);
  if (!grace)
    return fail("--reconcile-grace: " + grace.error().message);
  dur.reconcile_grace = std::chrono::milliseconds(policy::nanos_to_millis(*grace));
  auto every = policy::parse_nonnegative_duration(args.reconcile_interval);
  if (!every || *every == 0)
    return fail("--reconcile-interval: " +
                (every ? std::string("must be above 0") : every.error().message));
  dur.reconcile_interval = std::chrono::milliseconds(policy::nanos_to_millis(*every));
  dur.reconcile_dry_run = args.reconcile_dry_run;
  auto m = std::make_shared<agent::metrics>();
  auto supervisor = agent::start_supervisor(client, args.state_dir, m, dur);
  if (!supervisor)
    return fail(to_string(supervisor.error()));
  agent::api_options ao;
  ao.client = client;
  auto api = agent::api::make((*supervisor)->api_backend(), m, ao);
  auto srv = agent::server::start(so, api->as_handler());
  if (!srv) {
    (*supervisor)->shutdown();
    return fail(to_string(srv.error()));
  }
  // The specification's defaults (volumes on) stay, but are said out loud:
  // with them the API is a root shell for whoever can call it.
  if (auto risk = policy::root_equivalent_settings(client); !risk.empty())
    std::fprintf(stderr, "stevedore agent: warning: %s\n", risk.c_str());
  std::printf("stevedore agent: listening on http://%s\n", (*srv)->address().c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  const char* name = sig == SIGINT ? "SIGINT" : "SIGTERM";
  if (args.stop_tasks_on_exit)
    std::printf("stevedore agent: %s received, stopping tasks\n", name);
  else
    std::printf("stevedore agent: %s received, leaving tasks running for the next start\n", name);
  std::fflush(stdout);
  (*srv)->stop();
  if (args.stop_tasks_on_exit)
    (*supervisor)->shutdown();
  else
    (*supervisor)->leave_running();
  std::printf("stevedore agent: stopped\n");
  std::fflush(stdout);
  return 0;
}

const bool registered = stevedore::cli::add_command(
  {"agent", "Run the supervisor with its HTTP API until SIGINT or SIGTERM",
   [](CLI::App& app) {
     auto args = std::make_shared<agent_args>();
     app.add_option("--config", args->config_file, "Client settings file (HCL or JSON)");
     app.add_option("--listen", args->listen,
                    "ADDR:PORT to serve the API on (port 0: any free port)")
       ->capture_default_str();
     app.add_option("--state-dir", args->state_dir,
                    "Folder for the supervisor's state and allocations")
       ->capture_default_str();
     app.add_option("--token-file", args->token_file,
                    "File whose first line is the bearer token every request must carry");
     app.add_flag("--stop-tasks-on-exit", args->stop_tasks_on_exit,
                  "On SIGINT/SIGTERM stop every task (kill signal, kill timeout) before exiting; "
                  "by default they keep running and the next start re-attaches them");
     app.add_option("--reconcile-grace", args->reconcile_grace,
                    "Containers labelled for this node but held by no task are removed once "
                    "older than this")
       ->capture_default_str();
     app.add_option("--reconcile-interval", args->reconcile_interval,
                    "Time between two passes of the reconciler")
       ->capture_default_str();
     app.add_flag("--reconcile-dry-run", args->reconcile_dry_run,
                  "Only report the containers the reconciler would remove");
     app.add_option("--body-limit", args->body_limit,
                    "Largest request body, in bytes (default: the client settings' "
                    "stevedore.job.max_size, 1 MiB)");
     return [args] {
       stevedore::cli::prepare_long_running_process();
       return run_agent(*args);
     };
   }});

} // namespace
