// Client settings into client_config. The file is a Nomad agent configuration
// (HCL or JSON), so a Nomad operator's file works unchanged:
//
//   datacenter = "dc1"            region = "global"            name = "node-1"
//   client {
//     node_class = "..."
//     meta { rack = "r1" }
//     min_dynamic_port = 20000    # Nomad >= 1.0 names; the range task ports come from
//     max_dynamic_port = 32000
//     alloc_dir = "/var/lib/stevedore/alloc"
//     options {
//       "docker.endpoint" = "unix:///var/run/docker.sock"
//       "docker.auth.config" "docker.auth.helper" "docker.tls.cert" "docker.tls.key"
//       "docker.tls.ca" "docker.cleanup.image" "docker.cleanup.image.delay"
//       "docker.cleanup.container" "docker.volumes.enabled" "docker.volumes.selinuxlabel"
//       "docker.privileged.enabled" "docker.caps.whitelist" "docker.allow_runtimes"
//       "docker.pull_activity_timeout"
//       # stevedore's own settings, under their own prefix:
//       "stevedore.pull.max_concurrent" = "4"       # concurrent image pulls
//       "stevedore.fingerprint.period"  = "15s"     # how often the daemon is polled
//       "stevedore.stats.interval"      = "1s"      # container stats sampling
//       "stevedore.bind_address"        = "127.0.0.1" # where task ports are published
//       "stevedore.node_id"             = "..."     # stable id labelling our containers
//       # what one job may ask (refused before any planning):
//       "stevedore.job.max_count"       = "1000"    # a group's count
//       "stevedore.job.max_tasks"       = "100"     # tasks written in one job
//       "stevedore.job.max_instances"   = "2000"    # count x tasks over all groups
//       "stevedore.job.max_size"        = "1048576" # bytes of the job file or API body
//     }
//   }
//   plugin "docker" { config { endpoint auth { config helper } tls { cert key ca }
//     gc { image image_delay container } volumes { enabled selinuxlabel }
//     allow_privileged allow_caps allow_runtimes pull_activity_timeout } }
//
// The plugin block is Nomad's newer form of the same settings; it is applied
// after `options`, so it wins where both set something. Option values may be
// strings, as Nomad's options map has them ("docker.cleanup.image" = "false"),
// or bare bools and numbers. Unknown docker.* and stevedore.* options are
// problems; other options (other drivers') and Nomad agent settings that mean
// nothing to stevedore are warnings.
#include <cctype>

#include "policy/decode.hpp"
#include "policy/duration.hpp"
#include "policy/rules.hpp"

#include <arpa/inet.h>

