// stevedore: run job files, run an agent, validate and plan, stress-test.
#include <cstdio>
#include <map>
#include <memory>

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
