// HCL job files (policy/job_decode.cpp): the specification's examples inside
// minimal jobs, Nomad's defaults, every structural rule with its exact error,
// and HCL1's JSON form.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "policy/decode.hpp"
#include "policy/rules.hpp"
#include "tests/policy/decode_helpers.hpp"

namespace stevedore::policy {
namespace {

using testing::config_job;
using testing::docker_task_job;
using testing::first_task;
using testing::hcl_job;
using testing::lines;
using testing::task_job;
using strings = std::vector<std::string>;

job_spec ok_job(std::string_view text) {
  auto r = hcl_job(text);
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(lines(r.problems));
  return r.value;
}

// ---- the specification's examples --------------------------------------------

TEST(job_spec_examples, task_configuration) {
  auto j = ok_job(R"(job "docs" {
  group "web" {
    task "webservice" {
      driver = "docker"

      config {
        image = "redis:3.2"
        labels {
          group = "webservice-cache"
        }
      }
    }
  }
})");
  ASSERT_EQ(j.groups.size(), 1u);
  const auto& t = first_task(j);
  EXPECT_EQ(t.name, "webservice");
  EXPECT_EQ(t.driver, "docker");
  EXPECT_EQ(t.config.image, "redis:3.2");
  EXPECT_EQ(t.config.labels, (string_map{{"group", "webservice-cache"}}));
}

TEST(job_spec_examples, load_with_artifact) {
  auto k = ok_job(task_job(R"(driver = "docker"
artifact {
  source = "http://path.to/redis.tar"
}
config {
  load = "redis.tar"
  image = "redis"
})"));
  const auto& t = first_task(k);
  EXPECT_EQ(t.config.load, "redis.tar");
  EXPECT_EQ(t.config.image, "redis");
  ASSERT_EQ(t.artifacts.size(), 1u);
  EXPECT_EQ(t.artifacts[0].source, "http://path.to/redis.tar");
  EXPECT_EQ(t.artifacts[0].destination, "local/");
}

TEST(job_spec_examples, auth) {
  auto j = ok_job(R"(job "docs" {
  group "g" {
    task "example" {
      driver = "docker"

      config {
        image = "secret/service"

        auth {
          username = "dockerhub_user"
          password = "dockerhub_password"
        }
      }
    }
  }
})");
  const auto& c = first_task(j).config;
  EXPECT_TRUE(c.has_auth);
  EXPECT_EQ(c.auth.username, "dockerhub_user");
  EXPECT_EQ(c.auth.password, "dockerhub_password");
  EXPECT_EQ(c.auth.server_address, "");
}

TEST(job_spec_examples, allocating_ports) {
  auto j = ok_job(R"(job "docs" {
  group "g" {
    task "example" {
      driver = "docker"
      config { image = "redis" }

      resources {
        network {
          port "http" {}
          port "https" {}
        }
      }
    }
  }
})");
  const auto& r = first_task(j).resources;
  ASSERT_EQ(r.ports.size(), 2u);
  EXPECT_EQ(r.ports[0].label, "http");
  EXPECT_EQ(r.ports[0].static_port, 0);
  EXPECT_EQ(r.ports[1].label, "https");
  EXPECT_EQ(r.mbits, 10);
}

TEST(job_spec_examples, port_map) {
  auto r = hcl_job(R"(job "docs" {
  group "g" {
    task "example" {
      driver = "docker"

      config {
        image = "redis"

        port_map {
          redis = 6379
        }
      }

      resources {
        network {
          mbits = 20
          port "redis" {}
        }
      }
    }
  }
})");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(lines(r.problems));
  EXPECT_TRUE(r.warnings.empty());
  const auto& t = first_task(r.value);
  EXPECT_EQ(t.config.port_map.at("redis"), 6379);
  EXPECT_EQ(t.resources.mbits, 20);
  ASSERT_EQ(t.resources.ports.size(), 1u);
  EXPECT_EQ(t.resources.ports[0].label, "redis");
}

