// `stevedore plan` and `stevedore info` as a user runs them, where no daemon
// is needed: plan's determinism and problems, info's one-line failures.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/tools/program.hpp"

namespace {

using stevedore::testing::lines;
using stevedore::testing::scratch;

const char* const web_job = R"(job "web" {
  group "cache" {
    count = 2
    task "redis" {
      driver = "docker"
      config {
        image    = "redis:7"
        port_map { db = 6379 }
      }
      resources {
        cpu    = 250
        memory = 128
        network {
          port "db" {}
        }
      }
    }
  }
}
)";

TEST(plan, same_alloc_id_same_bytes_and_every_instance_planned) {
  scratch s;
  ASSERT_TRUE(s.ok());
  auto job = s.write("web.hcl", web_job);
  auto a = s.run("plan " + job + " --alloc-id 0f6c1a2e-5b7d-4c3a-9e1f-2a3b4c5d6e7f");
  auto b = s.run("plan " + job + " --alloc-id 0f6c1a2e-5b7d-4c3a-9e1f-2a3b4c5d6e7f");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out.find(R"("alloc_name": "web.cache[0]")"), std::string::npos) << a.out;
  EXPECT_NE(a.out.find(R"("alloc_name": "web.cache[1]")"), std::string::npos) << a.out;
  EXPECT_NE(a.out.find(R"("container_name": "redis-0f6c1a2e-5b7d-4c3a-9e1f-2a3b4c5d6e7f")"),
            std::string::npos);
  EXPECT_NE(a.out.find(R"("Memory": 134217728)"), std::string::npos) << a.out;
  EXPECT_NE(a.out.find(R"("CpuShares": 250)"), std::string::npos) << a.out;
  EXPECT_NE(a.out.find("\"6379/tcp\""), std::string::npos) << a.out;
  auto other = s.run("plan " + job + " --alloc-id 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d");
  ASSERT_EQ(other.exit_code, 0) << other.err;
  EXPECT_NE(a.out, other.out);
}

TEST(plan, bad_job_is_one_line_per_problem_and_exit_1) {
  scratch s;
  ASSERT_TRUE(s.ok());
  auto job = s.write("bad.hcl", R"(job "web" {
  task "t" {
    driver = "docker"
    config {
      image  = ""
      ulimit { nofile = "x:y" }
    }
  }
}
)");
  auto o = s.run("plan " + job);
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_TRUE(o.out.empty()) << o.out;
  EXPECT_GE(lines(o.err), 2u) << o.err;
  EXPECT_NE(o.err.find("bad.hcl"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("config.image"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("config.ulimit.nofile"), std::string::npos) << o.err;
}

TEST(plan, count_over_the_node_limit_is_one_line_and_no_plan) {
  scratch s;
  ASSERT_TRUE(s.ok());
  std::string text = web_job;
  // Before the limit, 5,000 instances were planned and printed (1 s), and
  // 70,000 took minutes and gigabytes.
  text.replace(text.find("count = 2"), 9, "count = 5000");
  auto started = std::chrono::steady_clock::now();
  auto o = s.run("plan " + s.write("big.hcl", text));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_TRUE(o.out.empty()) << o.out.substr(0, 200);
  EXPECT_EQ(o.err,
            "big.hcl: job.web.group.cache.count: count 5000 is over this node's limit of 1000 "
            "(stevedore.job.max_count)\n");
}

// An HCL2 job with its variables from -var (Nomad's one-dash spelling and
// the two-dash one), -var-file, NOMAD_VAR_*, and file() beside the job.
TEST(plan, hcl2_variables_from_flags_files_and_the_environment) {
  scratch s;
  ASSERT_TRUE(s.ok());
  auto job = s.write("vars.nomad", R"(variable "image" {
  type = string
}
variable "count" {
  type    = number
  default = 1
}
variable "motd" {
  default = "none"
}
job "web" {
  group "g" {
    count = var.count
    task "t" {
      driver = "docker"
      config {
        image = var.image
        args  = [var.motd, trimspace(file("extra.txt"))]
      }
    }
  }
}
)");
  s.write("extra.txt", "from-a-file\n");
  s.write("more.vars", "count = 2\n");
  auto o = s.run_under("NOMAD_VAR_motd=from-env", "plan " + job +
                       " -var image=redis:7 --var-file more.vars --alloc-id a1");
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find(R"("alloc_name": "web.g[1]")"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find(R"("image": "docker.io/library/redis:7")"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("\"from-env\""), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("\"from-a-file\""), std::string::npos) << o.out;
  auto missing = s.run("validate " + job);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.out, "vars.nomad:1:1: variable \"image\" has no value: give it a default, or "
                         "set it with -var image=..., -var-file or NOMAD_VAR_image\n");
  auto bad = s.run("validate " + job + " --var image");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.out, "-var image: expected name=value\n");
}

