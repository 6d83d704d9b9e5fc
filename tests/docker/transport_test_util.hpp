// Helpers shared by the transport tests: a request, a bounded blocking call,
// an answer as one line, a responder that echoes the target.
#pragma once

#include <memory>
#include <string>

#include "docker/transport.hpp"
#include "tests/docker/callback_probe.hpp"
#include "tests/docker/fake_server.hpp"

namespace stevedore::testing {

inline docker::request get(std::string target) {
  docker::request r;
  r.target = std::move(target);
  return r;
}

// Sends and waits (bounded) for the one answer.
inline result<docker::response> call(docker::transport& t, docker::request req) {
  auto p = std::make_shared<probe<result<docker::response>>>();
  t.send(std::move(req), [p](result<docker::response> r) { p->callback()(std::move(r)); });
  if (!p->wait())
    return make_error(errc::internal, "test", "no answer within 5 s");
  return p->value();
}

inline std::string error_line(const result<docker::response>& r) {
  return r.ok() ? "ok" : to_string(r.error());
}

inline std::string echo_target(const captured_request& req) { return http_answer(200, req.target); }

} // namespace stevedore::testing
