// `stevedore plan FILE [--config CLIENT] [--alloc-id ID]`: what would run.
// Prints, as JSON, every task instance of the job with its container name,
// image, pull decision, ports and exact create body. With --alloc-id the
// output is the same byte for byte on every run (ports and derived alloc ids
// are seeded by it). Problems go to stderr, one per line, and exit 1;
// warnings go to stderr and do not change the exit code.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>

#include "policy/intake.hpp"
#include "policy/decode.hpp"
#include "policy/plan.hpp"
#include "policy/rules.hpp"
#include "tools/stevedore/command.hpp"
#include "tools/stevedore/job_variables.hpp"

namespace {

using namespace stevedore;

struct plan_args {
  std::string job_file;
  stevedore::cli::variable_args variables;
  std::string config_file;
  std::string alloc_id;
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

// Prints the problems of `file` as `validate` does ("FILE:LINE:COL: path:
// why"); true when there were any.
bool report(const std::vector<error_info>& problems, const std::string& file) {
  for (const auto& p : problems)
    std::fprintf(stderr, "%s\n", policy::format_problem(p, file).c_str());
  return !problems.empty();
}

int run_plan(const plan_args& args) {
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
    options.client = std::move(decoded.value);
  }
  options.plan.alloc_id = args.alloc_id;
  options.plan.keep_create_body = true; // printed whole below
  auto plan = policy::intake(text, options);
  print_warnings(plan.warnings);
  if (report(plan.problems, args.job_file))
    return 1;
  auto out = policy::plan_json(plan.instances, plan.create_bodies).dump(2);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fputc('\n', stdout);
  return 0;
}

const bool registered = stevedore::cli::add_command(
  {"plan", "Show the containers a job file would create, with their exact create bodies",
   [](CLI::App& app) {
     auto args = std::make_shared<plan_args>();
     app.add_option("file", args->job_file, "Job file (HCL or JSON)")->required();
     cli::add_variable_options(app, args->variables);
     app.add_option("--config", args->config_file, "Client settings file (HCL or JSON)");
     app.add_option("--alloc-id", args->alloc_id,
                    "Alloc id of the first allocation; makes the output deterministic");
     return [args] { return run_plan(*args); };
   }});

} // namespace
