// The simulated daemon's routes, free of Beast: a request in, an action out
// (one whole answer, an answer given later, or a stream the server writes
// chunk by chunk). server.cpp does the wire, faults and latency.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "tools/simdockerd/model.hpp"
#include "tools/simdockerd/sim_daemon.hpp"

namespace stevedore::sim {

struct sim_request {
  std::string method;
  std::string target;  // as received
  std::string path;    // decoded, version prefix removed
  std::vector<std::pair<std::string, std::string>> query; // decoded
  docker::header_list headers;
  std::string body;

  const std::string* param(std::string_view key) const;
  std::string header(std::string_view name) const; // any case; "" when absent
};

// The route name of a method and path ("containers.start"), "unknown", or
// "bad-version" for a /v1.NN prefix above 1.41. Fills `args` with the path's
// variable parts (an id, an image name).
std::string match_route(const std::string& method, const std::string& path,
                        std::vector<std::string>& args);

struct reply {
  reply() = default;
  reply(int s, std::string b, std::string ct = "application/json", docker::header_list h = {})
      : status(s), body(std::move(b)), content_type(std::move(ct)), headers(std::move(h)) {}
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  docker::header_list headers;
};

// Thread-safe; everything is a no-op once the connection is gone.
class stream_sink {
public:
  virtual ~stream_sink() = default;
  virtual void write(std::string bytes) = 0;
  virtual void end() = 0;
  // Runs `fn` on the connection's strand after `d` (if still open).
  virtual void after(std::chrono::nanoseconds d, std::function<void()> fn) = 0;
};

struct streamed {
  int status = 200;
  std::string content_type = "application/json";
  bool hijack = false; // dockerd's hijacked answers: no framing, the connection closes at the end
  std::function<void(std::shared_ptr<stream_sink>)> start;
  std::function<void()> cancel; // the client went away first
};

struct deferred {
  std::function<void(std::function<void(reply)>)> start;
  std::function<void()> cancel;
};

using action = std::variant<reply, streamed, deferred>;

struct route_context {
  model& engine;
  const options& opts;
};

action handle(route_context& ctx, const std::string& route, const std::vector<std::string>& args,
              sim_request& req);

// Parses "a=1&b=%2F" into decoded pairs; false on a bad escape.
bool parse_query(std::string_view text, std::vector<std::pair<std::string, std::string>>& out);
bool percent_decode(std::string_view in, std::string& out, bool plus_is_space);

} // namespace stevedore::sim
