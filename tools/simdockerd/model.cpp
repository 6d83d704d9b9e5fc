#include "tools/simdockerd/model.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <thread>

#include <unistd.h>

#include "tools/simdockerd/json_writer.hpp"

namespace stevedore::sim {

namespace {

using steady = std::chrono::steady_clock;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::uint64_t fnv(std::string_view s) {
  std::uint64_t h = 14695981039346656037ull;
  for (char c : s)
    h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

// 64 hex digits, a pure function of `seed`.
std::string hex_id(std::uint64_t seed) {
  std::string out;
  char buf[17];
  for (int i = 0; i < 4; ++i) {
    seed = splitmix(seed);
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(seed));
    out += buf;
  }
  return out;
}

std::string short_id(const std::string& id) {
  auto s = id.rfind(':') == std::string::npos ? id : id.substr(id.rfind(':') + 1);
  return s.substr(0, 12);
}

// RFC 3339 with nanoseconds, as Go writes time.Time; 0 is Go's zero time.
std::string rfc3339(std::int64_t ns) {
  if (ns == 0)
    return "0001-01-01T00:00:00Z";
  std::time_t secs = static_cast<std::time_t>(ns / 1000000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(ns % 1000000000));
  return buf;
}

// go-units HumanDuration, as in "Up 5 seconds".
std::string human_duration(std::int64_t ns) {
  std::int64_t s = ns / 1000000000;
  if (s < 1) return "Less than a second";
  if (s == 1) return "1 second";
  if (s < 60) return std::to_string(s) + " seconds";
  std::int64_t m = s / 60;
  if (m == 1) return "About a minute";
  if (m < 60) return std::to_string(m) + " minutes";
  std::int64_t h = m / 60;
  if (h == 1) return "About an hour";
  if (h < 48) return std::to_string(h) + " hours";
  return std::to_string(h / 24) + " days";
}

// Signal by name ("SIGTERM", "TERM") or number; 0 when unknown.
int signal_number(std::string s) {
  if (s.empty())
    return 0;
  if (std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int n = std::atoi(s.c_str());
    return n > 0 && n < 65 ? n : 0;
  }
  for (auto& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (s.rfind("SIG", 0) == 0)
    s = s.substr(3);
  static const std::pair<const char*, int> names[] = {
      {"HUP", 1},   {"INT", 2},   {"QUIT", 3},  {"ILL", 4},   {"TRAP", 5},   {"ABRT", 6},
      {"BUS", 7},   {"FPE", 8},   {"KILL", 9},  {"USR1", 10}, {"SEGV", 11},  {"USR2", 12},
      {"PIPE", 13}, {"ALRM", 14}, {"TERM", 15}, {"CHLD", 17}, {"CONT", 18},  {"STOP", 19},
      {"TSTP", 20}, {"TTIN", 21}, {"TTOU", 22}, {"URG", 23},  {"WINCH", 28}};
  for (auto& [name, n] : names)
    if (s == name)
      return n;
  return 0;
}

// The signals a simulated process dies of; the others it "handles".
bool fatal_signal(int sig) { return sig == 9 || sig == 15 || sig == 2 || sig == 3 || sig == 6; }

// "busybox" -> "busybox:latest", "docker.io/library/x:1" -> "x:1".
std::string normalize_ref(std::string ref) {
  for (const char* prefix : {"docker.io/library/", "index.docker.io/library/", "docker.io/", "library/"})
    if (ref.rfind(prefix, 0) == 0)
      ref = ref.substr(std::string_view(prefix).size());
  if (ref.find('@') != std::string::npos)
    return ref;
  auto slash = ref.rfind('/');
  auto colon = ref.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash))
    ref += ":latest";
  return ref;
}

// The repository part of a normalized reference ("127.0.0.1:5000/app").
std::string repository_of(const std::string& ref) {
  auto at = ref.find('@');
  if (at != std::string::npos)
    return ref.substr(0, at);
  auto slash = ref.rfind('/');
  auto colon = ref.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash))
    return ref.substr(0, colon);
  return ref;
}

bool is_hex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

bool valid_name(const std::string& n) {
  auto ok = [](char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (!first && (c == '_' || c == '.' || c == '-'));
  };
  if (n.size() < 2 || !ok(n[0], true))
    return false;
  for (std::size_t i = 1; i < n.size(); ++i)
    if (!ok(n[i], false))
      return false;
  return true;
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos)
    return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  char quote = 0;
  bool any = false;
  for (char c : s) {
    if (quote) {
      if (c == quote) quote = 0;
      else cur.push_back(c);
    } else if (c == '\'' || c == '"') {
      quote = c;
      any = true;
    } else if (c == ' ' || c == '\t') {
      if (any || !cur.empty()) out.push_back(cur);
      cur.clear();
      any = false;
    } else {
      cur.push_back(c);
    }
  }
  if (any || !cur.empty())
    out.push_back(cur);
  return out;
}

std::int64_t seconds_to_ms(const std::string& s) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || v < 0)
    return -1;
  return static_cast<std::int64_t>(v * 1000.0);
}

// One simple command of a script or argv.
bool compile_command(std::vector<std::string> argv, std::vector<step>& out) {
  if (argv.empty())
    return true;
  auto base = argv[0].substr(argv[0].rfind('/') == std::string::npos ? 0 : argv[0].rfind('/') + 1);
  if (base == "echo") {
    bool err = false;
    if (!argv.empty() && (argv.back() == ">&2" || argv.back() == "1>&2")) {
      err = true;
      argv.pop_back();
    }
    std::string text;
    for (std::size_t i = 1; i < argv.size(); ++i)
      text += (i > 1 ? " " : "") + argv[i];
    out.push_back({err ? step::kind::err : step::kind::out, 0, text + "\n"});
    return true;
  }
  if (base == "sleep" && argv.size() >= 2) {
    if (argv[1] == "infinity") {
      out.push_back({step::kind::forever, 0, {}});
      return false;
    }
    auto ms = seconds_to_ms(argv[1]);
    if (ms < 0) {
      out.push_back({step::kind::forever, 0, {}});
      return false;
    }
    out.push_back({step::kind::sleep, ms, {}});
    return true;
  }
  if (base == "exit") {
    out.push_back({step::kind::exit, argv.size() > 1 ? std::atoi(argv[1].c_str()) : 0, {}});
    return false;
  }
  if (base == "true" || base == "trap" || base == ":")
    return true;
  if (base == "false") {
    out.push_back({step::kind::exit, 1, {}});
    return false;
  }
  out.push_back({step::kind::forever, 0, {}});
  return false;
}

} // namespace

std::string error_body(std::string_view text) {
  std::string out = "{\"message\":";
  append_quoted(out, text);
  out += "}";
  return out;
}

