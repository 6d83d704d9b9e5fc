// The agent client's options, answers and task names (client.hpp).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <CLI/CLI.hpp>

#include "tools/agent/server.hpp"
#include "tools/stevedore/client.hpp"

namespace stevedore::cli {

namespace {

bool is_ended(const std::string& state) {
  return state == "cleaned" || state == "failed" || state == "exited";
}

std::string listed(const std::vector<const task_ref*>& found) {
  std::string out;
  for (std::size_t i = 0; i < found.size() && i < 3; ++i)
    out += (i ? ", " : "") + found[i]->id;
  if (found.size() > 3)
    out += ", ...";
  return out;
}

// One of `found`, preferring the one that still runs; else an error.
result<std::string> one_of(const std::vector<const task_ref*>& found, const std::string& name) {
  if (found.size() == 1)
    return found.front()->id;
  std::vector<const task_ref*> live;
  for (const auto* t : found)
    if (!is_ended(t->state))
      live.push_back(t);
  if (live.size() == 1)
    return live.front()->id;
  return make_error(errc::invalid_input, "task " + name,
                    std::to_string(found.size()) + " tasks match (" + listed(found) +
                      "); name one as ALLOC_PREFIX/TASK");
}

} // namespace

void add_client_options(CLI::App& app, client_options& opts) {
  const char* env = std::getenv("STEVEDORE_ADDR");
  opts.addr = env && *env ? env : "127.0.0.1:4680";
  app.add_option("--addr", opts.addr, "the agent's address, host:port (env STEVEDORE_ADDR)");
  app.add_option("--token-file", opts.token_file, "file whose first line is the agent's token (else env STEVEDORE_TOKEN)");
  app.add_flag("--json", opts.json, "print the agent's JSON answer");
}

result<agent_client> agent_client::make(const client_options& opts) {
  agent_client c;
  std::string addr = opts.addr;
  if (addr.rfind("http://", 0) == 0)
    addr = addr.substr(7);
  while (!addr.empty() && addr.back() == '/')
    addr.pop_back();
  auto parsed = agent::parse_listen(addr);
  if (!parsed)
    return make_error(errc::invalid_input, "--addr " + opts.addr, parsed.error().message);
  c.host_ = parsed->host;
  if (c.host_.size() > 2 && c.host_.front() == '[')
    c.host_ = c.host_.substr(1, c.host_.size() - 2);
  c.port_ = std::to_string(parsed->port);
  c.addr_ = addr;
  if (!opts.token_file.empty()) {
    auto t = agent::read_token_file(opts.token_file);
    if (!t)
      return std::move(t).error();
    c.token_ = *t;
  } else if (const char* t = std::getenv("STEVEDORE_TOKEN")) {
    c.token_ = t;
  }
  return c;
}

int fail(const std::string& cmd, const std::string& line) {
  std::fprintf(stderr, "stevedore %s: %s\n", cmd.c_str(), line.c_str());
  return 1;
}

result<policy::node> parse_answer(const std::string& body) {
  auto tree = policy::parse_json(body, "the agent's answer");
  if (!tree)
    return make_error(errc::malformed_answer, "the agent's answer", to_string(tree.error()));
  return tree;
}

const policy::node* member(const policy::node& n, std::string_view key) {
  for (const auto& [k, v] : n.fields)
    if (k == key)
      return &v;
  return nullptr;
}

std::string text_of(const policy::node& n, std::string_view key) {
  const policy::node* m = member(n, key);
  if (!m || m->type == policy::node::kind::null)
    return {};
  return m->text;
}

std::int64_t int_of(const policy::node& n, std::string_view key) {
  const policy::node* m = member(n, key);
  return m && m->type == policy::node::kind::number ? static_cast<std::int64_t>(m->number) : 0;
}

bool bool_of(const policy::node& n, std::string_view key) {
  const policy::node* m = member(n, key);
  return m && m->type == policy::node::kind::boolean && m->boolean;
}

result<std::string> match_task(const std::vector<task_ref>& tasks, const std::string& name) {
  if (name.empty())
    return make_error(errc::invalid_input, "task", "empty name");
  const auto slash = name.find('/');
  std::vector<const task_ref*> found;
  for (const auto& t : tasks) {
    const auto at = t.id.find('/');
    const std::string alloc = t.id.substr(0, at), task = t.id.substr(at + 1);
    const bool hit = slash != std::string::npos
                       ? alloc.rfind(name.substr(0, slash), 0) == 0 && task == name.substr(slash + 1)
                       : alloc.rfind(name, 0) == 0;
    if (t.id == name)
      return t.id;
    if (hit)
      found.push_back(&t);
  }
  if (found.empty() && slash == std::string::npos)
    for (const auto& t : tasks)
      if (t.id.substr(t.id.find('/') + 1) == name)
        found.push_back(&t);
  if (found.empty())
    return make_error(errc::not_found, "task " + name, "no task of the agent has this id, alloc id prefix or name");
  return one_of(found, name);
}

result<std::string> find_task(const agent_client& c, const std::string& name) {
  auto a = c.call("GET", "/v1/tasks");
  if (!a)
    return std::move(a).error();
  auto tree = parse_answer(a->body);
  if (!tree)
    return std::move(tree).error();
  std::vector<task_ref> refs;
  if (const auto* list = member(*tree, "tasks"))
    for (const auto& t : list->items)
      refs.push_back(task_ref{text_of(t, "id"), text_of(t, "state")});
  return match_task(refs, name);
}

std::string path_escape(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) {
      width.resize(std::max(width.size(), r.size()));
      width[i] = std::max(width[i], r[i].size());
    }
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size())
        line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

std::string age_text(std::int64_t ms) {
  if (ms <= 0)
    return "-";
  using namespace std::chrono;
  const auto now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  const std::int64_t s = std::max<std::int64_t>(0, (now - ms) / 1000);
  if (s < 120)
    return std::to_string(s) + "s";
  if (s < 7200)
    return std::to_string(s / 60) + "m";
  if (s < 172800)
    return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

} // namespace stevedore::cli
