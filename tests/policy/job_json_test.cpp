// Nomad's JSON job form (policy/job_json.cpp): a realistic job written both in
// HCL and in JSON decodes to the same job_spec, field by field; JSON-only
// shapes (nanosecond durations, reserved and dynamic ports, the bare object);
// and the JSON form's problems, named by the keys the user wrote.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "policy/rules.hpp"
#include "tests/policy/decode_helpers.hpp"

namespace stevedore::policy {
namespace {

using testing::dump;
using testing::first_task;
using testing::lines;
using strings = std::vector<std::string>;

const char* const shop_hcl = R"(# A realistic job: two groups, a sidecar, most task options.
job "shop" {
  region      = "eu"
  datacenters = ["dc1", "dc2"]
  type        = "service"
  priority    = 60
  meta {
    team = "web"
  }
  constraint {
    attribute = "${attr.kernel.name}"
    value     = "linux"
  }

  group "frontend" {
    count = 2
    restart {
      attempts = 3
      interval = "10m"
      delay    = "20s"
      mode     = "delay"
    }
    meta { tier = "edge" }
    constraint {
      attribute = "${meta.rack}"
      operator  = "!="
      value     = "r9"
    }

    task "nginx" {
      driver = "docker"
      user   = "nginx"
      config {
        image       = "nginx:1.25"
        command     = "nginx"
        args        = ["-g", "daemon off;"]
        port_map {
          http = 80
        }
        labels {
          app = "shop"
        }
        dns_servers = ["8.8.8.8"]
        ulimit {
          nofile = "2048:4096"
        }
        sysctl {
          net.core.somaxconn = "16384"
        }
        logging {
          type = "json-file"
          config {
            max-size = "10m"
          }
        }
        volumes = ["local/conf:/etc/nginx/conf.d"]
        mounts = [
          {
            target = "/cache"
            source = "cache"
            volume_options {
              labels {
                a = "b"
              }
            }
          }
        ]
        devices = [
          {
            host_path = "/dev/fuse"
          }
        ]
        cap_add = ["NET_ADMIN"]
        auth {
          username = "u"
          password = "p"
        }
        shm_size           = 1024
        pids_limit         = 100
        image_pull_timeout = "2m"
        healthchecks {
          disable = true
        }
      }
      env {
        MODE = "prod"
      }
      meta {
        owner = "alice"
      }
      kill_timeout = "30s"
      kill_signal  = "SIGQUIT"
      logs {
        max_files     = 5
        max_file_size = 20
      }
      resources {
        cpu    = 250
        memory = 128
        network {
          mbits = 50
          port "http" {}
          port "admin" {
            static = 9090
          }
        }
      }
      artifact {
        source      = "https://example.com/conf.tgz"
        destination = "local/conf"
      }
      constraint {
        attribute = "${driver.docker.version}"
        version   = ">= 1.13"
      }
    }

    task "sidecar" {
      driver = "docker"
      config {
        image = "busybox:1.36"
        args  = ["sleep", "3600"]
      }
      restart {
        attempts = 1
      }
    }
  }

  group "worker" {
    task "run" {
      driver = "docker"
      config {
        image = "127.0.0.1:5000/worker:2"
      }
    }
  }
}
)";

// The same job as `nomad job run -output` prints it (Config in the list-of-
// maps shape of Nomad's JSON of HCL1), with some of Nomad's bookkeeping.
const char* const shop_json = R"({
  "Job": {
    "ID": "shop",
    "Name": "shop",
    "Region": "eu",
    "Datacenters": ["dc1", "dc2"],
    "Type": "service",
    "Priority": 60,
    "Meta": {"team": "web"},
    "Constraints": [
      {"LTarget": "${attr.kernel.name}", "RTarget": "linux", "Operand": "="}
    ],
    "Update": null,
    "Periodic": null,
    "ParameterizedJob": null,
    "Stop": false,
    "Status": "",
    "CreateIndex": 0,
    "ModifyIndex": 0,
    "JobModifyIndex": 0,
    "TaskGroups": [
      {
        "Name": "frontend",
        "Count": 2,
        "RestartPolicy": {"Attempts": 3, "Interval": 600000000000, "Delay": 20000000000, "Mode": "delay"},
        "Meta": {"tier": "edge"},
        "Constraints": [
          {"LTarget": "${meta.rack}", "RTarget": "r9", "Operand": "!="}
        ],
        "EphemeralDisk": null,
        "Tasks": [
          {
            "Name": "nginx",
            "Driver": "docker",
            "User": "nginx",
            "Config": {
              "image": "nginx:1.25",
              "command": "nginx",
              "args": ["-g", "daemon off;"],
              "port_map": [{"http": 80}],
              "labels": [{"app": "shop"}],
              "dns_servers": ["8.8.8.8"],
              "ulimit": [{"nofile": "2048:4096"}],
              "sysctl": [{"net.core.somaxconn": "16384"}],
              "logging": [{"type": "json-file", "config": [{"max-size": "10m"}]}],
              "volumes": ["local/conf:/etc/nginx/conf.d"],
              "mounts": [{"target": "/cache", "source": "cache", "volume_options": [{"labels": [{"a": "b"}]}]}],
              "devices": [{"host_path": "/dev/fuse"}],
              "cap_add": ["NET_ADMIN"],
              "auth": [{"username": "u", "password": "p"}],
              "shm_size": 1024,
              "pids_limit": 100,
              "image_pull_timeout": "2m",
              "healthchecks": [{"disable": true}]
            },
            "Env": {"MODE": "prod"},
            "Meta": {"owner": "alice"},
            "KillTimeout": 30000000000,
            "KillSignal": "SIGQUIT",
            "LogConfig": {"MaxFiles": 5, "MaxFileSizeMB": 20},
            "Resources": {
              "CPU": 250,
              "MemoryMB": 128,
              "DiskMB": 0,
              "IOPS": 0,
              "Networks": [
                {
                  "MBits": 50,
                  "ReservedPorts": [{"Label": "admin", "Value": 9090}],
                  "DynamicPorts": [{"Label": "http", "Value": 0}]
                }
              ]
            },
            "Artifacts": [
              {"GetterSource": "https://example.com/conf.tgz", "RelativeDest": "local/conf", "GetterOptions": null}
            ],
            "Constraints": [
              {"LTarget": "${driver.docker.version}", "RTarget": ">= 1.13", "Operand": "version"}
            ],
            "Services": null,
            "Templates": null,
            "Vault": null,
            "Leader": false
          },
          {
            "Name": "sidecar",
            "Driver": "docker",
            "Config": {"image": "busybox:1.36", "args": ["sleep", "3600"]},
            "RestartPolicy": {"Attempts": 1, "Interval": 600000000000, "Delay": 20000000000, "Mode": "delay"}
          }
        ]
      },
      {
        "Name": "worker",
        "Tasks": [
          {"Name": "run", "Driver": "docker", "Config": {"image": "127.0.0.1:5000/worker:2"}}
        ]
      }
    ]
  }
})";

