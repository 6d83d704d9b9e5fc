// Decoding of the daemon's answers into messages/engine.hpp structs, with
// simdjson On-Demand (kept in decode*.cpp so that no other translation unit
// parses simdjson's headers). Every string is copied out of the parser:
// nothing returned is a view into a parser buffer.
//
// Each function takes the whole body (or one line of a JSON-lines stream)
// and `what`, the call that received it, which names the error: a body that
// is not the JSON expected is malformed_answer with the field at fault
// ("field State.Pid: INCORRECT_TYPE ..."). Fields the daemon leaves out or
// sends as null keep their defaults. Bodies longer than max_body are refused
// before parsing (the transport caps them already; this guards lines).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "messages/engine.hpp"
#include "messages/result.hpp"

namespace stevedore::docker::decode {

inline constexpr std::size_t max_body = 64u << 20;

result<engine_version> version(std::string_view body, std::string_view what);
result<engine_info> info(std::string_view body, std::string_view what);
result<network_info> network(std::string_view body, std::string_view what);
result<image_info> image(std::string_view body, std::string_view what);
result<std::vector<image_summary>> image_list(std::string_view body, std::string_view what);
result<create_answer> create(std::string_view body, std::string_view what);
result<container_info> container(std::string_view body, std::string_view what);
result<std::vector<container_summary>> container_list(std::string_view body, std::string_view what);
result<wait_answer> wait(std::string_view body, std::string_view what);
result<stats_sample> stats(std::string_view body, std::string_view what);
result<std::string> id(std::string_view body, std::string_view what); // {"Id": ...}
result<exec_info> exec(std::string_view body, std::string_view what);
// `attributes` false: Actor.Attributes is skipped (events_request::with_attributes).
result<engine_event> event(std::string_view line, std::string_view what, bool attributes = true);

// One line of a JSON-lines progress stream (pull, load): a progress message,
// or the daemon's {"error", "errorDetail": {"message"}} (errorDetail's
// message preferred), or a load's {"stream": "..."} text.
struct stream_line {
  pull_progress progress;
  std::string stream;  // "stream" (load: "Loaded image: x\n")
  std::string error;   // non-empty: the operation failed with this text
};
result<stream_line> progress_line(std::string_view line, std::string_view what);

} // namespace stevedore::docker::decode
