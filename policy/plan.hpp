// From a job to the task instances the supervisor runs: one allocation per
// group and index (count), every task of it with its alloc id, ports,
// folders, environment, interpolated options, image pull decision and exact
// create body. The client rules run again here on the interpolated options.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "messages/client_config.hpp"
#include "messages/error.hpp"
#include "messages/task_instance.hpp"
#include "messages/task_spec.hpp"
#include "policy/volumes.hpp"

namespace stevedore::policy {

// Where allocations live when client_config.alloc_root is empty.
inline constexpr const char* default_alloc_root = "/var/lib/stevedore/alloc";

struct plan_options {
  // Empty: a random v4 UUID per allocation. Otherwise the first group's
  // index 0 gets exactly this id and every other allocation one derived from
  // it (derived_alloc_id), so the whole plan is reproducible.
  std::string alloc_id;
  std::set<std::int64_t> taken_ports; // ports already in use on the node
  node_facts node;
  path_resolver resolve = resolve_in_task_dir; // relative volume sources and `load`
  // Keep each instance's create body as a tree too (plan_result::
  // create_bodies; `plan` prints it), and the instance's env and labels maps
  // it was made from. By default only its text is kept, which carries both:
  // the tree and the maps are freed once dumped.
  bool keep_create_body = false;
};

struct plan_result {
  std::vector<task_instance> instances; // groups in order, then index, then task
  std::vector<json> create_bodies;      // with keep_create_body: each instance's body as a tree
  std::vector<error_info> problems;     // not_permitted / invalid_input / conflict; no duplicates
  std::vector<std::string> warnings;    // unresolved ${...}, overridden labels; no duplicates
  bool ok() const noexcept { return problems.empty(); }
};

plan_result plan_job(const job_spec& job, const client_config& client,
                     const plan_options& options = {});

// "job.<job>.group.<group>.task.<task>": the prefix of every problem's `what`.
std::string task_path(const job_spec& job, const group_spec& group, const task_spec& task);

// When the per-task rules run: on the job as written (check_job), values
// holding "${" are left for the second run on the interpolated task
// (plan_job), where every value is judged as it will reach the daemon.
enum class rule_stage { as_written, interpolated };

// The per-task client rules (capabilities, privilege and namespace modes,
// volumes and mounts, runtime, load). Defined in rules.cpp.
void check_task_rules(const task_spec& task, const client_config& client,
                      const std::string& task_path, rule_stage stage,
                      std::vector<error_info>& problems);

// A glob with '*' (any run of characters) against text.
bool glob_match(std::string_view pattern, std::string_view text);

// A random RFC 4122 version 4 UUID.
std::string random_alloc_id();

// The alloc id of (group, index) in a plan seeded with `seed`: `seed` itself
// for the first group's index 0, else a UUID-shaped hash of all three.
std::string derived_alloc_id(const std::string& seed, const std::string& group,
                             std::int64_t index, bool first_group);

// True when `id` can be part of a container name: [A-Za-z0-9][A-Za-z0-9_.-]*.
bool valid_alloc_id(const std::string& id);

// The labels every container gets, on top of (and overriding) the task's:
// com.stevedore.alloc_id, .job, .group, .task, .node; and with the client's
// extra_labels, com.hashicorp.nomad.<name> for each of job_name, job_id,
// task_group_name, task_name, namespace, node_name, node_id a glob matches.
string_map stevedore_labels(const task_instance& inst, const client_config& client);

} // namespace stevedore::policy

namespace stevedore::policy {

// What `stevedore plan` prints: {"instances": [{alloc_id, alloc_name,
// alloc_index, job, group, task, container_name, image, pull,
// image_archive?, ports, alloc_dir, task_dir, create_body}, ...]}. The
// create body is the tree when the plan kept it (keep_create_body), else
// its text.
json plan_json(const plan_result& plan);
json plan_json(const std::vector<task_instance>& instances, const std::vector<json>& create_bodies);

} // namespace stevedore::policy
