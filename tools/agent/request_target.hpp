// What the agent reads of a request before its body: the target split into
// the path and decoded query parameters, the path into percent-decoded
// segments, and the Authorization header against the bearer token. Pure
// string work, fuzzed with Beast's parser and the body readers
// (tests/fuzz/fuzz_agent.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/agent/server.hpp"

namespace stevedore::agent {

// "/v1/tasks?job=web&follow=1" -> path "/v1/tasks" (still percent-encoded),
// query [("job","web"), ("follow","1")]: %XX and '+' decoded, a broken escape
// kept as it is, empty parts skipped. Appends to r.query.
void split_target(std::string_view target, http_request& r);

// The path's segments, percent-decoded (so "%2F" stays inside its segment),
// empty ones dropped; nullopt on a broken escape.
std::optional<std::vector<std::string>> split_path(std::string_view path);

enum class bearer_check { ok, missing, wrong };

// The Authorization header's value against `token` (not empty): "Bearer
// <token>", the scheme in any case, compared in time that depends only on
// the lengths (constant_time_equal).
bearer_check check_bearer(std::string_view authorization, std::string_view token);

} // namespace stevedore::agent
