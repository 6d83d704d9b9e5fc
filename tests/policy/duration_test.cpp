// Go duration syntax (policy/duration.hpp): what time.ParseDuration accepts,
// its exact errors, and Duration.String's formatting.
#include <cstdint>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "policy/duration.hpp"

namespace stevedore::policy {
namespace {

constexpr std::int64_t ns = 1;
constexpr std::int64_t us = 1000 * ns;
constexpr std::int64_t ms = 1000 * us;
constexpr std::int64_t sec = 1000 * ms;
constexpr std::int64_t minute = 60 * sec;
constexpr std::int64_t hour = 60 * minute;

struct good_case {
  const char* name;
  const char* text;
  std::int64_t want;
};

TEST(duration, parses_go_syntax) {
  const good_case cases[] = {
    {"zero without unit", "0", 0},
    {"signed zero", "-0", 0},
    {"plus zero", "+0", 0},
    {"zero seconds", "0s", 0},
    {"minutes", "3m", 3 * minute},
    {"hours and minutes", "1h30m", hour + 30 * minute},
    {"milliseconds", "250ms", 250 * ms},
    {"fraction", "1.5s", 1500 * ms},
    {"leading dot", ".5s", 500 * ms},
    {"trailing dot", "1.s", sec},
    {"nanoseconds", "10ns", 10},
    {"microseconds us", "7us", 7 * us},
    {"microseconds micro sign", "7\xC2\xB5s", 7 * us},
    {"microseconds greek mu", "7\xCE\xBCs", 7 * us},
    {"every unit", "1h2m3s4ms5us6ns", hour + 2 * minute + 3 * sec + 4 * ms + 5 * us + 6},
    {"negative", "-1s", -sec},
    {"explicit plus", "+2h", 2 * hour},
    {"fractional hours", "1.25h", hour + 15 * minute},
    {"many fraction digits", "0.000000001s", 1},
    {"max int64", "9223372036854775807ns", std::numeric_limits<std::int64_t>::max()},
    {"min int64", "-9223372036854775808ns", std::numeric_limits<std::int64_t>::min()},
    {"repeated units", "1s1s", 2 * sec},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto d = parse_duration(c.text);
    ASSERT_TRUE(d.ok()) << d.error().message;
    EXPECT_EQ(*d, c.want);
  }
}

struct bad_case {
  const char* name;
  const char* text;
  const char* error;
};

TEST(duration, rejects_with_exact_errors) {
  const bad_case cases[] = {
    {"empty", "", "invalid duration \"\""},
    {"sign only", "-", "invalid duration \"-\""},
    {"no digits", "s", "invalid duration \"s\""},
    {"dot only", ".s", "invalid duration \".s\""},
    {"missing unit", "30", "missing unit in duration \"30\""},
    {"missing unit after unit", "1h30", "missing unit in duration \"1h30\""},
    {"unknown unit days", "1d", "unknown unit \"d\" in duration \"1d\""},
    {"unknown unit word", "5sec", "unknown unit \"sec\" in duration \"5sec\""},
    {"uppercase unit", "5S", "unknown unit \"S\" in duration \"5S\""},
    {"space inside", "1 s", "unknown unit \" s\" in duration \"1 s\""},
    {"leading space", " 1s", "invalid duration \" 1s\""},
    {"overflow hours", "9999999999h", "duration \"9999999999h\" is out of range"},
    {"overflow digits", "99999999999999999999ns", "duration \"99999999999999999999ns\" is out of range"},
    {"overflow sum", "9223372036854775807ns1ns", "duration \"9223372036854775807ns1ns\" is out of range"},
    {"one past max", "9223372036854775808ns", "duration \"9223372036854775808ns\" is out of range"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto d = parse_duration(c.text);
    ASSERT_FALSE(d.ok()) << *d;
    EXPECT_EQ(d.error().message, c.error);
    EXPECT_EQ(d.error().kind, errc::invalid_input);
  }
}

TEST(duration, nonnegative_rejects_negative_values) {
  auto d = parse_nonnegative_duration("-1s");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().message, "duration \"-1s\" must not be negative");
  EXPECT_EQ(*parse_nonnegative_duration("0"), 0);
  EXPECT_EQ(*parse_nonnegative_duration("-0"), 0);
  EXPECT_EQ(parse_nonnegative_duration("x").error().message, "invalid duration \"x\"");
}

TEST(duration, millis_round_a_positive_remainder_up) {
  EXPECT_EQ(nanos_to_millis(0), 0);
  EXPECT_EQ(nanos_to_millis(1), 1);
  EXPECT_EQ(nanos_to_millis(ms), 1);
  EXPECT_EQ(nanos_to_millis(ms + 1), 2);
  EXPECT_EQ(nanos_to_millis(3 * minute), 180000);
  EXPECT_EQ(nanos_to_millis(-ms), -1);
}

TEST(duration, formats_as_go_does) {
  const std::pair<std::int64_t, const char*> cases[] = {
    {0, "0s"},
    {1, "1ns"},
    {1100, "1.1\xC2\xB5s"},
    {2200 * us, "2.2ms"},
    {250 * ms, "250ms"},
    {3300 * ms, "3.3s"},
    {4 * minute + 5 * sec, "4m5s"},
    {4 * minute + 5001 * ms, "4m5.001s"},
    {5 * hour + 6 * minute + 7001 * ms, "5h6m7.001s"},
    {8 * minute + 1, "8m0.000000001s"},
    {hour + 30 * minute, "1h30m0s"},
    {-sec, "-1s"},
    {std::numeric_limits<std::int64_t>::max(), "2562047h47m16.854775807s"},
    {std::numeric_limits<std::int64_t>::min(), "-2562047h47m16.854775808s"},
  };
  for (const auto& [value, text] : cases) {
    EXPECT_EQ(format_duration(value), text);
    if (value != std::numeric_limits<std::int64_t>::min()) {
      auto back = parse_duration(text);
      ASSERT_TRUE(back.ok()) << text;
      EXPECT_EQ(*back, value) << text;
    }
  }
  EXPECT_EQ(format_millis(180000), "3m0s");
  EXPECT_EQ(format_millis(15000), "15s");
}

} // namespace
} // namespace stevedore::policy
