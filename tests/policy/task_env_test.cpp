#include "policy/task_env.hpp"

#include <gtest/gtest.h>

#include "policy/interpolate.hpp"
#include "tests/policy/mapping_fixtures.hpp"

using namespace stevedore;
using namespace stevedore::policy;

namespace {

struct env_fixture : ::testing::Test {
  env_fixture() {
    job = test::one_task_job();
    job.meta = {{"owner", "ops"}, {"tier", "job"}};
    job.groups[0].meta = {{"tier", "group"}, {"zone", "a"}};
    auto& task = test::only_task(job);
    task.meta = {{"zone", "task"}, {"rack-id", "7"}};
    task.resources.cpu = 500;
    task.resources.memory_mb = 256;
    inst.alloc_id = "a1b2";
    inst.alloc_index = 2;
    inst.alloc_name = "web.cache[2]";
    inst.job_name = "web";
    inst.group_name = "cache";
    inst.task = task;
    inst.ports = {{"redis", 23332, 6379, false}, {"http", 8080, 8080, true}};
  }
  string_map build() { return builtin_env(inst, job, job.groups[0], client); }

  job_spec job;
  task_instance inst;
  client_config client = test::test_client();
};

TEST_F(env_fixture, identity_dirs_and_limits) {
  auto env = build();
  EXPECT_EQ(env["NOMAD_ALLOC_ID"], "a1b2");
  EXPECT_EQ(env["NOMAD_ALLOC_NAME"], "web.cache[2]");
  EXPECT_EQ(env["NOMAD_ALLOC_INDEX"], "2");
  EXPECT_EQ(env["NOMAD_TASK_NAME"], "redis");
  EXPECT_EQ(env["NOMAD_GROUP_NAME"], "cache");
  EXPECT_EQ(env["NOMAD_JOB_NAME"], "web");
  EXPECT_EQ(env["NOMAD_DC"], "dc1");
  EXPECT_EQ(env["NOMAD_REGION"], "global");
  EXPECT_EQ(env["NOMAD_ALLOC_DIR"], "/alloc");
  EXPECT_EQ(env["NOMAD_TASK_DIR"], "/local");
  EXPECT_EQ(env["NOMAD_SECRETS_DIR"], "/secrets");
  EXPECT_EQ(env["NOMAD_CPU_LIMIT"], "500");
  EXPECT_EQ(env["NOMAD_MEMORY_LIMIT"], "256");
  EXPECT_EQ(env.count("NOMAD_MEMORY_MAX_LIMIT"), 0u);
}

TEST_F(env_fixture, memory_max_limit_with_hard_limit) {
  inst.task.edit().config.memory_hard_limit = 1024;
  EXPECT_EQ(build()["NOMAD_MEMORY_MAX_LIMIT"], "1024");
}

TEST_F(env_fixture, mapped_port_binds_container_side) {
  auto env = build();
  EXPECT_EQ(env["NOMAD_PORT_redis"], "6379");
  EXPECT_EQ(env["NOMAD_HOST_PORT_redis"], "23332");
  EXPECT_EQ(env["NOMAD_IP_redis"], "127.0.0.1");
  EXPECT_EQ(env["NOMAD_ADDR_redis"], "127.0.0.1:23332");
}

TEST_F(env_fixture, unmapped_port_is_host_port) {
  auto env = build();
  EXPECT_EQ(env["NOMAD_PORT_http"], "8080");
  EXPECT_EQ(env["NOMAD_HOST_PORT_http"], "8080");
  EXPECT_EQ(env["NOMAD_ADDR_http"], "127.0.0.1:8080");
}

TEST_F(env_fixture, ipv6_address_bracketed) {
  client.bind_address = "::1";
  EXPECT_EQ(build()["NOMAD_ADDR_redis"], "[::1]:23332");
}

TEST_F(env_fixture, meta_merged_task_wins_both_cases) {
  auto env = build();
  EXPECT_EQ(env["NOMAD_META_owner"], "ops");
  EXPECT_EQ(env["NOMAD_META_OWNER"], "ops");
  EXPECT_EQ(env["NOMAD_META_tier"], "group");
  EXPECT_EQ(env["NOMAD_META_TIER"], "group");
  EXPECT_EQ(env["NOMAD_META_ZONE"], "task");
  EXPECT_EQ(env["NOMAD_META_rack_id"], "7"); // cleaned key
  EXPECT_EQ(env["NOMAD_META_RACK_ID"], "7");
  EXPECT_EQ(env.count("NOMAD_META_rack-id"), 0u);
}

TEST_F(env_fixture, sibling_ports_host_side) {
  sibling_ports siblings = {{"redis", inst.ports}, {"proxy", {{"admin", 25000, 9000, false}}}};
  auto env = builtin_env(inst, job, job.groups[0], client, siblings);
  EXPECT_EQ(env["NOMAD_ADDR_proxy_admin"], "127.0.0.1:25000");
  EXPECT_EQ(env["NOMAD_PORT_proxy_admin"], "25000");
  EXPECT_EQ(env["NOMAD_IP_proxy_admin"], "127.0.0.1");
  EXPECT_EQ(env.count("NOMAD_ADDR_redis_redis"), 0u);
}

TEST(clean_env_key, as_nomad) {
  EXPECT_EQ(clean_env_key("NOMAD_META_rack-id"), "NOMAD_META_rack_id");
  EXPECT_EQ(clean_env_key("a.b"), "a_b");
  EXPECT_EQ(clean_env_key("1ABC"), "_ABC");
  EXPECT_EQ(clean_env_key("A1"), "A1");
}

TEST_F(env_fixture, task_env_interpolated_and_overrides) {
  auto builtin = build();
  client.node_meta = {{"foo", "bar"}};
  auto node = node_values(client, {});
  string_map task_env = {{"BIND", "0.0.0.0:${NOMAD_PORT_redis}"},
                         {"DC", "${node.datacenter}-${meta.foo}"},
                         {"NOMAD_DC", "mine"},
                         {"LOST", "${UNKNOWN}"},
                         {"my.var", "x"}};
  std::vector<std::string> warnings;
  auto env = final_env(builtin, task_env, node, "job.web.group.cache.task.redis", warnings);
  EXPECT_EQ(env["BIND"], "0.0.0.0:6379");
  EXPECT_EQ(env["DC"], "dc1-bar");
  EXPECT_EQ(env["NOMAD_DC"], "mine");
  EXPECT_EQ(env["LOST"], "${UNKNOWN}");
  EXPECT_EQ(env["my_var"], "x");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "job.web.group.cache.task.redis.env.LOST: ${UNKNOWN} resolves to nothing; left as written");
}

TEST_F(env_fixture, task_env_does_not_see_other_task_env) {
  auto node = node_values(client, {});
  std::vector<std::string> warnings;
  auto env = final_env(build(), {{"A", "1"}, {"B", "${A}"}}, node, "p", warnings);
  EXPECT_EQ(env["B"], "${A}"); // deterministic: task values see builtin and node only
  EXPECT_EQ(warnings.size(), 1u);
}

} // namespace
