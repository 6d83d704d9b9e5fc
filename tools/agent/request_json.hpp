// Reading the agent API's JSON request bodies (simdjson's DOM: bodies are
// small and must be valid whole, trailing bytes included). Every error is
// invalid_input naming the field: "signal: expected a string, got number".
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "messages/result.hpp"
#include "policy/ast.hpp"

namespace stevedore::agent {

// {"signal": "SIGHUP"}: a signal name (letters, digits, '+', '-') or number.
result<std::string> read_signal_request(std::string_view body);

// {"cmd": ["sh", "-c", "exit 3"], "timeout": "30s"}: cmd a non-empty list of
// strings, the first non-empty; timeout optional, a Go duration from 1ms to
// max_exec_timeout, default default_exec_timeout: how long the answer waits
// for the command to end.
struct exec_request_body {
  std::vector<std::string> cmd;
  std::chrono::milliseconds timeout{0};
};
inline constexpr std::chrono::milliseconds default_exec_timeout{std::chrono::minutes(1)};
inline constexpr std::chrono::milliseconds max_exec_timeout{std::chrono::hours(1)};
result<exec_request_body> read_exec_request(std::string_view body);

// One task in Nomad's JSON form ({"Name": "web", "Driver": "docker",
// "Config": {...}}), parsed once into the tree the job intake reads
// (policy/intake.hpp); its "Name" is checked here, the rest is left to the
// intake.
struct task_body {
  std::string name;
  policy::node tree; // the whole task object
};
result<task_body> read_task_body(std::string_view body);

} // namespace stevedore::agent
