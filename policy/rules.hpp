// Decoding (job files and client settings into messages/ structs) and the
// judgement of a decoded job against the node's client settings. The
// signatures here are the contract between the decoding half (read_job,
// read_client_config: syntax, types, unknown keys, value formats) and the
// rules half (check_job: capabilities, privilege, namespace modes, volumes,
// mounts, runtimes); `stevedore validate` runs both.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "messages/client_config.hpp"
#include "messages/error.hpp"
#include "messages/task_spec.hpp"
#include "policy/ast.hpp"

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

// A job parsed already into a JSON tree (parse_json): HCL's shape
// ({"job": {...}}) or Nomad's JSON job form.
decoded<job_spec> read_job(const node& tree, std::string_view file_name);

// A client settings file: `client { options { "docker.*" = ... } }` (HCL or
// JSON), with every docker.* option of the specification and its default.
decoded<client_config> read_client_config(std::string_view text, std::string_view file_name);

// Every rule that depends on the client settings, for every task of the job.
// Problems are errc::not_permitted (or invalid_input), `what` is the path.
std::vector<error_info> check_job(const job_spec& job, const client_config& client);

} // namespace stevedore::policy
