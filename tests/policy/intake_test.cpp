// The job intake: read -> check -> plan, each step only when the ones before
// found no problem; the same answer from text, from a parsed tree and from a
// decoded job; a checked job is not checked again.
#include "policy/intake.hpp"

#include <gtest/gtest.h>

#include "policy/rules.hpp"
#include "tests/policy/mapping_fixtures.hpp"

using namespace stevedore;
using namespace stevedore::policy;

namespace {

const std::string good_hcl = R"(job "web" {
  group "cache" {
    count = 2
    task "redis" {
      driver = "docker"
      config {
        image = "redis:3.2"
      }
    }
  }
})";

// good_hcl with `line` put into the task's config block.
std::string with_config(const std::string& line) {
  auto text = good_hcl;
  text.insert(text.find("image ="), line + "\n        ");
  return text;
}

// good_hcl with its image replaced.
std::string with_image(const std::string& image) {
  auto text = good_hcl;
  text.replace(text.find("redis:3.2"), 9, image);
  return text;
}

intake_options options(intake_step last = intake_step::plan) {
  intake_options o;
  o.file_name = "job.nomad";
  o.client = test::test_client();
  o.last = last;
  o.plan = test::fixed_plan();
  return o;
}

struct intake_case {
  const char* name;
  std::string text;
  intake_step last;
  bool privileged_enabled;
  intake_step expect_step;
  std::size_t expect_instances;
  errc expect_kind;             // of the first problem; ok: no problem
  std::string expect_what;      // the first problem's `what` ends with this
};

void PrintTo(const intake_case& c, std::ostream* os) {
  *os << c.name;
}

class intake_table : public ::testing::TestWithParam<intake_case> {};

TEST_P(intake_table, steps) {
  const auto& tc = GetParam();
  auto o = options(tc.last);
  o.client.privileged_enabled = tc.privileged_enabled;
  auto r = intake(tc.text, o);
  std::string all;
  for (const auto& p : r.problems)
    all += to_string(p) + "\n";
  EXPECT_EQ(to_string(r.step), std::string(to_string(tc.expect_step))) << all;
  EXPECT_EQ(r.instances.size(), tc.expect_instances);
  if (tc.expect_kind == errc::ok) {
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : to_string(r.problems.front()));
    EXPECT_EQ(r.job.name, "web");
    return;
  }
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problems.front().kind, tc.expect_kind) << to_string(r.problems.front());
  const auto& what = r.problems.front().what;
  ASSERT_GE(what.size(), tc.expect_what.size()) << to_string(r.problems.front());
  EXPECT_EQ(what.substr(what.size() - tc.expect_what.size()), tc.expect_what)
    << to_string(r.problems.front());
}

INSTANTIATE_TEST_SUITE_P(
  cases, intake_table,
  ::testing::Values(
    intake_case{"good_job_is_planned", good_hcl, intake_step::plan, false, intake_step::plan, 2,
                errc::ok, ""},
    intake_case{"nomad_json_form_is_planned",
                R"({"Job": {"ID": "web", "TaskGroups": [{"Name": "cache", "Count": 2, "Tasks": [
                     {"Name": "redis", "Driver": "docker", "Config": {"image": "redis:3.2"}}]}]}})",
                intake_step::plan, false, intake_step::plan, 2, errc::ok, ""},
    intake_case{"syntax_error_stops_at_read", "job \"web\" {\n  group \"cache\" {\n", intake_step::plan,
                false, intake_step::read, 0, errc::invalid_input, ""},
    intake_case{"unknown_field_stops_at_read", with_config("colour = \"red\""), intake_step::plan,
                false, intake_step::read, 0, errc::invalid_input, "config.colour"},
    intake_case{"client_rule_stops_at_check", with_config("privileged = true"), intake_step::plan,
                false, intake_step::check, 0, errc::not_permitted, "config.privileged"},
    intake_case{"client_settings_allow_it", with_config("privileged = true"), intake_step::plan, true,
                intake_step::plan, 2, errc::ok, ""},
    intake_case{"validate_stops_after_check", good_hcl, intake_step::check, false, intake_step::check,
                0, errc::ok, ""},
    intake_case{"read_only_leaves_the_rules_out", with_config("privileged = true"), intake_step::read,
                false, intake_step::read, 0, errc::ok, ""},
    intake_case{"bad_image_is_a_plan_problem", with_image("${NOMAD_META_none}Redis"),
                intake_step::plan, false, intake_step::plan, 2, errc::invalid_input, "config.image"}),
  [](const auto& info) { return std::string(info.param.name); });

// A value that becomes "host" only once interpolated passes `check` (which
// leaves "${...}" for later) and is refused by `plan`.
TEST(intake, interpolated_values_are_judged_at_plan) {
  auto text = good_hcl;
  text.insert(text.find("  group"), "  meta { mode = \"host\" }\n");
  text.insert(text.find("image ="), "pid_mode = \"${NOMAD_META_mode}\"\n        ");
  auto r = intake(text, options());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.step, intake_step::plan);
  EXPECT_EQ(r.problems.front().kind, errc::not_permitted) << to_string(r.problems.front());
  EXPECT_EQ(r.problems.front().what, "job.web.group.cache.task.redis.config.pid_mode");
  EXPECT_TRUE(r.job.checked) << "it passed check";
}