TEST(job_json, whole_job_equals_its_hcl_form) {
  auto hcl = read_job(shop_hcl, "shop.hcl");
  auto json = read_job(shop_json, "shop.json");
  ASSERT_TRUE(hcl.ok()) << ::testing::PrintToString(lines(hcl.problems));
  ASSERT_TRUE(json.ok()) << ::testing::PrintToString(lines(json.problems));
  EXPECT_TRUE(hcl.warnings.empty()) << ::testing::PrintToString(hcl.warnings);
  EXPECT_TRUE(json.warnings.empty()) << ::testing::PrintToString(json.warnings);
  EXPECT_EQ(dump(hcl.value), dump(json.value));

  // And the values are the ones written, not two equal sets of defaults.
  const auto& j = json.value;
  EXPECT_EQ(j.name, "shop");
  EXPECT_EQ(j.region, "eu");
  EXPECT_EQ(j.priority, 60);
  ASSERT_EQ(j.groups.size(), 2u);
  EXPECT_EQ(j.groups[0].restart.interval_ms, 600000);
  EXPECT_EQ(j.groups[1].count, 1);
  EXPECT_EQ(j.groups[1].restart.attempts, 2);
  const auto& nginx = j.groups[0].tasks[0];
  EXPECT_EQ(nginx.kill_timeout_ms, 30000);
  EXPECT_EQ(nginx.config.port_map.at("http"), 80);
  EXPECT_EQ(nginx.config.logging.config.at("max-size"), "10m");
  ASSERT_EQ(nginx.config.mounts.size(), 1u);
  EXPECT_EQ(nginx.config.mounts[0].volume_options.labels.at("a"), "b");
  EXPECT_EQ(nginx.config.image_pull_timeout_ms, 120000);
  ASSERT_EQ(nginx.resources.ports.size(), 2u);
  EXPECT_EQ(nginx.resources.ports[0].label, "admin");
  EXPECT_EQ(nginx.resources.ports[1].label, "http");
  EXPECT_EQ(nginx.constraints[0].op, "version");
  const auto& sidecar = j.groups[0].tasks[1];
  EXPECT_TRUE(sidecar.has_restart);
  EXPECT_EQ(sidecar.restart.attempts, 1);
  EXPECT_EQ(sidecar.restart.mode, "delay");
}

