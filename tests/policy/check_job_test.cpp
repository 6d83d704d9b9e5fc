// check_job: privilege, namespace modes, runtime, load, and that every
// problem of every task is reported with its path.
#include "policy/rules.hpp"

#include <gtest/gtest.h>

#include "tests/policy/mapping_fixtures.hpp"

using namespace stevedore;
using namespace stevedore::policy;

namespace {

const std::string config_path = "job.web.group.cache.task.redis.config";

struct rule_case {
  const char* name;
  void (*set)(docker_config&);
  bool privileged_enabled;
  std::string expect_what; // empty: no problem
};

class privilege_rules : public ::testing::TestWithParam<rule_case> {};

TEST_P(privilege_rules, judged) {
  const auto& tc = GetParam();
  docker_config cfg;
  tc.set(cfg);
  auto client = test::test_client();
  client.privileged_enabled = tc.privileged_enabled;
  auto problems = check_job(test::one_task_job(cfg), client);
  if (tc.expect_what.empty()) {
    EXPECT_TRUE(problems.empty()) << (problems.empty() ? "" : to_string(problems[0]));
    return;
  }
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].kind, errc::not_permitted);
  EXPECT_EQ(problems[0].what, config_path + "." + tc.expect_what);
  EXPECT_NE(problems[0].message.find("docker.privileged.enabled"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
  cases, privilege_rules,
  ::testing::Values(
    rule_case{"plain_task_passes", [](docker_config&) {}, false, ""},
    rule_case{"privileged_denied", [](docker_config& c) { c.privileged = true; }, false, "privileged"},
    rule_case{"privileged_allowed_when_enabled", [](docker_config& c) { c.privileged = true; }, true, ""},
    rule_case{"pid_host_denied", [](docker_config& c) { c.pid_mode = "host"; }, false, "pid_mode"},
    rule_case{"ipc_host_denied", [](docker_config& c) { c.ipc_mode = "host"; }, false, "ipc_mode"},
    rule_case{"uts_host_denied", [](docker_config& c) { c.uts_mode = "host"; }, false, "uts_mode"},
    rule_case{"userns_host_denied", [](docker_config& c) { c.userns_mode = "host"; }, false, "userns_mode"},
    rule_case{"host_mode_any_case_denied", [](docker_config& c) { c.pid_mode = "HOST"; }, false, "pid_mode"},
    rule_case{"pid_host_allowed_when_enabled", [](docker_config& c) { c.pid_mode = "host"; }, true, ""},
    rule_case{"userns_host_allowed_when_enabled", [](docker_config& c) { c.userns_mode = "host"; }, true, ""},
    rule_case{"ipc_container_mode_allowed", [](docker_config& c) { c.ipc_mode = "container:db"; }, false, ""},
    rule_case{"network_host_allowed_as_in_nomad", [](docker_config& c) { c.network_mode = "host"; }, false, ""}),
  [](const auto& info) { return std::string(info.param.name); });

TEST(check_job, every_problem_of_every_task_is_reported) {
  docker_config cfg;
  cfg.privileged = true;
  cfg.pid_mode = "host";
  cfg.cap_add = {"SYS_ADMIN"};
  cfg.volumes = {"/etc:/host-etc"};
  auto job = test::one_task_job(cfg);
  auto second = test::only_task(job);
  second.name = "sidecar";
  job.groups[0].tasks.push_back(second);
  auto client = test::test_client();
  client.volumes_enabled = false;
  auto problems = check_job(job, client);
  ASSERT_EQ(problems.size(), 8u);
  EXPECT_EQ(problems[0].what, config_path + ".cap_add");
  EXPECT_EQ(problems[4].what, "job.web.group.cache.task.sidecar.config.cap_add");
  for (const auto& p : problems)
    EXPECT_EQ(p.kind, errc::not_permitted) << to_string(p);
}

TEST(check_job, runtime_must_be_allowed) {
  docker_config cfg;
  cfg.runtime = "kata";
  auto problems = check_job(test::one_task_job(cfg), test::test_client());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].what, config_path + ".runtime");
  EXPECT_EQ(problems[0].kind, errc::not_permitted);
  EXPECT_NE(problems[0].message.find("kata"), std::string::npos);
}

TEST(check_job, allowed_runtime_passes) {
  docker_config cfg;
  cfg.runtime = "nvidia";
  EXPECT_TRUE(check_job(test::one_task_job(cfg), test::test_client()).empty());
}

TEST(check_job, load_cannot_leave_the_local_dir) {
  docker_config cfg;
  cfg.load = "../../../etc/shadow";
  auto problems = check_job(test::one_task_job(cfg), test::test_client());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].what, config_path + ".load");
}

TEST(check_job, load_inside_local_dir_passes) {
  docker_config cfg;
  cfg.load = "images/redis.tar";
  EXPECT_TRUE(check_job(test::one_task_job(cfg), test::test_client()).empty());
}

} // namespace

