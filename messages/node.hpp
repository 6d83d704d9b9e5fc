// What actors tell each other beyond tasks: the daemon's fingerprint, image
// leases and requests, stats of a task, and every actor's status for the
// inspection console.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "messages/engine.hpp"
#include "messages/image_ref.hpp"
#include "messages/task_instance.hpp"
#include "messages/task_spec.hpp"

namespace stevedore {

// -- fingerprint --

enum class daemon_health : std::uint8_t {
  undetected, // never reached (no daemon at the endpoint)
  healthy,
  unhealthy,  // was reached, now failing; reason says why
};

inline const char* to_string(daemon_health h) noexcept {
  switch (h) {
    case daemon_health::undetected: return "undetected";
    case daemon_health::healthy: return "healthy";
    case daemon_health::unhealthy: return "unhealthy";
  }
  return "unknown";
}

// The node's Docker facts as Nomad names them: driver.docker = "1",
// driver.docker.version, driver.docker.bridge_ip, driver.docker.volumes.enabled,
// driver.docker.privileged.enabled, driver.docker.runtimes, driver.docker.os_type.
struct fingerprint {
  daemon_health health = daemon_health::undetected;
  std::string reason;                            // why unhealthy / undetected
  std::map<std::string, std::string> attributes; // empty unless healthy once
  std::int64_t at_ms = 0;                        // when this was learned
  std::int64_t polls = 0;
};

// -- images --

// A task's request for its image (image manager: acquire).
struct image_request {
  std::string holder;          // the task id holding the lease
  std::string reference;       // normalised reference ("127.0.0.1:5000/app:1", "x@sha256:..."): the lease's key
  // `reference` parsed (task_instance::parsed_image); when empty, the image
  // manager parses `reference` itself, once, when the request arrives.
  image_ref parsed;
  pull_policy pull = pull_policy::pull_if_missing;
  std::string archive;         // tar path for load_from_tar
  bool has_auth = false;       // the task's own `auth` block
  auth_config auth;
  bool auth_soft_fail = false;
  std::int64_t pull_timeout_ms = 5 * 60 * 1000; // image_pull_timeout: whole pull
};

// A granted lease: the image is on the node and will not be removed while held.
struct image_lease {
  std::string reference;
  std::string image_id;        // "sha256:..."
  bool pulled = false;         // this acquire pulled or loaded it (vs found it present)
  std::vector<std::string> warnings; // soft-failed auth etc. (never credentials)
  image_info image;            // inspect of the image (STOPSIGNAL, entrypoint, ...)
};

// One image the manager knows: its leases and pending removal.
struct image_record {
  std::string image_id;
  std::vector<std::string> references;
  std::vector<std::string> holders;   // task ids
  std::int64_t cleanup_at_ms = 0;     // 0: no removal scheduled
  std::string state;                  // "pulling", "present", "removing"
};

// -- stats --

struct task_stats {
  std::string task_id;
  std::string container_id;
  std::int64_t at_ms = 0;
  std::int64_t memory_rss = 0;
  std::int64_t memory_cache = 0;
  std::int64_t memory_usage = 0;
  std::int64_t memory_max_usage = 0;
  double cpu_percent = 0;        // of one core = 100
  double cpu_user_percent = 0;
  double cpu_system_percent = 0;
  std::int64_t throttled_periods = 0;
  std::int64_t throttled_time = 0;
  std::int64_t samples = 0;
};

// -- inspection --

// What every actor answers to (status_atom): the console is built on this.
struct actor_status {
  std::string kind;              // "supervisor", "task", "image_manager", "fingerprinter", ...
  std::string name;              // task id, "images", ...
  std::string state;             // the actor's own state word
  std::int64_t messages = 0;     // messages handled
  std::string last_message;      // kind of the last one
  std::int64_t last_at_ms = 0;
  std::map<std::string, std::string> details; // container id, lease, ports, pulls in flight...
  std::uint64_t id = 0;          // CAF actor id
  std::int64_t mailbox = 0;      // messages waiting in its mailbox when it answered
  double rate = 0;               // messages handled per second, over the last second or so
  std::int64_t born_ms = 0;      // when it started (Unix ms): its age
};

// Which actors GET /v1/actors lists, in which order, which page of them.
struct actor_query {
  std::string kind;              // empty: every kind
  std::string state;             // empty: any; else the state word starts with it
  std::string sort = "id";       // id, kind, name, state, messages, mailbox, rate, last, age
  bool descending = false;
  std::int64_t offset = 0;
  std::int64_t limit = 100;
};

// One page of actors and how many matched.
struct actor_page {
  std::int64_t total = 0;
  std::vector<actor_status> actors;
};

// One traced message: received ("in") or sent ("out"), its kind and when.
struct trace_entry {
  std::int64_t at_ms = 0;
  std::string dir;
  std::string kind;
};

// An actor's message trace: on while it records (until `until_ms` or
// `left` more messages), and what it recorded.
struct actor_trace {
  bool on = false;
  std::int64_t until_ms = 0;
  std::int64_t left = 0;
  std::vector<trace_entry> entries;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fingerprint& x) {
  return f(caf::meta::type_name("stevedore::fingerprint"), x.health, x.reason, x.attributes,
           x.at_ms, x.polls);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, image_request& x) {
  return f(caf::meta::type_name("stevedore::image_request"), x.holder, x.reference, x.parsed, x.pull,
           x.archive, x.has_auth, x.auth, x.auth_soft_fail, x.pull_timeout_ms);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, image_lease& x) {
  return f(caf::meta::type_name("stevedore::image_lease"), x.reference, x.image_id, x.pulled,
           x.warnings, x.image);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, image_record& x) {
  return f(caf::meta::type_name("stevedore::image_record"), x.image_id, x.references,
           x.holders, x.cleanup_at_ms, x.state);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_stats& x) {
  return f(caf::meta::type_name("stevedore::task_stats"), x.task_id, x.container_id, x.at_ms,
           x.memory_rss, x.memory_cache, x.memory_usage, x.memory_max_usage, x.cpu_percent,
           x.cpu_user_percent, x.cpu_system_percent, x.throttled_periods, x.throttled_time,
           x.samples);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, actor_status& x) {
  return f(caf::meta::type_name("stevedore::actor_status"), x.kind, x.name, x.state,
           x.messages, x.last_message, x.last_at_ms, x.details, x.id, x.mailbox, x.rate, x.born_ms);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, actor_query& x) {
  return f(caf::meta::type_name("stevedore::actor_query"), x.kind, x.state, x.sort, x.descending,
           x.offset, x.limit);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, actor_page& x) {
  return f(caf::meta::type_name("stevedore::actor_page"), x.total, x.actors);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, trace_entry& x) {
  return f(caf::meta::type_name("stevedore::trace_entry"), x.at_ms, x.dir, x.kind);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, actor_trace& x) {
  return f(caf::meta::type_name("stevedore::actor_trace"), x.on, x.until_ms, x.left, x.entries);
}

} // namespace stevedore