TEST(plan, missing_file_names_it) {
  scratch s;
  ASSERT_TRUE(s.ok());
  auto o = s.run("plan no-such-job.hcl");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(lines(o.err), 1u) << o.err;
  EXPECT_NE(o.err.find("no-such-job.hcl"), std::string::npos) << o.err;
}

// The agent, run until `timeout` sends SIGTERM; its daemon is a socket that
// does not exist, which is enough to start, serve and stop.
stevedore::testing::outcome run_agent_briefly(scratch& s, const std::string& settings) {
  s.write("client.hcl", "client {\n  options {\n    \"docker.endpoint\" = "
                        "\"unix:///nonexistent/stevedore-test.sock\"\n" + settings + "  }\n}\n");
  return s.run_under("timeout --preserve-status -s TERM 3",
                     "agent --listen 127.0.0.1:0 --state-dir state --config client.hcl");
}

TEST(agent, warns_once_at_start_when_the_api_is_root_on_the_node) {
  scratch s;
  ASSERT_TRUE(s.ok());
  auto o = run_agent_briefly(s, "");
  EXPECT_EQ(o.exit_code, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("listening on http://127.0.0.1:"), std::string::npos) << o.out;
  std::size_t warnings = 0;
  for (std::size_t at = 0; (at = o.err.find("stevedore agent: warning: ", at)) != std::string::npos; ++at)
    ++warnings;
  EXPECT_EQ(warnings, 1u) << o.err;
  EXPECT_NE(o.err.find("docker.volumes.enabled"), std::string::npos) << o.err;
}

TEST(agent, locked_down_settings_start_without_the_warning) {
  scratch s;
  ASSERT_TRUE(s.ok());
  auto o = run_agent_briefly(s, "    \"docker.volumes.enabled\" = \"false\"\n");
  EXPECT_EQ(o.exit_code, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("listening on"), std::string::npos) << o.out;
  EXPECT_EQ(o.err.find("warning: whoever"), std::string::npos) << o.err;
}

// A state file the agent cannot read stops it before anything starts, in
// one line naming the file; the file is left as it was.
TEST(agent, refuses_to_start_on_a_corrupt_state_file) {
  scratch s;
  ASSERT_TRUE(s.ok());
  std::filesystem::create_directories(s.dir() / "state");
  const std::string junk(4096, 'j');
  const auto path = s.dir() / s.write("state/state.db", junk);
  s.write("client.hcl", "client {\n  options {\n    \"docker.endpoint\" = "
                        "\"unix:///nonexistent/stevedore-test.sock\"\n  }\n}\n");
  auto o = s.run("agent --listen 127.0.0.1:0 --state-dir state --config client.hcl");
  EXPECT_EQ(o.exit_code, 1) << o.out << o.err;
  EXPECT_EQ(lines(o.err), 1u) << o.err;
  EXPECT_NE(o.err.find("state.db"), std::string::npos) << o.err;
  EXPECT_EQ(o.out.find("listening"), std::string::npos) << o.out;
  std::ifstream in(path, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), junk);
}

TEST(info, unreachable_endpoint_is_one_line_and_exit_1) {
  scratch s;
  ASSERT_TRUE(s.ok());
  auto o = s.run("info --timeout 2 --endpoint unix:///nonexistent/stevedore-test.sock");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_TRUE(o.out.empty()) << o.out;
  EXPECT_EQ(lines(o.err), 1u) << o.err;
  EXPECT_NE(o.err.find("/nonexistent/stevedore-test.sock"), std::string::npos) << o.err;
}

TEST(info, bad_client_settings_name_the_option) {
  scratch s;
  ASSERT_TRUE(s.ok());
  auto cfg = s.write("client.hcl", R"(client {
  options {
    "docker.endpoint" = 42
  }
}
)");
  auto o = s.run("info --config " + cfg);
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find("client.hcl"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("docker.endpoint"), std::string::npos) << o.err;
}

} // namespace
