#include "tools/stevedore/job_variables.hpp"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "messages/error.hpp"

extern char** environ;

namespace stevedore::cli {

namespace {

// A file of at most 1 MiB (a job file's own limit); an error naming it otherwise.
result<std::string> read_small_file(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec)
    return make_error(errc::invalid_input, path, quote_value(path) + ": " + ec.message());
  if (size > (1u << 20))
    return make_error(errc::invalid_input, path, quote_value(path) + ": larger than 1 MiB");
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in && !in.eof())
    return make_error(errc::invalid_input, path, quote_value(path) + ": cannot be read");
  return ss.str();
}

} // namespace

void add_variable_options(CLI::App& app, variable_args& args) {
  app.add_option("--var", args.vars, "A variable of an HCL2 job file: name=value (-var works too; repeatable)");
  app.add_option("--var-file", args.var_files,
                 "A file of variable values, name = value (-var-file works too; repeatable)");
}

bool load_variables(const variable_args& args, const std::string& job_file,
                    policy::hcl2_inputs& out, std::string& why) {
  for (const auto& v : args.vars) {
    auto parsed = policy::parse_var_argument(v);
    if (!parsed) {
      why = parsed.error().message;
      return false;
    }
    out.vars.push_back(std::move(*parsed));
  }
  for (const auto& f : args.var_files) {
    auto text = read_small_file(f);
    if (!text) {
      why = "-var-file " + text.error().message;
      return false;
    }
    out.var_files.emplace_back(f, std::move(*text));
  }
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    if (entry.rfind("NOMAD_VAR_", 0) != 0)
      continue;
    auto eq = entry.find('=');
    if (eq != std::string_view::npos && eq > 10)
      out.env.emplace(std::string(entry.substr(10, eq - 10)), std::string(entry.substr(eq + 1)));
  }
  auto dir = std::filesystem::path(job_file).parent_path();
  out.read_file = [dir](const std::string& path) {
    auto p = std::filesystem::path(path);
    return read_small_file((p.is_absolute() ? p : dir / p).string());
  };
  return true;
}

} // namespace stevedore::cli
