// What a stress run asks for: the options of `stevedore stress`, and the N
// task instances of one driver, planned by policy::plan_job from a generated
// job (one group of count N, one task) exactly as `stevedore run` would plan
// a job file. Planning happens before the driver's clock starts.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "messages/client_config.hpp"
#include "messages/result.hpp"
#include "messages/task_instance.hpp"

namespace stevedore::stress {

struct stress_options {
  std::int64_t tasks = 0;
  std::int64_t concurrency = 8;
  std::string image = "busybox:1.36";
  std::vector<std::string> command;       // empty: default_command()
  double hold_s = 0;                      // batch: after all run; churn: each task
  bool churn = false;
  double idle_measure_s = 0;              // batch: measure CPU and RSS over this many idle seconds
  std::int64_t kill_timeout_ms = 5000;    // the tasks' kill_timeout (stop grace)
  client_config client;                   // --config; its endpoint is the daemon
  std::string run_id;                     // names and labels this run's containers
  std::chrono::milliseconds call_timeout{60000}; // deadline of one Engine API call
  std::string state_dir;                  // the supervisor keeps durable state here (empty: none)
  // A console watching: every this many ms the page of actors a console's
  // WebSocket is pushed (GET /v1/actors' default: by id, 100) is asked of
  // the supervisor, each ask after the last answer. 0: nobody watches.
  std::int64_t watch_ms = 0;
  // Longest a launch or a teardown may take before it counts as failed
  // ("timeout") and the run moves on; zero: no limit.
  std::chrono::milliseconds step_timeout{300000};
};

// A command that runs until stopped and exits at once on SIGTERM (PID 1
// ignores SIGTERM without a handler, so plain `sleep` would wait out the
// kill timeout): sh -c "trap 'exit 0' TERM; sleep 2147483647 & wait".
std::vector<std::string> default_command();

// Splits a command line into words: whitespace separates, single quotes keep
// everything literally, double quotes keep everything but \" and \\, a
// backslash outside quotes escapes the next character. An unterminated quote
// is invalid_input naming `what`.
result<std::vector<std::string>> split_command(const std::string& text, const std::string& what);

// A short random id ("a1b2c3d4") for this run's job names.
std::string random_run_id();

// "stress-<run_id>-<driver>": the job name, hence com.stevedore.job label,
// of one driver's containers.
std::string job_name(const stress_options& opts, const std::string& driver);

// The job `stevedore stress` runs for one driver: group "stress" of count N,
// task "sleeper" with the image, command and kill timeout of `opts`.
job_spec stress_job(const stress_options& opts, const std::string& driver);

// Plans stress_job for `driver` with the client settings of `opts` (the
// folders go under `alloc_root`). Each instance keeps only its
// create_body_text (plan_job's default), which carries its env and labels.
// Problems are joined into one invalid_input error.
result<std::vector<task_instance>> plan_workload(const stress_options& opts,
                                                 const std::string& driver,
                                                 const std::string& alloc_root);

} // namespace stevedore::stress
