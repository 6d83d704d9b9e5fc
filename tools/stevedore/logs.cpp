// `stevedore logs [-f] [--tail N] [--stderr] TASK`: a task's collected
// output from a running agent, followed while it runs with -f; --tail N
// starts at the last N lines (with -f: then follows from there).
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>

#include "tools/stevedore/client.hpp"
#include "tools/stevedore/command.hpp"

namespace stevedore::cli {
namespace {

struct logs_args {
  client_options client;
  std::string task;
  bool follow = false;
  bool stderr_stream = false;
  long long tail = -1; // -1: everything
};

// Where the last `n` lines of `text` start.
std::size_t tail_start(const std::string& text, long long n) {
  if (n < 0)
    return 0;
  std::size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n')
    --pos;
  for (long long seen = 0; pos > 0; --pos)
    if (text[pos - 1] == '\n' && ++seen == n)
      return pos;
  return n == 0 ? text.size() : 0;
}

void out(std::string_view s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fflush(stdout);
}

int logs(const logs_args& a) {
  auto c = agent_client::make(a.client);
  if (!c)
    return fail("logs", to_string(c.error()));
  auto id = find_task(*c, a.task);
  if (!id)
    return fail("logs", to_string(id.error()));
  const std::string base = "/v1/tasks/" + path_escape(*id) + "/logs?stream=" +
                           (a.stderr_stream ? "stderr" : "stdout");
  std::size_t skip = 0;
  if (a.tail >= 0 || !a.follow) {
    auto now = c->call("GET", base);
    if (!now)
      return fail("logs", to_string(now.error()));
    out(std::string_view(now->body).substr(tail_start(now->body, a.tail)));
    if (!a.follow)
      return 0;
    skip = now->body.size(); // already shown (or skipped by --tail)
  }
  auto r = c->stream(base + "&follow=1", [&](std::string_view piece) {
    const std::size_t drop = std::min(skip, piece.size());
    skip -= drop;
    out(piece.substr(drop));
    return true;
  });
  if (!r)
    return fail("logs", to_string(r.error()));
  return 0;
}

const bool registered = add_command({"logs", "Print (or follow) a task's output from a running agent", [](CLI::App& app) {
  auto a = std::make_shared<logs_args>();
  add_client_options(app, a->client);
  app.add_flag("-f,--follow", a->follow, "follow the output while the task runs");
  app.add_flag("--stderr", a->stderr_stream, "the task's stderr instead of its stdout");
  app.add_option("--tail", a->tail, "only the last N lines")->check(CLI::NonNegativeNumber);
  app.add_option("TASK", a->task, "ALLOC_PREFIX/TASK, an alloc id prefix or a task name")->required();
  return std::function<int()>([a] { return logs(*a); });
}});

} // namespace
} // namespace stevedore::cli
