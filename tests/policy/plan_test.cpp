#include "policy/plan.hpp"

#include <gtest/gtest.h>

#include <regex>

#include "policy/rules.hpp"
#include "tests/policy/mapping_fixtures.hpp"

using namespace stevedore;
using namespace stevedore::policy;

namespace {

job_spec counted_job(std::int64_t count) {
  auto job = test::one_task_job();
  job.groups[0].count = count;
  auto sidecar = test::only_task(job);
  sidecar.name = "sidecar";
  job.groups[0].tasks.push_back(sidecar);
  return job;
}

TEST(plan, one_instance_per_task_and_index) {
  auto plan = plan_job(counted_job(3), test::test_client(), test::fixed_plan());
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan.instances.size(), 6u);
  EXPECT_EQ(plan.instances[0].alloc_index, 0);
  EXPECT_EQ(plan.instances[2].alloc_index, 1);
  EXPECT_EQ(plan.instances[5].alloc_name, "web.cache[2]");
}

TEST(plan, tasks_of_one_allocation_share_its_id) {
  auto plan = plan_job(counted_job(2), test::test_client(), test::fixed_plan());
  EXPECT_EQ(plan.instances[0].alloc_id, plan.instances[1].alloc_id);
  EXPECT_NE(plan.instances[0].alloc_id, plan.instances[2].alloc_id);
  EXPECT_EQ(plan.instances[2].alloc_id, plan.instances[3].alloc_id);
}

TEST(plan, given_id_for_first_allocation_then_derived) {
  auto options = test::fixed_plan("seed-1");
  auto plan = plan_job(counted_job(2), test::test_client(), options);
  EXPECT_EQ(plan.instances[0].alloc_id, "seed-1");
  std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  EXPECT_TRUE(std::regex_match(plan.instances[2].alloc_id, uuid)) << plan.instances[2].alloc_id;
  EXPECT_EQ(plan.instances[2].alloc_id, derived_alloc_id("seed-1", "cache", 1, true));
}

TEST(plan, random_ids_are_v4_uuids_and_differ) {
  auto options = test::fixed_plan("");
  auto plan = plan_job(counted_job(2), test::test_client(), options);
  std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  EXPECT_TRUE(std::regex_match(plan.instances[0].alloc_id, uuid)) << plan.instances[0].alloc_id;
  EXPECT_NE(plan.instances[0].alloc_id, plan.instances[2].alloc_id);
}

TEST(plan, same_alloc_id_same_plan_byte_for_byte) {
  auto job = counted_job(3);
  for (auto& t : job.groups[0].tasks)
    t.resources.ports = {{"http", 0, 0, ""}, {"admin", 0, 0, ""}};
  auto a = plan_job(job, test::test_client(), test::fixed_plan("abc"));
  auto b = plan_job(job, test::test_client(), test::fixed_plan("abc"));
  EXPECT_EQ(plan_json(a).dump(), plan_json(b).dump());
  auto c = plan_job(job, test::test_client(), test::fixed_plan("abd"));
  EXPECT_NE(plan_json(a).dump(), plan_json(c).dump());
}

TEST(plan, ports_unique_across_the_plan) {
  auto job = counted_job(4);
  for (auto& t : job.groups[0].tasks)
    t.resources.ports = {{"http", 0, 0, ""}};
  auto options = test::fixed_plan();
  options.taken_ports = {20000, 20001};
  auto plan = plan_job(job, test::test_client(), options);
  std::set<std::int64_t> seen;
  for (const auto& inst : plan.instances)
    for (const auto& p : inst.ports) {
      EXPECT_TRUE(seen.insert(p.host_port).second);
      EXPECT_EQ(options.taken_ports.count(p.host_port), 0u);
    }
  EXPECT_EQ(seen.size(), 8u);
}

TEST(plan, static_port_with_count_conflicts) {
  auto job = test::one_task_job();
  job.groups[0].count = 2;
  test::only_task(job).resources.ports = {{"http", 8080, 0, ""}};
  auto plan = plan_job(job, test::test_client(), test::fixed_plan());
  ASSERT_EQ(plan.problems.size(), 1u);
  EXPECT_EQ(plan.problems[0].kind, errc::conflict);
}