// argv is Entrypoint + Cmd. `sh -c SCRIPT` runs the script's `;`, `&&` or
// newline separated commands one by one; anything not understood runs
// until stopped.
std::vector<step> compile_program(const std::vector<std::string>& argv) {
  std::vector<step> out;
  if (argv.empty()) {
    out.push_back({step::kind::forever, 0, {}});
    return out;
  }
  auto base = argv[0].substr(argv[0].rfind('/') == std::string::npos ? 0 : argv[0].rfind('/') + 1);
  if ((base == "sh" || base == "bash" || base == "ash") && argv.size() >= 3 && argv[1] == "-c") {
    std::string script = argv[2];
    std::vector<std::string> commands;
    std::string cur;
    for (std::size_t i = 0; i < script.size(); ++i) {
      char c = script[i];
      if (c == ';' || c == '\n' || (c == '&' && i + 1 < script.size() && script[i + 1] == '&')) {
        commands.push_back(cur);
        cur.clear();
        if (c == '&') ++i;
      } else {
        cur.push_back(c);
      }
    }
    commands.push_back(cur);
    for (auto& c : commands)
      if (!compile_command(words(trim(c)), out))
        return out;
    out.push_back({step::kind::exit, 0, {}});
    return out;
  }
  if (base == "sh" || base == "bash" || base == "ash") {
    out.push_back({step::kind::forever, 0, {}});
    return out;
  }
  if (compile_command(argv, out))
    out.push_back({step::kind::exit, 0, {}});
  return out;
}

//----------------------------------------------------------------------------

namespace {

struct image {
  std::string id;              // "sha256:..."
  std::vector<std::string> tags;
  std::string digest;          // "sha256:..." of the manifest
  std::int64_t size = 0;
  std::int64_t created = 0;    // Unix seconds
};

struct watcher {
  std::uint64_t id = 0;
  bool until_removed = false;  // a wait for removal, kept across exits
  model::watch_fn fn;
};

struct container {
  enum class status : std::uint8_t { created, running, exited };
  std::string id;
  std::string name;            // without '/'
  std::string image_id;
  create_spec spec;
  std::vector<step> program;
  std::size_t pc = 0;          // next step of program
  status st = status::created;
  bool oom_killed = false;
  bool ignore_sigterm = false; // label sim.ignore-sigterm=true or env SIM_IGNORE_SIGTERM=1
  bool oom = false;            // label sim.oom=true
  int exit_code = 0;
  int pid = 0;
  std::uint32_t gen = 0;       // bumped at each start and exit: stale timers skip
  std::uint32_t restarts = 0;
  std::int64_t created_ns = 0, started_ns = 0, finished_ns = 0;
  std::vector<port_binding> published; // PortBindings with host ports filled in, while running
  std::vector<log_line> logs;
  std::vector<watcher> watchers;
};

struct exec_instance {
  std::string id;
  std::string container_id;
  exec_spec spec;
  bool started = false;
  int exit_code = 0;
  int pid = 0;
};

struct event_record {
  std::int64_t time_ns = 0;
  std::string type;            // container, image
  std::string action;
  std::string id;
  std::string from;            // image of a container event
  label_list attributes;       // sorted
  std::string line;            // the JSON line, "\n" included
};

struct timer_entry {
  steady::time_point at;
  std::string id;
  std::uint32_t gen = 0;
  bool kill = false;           // the SIGKILL at the end of a stop's timeout
  bool operator>(const timer_entry& o) const { return at > o.at; }
};

struct subscriber {
  filter_map filters;
  model::event_fn fn;
};

bool has_label(const label_list& labels, const std::string& filter) {
  auto eq = filter.find('=');
  auto key = filter.substr(0, eq);
  for (auto& [k, v] : labels)
    if (k == key)
      return eq == std::string::npos || v == filter.substr(eq + 1);
  return false;
}

bool any_of_values(const filter_map& f, const char* key, const std::function<bool(const std::string&)>& pred) {
  auto it = f.find(key);
  if (it == f.end() || it->second.empty())
    return true;
  return std::any_of(it->second.begin(), it->second.end(), pred);
}

const std::string* attribute(const label_list& attrs, std::string_view key) {
  for (auto& [k, v] : attrs)
    if (k == key)
      return &v;
  return nullptr;
}

bool event_matches(const event_record& e, const filter_map& f) {
  if (!any_of_values(f, "type", [&](const std::string& v) { return v == e.type; })) return false;
  if (!any_of_values(f, "event", [&](const std::string& v) {
        return v == e.action || e.action.rfind(v + ":", 0) == 0;
      }))
    return false;
  if (f.count("container") && !f.at("container").empty()) {
    if (e.type != "container") return false;
    auto name = attribute(e.attributes, "name");
    if (!any_of_values(f, "container", [&](const std::string& v) {
          return v == e.id || (name && v == *name) || (v.size() >= 1 && e.id.rfind(v, 0) == 0);
        }))
      return false;
  }
  if (!any_of_values(f, "image", [&](const std::string& v) {
        return v == e.from || v == e.id || normalize_ref(v) == normalize_ref(e.from);
      }))
    return false;
  auto it = f.find("label");
  if (it != f.end())
    for (auto& l : it->second)  // every label filter must hold
      if (!has_label(e.attributes, l))
        return false;
  return true;
}

} // namespace

struct model::state {
  model_options opts;
  std::map<std::string, image> images;                   // by id
  std::map<std::string, std::string> tags;               // normalized ref -> image id
  std::unordered_map<std::string, std::unique_ptr<container>> containers;
  std::unordered_map<std::string, std::string> names;    // name -> id
  std::unordered_map<std::string, exec_instance> execs;
  std::deque<event_record> events;
  std::map<std::uint64_t, subscriber> subscribers;
  std::priority_queue<timer_entry, std::vector<timer_entry>, std::greater<>> timers;
  std::uint64_t next_serial = 1;
  std::uint64_t next_watch = 1;
  int next_pid = 1000;
  std::uint16_t next_port = 32768;
  std::size_t running = 0;

  std::string new_id() { return hex_id(fnv("sim") ^ (next_serial++ * 0x9e3779b97f4a7c15ull)); }

  steady::duration scaled_ms(std::int64_t ms) const {
    return std::chrono::duration_cast<steady::duration>(
        std::chrono::duration<double, std::milli>(static_cast<double>(ms) * opts.time_scale));
  }

  // -- lookups --
  container* find(const std::string& ref) {
    auto it = containers.find(ref);
    if (it != containers.end())
      return it->second.get();
    auto name = ref.size() > 1 && ref[0] == '/' ? ref.substr(1) : ref;
    auto n = names.find(name);
    if (n != names.end())
      return containers.at(n->second).get();
    if (!is_hex(ref))
      return nullptr;
    container* found = nullptr;
    for (auto& [id, c] : containers)
      if (id.rfind(ref, 0) == 0) {
        if (found) return nullptr; // ambiguous
        found = c.get();
      }
    return found;
  }

  image* find_image(const std::string& ref) {
    auto t = tags.find(normalize_ref(ref));
    if (t != tags.end())
      return &images.at(t->second);
    auto hex = ref.rfind("sha256:", 0) == 0 ? ref.substr(7) : ref;
    if (!is_hex(hex))
      return nullptr;
    image* found = nullptr;
    for (auto& [id, img] : images)
      if (id.compare(7, hex.size(), hex) == 0 && hex.size() <= 64) {
        if (found) return nullptr;
        found = &img;
      }
    return found;
  }

