// `stevedore console`: a live terminal view of a running agent in the manner
// of top (ncurses): the actor table refreshing, keys to sort, filter, open a
// task's detail, follow its log and stop it.
//
//   s: next sort key   r: reverse   /: filter   up/down: select
//   Enter: the selected task's detail   l: its log   k: stop it   q: back or quit
#include <curses.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "tools/stevedore/client.hpp"
#include "tools/stevedore/command.hpp"

namespace stevedore::cli {
namespace {

const std::vector<std::string> sort_keys = {"id", "name", "state", "messages", "mailbox", "rate", "kind"};

struct console_state {
  client_options client;
  int rate_ms = 1000;
  std::size_t sort = 0;
  bool desc = false;
  std::string filter, message;
  int selected = 0;
  enum class screen { table, detail, log } at = screen::table;
  std::string task;              // the task of the detail and log screens
  std::vector<std::vector<std::string>> rows; // id kind name state mailbox messages rate last
};

void line(int y, const std::string& text, int attr = 0) {
  attron(attr);
  mvaddnstr(y, 0, text.c_str(), COLS);
  attroff(attr);
}

void load_table(const agent_client& c, console_state& s) {
  auto r = c.call("GET", "/v1/actors?limit=2000&sort=" + sort_keys[s.sort] + (s.desc ? "&order=desc" : ""));
  auto tree = r ? parse_answer(r->body) : result<policy::node>(r.error());
  s.rows.clear();
  if (!tree) {
    s.message = to_string(tree.error());
    return;
  }
  if (const auto* list = member(*tree, "actors"))
    for (const auto& a : list->items) {
      std::vector<std::string> row = {std::to_string(int_of(a, "id")), text_of(a, "kind"), text_of(a, "name"),
                                      text_of(a, "state"), std::to_string(int_of(a, "mailbox")),
                                      std::to_string(int_of(a, "messages")), "", text_of(a, "last_message")};
      char rate[32];
      std::snprintf(rate, sizeof rate, "%.1f", member(a, "rate") ? member(a, "rate")->number : 0.0);
      row[6] = rate;
      std::string all = row[1] + " " + row[2] + " " + row[3];
      if (s.filter.empty() || all.find(s.filter) != std::string::npos)
        s.rows.push_back(std::move(row));
    }
  s.selected = std::clamp(s.selected, 0, std::max(0, static_cast<int>(s.rows.size()) - 1));
}

void draw_table(console_state& s) {
  char buf[512];
  std::snprintf(buf, sizeof buf, "%-8s %-16s %-44s %-12s %7s %9s %7s  %s", "ID", "KIND", "NAME", "STATE", "MAILBOX",
                "MESSAGES", "RATE/S", "LAST");
  line(2, buf, A_REVERSE);
  for (int i = 0; i < static_cast<int>(s.rows.size()) && i + 3 < LINES - 1; ++i) {
    const auto& r = s.rows[static_cast<std::size_t>(i)];
    std::snprintf(buf, sizeof buf, "%-8s %-16s %-44s %-12s %7s %9s %7s  %s", r[0].c_str(), r[1].c_str(), r[2].c_str(),
                  r[3].c_str(), r[4].c_str(), r[5].c_str(), r[6].c_str(), r[7].c_str());
    line(i + 3, buf, i == s.selected ? A_BOLD | A_STANDOUT : 0);
  }
}

void draw_detail(const agent_client& c, console_state& s) {
  auto r = c.call("GET", "/v1/tasks/" + path_escape(s.task));
  auto tree = r ? parse_answer(r->body) : result<policy::node>(r.error());
  if (!tree)
    return line(2, to_string(tree.error()));
  int y = 2;
  for (const char* k : {"id", "job", "state", "container_name", "container_id", "image"})
    line(y++, std::string(k) + ": " + text_of(*tree, k));
  line(++y, "State history:", A_BOLD);
  if (const auto* h = member(*tree, "history"))
    for (const auto& e : h->items)
      if (y + 1 < LINES - 1)
        line(++y, "  " + text_of(e, "state") + "  " + age_text(int_of(e, "at_ms")) + " ago  " + text_of(e, "reason"));
}

void draw_log(const agent_client& c, console_state& s) {
  auto r = c.call("GET", "/v1/tasks/" + path_escape(s.task) + "/logs?stream=stdout");
  if (!r)
    return line(2, to_string(r.error()));
  std::vector<std::string> lines;
  std::size_t at = 0;
  for (std::size_t nl; (nl = r->body.find('\n', at)) != std::string::npos; at = nl + 1)
    lines.push_back(r->body.substr(at, nl - at));
  const int room = LINES - 3;
  const int first = std::max(0, static_cast<int>(lines.size()) - room);
  for (int i = first, y = 2; i < static_cast<int>(lines.size()); ++i, ++y)
    line(y, lines[static_cast<std::size_t>(i)]);
}

void draw(const agent_client& c, console_state& s) {
  erase();
  const char* where = s.at == console_state::screen::table ? "actors" : s.at == console_state::screen::detail ? "task" : "log";
  line(0, "stevedore console  " + c.address() + "  [" + where + "]  sort " + sort_keys[s.sort] +
            (s.desc ? " desc" : "") + (s.filter.empty() ? "" : "  filter '" + s.filter + "'"), A_BOLD);
  line(1, "s sort  r reverse  / filter  Enter detail  l log  k stop  q back/quit   " + s.message);
  if (s.at == console_state::screen::table) {
    load_table(c, s);
    draw_table(s);
  } else if (s.at == console_state::screen::detail) {
    draw_detail(c, s);
  } else {
    draw_log(c, s);
  }
  refresh();
}

std::string prompt(const std::string& label) {
  line(LINES - 1, label);
  clrtoeol();
  echo();
  timeout(-1);
  char buf[128] = {};
  getnstr(buf, sizeof buf - 1);
  noecho();
  return buf;
}

// The selected row's task id, or empty when it is not a task.
std::string selected_task(const console_state& s) {
  if (s.rows.empty())
    return {};
  const auto& r = s.rows[static_cast<std::size_t>(s.selected)];
  return r[1] == "task" ? r[2] : std::string();
}

// One key; false to quit.
bool on_key(const agent_client& c, console_state& s, int ch) {
  using sc = console_state::screen;
  switch (ch) {
    case 'q': if (s.at == sc::table) return false; s.at = sc::table; break;
    case 's': s.sort = (s.sort + 1) % sort_keys.size(); break;
    case 'r': s.desc = !s.desc; break;
    case '/': s.filter = prompt("filter: "); s.selected = 0; break;
    case KEY_UP: s.selected = std::max(0, s.selected - 1); break;
    case KEY_DOWN: ++s.selected; break;
    case '\n': case KEY_ENTER:
      if (auto t = selected_task(s); !t.empty()) { s.task = t; s.at = sc::detail; }
      break;
    case 'l':
      if (s.at == sc::table && !selected_task(s).empty()) s.task = selected_task(s);
      if (!s.task.empty()) s.at = sc::log;
      break;
    case 'k': {
      const std::string t = s.at == sc::table ? selected_task(s) : s.task;
      if (t.empty()) break;
      auto r = c.call("POST", "/v1/tasks/" + path_escape(t) + "/stop");
      s.message = r ? "stopping " + t : to_string(r.error());
      break;
    }
    default: break;
  }
  return true;
}

int run_console(console_state& s) {
  auto c = agent_client::make(s.client);
  if (!c)
    return fail("console", to_string(c.error()));
  if (auto probe = c->call("GET", "/v1/actors?limit=1"); !probe)
    return fail("console", to_string(probe.error()));
  initscr();
  cbreak();
  noecho();
  keypad(stdscr, TRUE);
  curs_set(0);
  for (;;) {
    draw(*c, s);
    timeout(s.rate_ms);
    const int ch = getch();
    if (ch != ERR && !on_key(*c, s, ch))
      break;
  }
  endwin();
  return 0;
}

const bool registered = add_command({"console", "A live terminal view of a running agent's actors (top-like)", [](CLI::App& app) {
  auto s = std::make_shared<console_state>();
  add_client_options(app, s->client);
  app.add_option("--rate", s->rate_ms, "refresh period in ms (default 1000)")->check(CLI::Range(100, 60000));
  return std::function<int()>([s] { return run_console(*s); });
}});

} // namespace
} // namespace stevedore::cli