TEST(job_spec_examples, version_constraint_keeps_the_operator) {
  // The spec's example: `operator = ">"` with `version = "1.2"` means
  // "higher than 1.2" (Nomad itself would drop the operator).
  auto j = ok_job(R"(job "docs" {
  # Require docker version higher than 1.2.
  constraint {
    attribute = "${driver.docker.version}"
    operator = ">"
    version = "1.2"
  }
  group "g" {
    task "t" {
      driver = "docker"
      config { image = "redis" }
    }
  }
})");
  ASSERT_EQ(j.constraints.size(), 1u);
  EXPECT_EQ(j.constraints[0].attribute, "${driver.docker.version}");
  EXPECT_EQ(j.constraints[0].op, "version");
  EXPECT_EQ(j.constraints[0].value, "> 1.2");
}

// ---- defaults and structure ---------------------------------------------------

TEST(job_decode, nomad_defaults) {
  auto j = ok_job(config_job(""));
  EXPECT_EQ(j.name, "web");
  EXPECT_EQ(j.type, "service");
  EXPECT_EQ(j.region, "global");
  EXPECT_EQ(j.priority, 50);
  EXPECT_TRUE(j.datacenters.empty());
  ASSERT_EQ(j.groups.size(), 1u);
  const auto& g = j.groups[0];
  EXPECT_EQ(g.name, "cache");
  EXPECT_EQ(g.count, 1);
  EXPECT_EQ(g.restart.attempts, 2);
  EXPECT_EQ(g.restart.interval_ms, 30 * 60 * 1000);
  EXPECT_EQ(g.restart.delay_ms, 15000);
  EXPECT_EQ(g.restart.mode, "fail");
  const auto& t = first_task(j);
  EXPECT_EQ(t.name, "redis");
  EXPECT_EQ(t.kill_timeout_ms, 5000);
  EXPECT_EQ(t.kill_signal, "");
  EXPECT_EQ(t.resources.cpu, 100);
  EXPECT_EQ(t.resources.memory_mb, 300);
  EXPECT_EQ(t.logs.max_files, 10);
  EXPECT_EQ(t.logs.max_file_size_mb, 10);
  EXPECT_FALSE(t.has_restart);
  EXPECT_EQ(t.restart.attempts, 2);
}

TEST(job_decode, batch_restart_defaults) {
  auto j = ok_job(R"(job "b" {
  type = "batch"
  group "g" {
    task "t" {
      driver = "docker"
      config { image = "busybox" }
    }
  }
})");
  const auto& r = j.groups[0].restart;
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(r.interval_ms, 24 * 60 * 60 * 1000);
  EXPECT_EQ(r.delay_ms, 15000);
  EXPECT_EQ(r.mode, "fail");
  EXPECT_EQ(first_task(j).restart.attempts, 3);
}

TEST(job_decode, restart_blocks_merge_group_then_task) {
  auto j = ok_job(R"(job "b" {
  type = "batch"
  group "g" {
    restart {
      attempts = 10
      delay = "25s"
      mode = "delay"
    }
    task "t" {
      driver = "docker"
      config { image = "busybox" }
      restart { attempts = 5 }
    }
    task "u" {
      driver = "docker"
      config { image = "busybox" }
    }
  }
})");
  const auto& g = j.groups[0];
  EXPECT_EQ(g.restart.attempts, 10);
  EXPECT_EQ(g.restart.interval_ms, 24 * 60 * 60 * 1000); // batch default kept
  EXPECT_EQ(g.restart.delay_ms, 25000);
  EXPECT_EQ(g.restart.mode, "delay");
  ASSERT_EQ(g.tasks.size(), 2u);
  EXPECT_TRUE(g.tasks[0].has_restart);
  EXPECT_EQ(g.tasks[0].restart.attempts, 5);
  EXPECT_EQ(g.tasks[0].restart.delay_ms, 25000);
  EXPECT_EQ(g.tasks[0].restart.mode, "delay");
  EXPECT_FALSE(g.tasks[1].has_restart);
  EXPECT_EQ(g.tasks[1].restart.attempts, 10);
}