  // -- events --
  void emit(std::string type, std::string action, std::string id, std::string from,
            label_list attrs) {
    event_record e;
    e.time_ns = now_ns();
    e.type = std::move(type);
    e.action = std::move(action);
    e.id = std::move(id);
    e.from = std::move(from);
    std::sort(attrs.begin(), attrs.end());
    e.attributes = std::move(attrs);
    json_writer w;
    w.begin_object();
    if (e.type == "container" || e.type == "image") {
      w.field("status", e.action).field("id", e.id);
      if (!e.from.empty())
        w.field("from", e.from);
    }
    w.field("Type", e.type).field("Action", e.action);
    w.key("Actor").begin_object().field("ID", e.id).key("Attributes").begin_object();
    for (auto& [k, v] : e.attributes)
      w.field(k, v);
    w.end_object().end_object();
    w.field("scope", "local").field("time", e.time_ns / 1000000000).field("timeNano", e.time_ns);
    w.end_object();
    e.line = w.take() + "\n";
    for (auto& [sid, sub] : subscribers)
      if (event_matches(e, sub.filters))
        sub.fn(e.line);
    events.push_back(std::move(e));
    while (events.size() > opts.events_kept)
      events.pop_front();
  }

  void emit_container(const container& c, std::string action, label_list extra = {}) {
    label_list attrs = c.spec.labels;
    attrs.emplace_back("image", c.spec.image);
    attrs.emplace_back("name", c.name);
    for (auto& e : extra)
      attrs.push_back(std::move(e));
    emit("container", std::move(action), c.id, c.spec.image, std::move(attrs));
  }

  // -- lifecycle --
  void log(container& c, bool err, std::string text) {
    c.logs.push_back({now_ns(), err, std::move(text)});
    if (c.logs.size() > opts.log_lines_kept)
      c.logs.erase(c.logs.begin(), c.logs.begin() + static_cast<std::ptrdiff_t>(c.logs.size() - opts.log_lines_kept));
    notice n{notice::kind::log, 0, &c.logs.back()};
    for (auto& w : c.watchers)
      if (!w.until_removed)
        w.fn(n);
  }

  void die(container& c, int code, bool oom) {
    if (c.st != container::status::running)
      return;
    c.st = container::status::exited;
    --running;
    c.exit_code = code;
    c.oom_killed = oom;
    c.pid = 0;
    c.finished_ns = now_ns();
    c.published.clear();
    ++c.gen;
    if (oom)
      emit_container(c, "oom");
    emit_container(c, "die", {{"exitCode", std::to_string(code)}});
    notice n{notice::kind::exited, code, nullptr};
    auto ws = std::move(c.watchers);
    c.watchers.clear();
    for (auto& w : ws) {
      if (w.until_removed)
        c.watchers.push_back(std::move(w));
      else
        w.fn(n);
    }
  }

  void run(container& c, steady::time_point now) {
    while (c.st == container::status::running && c.pc < c.program.size()) {
      const step& s = c.program[c.pc];
      switch (s.what) {
        case step::kind::out:
        case step::kind::err:
          ++c.pc;
          log(c, s.what == step::kind::err, s.text);
          break;
        case step::kind::sleep:
          ++c.pc;
          timers.push({now + scaled_ms(s.n), c.id, c.gen, false});
          return;
        case step::kind::exit:
          ++c.pc;
          die(c, static_cast<int>(s.n), false);
          return;
        case step::kind::forever:
          return;
      }
    }
    if (c.st == container::status::running && c.pc >= c.program.size())
      die(c, 0, false);
  }

  void deliver_signal(container& c, int sig) {
    emit_container(c, "kill", {{"signal", std::to_string(sig)}});
    if (sig == 15 && c.ignore_sigterm)
      return;
    if (fatal_signal(sig))
      die(c, 128 + sig, false);
  }

  void destroy(container& c) {
    emit_container(c, "destroy");
    notice n{notice::kind::removed, c.exit_code, nullptr};
    for (auto& w : c.watchers)
      w.fn(n);
    names.erase(c.name);
    auto id = c.id; // the key must outlive the element it names
    containers.erase(id);
  }

  bool image_in_use(const std::string& image_id, const container** user) {
    for (auto& [id, c] : containers)
      if (c->image_id == image_id) {
        if (!*user || c->st == container::status::running)
          *user = c.get();
      }
    return *user != nullptr;
  }

  // -- rendering --
  void render_ports(json_writer& w, const container& c) {
    w.begin_object();
    std::vector<std::string> keys;
    for (auto& p : c.published)
      if (std::find(keys.begin(), keys.end(), p.container_port) == keys.end())
        keys.push_back(p.container_port);
    std::sort(keys.begin(), keys.end());
    for (auto& k : keys) {
      w.key(k).begin_array();
      for (auto& p : c.published)
        if (p.container_port == k)
          w.begin_object().field("HostIp", p.host_ip.empty() ? "0.0.0.0" : p.host_ip)
              .field("HostPort", p.host_port).end_object();
      w.end_array();
    }
    w.end_object();
  }

  const char* status_name(const container& c) const {
    switch (c.st) {
      case container::status::created: return "created";
      case container::status::running: return "running";
      case container::status::exited: return "exited";
    }
    return "dead";
  }

  void render_labels(json_writer& w, const label_list& labels) {
    w.begin_object();
    for (auto& [k, v] : labels)
      w.field(k, v);
    w.end_object();
  }

  std::string render_inspect(const container& c) {
    json_writer w;
    std::vector<std::string> argv = c.spec.entrypoint;
    argv.insert(argv.end(), c.spec.cmd.begin(), c.spec.cmd.end());
    bool running = c.st == container::status::running;
    w.begin_object();
    w.field("Id", c.id).field("Created", rfc3339(c.created_ns));
    w.field("Path", argv.empty() ? std::string() : argv[0]);
    w.key("Args").begin_array();
    for (std::size_t i = 1; i < argv.size(); ++i)
      w.str(argv[i]);
    w.end_array();
    w.key("State").begin_object()
        .field("Status", status_name(c)).field("Running", running).field("Paused", false)
        .field("Restarting", false).field("OOMKilled", c.oom_killed).field("Dead", false)
        .field("Pid", c.pid).field("ExitCode", c.exit_code).field("Error", "")
        .field("StartedAt", rfc3339(c.started_ns)).field("FinishedAt", rfc3339(c.finished_ns))
        .end_object();
    w.field("Image", c.image_id);
    w.field("ResolvConfPath", "").field("HostnamePath", "").field("HostsPath", "").field("LogPath", "");
    w.field("Name", "/" + c.name).field("RestartCount", static_cast<int>(c.restarts));
    w.field("Driver", "vfs").field("Platform", "linux").field("MountLabel", "").field("ProcessLabel", "");
    w.field("AppArmorProfile", "");
    w.key("HostConfig").raw(c.spec.host_config);
    w.key("Mounts").begin_array().end_array();
    w.key("Config").begin_object()
        .field("Hostname", c.spec.hostname.empty() ? c.id.substr(0, 12) : c.spec.hostname)
        .field("Domainname", "").field("User", c.spec.user).field("Tty", c.spec.tty)
        .key("Env").strings(c.spec.env);
    w.key("Cmd");
    if (c.spec.cmd.empty()) w.null(); else w.strings(c.spec.cmd);
    w.field("Image", c.spec.image).field("WorkingDir", c.spec.working_dir);
    w.key("Entrypoint");
    if (c.spec.entrypoint.empty()) w.null(); else w.strings(c.spec.entrypoint);
    w.key("Labels");
    render_labels(w, c.spec.labels);
    if (!c.spec.stop_signal.empty())
      w.field("StopSignal", c.spec.stop_signal);
    if (c.spec.stop_timeout >= 0)
      w.field("StopTimeout", c.spec.stop_timeout);
    w.end_object();
    w.key("NetworkSettings").begin_object().field("Bridge", "").field("SandboxID", "");
    w.key("Ports");
    render_ports(w, c);
    w.field("Gateway", running ? "172.17.0.1" : "");
    w.field("IPAddress", running ? ip_of(c) : std::string());
    w.field("IPPrefixLen", running ? 16 : 0).field("MacAddress", "");
    w.key("Networks").begin_object().key("bridge").begin_object()
        .field("NetworkID", bridge_id()).field("Gateway", running ? "172.17.0.1" : "")
        .field("IPAddress", running ? ip_of(c) : std::string())
        .field("IPPrefixLen", running ? 16 : 0).end_object().end_object();
    w.end_object();
    w.end_object();
    return w.take();
  }

