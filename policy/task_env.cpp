#include "policy/task_env.hpp"

#include <cctype>

#include "policy/interpolate.hpp"

namespace stevedore::policy {

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// "10.0.0.1:80", "[::1]:80" (Go's net.JoinHostPort).
std::string join_host_port(const std::string& ip, std::int64_t port) {
  bool v6 = ip.find(':') != std::string::npos;
  return (v6 ? "[" + ip + "]" : ip) + ":" + std::to_string(port);
}

void add_meta(string_map& env, const string_map& meta) {
  for (const auto& [k, v] : meta) {
    env["NOMAD_META_" + upper(k)] = v;
    env["NOMAD_META_" + k] = v;
  }
}

} // namespace

std::string clean_env_key(std::string_view key) {
  std::string out(key);
  for (size_t i = 0; i < out.size(); ++i) {
    auto c = static_cast<unsigned char>(out[i]);
    bool ok = c == '_' || std::isalpha(c) || (i > 0 && std::isdigit(c));
    if (!ok)
      out[i] = '_';
  }
  return out;
}

string_map builtin_env(const task_instance& inst, const job_spec& job, const group_spec& group,
                       const client_config& client, const sibling_ports& siblings,
                       const std::vector<task_port>& group_ports) {
  string_map env;
  env["NOMAD_ALLOC_DIR"] = "/alloc";
  env["NOMAD_TASK_DIR"] = "/local";
  env["NOMAD_SECRETS_DIR"] = "/secrets";
  env["NOMAD_MEMORY_LIMIT"] = std::to_string(inst.task->resources.memory_mb);
  if (inst.task->config.memory_hard_limit > 0)
    env["NOMAD_MEMORY_MAX_LIMIT"] = std::to_string(inst.task->config.memory_hard_limit);
  else if (inst.task->resources.memory_max_mb > 0)
    env["NOMAD_MEMORY_MAX_LIMIT"] = std::to_string(inst.task->resources.memory_max_mb);
  env["NOMAD_CPU_LIMIT"] = std::to_string(inst.task->resources.cpu);
  env["NOMAD_ALLOC_ID"] = inst.alloc_id;
  env["NOMAD_ALLOC_NAME"] = inst.alloc_name;
  env["NOMAD_ALLOC_INDEX"] = std::to_string(inst.alloc_index);
  env["NOMAD_TASK_NAME"] = inst.task->name;
  env["NOMAD_GROUP_NAME"] = inst.group_name;
  env["NOMAD_JOB_NAME"] = inst.job_name;
  env["NOMAD_DC"] = client.datacenter;
  env["NOMAD_REGION"] = client.region;
  const auto& ip = client.bind_address;
  for (const auto& p : inst.ports) {
    env["NOMAD_IP_" + p.label] = ip;
    env["NOMAD_HOST_PORT_" + p.label] = std::to_string(p.host_port);
    env["NOMAD_ADDR_" + p.label] = join_host_port(ip, p.host_port);
    env["NOMAD_PORT_" + p.label] = std::to_string(p.container_port);
  }
  for (const auto& [task, ports] : siblings) {
    if (task == inst.task->name)
      continue;
    for (const auto& p : ports) {
      auto suffix = task + "_" + p.label;
      env["NOMAD_ADDR_" + suffix] = join_host_port(ip, p.host_port);
      env["NOMAD_IP_" + suffix] = ip;
      env["NOMAD_PORT_" + suffix] = std::to_string(p.host_port);
    }
  }
  for (const auto& p : group_ports) {
    auto host = std::to_string(p.host_port);
    env["NOMAD_IP_" + p.label] = env["NOMAD_HOST_IP_" + p.label] = ip;
    env["NOMAD_ADDR_" + p.label] = env["NOMAD_HOST_ADDR_" + p.label] = join_host_port(ip, p.host_port);
    env["NOMAD_HOST_PORT_" + p.label] = host;
    env["NOMAD_PORT_" + p.label] = env["NOMAD_ALLOC_PORT_" + p.label] =
      std::to_string(p.container_port);
  }
  add_meta(env, job.meta);
  add_meta(env, group.meta);
  add_meta(env, inst.task->meta);
  string_map cleaned;
  for (auto& [k, v] : env)
    cleaned[clean_env_key(k)] = std::move(v);
  return cleaned;
}

string_map final_env(const string_map& builtin, const string_map& task_env, const string_map& node,
                     const std::string& path, std::vector<std::string>& warnings) {
  // Task values see the builtin variables and the node, never each other:
  // Nomad's answer there depended on Go's map order, ours must not.
  interpolation_scope scope{&builtin, &node};
  string_map env = builtin;
  for (const auto& [k, v] : task_env) {
    std::vector<std::string> unresolved;
    env[clean_env_key(k)] = interpolate(v, scope, unresolved);
    for (const auto& ref : unresolved)
      warnings.push_back(path + ".env." + k + ": " + ref + " resolves to nothing; left as written");
  }
  return env;
}

} // namespace stevedore::policy
