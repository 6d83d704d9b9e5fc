// Helpers for the Engine API client's tests: a bounded blocking call of any
// client method, and an error as one line.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "docker/client.hpp"
#include "tests/docker/callback_probe.hpp"

namespace stevedore::testing {

template <class T>
std::string line(const result<T>& r) {
  return r.ok() ? "ok" : to_string(r.error());
}

// Runs `start(callback)` and waits (bounded) for its one result.
template <class T, class Start>
result<T> wait_for_result(Start&& start, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto p = std::make_shared<probe<result<T>>>();
  start([p](result<T> r) { p->callback()(std::move(r)); });
  if (!p->wait(limit))
    return make_error(errc::internal, "test", "no answer within the test's limit");
  return p->value();
}

} // namespace stevedore::testing
