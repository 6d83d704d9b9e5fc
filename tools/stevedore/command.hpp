// Subcommands of the `stevedore` program. Each lives in its own file and
// registers itself at start-up, so adding one touches no shared file:
//
//   namespace { const bool registered = stevedore::cli::add_command(
//     {"validate", "Check a job file", [](CLI::App& app) { ...; return run; }}); }
//
// `setup` declares the subcommand's options on `app` and returns the function
// that runs it (called only when that subcommand was chosen); its return value
// is the exit code.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace stevedore::cli {

struct command {
  std::string name;
  std::string help;
  std::function<std::function<int()>(CLI::App& app)> setup;
};

bool add_command(command cmd);
const std::vector<command>& commands();

// For run, agent and stress, which hold thousands of tasks (limits.cpp):
// raises the soft limit of open files to the hard limit (a socket per
// running task) and keeps malloc to one arena per core.
void raise_open_file_limit();
void limit_malloc_arenas();
void prepare_long_running_process();

} // namespace stevedore::cli
