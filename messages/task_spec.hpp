// The job as the user wrote it: job -> groups -> tasks -> docker `config`.
// Field names follow Nomad's (spec/nomad-docker-driver.md); policy/ fills and
// judges these, actors/ carry them. Durations are milliseconds.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace stevedore {

using string_map = std::map<std::string, std::string>;

// `auth { ... }` in a task's config.
struct auth_config {
  std::string username;
  std::string password;
  std::string email;
  std::string server_address; // registry host without scheme; empty: the image's registry
};

// `logging { type = "..." config { ... } }`; empty type: stevedore collects logs itself.
struct logging_config {
  std::string type;
  string_map config;
};

// `driver_config { name options {} }` inside a mount's volume_options.
struct volume_driver_config {
  std::string name;
  string_map options;
};

struct volume_options {
  bool no_copy = false;
  string_map labels;
  volume_driver_config driver_config;
};

// One entry of `mounts = [ { ... } ]`.
struct mount_config {
  std::string type = "volume"; // "volume", "bind" or "tmpfs" (Nomad >= 0.10 also allows bind and tmpfs)
  std::string target;
  std::string source;
  bool readonly = false;
  ::stevedore::volume_options volume_options; // qualified: the member shares the type's name
  std::string bind_propagation;   // bind_options { propagation }
  std::int64_t tmpfs_size = 0;    // tmpfs_options { size } in bytes
  std::int64_t tmpfs_mode = 0;    // tmpfs_options { mode }
};

// One entry of `devices = [ { ... } ]`.
struct device_config {
  std::string host_path;
  std::string container_path;     // defaults to host_path
  std::string cgroup_permissions; // subset of "rwm"; defaults to "rwm"
};

// The task's docker `config { ... }` block, every option of the specification.
struct docker_config {
  std::string image;
  std::string load;                        // tar file in the task's local dir
  std::string command;
  std::vector<std::string> args;
  std::vector<std::string> entrypoint;
  bool has_auth = false;                   // an `auth` block was given
  auth_config auth;
  bool auth_soft_fail = false;
  std::vector<std::string> dns_search_domains;
  std::vector<std::string> dns_options;
  std::vector<std::string> dns_servers;
  std::vector<std::string> extra_hosts;    // "host:IP"
  bool force_pull = false;
  std::string hostname;
  bool interactive = false;
  string_map sysctl;
  string_map ulimit;                       // name -> "soft[:hard]"
  bool privileged = false;
  std::string ipc_mode;
  std::string pid_mode;
  std::string uts_mode;
  std::string userns_mode;
  std::string ipv4_address;
  std::string ipv6_address;
  string_map labels;
  logging_config logging;
  std::string mac_address;
  std::string network_mode;
  std::vector<std::string> network_aliases;
  std::map<std::string, std::int64_t> port_map; // port label -> container port
  std::vector<std::string> security_opt;
  std::int64_t shm_size = 0;               // bytes; 0: daemon default
  bool ssl = true;                         // deprecated since Nomad 0.5.3, accepted and ignored
  bool tty = false;
  std::vector<std::string> volumes;        // "host_path:container_path[:mode]"
  std::string volume_driver;
  std::string work_dir;
  std::vector<mount_config> mounts;
  std::vector<device_config> devices;
  std::vector<std::string> cap_add;
  std::vector<std::string> cap_drop;
  bool cpu_hard_limit = false;
  std::int64_t cpu_cfs_period = 100000;    // microseconds, 0..1000000
  bool advertise_ipv6_address = false;
  bool readonly_rootfs = false;
  std::int64_t pids_limit = 0;             // 0: unlimited
  // Options of Nomad's newer releases.
  bool init = false;
  std::vector<std::string> group_add;
  string_map storage_opt;
  std::int64_t oom_score_adj = 0;
  std::int64_t memory_hard_limit = 0;      // MB; 0: none
  bool healthchecks_disable = false;       // healthchecks { disable = true }
  std::string runtime;
  std::int64_t image_pull_timeout_ms = 5 * 60 * 1000;
  // Nomad 1.x: group network port labels this task publishes.
  std::vector<std::string> ports;
  std::string cpuset_cpus;                 // "0-3,6"
  std::string cgroupns;                    // "host" or "private"; empty: daemon default
  std::string isolation;                   // "default" (process and hyperv are Windows only)
};

// One option of a docker config: its name in a job file and the member.
template <class T>
struct option_ref {
  const char* name;
  T& value;
};
template <class T>
option_ref<T> option(const char* name, T& value) {
  return {name, value};
}