  static std::string ip_of(const container& c) {
    auto n = static_cast<unsigned>(c.pid) % 65000u + 2u;
    return "172.17." + std::to_string(n / 256) + "." + std::to_string(n % 256);
  }

  static std::string bridge_id() { return hex_id(fnv("bridge")); }

  void render_summary(json_writer& w, const container& c) {
    std::vector<std::string> argv = c.spec.entrypoint;
    argv.insert(argv.end(), c.spec.cmd.begin(), c.spec.cmd.end());
    std::string command;
    for (auto& a : argv)
      command += (command.empty() ? "" : " ") + a;
    std::string status;
    auto now = now_ns();
    switch (c.st) {
      case container::status::created: status = "Created"; break;
      case container::status::running: status = "Up " + human_duration(now - c.started_ns); break;
      case container::status::exited:
        status = "Exited (" + std::to_string(c.exit_code) + ") " +
                 human_duration(now - c.finished_ns) + " ago";
        break;
    }
    w.begin_object().field("Id", c.id).key("Names").begin_array().str("/" + c.name).end_array()
        .field("Image", c.spec.image).field("ImageID", c.image_id).field("Command", command)
        .field("Created", c.created_ns / 1000000000);
    w.key("Ports").begin_array();
    for (auto& p : c.published) {
      auto slash = p.container_port.find('/');
      w.begin_object().field("IP", p.host_ip.empty() ? "0.0.0.0" : p.host_ip)
          .field("PrivatePort", std::atoi(p.container_port.c_str()))
          .field("PublicPort", std::atoi(p.host_port.c_str()))
          .field("Type", slash == std::string::npos ? "tcp" : p.container_port.substr(slash + 1))
          .end_object();
    }
    w.end_array();
    w.key("Labels");
    render_labels(w, c.spec.labels);
    w.field("State", status_name(c)).field("Status", status);
    w.key("HostConfig").begin_object().field("NetworkMode", "default").end_object();
    w.key("Mounts").begin_array().end_array();
    w.end_object();
  }

  void render_image_summary(json_writer& w, const image& img) {
    w.begin_object().field("Containers", -1).field("Created", img.created).field("Id", img.id)
        .key("Labels").null().field("ParentId", "");
    w.key("RepoDigests").begin_array();
    for (auto& t : img.tags)
      w.str(repository_of(t) + "@" + img.digest);
    w.end_array();
    w.key("RepoTags").strings(img.tags);
    w.field("SharedSize", -1).field("Size", img.size).field("VirtualSize", img.size);
    w.end_object();
  }
};

//----------------------------------------------------------------------------

model::model(model_options opts) : s_(std::make_unique<state>()) { s_->opts = std::move(opts); }
model::~model() = default;

void model::add_image(const std::string& reference) {
  std::lock_guard lock(mu_);
  auto ref = normalize_ref(reference);
  if (s_->tags.count(ref))
    return;
  image img;
  img.id = "sha256:" + hex_id(fnv(ref));
  img.digest = "sha256:" + hex_id(fnv(ref) ^ 0x5bd1e995u);
  img.size = 1200000 + static_cast<std::int64_t>(fnv(ref) % 4000000);
  img.created = 1700000000;
  auto& stored = s_->images[img.id];
  if (stored.id.empty())
    stored = img;
  stored.tags.push_back(ref);
  s_->tags[ref] = img.id;
}

answer model::image_inspect(const std::string& name) {
  std::lock_guard lock(mu_);
  auto* img = s_->find_image(name);
  if (!img)
    return {404, error_body("No such image: " + name)};
  json_writer w;
  w.begin_object().field("Id", img->id).key("RepoTags").strings(img->tags);
  w.key("RepoDigests").begin_array();
  for (auto& t : img->tags)
    w.str(repository_of(t) + "@" + img->digest);
  w.end_array();
  w.field("Parent", "").field("Comment", "").field("Created", rfc3339(img->created * 1000000000));
  w.field("DockerVersion", "20.10.24").field("Author", "");
  w.key("Config").begin_object().field("Hostname", "").field("User", "")
      .key("Env").begin_array().str("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").end_array()
      .key("Cmd").begin_array().str("sh").end_array()
      .field("Image", "").field("WorkingDir", "").key("Entrypoint").null().key("Labels").null()
      .end_object();
  w.field("Architecture", "amd64").field("Os", "linux").field("Size", img->size)
      .field("VirtualSize", img->size);
  w.key("RootFS").begin_object().field("Type", "layers").key("Layers").begin_array()
      .str("sha256:" + hex_id(fnv(img->id))).end_array().end_object();
  w.end_object();
  return {200, w.take()};
}

answer model::image_list() {
  std::lock_guard lock(mu_);
  json_writer w;
  w.begin_array();
  for (auto& [id, img] : s_->images)
    s_->render_image_summary(w, img);
  w.end_array();
  return {200, w.take()};
}

answer model::image_remove(const std::string& name, bool force) {
  std::lock_guard lock(mu_);
  auto* img = s_->find_image(name);
  if (!img)
    return {404, error_body("No such image: " + name)};
  auto ref = normalize_ref(name);
  bool by_ref = s_->tags.count(ref) > 0;
  json_writer w;
  w.begin_array();
  if (by_ref && img->tags.size() > 1) { // only this tag goes
    img->tags.erase(std::find(img->tags.begin(), img->tags.end(), ref));
    s_->tags.erase(ref);
    w.begin_object().field("Untagged", ref).end_object().end_array();
    s_->emit("image", "untag", img->id, "", {{"name", img->id}});
    return {200, w.take()};
  }
  const container* user = nullptr;
  if (s_->image_in_use(img->id, &user)) {
    if (user->st == container::status::running)
      return {409, error_body("conflict: unable to delete " + short_id(img->id) +
                              " (cannot be forced) - image is being used by running container " +
                              short_id(user->id))};
    if (!force) {
      if (by_ref)
        return {409, error_body("conflict: unable to remove repository reference \"" + name +
                                "\" (must force) - container " + short_id(user->id) +
                                " is using its referenced image " + short_id(img->id))};
      return {409, error_body("conflict: unable to delete " + short_id(img->id) +
                              " (must be forced) - image is being used by stopped container " +
                              short_id(user->id))};
    }
  }
  auto id = img->id;
  for (auto& t : img->tags) {
    w.begin_object().field("Untagged", t).end_object();
    s_->tags.erase(t);
  }
  w.begin_object().field("Deleted", id).end_object().end_array();
  s_->images.erase(id);
  s_->emit("image", "untag", id, "", {{"name", id}});
  s_->emit("image", "delete", id, "", {{"name", id}});
  return {200, w.take()};
}