namespace {

// Values holding ${...} are judged after interpolation (plan_job), so the
// job as written is not rejected for what it may become.
TEST(check_job, references_are_left_for_the_interpolated_run) {
  docker_config cfg;
  cfg.cap_add = {"${meta.cap}"};
  cfg.runtime = "${meta.runtime}";
  cfg.volumes = {"data:${NOMAD_TASK_DIR}/data", "${meta.vol}"};
  mount_config m;
  m.target = "${NOMAD_SECRETS_DIR}/x";
  m.source = "vol";
  cfg.mounts = {m};
  cfg.load = "${meta.tar}";
  EXPECT_TRUE(check_job(test::one_task_job(cfg), test::test_client()).empty());
}

TEST(check_job, plan_judges_the_interpolated_values) {
  docker_config cfg;
  cfg.cap_add = {"${meta.cap}"};
  cfg.runtime = "${meta.runtime}";
  auto client = test::test_client();
  client.node_meta = {{"cap", "SYS_ADMIN"}, {"runtime", "kata"}};
  auto plan = plan_job(test::one_task_job(cfg), client, test::fixed_plan());
  ASSERT_EQ(plan.problems.size(), 2u);
  EXPECT_EQ(plan.problems[0].what, config_path + ".cap_add");
  EXPECT_EQ(plan.problems[1].what, config_path + ".runtime");
}

TEST(check_job, escaped_reference_is_judged_literally_after_interpolation) {
  docker_config cfg;
  cfg.cap_add = {"$${x}"};
  auto plan = plan_job(test::one_task_job(cfg), test::test_client(), test::fixed_plan());
  ASSERT_EQ(plan.problems.size(), 1u);
  EXPECT_EQ(plan.problems[0].kind, errc::invalid_input); // "${x}" is no capability
}

} // namespace

// A task written outside any group is reported at the path the user wrote,
// the same one decoding uses: no invented ".group." in it.
TEST(check_job, task_outside_a_group_keeps_its_written_path) {
  auto job = read_job(R"(job "web" {
  task "t" {
    driver = "docker"
    config {
      image      = "redis:3.2"
      privileged = true
    }
  }
})", "web.nomad");
  ASSERT_TRUE(job.ok()) << to_string(job.problems.front());
  ASSERT_EQ(job.value.groups.size(), 1u);
  EXPECT_TRUE(job.value.groups[0].implicit);
  auto problems = check_job(job.value, test::test_client());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].what, "job.web.task.t.config.privileged");
}

namespace {

// ---- limits of what one job may ask ----------------------------------------

TEST(job_limits, count_over_the_limit_is_one_problem_naming_the_setting) {
  docker_config cfg;
  cfg.privileged = true; // would be a problem too, but the limit comes first and alone
  auto job = test::one_task_job(cfg);
  job.groups[0].count = 100000000;
  auto problems = check_job(job, test::test_client());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].kind, errc::not_permitted);
  EXPECT_EQ(problems[0].what, "job.web.group.cache.count");
  EXPECT_EQ(problems[0].message,
            "count 100000000 is over this node's limit of 1000 (stevedore.job.max_count)");
}

TEST(job_limits, instances_count_every_group) {
  auto job = test::one_task_job(docker_config{});
  job.groups[0].count = 600;
  job.groups.push_back(job.groups[0]);
  job.groups[1].name = "other";
  auto client = test::test_client();
  EXPECT_TRUE(check_job_limits(job, client).empty());
  client.max_job_instances = 1199;
  auto problems = check_job_limits(job, client);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].what, "job.web");
  EXPECT_NE(problems[0].message.find("1200 task instances"), std::string::npos)
    << problems[0].message;
}

TEST(job_limits, tasks_over_the_limit) {
  auto job = test::one_task_job(docker_config{});
  auto client = test::test_client();
  client.max_job_tasks = 1;
  job.groups[0].tasks.push_back(job.groups[0].tasks[0]);
  job.groups[0].tasks[1].name = "second";
  auto problems = check_job_limits(job, client);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].message,
            "2 tasks are over this node's limit of 1 (stevedore.job.max_tasks)");
}

TEST(job_limits, size_is_judged_before_parsing) {
  auto client = test::test_client();
  client.max_job_bytes = 10;
  EXPECT_FALSE(check_job_size(10, client, "body"));
  auto e = check_job_size(11, client, "body");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->what, "body");
  EXPECT_EQ(e->message,
            "the job is 11 bytes, over this node's limit of 10 bytes (stevedore.job.max_size)");
}

} // namespace

namespace {

// ---- what the agent warns about at start ------------------------------------

TEST(root_equivalent_settings, the_specification_defaults_warn_about_volumes) {
  auto line = root_equivalent_settings(client_config{});
  EXPECT_NE(line.find("docker.volumes.enabled (bind mounts of any host path"), std::string::npos)
    << line;
  EXPECT_EQ(line.find("docker.privileged.enabled"), std::string::npos) << line;
  EXPECT_NE(line.find("set docker.volumes.enabled off"), std::string::npos) << line;
}

TEST(root_equivalent_settings, every_dangerous_setting_is_named) {
  client_config c;
  c.privileged_enabled = true;
  c.caps_whitelist = {"ALL"};
  auto line = root_equivalent_settings(c);
  EXPECT_NE(line.find("docker.volumes.enabled"), std::string::npos) << line;
  EXPECT_NE(line.find("docker.privileged.enabled"), std::string::npos) << line;
  EXPECT_NE(line.find("docker.caps.whitelist = ALL"), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(root_equivalent_settings, locked_down_settings_say_nothing) {
  client_config c;
  c.volumes_enabled = false;
  EXPECT_EQ(root_equivalent_settings(c), "");
}

} // namespace
