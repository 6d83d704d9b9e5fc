// The agent's HTTP API: routes, request checks and answers, over a backend.
// JSON everywhere; every error is {"error": "<one line>"} with a status that
// says whose fault it is (400 bad request naming the field, 403 refused by
// the client settings, 404 unknown task or route, 405 wrong method with an
// Allow header, 503 daemon unhealthy or unreachable). Handlers never block:
// each calls the backend and answers from its callback.
//
//   POST /v1/jobs                  HCL or Nomad JSON job -> 201 {"task_ids", "warnings"}
//   POST /v1/tasks[?job=NAME]      one task in Nomad's JSON form -> 201 {"task_ids", "warnings"}
//   GET  /v1/tasks                 {"tasks": [{id, name, job, group, alloc_id, state, ...}]}
//   GET  /v1/tasks/{id}            status, state history, ports, exit
//   POST /v1/tasks/{id}/stop       202 {"id", "state": "stopping"}
//   POST /v1/tasks/{id}/signal     {"signal": "SIGHUP"} -> {"id", "signal"}
//   POST /v1/tasks/{id}/exec       {"cmd": [...]} -> {"exit_code", "stdout", "stderr", "truncated"}
//   GET  /v1/tasks/{id}/logs       ?stream=stdout|stderr&follow=1: chunked text
//   GET  /v1/tasks/{id}/stats      memory and cpu figures
//   GET  /v1/images                {"images": [{image_id, references, holders, state, cleanup_at_ms}]}
//   GET  /v1/node                  fingerprint attributes and health (503 unless healthy)
//   GET  /v1/events                chunked JSON lines, one per task event
//   GET  /metrics                  Prometheus text format
//
// Task ids hold a '/' ("{alloc_id}/{task}"): in a path it may be written as
// is or percent-encoded (%2F). A path whose last segment is an action name
// (stop, signal, exec, logs, stats) is that action on the id before it.
#pragma once

#include <cstddef>
#include <memory>

#include "messages/client_config.hpp"
#include "policy/intake.hpp"
#include "tools/agent/backend.hpp"
#include "tools/agent/log_stream.hpp"
#include "tools/agent/metrics.hpp"
#include "tools/agent/server.hpp"

namespace stevedore::agent {

struct api_options {
  client_config client;              // jobs are checked against these settings
  log_stream_options logs;
  std::size_t event_backlog = 1024;  // event lines waiting for a slow client before it is cut off
};

class api : public std::enable_shared_from_this<api> {
public:
  static std::shared_ptr<api> make(std::shared_ptr<backend> b, std::shared_ptr<metrics> m,
                                   api_options opts);

  void handle(http_request req, std::shared_ptr<responder> res);
  // For server::start: holds the api alive as long as the server.
  handler as_handler();

private:
  api(std::shared_ptr<backend> b, std::shared_ptr<metrics> m, api_options opts);

  struct task_route;
  void post_job(http_request& req, std::shared_ptr<responder> res);
  void post_task(http_request& req, std::shared_ptr<responder> res);
  policy::intake_options job_intake() const; // read and check; the supervisor plans
  void submit(policy::intake_result checked, std::shared_ptr<responder> res);
  void task_action(const task_route& route, http_request& req, std::shared_ptr<responder> res);
  void get_logs(const std::string& id, http_request& req, std::shared_ptr<responder> res);
  void get_events(std::shared_ptr<responder> res);
  void drain(std::shared_ptr<responder> res);
  void get_metrics(std::shared_ptr<responder> res);

  std::shared_ptr<backend> backend_;
  std::shared_ptr<metrics> metrics_;
  api_options opts_;
  std::shared_ptr<file_worker> files_; // log file reads
};

// The HTTP status of an error kind.
int http_status(errc kind) noexcept;

} // namespace stevedore::agent
