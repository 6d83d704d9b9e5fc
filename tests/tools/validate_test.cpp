// `stevedore validate`: the built program on good and bad files, checking the
// exit code, the problem lines on stdout and the warnings on stderr.
#include <string>

#include <gtest/gtest.h>

#include "tests/tools/program.hpp"

namespace {

using stevedore::testing::outcome;

class validate : public ::testing::Test {
protected:
  void SetUp() override { ASSERT_TRUE(dir_.ok()); }

  // Writes NAME into the temporary directory; returns its bare name (the
  // program runs in that directory, so messages carry short names).
  std::string write(const std::string& name, const std::string& text) {
    return dir_.write(name, text);
  }

  outcome run(const std::string& args) { return dir_.run("validate " + args); }

  stevedore::testing::scratch dir_;
};

const char* const good_job = R"(job "web" {
  datacenters = ["dc1"]
  group "cache" {
    count = 2
    task "redis" {
      driver = "docker"
      config {
        image = "redis:3.2"
        port_map {
          db = 6379
        }
      }
      resources {
        network {
          port "db" {}
        }
      }
    }
  }
}
)";

TEST_F(validate, good_job_exits_zero) {
  auto o = run(write("job.hcl", good_job));
  EXPECT_EQ(o.exit_code, 0) << o.out << o.err;
  EXPECT_EQ(o.out, "job.hcl: job \"web\" is valid (1 group, 1 task)\n");
  EXPECT_EQ(o.err, "");
}

TEST_F(validate, good_json_job_exits_zero) {
  auto o = run(write("job.json", R"({"Job": {"ID": "web", "TaskGroups": [{"Name": "g", "Tasks": [
  {"Name": "a", "Driver": "docker", "Config": {"image": "redis"}},
  {"Name": "b", "Driver": "docker", "Config": {"image": "busybox"}}]}]}})"));
  EXPECT_EQ(o.exit_code, 0) << o.out << o.err;
  EXPECT_EQ(o.out, "job.json: job \"web\" is valid (1 group, 2 tasks)\n");
}

TEST_F(validate, every_problem_one_line_each_place_first) {
  auto o = run(write("bad.hcl", R"(job "web" {
  group "cache" {
    task "redis" {
      driver = "docker"
      config {
        image = "Redis"
        ulimitt {
          nofile = "1"
        }
        ulimit {
          nproc = "10:5"
        }
      }
    }
  }
}
)"));
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.out,
            "bad.hcl:6:17: job.web.group.cache.task.redis.config.image: \"Redis\" is not a valid "
            "image reference: repository name must be lowercase\n"
            "bad.hcl:7:9: job.web.group.cache.task.redis.config.ulimitt: unknown option\n"
            "bad.hcl:11:19: job.web.group.cache.task.redis.config.ulimit.nproc: soft limit 10 is "
            "greater than hard limit 5\n");
  EXPECT_EQ(o.err, "");
}

TEST_F(validate, syntax_error) {
  auto o = run(write("broken.hcl", "job \"web\" {\n  group \"cache\" {\n"));
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.out, "broken.hcl:2:17: block 'group' is not closed: expected '}' before end of file\n");
}

TEST_F(validate, warnings_go_to_stderr_and_do_not_fail) {
  auto o = run(write("job.hcl", R"(job "web" {
  update {
    max_parallel = 1
  }
  task "t" {
    driver = "docker"
    config {
      image = "redis"
      SSL = true
    }
  }
}
)"));
  EXPECT_EQ(o.exit_code, 0) << o.out;
  EXPECT_EQ(o.err,
            "warning: job.hcl:2:3: job.web.update: not supported by stevedore; ignored\n"
            "warning: job.hcl:9:13: job.web.task.t.config.SSL: deprecated since Nomad 0.5.3 and "
            "ignored\n");
}

TEST_F(validate, unreadable_job_file) {
  auto o = run("missing.hcl");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.out, "missing.hcl: cannot read the job file: No such file or directory\n");
  auto d = run(".");
  EXPECT_EQ(d.exit_code, 1);
  EXPECT_EQ(d.out, ".: cannot read the job file: it is a directory\n");
}

TEST_F(validate, unreadable_client_settings) {
  auto o = run(write("job.hcl", good_job) + " --config nope.hcl");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.out, "nope.hcl: cannot read the client settings: No such file or directory\n");
}

TEST_F(validate, client_settings_problems_name_their_file) {
  write("client.hcl", "client {\n  options {\n    \"docker.cleanup.image\" = \"perhaps\"\n  }\n}\n");
  auto o = run(write("job.hcl", good_job) + " --config client.hcl");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.out,
            "client.hcl:3:30: client.options[\"docker.cleanup.image\"]: expected a bool, got "
            "\"perhaps\"\n");
}

const char* const privileged_job = R"(job "web" {
  task "t" {
    driver = "docker"
    config {
      image = "redis"
      privileged = true
    }
  }
}
)";

