// Reading the agent API's JSON request bodies (simdjson's DOM: bodies are
// small and must be valid whole, trailing bytes included). Every error is
// invalid_input naming the field: "signal: expected a string, got number".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "messages/result.hpp"

namespace stevedore::agent {

// {"signal": "SIGHUP"}: a signal name (letters, digits, '+', '-') or number.
result<std::string> read_signal_request(std::string_view body);

// {"cmd": ["sh", "-c", "exit 3"]}: a non-empty list of strings, the first non-empty.
result<std::vector<std::string>> read_exec_request(std::string_view body);

// The "Name" of one task in Nomad's JSON form ({"Name": "web", "Driver":
// "docker", "Config": {...}}); the rest is left to policy::read_job.
result<std::string> read_task_name(std::string_view body);

} // namespace stevedore::agent