TEST(job_decode, every_task_field) {
  auto j = ok_job(R"(job "web" {
  region = "eu"
  datacenters = ["dc1", "dc2"]
  priority = 70
  meta { owner = "ops" }
  group "cache" {
    count = 3
    meta { tier = "db" }
    constraint {
      attribute = "${attr.kernel.name}"
      value = "linux"
    }
    task "redis" {
      driver = "docker"
      user = "redis"
      config { image = "redis:3.2" }
      env {
        MODE = "primary"
        PORT = 6379
      }
      meta { role = "primary" }
      kill_timeout = "20s"
      kill_signal = "sigint"
      logs {
        max_files = 3
        max_file_size = 15
      }
      resources {
        cpu = 500
        memory = 256
        network {
          mbits = 5
          port "db" {}
          port "admin" { static = 8081 }
        }
      }
      artifact {
        source = "https://example.com/redis.conf"
        destination = "local/conf"
      }
      constraint {
        attribute = "${meta.rack}"
        operator = "=="
        value = "r1"
      }
    }
  }
})");
  EXPECT_EQ(j.region, "eu");
  EXPECT_EQ(j.datacenters, (strings{"dc1", "dc2"}));
  EXPECT_EQ(j.priority, 70);
  EXPECT_EQ(j.meta, (string_map{{"owner", "ops"}}));
  const auto& g = j.groups[0];
  EXPECT_EQ(g.count, 3);
  EXPECT_EQ(g.meta, (string_map{{"tier", "db"}}));
  ASSERT_EQ(g.constraints.size(), 1u);
  EXPECT_EQ(g.constraints[0].op, "=");
  const auto& t = first_task(j);
  EXPECT_EQ(t.user, "redis");
  EXPECT_EQ(t.env, (string_map{{"MODE", "primary"}, {"PORT", "6379"}}));
  EXPECT_EQ(t.meta, (string_map{{"role", "primary"}}));
  EXPECT_EQ(t.kill_timeout_ms, 20000);
  EXPECT_EQ(t.kill_signal, "SIGINT");
  EXPECT_EQ(t.logs.max_files, 3);
  EXPECT_EQ(t.logs.max_file_size_mb, 15);
  EXPECT_EQ(t.resources.cpu, 500);
  EXPECT_EQ(t.resources.memory_mb, 256);
  EXPECT_EQ(t.resources.mbits, 5);
  ASSERT_EQ(t.resources.ports.size(), 2u);
  // Reserved ports first, then dynamic ones, as Nomad orders them.
  EXPECT_EQ(t.resources.ports[0].label, "admin");
  EXPECT_EQ(t.resources.ports[0].static_port, 8081);
  EXPECT_EQ(t.resources.ports[1].label, "db");
  EXPECT_EQ(t.resources.ports[1].static_port, 0);
  ASSERT_EQ(t.artifacts.size(), 1u);
  EXPECT_EQ(t.artifacts[0].destination, "local/conf");
  ASSERT_EQ(t.constraints.size(), 1u);
  EXPECT_EQ(t.constraints[0].attribute, "${meta.rack}");
  EXPECT_EQ(t.constraints[0].op, "=");
  EXPECT_EQ(t.constraints[0].value, "r1");
}

TEST(job_decode, task_outside_a_group_gets_a_group_of_its_own) {
  auto j = ok_job(R"(job "solo" {
  task "one" {
    driver = "docker"
    config { image = "busybox" }
  }
})");
  ASSERT_EQ(j.groups.size(), 1u);
  EXPECT_EQ(j.groups[0].name, "one");
  EXPECT_EQ(j.groups[0].count, 1);
  EXPECT_EQ(first_task(j).name, "one");
}

