// Helpers for the simulated daemon's tests: a sim started in-process, our
// own transport to it, and blocking (bounded) calls.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "docker/transport.hpp"
#include "tests/docker/callback_probe.hpp"
#include "tools/simdockerd/sim_daemon.hpp"

namespace stevedore::testing {

using namespace std::chrono_literals;

inline docker::request simd_request(std::string method, std::string target, std::string body = "") {
  docker::request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.body = std::move(body);
  return r;
}

struct simd_fixture {
  std::unique_ptr<sim::sim_daemon> sim;
  std::shared_ptr<docker::transport> t;

  explicit simd_fixture(sim::options opts = {}) {
    if (opts.time_scale == 1.0)
      opts.time_scale = 0.01; // a simulated second lasts 10 ms
    auto started = sim::sim_daemon::start(std::move(opts));
    if (!started.ok())
      throw std::runtime_error(to_string(started.error()));
    sim = std::move(started).value();
    t = docker::transport::make(sim->where());
  }
  ~simd_fixture() {
    t->shutdown();
    sim->stop();
  }

  result<docker::response> send(docker::request req) {
    auto p = std::make_shared<probe<result<docker::response>>>();
    t->send(std::move(req), [p](result<docker::response> r) { p->callback()(std::move(r)); });
    if (!p->wait(10s))
      return make_error(errc::internal, "test", "no answer within 10 s");
    return p->value();
  }
  // Status and body in one line: "201 {...}", or the error.
  std::string call(std::string method, std::string target, std::string body = "") {
    auto r = send(simd_request(std::move(method), std::move(target), std::move(body)));
    if (!r.ok())
      return "error " + to_string(r.error());
    return std::to_string(r->status) + " " + r->body;
  }
};

} // namespace stevedore::testing
