#include "policy/intake.hpp"

#include <utility>

#include "policy/rules.hpp"

namespace stevedore::policy {

namespace {

void append(std::vector<std::string>& out, std::vector<std::string>&& more) {
  for (auto& w : more)
    out.push_back(std::move(w));
}

// The steps after `read`, on a decoded job.
intake_result check_and_plan(intake_result out, const intake_options& options) {
  if (options.last == intake_step::read)
    return out;
  if (!out.job.checked) {
    out.step = intake_step::check;
    out.problems = check_job(out.job, options.client);
    out.job.checked = out.ok();
    if (!out.ok() || options.last == intake_step::check)
      return out;
  }
  if (options.last == intake_step::check)
    return out;
  out.step = intake_step::plan;
  auto planned = plan_job(out.job, options.client, options.plan);
  out.instances = std::move(planned.instances);
  out.create_bodies = std::move(planned.create_bodies);
  out.problems = std::move(planned.problems);
  append(out.warnings, std::move(planned.warnings));
  return out;
}

intake_result after_read(decoded<job_spec>&& read, const intake_options& options) {
  intake_result out;
  out.step = intake_step::read;
  out.job = std::move(read.value);
  out.problems = std::move(read.problems);
  out.warnings = std::move(read.warnings);
  if (!out.ok())
    return out;
  return check_and_plan(std::move(out), options);
}

node string_node(std::string text) {
  node n;
  n.type = node::kind::string;
  n.text = std::move(text);
  return n;
}

} // namespace

const char* to_string(intake_step s) noexcept {
  switch (s) {
    case intake_step::read: return "read";
    case intake_step::check: return "check";
    case intake_step::plan: return "plan";
  }
  return "unknown";
}

intake_result intake(std::string_view text, const intake_options& options) {
  // Too large a file is refused before it is parsed (stevedore.job.max_size).
  if (auto e = check_job_size(text.size(), options.client, "job")) {
    intake_result out;
    out.problems.push_back(std::move(*e));
    return out;
  }
  return after_read(read_job(text, options.file_name, options.variables), options);
}

intake_result intake(const node& tree, const intake_options& options) {
  return after_read(read_job(tree, options.file_name), options);
}

intake_result intake(job_spec job, const intake_options& options) {
  intake_result out;
  out.step = intake_step::read;
  out.job = std::move(job);
  return check_and_plan(std::move(out), options);
}

node job_of_task(node task, const std::string& job_name, const std::string& task_name) {
  node tasks;
  tasks.type = node::kind::list;
  tasks.pos = task.pos;
  tasks.items.push_back(std::move(task));
  node group;
  group.type = node::kind::object;
  group.pos = tasks.pos;
  group.fields.emplace_back("Name", string_node(task_name));
  group.fields.emplace_back("Tasks", std::move(tasks));
  node groups;
  groups.type = node::kind::list;
  groups.pos = group.pos;
  groups.items.push_back(std::move(group));
  node job;
  job.type = node::kind::object;
  job.pos = groups.pos;
  job.fields.emplace_back("ID", string_node(job_name));
  job.fields.emplace_back("TaskGroups", std::move(groups));
  node root;
  root.type = node::kind::object;
  root.pos = job.pos;
  root.fields.emplace_back("Job", std::move(job));
  return root;
}

error_info refusal(const job_spec& job, const std::vector<error_info>& problems) {
  std::string all;
  for (const auto& p : problems)
    all += (all.empty() ? "" : "; ") + to_string(p);
  auto kind = problems.empty() ? errc::internal : problems.front().kind;
  return make_error(kind, "start job " + job.name, all);
}

} // namespace stevedore::policy