// Every member of a docker config, listed once, in the struct's order, each
// with its option's name in a job file (a block by the block's name; "" for
// has_auth, which no job file names). The CAF inspector below,
// interpolation (policy/interpolate.cpp, which reaches every string this
// list holds, by type) and decoding (policy/config_decode.cpp: by the
// member's type, or by a reader of the option's own) walk this list; the
// create body (policy/create_body.cpp) maps each option to the daemon's
// field. A new option is one line here plus its mapping (and a reader if
// its value needs a check).
template <class Config>
auto docker_options(Config& c) {
  return std::make_tuple(
    option("image", c.image), option("load", c.load), option("command", c.command),
    option("args", c.args), option("entrypoint", c.entrypoint), option("", c.has_auth),
    option("auth", c.auth), option("auth_soft_fail", c.auth_soft_fail),
    option("dns_search_domains", c.dns_search_domains), option("dns_options", c.dns_options),
    option("dns_servers", c.dns_servers), option("extra_hosts", c.extra_hosts),
    option("force_pull", c.force_pull), option("hostname", c.hostname),
    option("interactive", c.interactive), option("sysctl", c.sysctl), option("ulimit", c.ulimit),
    option("privileged", c.privileged), option("ipc_mode", c.ipc_mode),
    option("pid_mode", c.pid_mode), option("uts_mode", c.uts_mode),
    option("userns_mode", c.userns_mode), option("ipv4_address", c.ipv4_address),
    option("ipv6_address", c.ipv6_address), option("labels", c.labels),
    option("logging", c.logging), option("mac_address", c.mac_address),
    option("network_mode", c.network_mode), option("network_aliases", c.network_aliases),
    option("port_map", c.port_map), option("security_opt", c.security_opt),
    option("shm_size", c.shm_size), option("SSL", c.ssl), option("tty", c.tty),
    option("volumes", c.volumes), option("volume_driver", c.volume_driver),
    option("work_dir", c.work_dir), option("mounts", c.mounts), option("devices", c.devices),
    option("cap_add", c.cap_add), option("cap_drop", c.cap_drop),
    option("cpu_hard_limit", c.cpu_hard_limit), option("cpu_cfs_period", c.cpu_cfs_period),
    option("advertise_ipv6_address", c.advertise_ipv6_address),
    option("readonly_rootfs", c.readonly_rootfs), option("pids_limit", c.pids_limit),
    option("init", c.init), option("group_add", c.group_add),
    option("storage_opt", c.storage_opt), option("oom_score_adj", c.oom_score_adj),
    option("memory_hard_limit", c.memory_hard_limit),
    option("healthchecks.disable", c.healthchecks_disable), option("runtime", c.runtime),
    option("image_pull_timeout", c.image_pull_timeout_ms), option("ports", c.ports),
    option("cpuset_cpus", c.cpuset_cpus), option("cgroupns", c.cgroupns),
    option("isolation", c.isolation));
}

// Calls f(name, member) for every entry of docker_options.
template <class Config, class F>
void each_docker_option(Config& c, F&& f) {
  std::apply([&](auto... o) { (f(o.name, o.value), ...); }, docker_options(c));
}

// `port "label" {}` (dynamic) or `port "label" { static = N }`.
struct port_spec {
  std::string label;
  std::int64_t static_port = 0; // 0: dynamic
  std::int64_t to = 0;          // group network: the port inside the container; 0: the host port
  std::string host_network;     // group network: a client host_network; stevedore has one address
};

// A group's `network { mode port "label" { static to host_network } }`
// (Nomad >= 0.12): ports allocated once per allocation, shared by its tasks.
struct network_spec {
  std::string mode = "host";    // "host" or "none" ("bridge" and "cni/*" are refused)
  std::vector<port_spec> ports; // reserved (static) first, then dynamic, as Nomad keeps them
};

struct resources_spec {
  std::int64_t cpu = 100;       // MHz -> CpuShares
  std::int64_t memory_mb = 300;
  std::int64_t mbits = 10;
  std::vector<port_spec> ports;
  std::int64_t disk_mb = 0;       // accepted (Nomad's ephemeral disk); not enforced
  std::int64_t memory_max_mb = 0; // Nomad >= 1.1: the hard limit, memory becomes the reservation
  std::int64_t cores = 0;         // whole cores instead of cpu MHz
};

// `logs { max_files, max_file_size }` (size in MB).
struct logs_spec {
  std::int64_t max_files = 10;
  std::int64_t max_file_size_mb = 10;
};

// `restart { attempts, interval, delay, mode }`; Nomad's service-job defaults.
struct restart_spec {
  std::int64_t attempts = 2;
  std::int64_t interval_ms = 30 * 60 * 1000;
  std::int64_t delay_ms = 15 * 1000;
  std::string mode = "fail"; // "fail" or "delay"
};

