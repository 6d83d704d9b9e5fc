#include "policy/interpolate.hpp"

#include <gtest/gtest.h>

#include "tests/policy/mapping_fixtures.hpp"

using namespace stevedore;
using namespace stevedore::policy;

namespace {

struct interp_case {
  const char* name;
  std::string input;
  std::string want;
  std::vector<std::string> unresolved;
};

class interpolation : public ::testing::TestWithParam<interp_case> {};

TEST_P(interpolation, replaces) {
  const auto& tc = GetParam();
  string_map env = {{"NOMAD_PORT_http", "23332"}, {"MY_ENV", "hello"}, {"EMPTY", ""}};
  auto client = test::test_client();
  client.node_meta = {{"foo", "bar"}, {"rack", "r1"}};
  node_facts facts;
  facts.attributes = {{"kernel.name", "linux"}};
  auto node = node_values(client, facts);
  std::vector<std::string> unresolved;
  EXPECT_EQ(interpolate(tc.input, {&env, &node}, unresolved), tc.want);
  EXPECT_EQ(unresolved, tc.unresolved);
}

INSTANTIATE_TEST_SUITE_P(
  cases, interpolation,
  ::testing::Values(
    interp_case{"plain_text", "no references", "no references", {}},
    interp_case{"env_var", "-bind ${NOMAD_PORT_http}", "-bind 23332", {}},
    interp_case{"task_env", "${MY_ENV} world", "hello world", {}},
    interp_case{"empty_value_resolves", "[${EMPTY}]", "[]", {}},
    interp_case{"node_datacenter", "${node.datacenter}", "dc1", {}},
    interp_case{"nomad_datacenter_alias", "${nomad.datacenter}", "dc1", {}},
    interp_case{"node_region", "${node.region}/${nomad.region}", "global/global", {}},
    interp_case{"node_unique", "${node.unique.id}:${node.unique.name}", "node-1:worker-1", {}},
    interp_case{"node_class", "${node.class}", "general", {}},
    interp_case{"attribute", "${attr.kernel.name}", "linux", {}},
    interp_case{"node_meta", "${meta.foo}-${meta.rack}", "bar-r1", {}},
    interp_case{"env_index_form", "${env[\"MY_ENV\"]}", "hello", {}},
    interp_case{"several_adjacent", "${MY_ENV}${MY_ENV}", "hellohello", {}},
    interp_case{"unresolved_stays", "a ${meta.nope} b", "a ${meta.nope} b", {"${meta.nope}"}},
    interp_case{"unresolved_env_index", "${env[\"NOPE\"]}", "${env[\"NOPE\"]}", {"${env[\"NOPE\"]}"}},
    interp_case{"mixed_resolved_and_not", "${MY_ENV}:${X}", "hello:${X}", {"${X}"}},
    interp_case{"escape_is_literal", "$${MY_ENV}", "${MY_ENV}", {}},
    interp_case{"escape_then_reference", "$${a} ${MY_ENV}", "${a} hello", {}},
    interp_case{"lone_dollar_kept", "cost $5 and $$", "cost $5 and $$", {}},
    interp_case{"unterminated_kept", "x ${MY_ENV", "x ${MY_ENV", {"${MY_ENV"}},
    interp_case{"invalid_name_kept", "${not valid}", "${not valid}", {"${not valid}"}},
    interp_case{"empty_reference_kept", "${}", "${}", {"${}"}}),
  [](const auto& info) { return std::string(info.param.name); });

TEST(interpolation, env_wins_over_node_values) {
  string_map env = {{"node.class", "from-env"}};
  string_map node = {{"node.class", "from-node"}};
  std::vector<std::string> unresolved;
  EXPECT_EQ(interpolate("${node.class}", {&env, &node}, unresolved), "from-env");
}

TEST(interpolation, auth_values_never_appear_in_warnings) {
  docker_config c;
  c.auth.username = "robot${unknown.user}";
  c.auth.password = "s3cr${et-unterminated";
  c.auth.server_address = "${meta.missing}.example";
  string_map env, node;
  std::vector<std::string> warnings;
  interpolate_config(c, {&env, &node}, "job.w.group.g.task.t.config", warnings);
  ASSERT_EQ(warnings.size(), 3u);
  for (const auto& w : warnings) {
    EXPECT_EQ(w.find("robot"), std::string::npos) << w;
    EXPECT_EQ(w.find("unknown.user"), std::string::npos) << w;
    EXPECT_EQ(w.find("et-unterminated"), std::string::npos) << w;
    EXPECT_EQ(w.find("meta.missing"), std::string::npos) << w;
  }
  EXPECT_EQ(warnings[1],
            "job.w.group.g.task.t.config.auth.password: a ${...} reference (not shown: auth "
            "values are secret) resolves to nothing; left as written");
  // Still interpolated as Nomad does; only the messages hold nothing of it.
  EXPECT_EQ(c.auth.password, "s3cr${et-unterminated");
}

TEST(interpolation, config_fields_and_warning_paths) {
  docker_config c;
  c.image = "registry:5000/${MY_ENV}:1";
  c.args = {"-p", "${NOMAD_PORT_http}", "${meta.missing}"};
  c.labels = {{"${MY_ENV}-key", "${node.datacenter}"}};
  c.volumes = {"${MY_ENV}:/data"};
  c.hostname = "${MY_ENV}.local";
  c.pid_mode = "${meta.mode}";
  mount_config m;
  m.target = "/m/${MY_ENV}";
  c.mounts = {m};
  c.logging.config = {{"tag", "${NOMAD_PORT_http}"}};
  string_map env = {{"NOMAD_PORT_http", "23332"}, {"MY_ENV", "hello"}};
  auto client = test::test_client();
  client.node_meta = {{"mode", "host"}};
  auto node = node_values(client, {});
  std::vector<std::string> warnings;
  interpolate_config(c, {&env, &node}, "job.w.group.g.task.t.config", warnings);
  EXPECT_EQ(c.image, "registry:5000/hello:1");
  EXPECT_EQ(c.args, (std::vector<std::string>{"-p", "23332", "${meta.missing}"}));
  EXPECT_EQ(c.labels, (string_map{{"hello-key", "dc1"}}));
  EXPECT_EQ(c.volumes[0], "hello:/data");
  EXPECT_EQ(c.hostname, "hello.local");
  EXPECT_EQ(c.pid_mode, "host");
  EXPECT_EQ(c.mounts[0].target, "/m/hello");
  EXPECT_EQ(c.logging.config["tag"], "23332");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0],
            "job.w.group.g.task.t.config.args[2]: ${meta.missing} resolves to nothing; left as written");
}

} // namespace