TEST(plan, names_folders_and_labels) {
  auto plan = plan_job(test::one_task_job(), test::test_client(), test::fixed_plan("a1"));
  const auto& inst = plan.instances.at(0);
  EXPECT_EQ(inst.container_name, "redis-a1");
  EXPECT_EQ(inst.alloc_dir, "/srv/stevedore/alloc/a1");
  EXPECT_EQ(inst.shared_dir(), "/srv/stevedore/alloc/a1/alloc");
  EXPECT_EQ(inst.task_dir(), "/srv/stevedore/alloc/a1/redis");
  EXPECT_EQ(inst.local_dir(), "/srv/stevedore/alloc/a1/redis/local");
  EXPECT_EQ(inst.secrets_dir(), "/srv/stevedore/alloc/a1/redis/secrets");
  EXPECT_EQ(inst.labels.at("com.stevedore.alloc_id"), "a1");
  EXPECT_EQ(inst.labels.at("com.stevedore.job"), "web");
  EXPECT_EQ(inst.labels.at("com.stevedore.group"), "cache");
  EXPECT_EQ(inst.labels.at("com.stevedore.task"), "redis");
  EXPECT_EQ(inst.labels.at("com.stevedore.node"), "node-1");
}

TEST(plan, default_alloc_root) {
  auto client = test::test_client();
  client.alloc_root.clear();
  auto plan = plan_job(test::one_task_job(), client, test::fixed_plan("a1"));
  EXPECT_EQ(plan.instances.at(0).alloc_dir, std::string(default_alloc_root) + "/a1");
}

TEST(plan, invalid_alloc_id_rejected) {
  auto plan = plan_job(test::one_task_job(), test::test_client(), test::fixed_plan("../x"));
  ASSERT_EQ(plan.problems.size(), 1u);
  EXPECT_EQ(plan.problems[0].kind, errc::invalid_input);
  EXPECT_TRUE(plan.instances.empty());
}

// Named cases for the pull decision.
struct pull_case {
  const char* name;
  std::string image;
  bool force_pull;
  std::string load;
  pull_policy expect;
  std::string normalised;
};

class pull_decision : public ::testing::TestWithParam<pull_case> {};

TEST_P(pull_decision, decided) {
  const auto& tc = GetParam();
  docker_config c;
  c.image = tc.image;
  c.force_pull = tc.force_pull;
  c.load = tc.load;
  auto plan = plan_job(test::one_task_job(c), test::test_client(), test::fixed_plan("a1"));
  ASSERT_TRUE(plan.ok()) << to_string(plan.problems[0]);
  const auto& inst = plan.instances.at(0);
  EXPECT_EQ(inst.pull, tc.expect);
  EXPECT_EQ(inst.image, tc.normalised);
  if (tc.expect == pull_policy::load_from_tar)
    EXPECT_EQ(inst.image_archive, "/srv/stevedore/alloc/a1/redis/local/" + tc.load);
  else
    EXPECT_TRUE(inst.image_archive.empty());
}

const std::string digest = "sha256:3fbc632167424a6d997e74f52b878d7cc478225cffac6bc977eedfe51c7f4e79";

INSTANTIATE_TEST_SUITE_P(
  cases, pull_decision,
  ::testing::Values(
    pull_case{"fixed_tag_pulls_if_missing", "redis:3.2", false, "", pull_policy::pull_if_missing,
              "docker.io/library/redis:3.2"},
    pull_case{"force_pull_always", "redis:3.2", true, "", pull_policy::always_pull,
              "docker.io/library/redis:3.2"},
    pull_case{"latest_always", "redis:latest", false, "", pull_policy::always_pull,
              "docker.io/library/redis:latest"},
    pull_case{"no_tag_always", "redis", false, "", pull_policy::always_pull,
              "docker.io/library/redis:latest"},
    pull_case{"digest_never_repulled", "redis@" + digest, false, "", pull_policy::digest,
              "docker.io/library/redis@" + digest},
    pull_case{"digest_even_with_force_pull", "redis@" + digest, true, "", pull_policy::digest,
              "docker.io/library/redis@" + digest},
    pull_case{"private_registry_tag", "127.0.0.1:5000/app:1", false, "", pull_policy::pull_if_missing,
              "127.0.0.1:5000/app:1"},
    pull_case{"load_from_tar", "redis:3.2", false, "redis.tar", pull_policy::load_from_tar,
              "docker.io/library/redis:3.2"}),
  [](const auto& info) { return std::string(info.param.name); });

TEST(plan, bad_image_reported) {
  docker_config c;
  c.image = "Not A Valid/Image";
  auto plan = plan_job(test::one_task_job(c), test::test_client(), test::fixed_plan());
  ASSERT_EQ(plan.problems.size(), 1u);
  EXPECT_EQ(plan.problems[0].what, "job.web.group.cache.task.redis.config.image");
}

