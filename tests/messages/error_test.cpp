#include "messages/error.hpp"
#include "messages/result.hpp"

#include <gtest/gtest.h>

namespace stevedore {
namespace {

TEST(error, reads_as_one_line_naming_what_and_why) {
  auto e = make_error(errc::unauthorized, "task web: pull 127.0.0.1:5000/app:1",
                      "registry answered 401 unauthorized", 401);
  EXPECT_EQ(to_string(e), "task web: pull 127.0.0.1:5000/app:1: registry answered 401 unauthorized");
}

TEST(error, retry_helps_only_where_the_cause_can_pass) {
  EXPECT_TRUE(retryable(make_error(errc::daemon_unreachable, "ping", "refused")));
  EXPECT_TRUE(retryable(make_error(errc::daemon_error, "create", "boom", 500)));
  EXPECT_FALSE(retryable(make_error(errc::daemon_error, "create", "bad", 400)));
  EXPECT_FALSE(retryable(make_error(errc::not_found, "pull", "no such image", 404)));
  EXPECT_FALSE(retryable(make_error(errc::unauthorized, "pull", "denied", 401)));
}

TEST(result, holds_a_value_or_an_error) {
  result<int> ok = 3;
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 3);
  result<int> bad = make_error(errc::timeout, "ping", "deadline passed");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, errc::timeout);
}

} // namespace
} // namespace stevedore
