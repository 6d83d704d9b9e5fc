#include "policy/create_body.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

#include "policy/capabilities.hpp"

namespace stevedore::policy {

namespace {

constexpr std::int64_t mib = 1024 * 1024;
constexpr std::int64_t default_cfs_period_us = 100000;
constexpr std::int64_t min_cfs_quota_us = 1000;

void set_if(json& obj, const char* key, const std::string& value) {
  if (!value.empty())
    obj.set(key, value);
}

void set_if(json& obj, const char* key, const std::vector<std::string>& values) {
  if (!values.empty())
    obj.set(key, json::array_of(values));
}

void set_if(json& obj, const char* key, const string_map& values) {
  if (!values.empty())
    obj.set(key, json::object_of(values));
}

// {key: value}. (json::set returns the member, not the object, so it does
// not chain.)
json object_with(const char* key, json value) {
  json out = json::object();
  out.set(key, std::move(value));
  return out;
}

// A decimal integer, optionally negative (ulimits use -1 for unlimited).
bool parse_int(const std::string& text, std::int64_t& out) {
  bool negative = !text.empty() && text.front() == '-';
  auto digits = text.substr(negative ? 1 : 0);
  if (digits.empty() || digits.size() > 18)
    return false;
  std::int64_t v = 0;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return false;
    v = v * 10 + (c - '0');
  }
  out = negative ? -v : v;
  return true;
}

// mb * 1 MiB, or a problem at `what` when that leaves 64 bits. The decoders
// bound these fields (policy/ranges.hpp); this keeps a task_spec built in
// code (the embedding API) from sending the daemon a wrapped, negative size.
bool mb_to_bytes(std::int64_t mb, const std::string& what, std::int64_t& out,
                 std::vector<error_info>& problems) {
  if (mb < 0 || mb > std::numeric_limits<std::int64_t>::max() / mib) {
    problems.push_back(make_error(errc::invalid_input, what,
                                  std::to_string(mb) + " MB does not fit in 64-bit bytes"));
    return false;
  }
  out = mb * mib;
  return true;
}

// The task's resources path from its config path (path ends in ".config").
std::string resources_path(const std::string& config_path) {
  constexpr std::string_view suffix = ".config";
  if (config_path.size() >= suffix.size() &&
      config_path.compare(config_path.size() - suffix.size(), suffix.size(), suffix) == 0)
    return config_path.substr(0, config_path.size() - suffix.size()) + ".resources";
  return config_path + ".resources";
}

std::vector<std::string> env_list(const string_map& env) {
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [k, v] : env)
    out.push_back(k + "=" + v);
  return out;
}

// The top-level fields (Docker's ContainerConfig), in Docker's own order.
json container_config(const task_instance& inst) {
  const auto& c = inst.task->config;
  json body = json::object();
  set_if(body, "Hostname", c.hostname);
  set_if(body, "User", inst.task->user);
  if (!inst.ports.empty())
    body.set("ExposedPorts", exposed_ports(inst.ports));
  if (c.tty)
    body.set("Tty", true);
  if (c.interactive) {
    // Keep stdin open for the life of the container; nobody attaches at
    // create time, so AttachStdin stays unset (as Nomad's OpenStdin alone).
    body.set("OpenStdin", true);
    body.set("StdinOnce", false);
  }
  body.set("Env", json::array_of(env_list(inst.env)));
  set_if(body, "Cmd", command_line(c));
  if (c.healthchecks_disable)
    body.set("Healthcheck", object_with("Test", json::array_of({"NONE"})));
  body.set("Image", inst.image);
  set_if(body, "WorkingDir", c.work_dir);
  set_if(body, "Entrypoint", c.entrypoint);
  set_if(body, "MacAddress", c.mac_address);
  body.set("Labels", json::object_of(inst.labels));
  return body;
}

