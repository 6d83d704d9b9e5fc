// Internal to the task actor: the exec runs it owns (task_exec.cpp). An exec
// is a call on the task like any other: the task actor checks that the task
// runs, keeps the run's state and answers the request exactly once.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <caf/typed_response_promise.hpp>

#include "docker/client.hpp"
#include "messages/task_state.hpp"

namespace stevedore::task_detail {

struct exec_output_buffer; // written by the client's I/O thread while the output streams

struct exec_run {
  caf::typed_response_promise<exec_output> reply;
  std::string exec_id;                         // once created
  std::shared_ptr<exec_output_buffer> output;
  docker::call_handle stream;                  // the attached start
  int tries_left = 0;                          // inspections until the exit shows
  std::int64_t timeout_ms = 0;
};

// A task's open exec runs; made for the first, dropped with the last.
struct exec_table {
  std::map<std::uint32_t, exec_run> runs;
  std::uint32_t next = 0;
};

} // namespace stevedore::task_detail
