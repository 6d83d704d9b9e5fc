// A served agent API over the fake backend, on a loopback port of its own.
#pragma once

#include <filesystem>
#include <memory>

#include <gtest/gtest.h>

#include "tests/tools/agent_fake_backend.hpp"
#include "tests/tools/agent_http.hpp"
#include "tools/agent/api.hpp"
#include "tools/agent/server.hpp"

namespace stevedore::agent::test {

class agent_fixture : public ::testing::Test {
protected:
  void SetUp() override { serve(server_options{}); }
  void TearDown() override { stop(); }

  // (Re)starts the server with `so`; log polling is fast so tests stay short.
  void serve(server_options so) {
    stop();
    backend_ = std::make_shared<fake_backend>();
    metrics_ = std::make_shared<metrics>();
    api_options ao;
    ao.logs.poll = std::chrono::milliseconds(20);
    ao.logs.liveness = std::chrono::milliseconds(60);
    ao.logs.chunk = 7; // several chunks even for short files
    api_ = api::make(backend_, metrics_, ao);
    auto s = server::start(std::move(so), api_->as_handler());
    ASSERT_TRUE(s.ok()) << to_string(s.error());
    server_ = std::move(*s);
    port_ = server_->port();
  }
  void stop() {
    if (server_)
      server_->stop();
    server_.reset();
    api_.reset();
    backend_.reset();
  }

  std::optional<http_reply> get(const std::string& target, const std::string& headers = "") {
    return request(port_, "GET", target, "", headers);
  }
  std::optional<http_reply> post(const std::string& target, const std::string& body,
                                 const std::string& headers = "") {
    return request(port_, "POST", target, body, headers);
  }

  std::shared_ptr<fake_backend> backend_;
  std::shared_ptr<metrics> metrics_;
  std::shared_ptr<api> api_;
  std::unique_ptr<server> server_;
  std::uint16_t port_ = 0;
};

} // namespace stevedore::agent::test