answer model::pull_check(const std::string& from_image, const std::string& tag,
                         const std::string& auth_header, std::vector<std::string>& lines,
                         std::string& reference) {
  std::lock_guard lock(mu_);
  if (from_image.empty())
    return {400, error_body("fromImage is required")}; // dockerd would try an import
  std::string ref = from_image;
  if (!tag.empty())
    ref += (tag.rfind("sha256:", 0) == 0 ? "@" : ":") + tag;
  ref = normalize_ref(ref);
  auto repo = repository_of(ref);
  auto tag_or_digest = ref.substr(repo.size() + 1);
  auto first = repo.substr(0, repo.find('/'));
  bool own_registry = repo.find('/') != std::string::npos &&
                      (first.find('.') != std::string::npos || first.find(':') != std::string::npos ||
                       first == "localhost");
  auto registry = own_registry ? first : std::string("registry-1.docker.io");
  auto path = own_registry ? repo.substr(first.size() + 1)
                           : (repo.find('/') == std::string::npos ? "library/" + repo : repo);
  auto manifest_url = std::string(own_registry ? "http://" : "https://") + registry + "/v2/" + path +
                      "/manifests/" + tag_or_digest;
  if (!s_->opts.registry_user.empty()) {
    auto auth = auth_header.empty() ? result<registry_auth>(registry_auth{})
                                    : decode_registry_auth(auth_header);
    if (!auth.ok() || auth->username.empty())
      return {500, error_body("Head \"" + manifest_url + "\": no basic auth credentials")};
    if (auth->username != s_->opts.registry_user || auth->password != s_->opts.registry_password)
      return {500, error_body("Head \"" + manifest_url + "\": unauthorized: authentication required")};
  }
  if (ref.find("missing") != std::string::npos)
    return {404, error_body("manifest for " + ref + " not found: manifest unknown: manifest unknown")};

  auto line = [&](std::string status, const std::string& id, std::int64_t cur, std::int64_t total,
                  bool detail) {
    json_writer w;
    w.begin_object().field("status", status);
    if (detail) {
      w.key("progressDetail").begin_object();
      if (total > 0)
        w.field("current", cur).field("total", total);
      w.end_object();
      if (total > 0)
        w.field("progress", "[=>  ] " + std::to_string(cur) + "B/" + std::to_string(total) + "B");
    }
    if (!id.empty())
      w.field("id", id);
    w.end_object();
    lines.push_back(w.take() + "\n");
  };
  line("Pulling from " + path, tag_or_digest, 0, 0, false);
  auto digest = "sha256:" + hex_id(fnv(ref) ^ 0x5bd1e995u);
  if (s_->tags.count(ref)) {
    line("Digest: " + digest, "", 0, 0, false);
    line("Status: Image is up to date for " + ref, "", 0, 0, false);
    reference = ref;
    return {200, {}};
  }
  bool broken = ref.find("broken") != std::string::npos;
  for (std::size_t i = 0; i < s_->opts.pull_layers; ++i) {
    auto layer = hex_id(fnv(ref) + i).substr(0, 12);
    line("Pulling fs layer", layer, 0, 0, true);
    if (broken) {
      json_writer w;
      w.begin_object().key("errorDetail").begin_object()
          .field("message", "unexpected EOF").end_object()
          .field("error", "unexpected EOF").end_object();
      lines.push_back(w.take() + "\n");
      reference.clear();
      return {200, {}};
    }
  }
  for (std::size_t i = 0; i < s_->opts.pull_layers; ++i) {
    auto layer = hex_id(fnv(ref) + i).substr(0, 12);
    std::int64_t total = 500000 + static_cast<std::int64_t>((fnv(layer) % 1000) * 1000);
    line("Downloading", layer, total / 2, total, true);
    line("Downloading", layer, total, total, true);
    line("Verifying Checksum", layer, 0, 0, true);
    line("Download complete", layer, 0, 0, true);
    line("Extracting", layer, total, total, true);
    line("Pull complete", layer, 0, 0, true);
  }
  line("Digest: " + digest, "", 0, 0, false);
  line("Status: Downloaded newer image for " + ref, "", 0, 0, false);
  reference = ref;
  return {200, {}};
}

void model::finish_pull(const std::string& reference) {
  add_image(reference);
  std::lock_guard lock(mu_);
  s_->emit("image", "pull", reference, "", {{"name", repository_of(reference)}});
}

answer model::image_load(std::string_view tar) {
  // A tar is 512-byte blocks: a header (name at 0, octal size at 124) and
  // the file's blocks. Only manifest.json matters: its RepoTags.
  std::vector<std::string> refs;
  std::size_t pos = 0;
  bool any = false;
  while (pos + 512 <= tar.size()) {
    auto header = tar.substr(pos, 512);
    if (header.find_first_not_of('\0') == std::string_view::npos)
      break;
    std::string name(header.substr(0, 100).data(), strnlen(header.data(), 100));
    std::string size_text(header.substr(124, 12));
    char* end = nullptr;
    auto size = std::strtoull(size_text.c_str(), &end, 8);
    if (end == size_text.c_str() || pos + 512 + size > tar.size())
      return {500, error_body("unexpected EOF")};
    any = true;
    if (name == "manifest.json" || name == "./manifest.json") {
      auto body = tar.substr(pos + 512, size);
      auto tags_at = body.find("\"RepoTags\"");
      while (tags_at != std::string_view::npos) {
        auto open = body.find('[', tags_at);
        auto close = body.find(']', open);
        if (open == std::string_view::npos || close == std::string_view::npos)
          break;
        auto list = body.substr(open + 1, close - open - 1);
        std::size_t q = 0;
        while ((q = list.find('"', q)) != std::string_view::npos) {
          auto e = list.find('"', q + 1);
          if (e == std::string_view::npos)
            break;
          refs.emplace_back(list.substr(q + 1, e - q - 1));
          q = e + 1;
        }
        tags_at = body.find("\"RepoTags\"", close);
      }
    }
    pos += 512 + (size + 511) / 512 * 512;
  }
  if (!any)
    return {500, error_body("unexpected EOF")};
  std::string out;
  if (refs.empty()) {
    auto id = "sha256:" + hex_id(fnv(tar.substr(0, std::min<std::size_t>(tar.size(), 1u << 16))));
    add_image(id.substr(7, 12) + ":loaded"); // untagged in dockerd; a tag keeps it findable here
    json_writer w;
    w.begin_object().field("stream", "Loaded image ID: " + id + "\n").end_object();
    return {200, w.take() + "\n"};
  }
  for (auto& r : refs) {
    add_image(r);
    json_writer w;
    w.begin_object().field("stream", "Loaded image: " + r + "\n").end_object();
    out += w.take() + "\n";
  }
  return {200, out};
}

// -- containers --------------------------------------------------------------