namespace stevedore::policy {

namespace {

constexpr std::string_view unknown_option = "unknown option";
constexpr std::string_view not_used = "not used by stevedore; ignored";

// Escaped and cut: a job file's value must not paint the terminal or fill it.
std::string quote(std::string_view s) {
  return quote_value(s);
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return std::string(s);
}

// "" when TEXT is an endpoint the Docker client can dial, else why not.
std::string check_endpoint(std::string_view text) {
  const std::string why = quote(text) +
                          " is not a Docker endpoint (unix:///path/to/socket, tcp://host:port, "
                          "http://host:port or https://host:port)";
  if (text.substr(0, 7) == "unix://") {
    std::string_view path = text.substr(7);
    return path.size() > 1 && path.front() == '/' ? std::string() : why;
  }
  for (std::string_view scheme : {"tcp://", "http://", "https://"}) {
    if (text.substr(0, scheme.size()) == scheme) {
      std::string_view host = text.substr(scheme.size());
      return host.empty() || host.front() == ':' || host.front() == '/' ? why : std::string();
    }
  }
  return why;
}

// A comma-separated string ("CHOWN,NET_RAW") or a list; entries trimmed.
std::optional<std::vector<std::string>> to_name_list(decode_context& ctx, const node& n,
                                                     const std::string& path) {
  std::vector<std::string> raw;
  if (n.type == node::kind::list) {
    auto v = to_string_list(ctx, n, path);
    if (!v)
      return std::nullopt;
    raw = std::move(*v);
  } else {
    auto v = to_string_value(ctx, n, path);
    if (!v)
      return std::nullopt;
    std::string_view s = *v;
    while (true) {
      auto comma = s.find(',');
      raw.emplace_back(s.substr(0, comma));
      if (comma == std::string_view::npos)
        break;
      s.remove_prefix(comma + 1);
    }
  }
  std::vector<std::string> out;
  for (auto& entry : raw) {
    std::string name = trim(entry);
    if (name.empty()) {
      ctx.problem(path, n.pos, "empty entry in list");
      return std::nullopt;
    }
    out.push_back(std::move(name));
  }
  return out;
}

std::optional<std::vector<std::string>> to_capabilities(decode_context& ctx, const node& n,
                                                        const std::string& path) {
  auto names = to_name_list(ctx, n, path);
  if (!names)
    return std::nullopt;
  for (auto& name : *names) {
    for (auto& c : name)
      c = char(std::toupper(static_cast<unsigned char>(c)));
    for (char c : name) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') {
        ctx.problem(path, n.pos, quote(name) + " is not a capability name");
        return std::nullopt;
      }
    }
  }
  return names;
}

std::optional<std::int64_t> positive_duration(decode_context& ctx, const node& n,
                                              const std::string& path) {
  auto v = to_duration_ms(ctx, n, path);
  if (v && *v == 0) {
    ctx.problem(path, n.pos, "must be longer than 0s");
    return std::nullopt;
  }
  return v;
}

// What the settings touched, for the checks that look at several of them.
struct seen_settings {
  bool endpoint = false;
  field_ref tls_at;
  bool any_tls = false;
};

void set_auth_helper(decode_context& ctx, const node& n, const std::string& path,
                     client_config& out) {
  auto v = to_string_value(ctx, n, path);
  if (!v)
    return;
  if (v->find('/') != std::string::npos) {
    ctx.problem(path, n.pos,
                "give the helper's name, not a path: " + quote(*v) +
                  " (stevedore runs docker-credential-<name> from PATH)");
    return;
  }
  if (v->substr(0, 18) == "docker-credential-")
    ctx.warning(path, n.pos,
                "the helper run will be docker-credential-" + *v +
                  "; give only the part after docker-credential-");
  out.auth_helper = std::move(*v);
}

void set_endpoint(decode_context& ctx, const node& n, const std::string& path,
                  client_config& out, seen_settings& seen) {
  auto v = to_string_value(ctx, n, path);
  if (!v)
    return;
  if (auto why = check_endpoint(*v); !why.empty()) {
    ctx.problem(path, n.pos, why);
    return;
  }
  out.endpoint = std::move(*v);
  seen.endpoint = true;
}

template <class T, class Convert>
void set(decode_context& ctx, const node& n, const std::string& path, T& out, Convert convert) {
  if (auto v = convert(ctx, n, path))
    out = std::move(*v);
}

auto as_string = [](decode_context& ctx, const node& n, const std::string& path) {
  return to_string_value(ctx, n, path);
};
auto as_bool = [](decode_context& ctx, const node& n, const std::string& path) {
  return to_bool(ctx, n, path);
};
auto as_delay = [](decode_context& ctx, const node& n, const std::string& path) {
  return to_duration_ms(ctx, n, path);
};

