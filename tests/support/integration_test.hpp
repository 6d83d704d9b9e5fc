// Base fixture for integration tests: SetUp reads the test environment and
// FAILs the test when it cannot (never skips), so a suite that lost its
// daemon shows up red, not green.
//
//   class PullTest : public stevedore::testenv::integration_test {};
//   TEST_F(PullTest, ...) { ... env_.docker_host ... }
#pragma once

#include <utility>

#include <gtest/gtest.h>

#include "tests/support/testenv.hpp"

namespace stevedore::testenv {

class integration_test : public ::testing::Test {
protected:
  void SetUp() override {
    auto r = load();
    ASSERT_TRUE(r.ok()) << to_string(r.error());
    env_ = std::move(*r);
  }

  environment env_; // the environment of this run
};

} // namespace stevedore::testenv