answer model::create(const std::string& requested, create_spec spec) {
  std::lock_guard lock(mu_);
  auto& s = *s_;
  std::string name = requested.size() > 1 && requested[0] == '/' ? requested.substr(1) : requested;
  if (!name.empty() && !valid_name(name))
    return {400, error_body("Invalid container name (" + name +
                            "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")};
  if (!name.empty()) {
    auto taken = s.names.find(name);
    if (taken != s.names.end())
      return {409, error_body("Conflict. The container name \"/" + name +
                              "\" is already in use by container \"" + taken->second +
                              "\". You have to remove (or rename) that container to be able to reuse that name.")};
  }
  auto* img = s.find_image(spec.image);
  if (!img)
    return {404, error_body("No such image: " + normalize_ref(spec.image))};
  auto c = std::make_unique<container>();
  c->id = s.new_id();
  c->name = name.empty() ? "sim_" + c->id.substr(0, 12) : name;
  c->image_id = img->id;
  c->created_ns = now_ns();
  std::vector<std::string> argv = spec.entrypoint;
  if (argv.empty() && spec.cmd.empty())
    argv.push_back("sh"); // busybox's default command: with no stdin, it would wait here
  argv.insert(argv.end(), spec.cmd.begin(), spec.cmd.end());
  c->program = compile_program(argv);
  for (auto& [k, v] : spec.labels) {
    if (k == "sim.ignore-sigterm" && v == "true") c->ignore_sigterm = true;
    if (k == "sim.oom" && v == "true") c->oom = true;
  }
  for (auto& e : spec.env)
    if (e == "SIM_IGNORE_SIGTERM=1") c->ignore_sigterm = true;
  c->spec = std::move(spec);
  c->spec.env.shrink_to_fit();
  c->program.shrink_to_fit();
  auto id = c->id;
  s.names[c->name] = id;
  auto& stored = *(s.containers[id] = std::move(c));
  s.emit_container(stored, "create");
  json_writer w;
  w.begin_object().field("Id", id).key("Warnings").begin_array().end_array().end_object();
  return {201, w.take()};
}

answer model::start(const std::string& ref) {
  std::lock_guard lock(mu_);
  auto& s = *s_;
  auto* c = s.find(ref);
  if (!c)
    return {404, error_body("No such container: " + ref)};
  if (c->st == container::status::running)
    return {304, {}};
  if (c->st == container::status::exited)
    ++c->restarts;
  c->st = container::status::running;
  ++s.running;
  ++c->gen;
  c->pc = 0;
  c->pid = s.next_pid++;
  c->exit_code = 0;
  c->oom_killed = false;
  c->started_ns = now_ns();
  c->finished_ns = 0;
  c->published = c->spec.ports;
  for (auto& p : c->published)
    if (p.host_port.empty() || p.host_port == "0")
      p.host_port = std::to_string(s.next_port == 60999 ? (s.next_port = 32768) : s.next_port++);
  s.emit_container(*c, "start");
  if (c->oom) {
    s.die(*c, 137, true);
    return {204, {}};
  }
  s.run(*c, steady::now());
  return {204, {}};
}

answer model::inspect(const std::string& ref) {
  std::lock_guard lock(mu_);
  auto* c = s_->find(ref);
  if (!c)
    return {404, error_body("No such container: " + ref)};
  return {200, s_->render_inspect(*c)};
}

answer model::list(bool all, const filter_map& filters) {
  std::lock_guard lock(mu_);
  std::vector<const container*> picked;
  for (auto& [id, cp] : s_->containers) {
    const container& c = *cp;
    if (!all && c.st != container::status::running && !filters.count("status"))
      continue;
    if (!any_of_values(filters, "status", [&](const std::string& v) { return v == s_->status_name(c); }))
      continue;
    if (!any_of_values(filters, "name", [&](const std::string& v) {
          return c.name.find(v[0] == '/' ? v.substr(1) : v) != std::string::npos;
        }))
      continue;
    if (!any_of_values(filters, "id", [&](const std::string& v) { return c.id.rfind(v, 0) == 0; }))
      continue;
    auto it = filters.find("label");
    bool ok = true;
    if (it != filters.end())
      for (auto& l : it->second)
        ok = ok && has_label(c.spec.labels, l);
    if (ok)
      picked.push_back(&c);
  }
  // Newest first, as dockerd lists them.
  std::sort(picked.begin(), picked.end(), [](const container* a, const container* b) {
    return a->created_ns != b->created_ns ? a->created_ns > b->created_ns : a->id < b->id;
  });
  json_writer w;
  w.begin_array();
  for (auto* c : picked)
    s_->render_summary(w, *c);
  w.end_array();
  return {200, w.take()};
}

std::optional<answer> model::stop(const std::string& ref, std::int64_t timeout_s,
                                  std::function<void(answer)> done) {
  std::lock_guard lock(mu_);
  auto& s = *s_;
  auto* c = s.find(ref);
  if (!c)
    return answer{404, error_body("No such container: " + ref)};
  if (c->st != container::status::running)
    return answer{304, {}};
  if (timeout_s < 0 && c->spec.stop_timeout >= 0)
    timeout_s = c->spec.stop_timeout;
  else if (timeout_s < 0)
    timeout_s = 10;
  int sig = c->spec.stop_signal.empty() ? 15 : signal_number(c->spec.stop_signal);
  if (sig == 0)
    sig = 15;
  auto id = c->id;
  s.deliver_signal(*c, sig);
  c = s.find(id);
  if (c && c->st == container::status::running) {
    // It lives on: SIGKILL when the timeout passes; the answer waits for the death.
    s.timers.push({steady::now() + s.scaled_ms(timeout_s * 1000), id, c->gen, true});
    c->watchers.push_back({s.next_watch++, false, [done = std::move(done)](const notice& n) {
                             if (n.what == notice::kind::exited)
                               done(answer{204, {}});
                           }});
    return std::nullopt;
  }
  if (c)
    s.emit_container(*c, "stop");
  return answer{204, {}};
}

answer model::kill(const std::string& ref, const std::string& signal) {
  std::lock_guard lock(mu_);
  auto* c = s_->find(ref);
  if (!c)
    return {404, error_body("No such container: " + ref)};
  int sig = signal.empty() ? 9 : signal_number(signal);
  if (sig == 0)
    return {400, error_body("Invalid signal: " + signal)};
  if (c->st != container::status::running)
    return {409, error_body("Cannot kill container: " + ref + ": Container " + c->id +
                            " is not running")};
  s_->deliver_signal(*c, sig);
  return {204, {}};
}

answer model::remove(const std::string& ref, bool force) {
  std::lock_guard lock(mu_);
  auto* c = s_->find(ref);
  if (!c)
    return {404, error_body("No such container: " + ref)};
  if (c->st == container::status::running) {
    if (!force)
      return {409, error_body("You cannot remove a running container " + c->id +
                              ". Stop the container before attempting removal or force remove")};
    s_->deliver_signal(*c, 9);
  }
  s_->destroy(*c);
  return {204, {}};
}