void add_storage(json& host, const volume_plan& volumes, const docker_config& c) {
  host.set("Binds", json::array_of(volumes.binds));
  set_if(host, "VolumeDriver", c.volume_driver);
  if (!volumes.mounts.empty())
    host.set("Mounts", mounts_field(volumes.mounts));
}

json log_config(const std::string& type, const string_map& config) {
  json out = json::object();
  out.set("Type", type);
  out.set("Config", json::object_of(config));
  return out;
}

} // namespace

std::vector<std::string> command_line(const docker_config& c) {
  std::vector<std::string> cmd;
  if (!c.command.empty())
    cmd.push_back(c.command);
  cmd.insert(cmd.end(), c.args.begin(), c.args.end());
  return cmd;
}

std::int64_t cpu_quota(std::int64_t cpu_mhz, std::int64_t period_us, const node_facts& node) {
  std::int64_t cores = node.cpu_cores > 0 ? node.cpu_cores : 1;
  std::int64_t total = node.cpu_total_mhz > 0 ? node.cpu_total_mhz : 1000 * cores;
  double share = static_cast<double>(cpu_mhz) / static_cast<double>(total);
  // In double, clamped before the cast back: a huge cpu (or a daemon that
  // reports absurd cores) must not overflow the cast, which is undefined.
  double quota = std::floor(share * static_cast<double>(period_us)) * static_cast<double>(cores);
  constexpr double max_quota = 1e18;
  if (!(quota >= static_cast<double>(min_cfs_quota_us)))
    return min_cfs_quota_us;
  return quota > max_quota ? static_cast<std::int64_t>(max_quota) : static_cast<std::int64_t>(quota);
}

std::int64_t cpu_shares(const resources_spec& r, const node_facts& node) {
  // The kernel's least cpu.shares is 2; runc refuses a container asking for
  // less, and Nomad 1.x takes a cpu of 1 MHz.
  constexpr std::int64_t min_shares = 2;
  if (r.cores <= 0)
    return std::max(r.cpu, min_shares);
  std::int64_t cores = node.cpu_cores > 0 ? node.cpu_cores : 1;
  std::int64_t per_core = node.cpu_total_mhz > 0 ? node.cpu_total_mhz / cores : 1000;
  return r.cores * per_core;
}

bool parse_ulimit(const std::string& text, std::int64_t& soft, std::int64_t& hard) {
  auto colon = text.find(':');
  if (colon == std::string::npos)
    return parse_int(text, soft) && parse_int(text, hard);
  return parse_int(text.substr(0, colon), soft) && parse_int(text.substr(colon + 1), hard);
}

json exposed_ports(const std::vector<task_port>& ports) {
  json out = json::object();
  for (const auto& p : ports)
    for (const char* proto : {"/tcp", "/udp"})
      out.set(std::to_string(p.container_port) + proto, json::object());
  return out;
}

json port_bindings(const std::vector<task_port>& ports, const std::string& host_ip) {
  json out = json::object();
  for (const auto& p : ports)
    for (const char* proto : {"/tcp", "/udp"}) {
      auto key = std::to_string(p.container_port) + proto;
      json binding = json::object();
      binding.set("HostIp", host_ip);
      binding.set("HostPort", std::to_string(p.host_port));
      // Two labels mapped to one container port publish both host ports.
      json* existing = out.find(key);
      if (existing == nullptr)
        existing = &out.set(key, json::array());
      existing->push(std::move(binding));
    }
  return out;
}