// One entry of client.options; false when the name is not one of ours.
bool apply_option(decode_context& ctx, std::string_view name, const node& n,
                  const std::string& path, client_config& out, seen_settings& seen) {
  if (name == "docker.endpoint") {
    set_endpoint(ctx, n, path, out, seen);
  } else if (name == "docker.auth.config") {
    set(ctx, n, path, out.auth_config, as_string);
  } else if (name == "docker.auth.helper") {
    set_auth_helper(ctx, n, path, out);
  } else if (name == "docker.tls.cert" || name == "docker.tls.key" || name == "docker.tls.ca") {
    std::string& field = name == "docker.tls.cert" ? out.tls_cert
                         : name == "docker.tls.key" ? out.tls_key
                                                    : out.tls_ca;
    set(ctx, n, path, field, as_string);
    if (!seen.any_tls)
      seen.tls_at = {path, n.pos};
    seen.any_tls = true;
  } else if (name == "docker.cleanup.image") {
    set(ctx, n, path, out.cleanup_image, as_bool);
  } else if (name == "docker.cleanup.image.delay") {
    set(ctx, n, path, out.cleanup_image_delay_ms, as_delay);
  } else if (name == "docker.cleanup.container") {
    set(ctx, n, path, out.cleanup_container, as_bool);
  } else if (name == "docker.volumes.enabled") {
    set(ctx, n, path, out.volumes_enabled, as_bool);
  } else if (name == "docker.volumes.selinuxlabel") {
    set(ctx, n, path, out.volumes_selinuxlabel, as_string);
  } else if (name == "docker.privileged.enabled") {
    set(ctx, n, path, out.privileged_enabled, as_bool);
  } else if (name == "docker.caps.whitelist" || name == "docker.caps.allowlist") {
    set(ctx, n, path, out.caps_whitelist, to_capabilities);
  } else if (name == "docker.allow_runtimes") {
    set(ctx, n, path, out.allow_runtimes, to_name_list);
  } else if (name == "docker.pull_activity_timeout") {
    set(ctx, n, path, out.pull_activity_timeout_ms, positive_duration);
  } else if (name == "stevedore.pull.max_concurrent") {
    if (auto v = to_int(ctx, n, path)) {
      if (*v < 1)
        ctx.problem(path, n.pos, "must be at least 1, got " + std::to_string(*v));
      else if (*v > 1024)
        ctx.problem(path, n.pos, "must be at most 1024, got " + std::to_string(*v));
      else
        out.max_concurrent_pulls = *v;
    }
  } else if (name == "stevedore.job.max_count" || name == "stevedore.job.max_tasks" ||
             name == "stevedore.job.max_instances" || name == "stevedore.job.max_size") {
    std::int64_t& field = name == "stevedore.job.max_count"   ? out.max_group_count
                          : name == "stevedore.job.max_tasks" ? out.max_job_tasks
                          : name == "stevedore.job.max_instances" ? out.max_job_instances
                                                                  : out.max_job_bytes;
    if (auto v = to_int(ctx, n, path)) {
      // A limit of 0 would refuse every job: 1 is the least that makes sense.
      if (*v < 1)
        ctx.problem(path, n.pos, "must be at least 1, got " + std::to_string(*v));
      else
        field = *v;
    }
  } else if (name == "stevedore.fingerprint.period") {
    set(ctx, n, path, out.fingerprint_period_ms, positive_duration);
  } else if (name == "stevedore.stats.interval") {
    set(ctx, n, path, out.stats_interval_ms, positive_duration);
  } else if (name == "stevedore.bind_address") {
    if (auto v = to_string_value(ctx, n, path)) {
      in6_addr a6{};
      in_addr a4{};
      if (inet_pton(AF_INET, v->c_str(), &a4) != 1 && inet_pton(AF_INET6, v->c_str(), &a6) != 1)
        ctx.problem(path, n.pos, quote(*v) + " is not an IP address");
      else
        out.bind_address = std::move(*v);
    }
  } else if (name == "stevedore.node_id") {
    if (auto v = to_string_value(ctx, n, path)) {
      if (v->empty())
        ctx.problem(path, n.pos, "must not be empty");
      else
        out.node_id = std::move(*v);
    }
  } else {
    return false;
  }
  return true;
}

