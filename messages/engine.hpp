// What the Docker Engine API answers, as plain owned structs: docker/ decodes
// the daemon's JSON into these, actors/ pass them around. Only the fields
// stevedore reads are kept; nothing here is a view into a parser buffer.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace stevedore {

// GET /version
struct engine_version {
  std::string version;          // "20.10.24+dfsg1"
  std::string api_version;      // "1.41"
  std::string min_api_version;  // "1.12"
  std::string os;               // "linux"
  std::string arch;             // "amd64"
  std::string kernel_version;
};

// GET /info
struct engine_info {
  std::string id;
  std::string name;
  std::string server_version;
  std::string os_type;          // "linux"
  std::string operating_system;
  std::string architecture;
  std::string driver;           // storage driver
  std::string cgroup_driver;
  std::int64_t ncpu = 0;
  std::int64_t mem_total = 0;
  std::int64_t containers = 0;
  std::int64_t containers_running = 0;
  std::int64_t images = 0;
  std::vector<std::string> runtimes; // names of Runtimes, sorted
  std::string default_runtime;
  std::vector<std::string> security_options;
};

// GET /networks/{name}
struct network_info {
  std::string id;
  std::string name;
  std::string driver;
  std::string subnet;           // first IPAM config entry
  std::string gateway;          // first IPAM config entry: the bridge IP
};

// GET /images/{name}/json
struct image_info {
  std::string id;               // "sha256:..."
  std::vector<std::string> repo_tags;
  std::vector<std::string> repo_digests;
  std::int64_t size = 0;
  std::string created;
  std::string os;
  // Config
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;
  std::string working_dir;
  std::string user;
  std::string stop_signal;      // "" when the image sets none
  std::vector<std::string> exposed_ports; // "8080/tcp"
  std::map<std::string, std::string> labels;
};

// GET /images/json
struct image_summary {
  std::string id;
  std::vector<std::string> repo_tags;
  std::vector<std::string> repo_digests;
  std::int64_t size = 0;
  std::int64_t created = 0;     // Unix seconds
  std::int64_t containers = -1; // -1: not computed by the daemon
};

// One message of a pull's progress stream (POST /images/create), decoded.
// An {"error": ...} line is not a progress message: it ends the pull with an
// error instead.
struct pull_progress {
  std::string id;               // layer id ("a3ed95caeb02"), or the tag for status lines
  std::string status;           // "Pulling fs layer", "Downloading", "Pull complete", "Digest: ..."
  std::int64_t current = 0;     // progressDetail.current (bytes)
  std::int64_t total = 0;       // progressDetail.total (bytes), 0 when unknown
};

// What a finished pull tells: the digest and the final status line, plus the
// totals seen in its progress.
struct pull_summary {
  std::string digest;           // from "Digest: sha256:..."
  std::string status;           // "Status: Downloaded newer image for ..." / "Image is up to date ..."
  std::int64_t layers = 0;      // distinct layer ids seen
  std::int64_t bytes = 0;       // sum of the layers' final totals
};

// POST /containers/create
struct create_answer {
  std::string id;
  std::vector<std::string> warnings;
};

// One published port of a running container (NetworkSettings.Ports).
struct published_port {
  std::string container_port;   // "8080/tcp"
  std::string host_ip;          // "127.0.0.1"
  std::int64_t host_port = 0;
};

// GET /containers/{id}/json
struct container_info {
  std::string id;
  std::string name;             // without the leading '/'
  std::string image_id;         // "sha256:..." (Image)
  std::string image;            // Config.Image, as asked at create
  std::map<std::string, std::string> labels; // Config.Labels
  std::string stop_signal;      // Config.StopSignal
  bool tty = false;             // Config.Tty
  // State
  std::string status;           // "created", "running", "paused", "restarting", "removing", "exited", "dead"
  bool running = false;
  bool restarting = false;
  bool oom_killed = false;
  bool dead = false;
  std::int64_t pid = 0;
  std::int64_t exit_code = 0;
  std::string error;
  std::string started_at;       // RFC 3339 as the daemon writes it
  std::string finished_at;
  std::int64_t restart_count = 0;
  std::vector<published_port> ports;
};

// GET /containers/json
struct container_summary {
  std::string id;
  std::vector<std::string> names; // without the leading '/'
  std::string image;
  std::string image_id;
  std::string state;            // "running", "exited", ...
  std::string status;           // "Up 3 seconds"
  std::map<std::string, std::string> labels;
  std::int64_t created = 0;
};

// POST /containers/{id}/wait
struct wait_answer {
  std::int64_t status_code = 0;
  std::string error;            // Error.Message, empty when none
};