json mounts_field(const std::vector<mount_config>& mounts) {
  json out = json::array();
  for (const auto& m : mounts) {
    json j = json::object();
    j.set("Target", m.target);
    if (m.type != "tmpfs")
      j.set("Source", m.source);
    j.set("Type", m.type);
    j.set("ReadOnly", m.readonly);
    if (m.type == "bind" && !m.bind_propagation.empty())
      j.set("BindOptions", object_with("Propagation", m.bind_propagation));
    if (m.type == "volume") {
      const auto& vo = m.volume_options;
      json opts = json::object();
      opts.set("NoCopy", vo.no_copy);
      set_if(opts, "Labels", vo.labels);
      if (!vo.driver_config.name.empty()) {
        json driver = json::object();
        driver.set("Name", vo.driver_config.name);
        set_if(driver, "Options", vo.driver_config.options);
        opts.set("DriverConfig", std::move(driver));
      }
      j.set("VolumeOptions", std::move(opts));
    }
    if (m.type == "tmpfs" && (m.tmpfs_size > 0 || m.tmpfs_mode > 0)) {
      json tmpfs = json::object();
      if (m.tmpfs_size > 0)
        tmpfs.set("SizeBytes", m.tmpfs_size);
      if (m.tmpfs_mode > 0)
        tmpfs.set("Mode", m.tmpfs_mode);
      j.set("TmpfsOptions", std::move(tmpfs));
    }
    out.push(std::move(j));
  }
  return out;
}

json devices_field(const std::vector<device_config>& devices) {
  json out = json::array();
  for (const auto& d : devices) {
    json j = json::object();
    j.set("PathOnHost", d.host_path);
    j.set("PathInContainer", d.container_path.empty() ? d.host_path : d.container_path);
    j.set("CgroupPermissions", d.cgroup_permissions.empty() ? "rwm" : d.cgroup_permissions);
    out.push(std::move(j));
  }
  return out;
}

void add_resources(json& host, const task_spec& task, const node_facts& node,
                   const std::string& path, std::vector<error_info>& problems) {
  const auto& c = task.config;
  host.set("CpuShares", cpu_shares(task.resources, node));
  set_if(host, "CpusetCpus", c.cpuset_cpus);
  if (c.cpu_hard_limit) {
    auto period = c.cpu_cfs_period > 0 ? c.cpu_cfs_period : default_cfs_period_us;
    host.set("CpuPeriod", period);
    host.set("CpuQuota", cpu_quota(task.resources.cpu, period, node));
  }
  std::int64_t memory = 0;
  mb_to_bytes(task.resources.memory_mb, resources_path(path) + ".memory", memory, problems);
  // memory_hard_limit (config) wins over memory_max (resources), as in Nomad.
  std::int64_t hard_mb = c.memory_hard_limit > 0 ? c.memory_hard_limit : task.resources.memory_max_mb;
  if (hard_mb > 0) {
    // `memory` becomes the soft reservation, the hard limit the ceiling.
    std::int64_t hard = 0;
    mb_to_bytes(hard_mb,
                c.memory_hard_limit > 0 ? path + ".memory_hard_limit"
                                        : resources_path(path) + ".memory_max",
                hard, problems);
    host.set("Memory", hard);
    host.set("MemoryReservation", memory);
    memory = hard;
  } else {
    host.set("Memory", memory);
  }
  host.set("MemorySwap", memory); // memory + swap = memory: no swap
  if (c.pids_limit > 0)
    host.set("PidsLimit", c.pids_limit);
  if (!c.ulimit.empty()) {
    json ulimits = json::array();
    for (const auto& [name, value] : c.ulimit) {
      std::int64_t soft = 0, hard = 0;
      if (!parse_ulimit(value, soft, hard)) {
        problems.push_back(make_error(errc::invalid_input, path + ".ulimit." + name,
                                      quote_value(value) + " is not \"soft\" or \"soft:hard\""));
        continue;
      }
      json u = json::object();
      u.set("Name", name);
      u.set("Soft", soft);
      u.set("Hard", hard);
      ulimits.push(std::move(u));
    }
    host.set("Ulimits", std::move(ulimits));
  }
  if (!c.devices.empty())
    host.set("Devices", devices_field(c.devices));
  if (c.shm_size > 0)
    host.set("ShmSize", c.shm_size);
  if (c.oom_score_adj != 0)
    host.set("OomScoreAdj", c.oom_score_adj);
}

