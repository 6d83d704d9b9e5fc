// stevedore: run job files, run an agent, validate and plan, stress-test.
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "tools/stevedore/command.hpp"

namespace stevedore::cli {

namespace {
std::vector<command>& registry() {
  static std::vector<command> cmds;
  return cmds;
}
} // namespace

bool add_command(command cmd) {
  registry().push_back(std::move(cmd));
  return true;
}

const std::vector<command>& commands() {
  return registry();
}

} // namespace stevedore::cli

int main(int argc, char** argv) {
  // Nomad writes -var and -var-file with one dash; CLI11 reads long options
  // with two. (`-var=x=1` becomes `--var=x=1`.)
  std::vector<std::string> args(argv, argv + argc);
  for (auto& a : args)
    if (a == "-var" || a == "-var-file" || a.rfind("-var=", 0) == 0 || a.rfind("-var-file=", 0) == 0)
      a.insert(0, "-");
  std::vector<char*> adjusted;
  for (auto& a : args)
    adjusted.push_back(a.data());
  argc = static_cast<int>(adjusted.size());
  argv = adjusted.data();
  CLI::App app{"stevedore: Nomad's Docker task driver as a C++ actor system"};
  app.require_subcommand(1);
  std::map<CLI::App*, std::function<int()>> runners;
  for (const auto& cmd : stevedore::cli::commands()) {
    auto* sub = app.add_subcommand(cmd.name, cmd.help);
    runners.emplace(sub, cmd.setup(*sub));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  for (auto& [sub, run] : runners)
    if (sub->parsed())
      return run();
  return 2;
}
