// `stevedore version`: the program's own version.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "tools/stevedore/command.hpp"

namespace {

const bool registered = stevedore::cli::add_command(
  {"version", "Print stevedore's version", [](CLI::App&) {
     return [] {
       std::printf("stevedore 0.1.0\n");
       return 0;
     };
   }});

} // namespace
