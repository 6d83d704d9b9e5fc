// Decoding (job files and client settings into messages/ structs) and the
// judgement of a decoded job against the node's client settings. The
// signatures here are the contract between the decoding half (read_job,
// read_client_config: syntax, types, unknown keys, value formats) and the
// rules half (check_job: capabilities, privilege, namespace modes, volumes,
// mounts, runtimes); `stevedore validate` runs both.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "messages/client_config.hpp"
#include "messages/error.hpp"
#include "messages/task_spec.hpp"
#include "policy/ast.hpp"
#include "policy/hcl2.hpp"

namespace stevedore::policy {

// What reading a file produced: the value (complete where there were no
// problems), every problem found (not only the first), and warnings.
// Problems are errc::invalid_input; `what` is the field path
// ("job.web.group.cache.task.redis.config.ulimit.nofile") and, for HCL, the
// message starts with FILE:LINE:COL.
template <class T>
struct decoded {
  T value;
  std::vector<error_info> problems;
  std::vector<std::string> warnings;
  bool ok() const noexcept { return problems.empty(); }
};

// A job file in HCL or in Nomad's JSON job form ({"Job": {...}}), told apart
// by its first non-blank character.
decoded<job_spec> read_job(std::string_view text, std::string_view file_name);
// The same with values for an HCL2 file's variables (-var, -var-file,
// NOMAD_VAR_*) and its file() reader (policy/hcl2.hpp).
decoded<job_spec> read_job(std::string_view text, std::string_view file_name,
                           const hcl2_inputs& inputs);

// A job parsed already into a JSON tree (parse_json): HCL's shape
// ({"job": {...}}) or Nomad's JSON job form.
decoded<job_spec> read_job(const node& tree, std::string_view file_name);

// A client settings file: `client { options { "docker.*" = ... } }` (HCL or
// JSON), with every docker.* option of the specification and its default.
decoded<client_config> read_client_config(std::string_view text, std::string_view file_name);

// Every rule that depends on the client settings, for every task of the job.
// Problems are errc::not_permitted (or invalid_input), `what` is the path.
// A job over the limits of what one job may ask (check_job_limits) gets
// only those problems: nothing else is looked at.
std::vector<error_info> check_job(const job_spec& job, const client_config& client);

// The limits of what one job may ask (stevedore.job.max_count, max_tasks,
// max_instances): errc::not_permitted, one per limit broken, naming the
// setting. Cheap whatever the job asks: no instance is made.
std::vector<error_info> check_job_limits(const job_spec& job, const client_config& client);

// What the client settings let any job do that amounts to root on the node:
// one line naming each such setting and what it allows (host bind mounts,
// privileged containers and host namespaces, every capability) and how to
// turn it off; "" when none is on. The agent prints it at start: whoever can
// call its API can do all of this.
std::string root_equivalent_settings(const client_config& client);

// The size limit of a job's text (stevedore.job.max_size): a problem naming
// `what` (the file, or "body") when text_size is over it, before any parsing.
std::optional<error_info> check_job_size(std::size_t text_size, const client_config& client,
                                         std::string_view what);

} // namespace stevedore::policy
