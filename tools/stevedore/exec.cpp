// `stevedore exec [-i] [-t] TASK -- CMD...`: runs a command in a task's
// container through a running agent; its stdout and stderr are printed on
// ours and its exit code is ours. Without -i and -t the command gets no input
// and its whole output comes in one answer; with -i our stdin goes to it, with
// -t it runs in a TTY of our terminal's size (resized with it), both through
// the agent's exec WebSocket, as `nomad alloc exec -i -t` does.
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>

#include "messages/json.hpp"
#include "tools/stevedore/client.hpp"
#include "tools/stevedore/command.hpp"

namespace stevedore::cli {
namespace {

struct exec_args {
  client_options client;
  std::string task;
  std::vector<std::string> cmd;
  std::string timeout = "1m";
  bool input = false;  // -i
  bool tty = false;    // -t
};

int exec(const exec_args& a) {
  auto c = agent_client::make(a.client);
  if (!c)
    return fail("exec", to_string(c.error()));
  auto id = find_task(*c, a.task);
  if (!id)
    return fail("exec", to_string(id.error()));
  if (a.input || a.tty) {
    auto code = c->exec_attached(*id, a.cmd, a.input, a.tty);
    if (!code)
      return fail("exec", to_string(code.error()));
    return static_cast<int>(*code & 0xff);
  }
  json body = json::object();
  body.set("cmd", json::array_of(a.cmd));
  body.set("timeout", a.timeout);
  auto r = c->call("POST", "/v1/tasks/" + path_escape(*id) + "/exec", body.dump());
  if (!r)
    return fail("exec", to_string(r.error()));
  if (a.client.json)
    return std::printf("%s\n", r->body.c_str()), 0;
  auto tree = parse_answer(r->body);
  if (!tree)
    return fail("exec", to_string(tree.error()));
  const std::string o = text_of(*tree, "stdout"), e = text_of(*tree, "stderr");
  std::fwrite(o.data(), 1, o.size(), stdout);
  std::fwrite(e.data(), 1, e.size(), stderr);
  if (bool_of(*tree, "truncated"))
    std::fprintf(stderr, "stevedore exec: output cut at the agent's limit\n");
  return static_cast<int>(int_of(*tree, "exit_code") & 0xff);
}

const bool registered = add_command({"exec", "Run a command in a task's container through a running agent", [](CLI::App& app) {
  auto a = std::make_shared<exec_args>();
  add_client_options(app, a->client);
  app.add_option("--timeout", a->timeout, "how long to wait for the command (default 1m; not with -i or -t)");
  app.add_flag("-i,--interactive", a->input, "pass our stdin to the command");
  app.add_flag("-t,--tty", a->tty, "run the command in a TTY (our terminal raw, its size passed on)");
  app.add_option("TASK", a->task, "ALLOC_PREFIX/TASK, an alloc id prefix or a task name")->required();
  app.add_option("CMD", a->cmd, "the command and its arguments (after --)")->required();
  return std::function<int()>([a] { return exec(*a); });
}});

} // namespace
} // namespace stevedore::cli