struct artifact_spec {
  std::string source;
  std::string destination;      // relative to the task dir; default "local/"
};

// `constraint { attribute operator value }`; checked against the fingerprint.
struct constraint_spec {
  std::string attribute;        // "${driver.docker.version}"
  std::string op = "=";         // =, !=, >, >=, <, <=, version, regexp, set_contains, is_set, is_not_set
  std::string value;
};

struct task_spec {
  std::string name;
  std::string driver = "docker";
  docker_config config;
  string_map env;
  string_map meta;
  std::string user;
  resources_spec resources;
  std::int64_t kill_timeout_ms = 5000;
  std::string kill_signal;      // empty: the image's STOPSIGNAL, else SIGTERM
  logs_spec logs;
  bool has_restart = false;     // a task-level restart block overrides the group's
  restart_spec restart;
  std::vector<artifact_spec> artifacts;
  std::vector<constraint_spec> constraints;
};

struct group_spec {
  std::string name;
  std::int64_t count = 1;
  restart_spec restart;
  string_map meta;
  std::vector<constraint_spec> constraints;
  std::vector<task_spec> tasks;
  bool implicit = false;        // a task written outside any group: a group of one, named after it
  bool has_network = false;     // a group `network` block was given
  network_spec network;
};

struct job_spec {
  std::string name;             // the job's ID
  std::string type = "service"; // service, batch, system, sysbatch
  std::string region = "global";
  std::vector<std::string> datacenters;
  std::int64_t priority = 50;
  string_map meta;
  std::vector<constraint_spec> constraints;
  std::vector<group_spec> groups;
  // Passed the client rules of the job intake's check step (policy/intake.hpp),
  // so that a later intake (the supervisor's) does not run them again; its
  // plan step still judges every value as it will reach the daemon.
  bool checked = false;
};

// ---- CAF inspection (0.17 form) --------------------------------------------

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, auth_config& x) {
  return f(caf::meta::type_name("stevedore::auth_config"), x.username, x.password,
           x.email, x.server_address);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, logging_config& x) {
  return f(caf::meta::type_name("stevedore::logging_config"), x.type, x.config);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, volume_driver_config& x) {
  return f(caf::meta::type_name("stevedore::volume_driver_config"), x.name, x.options);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, volume_options& x) {
  return f(caf::meta::type_name("stevedore::volume_options"), x.no_copy, x.labels,
           x.driver_config);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, mount_config& x) {
  return f(caf::meta::type_name("stevedore::mount_config"), x.type, x.target, x.source,
           x.readonly, x.volume_options, x.bind_propagation, x.tmpfs_size, x.tmpfs_mode);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, device_config& x) {
  return f(caf::meta::type_name("stevedore::device_config"), x.host_path,
           x.container_path, x.cgroup_permissions);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, docker_config& x) {
  return std::apply(
    [&](auto... o) { return f(caf::meta::type_name("stevedore::docker_config"), o.value...); },
    docker_options(x));
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, port_spec& x) {
  return f(caf::meta::type_name("stevedore::port_spec"), x.label, x.static_port, x.to,
           x.host_network);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, network_spec& x) {
  return f(caf::meta::type_name("stevedore::network_spec"), x.mode, x.ports);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, resources_spec& x) {
  return f(caf::meta::type_name("stevedore::resources_spec"), x.cpu, x.memory_mb,
           x.mbits, x.ports, x.disk_mb, x.memory_max_mb, x.cores);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, logs_spec& x) {
  return f(caf::meta::type_name("stevedore::logs_spec"), x.max_files, x.max_file_size_mb);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, restart_spec& x) {
  return f(caf::meta::type_name("stevedore::restart_spec"), x.attempts, x.interval_ms,
           x.delay_ms, x.mode);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, artifact_spec& x) {
  return f(caf::meta::type_name("stevedore::artifact_spec"), x.source, x.destination);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, constraint_spec& x) {
  return f(caf::meta::type_name("stevedore::constraint_spec"), x.attribute, x.op, x.value);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_spec& x) {
  return f(caf::meta::type_name("stevedore::task_spec"), x.name, x.driver, x.config,
           x.env, x.meta, x.user, x.resources, x.kill_timeout_ms, x.kill_signal, x.logs,
           x.has_restart, x.restart, x.artifacts, x.constraints);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, group_spec& x) {
  return f(caf::meta::type_name("stevedore::group_spec"), x.name, x.count, x.restart,
           x.meta, x.constraints, x.tasks, x.implicit, x.has_network, x.network);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_spec& x) {
  return f(caf::meta::type_name("stevedore::job_spec"), x.name, x.type, x.region,
           x.datacenters, x.priority, x.meta, x.constraints, x.groups, x.checked);
}

} // namespace stevedore
