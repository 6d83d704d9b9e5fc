// `stevedore node`, `stevedore actors [KIND]`, `stevedore trace ACTOR`: what
// a running agent sees of the daemon, its actors (as Erlang's Observer lists
// processes), and one actor's messages as they come.
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include <CLI/CLI.hpp>

#include "tools/stevedore/client.hpp"
#include "tools/stevedore/command.hpp"

namespace stevedore::cli {
namespace {

// GET target; the body printed as it is with --json, else handed to `show`.
template <class F>
int get_and_show(const char* cmd, const client_options& o, const std::string& target, F&& show) {
  auto c = agent_client::make(o);
  if (!c)
    return fail(cmd, to_string(c.error()));
  auto r = c->call("GET", target);
  if (!r)
    return fail(cmd, to_string(r.error()));
  if (o.json)
    return std::printf("%s\n", r->body.c_str()), 0;
  auto tree = parse_answer(r->body);
  if (!tree)
    return fail(cmd, to_string(tree.error()));
  return show(*tree);
}

int show_node(const policy::node& t) {
  std::printf("Health:  %s\nPolls:   %lld\n", text_of(t, "health").c_str(),
              static_cast<long long>(int_of(t, "polls")));
  std::vector<std::vector<std::string>> rows;
  if (const auto* attrs = member(t, "attributes"))
    for (const auto& [k, v] : attrs->fields)
      rows.push_back({k, "= " + v.text});
  if (!rows.empty())
    std::printf("\nAttributes:\n");
  print_table(rows);
  return 0;
}

struct actors_args {
  client_options client;
  std::string kind, state, sort = "id";
  bool desc = false;
  int limit = 100;
};

int show_actors(const policy::node& t) {
  std::vector<std::vector<std::string>> rows = {
    {"ID", "KIND", "NAME", "STATE", "MAILBOX", "MESSAGES", "RATE/S", "LAST", "WHEN", "AGE"}};
  const auto* list = member(t, "actors");
  for (const auto& a : list ? list->items : std::vector<policy::node>{}) {
    const auto* rate = member(a, "rate");
    char r[32];
    std::snprintf(r, sizeof r, "%.1f", rate ? rate->number : 0.0);
    using namespace std::chrono;
    const auto now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    rows.push_back({std::to_string(int_of(a, "id")), text_of(a, "kind"), text_of(a, "name"),
                    text_of(a, "state"), std::to_string(int_of(a, "mailbox")),
                    std::to_string(int_of(a, "messages")), r, text_of(a, "last_message"),
                    age_text(int_of(a, "last_at_ms")), age_text(now - int_of(a, "age_ms"))});
  }
  print_table(rows);
  const auto shown = static_cast<std::int64_t>(rows.size() - 1);
  if (int_of(t, "total") > shown)
    std::printf("(%lld of %lld shown)\n", static_cast<long long>(shown),
                static_cast<long long>(int_of(t, "total")));
  return 0;
}

std::string actors_target(const actors_args& a) {
  std::string t = "/v1/actors?sort=" + path_escape(a.sort) + "&limit=" + std::to_string(a.limit) +
                  (a.desc ? "&order=desc" : "");
  if (!a.kind.empty())
    t += "&kind=" + path_escape(a.kind);
  if (!a.state.empty())
    t += "&state=" + path_escape(a.state);
  return t;
}

struct trace_args {
  client_options client;
  std::string actor;
  int count = 1000;
  std::string duration = "10s";
};

// The actor as the agent names it: a CAF actor id, "supervisor" or a
// service's kind as they are, else a task named as `status` takes it.
result<std::string> actor_name(const agent_client& c, const std::string& name) {
  static const char* kinds[] = {"supervisor",   "image_manager",    "fingerprinter",
                                "stats_poller", "container_events", "timer_service"};
  if (name.find_first_not_of("0123456789") == std::string::npos && !name.empty())
    return name;
  for (const char* k : kinds)
    if (name == k)
      return name;
  return find_task(c, name);
}

// Starts the trace, then prints its entries as they come until it ends.
int trace(const trace_args& a) {
  auto c = agent_client::make(a.client);
  if (!c)
    return fail("trace", to_string(c.error()));
  auto who = actor_name(*c, a.actor);
  if (!who)
    return fail("trace", to_string(who.error()));
  const std::string base = "/v1/actors/" + path_escape(*who) + "/trace";
  auto on = c->call("POST", base + "?count=" + std::to_string(a.count) + "&for=" + path_escape(a.duration));
  if (!on)
    return fail("trace", to_string(on.error()));
  std::size_t printed = 0;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    auto r = c->call("GET", base);
    auto tree = r ? parse_answer(r->body) : result<policy::node>(r.error());
    if (!tree)
      return fail("trace", to_string(tree.error()));
    const auto* entries = member(*tree, "entries");
    for (std::size_t i = printed; entries && i < entries->items.size(); ++i) {
      const auto& e = entries->items[i];
      if (a.client.json)
        std::printf("{\"at_ms\":%lld,\"dir\":\"%s\",\"kind\":\"%s\"}\n", static_cast<long long>(int_of(e, "at_ms")),
                    text_of(e, "dir").c_str(), text_of(e, "kind").c_str());
      else
        std::printf("%lld  %-3s  %s\n", static_cast<long long>(int_of(e, "at_ms")), text_of(e, "dir").c_str(),
                    text_of(e, "kind").c_str());
    }
    std::fflush(stdout);
    printed = entries ? std::max(printed, entries->items.size()) : printed;
    if (!bool_of(*tree, "on"))
      return 0;
  }
}

const bool node_registered = add_command({"node", "Show the daemon's fingerprint and health as a running agent sees them", [](CLI::App& app) {
  auto o = std::make_shared<client_options>();
  add_client_options(app, *o);
  return std::function<int()>([o] { return get_and_show("node", *o, "/v1/node", show_node); });
}});

const bool actors_registered = add_command({"actors", "List a running agent's actors", [](CLI::App& app) {
  auto a = std::make_shared<actors_args>();
  add_client_options(app, a->client);
  app.add_option("KIND", a->kind, "only this kind (task, supervisor, image_manager, fingerprinter, ...)");
  app.add_option("--state", a->state, "only actors whose state starts with this");
  app.add_option("--sort", a->sort, "id, kind, name, state, messages, mailbox, rate, last or age");
  app.add_flag("--desc", a->desc, "largest first");
  app.add_option("--limit", a->limit, "at most this many (default 100)");
  return std::function<int()>([a] { return get_and_show("actors", a->client, actors_target(*a), show_actors); });
}});

const bool trace_registered = add_command({"trace", "Trace one actor's messages on a running agent", [](CLI::App& app) {
  auto a = std::make_shared<trace_args>();
  add_client_options(app, a->client);
  app.add_option("ACTOR", a->actor, "a task (its id), a CAF actor id, supervisor or a service's kind")->required();
  app.add_option("--count", a->count, "stop after this many messages (default 1000)");
  app.add_option("--for", a->duration, "stop after this long (default 10s)");
  return std::function<int()>([a] { return trace(*a); });
}});

} // namespace
} // namespace stevedore::cli
