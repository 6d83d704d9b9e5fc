// check_job: every rule that depends on the client settings. The same
// per-task rules run twice: on the job as written (check_job, before any
// allocation exists) and on each task instance after interpolation
// (plan_job), because "${meta.mode}" can turn into "host" only then.
#include "policy/rules.hpp"

#include <algorithm>
#include <cctype>

#include "policy/capabilities.hpp"
#include "policy/interpolate.hpp"
#include "policy/plan.hpp"
#include "policy/volumes.hpp"

namespace stevedore::policy {

namespace {

bool is_host_mode(std::string_view mode) {
  std::string m;
  for (char c : mode)
    if (!std::isspace(static_cast<unsigned char>(c)))
      m.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return m == "host";
}

// `privileged` and the host namespaces: each hands the container the node.
// Nomad once let the namespace modes through without this setting
// (a published vulnerability); every one is checked here.
void check_privilege(const docker_config& c, const client_config& client, const std::string& path,
                     std::vector<error_info>& problems) {
  if (client.privileged_enabled)
    return;
  if (c.privileged)
    problems.push_back(make_error(errc::not_permitted, path + ".privileged",
                                  "privileged containers are disabled on this node "
                                  "(docker.privileged.enabled is false)"));
  const std::pair<const char*, const std::string*> modes[] = {
    {"pid_mode", &c.pid_mode},
    {"ipc_mode", &c.ipc_mode},
    {"uts_mode", &c.uts_mode},
    {"userns_mode", &c.userns_mode},
  };
  for (const auto& [name, value] : modes)
    if (is_host_mode(*value))
      problems.push_back(make_error(errc::not_permitted, path + "." + name,
                                    std::string(name) + " = \"host\" shares the node's namespace and "
                                      "needs docker.privileged.enabled, which is false on this node"));
}

void check_runtime(const docker_config& c, const client_config& client, const std::string& path,
                   bool defer, std::vector<error_info>& problems) {
  if (c.runtime.empty() || (defer && has_reference(c.runtime)))
    return;
  const auto& allowed = client.allow_runtimes;
  if (std::find(allowed.begin(), allowed.end(), c.runtime) == allowed.end()) {
    std::string list;
    for (const auto& r : allowed)
      list += (list.empty() ? "" : ", ") + r;
    problems.push_back(make_error(errc::not_permitted, path + ".runtime",
                                  "runtime \"" + c.runtime
                                    + "\" is not in docker.allow_runtimes (" + list + ")"));
  }
}

// `load` names a tar in the task's local dir; the daemon reads it from the
// host, so it must not name any other host file.
void check_load(const docker_config& c, const std::string& path, bool defer,
                std::vector<error_info>& problems) {
  if (defer && has_reference(c.load))
    return;
  if (!c.load.empty() && !stays_inside(c.load))
    problems.push_back(make_error(errc::not_permitted, path + ".load",
                                  quote_value(c.load) + " leaves the task's local directory"));
}

std::string job_path(const job_spec& job) {
  return "job." + job.name;
}

std::string group_path(const job_spec& job, const group_spec& group) {
  return job_path(job) + ".group." + group.name;
}

} // namespace

void check_task_rules(const task_spec& task, const client_config& client,
                      const std::string& task_path, rule_stage stage,
                      std::vector<error_info>& problems) {
  auto path = task_path + ".config";
  const auto& c = task.config;
  bool defer = stage == rule_stage::as_written;
  check_capabilities(c, client, path, problems, defer);
  // Never deferred: a value holding "${" is not "host" (yet); the
  // interpolated run catches it when it becomes "host".
  check_privilege(c, client, path, problems);
  check_volumes(c, client, path, problems, defer);
  check_runtime(c, client, path, defer, problems);
  check_load(c, path, defer, problems);
  if (client.pids_limit > 0 && (c.pids_limit > client.pids_limit || c.pids_limit < 0))
    problems.push_back(make_error(errc::not_permitted, path + ".pids_limit",
                                  "pids_limit " + std::to_string(c.pids_limit) +
                                    " is over this node's limit of " +
                                    std::to_string(client.pids_limit) + " (pids_limit)"));
}

std::vector<error_info> check_job_limits(const job_spec& job, const client_config& client) {
  std::vector<error_info> problems;
  auto refuse = [&](std::string what, std::string why) {
    problems.push_back(make_error(errc::not_permitted, std::move(what), std::move(why)));
  };
  std::int64_t tasks = 0;
  std::int64_t instances = 0;
  bool counts_ok = true;
  for (const auto& group : job.groups) {
    if (group.count > client.max_group_count) {
      counts_ok = false;
      refuse(group_path(job, group) + ".count",
             "count " + std::to_string(group.count) + " is over this node's limit of " +
               std::to_string(client.max_group_count) + " (stevedore.job.max_count)");
    }
    tasks += static_cast<std::int64_t>(group.tasks.size());
    // Both factors are bounded here (count by the check above, tasks by the
    // size of the file), so the product cannot overflow.
    if (counts_ok)
      instances += std::max<std::int64_t>(group.count, 0) *
                   static_cast<std::int64_t>(group.tasks.size());
  }
  if (tasks > client.max_job_tasks)
    refuse(job_path(job), std::to_string(tasks) + " tasks are over this node's limit of " +
                            std::to_string(client.max_job_tasks) + " (stevedore.job.max_tasks)");
  if (counts_ok && instances > client.max_job_instances)
    refuse(job_path(job), std::to_string(instances) +
                            " task instances (count x tasks of every group) are over this "
                            "node's limit of " + std::to_string(client.max_job_instances) +
                            " (stevedore.job.max_instances)");
  return problems;
}

std::string root_equivalent_settings(const client_config& client) {
  std::vector<std::string> on;
  if (client.volumes_enabled)
    on.push_back("docker.volumes.enabled (bind mounts of any host path, / included)");
  if (client.privileged_enabled)
    on.push_back("docker.privileged.enabled (privileged containers and the host's pid, ipc, "
                 "uts and user namespaces)");
  if (std::find(client.caps_whitelist.begin(), client.caps_whitelist.end(), "ALL") !=
      client.caps_whitelist.end())
    on.push_back("docker.caps.whitelist = ALL (every capability, SYS_ADMIN included)");
  if (on.empty())
    return {};
  std::string line = "whoever can call this API (anyone holding its token) can take root on "
                     "this node: ";
  for (std::size_t i = 0; i < on.size(); ++i)
    line += (i == 0 ? "" : i + 1 == on.size() ? " and " : ", ") + on[i];
  line += on.size() == 1 ? " is allowed" : " are allowed";
  line += "; set ";
  for (std::size_t i = 0; i < on.size(); ++i) {
    auto name = on[i].substr(0, on[i].find(' '));
    line += (i == 0 ? "" : ", ") + name;
  }
  line += " off in the client settings unless jobs need them";
  return line;
}

std::optional<error_info> check_job_size(std::size_t text_size, const client_config& client,
                                         std::string_view what) {
  if (client.max_job_bytes <= 0 || text_size <= static_cast<std::size_t>(client.max_job_bytes))
    return std::nullopt;
  return make_error(errc::not_permitted, std::string(what),
                    "the job is " + std::to_string(text_size) +
                      " bytes, over this node's limit of " + std::to_string(client.max_job_bytes) +
                      " bytes (stevedore.job.max_size)");
}

std::vector<error_info> check_job(const job_spec& job, const client_config& client) {
  auto problems = check_job_limits(job, client);
  if (!problems.empty())
    return problems;
  for (const auto& group : job.groups)
    for (const auto& task : group.tasks)
      check_task_rules(task, client, task_path(job, group, task), rule_stage::as_written,
                       problems);
  return problems;
}

} // namespace stevedore::policy
