// `stevedore status [TASK]`, `stevedore stop|restart TASK`, `stevedore signal
// TASK SIG`: a running agent's tasks as a table or one in detail, and the
// calls that act on one (client.hpp: --addr, --token-file, --json).
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>

#include "messages/json.hpp"
#include "tools/stevedore/client.hpp"
#include "tools/stevedore/command.hpp"

namespace stevedore::cli {
namespace {

std::string short_id(const std::string& s, std::size_t n) {
  return s.size() > n ? s.substr(0, n) : s;
}

int print_tasks(const policy::node& tree) {
  std::vector<std::vector<std::string>> rows = {{"ALLOC", "TASK", "JOB", "STATE", "CONTAINER", "IMAGE"}};
  if (const auto* list = member(tree, "tasks"))
    for (const auto& t : list->items)
      rows.push_back({short_id(text_of(t, "alloc_id"), 8), text_of(t, "name"), text_of(t, "job"),
                      text_of(t, "state"), short_id(text_of(t, "container_id"), 12), text_of(t, "image")});
  print_table(rows);
  return 0;
}

void print_history(const policy::node& t) {
  const auto* hist = member(t, "history");
  if (!hist || hist->items.empty())
    return;
  std::printf("\nState history:\n");
  for (const auto& h : hist->items) {
    const std::string why = text_of(h, "reason");
    std::printf("  %-9s %s ago%s%s\n", text_of(h, "state").c_str(), age_text(int_of(h, "at_ms")).c_str(),
                why.empty() ? "" : "  ", why.c_str());
  }
}

int print_task(const policy::node& t) {
  std::vector<std::vector<std::string>> rows = {
    {"ID", text_of(t, "id")},           {"Job", text_of(t, "job") + " / " + text_of(t, "group")},
    {"State", text_of(t, "state")},     {"Container", text_of(t, "container_name") + " " + short_id(text_of(t, "container_id"), 12)},
    {"Image", text_of(t, "image")},     {"Restarts", std::to_string(int_of(t, "restarts"))}};
  if (const auto* ports = member(t, "ports"))
    for (const auto& p : ports->items)
      rows.push_back({"Port " + text_of(p, "label"),
                      std::to_string(int_of(p, "host_port")) + " -> " + std::to_string(int_of(p, "container_port"))});
  if (const auto* x = member(t, "exit"); x && x->type == policy::node::kind::object) {
    std::string sig = text_of(*x, "signal");
    rows.push_back({"Exit", "code " + std::to_string(int_of(*x, "exit_code")) + (sig.empty() ? "" : ", " + sig) +
                              (bool_of(*x, "oom_killed") ? ", OOM killed" : "")});
  }
  for (auto& r : rows)
    r[0] += ":";
  print_table(rows);
  print_history(t);
  return 0;
}

int status(const client_options& o, const std::string& name) {
  auto c = agent_client::make(o);
  if (!c)
    return fail("status", to_string(c.error()));
  std::string target = "/v1/tasks";
  if (!name.empty()) {
    auto id = find_task(*c, name);
    if (!id)
      return fail("status", to_string(id.error()));
    target += "/" + path_escape(*id);
  }
  auto a = c->call("GET", target);
  if (!a)
    return fail("status", to_string(a.error()));
  if (o.json)
    return std::printf("%s\n", a->body.c_str()), 0;
  auto tree = parse_answer(a->body);
  if (!tree)
    return fail("status", to_string(tree.error()));
  return name.empty() ? print_tasks(*tree) : print_task(*tree);
}

// POST /v1/tasks/{id}/{action} with `body`; prints the agent's word.
int act(const char* cmd, const client_options& o, const std::string& name, const std::string& action,
        const std::string& body, const std::string& done) {
  auto c = agent_client::make(o);
  if (!c)
    return fail(cmd, to_string(c.error()));
  auto id = find_task(*c, name);
  if (!id)
    return fail(cmd, to_string(id.error()));
  auto a = c->call("POST", "/v1/tasks/" + path_escape(*id) + "/" + action, body);
  if (!a)
    return fail(cmd, to_string(a.error()));
  if (o.json)
    std::printf("%s\n", a->body.c_str());
  else
    std::printf("%s %s\n", id->c_str(), done.c_str());
  return 0;
}

const bool status_registered = add_command({"status", "Show a running agent's tasks, or one task", [](CLI::App& app) {
  auto o = std::make_shared<client_options>();
  auto name = std::make_shared<std::string>();
  add_client_options(app, *o);
  app.add_option("TASK", *name, "ALLOC_PREFIX/TASK, an alloc id prefix or a task name");
  return std::function<int()>([o, name] { return status(*o, *name); });
}});

const bool stop_registered = add_command({"stop", "Stop a task of a running agent", [](CLI::App& app) {
  auto o = std::make_shared<client_options>();
  auto name = std::make_shared<std::string>();
  add_client_options(app, *o);
  app.add_option("TASK", *name, "ALLOC_PREFIX/TASK, an alloc id prefix or a task name")->required();
  return std::function<int()>([o, name] { return act("stop", *o, *name, "stop", "", "stopping"); });
}});

const bool restart_registered = add_command({"restart", "Restart a task of a running agent (its container stopped, the task started again; not counted against its restart policy)", [](CLI::App& app) {
  auto o = std::make_shared<client_options>();
  auto name = std::make_shared<std::string>();
  add_client_options(app, *o);
  app.add_option("TASK", *name, "ALLOC_PREFIX/TASK, an alloc id prefix or a task name")->required();
  return std::function<int()>([o, name] { return act("restart", *o, *name, "restart", "", "restarting"); });
}});

const bool signal_registered = add_command({"signal", "Send a signal to a task of a running agent", [](CLI::App& app) {
  auto o = std::make_shared<client_options>();
  auto name = std::make_shared<std::string>();
  auto sig = std::make_shared<std::string>("SIGHUP");
  add_client_options(app, *o);
  app.add_option("TASK", *name, "ALLOC_PREFIX/TASK, an alloc id prefix or a task name")->required();
  app.add_option("-s,--signal,SIGNAL", *sig, "the signal (default SIGHUP)");
  return std::function<int()>([o, name, sig] {
    json body = json::object();
    body.set("signal", *sig);
    return act("signal", *o, *name, "signal", body.dump(), "sent " + *sig);
  });
}});

} // namespace
} // namespace stevedore::cli