answer model::stats(const std::string& ref) {
  std::lock_guard lock(mu_);
  auto* c = s_->find(ref);
  if (!c)
    return {404, error_body("No such container: " + ref)};
  bool running = c->st == container::status::running;
  auto now = now_ns();
  auto up = running ? now - c->started_ns : 0;
  std::int64_t ncpu = std::max(1u, std::thread::hardware_concurrency());
  std::int64_t cpu = up / 100;              // 1% of a core
  std::int64_t mem = running ? 1048576 + static_cast<std::int64_t>(fnv(c->id) % 4194304) : 0;
  json_writer w;
  w.begin_object().field("read", running ? rfc3339(now) : rfc3339(0))
      .field("preread", rfc3339(0));
  w.key("pids_stats").begin_object();
  if (running) w.field("current", 1);
  w.end_object();
  w.key("blkio_stats").begin_object().key("io_service_bytes_recursive").null().end_object();
  w.field("num_procs", 0).key("storage_stats").begin_object().end_object();
  auto cpu_stats = [&](std::int64_t total, std::int64_t system) {
    w.begin_object().key("cpu_usage").begin_object().field("total_usage", total)
        .field("usage_in_kernelmode", total / 4).field("usage_in_usermode", total - total / 4)
        .end_object();
    if (running)
      w.field("system_cpu_usage", system).field("online_cpus", ncpu);
    w.key("throttling_data").begin_object().field("periods", 0).field("throttled_periods", 0)
        .field("throttled_time", 0).end_object().end_object();
  };
  w.key("cpu_stats");
  cpu_stats(cpu, now * ncpu);
  w.key("precpu_stats");
  cpu_stats(0, 0);
  w.key("memory_stats").begin_object();
  if (running)
    w.field("usage", mem).field("max_usage", mem + mem / 2)
        .key("stats").begin_object().field("cache", mem / 4).field("rss", mem - mem / 4).end_object()
        .field("limit", static_cast<std::int64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE));
  w.end_object();
  w.field("name", "/" + c->name).field("id", c->id);
  w.key("networks").begin_object();
  if (running)
    w.key("eth0").begin_object().field("rx_bytes", up / 1000000).field("rx_packets", up / 100000000)
        .field("tx_bytes", up / 2000000).field("tx_packets", up / 200000000).end_object();
  w.end_object().end_object();
  return {200, w.take()};
}

answer model::logs(const std::string& ref, bool out, bool err, std::int64_t since_ns,
                   std::int64_t tail, std::vector<log_line>& lines, bool& tty, watch_fn follow,
                   std::uint64_t& watch_id, std::string& full_id) {
  std::lock_guard lock(mu_);
  auto* c = s_->find(ref);
  if (!c)
    return {404, error_body("No such container: " + ref)};
  tty = c->spec.tty;
  if (follow && c->st == container::status::running) {
    watch_id = s_->next_watch++;
    full_id = c->id;
    c->watchers.push_back({watch_id, false, std::move(follow)});
  }
  for (auto& l : c->logs)
    if (((l.err && err) || (!l.err && out)) && l.time_ns >= since_ns)
      lines.push_back(l);
  if (tail >= 0 && static_cast<std::size_t>(tail) < lines.size())
    lines.erase(lines.begin(), lines.end() - tail);
  return {200, {}};
}

std::optional<answer> model::wait(const std::string& ref, const std::string& condition,
                                  std::function<void(answer)> done, std::uint64_t& watch_id,
                                  std::string& full_id) {
  std::lock_guard lock(mu_);
  auto* c = s_->find(ref);
  if (!c)
    return answer{404, error_body("No such container: " + ref)};
  auto body = [](int code) {
    return answer{200, "{\"Error\":null,\"StatusCode\":" + std::to_string(code) + "}\n"};
  };
  bool removed = condition == "removed";
  if (!condition.empty() && condition != "not-running" && condition != "next-exit" && !removed)
    return answer{400, error_body("invalid condition: \"" + condition + "\"")};
  if ((condition.empty() || condition == "not-running") && c->st != container::status::running)
    return body(c->exit_code);
  watch_id = s_->next_watch++;
  full_id = c->id;
  c->watchers.push_back({watch_id, removed, [removed, body, done = std::move(done)](const notice& n) {
                           if (n.what == notice::kind::log)
                             return;
                           if (!removed || n.what == notice::kind::removed)
                             done(body(n.exit_code));
                         }});
  return std::nullopt;
}

std::uint64_t model::watch(const std::string& id, watch_fn fn) {
  std::lock_guard lock(mu_);
  auto* c = s_->find(id);
  if (!c)
    return 0;
  auto wid = s_->next_watch++;
  c->watchers.push_back({wid, false, std::move(fn)});
  return wid;
}

void model::unwatch(const std::string& id, std::uint64_t watch_id) {
  std::lock_guard lock(mu_);
  auto it = s_->containers.find(id);
  if (it == s_->containers.end())
    return;
  auto& ws = it->second->watchers;
  ws.erase(std::remove_if(ws.begin(), ws.end(), [&](const watcher& w) { return w.id == watch_id; }),
           ws.end());
}

// -- exec --------------------------------------------------------------------

answer model::exec_create(const std::string& ref, exec_spec spec) {
  std::lock_guard lock(mu_);
  auto* c = s_->find(ref);
  if (!c)
    return {404, error_body("No such container: " + ref)};
  if (c->st != container::status::running)
    return {409, error_body("Container " + c->id + " is not running")};
  exec_instance e;
  e.id = s_->new_id();
  e.container_id = c->id;
  std::string command;
  for (auto& a : spec.cmd)
    command += (command.empty() ? "" : " ") + a;
  e.spec = std::move(spec);
  auto id = e.id;
  s_->execs[id] = std::move(e);
  s_->emit_container(*c, "exec_create: " + command, {{"execID", id}});
  return {201, "{\"Id\":\"" + id + "\"}"};
}

answer model::exec_start(const std::string& exec_id, std::string& output) {
  std::lock_guard lock(mu_);
  auto it = s_->execs.find(exec_id);
  if (it == s_->execs.end())
    return {404, error_body("No such exec instance: " + exec_id)};
  auto& e = it->second;
  if (e.started)
    return {409, error_body("Error: Exec command " + exec_id + " has already run")};
  auto* c = s_->find(e.container_id);
  if (!c || c->st != container::status::running)
    return {409, error_body("Container " + e.container_id + " is not running")};
  e.started = true;
  e.pid = s_->next_pid++;
  std::string command;
  for (auto& a : e.spec.cmd)
    command += (command.empty() ? "" : " ") + a;
  s_->emit_container(*c, "exec_start: " + command, {{"execID", exec_id}});
  // Runs at once: sleeps take no time, a command the sim does not know
  // ends with 0 and no output.
  auto frame = [&](bool err, const std::string& text) {
    if ((err && !e.spec.attach_stderr) || (!err && !e.spec.attach_stdout))
      return;
    if (e.spec.tty) {
      output += text;
      return;
    }
    auto n = static_cast<std::uint32_t>(text.size());
    char head[8] = {static_cast<char>(err ? 2 : 1), 0, 0, 0,
                    static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                    static_cast<char>(n >> 8), static_cast<char>(n)};
    output.append(head, 8);
    output += text;
  };
  int code = 0;
  for (auto& st : compile_program(e.spec.cmd)) {
    if (st.what == step::kind::out || st.what == step::kind::err) {
      frame(st.what == step::kind::err, st.text);
    } else if (st.what == step::kind::exit) {
      code = static_cast<int>(st.n);
      break;
    } else if (st.what == step::kind::forever) {
      break;
    }
  }
  e.exit_code = code;
  s_->emit_container(*c, "exec_die", {{"execID", exec_id}, {"exitCode", std::to_string(code)}});
  return {200, {}};
}

