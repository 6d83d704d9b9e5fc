// Job files in HCL (and HCL1's JSON form) into job_spec, the checks both job
// forms share, and read_job, which tells the forms apart.
//
//   job "web" { type region datacenters priority meta constraint
//     group "cache" { count restart meta constraint
//       task "redis" { driver config env meta user kill_timeout kill_signal
//         resources { cpu memory network { mbits port "x" {} port "y" { static = N } } }
//         logs { max_files max_file_size } restart artifact constraint } } }
//
// Tasks written directly in the job become a group of their own with the
// task's name, as Nomad does. Nomad stanzas stevedore does not implement
// (service, update, vault, template, ...) are accepted with a warning, so a
// Nomad user's files work unchanged; unknown keys are problems.
//
// Restart policies: a group starts from Nomad's default for the job type and
// takes the fields its `restart` block sets; a task starts from its group's
// and takes its own block's. task_spec::restart always holds the policy in
// effect (has_restart says whether the task had a block).
#include <cctype>
#include <iterator>

#include "policy/decode.hpp"
#include "policy/duration.hpp"
#include "policy/hcl2.hpp"
#include "policy/ranges.hpp"
#include "policy/rules.hpp"

namespace stevedore::policy {

namespace {

constexpr std::string_view not_supported = "not supported by stevedore; ignored";

// Escaped and cut: a job file's value must not paint the terminal or fill it.
std::string quote(std::string_view s) {
  return quote_value(s);
}

// A problem at loc(key) when v is outside min..max: "must be between MIN and
// MAX UNIT, got V" (or "minimum is MIN UNIT" when only the floor is broken,
// the message these fields always gave).
void check_range(decode_context& ctx, const field_locator& loc, std::string_view key,
                 std::int64_t v, std::int64_t min, std::int64_t max, std::string_view unit) {
  if (v >= min && v <= max)
    return;
  auto at = loc(key);
  std::string u = unit.empty() ? "" : " " + std::string(unit);
  ctx.problem(at.path, at.pos,
              (v < min ? "minimum is " + std::to_string(min) + u
                       : "maximum is " + std::to_string(max) + u) +
                ", got " + std::to_string(v));
}

} // namespace

// ---- shared checks ----------------------------------------------------------

restart_spec default_restart(std::string_view job_type) {
  restart_spec r; // service and system: 2 attempts in 30m, 15s apart, then fail
  if (job_type == "batch" || job_type == "sysbatch") {
    r.attempts = 3;
    r.interval_ms = 24 * 60 * 60 * 1000;
  }
  return r;
}

std::string normalize_operator(std::string_view op) {
  if (op == "==" || op == "is")
    return "=";
  if (op == "not")
    return "!=";
  return std::string(op);
}

void check_restart(decode_context& ctx, const restart_spec& r, const field_locator& loc) {
  if (r.mode != "fail" && r.mode != "delay") {
    auto at = loc("mode");
    ctx.problem(at.path, at.pos, "unsupported restart mode " + quote(r.mode) +
                                   " (\"fail\" or \"delay\")");
  }
  if (r.attempts < 0) {
    auto at = loc("attempts");
    ctx.problem(at.path, at.pos, "must not be negative, got " + std::to_string(r.attempts));
  } else if (r.attempts > ranges::max_restart_attempts) {
    check_range(ctx, loc, "attempts", r.attempts, 0, ranges::max_restart_attempts, "");
  } else if (r.attempts == 0 && r.mode == "delay") {
    auto at = loc("attempts");
    ctx.problem(at.path, at.pos, "restart mode \"delay\" with 0 attempts is ambiguous");
  }
  // attempts * delay > interval, without overflow
  if (r.attempts > 0 && r.delay_ms > r.interval_ms / r.attempts) {
    auto at = loc("interval");
    ctx.problem(at.path, at.pos,
                "cannot restart " + std::to_string(r.attempts) + " times in an interval of " +
                  format_millis(r.interval_ms) + " with a delay of " + format_millis(r.delay_ms));
  }
}

void check_constraint(decode_context& ctx, const constraint_spec& c, const field_locator& loc) {
  static const std::string_view known[] = {
    "=", "!=", ">", ">=", "<", "<=", "version", "semver", "regexp", "set_contains",
    "set_contains_any", "set_contains_all", "distinct_hosts", "distinct_property",
    "is_set", "is_not_set"};
  bool ok = false;
  for (auto k : known)
    ok = ok || c.op == k;
  if (!ok) {
    auto at = loc("operator");
    ctx.problem(at.path, at.pos, "unknown constraint operator " + quote(c.op));
    return;
  }
  if (c.attribute.empty() && c.op != "distinct_hosts") {
    auto at = loc("attribute");
    ctx.problem(at.path, at.pos, "required");
  }
  bool needs_value = c.op != "is_set" && c.op != "is_not_set" && c.op != "distinct_hosts" &&
                     c.op != "distinct_property";
  if (needs_value && c.value.empty()) {
    auto at = loc("value");
    ctx.problem(at.path, at.pos, "required for operator " + quote(c.op));
  }
}

void check_resources(decode_context& ctx, const resources_spec& r, const field_locator& loc) {
  // Nomad 1.x takes 1 MHz (0.8 wanted 20).
  check_range(ctx, loc, "cpu", r.cpu, 1, ranges::max_cpu_mhz, "MHz");
  check_range(ctx, loc, "memory", r.memory_mb, 10, ranges::max_memory_mb, "MB");
  check_range(ctx, loc, "disk", r.disk_mb, 0, ranges::max_memory_mb, "MB");
  check_range(ctx, loc, "cores", r.cores, 0, 4096, "");
  if (r.memory_max_mb != 0 && r.memory_max_mb < r.memory_mb) {
    auto at = loc("memory_max");
    ctx.problem(at.path, at.pos,
                std::to_string(r.memory_max_mb) + " MB is below the task's memory of " +
                  std::to_string(r.memory_mb) + " MB");
  } else if (r.memory_max_mb != 0) {
    check_range(ctx, loc, "memory_max", r.memory_max_mb, 0, ranges::max_memory_mb, "MB");
  }
  if (r.mbits < 0) {
    auto at = loc("mbits");
    ctx.problem(at.path, at.pos, "must not be negative, got " + std::to_string(r.mbits));
  } else {
    check_range(ctx, loc, "mbits", r.mbits, 0, ranges::max_mbits, "Mbit/s");
  }
}

void check_port(decode_context& ctx, const port_spec& p, const field_ref& at,
                unique_names& labels, unique_names& statics) {
  if (p.label.empty()) {
    ctx.problem(at.path, at.pos, "port label is empty");
    return;
  }
  labels.add(ctx, p.label, at, "port");
  if (p.static_port < 0 || p.static_port > 65535) {
    ctx.problem(at.path, at.pos,
                "static port " + std::to_string(p.static_port) + " out of range 1..65535");
    return;
  }
  if (p.static_port > 0)
    statics.add(ctx, std::to_string(p.static_port), at, "static port");
}

void check_group_port(decode_context& ctx, const port_spec& p, const field_ref& to_at,
                      const field_ref& host_network_at) {
  // -1: the host port inside the container too (Nomad's Connect uses it).
  if (p.to < -1 || p.to > 65535)
    ctx.problem(to_at.path, to_at.pos, "port " + std::to_string(p.to) + " out of range 1..65535");
  if (!p.host_network.empty() && p.host_network != "default")
    ctx.warning(host_network_at.path, host_network_at.pos,
                "host network " + quote(p.host_network) +
                  " ignored: stevedore publishes every port on stevedore.bind_address");
}

void check_network_mode(decode_context& ctx, const network_spec& n, const field_locator& loc) {
  auto at = loc("mode");
  if (n.mode == "host")
    return;
  if (n.mode == "none") {
    if (!n.ports.empty())
      ctx.problem(at.path, at.pos, "a network in mode \"none\" cannot have ports");
    return;
  }
  if (n.mode == "bridge" || n.mode.rfind("cni/", 0) == 0) {
    ctx.problem(at.path, at.pos,
                "network mode " + quote(n.mode) +
                  " is not supported by stevedore (it needs a network namespace shared by the "
                  "group's tasks); use mode \"host\", the default, and publish ports with "
                  "config.ports");
    return;
  }
  ctx.problem(at.path, at.pos, "unknown network mode " + quote(n.mode) + " (host or none)");
}

void check_task_ports(decode_context& ctx, const task_spec& t, const network_spec* net,
                      const field_locator& config_loc) {
  auto at = config_loc("ports");
  for (std::size_t i = 0; i < t.config.ports.size(); ++i) {
    const auto& label = t.config.ports[i];
    bool found = false;
    for (const auto& p : net ? net->ports : std::vector<port_spec>{})
      found = found || p.label == label;
    if (!found)
      ctx.problem(item_path(at.path, i), at.pos,
                  "port " + quote(label) + " is not in the group's network block");
  }
}

void check_logs(decode_context& ctx, const logs_spec& l, const field_locator& loc) {
  check_range(ctx, loc, "max_files", l.max_files, 1, ranges::max_log_files, "");
  check_range(ctx, loc, "max_file_size", l.max_file_size_mb, 1, ranges::max_log_file_size_mb, "MB");
}

namespace {

// Nomad's PathEscapesAllocDir("task", dest): the destination is joined to
// <alloc>/<task>/, so one ".." stays inside the allocation, two leave it.
bool escapes_alloc_dir(std::string_view dest) {
  int depth = 1;
  std::size_t start = 0;
  while (start <= dest.size()) {
    auto end = dest.find('/', start);
    if (end == std::string_view::npos)
      end = dest.size();
    std::string_view part = dest.substr(start, end - start);
    if (part == "..") {
      if (--depth < 0)
        return true;
    } else if (!part.empty() && part != ".") {
      ++depth;
    }
    start = end + 1;
  }
  return false;
}

bool container_name_safe(std::string_view name) {
  if (name.empty() || !std::isalnum(static_cast<unsigned char>(name[0])))
    return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-')
      return false;
  return true;
}

} // namespace

void check_artifact(decode_context& ctx, const artifact_spec& a, const field_locator& loc) {
  if (a.source.empty()) {
    auto at = loc("source");
    ctx.problem(at.path, at.pos, "required");
  }
  if (escapes_alloc_dir(a.destination)) {
    auto at = loc("destination");
    ctx.problem(at.path, at.pos,
                "destination " + quote(a.destination) + " escapes the allocation directory");
  }
}

std::string normalize_signal(std::string_view name) {
  static const std::string_view names[] = {
    "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "IOT", "BUS", "FPE", "KILL", "USR1",
    "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP",
    "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "POLL", "PWR",
    "SYS"};
  std::string up;
  for (char c : name)
    up += char(std::toupper(static_cast<unsigned char>(c)));
  std::string_view bare = up;
  if (bare.substr(0, 3) == "SIG")
    bare.remove_prefix(3);
  for (auto n : names)
    if (bare == n)
      return "SIG" + std::string(n);
  return {};
}

void check_task(decode_context& ctx, const task_spec& t, const field_locator& loc,
                const field_locator& config_loc) {
  if (t.name.empty()) {
    auto at = loc("name");
    ctx.problem(at.path, at.pos, "the task needs a name");
  } else if (!container_name_safe(t.name)) {
    auto at = loc("name");
    ctx.problem(at.path, at.pos,
                "task name " + quote(t.name) +
                  " cannot be part of a container name (letters, digits, \"_\", \".\" and "
                  "\"-\", starting with a letter or digit)");
  }
  if (t.driver.empty()) {
    auto at = loc("driver");
    ctx.problem(at.path, at.pos, "required");
  } else if (t.driver != "docker") {
    auto at = loc("driver");
    ctx.problem(at.path, at.pos,
                "driver " + quote(t.driver) + " is not supported: stevedore runs docker tasks");
  }
  if (t.kill_timeout_ms < 0) {
    auto at = loc("kill_timeout");
    ctx.problem(at.path, at.pos, "must not be negative");
  }
  if (!t.kill_signal.empty() && normalize_signal(t.kill_signal).empty()) {
    auto at = loc("kill_signal");
    ctx.problem(at.path, at.pos, "unknown signal " + quote(t.kill_signal));
  }
  if (t.driver != "docker")
    return;
  for (const auto& [label, port] : t.config.port_map) {
    bool found = false;
    for (const auto& p : t.resources.ports)
      found = found || p.label == label;
    if (!found) {
      auto at = config_loc("port_map");
      ctx.warning(field_path(at.path, label), at.pos,
                  "no port " + quote(label) + " in resources.network; this mapping is unused");
    }
  }
  if (t.config.memory_hard_limit != 0 && t.config.memory_hard_limit < t.resources.memory_mb) {
    auto at = config_loc("memory_hard_limit");
    ctx.problem(at.path, at.pos,
                std::to_string(t.config.memory_hard_limit) + " MB is below the task's memory of " +
                  std::to_string(t.resources.memory_mb) + " MB");
  }
}

void check_group(decode_context& ctx, const group_spec& g, const field_locator& loc) {
  if (g.name.empty()) {
    auto at = loc("name");
    ctx.problem(at.path, at.pos, "the group needs a name");
  }
  if (g.count < 0) {
    auto at = loc("count");
    ctx.problem(at.path, at.pos, "must not be negative, got " + std::to_string(g.count));
  }
  if (g.tasks.empty()) {
    auto at = loc("task");
    ctx.problem(at.path, at.pos, "group " + quote(g.name) + " has no task");
  }
}

void check_job_shape(decode_context& ctx, const job_spec& j, const field_locator& loc) {
  if (j.name.empty()) {
    auto at = loc("id");
    ctx.problem(at.path, at.pos, "the job needs an ID");
  } else if (j.name.find(' ') != std::string::npos || j.name.find('\0') != std::string::npos) {
    auto at = loc("id");
    ctx.problem(at.path, at.pos, "job ID " + quote(j.name) + " contains a space");
  }
  if (j.type != "service" && j.type != "batch" && j.type != "system" && j.type != "sysbatch") {
    auto at = loc("type");
    ctx.problem(at.path, at.pos,
                "unknown job type " + quote(j.type) + " (service, batch, system or sysbatch)");
  }
  if (j.priority < 1 || j.priority > 100) {
    auto at = loc("priority");
    ctx.problem(at.path, at.pos,
                "must be between 1 and 100, got " + std::to_string(j.priority));
  }
  if (j.groups.empty()) {
    auto at = loc("group");
    ctx.problem(at.path, at.pos, "the job has no group and no task");
  }
}

// ---- HCL --------------------------------------------------------------------

namespace {

void read_restart(object_reader& r, restart_spec& out) {
  r.get("attempts", out.attempts);
  r.get_duration_ms("interval", out.interval_ms);
  r.get_duration_ms("delay", out.delay_ms);
  r.get("mode", out.mode);
  r.ignore("render_templates", not_supported);
  r.finish("unknown field");
  check_restart(r.context(), out, locator(r));
}

constraint_spec read_constraint(decode_context& ctx, const node& body, const std::string& path) {
  object_reader r(ctx, body, path);
  constraint_spec c;
  r.get("attribute", c.attribute);
  std::string op;
  bool has_op = r.get("operator", op);
  if (has_op)
    c.op = normalize_operator(op);
  r.get("value", c.value);
  std::string version;
  if (r.get("version", version)) {
    // Nomad turns `version = "X"` into operator "version" and drops any
    // operator given with it, so the documentation's `operator = ">"` plus
    // `version = "1.2"` would mean "= 1.2". Keep what the user meant.
    bool comparison = has_op && (c.op == "=" || c.op == "!=" || c.op == ">" ||
                                 c.op == ">=" || c.op == "<" || c.op == "<=");
    c.value = comparison ? (c.op == "=" ? version : c.op + " " + version) : version;
    c.op = "version";
  }
  std::string text;
  if (r.get("semver", text)) {
    c.op = "semver";
    c.value = text;
  }
  if (r.get("regexp", text)) {
    c.op = "regexp";
    c.value = text;
  }
  if (r.get("set_contains", text)) {
    c.op = "set_contains";
    c.value = text;
  }
  if (r.get("set_contains_any", text)) {
    c.op = "set_contains_any";
    c.value = text;
  }
  if (r.get("set_contains_all", text)) {
    c.op = "set_contains_all";
    c.value = text;
  }
  bool distinct = false;
  if (r.get("distinct_hosts", distinct) && distinct)
    c.op = "distinct_hosts";
  if (r.get("distinct_property", text)) {
    c.op = "distinct_property";
    c.attribute = text;
  }
  r.finish("unknown field");
  check_constraint(ctx, c, locator(r));
  return c;
}

std::vector<constraint_spec> read_constraints(object_reader& r) {
  std::vector<constraint_spec> out;
  auto blocks = r.blocks("constraint");
  for (std::size_t i = 0; i < blocks.size(); ++i)
    out.push_back(read_constraint(r.context(), *blocks[i], item_path(r.path_of("constraint"), i)));
  return out;
}

// The `port` blocks of a network block, reserved (static) ports first as
// Nomad keeps them (so does the JSON form). A group's network (Nomad 1.x)
// maps ports `to` a container port on a `host_network`; a task's (0.x) has
// neither.
std::vector<port_spec> read_ports(decode_context& ctx, object_reader& r, bool group) {
  std::vector<port_spec> reserved, dynamic;
  unique_names labels, statics;
  std::string port_path = r.path_of("port");
  for (const auto& lb : r.labelled_blocks("port")) {
    object_reader pr(ctx, *lb.body, field_path(port_path, lb.label));
    port_spec p;
    p.label = lb.label;
    pr.get("static", p.static_port);
    if (group) {
      pr.get("to", p.to);
      pr.get("host_network", p.host_network);
    } else {
      pr.ignore("to", not_supported);
      pr.ignore("host_network", not_supported);
    }
    pr.finish("unknown field");
    check_port(ctx, p, {pr.path(), lb.pos}, labels, statics);
    if (group)
      check_group_port(ctx, p, pr.at("to"), pr.at("host_network"));
    (p.static_port > 0 ? reserved : dynamic).push_back(std::move(p));
  }
  reserved.insert(reserved.end(), std::make_move_iterator(dynamic.begin()),
                  std::make_move_iterator(dynamic.end()));
  return reserved;
}

void read_network(decode_context& ctx, const node& body, const std::string& path,
                  resources_spec& res) {
  object_reader r(ctx, body, path);
  r.get("mbits", res.mbits);
  res.ports = read_ports(ctx, r, false);
  r.ignore("mode", not_supported);
  r.finish("unknown field");
}

void read_group_network(decode_context& ctx, const node& body, const std::string& path,
                        network_spec& net) {
  object_reader r(ctx, body, path);
  r.get("mode", net.mode);
  net.ports = read_ports(ctx, r, true);
  r.ignore("mbits", "deprecated by Nomad; ignored");
  for (auto key : {"dns", "hostname", "cni"})
    r.ignore(key, not_supported);
  r.finish("unknown field");
  check_network_mode(ctx, net, locator(r));
}

void read_resources(decode_context& ctx, const node& body, const std::string& path,
                    resources_spec& res) {
  object_reader r(ctx, body, path);
  r.get("cpu", res.cpu);
  r.get("memory", res.memory_mb);
  r.get("disk", res.disk_mb);
  r.get("memory_max", res.memory_max_mb);
  r.get("cores", res.cores);
  if (r.has("cores") && r.has("cpu")) {
    auto at = r.at("cores");
    ctx.problem(at.path, at.pos, "a task asks for cpu or for cores, not both");
  }
  if (const node* net = r.block("network"))
    read_network(ctx, *net, r.path_of("network"), res);
  r.ignore("iops", not_supported);
  r.ignore("device", not_supported);
  r.ignore("numa", not_supported);
  r.ignore("secrets", not_supported);
  r.finish("unknown field");
  check_resources(ctx, res, locator(r));
}

artifact_spec read_artifact(decode_context& ctx, const node& body, const std::string& path) {
  object_reader r(ctx, body, path);
  artifact_spec a;
  a.destination = "local/";
  r.get("source", a.source);
  r.get("destination", a.destination);
  r.ignore("options", "artifact options are not supported by stevedore; ignored");
  r.ignore("mode", not_supported);
  r.ignore("headers", not_supported);
  r.ignore("chown", not_supported);
  r.finish("unknown field");
  check_artifact(ctx, a, locator(r));
  return a;
}

task_spec read_task(decode_context& ctx, const labelled_block& lb, const std::string& path,
                    const restart_spec& group_restart, const network_spec* group_net) {
  object_reader r(ctx, *lb.body, path);
  task_spec t;
  t.name = lb.label;
  t.driver.clear();
  r.get("driver", t.driver);
  r.get("user", t.user);
  r.get("env", t.env);
  r.get("meta", t.meta);
  r.get_duration_ms("kill_timeout", t.kill_timeout_ms);
  if (r.get("kill_signal", t.kill_signal) && !normalize_signal(t.kill_signal).empty())
    t.kill_signal = normalize_signal(t.kill_signal);
  if (const node* logs = r.block("logs")) {
    object_reader lr(ctx, *logs, r.path_of("logs"));
    lr.get("max_files", t.logs.max_files);
    lr.get("max_file_size", t.logs.max_file_size_mb);
    lr.ignore("disabled", not_supported);
    lr.finish("unknown field");
    check_logs(ctx, t.logs, locator(lr));
  }
  if (const node* resources = r.block("resources"))
    read_resources(ctx, *resources, r.path_of("resources"), t.resources);
  t.restart = group_restart;
  if (const node* restart = r.block("restart")) {
    object_reader rr(ctx, *restart, r.path_of("restart"));
    t.has_restart = true;
    read_restart(rr, t.restart);
  }
  auto artifacts = r.blocks("artifact");
  for (std::size_t i = 0; i < artifacts.size(); ++i)
    t.artifacts.push_back(read_artifact(ctx, *artifacts[i], item_path(r.path_of("artifact"), i)));
  t.constraints = read_constraints(r);

  const node* config = nullptr;
  if (t.driver.empty() || t.driver == "docker") {
    config = r.block("config");
    if (config)
      t.config = decode_docker_config(ctx, *config, r.path_of("config"));
    else if (t.driver == "docker")
      ctx.problem(r.path_of("config"), lb.pos,
                  "required: the docker driver needs at least config { image = \"...\" }");
  } else {
    r.skip("config");
  }
  for (auto key : {"service", "template", "vault", "dispatch_payload", "leader",
                   "shutdown_delay", "affinity", "lifecycle", "kind", "scaling", "csi_plugin",
                   "volume_mount", "identity", "consul", "action", "schedule"})
    r.ignore(key, not_supported);
  r.finish("unknown field");

  auto task_loc = [&](std::string_view key) -> field_ref {
    if (key == "name")
      return {path, lb.pos};
    return r.at(key);
  };
  static const node no_config{};
  object_reader cr(ctx, config ? *config : no_config, r.path_of("config"));
  check_task(ctx, t, task_loc, locator(cr));
  check_task_ports(ctx, t, group_net, locator(cr));
  return t;
}

group_spec read_group(decode_context& ctx, const labelled_block& lb, const std::string& path,
                      const std::string& job_type) {
  object_reader r(ctx, *lb.body, path);
  group_spec g;
  g.name = lb.label;
  r.get("count", g.count);
  g.restart = default_restart(job_type);
  if (const node* restart = r.block("restart")) {
    object_reader rr(ctx, *restart, r.path_of("restart"));
    read_restart(rr, g.restart);
  }
  r.get("meta", g.meta);
  g.constraints = read_constraints(r);
  if (const node* net = r.block("network")) {
    g.has_network = true;
    read_group_network(ctx, *net, r.path_of("network"), g.network);
  }
  unique_names names;
  std::string task_path = r.path_of("task");
  for (const auto& tb : r.labelled_blocks("task")) {
    std::string p = field_path(task_path, tb.label);
    if (!names.add(ctx, tb.label, {p, tb.pos}, "task"))
      continue;
    g.tasks.push_back(read_task(ctx, tb, p, g.restart, g.has_network ? &g.network : nullptr));
  }
  for (auto key : {"ephemeral_disk", "update", "reschedule", "migrate", "vault", "spread",
                   "affinity", "service", "volume", "shutdown_delay",
                   "stop_after_client_disconnect", "max_client_disconnect", "scaling", "consul",
                   "disconnect", "prevent_reschedule_on_lost"})
    r.ignore(key, not_supported);
  r.finish("unknown field");
  check_group(ctx, g, [&](std::string_view key) -> field_ref {
    return key == "name" ? field_ref{path, lb.pos} : r.at(key);
  });
  return g;
}

job_spec read_job_block(decode_context& ctx, const labelled_block& lb) {
  std::string path = field_path("job", lb.label);
  object_reader r(ctx, *lb.body, path);
  job_spec job;
  job.name = lb.label;
  r.get("id", job.name);
  std::string display_name;
  r.get("name", display_name);
  r.get("type", job.type);
  r.get("region", job.region);
  r.get("datacenters", job.datacenters);
  r.get("priority", job.priority);
  r.get("meta", job.meta);
  job.constraints = read_constraints(r);

  unique_names names;
  std::string group_path = r.path_of("group");
  for (const auto& gb : r.labelled_blocks("group")) {
    std::string p = field_path(group_path, gb.label);
    if (!names.add(ctx, gb.label, {p, gb.pos}, "group"))
      continue;
    job.groups.push_back(read_group(ctx, gb, p, job.type));
  }
  // A task outside any group is a group of one with the task's name.
  std::string task_path = r.path_of("task");
  for (const auto& tb : r.labelled_blocks("task")) {
    std::string p = field_path(task_path, tb.label);
    if (!names.add(ctx, tb.label, {p, tb.pos}, "group"))
      continue;
    group_spec g;
    g.name = tb.label;
    g.implicit = true;
    g.restart = default_restart(job.type);
    g.tasks.push_back(read_task(ctx, tb, p, g.restart, nullptr));
    job.groups.push_back(std::move(g));
  }
  for (auto key : {"all_at_once", "namespace", "parameterized", "periodic", "update", "vault",
                   "vault_token", "migrate", "reschedule", "spread", "affinity", "multiregion",
                   "consul_token", "consul_namespace", "vault_namespace", "node_pool", "ui"})
    r.ignore(key, not_supported);
  r.finish("unknown field");
  auto loc = [&](std::string_view key) -> field_ref {
    if (key == "id" && !r.has("id"))
      return {path, lb.pos};
    return r.at(key);
  };
  check_job_shape(ctx, job, loc);
  return job;
}

} // namespace

job_spec decode_job_hcl(decode_context& ctx, const node& root) {
  if (root.type != node::kind::object) {
    ctx.problem("", root.pos, std::string("expected a job file, got ") + describe_value(root));
    return {};
  }
  object_reader r(ctx, root, "");
  auto jobs = r.labelled_blocks("job");
  r.finish("unknown field");
  if (jobs.empty()) {
    ctx.problem("job", root.pos, "no job block: a job file holds one job \"name\" { ... }");
    return {};
  }
  for (std::size_t i = 1; i < jobs.size(); ++i)
    ctx.problem(field_path("job", jobs[i].label), jobs[i].pos,
                "only one job per file (the first is \"" + jobs[0].label + "\")");
  return read_job_block(ctx, jobs[0]);
}

// ---- read_job ---------------------------------------------------------------

namespace {

char first_significant(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF")
    text.remove_prefix(3);
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c)))
      return c;
  return '\0';
}

