// The agent API's JSON answers, built from the message structs. Field names
// are snake_case as in messages/; times are Unix milliseconds (`*_ms`).
#pragma once

#include <string>
#include <vector>

#include "messages/json.hpp"
#include "messages/node.hpp"
#include "messages/task_state.hpp"
#include "tools/agent/backend.hpp"

namespace stevedore::agent {

// {"error": message}: every error answer.
std::string error_json(const std::string& message);

// A line of GET /v1/tasks: id, name, job, group, alloc_id, state, container_id, image.
json task_summary_json(const task_status& t);
// GET /v1/tasks/{id}: the summary plus history, ports, exit (null until the
// task exited), restarts, container_name, image_id.
json task_status_json(const task_status& t);
json task_event_json(const task_event& e);
json task_stats_json(const task_stats& s);
json image_record_json(const image_record& r);
json fingerprint_json(const fingerprint& f);
json exec_output_json(const exec_output& o);
// An actor of GET /v1/actors: id, kind, name, state, mailbox, messages,
// rate (per second), last_message, last_at_ms, age_ms, details.
json actor_status_json(const actor_status& st, std::int64_t now_ms);
// GET /v1/actors/{id}/trace: on, until_ms, left, entries [{at_ms, dir, kind}].
json actor_trace_json(const actor_trace& t);

} // namespace stevedore::agent
