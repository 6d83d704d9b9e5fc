// `stevedore validate FILE [--config CLIENT]`: is this job file one stevedore
// would run on this client? Reads the job (HCL or JSON) and the client
// settings (Nomad's defaults when none are given), then applies the rules
// that depend on those settings: the job intake's read and check steps
// (policy/intake.hpp).
//
// Output: one line per problem on stdout, "FILE:LINE:COL: path: why" (or
// "FILE: path: why" where no place is known), every problem rather than the
// first; warnings on stderr; on success one line naming what was checked.
// Exit 0 when there is no problem, 1 otherwise (an unreadable file included).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>

#include "policy/decode.hpp"
#include "policy/intake.hpp"
#include "policy/rules.hpp"
#include "tools/stevedore/command.hpp"
#include "tools/stevedore/job_variables.hpp"

namespace {

using namespace stevedore;

struct validate_args {
  std::string job_file;
  stevedore::cli::variable_args variables;
  std::string config_file;
};

// The file's text; false with `why` set when it cannot be read.
bool read_text(const std::string& path, std::string& out, std::string& why) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    why = "it is a directory";
    return false;
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = errno != 0 ? std::strerror(errno) : "cannot open";
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    why = "read error";
    return false;
  }
  out = ss.str();
  return true;
}

void print_warnings(const std::vector<std::string>& warnings) {
  for (const auto& w : warnings)
    std::fprintf(stderr, "warning: %s\n", printable(w).c_str());
}

// Prints the problems of FILE; their count.
std::size_t report(const std::vector<error_info>& problems, const std::string& file) {
  for (const auto& p : problems)
    std::printf("%s\n", policy::format_problem(p, file).c_str());
  return problems.size();
}

int run_validate(const validate_args& args) {
  std::string text, why;
  if (!read_text(args.job_file, text, why)) {
    std::printf("%s: cannot read the job file: %s\n", args.job_file.c_str(), why.c_str());
    return 1;
  }
  policy::decoded<client_config> settings;
  std::string config_text, config_why;
  bool config_read = args.config_file.empty() || read_text(args.config_file, config_text, config_why);
  if (!args.config_file.empty() && config_read)
    settings = policy::read_client_config(config_text, args.config_file);
  // The client rules judge values; on settings that did not decode they
  // would only repeat the settings' problems in other words.
  policy::intake_options options;
  options.file_name = args.job_file;
  if (std::string var_why; !cli::load_variables(args.variables, args.job_file, options.variables, var_why)) {
    std::printf("%s\n", printable(var_why).c_str());
    return 1;
  }
  options.client = std::move(settings.value);
  options.last = config_read && settings.ok() ? policy::intake_step::check : policy::intake_step::read;
  auto checked = policy::intake(text, options);

  // The job's reading first, then the settings', then the rules.
  print_warnings(checked.warnings);
  bool read_failed = checked.step == policy::intake_step::read;
  std::size_t problems = read_failed ? report(checked.problems, args.job_file) : 0;
  if (!config_read) {
    std::printf("%s: cannot read the client settings: %s\n", args.config_file.c_str(),
                config_why.c_str());
    return 1;
  }
  print_warnings(settings.warnings);
  problems += report(settings.problems, args.config_file);
  if (!read_failed)
    problems += report(checked.problems, args.job_file);
  if (problems > 0)
    return 1;

  std::size_t tasks = 0;
  for (const auto& g : checked.job.groups)
    tasks += g.tasks.size();
  // The name is the file's: escaped, so that it cannot rewrite this line.
  std::printf("%s: job %s is valid (%zu group%s, %zu task%s)\n", printable(args.job_file).c_str(),
              quote_value(checked.job.name).c_str(), checked.job.groups.size(),
              checked.job.groups.size() == 1 ? "" : "s", tasks, tasks == 1 ? "" : "s");
  return 0;
}

const bool registered = stevedore::cli::add_command(
  {"validate", "Check a job file (and client settings) without running anything",
   [](CLI::App& app) {
     auto args = std::make_shared<validate_args>();
     app.add_option("file", args->job_file, "Job file (HCL or Nomad's JSON job form)")
       ->required();
     cli::add_variable_options(app, args->variables);
     app.add_option("--config", args->config_file,
                    "Client settings file (HCL or JSON); Nomad's defaults when left out");
     return [args] { return run_validate(*args); };
   }});

} // namespace