answer model::exec_inspect(const std::string& exec_id) {
  std::lock_guard lock(mu_);
  auto it = s_->execs.find(exec_id);
  if (it == s_->execs.end())
    return {404, error_body("No such exec instance: " + exec_id)};
  auto& e = it->second;
  json_writer w;
  w.begin_object().field("CanRemove", false).field("ContainerID", e.container_id)
      .field("DetachKeys", "").key("ExitCode");
  if (e.started) w.num(e.exit_code); else w.null();
  w.field("ID", e.id).field("OpenStderr", e.spec.attach_stderr).field("OpenStdin", false)
      .field("OpenStdout", e.spec.attach_stdout);
  w.key("ProcessConfig").begin_object().key("arguments").begin_array();
  for (std::size_t i = 1; i < e.spec.cmd.size(); ++i)
    w.str(e.spec.cmd[i]);
  w.end_array().field("entrypoint", e.spec.cmd.empty() ? std::string() : e.spec.cmd[0])
      .field("privileged", false).field("tty", e.spec.tty).field("user", e.spec.user).end_object();
  w.field("Running", false).field("Pid", e.pid).end_object();
  return {200, w.take()};
}

// -- daemon ------------------------------------------------------------------

answer model::version() {
  json_writer w;
  w.begin_object().key("Platform").begin_object().field("Name", "").end_object();
  w.key("Components").begin_array().begin_object().field("Name", "Engine")
      .field("Version", "20.10.24").key("Details").begin_object().field("ApiVersion", "1.41")
      .field("MinAPIVersion", "1.12").field("Os", "linux").field("Arch", "amd64").end_object()
      .end_object().end_array();
  w.field("Version", "20.10.24").field("ApiVersion", "1.41").field("MinAPIVersion", "1.12")
      .field("GitCommit", "5d6db84").field("GoVersion", "go1.19.8").field("Os", "linux")
      .field("Arch", "amd64").field("KernelVersion", "simulated")
      .field("BuildTime", "2023-04-04T00:00:00.000000000+00:00").end_object();
  return {200, w.take()};
}

answer model::info() {
  std::lock_guard lock(mu_);
  std::int64_t ncpu = std::max(1u, std::thread::hardware_concurrency());
  std::int64_t mem = static_cast<std::int64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE);
  auto total = static_cast<std::int64_t>(s_->containers.size());
  auto run = static_cast<std::int64_t>(s_->running);
  json_writer w;
  w.begin_object().field("ID", "SIMD:" + hex_id(fnv("simdockerd")).substr(0, 32))
      .field("Containers", total).field("ContainersRunning", run).field("ContainersPaused", 0)
      .field("ContainersStopped", total - run)
      .field("Images", static_cast<std::int64_t>(s_->images.size())).field("Driver", "vfs")
      .field("MemoryLimit", true).field("SwapLimit", true).field("CpuCfsPeriod", true)
      .field("CpuCfsQuota", true).field("OomKillDisable", false).field("NCPU", ncpu)
      .field("MemTotal", mem).field("KernelVersion", "simulated")
      .field("OperatingSystem", "stevedore simulated daemon").field("OSType", "linux")
      .field("OSVersion", "").field("Architecture", "x86_64").field("Name", "simdockerd")
      .field("ServerVersion", "20.10.24").field("DockerRootDir", "/var/lib/docker")
      .field("CgroupDriver", "cgroupfs").field("CgroupVersion", "2")
      .field("LoggingDriver", "json-file");
  w.key("Runtimes").begin_object()
      .key("io.containerd.runc.v2").begin_object().field("path", "runc").end_object()
      .key("io.containerd.runtime.v1.linux").begin_object().field("path", "runc").end_object()
      .key("runc").begin_object().field("path", "runc").end_object().end_object();
  w.field("DefaultRuntime", "runc").key("SecurityOptions").begin_array()
      .str("name=seccomp,profile=default").end_array()
      .key("Labels").begin_array().end_array().key("Warnings").null().end_object();
  return {200, w.take()};
}

answer model::network(const std::string& name) {
  bool bridge = name == "bridge" || name == state::bridge_id() || name == state::bridge_id().substr(0, 12);
  if (!bridge && name != "host" && name != "none")
    return {404, error_body("network " + name + " not found")};
  auto id = bridge ? state::bridge_id() : hex_id(fnv(name));
  json_writer w;
  w.begin_object().field("Name", bridge ? "bridge" : name).field("Id", id)
      .field("Created", "2024-01-01T00:00:00.000000000Z").field("Scope", "local")
      .field("Driver", bridge ? "bridge" : name == "host" ? "host" : "null").field("EnableIPv6", false);
  w.key("IPAM").begin_object().field("Driver", "default").key("Options").null().key("Config").begin_array();
  if (bridge)
    w.begin_object().field("Subnet", "172.17.0.0/16").field("Gateway", "172.17.0.1").end_object();
  w.end_array().end_object();
  w.field("Internal", false).field("Attachable", false).field("Ingress", false)
      .key("ConfigFrom").begin_object().field("Network", "").end_object()
      .field("ConfigOnly", false).key("Containers").begin_object().end_object();
  w.key("Options").begin_object();
  if (bridge)
    w.field("com.docker.network.bridge.default_bridge", "true")
        .field("com.docker.network.bridge.name", "docker0")
        .field("com.docker.network.driver.mtu", "1500");
  w.end_object().key("Labels").begin_object().end_object().end_object();
  return {200, w.take()};
}

// -- events ------------------------------------------------------------------

std::uint64_t model::subscribe(const filter_map& filters, std::int64_t since_ns,
                               std::int64_t until_ns, std::vector<std::string>& backlog,
                               event_fn fn) {
  std::lock_guard lock(mu_);
  if (since_ns > 0)
    for (auto& e : s_->events)
      if (e.time_ns >= since_ns && (until_ns == 0 || e.time_ns <= until_ns) &&
          event_matches(e, filters))
        backlog.push_back(e.line);
  if (until_ns != 0 && until_ns <= now_ns())
    return 0;
  auto id = s_->next_watch++;
  s_->subscribers[id] = subscriber{filters, std::move(fn)};
  return id;
}

void model::unsubscribe(std::uint64_t id) {
  std::lock_guard lock(mu_);
  s_->subscribers.erase(id);
}

// -- time --------------------------------------------------------------------

model::steady::time_point model::advance(steady::time_point now) {
  std::lock_guard lock(mu_);
  auto& s = *s_;
  while (!s.timers.empty() && s.timers.top().at <= now) {
    auto t = s.timers.top();
    s.timers.pop();
    auto it = s.containers.find(t.id);
    if (it == s.containers.end())
      continue;
    auto& c = *it->second;
    if (c.gen != t.gen || c.st != container::status::running)
      continue;
    if (t.kill) {
      s.deliver_signal(c, 9);
      auto again = s.containers.find(t.id);
      if (again != s.containers.end())
        s.emit_container(*again->second, "stop");
    } else {
      s.run(c, t.at);
    }
  }
  return s.timers.empty() ? steady::time_point::max() : s.timers.top().at;
}

model::steady::time_point model::next_deadline() const {
  std::lock_guard lock(mu_);
  return s_->timers.empty() ? steady::time_point::max() : s_->timers.top().at;
}

std::size_t model::containers() const {
  std::lock_guard lock(mu_);
  return s_->containers.size();
}

std::size_t model::running() const {
  std::lock_guard lock(mu_);
  return s_->running;
}

std::size_t model::images() const {
  std::lock_guard lock(mu_);
  return s_->images.size();
}

} // namespace stevedore::sim