TEST_F(validate, client_rules_apply_with_default_settings) {
  // Privileged containers are off unless the client enables them.
  auto o = run(write("job.hcl", privileged_job));
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.out,
            "job.hcl: job.web.task.t.config.privileged: privileged containers are "
            "disabled on this node (docker.privileged.enabled is false)\n");
}

TEST_F(validate, client_settings_can_allow_what_the_defaults_refuse) {
  write("client.hcl",
        "client {\n  options {\n    \"docker.privileged.enabled\" = \"true\"\n  }\n}\n");
  auto o = run(write("job.hcl", privileged_job) + " --config client.hcl");
  EXPECT_EQ(o.exit_code, 0) << o.out << o.err;
}

std::string job_with_count(const std::string& count) {
  std::string job = good_job;
  job.replace(job.find("count = 2"), 9, "count = " + count);
  return job;
}

TEST_F(validate, huge_count_is_refused_in_one_line) {
  auto o = run(write("job.hcl", job_with_count("100000000")));
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.out,
            "job.hcl: job.web.group.cache.count: count 100000000 is over this node's limit of "
            "1000 (stevedore.job.max_count)\n");
}

TEST_F(validate, job_limits_are_client_settings) {
  write("client.hcl", "client {\n  options {\n    \"stevedore.job.max_count\" = 5\n"
                      "    \"stevedore.job.max_instances\" = 4\n  }\n}\n");
  auto over = run(write("job.hcl", job_with_count("6")) + " --config client.hcl");
  EXPECT_EQ(over.exit_code, 1);
  EXPECT_EQ(over.out,
            "job.hcl: job.web.group.cache.count: count 6 is over this node's limit of 5 "
            "(stevedore.job.max_count)\n");
  auto instances = run(write("job.hcl", job_with_count("5")) + " --config client.hcl");
  EXPECT_EQ(instances.exit_code, 1);
  EXPECT_EQ(instances.out,
            "job.hcl: job.web: 5 task instances (count x tasks of every group) are over this "
            "node's limit of 4 (stevedore.job.max_instances)\n");
  auto within = run(write("job.hcl", job_with_count("4")) + " --config client.hcl");
  EXPECT_EQ(within.exit_code, 0) << within.out << within.err;
}

TEST_F(validate, job_file_over_the_size_limit_is_refused_unparsed) {
  write("client.hcl", "client {\n  options {\n    \"stevedore.job.max_size\" = 100\n  }\n}\n");
  std::string job = good_job;
  auto o = run(write("job.hcl", job) + " --config client.hcl");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.out, "job.hcl: job: the job is " + std::to_string(job.size()) +
                     " bytes, over this node's limit of 100 bytes (stevedore.job.max_size)\n");
}

// A file that tries to paint "job \"j\" is valid" over its own problem line.
TEST_F(validate, escapes_in_values_are_printed_as_escapes) {
  auto o = run(write("job.hcl", R"(job "j\u001b[2K\rjob \"j\" is valid\n" {
  task "t" {
    driver = "docker"
    config { image = "redis\r\u001b[1A" }
  }
}
)"));
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.out.find('\x1b'), std::string::npos) << o.out;
  EXPECT_EQ(o.out.find('\r'), std::string::npos) << o.out;
  EXPECT_EQ(o.err.find('\x1b'), std::string::npos) << o.err;
  EXPECT_NE(o.out.find("\\u001b[2K\\rjob"), std::string::npos) << o.out;
  // One line per problem: the newline inside the name is an escape too.
  for (std::size_t at = 0; (at = o.out.find('\n', at)) != std::string::npos; ++at)
    EXPECT_TRUE(at + 1 == o.out.size() || o.out.compare(at + 1, 7, "job.hcl") == 0) << o.out;
}

TEST_F(validate, a_huge_value_is_cut_in_its_message) {
  std::string job = "job \"web\" {\n  task \"t\" {\n    driver = \"docker\"\n"
                    "    config { image = \"" + std::string(900000, 'A') + "\" }\n  }\n}\n";
  auto o = run(write("job.hcl", job));
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_LT(o.out.size(), 3000u) << o.out.substr(0, 300);
  EXPECT_NE(o.out.find("more bytes"), std::string::npos) << o.out.substr(0, 300);
}

TEST_F(validate, plan_prints_problems_in_the_same_format) {
  auto bad = write("bad.hcl", R"(job "web" {
  task "t" {
    driver = "docker"
    config {
      image  = "redis"
      ulimit { nofile = "x:y" }
      cpu_cfs_period = 5
    }
  }
}
)");
  auto v = run(bad);
  auto p = dir_.run("plan " + bad);
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_EQ(p.exit_code, 1);
  EXPECT_EQ(p.err, v.out);
  EXPECT_EQ(v.out.substr(0, 8), "bad.hcl:") << v.out;
}

TEST_F(validate, usage_error_without_a_file) {
  auto o = run("");
  EXPECT_NE(o.exit_code, 0);
  EXPECT_NE(o.exit_code, 1);
}

} // namespace
