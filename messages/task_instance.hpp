// What the supervisor runs: one task of one group instance ("allocation" in
// Nomad's words), with everything decided up front by policy::plan_job: its
// identity, image and pull decision, ports, folders, final environment and the
// exact Engine API create body. A task actor needs nothing else to pull,
// create, start and label its container.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "messages/cow.hpp"
#include "messages/image_ref.hpp"
#include "messages/json.hpp"
#include "messages/task_spec.hpp"

namespace stevedore {

// How the image gets onto the node before the container is created.
enum class pull_policy : std::uint8_t {
  pull_if_missing, // a fixed tag: use the local image when present, else pull
  always_pull,     // force_pull, a `latest` tag or no tag: pull every time
  load_from_tar,   // `load`: `docker load` the archive from the task's local dir
  digest,          // pinned by digest: content cannot change, never re-pulled
};

inline const char* to_string(pull_policy p) noexcept {
  switch (p) {
    case pull_policy::pull_if_missing: return "pull_if_missing";
    case pull_policy::always_pull: return "always_pull";
    case pull_policy::load_from_tar: return "load_from_tar";
    case pull_policy::digest: return "digest";
  }
  return "unknown";
}

// One port of the task as published: host side and container side.
struct task_port {
  std::string label;             // `port "http" {}`
  std::int64_t host_port = 0;    // allocated (dynamic) or given (static) on the node
  std::int64_t container_port = 0; // port_map[label], else host_port
  bool is_static = false;        // given as `static = N` rather than allocated
};

// Facts about the node that the mapping needs beyond client_config; the
// fingerprinter learns them, tests and `plan` pass them in.
struct node_facts {
  std::map<std::string, std::string> attributes; // attr.* in interpolation ("kernel.name" -> "linux")
  std::int64_t cpu_total_mhz = 0; // whole node; 0: unknown, CpuQuota assumes 1000 MHz per core
  std::int64_t cpu_cores = 0;     // 0: unknown, taken as 1
};

struct task_instance {
  std::string alloc_id;        // shared by every task of the same group instance
  std::int64_t alloc_index = 0; // 0..count-1 within the group
  std::string alloc_name;      // "job.group[index]", as Nomad names allocations
  std::string job_name;        // the job's ID
  std::string group_name;
  // The task with every string option interpolated: one object shared by
  // the group's instances while interpolation leaves it the same for them.
  cow<task_spec> task;
  std::string container_name;  // "{task}-{alloc_id}"
  std::string image;           // normalised reference ("docker.io/library/redis:3.2")
  // `image`, parsed once by the planner (for the image manager); one value
  // shared by a plan's instances of the same image, as `task` is.
  cow<image_ref> parsed_image;
  pull_policy pull = pull_policy::pull_if_missing; // how the image is obtained
  std::string image_archive;   // host path of the tar for load_from_tar, else empty
  std::vector<task_port> ports; // every port of the task, in the order declared
  std::string alloc_dir;       // the allocation's folder on the host: <alloc_root>/<alloc_id>
  // Final environment (NOMAD_* and the task's, interpolated) and container
  // labels (the task's plus com.stevedore.*); empty unless the planner kept
  // them (plan_options::keep_create_body): the create body carries both.
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> labels;
  // The exact POST /containers/create body, as the compact text sent (the
  // planner can give the tree too: policy::plan_result::create_bodies).
  std::string create_body_text;
  // The same compressed (LZ4), instead of create_body_text, in the plan a
  // supervisor keeps for a running task (actors/packed_text.hpp;
  // create_body_of() reads either).
  std::string create_body_packed;

  // The task's folders, all under alloc_dir (derived, not stored: a plan is
  // kept for every task that runs).
  std::string shared_dir() const { return under(alloc_dir, "alloc"); }    // bound at /alloc
  std::string task_dir() const { return under(alloc_dir, task->name); }   // <alloc_dir>/<task>
  std::string local_dir() const { return under(task_dir(), "local"); }    // bound at /local
  std::string secrets_dir() const { return under(task_dir(), "secrets"); } // bound at /secrets

private:
  static std::string under(const std::string& dir, const std::string& name) {
    if (dir.empty() || dir.back() == '/')
      return dir + name;
    return dir + "/" + name;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_port& x) {
  return f(caf::meta::type_name("stevedore::task_port"), x.label, x.host_port,
           x.container_port, x.is_static);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_facts& x) {
  return f(caf::meta::type_name("stevedore::node_facts"), x.attributes, x.cpu_total_mhz,
           x.cpu_cores);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_instance& x) {
  return f(caf::meta::type_name("stevedore::task_instance"), x.alloc_id, x.alloc_index,
           x.alloc_name, x.job_name, x.group_name, x.task, x.container_name, x.image,
           x.parsed_image, x.pull, x.image_archive, x.ports, x.alloc_dir, x.env, x.labels,
           x.create_body_text, x.create_body_packed);
}

} // namespace stevedore