void read_options(decode_context& ctx, object_reader& client, client_config& out,
                  seen_settings& seen) {
  std::string base = client.path_of("options");
  std::vector<std::pair<std::string, position>> done;
  for (const node* obj : client.blocks("options")) {
    for (const auto& [name, value] : obj->fields) {
      std::string path = field_path(base, name);
      if (value.type == node::kind::null)
        continue;
      bool repeated = false;
      for (const auto& [prev, pos] : done)
        if (prev == name) {
          ctx.problem(path, value.pos,
                      "set more than once (first at " + std::to_string(pos.line) + ":" +
                        std::to_string(pos.column) + ")");
          repeated = true;
        }
      if (repeated)
        continue;
      done.emplace_back(name, value.pos);
      if (apply_option(ctx, name, value, path, out, seen))
        continue;
      std::string_view n = name;
      if (n.substr(0, 7) == "docker." || n.substr(0, 10) == "stevedore.")
        ctx.problem(path, value.pos, std::string(unknown_option));
      else
        ctx.warning(path, value.pos, "not a docker driver option; ignored");
    }
  }
}

void read_port_range(object_reader& c, client_config& out) {
  decode_context& ctx = c.context();
  for (auto [key, field] : {std::pair{"min_dynamic_port", &out.min_dynamic_port},
                            std::pair{"max_dynamic_port", &out.max_dynamic_port}}) {
    std::int64_t v = *field;
    if (!c.get(key, v))
      continue;
    if (v < 1 || v > 65535) {
      auto at = c.at(key);
      ctx.problem(at.path, at.pos, "port " + std::to_string(v) + " out of range 1..65535");
      continue;
    }
    *field = v;
  }
  if (out.min_dynamic_port > out.max_dynamic_port) {
    auto at = c.at("max_dynamic_port");
    ctx.problem(at.path, at.pos,
                "max_dynamic_port " + std::to_string(out.max_dynamic_port) +
                  " is below min_dynamic_port " + std::to_string(out.min_dynamic_port));
  }
}

void read_client_block(decode_context& ctx, const node& body, client_config& out,
                       seen_settings& seen) {
  object_reader c(ctx, body, "client");
  bool enabled = true;
  c.get("enabled", enabled);
  c.get("node_class", out.node_class);
  c.get("meta", out.node_meta);
  c.get("alloc_dir", out.alloc_root);
  read_port_range(c, out);
  read_options(ctx, c, out, seen);
  c.ignore("network_interface",
           "not used by stevedore: task ports are published on \"stevedore.bind_address\"");
  for (auto key : {"state_dir", "servers", "server_join", "network_speed", "cpu_total_compute",
                   "memory_total_mb", "disk_total_mb", "disk_free_mb", "reserved",
                   "reservable_cores", "chroot_env", "gc_interval", "gc_disk_usage_threshold",
                   "gc_inode_usage_threshold", "gc_parallel_destroys", "gc_max_allocs",
                   "no_host_uuid", "host_volume", "host_network", "template", "artifact",
                   "cni_path", "cni_config_dir", "bridge_network_name", "bridge_network_subnet",
                   "drain_on_shutdown", "node_pool", "preferred_address_family", "cgroup_parent",
                   "max_kill_timeout", "disable_remote_exec", "nomad_service_discovery"})
    c.ignore(key, not_used);
  c.finish("unknown field");
}