// The parser's message already reads "FILE:LINE:COL: what was expected";
// there is no field path to add.
void add_syntax_error(decode_context& ctx, error_info e) {
  e.kind = errc::invalid_input;
  e.what.clear();
  ctx.add(std::move(e));
}

} // namespace

namespace {

// The JSON forms: HCL's shape ({"job": {"web": {...}}}) or Nomad's API form.
job_spec decode_json_job(decode_context& ctx, const node& tree) {
  bool hcl_shape = false;
  for (const auto& [key, value] : tree.fields)
    hcl_shape = hcl_shape || key == "job";
  return hcl_shape ? decode_job_hcl(ctx, tree) : decode_job_api(ctx, tree);
}

} // namespace

namespace {

// HCL1 unless the file needs HCL2 (or values are given for its variables);
// a file HCL1 refuses is tried as HCL2 (`count = 1 + 1`), and HCL1's
// message stands when HCL2 refuses it too.
result<node> read_hcl_tree(std::string_view text, std::string_view file_name,
                           const hcl2_inputs& inputs) {
  if (looks_like_hcl2(text) || !inputs.vars.empty() || !inputs.var_files.empty())
    return parse_hcl2(text, file_name, inputs);
  auto tree = parse_hcl(text, file_name);
  if (tree)
    return tree;
  auto second = parse_hcl2(text, file_name, inputs);
  return second ? second : tree;
}

} // namespace

decoded<job_spec> read_job(std::string_view text, std::string_view file_name) {
  return read_job(text, file_name, hcl2_inputs{});
}

decoded<job_spec> read_job(std::string_view text, std::string_view file_name,
                           const hcl2_inputs& inputs) {
  decode_context ctx{std::string(file_name)};
  decoded<job_spec> out;
  if (first_significant(text) == '{') {
    auto tree = parse_json(text, file_name);
    if (!tree)
      add_syntax_error(ctx, tree.error());
    else
      out.value = decode_json_job(ctx, *tree);
  } else {
    auto tree = read_hcl_tree(text, file_name, inputs);
    if (!tree)
      add_syntax_error(ctx, tree.error());
    else
      out.value = decode_job_hcl(ctx, *tree);
  }
  out.problems = ctx.take_problems();
  out.warnings = ctx.take_warnings();
  return out;
}

decoded<job_spec> read_job(const node& tree, std::string_view file_name) {
  decode_context ctx{std::string(file_name)};
  decoded<job_spec> out;
  out.value = decode_json_job(ctx, tree);
  out.problems = ctx.take_problems();
  out.warnings = ctx.take_warnings();
  return out;
}

} // namespace stevedore::policy
