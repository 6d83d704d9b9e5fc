#include "messages/json.hpp"

#include <gtest/gtest.h>

namespace stevedore {
namespace {

TEST(json, keeps_member_order_and_replaces_in_place) {
  json j = json::object();
  j.set("b", 1);
  j.set("a", "x");
  j.set("b", 2);
  EXPECT_EQ(j.dump(), R"({"b":2,"a":"x"})");
}

TEST(json, escapes_control_characters_and_quotes) {
  json j("a\"b\\c\n\x01");
  EXPECT_EQ(j.dump(), R"("a\"b\\c\n\u0001")");
}

TEST(json, pretty_prints_nested_values) {
  json j = json::object();
  j.set("l", json::array_of({"x", "y"}));
  j.set("e", json::object());
  EXPECT_EQ(j.dump(2), "{\n  \"l\": [\n    \"x\",\n    \"y\"\n  ],\n  \"e\": {}\n}");
}

TEST(json, object_of_sorts_by_key) {
  json j = json::object_of({{"zip", "zap"}, {"foo", "bar"}});
  EXPECT_EQ(j.dump(), R"({"foo":"bar","zip":"zap"})");
}

TEST(json, equality_is_structural) {
  json a = json::object();
  a.set("x", json::array_of({"1"}));
  json b = json::object();
  b.set("x", json::array_of({"1"}));
  EXPECT_EQ(a, b);
  b.set("x", json::array_of({"2"}));
  EXPECT_NE(a, b);
}

} // namespace
} // namespace stevedore