TEST(job_decode, constraint_shorthands) {
  struct shorthand {
    const char* name;
    std::string body;
    std::string attribute, op, value;
  };
  const shorthand cases[] = {
    {"operator and value", "attribute = \"${attr.a}\"\noperator = \"!=\"\nvalue = \"x\"",
     "${attr.a}", "!=", "x"},
    {"default operator", "attribute = \"${attr.a}\"\nvalue = \"x\"", "${attr.a}", "=", "x"},
    {"is", "attribute = \"${attr.a}\"\noperator = \"is\"\nvalue = \"x\"", "${attr.a}", "=", "x"},
    {"not", "attribute = \"${attr.a}\"\noperator = \"not\"\nvalue = \"x\"", "${attr.a}", "!=", "x"},
    {"version", "attribute = \"${attr.v}\"\nversion = \">= 1.2, < 2\"", "${attr.v}", "version",
     ">= 1.2, < 2"},
    {"version with =", "attribute = \"${attr.v}\"\noperator = \"=\"\nversion = \"1.2\"",
     "${attr.v}", "version", "1.2"},
    {"regexp", "attribute = \"${attr.a}\"\nregexp = \"^x\"", "${attr.a}", "regexp", "^x"},
    {"set_contains", "attribute = \"${meta.s}\"\nset_contains = \"a,b\"", "${meta.s}",
     "set_contains", "a,b"},
    {"distinct_hosts", "distinct_hosts = true", "", "distinct_hosts", ""},
    {"distinct_property", "distinct_property = \"${meta.rack}\"", "${meta.rack}",
     "distinct_property", ""},
    {"is_set", "attribute = \"${meta.x}\"\noperator = \"is_set\"", "${meta.x}", "is_set", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto j = ok_job(docker_task_job("constraint {\n" + c.body + "\n}"));
    const auto& t = first_task(j);
    ASSERT_EQ(t.constraints.size(), 1u);
    EXPECT_EQ(t.constraints[0].attribute, c.attribute);
    EXPECT_EQ(t.constraints[0].op, c.op);
    EXPECT_EQ(t.constraints[0].value, c.value);
  }
}

TEST(job_decode, unsupported_nomad_stanzas_are_warnings) {
  auto r = hcl_job(R"(job "web" {
  update { max_parallel = 1 }
  group "g" {
    ephemeral_disk { size = 300 }
    task "t" {
      driver = "docker"
      config { image = "redis" }
      service {
        name = "redis"
      }
      template {
        data = "x"
        destination = "local/x"
      }
      artifact {
        source = "https://example.com/x"
        options { checksum = "sha256:abc" }
      }
    }
  }
})");
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(lines(r.problems));
  EXPECT_EQ(r.warnings,
            (strings{
              "job.hcl:2:3: job.web.update: not supported by stevedore; ignored",
              "job.hcl:4:5: job.web.group.g.ephemeral_disk: not supported by stevedore; ignored",
              "job.hcl:8:7: job.web.group.g.task.t.service: not supported by stevedore; ignored",
              "job.hcl:11:7: job.web.group.g.task.t.template: not supported by stevedore; ignored",
              "job.hcl:17:9: job.web.group.g.task.t.artifact[0].options: artifact options are not "
              "supported by stevedore; ignored",
            }));
}

