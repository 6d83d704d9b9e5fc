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
//   GET  /v1/tasks/{id}/exec       WebSocket ?command=[...]&tty=1&stdin=1: an interactive exec,
//                                  stdin, TTY size, output and exit code as frames (api_exec.cpp)
//   POST /v1/tasks/{id}/restart    202 {"id", "state": "restarting"}
//   GET  /v1/tasks/{id}/logs       ?stream=stdout|stderr&follow=1: chunked text
//   GET  /v1/tasks/{id}/stats      memory and cpu figures
//   GET  /v1/images                {"images": [{image_id, references, holders, state, cleanup_at_ms}]}
//   GET  /v1/node                  fingerprint attributes and health (503 unless healthy)
//   GET  /v1/events                chunked JSON lines, one per task event
//   GET  /v1/events/recent         {"events": [...]}: the last 256 task events, oldest first
//   GET  /v1/actors                ?kind=&state=&sort=&order=asc|desc&offset=&limit= ->
//                                  {"total", "offset", "limit", "actors": [{id, kind, name,
//                                  state, mailbox, messages, rate, last_message, last_at_ms,
//                                  age_ms, details}]}
//   GET  /v1/actors/{id}           {"actor": {...}} plus "task" (a task actor), "images" (the
//                                  image manager) or "node" (the fingerprinter); {id} is a
//                                  CAF actor id, a task id, "supervisor" or a service's kind
//   POST /v1/actors/{id}/trace     ?count=N&for=DURATION (default 1000, 60s; count=0 stops)
//   GET  /v1/actors/{id}/trace     {"on", "until_ms", "left", "entries": [{at_ms, dir, kind}]}
//   GET  /v1/ws                    WebSocket ?rate=MS (100..60000, default 1000) and the
//                                  /v1/actors query: {"type": "actors", ...the page} each
//                                  period when it changed; the client sends {"rate": MS}
//   GET  /metrics                  Prometheus text format
//   GET  / (or /console)           the inspection console's page (console/index.html)
//
// Task ids hold a '/' ("{alloc_id}/{task}"): in a path it may be written as
// is or percent-encoded (%2F). A path whose last segment is an action name
// (stop, restart, signal, exec, logs, stats) is that action on the id before it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

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
  // api_exec.cpp: the interactive exec's WebSocket.
  void exec_socket(const std::string& id, http_request& req, std::shared_ptr<responder> res);
  void get_events(std::shared_ptr<responder> res);
  void drain(std::shared_ptr<responder> res);
  void get_metrics(std::shared_ptr<responder> res);
  // api_actors.cpp: the inspection routes.
  void get_actors(http_request& req, std::shared_ptr<responder> res);
  void actor_route(const std::vector<std::string>& segs, http_request& req,
                   std::shared_ptr<responder> res);
  void get_actor(const std::string& who, std::shared_ptr<responder> res);
  void post_trace(const std::string& who, http_request& req, std::shared_ptr<responder> res);
  void get_recent_events(std::shared_ptr<responder> res);
  void actors_socket(http_request& req, std::shared_ptr<responder> res);

  std::shared_ptr<backend> backend_;
  std::shared_ptr<metrics> metrics_;
  api_options opts_;
  std::shared_ptr<file_worker> files_; // log file reads
};

// The HTTP status of an error kind.
int http_status(errc kind) noexcept;

} // namespace stevedore::agent
