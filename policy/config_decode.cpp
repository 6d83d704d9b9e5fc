// The task's docker `config { ... }` block into docker_config: every option of
// the specification and of docker_config's newer ones, each with its type,
// and the value-format checks that need no client settings. The rules that
// depend on the node (capability whitelist, privilege and namespace modes,
// volumes, runtimes) are check_job's (rules.hpp).
//
// Values holding "${...}" are interpolated later, per allocation; format
// checks skip them (the image, addresses, ulimits, volumes) and the rules run
// again after interpolation.
#include <arpa/inet.h>

#include <cctype>
#include <map>

#include "policy/decode.hpp"
#include "policy/duration.hpp"
#include "policy/image_ref.hpp"
#include "policy/ranges.hpp"

namespace stevedore::policy {

namespace {

constexpr std::string_view unknown_option = "unknown option";

// Escaped and cut: a job file's value must not paint the terminal or fill it.
std::string quote(std::string_view s) {
  return quote_value(s);
}

bool interpolated(std::string_view s) {
  return s.find("${") != std::string_view::npos;
}

bool is_ipv4(const std::string& s) {
  in_addr a{};
  return inet_pton(AF_INET, s.c_str(), &a) == 1;
}

bool is_ipv6(const std::string& s) {
  in6_addr a{};
  return inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

bool is_ip(const std::string& s) {
  return is_ipv4(s) || is_ipv6(s);
}

// Six hex pairs joined by ":" (or all by "-"), as Docker's --mac-address.
bool is_mac(std::string_view s) {
  if (s.size() != 17)
    return false;
  char sep = s[2];
  if (sep != ':' && sep != '-')
    return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i % 3 == 2) {
      if (s[i] != sep)
        return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

// strconv.Atoi as Nomad uses for ulimits: optional sign, decimal digits.
bool parse_decimal(std::string_view s, std::int64_t& out) {
  if (s.empty())
    return false;
  bool negative = s[0] == '-';
  if (s[0] == '-' || s[0] == '+')
    s.remove_prefix(1);
  if (s.empty() || s.size() > 18)
    return false;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return false;
    v = v * 10 + (c - '0');
  }
  out = negative ? -v : v;
  return true;
}

// ---- individual options -----------------------------------------------------

void read_image(object_reader& r, docker_config& c) {
  decode_context& ctx = r.context();
  const node* n = r.one("image");
  if (!n) {
    ctx.problem(r.path_of("image"), r.pos(), "required");
    return;
  }
  auto v = to_string_value(ctx, *n, r.path_of("image"));
  if (!v)
    return;
  c.image = std::string(strip_image_scheme(*v));
  if (interpolated(*v))
    return;
  if (auto ref = parse_image_ref(*v); !ref)
    ctx.problem(r.path_of("image"), n->pos, ref.error().message);
}

void read_auth(object_reader& r, docker_config& c) {
  const node* n = r.block("auth");
  if (!n)
    return;
  object_reader a(r.context(), *n, r.path_of("auth"));
  c.has_auth = true;
  a.get("username", c.auth.username);
  a.get("password", c.auth.password);
  a.get("email", c.auth.email);
  a.get("server_address", c.auth.server_address);
  a.finish(unknown_option);
}

// A list option whose every entry is checked by `check` (returning "" or why).
template <class Check>
void read_checked_list(object_reader& r, std::string_view key, std::vector<std::string>& out,
                       Check check) {
  const node* n = r.one(key);
  if (!n)
    return;
  std::string path = r.path_of(key);
  auto v = to_string_list(r.context(), *n, path);
  if (!v)
    return;
  for (std::size_t i = 0; i < v->size(); ++i) {
    const std::string& entry = (*v)[i];
    if (interpolated(entry))
      continue;
    if (auto why = check(entry); !why.empty())
      r.context().problem(item_path(path, i), n->items[i].pos, why);
  }
  out = std::move(*v);
}

std::string check_dns_server(const std::string& s) {
  return is_ip(s) ? std::string() : quote(s) + " is not an IP address";
}

// Docker's ValidateExtraHost: "host:IP", split at the first ":" (IPv6
// addresses keep theirs); "host-gateway" stands for the host's address.
std::string check_extra_host(const std::string& s) {
  auto colon = s.find(':');
  if (colon == std::string::npos || colon == 0)
    return quote(s) + " is not host:IP";
  std::string ip = s.substr(colon + 1);
  if (ip == "host-gateway" || is_ip(ip))
    return {};
  return quote(s) + " is not host:IP: " + quote(ip) + " is not an IP address";
}

// "host_path:container_path[:mode]"; modes as Docker's bind options.
std::string check_volume(const std::string& s) {
  std::vector<std::string_view> parts;
  std::string_view rest = s;
  while (true) {
    auto colon = rest.find(':');
    parts.push_back(rest.substr(0, colon));
    if (colon == std::string_view::npos)
      break;
    rest.remove_prefix(colon + 1);
  }
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty())
    return quote(s) + " is not host_path:container_path[:mode]";
  if (parts.size() == 3) {
    static const std::string_view modes[] = {
      "ro", "rw", "z", "Z", "shared", "rshared", "slave", "rslave", "private", "rprivate",
      "nocopy", "consistent", "cached", "delegated"};
    std::string_view list = parts[2];
    while (true) {
      auto comma = list.find(',');
      std::string_view mode = list.substr(0, comma);
      bool known = false;
      for (auto m : modes)
        known = known || mode == m;
      if (!known)
        return "unknown volume mode " + quote(mode) + " in " + quote(s);
      if (comma == std::string_view::npos)
        break;
      list.remove_prefix(comma + 1);
    }
  }
  return {};
}

// Docker's ulimit names (units.ParseUlimit).
bool known_ulimit(std::string_view name) {
  static const std::string_view names[] = {
    "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile",
    "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"};
  for (auto n : names)
    if (n == name)
      return true;
  return false;
}

// "soft[:hard]", integers, -1 meaning unlimited; soft must not exceed hard.
std::string check_ulimit(const std::string& value) {
  if (value.empty())
    return "cannot be empty";
  auto colon = value.find(':');
  std::string soft_text = value.substr(0, colon);
  std::string hard_text = colon == std::string::npos ? soft_text : value.substr(colon + 1);
  std::int64_t soft = 0, hard = 0;
  if (!parse_decimal(soft_text, soft) || soft < -1)
    return "soft limit " + quote(soft_text) + " is not an integer (-1 for unlimited)";
  if (!parse_decimal(hard_text, hard) || hard < -1)
    return "hard limit " + quote(hard_text) + " is not an integer (-1 for unlimited)";
  bool soft_unlimited = soft == -1;
  bool hard_unlimited = hard == -1;
  if ((soft_unlimited && !hard_unlimited) || (!soft_unlimited && !hard_unlimited && soft > hard))
    return "soft limit " + soft_text + " is greater than hard limit " + hard_text;
  return {};
}

// Where each member of a map option was written (blocks may repeat, or come
// as a list of maps), for messages about single entries.
void member_positions(const node& n, std::map<std::string, position>& out) {
  if (n.type == node::kind::object)
    for (const auto& [k, v] : n.fields)
      out.emplace(k, v.pos);
  else if (n.type == node::kind::list)
    for (const auto& item : n.items)
      member_positions(item, out);
}

void read_ulimit(object_reader& r, docker_config& c) {
  decode_context& ctx = r.context();
  if (!r.has("ulimit")) {
    r.skip("ulimit");
    return;
  }
  auto where = r.at("ulimit");
  std::map<std::string, position> pos;
  string_map values;
  r.get("ulimit", values);
  for (const node* n : r.all("ulimit"))
    member_positions(*n, pos);
  for (const auto& [name, value] : values) {
    std::string path = field_path(where.path, name);
    position at = pos.count(name) ? pos[name] : where.pos;
    if (!known_ulimit(name)) {
      ctx.problem(path, at,
                  "unknown ulimit " + quote(name) +
                    " (core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, "
                    "rss, rtprio, rttime, sigpending, stack)");
      continue;
    }
    if (interpolated(value))
      continue;
    if (auto why = check_ulimit(value); !why.empty())
      ctx.problem(path, at, why);
  }
  c.ulimit = std::move(values);
}

void read_address(object_reader& r, std::string_view key, std::string& out, bool v6) {
  const node* n = r.one(key);
  if (!n)
    return;
  auto v = to_string_value(r.context(), *n, r.path_of(key));
  if (!v)
    return;
  if (!v->empty() && !interpolated(*v) && !(v6 ? is_ipv6(*v) : is_ipv4(*v)))
    r.context().problem(r.path_of(key), n->pos,
                        quote(*v) + (v6 ? " is not an IPv6 address" : " is not an IPv4 address"));
  out = std::move(*v);
}

void read_mac(object_reader& r, docker_config& c) {
  const node* n = r.one("mac_address");
  if (!n)
    return;
  auto v = to_string_value(r.context(), *n, r.path_of("mac_address"));
  if (!v)
    return;
  if (!v->empty() && !interpolated(*v) && !is_mac(*v))
    r.context().problem(r.path_of("mac_address"), n->pos,
                        quote(*v) + " is not a MAC address (six hex pairs, e.g. 02:42:ac:11:00:02)");
  c.mac_address = std::move(*v);
}

void read_logging(object_reader& r, docker_config& c) {
  const node* n = r.block("logging");
  if (!n)
    return;
  object_reader l(r.context(), *n, r.path_of("logging"));
  l.get("type", c.logging.type);
  std::string driver; // Nomad 0.8's name for type, still read by 1.x
  if (l.get("driver", driver) && c.logging.type.empty())
    c.logging.type = driver;
  l.get("config", c.logging.config);
  l.finish(unknown_option);
}

void read_port_map(object_reader& r, docker_config& c) {
  decode_context& ctx = r.context();
  std::string path = r.path_of("port_map");
  std::map<std::string, position> seen;
  for (const node* obj : r.blocks("port_map")) {
    for (const auto& [label, value] : obj->fields) {
      std::string entry = field_path(path, label);
      auto port = to_int(ctx, value, entry);
      if (!port)
        continue;
      if (*port < 1 || *port > 65535) {
        ctx.problem(entry, value.pos, "port " + std::to_string(*port) + " out of range 1..65535");
        continue;
      }
      auto [it, fresh] = seen.emplace(label, value.pos);
      if (!fresh) {
        ctx.problem(entry, value.pos,
                    "set more than once (first at " + std::to_string(it->second.line) + ":" +
                      std::to_string(it->second.column) + ")");
        continue;
      }
      c.port_map[label] = *port;
    }
  }
}

void read_ranged(object_reader& r, std::string_view key, std::int64_t& out, std::int64_t min,
                 std::int64_t max, const std::string& why) {
  std::int64_t v = out;
  if (!r.get(key, v))
    return;
  if (v < min || v > max) {
    auto at = r.at(key);
    r.context().problem(at.path, at.pos, why + ", got " + std::to_string(v));
    return;
  }
  out = v;
}

// A size that stevedore multiplies (MB into bytes), so bounded above:
// "must not be negative" below 0, "maximum is MAX UNIT" above max.
void read_size(object_reader& r, std::string_view key, std::int64_t& out, std::int64_t max,
               std::string_view unit) {
  std::int64_t v = out;
  if (!r.get(key, v))
    return;
  if (v < 0 || v > max) {
    auto at = r.at(key);
    r.context().problem(at.path, at.pos,
                        (v < 0 ? std::string("must not be negative")
                                 : "maximum is " + std::to_string(max) + " " + std::string(unit)) +
                          ", got " + std::to_string(v));
    return;
  }
  out = v;
}

void read_cfs_period(object_reader& r, docker_config& c) {
  std::int64_t v = c.cpu_cfs_period;
  if (!r.get("cpu_cfs_period", v))
    return;
  // The kernel takes 1ms..1s; 0 asks for the default, as in Nomad.
  if (v != 0 && (v < 1000 || v > 1000000)) {
    auto at = r.at("cpu_cfs_period");
    r.context().problem(at.path, at.pos,
                        "must be between 1000 and 1000000 microseconds (0: the default 100000), "
                        "got " + std::to_string(v));
    return;
  }
  c.cpu_cfs_period = v == 0 ? 100000 : v;
}

mount_config read_mount(decode_context& ctx, const node& body, const std::string& path) {
  object_reader m(ctx, body, path);
  mount_config out;
  m.get("type", out.type);
  m.get("target", out.target);
  m.get("source", out.source);
  m.get("readonly", out.readonly);
  bool known_type = out.type == "volume" || out.type == "bind" || out.type == "tmpfs";
  if (!known_type) {
    auto at = m.at("type");
    ctx.problem(at.path, at.pos, "unknown mount type " + quote(out.type) + " (volume, bind or tmpfs)");
  }
  if (out.target.empty()) {
    auto at = m.at("target");
    ctx.problem(at.path, at.pos, "required");
  }
  if (out.type == "bind" && out.source.empty()) {
    auto at = m.at("source");
    ctx.problem(at.path, at.pos, "required for a bind mount");
  }
  if (out.type == "tmpfs" && !out.source.empty()) {
    auto at = m.at("source");
    ctx.problem(at.path, at.pos, "a tmpfs mount takes no source");
  }
  auto only_for = [&](std::string_view key, std::string_view type) {
    if (m.has(key) && known_type && out.type != type) {
      auto at = m.at(key);
      ctx.problem(at.path, at.pos,
                  "only for " + std::string(type) + " mounts, this one is " + out.type);
      return false;
    }
    return true;
  };
  if (only_for("volume_options", "volume")) {
    if (const node* vo = m.block("volume_options")) {
      object_reader v(ctx, *vo, m.path_of("volume_options"));
      v.get("no_copy", out.volume_options.no_copy);
      v.get("labels", out.volume_options.labels);
      if (const node* dc = v.block("driver_config")) {
        object_reader d(ctx, *dc, v.path_of("driver_config"));
        d.get("name", out.volume_options.driver_config.name);
        d.get("options", out.volume_options.driver_config.options);
        d.finish(unknown_option);
      }
      v.finish(unknown_option);
    }
  } else {
    m.skip("volume_options");
  }
  if (only_for("bind_options", "bind")) {
    if (const node* bo = m.block("bind_options")) {
      object_reader b(ctx, *bo, m.path_of("bind_options"));
      if (b.get("propagation", out.bind_propagation)) {
        static const std::string_view modes[] = {"private", "rprivate", "shared",
                                                 "rshared", "slave",    "rslave"};
        bool ok = false;
        for (auto p : modes)
          ok = ok || out.bind_propagation == p;
        if (!ok) {
          auto at = b.at("propagation");
          ctx.problem(at.path, at.pos,
                      "unknown propagation " + quote(out.bind_propagation) +
                        " (private, rprivate, shared, rshared, slave, rslave)");
        }
      }
      b.finish(unknown_option);
    }
  } else {
    m.skip("bind_options");
  }
  if (only_for("tmpfs_options", "tmpfs")) {
    if (const node* to = m.block("tmpfs_options")) {
      object_reader t(ctx, *to, m.path_of("tmpfs_options"));
      read_ranged(t, "size", out.tmpfs_size, 0, INT64_MAX, "must not be negative");
      read_ranged(t, "mode", out.tmpfs_mode, 0, 07777, "must be a file mode 0..07777");
      t.finish(unknown_option);
    }
  } else {
    m.skip("tmpfs_options");
  }
  m.finish(unknown_option);
  return out;
}

void read_mounts(object_reader& r, docker_config& c) {
  // Nomad 0.8: mounts = [ { ... } ]; Nomad 0.10+: mount { ... } blocks.
  for (std::string_view key : {"mounts", "mount"}) {
    auto entries = r.blocks(key);
    std::string path = r.path_of(key);
    for (std::size_t i = 0; i < entries.size(); ++i)
      c.mounts.push_back(read_mount(r.context(), *entries[i], item_path(path, i)));
  }
}

device_config read_device(decode_context& ctx, const node& body, const std::string& path) {
  object_reader d(ctx, body, path);
  device_config out;
  d.get("host_path", out.host_path);
  d.get("container_path", out.container_path);
  d.get("cgroup_permissions", out.cgroup_permissions);
  d.finish(unknown_option);
  if (out.host_path.empty()) {
    auto at = d.at("host_path");
    ctx.problem(at.path, at.pos, "required");
  }
  if (out.container_path.empty())
    out.container_path = out.host_path;
  if (out.cgroup_permissions.empty()) {
    out.cgroup_permissions = "rwm";
  } else if (out.cgroup_permissions.find_first_not_of("rwm") != std::string::npos) {
    auto at = d.at("cgroup_permissions");
    ctx.problem(at.path, at.pos,
                quote(out.cgroup_permissions) +
                  " is not a cgroup permission string (only the letters r, w and m)");
  }
  return out;
}

void read_devices(object_reader& r, docker_config& c) {
  auto entries = r.blocks("devices");
  std::string path = r.path_of("devices");
  for (std::size_t i = 0; i < entries.size(); ++i)
    c.devices.push_back(read_device(r.context(), *entries[i], item_path(path, i)));
}

void read_healthchecks(object_reader& r, docker_config& c) {
  const node* n = r.block("healthchecks");
  if (!n)
    return;
  object_reader h(r.context(), *n, r.path_of("healthchecks"));
  h.get("disable", c.healthchecks_disable);
  h.finish(unknown_option);
}

void read_pull_timeout(object_reader& r, docker_config& c) {
  std::int64_t ms = c.image_pull_timeout_ms;
  if (!r.get_duration_ms("image_pull_timeout", ms))
    return;
  if (ms == 0) {
    auto at = r.at("image_pull_timeout");
    r.context().problem(at.path, at.pos, "must be longer than 0s");
    return;
  }
  c.image_pull_timeout_ms = ms;
}

// Docker's --cpuset-cpus: "0-3,6", numbers and ascending ranges.
std::string check_cpuset(std::string_view s) {
  std::string_view rest = s;
  while (true) {
    auto comma = rest.find(',');
    std::string_view part = rest.substr(0, comma);
    auto dash = part.find('-');
    std::int64_t lo = 0, hi = 0;
    bool ok = parse_decimal(part.substr(0, dash), lo) && lo >= 0 &&
              (dash == std::string_view::npos ? (hi = lo, true)
                                              : parse_decimal(part.substr(dash + 1), hi));
    if (!ok || part.empty() || part[0] == '-' || part[0] == '+' || hi < lo)
      return quote(s) + " is not a CPU list (e.g. \"0-3,6\")";
    if (comma == std::string_view::npos)
      return {};
    rest.remove_prefix(comma + 1);
  }
}

// A string option whose value must be one of `allowed` ("" always is).
void read_choice(object_reader& r, std::string_view key, std::string& out,
                 std::initializer_list<std::string_view> allowed, std::string_view why) {
  std::string v;
  if (!r.get(key, v))
    return;
  bool ok = v.empty() || interpolated(v);
  for (auto a : allowed)
    ok = ok || v == a;
  if (!ok) {
    auto at = r.at(key);
    r.context().problem(at.path, at.pos, quote(v) + std::string(why));
    return;
  }
  out = std::move(v);
}

void read_cpuset(object_reader& r, docker_config& c) {
  std::string v;
  if (!r.get("cpuset_cpus", v))
    return;
  if (!v.empty() && !interpolated(v)) {
    if (auto why = check_cpuset(v); !why.empty()) {
      auto at = r.at("cpuset_cpus");
      r.context().problem(at.path, at.pos, why);
      return;
    }
  }
  c.cpuset_cpus = std::move(v);
}

void read_ssl(object_reader& r, docker_config& c) {
  for (std::string_view key : {"SSL", "ssl"}) {
    if (!r.has(key)) {
      r.skip(key);
      continue;
    }
    auto at = r.at(key);
    if (r.get(key, c.ssl))
      r.context().warning(at.path, at.pos, "deprecated since Nomad 0.5.3 and ignored");
  }
}

// The options that need more than reading their value by type (a check, a
// range, a block, another spelling); every other option of docker_options
// is read by its member's type. A reader here is found by the option's name.
using option_reader = void (*)(object_reader&, docker_config&);

void read_dns_servers(object_reader& r, docker_config& c) {
  read_checked_list(r, "dns_servers", c.dns_servers, check_dns_server);
}
void read_extra_hosts(object_reader& r, docker_config& c) {
  read_checked_list(r, "extra_hosts", c.extra_hosts, check_extra_host);
}
void read_volumes(object_reader& r, docker_config& c) {
  read_checked_list(r, "volumes", c.volumes, check_volume);
}
void read_ipv4(object_reader& r, docker_config& c) {
  read_address(r, "ipv4_address", c.ipv4_address, false);
}
void read_ipv6(object_reader& r, docker_config& c) {
  read_address(r, "ipv6_address", c.ipv6_address, true);
}
void read_shm_size(object_reader& r, docker_config& c) {
  read_ranged(r, "shm_size", c.shm_size, 0, INT64_MAX, "must not be negative");
}
void read_pids_limit(object_reader& r, docker_config& c) {
  read_ranged(r, "pids_limit", c.pids_limit, 0, INT64_MAX, "must not be negative");
}
void read_oom_score_adj(object_reader& r, docker_config& c) {
  read_ranged(r, "oom_score_adj", c.oom_score_adj, -1000, 1000, "must be between -1000 and 1000");
}
void read_memory_hard_limit(object_reader& r, docker_config& c) {
  read_size(r, "memory_hard_limit", c.memory_hard_limit, ranges::max_memory_mb, "MB");
}
void read_cgroupns(object_reader& r, docker_config& c) {
  read_choice(r, "cgroupns", c.cgroupns, {"host", "private"},
              " is not a cgroup namespace mode (host or private)");
}
void read_isolation(object_reader& r, docker_config& c) {
  read_choice(r, "isolation", c.isolation, {"default"},
              " is not supported here: process and hyperv isolation are for Windows daemons (default)");
}
void read_nothing(object_reader&, docker_config&) {}

const std::map<std::string_view, option_reader>& option_readers() {
  static const std::map<std::string_view, option_reader> readers = {
    {"image", read_image},
    {"", read_nothing}, // has_auth: set by read_auth
    {"auth", read_auth},
    {"dns_servers", read_dns_servers},
    {"extra_hosts", read_extra_hosts},
    {"ulimit", read_ulimit},
    {"ipv4_address", read_ipv4},
    {"ipv6_address", read_ipv6},
    {"logging", read_logging},
    {"mac_address", read_mac},
    {"port_map", read_port_map},
    {"shm_size", read_shm_size},
    {"SSL", read_ssl},
    {"volumes", read_volumes},
    {"mounts", read_mounts},
    {"devices", read_devices},
    {"cpu_cfs_period", read_cfs_period},
    {"pids_limit", read_pids_limit},
    {"oom_score_adj", read_oom_score_adj},
    {"memory_hard_limit", read_memory_hard_limit},
    {"healthchecks.disable", read_healthchecks},
    {"image_pull_timeout", read_pull_timeout},
    {"cpuset_cpus", read_cpuset},
    {"cgroupns", read_cgroupns},
    {"isolation", read_isolation},
  };
  return readers;
}

// The types object_reader::get reads as they are.
template <class T>
constexpr bool read_by_type = std::is_same_v<T, std::string> || std::is_same_v<T, bool> ||
                              std::is_same_v<T, std::vector<std::string>> ||
                              std::is_same_v<T, string_map>;

} // namespace

std::vector<std::string> options_without_reader() {
  std::vector<std::string> missing;
  docker_config c;
  each_docker_option(c, [&](const char* name, auto& member) {
    using T = std::decay_t<decltype(member)>;
    if (!read_by_type<T> && !option_readers().count(name))
      missing.emplace_back(name);
  });
  return missing;
}

// Walks docker_options: an option with a reader of its own is read by it,
// every other by its member's type; a member of a type get() cannot read and
// without a reader is reported by options_without_reader (a unit test).
docker_config decode_docker_config(decode_context& ctx, const node& config,
                                   const std::string& path) {
  docker_config c;
  object_reader r(ctx, config, path);
  const auto& readers = option_readers();
  each_docker_option(c, [&](const char* name, auto& member) {
    using T = std::decay_t<decltype(member)>;
    if (auto it = readers.find(name); it != readers.end())
      it->second(r, c);
    else if constexpr (read_by_type<T>)
      r.get(name, member);
  });
  r.finish(unknown_option);
  return c;
}

} // namespace stevedore::policy