// gc { image image_delay container dangling_containers { ... } }
void read_plugin_gc(decode_context& ctx, const node& body, const std::string& path,
                    client_config& out) {
  object_reader g(ctx, body, path);
  g.get("image", out.cleanup_image);
  g.get_duration_ms("image_delay", out.cleanup_image_delay_ms);
  g.get("container", out.cleanup_container);
  if (const node* d = g.block("dangling_containers")) {
    object_reader dr(ctx, *d, g.path_of("dangling_containers"));
    dr.get("enabled", out.dangling_enabled);
    dr.get("dry_run", out.dangling_dry_run);
    for (auto [key, field] : {std::pair{"period", &out.dangling_period_ms},
                              std::pair{"creation_grace", &out.dangling_creation_grace_ms}}) {
      std::int64_t ms = *field;
      if (!dr.get_duration_ms(key, ms))
        continue;
      if (ms <= 0) {
        auto at = dr.at(key);
        ctx.problem(at.path, at.pos, "must be longer than 0s");
        continue;
      }
      *field = ms;
    }
    dr.finish(unknown_option);
  }
  g.finish(unknown_option);
}

// The settings Nomad 1.x added: pids_limit, extra_labels, logging,
// disable_log_collection, infra_image, oom_score_adj, allowed_modes.
void read_plugin_nomad1(object_reader& r, client_config& out) {
  decode_context& ctx = r.context();
  std::int64_t pids = out.pids_limit;
  if (r.get("pids_limit", pids)) {
    if (pids < 0) {
      auto at = r.at("pids_limit");
      ctx.problem(at.path, at.pos, "must not be negative, got " + std::to_string(pids));
    } else {
      out.pids_limit = pids;
    }
  }
  std::int64_t oom = out.oom_score_adj;
  if (r.get("oom_score_adj", oom)) {
    if (oom < -1000 || oom > 1000) {
      auto at = r.at("oom_score_adj");
      ctx.problem(at.path, at.pos, "must be between -1000 and 1000, got " + std::to_string(oom));
    } else {
      out.oom_score_adj = oom;
    }
  }
  r.get("allowed_modes", out.allowed_modes);
  r.get("extra_labels", out.extra_labels);
  r.get("disable_log_collection", out.disable_log_collection);
  r.get("infra_image", out.infra_image);
  if (const node* logging = r.block("logging")) {
    object_reader l(ctx, *logging, r.path_of("logging"));
    string_map config;
    if (l.get("type", out.logging_type))
      out.logging_config.clear(); // the defaults belong to json-file
    if (l.get("config", config))
      out.logging_config = std::move(config);
    l.finish(unknown_option);
  }
}

// plugin "docker" { config { ... } }: Nomad >= 0.9's form of the docker.* options.
void read_docker_plugin(decode_context& ctx, const node& body, const std::string& path,
                        client_config& out, seen_settings& seen) {
  object_reader p(ctx, body, path);
  const node* config = p.block("config");
  p.ignore("args", not_used);
  p.finish("unknown field");
  if (!config)
    return;
  object_reader r(ctx, *config, p.path_of("config"));
  if (const node* n = r.one("endpoint"))
    set_endpoint(ctx, *n, r.path_of("endpoint"), out, seen);
  if (const node* auth = r.block("auth")) {
    object_reader a(ctx, *auth, r.path_of("auth"));
    a.get("config", out.auth_config);
    if (const node* n = a.one("helper"))
      set_auth_helper(ctx, *n, a.path_of("helper"), out);
    a.finish(unknown_option);
  }
  if (const node* tls = r.block("tls")) {
    object_reader t(ctx, *tls, r.path_of("tls"));
    t.get("cert", out.tls_cert);
    t.get("key", out.tls_key);
    t.get("ca", out.tls_ca);
    if (!seen.any_tls)
      seen.tls_at = {t.path(), t.pos()};
    seen.any_tls = true;
    t.finish(unknown_option);
  }
  if (const node* gc = r.block("gc"))
    read_plugin_gc(ctx, *gc, r.path_of("gc"), out);
  if (const node* volumes = r.block("volumes")) {
    object_reader v(ctx, *volumes, r.path_of("volumes"));
    v.get("enabled", out.volumes_enabled);
    v.get("selinuxlabel", out.volumes_selinuxlabel);
    v.finish(unknown_option);
  }
  r.get("allow_privileged", out.privileged_enabled);
  if (const node* n = r.one("allow_caps"))
    set(ctx, *n, r.path_of("allow_caps"), out.caps_whitelist, to_capabilities);
  if (const node* n = r.one("allow_runtimes"))
    set(ctx, *n, r.path_of("allow_runtimes"), out.allow_runtimes, to_name_list);
  if (const node* n = r.one("pull_activity_timeout"))
    set(ctx, *n, r.path_of("pull_activity_timeout"), out.pull_activity_timeout_ms,
        positive_duration);
  read_plugin_nomad1(r, out);
  for (auto key : {"infra_image_pull_timeout", "nvidia_runtime", "image_pull_timeout",
                   "windows_allow_insecure_container_admin", "container_exists_attempts"})
    r.ignore(key, not_used);
  r.finish(unknown_option);
}

} // namespace