TEST(job_json, dump_sees_a_single_field_change) {
  auto a = read_job(shop_hcl, "shop.hcl");
  auto b = read_job(shop_hcl, "shop.hcl");
  b.value.groups[0].tasks[0].config.devices[0].cgroup_permissions = "r";
  EXPECT_NE(dump(a.value), dump(b.value));
}

TEST(job_json, bare_job_object_and_defaults) {
  auto r = read_job(R"({"ID": "web", "TaskGroups": [{"Name": "cache", "Tasks": [
    {"Name": "redis", "Driver": "docker", "Config": {"image": "redis"}}]}]})",
                    "job.json");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(lines(r.problems));
  EXPECT_EQ(r.value.name, "web");
  EXPECT_EQ(r.value.type, "service");
  EXPECT_EQ(r.value.priority, 50);
  EXPECT_EQ(r.value.groups[0].count, 1);
  const auto& t = first_task(r.value);
  EXPECT_EQ(t.kill_timeout_ms, 5000);
  EXPECT_EQ(t.resources.cpu, 100);
  EXPECT_EQ(t.restart.interval_ms, 30 * 60 * 1000);
}

TEST(job_json, name_stands_in_for_a_missing_id) {
  auto r = read_job(R"({"Job": {"Name": "web", "TaskGroups": [{"Name": "g", "Tasks": [
    {"Name": "t", "Driver": "docker", "Config": {"image": "redis"}}]}]}})",
                    "job.json");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.name, "web");
}

TEST(job_json, durations_are_nanoseconds_rounded_up_to_milliseconds) {
  auto with_kill = [](const std::string& kill) {
    return read_job(R"({"ID": "web", "TaskGroups": [{"Name": "g", "Tasks": [
    {"Name": "t", "Driver": "docker", "Config": {"image": "redis"}, "KillTimeout": )" + kill +
                      "}]}]}",
                    "job.json");
  };
  EXPECT_EQ(first_task(with_kill("1500000").value).kill_timeout_ms, 2);
  EXPECT_EQ(first_task(with_kill("0").value).kill_timeout_ms, 0);
  EXPECT_EQ(first_task(with_kill("\"45s\"").value).kill_timeout_ms, 45000);
  auto neg = with_kill("-1");
  EXPECT_EQ(lines(neg.problems),
            (strings{"job.web.group.g.task.t.KillTimeout: job.json:2:84: must not be negative, got -1"}));
  auto wrong = with_kill("true");
  EXPECT_EQ(lines(wrong.problems),
            (strings{"job.web.group.g.task.t.KillTimeout: job.json:2:84: expected a duration in "
                     "nanoseconds, got a bool"}));
}