// check_job sees "${meta.mode}"; only after interpolation is it "host".
TEST(plan, rules_run_again_after_interpolation) {
  docker_config c;
  c.pid_mode = "${meta.mode}";
  c.volumes = {"${meta.path}:/data"};
  auto client = test::test_client();
  client.node_meta = {{"mode", "host"}, {"path", "/etc"}};
  client.volumes_enabled = false;
  auto job = test::one_task_job(c);
  EXPECT_TRUE(check_job(job, client).empty());
  auto plan = plan_job(job, client, test::fixed_plan());
  ASSERT_EQ(plan.problems.size(), 2u);
  EXPECT_EQ(plan.problems[0].what, "job.web.group.cache.task.redis.config.pid_mode");
  EXPECT_EQ(plan.problems[1].what, "job.web.group.cache.task.redis.config.volumes[0]");
}

TEST(plan, problems_and_warnings_not_repeated_per_index) {
  docker_config c;
  c.privileged = true;
  c.args = {"${meta.none}"};
  auto job = test::one_task_job(c);
  job.groups[0].count = 3;
  auto plan = plan_job(job, test::test_client(), test::fixed_plan());
  EXPECT_EQ(plan.problems.size(), 1u);
  EXPECT_EQ(plan.warnings.size(), 1u);
}

// 10,000 instances of one task would otherwise carry 10,000 copies of it.
TEST(plan, a_groups_instances_share_their_task_unless_interpolation_sets_them_apart) {
  auto job = test::one_task_job();
  job.groups[0].count = 3;
  auto plan = plan_job(job, test::test_client(), test::fixed_plan());
  ASSERT_TRUE(plan.ok()) << to_string(plan.problems[0]);
  ASSERT_EQ(plan.instances.size(), 3u);
  EXPECT_TRUE(plan.instances[0].task.shares(plan.instances[1].task));
  EXPECT_TRUE(plan.instances[0].task.shares(plan.instances[2].task));
  EXPECT_EQ(plan.instances[2].task->name, test::only_task(job).name);

  test::only_task(job).config.args = {"--index", "${NOMAD_ALLOC_INDEX}"};
  plan = plan_job(job, test::test_client(), test::fixed_plan());
  ASSERT_TRUE(plan.ok()) << to_string(plan.problems[0]);
  ASSERT_EQ(plan.instances.size(), 3u);
  EXPECT_FALSE(plan.instances[0].task.shares(plan.instances[1].task));
  EXPECT_EQ(plan.instances[1].task->config.args.at(1), "1");
  EXPECT_EQ(plan.instances[2].task->config.args.at(1), "2");
}

TEST(plan, env_reaches_the_create_body_sorted) {
  auto job = test::one_task_job();
  test::only_task(job).env = {{"ZED", "1"}, {"ALPHA", "${NOMAD_ALLOC_INDEX}"}};
  auto plan = plan_job(job, test::test_client(), test::fixed_plan());
  const auto* env = plan.create_bodies.at(0).find("Env");
  ASSERT_NE(env, nullptr);
  ASSERT_FALSE(env->items().empty());
  EXPECT_EQ(env->items().front().as_string(), "ALPHA=0");
  EXPECT_EQ(env->items().back().as_string(), "ZED=1");
  for (size_t i = 1; i < env->items().size(); ++i)
    EXPECT_LT(env->items()[i - 1].as_string(), env->items()[i].as_string());
}

// The image is parsed once, here: the instance carries the struct on to the
// image manager and the registry-auth lookup.
TEST(plan, the_instance_carries_its_image_parsed) {
  docker_config cfg;
  cfg.image = "https://127.0.0.1:5000/team/app:1";
  auto plan = plan_job(test::one_task_job(cfg), test::test_client(), test::fixed_plan());
  ASSERT_TRUE(plan.ok()) << to_string(plan.problems.front());
  const auto& inst = plan.instances.at(0);
  EXPECT_EQ(inst.image, "127.0.0.1:5000/team/app:1");
  EXPECT_EQ(inst.parsed_image->registry, "127.0.0.1:5000");
  EXPECT_EQ(inst.parsed_image->repository, "team/app");
  EXPECT_EQ(inst.parsed_image->tag, "1");
  EXPECT_EQ(inst.parsed_image->digest, "");
}

// A group's instances of one image share one parsed reference (as they
// share the task): ten thousand of them hold it once.
TEST(plan, the_instances_of_one_image_share_its_parsed_reference) {
  docker_config cfg;
  cfg.image = "127.0.0.1:5000/team/app:1";
  auto job = test::one_task_job(cfg);
  job.groups[0].count = 3;
  auto plan = plan_job(job, test::test_client(), test::fixed_plan());
  ASSERT_TRUE(plan.ok()) << to_string(plan.problems.front());
  ASSERT_EQ(plan.instances.size(), 3u);
  EXPECT_TRUE(plan.instances[0].parsed_image.shares(plan.instances[1].parsed_image));
  EXPECT_TRUE(plan.instances[0].parsed_image.shares(plan.instances[2].parsed_image));
}

} // namespace
