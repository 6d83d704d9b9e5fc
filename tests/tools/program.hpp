// Runs the built `stevedore` program as a user does, in a temporary folder:
// its exit code, stdout and stderr. STEVEDORE_BIN names the program.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace stevedore::testing {

namespace fs = std::filesystem;

struct outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::size_t lines(const std::string& s) {
  std::size_t n = 0;
  for (char c : s)
    n += c == '\n';
  return n;
}

// A temporary folder; the program runs in it with the given arguments.
class scratch {
public:
  scratch() {
    char tmpl[] = "/tmp/stevedore-commands-XXXXXX";
    if (::mkdtemp(tmpl))
      dir_ = tmpl;
  }
  ~scratch() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  bool ok() const { return !dir_.empty(); }
  const fs::path& dir() const { return dir_; }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name) << text;
    return name;
  }
  outcome run(const std::string& args) const { return run_under("", args); }
  // The program started by another one: `prefix` is a command line that
  // ends where the program's path goes ("timeout -s TERM 3").
  outcome run_under(const std::string& prefix, const std::string& args) const {
    const std::string cmd = "cd '" + dir_.string() + "' && " + prefix + " '" STEVEDORE_BIN "' " +
                            args + " >out.txt 2>err.txt";
    int status = std::system(cmd.c_str());
    outcome o;
    o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    o.out = slurp(dir_ / "out.txt");
    o.err = slurp(dir_ / "err.txt");
    return o;
  }

private:
  fs::path dir_;
};

} // namespace stevedore::testing