client_config decode_client_config(decode_context& ctx, const node& root) {
  client_config out;
  if (root.type != node::kind::object) {
    ctx.problem("", root.pos, std::string("expected client settings, got ") + describe_value(root));
    return out;
  }
  seen_settings seen;
  object_reader r(ctx, root, "");
  r.get("datacenter", out.datacenter);
  r.get("region", out.region);
  r.get("name", out.node_name);
  if (const node* client = r.block("client"))
    read_client_block(ctx, *client, out, seen);
  for (const auto& plugin : r.labelled_blocks("plugin")) {
    std::string path = field_path(r.path_of("plugin"), plugin.label);
    if (plugin.label == "docker")
      read_docker_plugin(ctx, *plugin.body, path, out, seen);
    else
      ctx.warning(path, plugin.pos, "not the docker driver; ignored");
  }
  for (auto key : {"data_dir", "bind_addr", "log_level", "log_json", "log_file",
                   "log_rotate_bytes", "log_rotate_duration", "log_rotate_max_files",
                   "enable_debug", "ports", "addresses", "advertise", "server", "consul",
                   "vault", "telemetry", "acl", "tls", "sentinel", "autopilot", "plugin_dir",
                   "leave_on_interrupt", "leave_on_terminate", "enable_syslog",
                   "syslog_facility", "disable_update_check", "disable_anonymous_signature",
                   "http_api_response_headers", "limits", "audit", "ui", "reporting",
                   "keyring"})
    r.ignore(key, not_used);
  r.finish("unknown field");

  bool all_tls = !out.tls_cert.empty() && !out.tls_key.empty() && !out.tls_ca.empty();
  bool no_tls = out.tls_cert.empty() && out.tls_key.empty() && out.tls_ca.empty();
  if (seen.any_tls && !all_tls && !no_tls)
    ctx.problem(seen.tls_at.path, seen.tls_at.pos,
                "docker.tls.cert, docker.tls.key and docker.tls.ca go together: set all three");
  else if (all_tls && out.endpoint.empty())
    ctx.warning(seen.tls_at.path, seen.tls_at.pos,
                "TLS settings are ignored without docker.endpoint");
  return out;
}

decoded<client_config> read_client_config(std::string_view text, std::string_view file_name) {
  decode_context ctx{std::string(file_name)};
  decoded<client_config> out;
  std::string_view body = text;
  if (body.substr(0, 3) == "\xEF\xBB\xBF")
    body.remove_prefix(3);
  auto first = body.find_first_not_of(" \t\r\n");
  bool json = first != std::string_view::npos && body[first] == '{';
  auto tree = json ? parse_json(text, file_name) : parse_hcl(text, file_name);
  if (!tree) {
    error_info e = tree.error();
    e.kind = errc::invalid_input;
    e.what.clear(); // the message is "FILE:LINE:COL: ..." already
    ctx.add(std::move(e));
  } else {
    out.value = decode_client_config(ctx, *tree);
  }
  out.problems = ctx.take_problems();
  out.warnings = ctx.take_warnings();
  return out;
}

} // namespace stevedore::policy