TEST(job_decode, hcl1_json_form) {
  auto r = read_job(R"({
  "job": {
    "web": {
      "datacenters": ["dc1"],
      "group": {
        "cache": {
          "count": 2,
          "task": {
            "redis": {
              "driver": "docker",
              "config": [{
                "image": "redis:3.2",
                "port_map": [{"db": 6379}],
                "labels": [{"a": "b"}]
              }],
              "resources": [{
                "network": [{"port": {"db": {}}}]
              }]
            }
          }
        }
      }
    }
  }
})",
                    "job.json");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(lines(r.problems));
  EXPECT_EQ(r.value.name, "web");
  ASSERT_EQ(r.value.groups.size(), 1u);
  EXPECT_EQ(r.value.groups[0].count, 2);
  const auto& t = first_task(r.value);
  EXPECT_EQ(t.name, "redis");
  EXPECT_EQ(t.config.image, "redis:3.2");
  EXPECT_EQ(t.config.port_map.at("db"), 6379);
  EXPECT_EQ(t.config.labels, (string_map{{"a", "b"}}));
  ASSERT_EQ(t.resources.ports.size(), 1u);
  EXPECT_EQ(t.resources.ports[0].label, "db");
}

// ---- rejections -------------------------------------------------------------

struct bad_case {
  const char* name;
  std::string text;
  std::vector<std::string> problems;
};

void PrintTo(const bad_case& c, std::ostream* os) { *os << c.name; }

class job_rejects : public ::testing::TestWithParam<bad_case> {};

TEST_P(job_rejects, with_exact_errors) {
  const auto& c = GetParam();
  auto r = hcl_job(c.text);
  EXPECT_EQ(lines(r.problems), c.problems);
}

const std::string T = "job.web.group.cache.task.redis";