TEST(job_json, unsupported_features_are_warnings_when_set) {
  auto r = read_job(R"({"Job": {"ID": "web", "Update": {"MaxParallel": 1},
  "TaskGroups": [{"Name": "g", "Tasks": [
    {"Name": "t", "Driver": "docker", "Config": {"image": "redis"},
     "Services": [{"Name": "web"}]}]}]}})",
                    "job.json");
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(lines(r.problems));
  EXPECT_EQ(r.warnings,
            (strings{"job.json:1:33: job.web.Update: not supported by stevedore; ignored",
                     "job.json:4:18: job.web.group.g.task.t.Services: not supported by stevedore; "
                     "ignored"}));
}

struct bad_case {
  const char* name;
  std::string text;
  std::vector<std::string> problems;
};

void PrintTo(const bad_case& c, std::ostream* os) { *os << c.name; }

class job_json_rejects : public ::testing::TestWithParam<bad_case> {};

TEST_P(job_json_rejects, with_exact_errors) {
  const auto& c = GetParam();
  auto r = read_job(c.text, "job.json");
  EXPECT_EQ(lines(r.problems), c.problems);
}

// One task in one group; TASK is the task object's members after Name.
std::string json_task(const std::string& task) {
  return "{\"Job\": {\"ID\": \"web\", \"TaskGroups\": [{\"Name\": \"cache\", \"Tasks\": [\n"
         "{\"Name\": \"redis\", " +
         task + "}]}]}}";
}

const std::string T = "job.web.group.cache.task.redis";

