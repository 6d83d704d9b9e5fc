// Calls an asynchronous client method (one taking a callback of result<T>)
// and waits for its answer, at most `limit`: integration tests use it to
// drive the Engine API client step by step.
//
//   auto r = testing::sync<create_answer>([&](auto cb) { client->container_create(n, b, cb); });
#pragma once

#include <chrono>
#include <future>
#include <memory>

#include "messages/result.hpp"

namespace stevedore::testing {

template <class T, class Call>
result<T> sync(Call call, std::chrono::seconds limit = std::chrono::seconds(60)) {
  auto p = std::make_shared<std::promise<result<T>>>();
  auto f = p->get_future();
  call([p](result<T> r) { p->set_value(std::move(r)); });
  if (f.wait_for(limit) != std::future_status::ready)
    return make_error(errc::timeout, "test",
                      "no answer in " + std::to_string(limit.count()) + " s");
  return f.get();
}

} // namespace stevedore::testing
