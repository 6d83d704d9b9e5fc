// The one job intake every front door uses (`run`, `plan`, `validate`, the
// agent's API, the embedding API and the supervisor): read -> check -> plan,
// each step run only when the steps before it found no problem.
//
//   read   a job file's text (HCL or Nomad's JSON form, told apart by its first
//          character) or a JSON tree parsed already into a job_spec: syntax,
//          types, unknown keys, value formats (read_job)
//   check  the client rules on the job as written (check_job)
//   plan   allocations, ports, interpolation, the client rules again on the
//          interpolated values, the image and the create body (plan_job)
//
// A front door that has a decoded job (the embedding API's start_job, the
// supervisor) starts at `check`; one that only judges (validate) or that
// leaves planning to the supervisor (the agent's API) stops after `check`.
// A job that passed `check` is marked (job_spec::checked) and not checked
// again.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "messages/client_config.hpp"
#include "messages/error.hpp"
#include "messages/json.hpp"
#include "messages/task_instance.hpp"
#include "messages/task_spec.hpp"
#include "policy/ast.hpp"
#include "policy/hcl2.hpp"
#include "policy/plan.hpp"

namespace stevedore::policy {

enum class intake_step : std::uint8_t { read, check, plan };

const char* to_string(intake_step s) noexcept;

struct intake_options {
  // Names the text in problems and warnings ("FILE:LINE:COL: ..."); the
  // agent's API uses "body".
  std::string file_name;
  client_config client;                 // what the job is checked and planned against
  intake_step last = intake_step::plan; // the last step to run
  plan_options plan;                    // alloc id seed, taken ports, node facts, keep_create_body
  hcl2_inputs variables;                // an HCL2 job file's -var, -var-file, NOMAD_VAR_* and file()
};

struct intake_result {
  job_spec job;                         // as read; complete when `read` found no problem
  std::vector<task_instance> instances; // planned: groups in order, then index, then task
  std::vector<json> create_bodies;      // with plan.keep_create_body: each instance's body as a tree
  // The problems of the step that found them (no later step ran), in the
  // order that step found them; empty when every step up to `last` passed.
  std::vector<error_info> problems;
  std::vector<std::string> warnings;    // of every step that ran, in step order
  intake_step step = intake_step::read; // the last step that ran (where `problems` come from)
  bool ok() const noexcept { return problems.empty(); }
};

// A job file's text.
intake_result intake(std::string_view text, const intake_options& options);

// A job already parsed into a tree (HCL's shape `{"job": ...}` or Nomad's
// JSON job form), so that a body parsed once is not parsed again.
intake_result intake(const node& tree, const intake_options& options);

// A decoded job: starts at `check`, or at `plan` when the job passed `check`
// already (job_spec::checked: the agent's API checks a job before the
// supervisor plans it, and the rules are not run on it a second time).
intake_result intake(job_spec job, const intake_options& options);

// One task in Nomad's JSON form ({"Name": "web", "Driver": "docker", ...})
// as the tree of a job `job_name` of one group of one, named after the task:
// what `POST /v1/tasks` runs. Problems keep the task's own positions.
node job_of_task(node task, const std::string& job_name, const std::string& task_name);

// Why a job is not started, in one line: the first problem's kind, `what`
// "start job NAME", and every problem joined by "; ".
error_info refusal(const job_spec& job, const std::vector<error_info>& problems);

} // namespace stevedore::policy