TEST(intake, warnings_of_every_step_in_order) {
  auto text = good_hcl;
  text.insert(text.find("  group"), "  update { max_parallel = 1 }\n");
  text.insert(text.find("image ="), "hostname = \"${NOMAD_META_nowhere}\"\n        ");
  auto r = intake(text, options());
  ASSERT_TRUE(r.ok()) << to_string(r.problems.front());
  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_NE(r.warnings[0].find("job.nomad:"), std::string::npos) << r.warnings[0];
  EXPECT_NE(r.warnings[0].find("update"), std::string::npos) << r.warnings[0];
  EXPECT_NE(r.warnings[1].find("config.hostname"), std::string::npos) << r.warnings[1];
}

TEST(intake, read_problems_name_the_file_and_place) {
  auto r = intake(with_config("colour = \"red\""), options());
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].message.rfind("job.nomad:7:", 0), 0u) << to_string(r.problems[0]);
}

TEST(intake, create_bodies_only_when_asked) {
  auto o = options();
  auto kept = intake(good_hcl, o);
  EXPECT_EQ(kept.create_bodies.size(), 2u);
  o.plan.keep_create_body = false;
  auto dropped = intake(good_hcl, o);
  EXPECT_TRUE(dropped.create_bodies.empty());
  ASSERT_EQ(dropped.instances.size(), 2u);
  EXPECT_EQ(dropped.instances[0].create_body_text, kept.instances[0].create_body_text);
}

TEST(intake, a_tree_gives_what_its_text_gives) {
  const std::string text =
    R"({"Job": {"ID": "web", "TaskGroups": [{"Name": "cache", "Tasks": [
         {"Name": "redis", "Driver": "docker", "Config": {"image": "redis:3.2", "args": [1, 2]}}]}]}})";
  auto tree = parse_json(text, "job.nomad");
  ASSERT_TRUE(tree);
  auto from_tree = intake(*tree, options());
  auto from_text = intake(text, options());
  ASSERT_TRUE(from_tree.ok()) << to_string(from_tree.problems.front());
  ASSERT_EQ(from_tree.instances.size(), 1u);
  ASSERT_EQ(from_text.instances.size(), 1u);
  EXPECT_EQ(from_tree.instances[0].container_name, from_text.instances[0].container_name);
  EXPECT_EQ(from_tree.instances[0].create_body_text, from_text.instances[0].create_body_text);
}

TEST(intake, a_decoded_job_starts_at_check) {
  docker_config c;
  c.privileged = true;
  auto r = intake(test::one_task_job(c), options());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.step, intake_step::check);
  EXPECT_FALSE(r.job.checked);
}

// The agent's API checks; the supervisor's intake then only plans.
TEST(intake, a_checked_job_is_not_checked_again) {
  auto checked = intake(good_hcl, options(intake_step::check));
  ASSERT_TRUE(checked.ok());
  ASSERT_TRUE(checked.job.checked);
  auto planned = intake(checked.job, options());
  ASSERT_TRUE(planned.ok()) << to_string(planned.problems.front());
  EXPECT_EQ(planned.instances.size(), 2u);

  // Marked checked and still breaking a rule (changed after its check): the
  // plan judges every value again and refuses it.
  auto changed = checked.job;
  changed.groups[0].tasks[0].config.privileged = true;
  auto refused = intake(changed, options());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.step, intake_step::plan) << "check was not run again";
  EXPECT_EQ(refused.problems.front().kind, errc::not_permitted);
  EXPECT_EQ(refused.problems.front().what, "job.web.group.cache.task.redis.config.privileged");
}

TEST(intake, a_refusal_is_one_line_with_every_problem) {
  docker_config c;
  c.privileged = true;
  c.pid_mode = "host";
  auto job = test::one_task_job(c);
  auto r = intake(job, options());
  ASSERT_EQ(r.problems.size(), 2u);
  auto e = refusal(job, r.problems);
  EXPECT_EQ(e.kind, errc::not_permitted);
  EXPECT_EQ(e.what, "start job web");
  EXPECT_EQ(e.message, to_string(r.problems[0]) + "; " + to_string(r.problems[1]));
}

// POST /v1/tasks: one task becomes a job of one group of one, named after
// the task, its problems at the task's own places.
TEST(job_of_task, one_group_of_one_with_the_tasks_own_positions) {
  const std::string body = "{\"Name\": \"one\", \"Driver\": \"docker\",\n \"Config\": {\"image\": [\"x\"]}}";
  auto task = parse_json(body, "body");
  ASSERT_TRUE(task);
  auto o = options(intake_step::check);
  o.file_name = "body";
  auto bad = intake(job_of_task(std::move(*task), "solo", "one"), o);
  ASSERT_EQ(bad.problems.size(), 1u);
  EXPECT_EQ(bad.step, intake_step::read);
  EXPECT_EQ(bad.problems[0].what, "job.solo.group.one.task.one.config.image");
  EXPECT_EQ(bad.problems[0].message.rfind("body:2:22:", 0), 0u) << to_string(bad.problems[0]);

  auto good = parse_json(R"({"Name": "one", "Driver": "docker", "Config": {"image": "busybox:1"}})", "body");
  ASSERT_TRUE(good);
  auto r = intake(job_of_task(std::move(*good), "solo", "one"), options());
  ASSERT_TRUE(r.ok()) << to_string(r.problems.front());
  EXPECT_EQ(r.job.name, "solo");
  ASSERT_EQ(r.job.groups.size(), 1u);
  EXPECT_EQ(r.job.groups[0].name, "one");
  ASSERT_EQ(r.instances.size(), 1u);
  EXPECT_EQ(r.instances[0].container_name, "one-" + r.instances[0].alloc_id);
  EXPECT_EQ(r.instances[0].image, "docker.io/library/busybox:1");
}

} // namespace