const bad_case bad_cases[] = {
  {"syntax error", "job \"web\" {\n  group \"cache\" {\n    count = \n  }\n}\n",
   {"job.hcl:4:3: expected a value for 'count', found '}'"}},
  {"empty file", "", {"job: job.hcl:1:1: no job block: a job file holds one job \"name\" { ... }"}},
  {"two jobs", config_job("") + "job \"other\" {}\n",
   {"job.other: job.hcl:12:1: only one job per file (the first is \"web\")"}},
  {"unknown top-level key", "jobs \"web\" {}\n" + config_job(""),
   {"jobs: job.hcl:1:1: unknown field"}},
  {"job without name", "job {\n}\n",
   {"job: job.hcl:1:1: block needs a name: job \"name\" { ... }",
    "job: job.hcl:1:1: no job block: a job file holds one job \"name\" { ... }"}},
  {"job without groups", "job \"web\" {\n}\n",
   {"job.web.group: job.hcl:1:1: the job has no group and no task"}},
  {"job id with a space", "job \"my web\" {\n  task \"t\" {\n    driver = \"docker\"\n    config { image = \"redis\" }\n  }\n}\n",
   {"job[\"my web\"]: job.hcl:1:1: job ID \"my web\" contains a space"}},
  {"unknown job type", "job \"web\" {\n  type = \"cron\"\n  task \"t\" {\n    driver = \"docker\"\n    config { image = \"redis\" }\n  }\n}\n",
   {"job.web.type: job.hcl:2:10: unknown job type \"cron\" (service, batch, system or sysbatch)"}},
  {"priority out of range", "job \"web\" {\n  priority = 101\n  task \"t\" {\n    driver = \"docker\"\n    config { image = \"redis\" }\n  }\n}\n",
   {"job.web.priority: job.hcl:2:14: must be between 1 and 100, got 101"}},
  {"unknown job field", "job \"web\" {\n  datacenter = \"dc1\"\n  task \"t\" {\n    driver = \"docker\"\n    config { image = \"redis\" }\n  }\n}\n",
   {"job.web.datacenter: job.hcl:2:16: unknown field"}},
  {"datacenters not a list", "job \"web\" {\n  datacenters = \"dc1\"\n  task \"t\" {\n    driver = \"docker\"\n    config { image = \"redis\" }\n  }\n}\n",
   {"job.web.datacenters: job.hcl:2:17: expected a list of strings, got a string"}},
  {"group without tasks", "job \"web\" {\n  group \"cache\" {\n  }\n}\n",
   {"job.web.group.cache.task: job.hcl:2:3: group \"cache\" has no task"}},
  {"group twice", "job \"web\" {\n  group \"a\" {\n    task \"t\" {\n      driver = \"docker\"\n      config { image = \"redis\" }\n    }\n  }\n  group \"a\" {}\n}\n",
   {"job.web.group.a: job.hcl:8:3: group \"a\" is defined more than once (first at 2:3)"}},
  {"group negative count", config_job("").replace(config_job("").find("  group \"cache\" {\n") + 18, 0, "count = -1\n"),
   {"job.web.group.cache.count: job.hcl:3:9: must not be negative, got -1"}},
  {"unknown group field", "job \"web\" {\n  group \"cache\" {\n    counts = 2\n    task \"redis\" {\n      driver = \"docker\"\n      config { image = \"redis\" }\n    }\n  }\n}\n",
   {"job.web.group.cache.counts: job.hcl:3:14: unknown field"}},
  {"task twice", "job \"web\" {\n  group \"cache\" {\n    task \"redis\" {\n      driver = \"docker\"\n      config { image = \"redis\" }\n    }\n    task \"redis\" {}\n  }\n}\n",
   {T + ": job.hcl:7:5: task \"redis\" is defined more than once (first at 3:5)"}},
  {"task with an empty name", "job \"web\" {\n  group \"cache\" {\n    task \"\" {\n      driver = \"docker\"\n      config { image = \"redis\" }\n    }\n  }\n}\n",
   {"job.web.group.cache.task[\"\"]: job.hcl:3:5: the task needs a name"}},
  {"group with an empty name", "job \"web\" {\n  group \"\" {\n    task \"t\" {\n      driver = \"docker\"\n      config { image = \"redis\" }\n    }\n  }\n}\n",
   {"job.web.group[\"\"]: job.hcl:2:3: the group needs a name"}},
  {"task without driver", task_job("config { image = \"redis\" }"), {T + ".driver: job.hcl:3:5: required"}},
  {"task with another driver", task_job("driver = \"exec\"\nconfig { command = \"/bin/true\" }"),
   {T + ".driver: job.hcl:4:10: driver \"exec\" is not supported: stevedore runs docker tasks"}},
  {"docker task without config", task_job("driver = \"docker\""),
   {T + ".config: job.hcl:3:5: required: the docker driver needs at least config { image = \"...\" }"}},
  {"task name unfit for a container name", "job \"web\" {\n  task \"my task\" {\n    driver = \"docker\"\n    config { image = \"redis\" }\n  }\n}\n",
   {"job.web.task[\"my task\"]: job.hcl:2:3: task name \"my task\" cannot be part of a container "
    "name (letters, digits, \"_\", \".\" and \"-\", starting with a letter or digit)"}},
  {"unknown task field", docker_task_job("kill_timout = \"5s\""), {T + ".kill_timout: job.hcl:6:15: unknown field"}},
  {"kill_timeout negative", docker_task_job("kill_timeout = \"-5s\""),
   {T + ".kill_timeout: job.hcl:6:16: duration \"-5s\" must not be negative"}},
  {"kill_timeout without unit", docker_task_job("kill_timeout = \"30\""),
   {T + ".kill_timeout: job.hcl:6:16: missing unit in duration \"30\""}},
  {"kill_signal unknown", docker_task_job("kill_signal = \"SIGFOO\""),
   {T + ".kill_signal: job.hcl:6:15: unknown signal \"SIGFOO\""}},
  {"env not a map", docker_task_job("env = [\"A=b\"]"),
   {T + ".env[0]: job.hcl:6:8: expected a block, got a string"}},
  {"restart mode", docker_task_job("restart { mode = \"retry\" }"),
   {T + ".restart.mode: job.hcl:6:18: unsupported restart mode \"retry\" (\"fail\" or \"delay\")"}},
  {"restart delay mode without attempts", docker_task_job("restart {\nattempts = 0\nmode = \"delay\"\n}"),
   {T + ".restart.attempts: job.hcl:7:12: restart mode \"delay\" with 0 attempts is ambiguous"}},
  {"restart too many attempts for the interval", docker_task_job("restart {\nattempts = 5\ninterval = \"1m\"\ndelay = \"15s\"\n}"),
   {T + ".restart.interval: job.hcl:8:12: cannot restart 5 times in an interval of 1m0s with a delay of 15s"}},
  {"restart unknown field", docker_task_job("restart { tries = 1 }"),
   {T + ".restart.tries: job.hcl:6:19: unknown field"}},
  {"resources too little cpu", docker_task_job("resources { cpu = 0 }"),
   {T + ".resources.cpu: job.hcl:6:19: minimum is 1 MHz, got 0"}},
  {"resources too little memory", docker_task_job("resources { memory = 5 }"),
   {T + ".resources.memory: job.hcl:6:22: minimum is 10 MB, got 5"}},
  {"resources memory beyond 64-bit bytes", docker_task_job("resources { memory = 9223372036854775807 }"),
   {T + ".resources.memory: job.hcl:6:22: maximum is 1073741824 MB, got 9223372036854775807"}},
  {"resources cpu beyond a cfs quota", docker_task_job("resources { cpu = 9223372036854775807 }"),
   {T + ".resources.cpu: job.hcl:6:19: maximum is 10000000 MHz, got 9223372036854775807"}},
  {"resources mbits absurd", docker_task_job("resources {\nnetwork { mbits = 4000000000 }\n}"),
   {T + ".resources.mbits: job.hcl:6:1: maximum is 1000000 Mbit/s, got 4000000000"}},
  {"logs file size beyond 64-bit bytes", docker_task_job("logs { max_file_size = 9000000000000 }"),
   {T + ".logs.max_file_size: job.hcl:6:24: maximum is 1048576 MB, got 9000000000000"}},
  {"logs absurd file count", docker_task_job("logs { max_files = 100000000 }"),
   {T + ".logs.max_files: job.hcl:6:20: maximum is 10000, got 100000000"}},
  {"restart absurd attempts", docker_task_job("restart {\nattempts = 9223372036854775807\ninterval = \"87600h\"\ndelay = \"0s\"\n}"),
   {T + ".restart.attempts: job.hcl:7:12: maximum is 1000000, got 9223372036854775807"}},
  {"kill_timeout beyond a timer", docker_task_job("kill_timeout = \"2562047h\""),
   {T + ".kill_timeout: job.hcl:6:16: must be at most 87600h0m0s (ten years), got 2562047h0m0s"}},
  {"resources unknown field", docker_task_job("resources { disks = 5 }"),
   {T + ".resources.disks: job.hcl:6:21: unknown field"}},
  {"two networks", docker_task_job("resources {\nnetwork { mbits = 1 }\nnetwork { mbits = 2 }\n}"),
   {T + ".resources.network: job.hcl:8:1: given more than once (first at 7:1)"}},
  {"port label twice", docker_task_job("resources {\nnetwork {\nport \"http\" {}\nport \"http\" {}\n}\n}"),
   {T + ".resources.network.port.http: job.hcl:9:1: port \"http\" is defined more than once (first at 8:1)"}},
  {"static port out of range", docker_task_job("resources {\nnetwork {\nport \"http\" { static = 70000 }\n}\n}"),
   {T + ".resources.network.port.http: job.hcl:8:1: static port 70000 out of range 1..65535"}},
  {"static port twice", docker_task_job("resources {\nnetwork {\nport \"a\" { static = 80 }\nport \"b\" { static = 80 }\n}\n}"),
   {T + ".resources.network.port.b: job.hcl:9:1: static port \"80\" is defined more than once (first at 8:1)"}},
  {"port without label", docker_task_job("resources {\nnetwork {\nport {}\n}\n}"),
   {T + ".resources.network.port: job.hcl:8:1: block needs a name: port \"name\" { ... }"}},
  {"port unknown field", docker_task_job("resources {\nnetwork {\nport \"a\" { value = 1 }\n}\n}"),
   {T + ".resources.network.port.a.value: job.hcl:8:20: unknown field"}},
  {"logs zero files", docker_task_job("logs { max_files = 0 }"),
   {T + ".logs.max_files: job.hcl:6:20: minimum is 1, got 0"}},
  {"logs zero size", docker_task_job("logs { max_file_size = 0 }"),
   {T + ".logs.max_file_size: job.hcl:6:24: minimum is 1 MB, got 0"}},
  {"artifact without source", docker_task_job("artifact { destination = \"local/\" }"),
   {T + ".artifact[0].source: job.hcl:6:1: required"}},
  {"artifact escaping the allocation", docker_task_job("artifact {\nsource = \"https://x/y\"\ndestination = \"../../etc\"\n}"),
   {T + ".artifact[0].destination: job.hcl:8:15: destination \"../../etc\" escapes the allocation directory"}},
  {"constraint unknown operator", docker_task_job("constraint {\nattribute = \"${attr.a}\"\noperator = \"~\"\nvalue = \"x\"\n}"),
   {T + ".constraint[0].operator: job.hcl:8:12: unknown constraint operator \"~\""}},
  {"constraint without attribute", docker_task_job("constraint {\nvalue = \"x\"\n}"),
   {T + ".constraint[0].attribute: job.hcl:6:1: required"}},
  {"constraint without value", docker_task_job("constraint {\nattribute = \"${attr.a}\"\noperator = \">\"\n}"),
   {T + ".constraint[0].value: job.hcl:6:1: required for operator \">\""}},
  {"config problems keep their config path", docker_task_job("").replace(docker_task_job("").find("image = \"redis:3.2\""), 19, "image = \"redis:3.2\", tty = 2"),
   {T + ".config.tty: job.hcl:5:37: expected a bool, got a number"}},
};