// GET /containers/{id}/stats?stream=false: raw counters as the daemon reports
// them (cgroup v1 names); percentages are computed by whoever keeps the
// previous sample.
struct stats_sample {
  std::string read;             // timestamp of this sample
  std::int64_t memory_usage = 0;
  std::int64_t memory_max_usage = 0;
  std::int64_t memory_limit = 0;
  std::int64_t memory_rss = 0;  // stats.rss (v1) or stats.anon (v2)
  std::int64_t memory_cache = 0; // stats.cache (v1) or stats.file (v2)
  std::int64_t cpu_total = 0;   // cpu_usage.total_usage (ns)
  std::int64_t cpu_user = 0;    // cpu_usage.usage_in_usermode
  std::int64_t cpu_kernel = 0;  // cpu_usage.usage_in_kernelmode
  std::int64_t system_cpu = 0;  // system_cpu_usage
  std::int64_t online_cpus = 0;
  std::int64_t throttling_periods = 0;
  std::int64_t throttled_periods = 0;
  std::int64_t throttled_time = 0;
  // The daemon's precpu_stats of the same answer (zero on a one-shot read).
  std::int64_t pre_cpu_total = 0;
  std::int64_t pre_system_cpu = 0;
  std::int64_t pids = 0;
};

// GET /exec/{id}/json
struct exec_info {
  std::string id;
  bool running = false;
  std::int64_t exit_code = -1;  // -1 while running or unknown
  std::int64_t pid = 0;
};

// One message of GET /events.
struct engine_event {
  std::string type;             // "container", "image", "network", ...
  std::string action;           // "create", "start", "die", "oom", "destroy", "pull", "delete", "exec_die", ...
  std::string id;               // Actor.ID
  std::map<std::string, std::string> attributes; // Actor.Attributes: name, image, exitCode, signal, labels
  std::int64_t time_nano = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, engine_version& x) {
  return f(caf::meta::type_name("stevedore::engine_version"), x.version, x.api_version,
           x.min_api_version, x.os, x.arch, x.kernel_version);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, engine_info& x) {
  return f(caf::meta::type_name("stevedore::engine_info"), x.id, x.name, x.server_version,
           x.os_type, x.operating_system, x.architecture, x.driver, x.cgroup_driver, x.ncpu,
           x.mem_total, x.containers, x.containers_running, x.images, x.runtimes,
           x.default_runtime, x.security_options);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, network_info& x) {
  return f(caf::meta::type_name("stevedore::network_info"), x.id, x.name, x.driver, x.subnet,
           x.gateway);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, image_info& x) {
  return f(caf::meta::type_name("stevedore::image_info"), x.id, x.repo_tags, x.repo_digests,
           x.size, x.created, x.os, x.entrypoint, x.cmd, x.env, x.working_dir, x.user,
           x.stop_signal, x.exposed_ports, x.labels);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, image_summary& x) {
  return f(caf::meta::type_name("stevedore::image_summary"), x.id, x.repo_tags,
           x.repo_digests, x.size, x.created, x.containers);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pull_progress& x) {
  return f(caf::meta::type_name("stevedore::pull_progress"), x.id, x.status, x.current,
           x.total);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pull_summary& x) {
  return f(caf::meta::type_name("stevedore::pull_summary"), x.digest, x.status, x.layers,
           x.bytes);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, create_answer& x) {
  return f(caf::meta::type_name("stevedore::create_answer"), x.id, x.warnings);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, published_port& x) {
  return f(caf::meta::type_name("stevedore::published_port"), x.container_port, x.host_ip,
           x.host_port);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, container_info& x) {
  return f(caf::meta::type_name("stevedore::container_info"), x.id, x.name, x.image_id,
           x.image, x.labels, x.stop_signal, x.tty, x.status, x.running, x.restarting,
           x.oom_killed, x.dead, x.pid, x.exit_code, x.error, x.started_at, x.finished_at,
           x.restart_count, x.ports);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, container_summary& x) {
  return f(caf::meta::type_name("stevedore::container_summary"), x.id, x.names, x.image,
           x.image_id, x.state, x.status, x.labels, x.created);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wait_answer& x) {
  return f(caf::meta::type_name("stevedore::wait_answer"), x.status_code, x.error);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stats_sample& x) {
  return f(caf::meta::type_name("stevedore::stats_sample"), x.read, x.memory_usage,
           x.memory_max_usage, x.memory_limit, x.memory_rss, x.memory_cache, x.cpu_total,
           x.cpu_user, x.cpu_kernel, x.system_cpu, x.online_cpus, x.throttling_periods,
           x.throttled_periods, x.throttled_time, x.pre_cpu_total, x.pre_system_cpu, x.pids);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exec_info& x) {
  return f(caf::meta::type_name("stevedore::exec_info"), x.id, x.running, x.exit_code, x.pid);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, engine_event& x) {
  return f(caf::meta::type_name("stevedore::engine_event"), x.type, x.action, x.id,
           x.attributes, x.time_nano);
}

} // namespace stevedore
