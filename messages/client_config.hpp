// Client (node) settings: the `client { options { "docker.*" = ... } }` of the
// specification, with Nomad's names and defaults, plus the node facts that
// interpolation and port allocation need. Durations are milliseconds.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace stevedore {

// Docker's default capability set; also the default `docker.caps.whitelist`.
inline const std::vector<std::string>& default_capabilities() {
  static const std::vector<std::string> caps = {
    "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID",
    "SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL",
    "AUDIT_WRITE"};
  return caps;
}

struct client_config {
  // -- docker.* options (spec: Client Configuration) --
  std::string endpoint;                   // docker.endpoint; empty: DOCKER_HOST, then unix:///var/run/docker.sock
  std::string auth_config;                // docker.auth.config (dockercfg JSON file)
  std::string auth_helper;                // docker.auth.helper (suffix of docker-credential-<name>)
  std::string tls_cert;                   // docker.tls.cert
  std::string tls_key;                    // docker.tls.key
  std::string tls_ca;                     // docker.tls.ca
  bool cleanup_image = true;              // docker.cleanup.image
  std::int64_t cleanup_image_delay_ms = 3 * 60 * 1000; // docker.cleanup.image.delay
  bool cleanup_container = true;          // docker.cleanup.container
  bool volumes_enabled = true;            // docker.volumes.enabled
  std::string volumes_selinuxlabel;       // docker.volumes.selinuxlabel
  bool privileged_enabled = false;        // docker.privileged.enabled
  std::vector<std::string> caps_whitelist = default_capabilities(); // docker.caps.whitelist ("ALL" allows all)
  std::vector<std::string> allow_runtimes = {"runc", "nvidia"};     // docker.allow_runtimes (Nomad >= 0.12)
  std::int64_t pull_activity_timeout_ms = 2 * 60 * 1000;            // docker.pull_activity_timeout
  // Nomad 1.x plugin settings (plugin "docker" { config { ... } }):
  std::int64_t pids_limit = 0;            // pids_limit: the most a task may ask; 0: unlimited
  std::int64_t oom_score_adj = 0;         // oom_score_adj: stored
  std::vector<std::string> allowed_modes; // allowed_modes: stored
  std::vector<std::string> extra_labels;  // extra_labels: com.hashicorp.nomad.* labels, globs allowed
  bool disable_log_collection = false;    // disable_log_collection: stored
  std::string infra_image = "gcr.io/google_containers/pause-amd64:3.1"; // infra_image: stored
  std::string logging_type = "json-file"; // logging { type }: tasks without a logging block
  std::map<std::string, std::string> logging_config = {{"max-file", "2"}, {"max-size", "2m"}};
  // gc { dangling_containers { enabled period creation_grace dry_run } }: for the reconciler
  bool dangling_enabled = true;
  std::int64_t dangling_period_ms = 5 * 60 * 1000;
  std::int64_t dangling_creation_grace_ms = 5 * 60 * 1000;
  bool dangling_dry_run = false;
  std::int64_t max_concurrent_pulls = 4;  // stevedore.pull.max_concurrent
  std::int64_t fingerprint_period_ms = 15 * 1000; // stevedore.fingerprint.period
  std::int64_t stats_interval_ms = 1000;  // stevedore.stats.interval
  // What one job may ask, refused before any planning (policy::check_job):
  std::int64_t max_group_count = 1000;    // stevedore.job.max_count: a group's count
  std::int64_t max_job_tasks = 100;       // stevedore.job.max_tasks: tasks written in the job
  std::int64_t max_job_instances = 2000;  // stevedore.job.max_instances: count x tasks, all groups
  std::int64_t max_job_bytes = 1 << 20;   // stevedore.job.max_size: the job file or API body

  // -- node facts --
  std::string node_id;                    // stable id; labels containers as ours
  std::string node_name;
  std::string node_class;
  std::string datacenter = "dc1";
  std::string region = "global";
  std::map<std::string, std::string> node_meta;   // meta.* in interpolation
  std::string bind_address = "127.0.0.1"; // where task ports are published
  std::int64_t min_dynamic_port = 20000;
  std::int64_t max_dynamic_port = 32000;
  std::string alloc_root;                 // folder holding one directory per alloc
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, client_config& x) {
  return f(caf::meta::type_name("stevedore::client_config"), x.endpoint, x.auth_config,
           x.auth_helper, x.tls_cert, x.tls_key, x.tls_ca, x.cleanup_image,
           x.cleanup_image_delay_ms, x.cleanup_container, x.volumes_enabled,
           x.volumes_selinuxlabel, x.privileged_enabled, x.caps_whitelist,
           x.allow_runtimes, x.pull_activity_timeout_ms, x.pids_limit, x.oom_score_adj,
           x.allowed_modes, x.extra_labels, x.disable_log_collection, x.infra_image,
           x.logging_type, x.logging_config, x.dangling_enabled, x.dangling_period_ms,
           x.dangling_creation_grace_ms, x.dangling_dry_run, x.max_concurrent_pulls,
           x.fingerprint_period_ms, x.stats_interval_ms, x.max_group_count, x.max_job_tasks,
           x.max_job_instances, x.max_job_bytes, x.node_id, x.node_name,
           x.node_class, x.datacenter, x.region, x.node_meta, x.bind_address,
           x.min_dynamic_port, x.max_dynamic_port, x.alloc_root);
}

} // namespace stevedore