INSTANTIATE_TEST_SUITE_P(all, job_rejects, ::testing::ValuesIn(bad_cases),
                         [](const auto& info) {
                           std::string n = info.param.name;
                           for (auto& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch)))
                               ch = '_';
                           return n;
                         });

TEST(job_decode, problems_come_in_source_order_across_levels) {
  auto r = hcl_job(R"(job "web" {
  priority = 0
  group "cache" {
    task "redis" {
      driver = "docker"
      config {
        image = "Redis"
      }
      resources { cpu = 0 }
    }
  }
  bogus = true
})");
  EXPECT_EQ(lines(r.problems),
            (strings{
              "job.web.priority: job.hcl:2:14: must be between 1 and 100, got 0",
              T + ".config.image: job.hcl:7:17: \"Redis\" is not a valid image reference: "
                  "repository name must be lowercase",
              T + ".resources.cpu: job.hcl:9:25: minimum is 1 MHz, got 0",
              "job.web.bogus: job.hcl:12:11: unknown field",
            }));
}

TEST(job_decode, format_problem_puts_the_place_first) {
  auto r = hcl_job(config_job("ulimitt {}"));
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(to_string(r.problems[0]),
            "job.web.group.cache.task.redis.config.ulimitt: job.hcl:7:1: unknown option");
  EXPECT_EQ(format_problem(r.problems[0], "job.hcl"),
            "job.hcl:7:1: job.web.group.cache.task.redis.config.ulimitt: unknown option");
  error_info bare = make_error(errc::not_permitted, "job.web.group.cache.task.redis.config.privileged",
                               "privileged containers are disabled on this client");
  EXPECT_EQ(format_problem(bare, "job.hcl"),
            "job.hcl: job.web.group.cache.task.redis.config.privileged: privileged containers "
            "are disabled on this client");
}

} // namespace
} // namespace stevedore::policy