const bad_case bad_cases[] = {
  {"syntax error", "{\"Job\": {\"ID\": \"web\",}}", {"job.json:1:22: malformed JSON: missing or misplaced comma, colon, brace or bracket; found '}'"}},
  {"job is null", "{\"Job\": null}", {"Job: job.json:1:1: expected a job object, got null"}},
  {"job is a list", "{\"Job\": []}", {"Job: job.json:1:9: expected a job object, got a list"}},
  {"unknown wrapper key", "{\"Job\": {\"ID\": \"web\"}, \"Jobs\": 1}",
   {"job.web.TaskGroups: job.json:1:9: the job has no group and no task",
    "Jobs: job.json:1:32: unknown field"}},
  {"no ID or Name", "{\"Job\": {\"TaskGroups\": []}}",
   {"job.ID: job.json:1:9: the job needs an ID", "job.TaskGroups: job.json:1:24: the job has no group and no task"}},
  {"unknown job key", "{\"Job\": {\"ID\": \"web\", \"Prio\": 5, \"TaskGroups\": [{\"Name\": \"g\", \"Tasks\": [{\"Name\": \"t\", \"Driver\": \"docker\", \"Config\": {\"image\": \"redis\"}}]}]}}",
   {"job.web.Prio: job.json:1:31: unknown field"}},
  {"priority wrong type", "{\"Job\": {\"ID\": \"web\", \"Priority\": \"high\", \"TaskGroups\": [{\"Name\": \"g\", \"Tasks\": [{\"Name\": \"t\", \"Driver\": \"docker\", \"Config\": {\"image\": \"redis\"}}]}]}}",
   {"job.web.Priority: job.json:1:35: expected an integer, got \"high\""}},
  {"group without name", "{\"Job\": {\"ID\": \"web\", \"TaskGroups\": [{\"Tasks\": [{\"Name\": \"t\", \"Driver\": \"docker\", \"Config\": {\"image\": \"redis\"}}]}]}}",
   {"job.web.TaskGroups[0].Name: job.json:1:38: the group needs a name"}},
  {"task without name", "{\"Job\": {\"ID\": \"web\", \"TaskGroups\": [{\"Name\": \"g\", \"Tasks\": [{\"Driver\": \"docker\", \"Config\": {\"image\": \"redis\"}}]}]}}",
   {"job.web.group.g.Tasks[0].Name: job.json:1:62: the task needs a name"}},
  {"unknown task key", json_task("\"Drivr\": \"docker\", \"Driver\": \"docker\", \"Config\": {\"image\": \"redis\"}"),
   {T + ".Drivr: job.json:2:28: unknown field"}},
  {"config problems have the HCL path", json_task("\"Driver\": \"docker\", \"Config\": {\"image\": \"redis\", \"ulimitt\": {}}"),
   {T + ".config.ulimitt: job.json:2:79: unknown option"}},
  {"config missing", json_task("\"Driver\": \"docker\""),
   {T + ".Config: job.json:2:1: required: the docker driver needs at least {\"image\": \"...\"}"}},
  {"other driver", json_task("\"Driver\": \"raw_exec\", \"Config\": {\"command\": \"x\"}"),
   {T + ".Driver: job.json:2:29: driver \"raw_exec\" is not supported: stevedore runs docker tasks"}},
  {"two networks", json_task("\"Driver\": \"docker\", \"Config\": {\"image\": \"redis\"}, \"Resources\": {\"Networks\": [{}, {}]}"),
   {T + ".Resources.Networks[1]: job.json:2:100: only one network per task"}},
  {"reserved port without value", json_task("\"Driver\": \"docker\", \"Config\": {\"image\": \"redis\"}, \"Resources\": {\"Networks\": [{\"ReservedPorts\": [{\"Label\": \"http\"}]}]}"),
   {T + ".Resources.Networks[0].ReservedPorts[0].Value: job.json:2:115: a reserved port needs a Value"}},
  {"port label twice", json_task("\"Driver\": \"docker\", \"Config\": {\"image\": \"redis\"}, \"Resources\": {\"Networks\": [{\"ReservedPorts\": [{\"Label\": \"a\", \"Value\": 80}], \"DynamicPorts\": [{\"Label\": \"a\"}]}]}"),
   {T + ".Resources.Networks[0].DynamicPorts[0]: job.json:2:162: port \"a\" is defined more than once (first at 2:115)"}},
  {"cpu too low", json_task("\"Driver\": \"docker\", \"Config\": {\"image\": \"redis\"}, \"Resources\": {\"CPU\": 0}"),
   {T + ".Resources.CPU: job.json:2:90: minimum is 1 MHz, got 0"}},
  {"restart mode", json_task("\"Driver\": \"docker\", \"Config\": {\"image\": \"redis\"}, \"RestartPolicy\": {\"Mode\": \"never\"}"),
   {T + ".RestartPolicy.Mode: job.json:2:95: unsupported restart mode \"never\" (\"fail\" or \"delay\")"}},
  {"logs", json_task("\"Driver\": \"docker\", \"Config\": {\"image\": \"redis\"}, \"LogConfig\": {\"MaxFiles\": 0}"),
   {T + ".LogConfig.MaxFiles: job.json:2:95: minimum is 1, got 0"}},
  {"artifact without source", json_task("\"Driver\": \"docker\", \"Config\": {\"image\": \"redis\"}, \"Artifacts\": [{\"RelativeDest\": \"local/\"}]"),
   {T + ".Artifacts[0].GetterSource: job.json:2:83: required"}},
  {"constraint operand", json_task("\"Driver\": \"docker\", \"Config\": {\"image\": \"redis\"}, \"Constraints\": [{\"LTarget\": \"a\", \"RTarget\": \"b\", \"Operand\": \"like\"}]"),
   {T + ".Constraints[0].Operand: job.json:2:129: unknown constraint operator \"like\""}},
  {"task twice", "{\"Job\": {\"ID\": \"web\", \"TaskGroups\": [{\"Name\": \"g\", \"Tasks\": [{\"Name\": \"t\", \"Driver\": \"docker\", \"Config\": {\"image\": \"redis\"}}, {\"Name\": \"t\", \"Driver\": \"docker\", \"Config\": {\"image\": \"redis\"}}]}]}}",
   {"job.web.group.g.task.t: job.json:1:127: task \"t\" is defined more than once (first at 1:62)"}},
};

INSTANTIATE_TEST_SUITE_P(all, job_json_rejects, ::testing::ValuesIn(bad_cases),
                         [](const auto& info) {
                           std::string n = info.param.name;
                           for (auto& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch)))
                               ch = '_';
                           return n;
                         });

} // namespace
} // namespace stevedore::policy
