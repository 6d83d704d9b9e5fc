// Small builders shared by the mapping tests: a one-task job, a client with
// fixed node facts, and a plan that never touches the real filesystem.
#pragma once

#include <string>

#include "messages/client_config.hpp"
#include "messages/task_spec.hpp"
#include "policy/plan.hpp"

namespace stevedore::test {

inline job_spec one_task_job(const docker_config& config = {}) {
  job_spec job;
  job.name = "web";
  job.datacenters = {"dc1"};
  group_spec group;
  group.name = "cache";
  task_spec task;
  task.name = "redis";
  task.config = config;
  if (task.config.image.empty())
    task.config.image = "redis:3.2";
  group.tasks.push_back(task);
  job.groups.push_back(group);
  return job;
}

inline task_spec& only_task(job_spec& job) {
  return job.groups.at(0).tasks.at(0);
}

inline client_config test_client() {
  client_config c;
  c.node_id = "node-1";
  c.node_name = "worker-1";
  c.node_class = "general";
  c.datacenter = "dc1";
  c.region = "global";
  c.bind_address = "127.0.0.1";
  c.alloc_root = "/srv/stevedore/alloc";
  return c;
}

// Lexical join, no filesystem: the resolver for plans in unit tests.
inline result<std::string> lexical_resolver(const std::string& task_dir, const std::string& rel) {
  if (!policy::stays_inside(rel))
    return make_error(errc::not_permitted, rel, "leaves the task directory");
  std::string out = task_dir;
  for (size_t start = 0; start < rel.size();) {
    auto end = rel.find('/', start);
    auto part = rel.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (part == "..")
      out.erase(out.rfind('/'));
    else if (!part.empty() && part != ".")
      out += "/" + part;
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  return out;
}

inline policy::plan_options fixed_plan(const std::string& alloc_id = "0b5e1c2d-aaaa-4bbb-8ccc-000000000001") {
  policy::plan_options o;
  o.alloc_id = alloc_id;
  o.resolve = lexical_resolver;
  o.node.cpu_total_mhz = 8000;
  o.node.cpu_cores = 4;
  o.node.attributes = {{"kernel.name", "linux"}, {"driver.docker.version", "20.10.24"}};
  o.keep_create_body = true; // the golden tests read the tree
  return o;
}

} // namespace stevedore::test