void add_networking(json& host, const task_instance& inst, const client_config& client) {
  const auto& c = inst.task->config;
  host.set("NetworkMode", c.network_mode.empty() ? std::string("bridge") : c.network_mode);
  if (!inst.ports.empty())
    host.set("PortBindings", port_bindings(inst.ports, client.bind_address));
  set_if(host, "Dns", c.dns_servers);
  set_if(host, "DnsSearch", c.dns_search_domains);
  set_if(host, "DnsOptions", c.dns_options);
  set_if(host, "ExtraHosts", c.extra_hosts);
}

void add_security(json& host, const docker_config& c) {
  if (c.privileged)
    host.set("Privileged", true);
  std::vector<std::string> add, drop;
  for (const auto& cap : c.cap_add)
    add.push_back(normalize_capability(cap));
  for (const auto& cap : c.cap_drop)
    drop.push_back(normalize_capability(cap));
  set_if(host, "CapAdd", add);
  set_if(host, "CapDrop", drop);
  set_if(host, "SecurityOpt", c.security_opt);
  if (c.readonly_rootfs)
    host.set("ReadonlyRootfs", true);
  set_if(host, "GroupAdd", c.group_add);
  set_if(host, "IpcMode", c.ipc_mode);
  set_if(host, "PidMode", c.pid_mode);
  set_if(host, "UTSMode", c.uts_mode);
  set_if(host, "UsernsMode", c.userns_mode);
  set_if(host, "CgroupnsMode", c.cgroupns);
  set_if(host, "Isolation", c.isolation);
  set_if(host, "Sysctls", c.sysctl);
}

void add_runtime_options(json& host, const docker_config& c, const client_config& client) {
  // Without a logging block the client's (Nomad 1.x: json-file, 2 files of
  // 2m), so the daemon's own log files do not grow without bound.
  if (!c.logging.type.empty())
    host.set("LogConfig", log_config(c.logging.type, c.logging.config));
  else if (!client.logging_type.empty())
    host.set("LogConfig", log_config(client.logging_type, client.logging_config));
  if (c.init)
    host.set("Init", true);
  set_if(host, "Runtime", c.runtime);
  set_if(host, "StorageOpt", c.storage_opt);
}

json networking_config(const docker_config& c) {
  if (c.network_aliases.empty() && c.ipv4_address.empty() && c.ipv6_address.empty())
    return nullptr;
  json endpoint = json::object();
  set_if(endpoint, "Aliases", c.network_aliases);
  if (!c.ipv4_address.empty() || !c.ipv6_address.empty()) {
    json ipam = json::object();
    set_if(ipam, "IPv4Address", c.ipv4_address);
    set_if(ipam, "IPv6Address", c.ipv6_address);
    endpoint.set("IPAMConfig", std::move(ipam));
  }
  json endpoints = json::object();
  endpoints.set(c.network_mode.empty() ? std::string("bridge") : c.network_mode, std::move(endpoint));
  return object_with("EndpointsConfig", std::move(endpoints));
}

json to_create_body(const task_instance& inst, const volume_plan& volumes,
                    const client_config& client, const node_facts& node,
                    const std::string& path, std::vector<error_info>& problems) {
  const auto& c = inst.task->config;
  json body = container_config(inst);
  json host = json::object();
  add_storage(host, volumes, c);
  add_resources(host, *inst.task, node, path, problems);
  add_networking(host, inst, client);
  add_security(host, c);
  add_runtime_options(host, c, client);
  if (c.pids_limit == 0 && client.pids_limit > 0)
    host.set("PidsLimit", client.pids_limit); // the node's limit applies to every task
  body.set("HostConfig", std::move(host));
  json net = networking_config(c);
  if (!net.is_null())
    body.set("NetworkingConfig", std::move(net));
  return body;
}

} // namespace stevedore::policy
