#include "policy/ports.hpp"

#include <gtest/gtest.h>

using namespace stevedore;
using namespace stevedore::policy;

namespace {

const std::string path = "job.web.group.cache.task.redis.resources.network";

// (label, static port) pairs as port specs.
std::vector<port_spec> ports(std::initializer_list<std::pair<const char*, std::int64_t>> p) {
  std::vector<port_spec> out;
  for (const auto& [label, value] : p) {
    port_spec s;
    s.label = label;
    s.static_port = value;
    out.push_back(s);
  }
  return out;
}

TEST(ports, dynamic_in_range) {
  port_pool pool;
  std::vector<error_info> problems;
  auto got = allocate_ports(ports({{"http", 0}, {"admin", 0}}), {}, pool, 42, path, problems);
  ASSERT_TRUE(problems.empty());
  ASSERT_EQ(got.size(), 2u);
  for (const auto& p : got) {
    EXPECT_GE(p.host_port, 20000);
    EXPECT_LE(p.host_port, 32000);
    EXPECT_FALSE(p.is_static);
    EXPECT_EQ(p.container_port, p.host_port); // no port_map
  }
  EXPECT_NE(got[0].host_port, got[1].host_port);
  EXPECT_EQ(got[0].label, "http");
  EXPECT_EQ(pool.taken.size(), 2u);
}

TEST(ports, static_as_given) {
  port_pool pool;
  std::vector<error_info> problems;
  auto got = allocate_ports(ports({{"http", 8080}}), {}, pool, 1, path, problems);
  ASSERT_TRUE(problems.empty());
  EXPECT_EQ(got[0].host_port, 8080);
  EXPECT_TRUE(got[0].is_static);
  EXPECT_EQ(got[0].container_port, 8080);
}

TEST(ports, port_map_sets_container_port) {
  port_pool pool;
  std::vector<error_info> problems;
  auto got = allocate_ports(ports({{"redis", 0}, {"web", 8080}}), {{"redis", 6379}, {"web", 80}},
                            pool, 7, path, problems);
  EXPECT_EQ(got[0].container_port, 6379);
  EXPECT_NE(got[0].host_port, 6379);
  EXPECT_EQ(got[1].container_port, 80);
  EXPECT_EQ(got[1].host_port, 8080);
}

TEST(ports, static_collision_with_taken_port) {
  port_pool pool;
  pool.taken = {8080};
  std::vector<error_info> problems;
  allocate_ports(ports({{"http", 8080}}), {}, pool, 1, path, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].kind, errc::conflict);
  EXPECT_EQ(problems[0].what, path + ".port.http");
  EXPECT_NE(problems[0].message.find("8080"), std::string::npos);
}

TEST(ports, static_given_twice_collides) {
  port_pool pool;
  std::vector<error_info> problems;
  allocate_ports(ports({{"a", 9000}, {"b", 9000}}), {}, pool, 1, path, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].what, path + ".port.b");
}

TEST(ports, dynamic_avoids_taken_and_static) {
  port_pool pool;
  pool.min_dynamic = 30000;
  pool.max_dynamic = 30003;
  pool.taken = {30000, 30001};
  std::vector<error_info> problems;
  auto got = allocate_ports(ports({{"dyn", 0}, {"fixed", 30002}}), {}, pool, 99, path, problems);
  ASSERT_TRUE(problems.empty());
  EXPECT_EQ(got[0].host_port, 30003);
  EXPECT_EQ(got[1].host_port, 30002);
}

TEST(ports, exhausted_range_reported) {
  port_pool pool;
  pool.min_dynamic = 30000;
  pool.max_dynamic = 30001;
  std::vector<error_info> problems;
  auto got = allocate_ports(ports({{"a", 0}, {"b", 0}, {"c", 0}}), {}, pool, 5, path, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].what, path + ".port.c");
  EXPECT_EQ(problems[0].kind, errc::conflict);
}

TEST(ports, same_seed_same_ports) {
  port_pool a, b;
  std::vector<error_info> problems;
  auto spec = ports({{"a", 0}, {"b", 0}, {"c", 0}});
  auto x = allocate_ports(spec, {}, a, seed_of("alloc-1/redis"), path, problems);
  auto y = allocate_ports(spec, {}, b, seed_of("alloc-1/redis"), path, problems);
  for (size_t i = 0; i < x.size(); ++i)
    EXPECT_EQ(x[i].host_port, y[i].host_port);
}

TEST(ports, different_seeds_spread) {
  port_pool a, b;
  std::vector<error_info> problems;
  auto spec = ports({{"a", 0}, {"b", 0}, {"c", 0}});
  auto x = allocate_ports(spec, {}, a, seed_of("alloc-1/redis"), path, problems);
  auto y = allocate_ports(spec, {}, b, seed_of("alloc-2/redis"), path, problems);
  bool differ = false;
  for (size_t i = 0; i < x.size(); ++i)
    differ = differ || x[i].host_port != y[i].host_port;
  EXPECT_TRUE(differ);
}

TEST(ports, one_pool_never_hands_out_a_port_twice) {
  port_pool pool;
  pool.min_dynamic = 20000;
  pool.max_dynamic = 20099;
  std::vector<error_info> problems;
  std::set<std::int64_t> seen;
  for (int task = 0; task < 50; ++task)
    for (const auto& p : allocate_ports(ports({{"a", 0}, {"b", 0}}), {}, pool,
                                        seed_of("t" + std::to_string(task)), path, problems))
      EXPECT_TRUE(seen.insert(p.host_port).second) << p.host_port;
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(seen.size(), 100u);
}

} // namespace
