// Nomad 1.x job files through the whole intake: the file `nomad job init
// -short` writes, group networks with `ports`, the newer resources and
// options, cluster-only blocks, the client settings Nomad 1.x added, and the
// create-body fields that only the rules checked before.
#include <gtest/gtest.h>

#include "policy/decode.hpp"
#include "policy/intake.hpp"
#include "policy/rules.hpp"
#include "tests/policy/mapping_fixtures.hpp"

using namespace stevedore;
using namespace stevedore::policy;

namespace {

// What `nomad job init -short` writes (Nomad 1.7+), unchanged.
const std::string init_short = R"(job "example" {
  group "cache" {
    network {
      port "db" {
        to = 6379
      }
    }
    task "redis" {
      driver = "docker"
      config {
        image          = "redis:7"
        ports          = ["db"]
        auth_soft_fail = true
      }
      identity {
        env  = true
        file = true
      }
      resources {
        cpu    = 500
        memory = 256
      }
    }
  }
})";

intake_result run_intake(const std::string& text, client_config client = test::test_client()) {
  intake_options o;
  o.file_name = "job.nomad";
  o.client = std::move(client);
  o.plan = test::fixed_plan();
  return intake(text, o);
}

std::vector<std::string> problem_lines(const intake_result& r) {
  std::vector<std::string> out;
  for (const auto& p : r.problems)
    out.push_back(format_problem(p, "job.nomad"));
  return out;
}

const json& body_of(const intake_result& r, std::size_t i = 0) {
  return r.create_bodies.at(i);
}

const json& host_of(const intake_result& r, std::size_t i = 0) {
  return *body_of(r, i).find("HostConfig");
}

std::string env_value(const json& body, const std::string& key) {
  for (const auto& e : body.find("Env")->items())
    if (e.as_string().rfind(key + "=", 0) == 0)
      return e.as_string().substr(key.size() + 1);
  return "<unset>";
}

// A one-task job whose task holds `task_body` (config block included).
std::string job_with_task(const std::string& task_body, const std::string& group_extra = "") {
  return "job \"j\" {\n  group \"g\" {\n" + group_extra + "\n    task \"t\" {\n      driver = \"docker\"\n" +
         task_body + "\n    }\n  }\n}\n";
}

std::string job_with_config(const std::string& config_lines) {
  return job_with_task("config {\n image = \"redis:7\"\n" + config_lines + "\n}");
}

TEST(nomad1, init_short_validates_and_plans) {
  auto r = run_intake(init_short);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(problem_lines(r));
  ASSERT_EQ(r.instances.size(), 1u);
  // identity is a cluster feature: accepted, one warning.
  ASSERT_EQ(r.warnings.size(), 1u) << ::testing::PrintToString(r.warnings);
  EXPECT_NE(r.warnings[0].find("job.example.group.cache.task.redis.identity"), std::string::npos);
  EXPECT_TRUE(r.job.groups[0].tasks[0].config.auth_soft_fail);

  const auto& inst = r.instances[0];
  ASSERT_EQ(inst.ports.size(), 1u);
  auto host_port = inst.ports[0].host_port;
  EXPECT_GE(host_port, 20000);
  EXPECT_LE(host_port, 32000);
  EXPECT_EQ(inst.ports[0].container_port, 6379);
  EXPECT_FALSE(inst.ports[0].is_static);

  const auto& body = body_of(r);
  EXPECT_EQ(body.find("ExposedPorts")->dump(), R"({"6379/tcp":{},"6379/udp":{}})");
  auto hp = std::to_string(host_port);
  EXPECT_EQ(host_of(r).find("PortBindings")->dump(),
            R"({"6379/tcp":[{"HostIp":"127.0.0.1","HostPort":")" + hp +
              R"("}],"6379/udp":[{"HostIp":"127.0.0.1","HostPort":")" + hp + R"("}]})");
  EXPECT_EQ(env_value(body, "NOMAD_PORT_db"), "6379");
  EXPECT_EQ(env_value(body, "NOMAD_ALLOC_PORT_db"), "6379");
  EXPECT_EQ(env_value(body, "NOMAD_HOST_PORT_db"), hp);
  EXPECT_EQ(env_value(body, "NOMAD_IP_db"), "127.0.0.1");
  EXPECT_EQ(env_value(body, "NOMAD_HOST_IP_db"), "127.0.0.1");
  EXPECT_EQ(env_value(body, "NOMAD_ADDR_db"), "127.0.0.1:" + hp);
  EXPECT_EQ(env_value(body, "NOMAD_HOST_ADDR_db"), "127.0.0.1:" + hp);
  EXPECT_EQ(host_of(r).find("CpuShares")->as_int(), 500);
  EXPECT_EQ(host_of(r).find("Memory")->as_int(), 256LL * 1024 * 1024);
}

TEST(nomad1, static_port_without_to_is_the_same_inside) {
  auto r = run_intake(job_with_task("config {\n image = \"redis:7\"\n ports = [\"http\"]\n}",
                                    "network {\n port \"http\" { static = 8080 }\n}"));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(problem_lines(r));
  ASSERT_EQ(r.instances[0].ports.size(), 1u);
  EXPECT_EQ(r.instances[0].ports[0].host_port, 8080);
  EXPECT_EQ(r.instances[0].ports[0].container_port, 8080);
  EXPECT_TRUE(r.instances[0].ports[0].is_static);
  EXPECT_EQ(env_value(body_of(r), "NOMAD_PORT_http"), "8080");
  EXPECT_EQ(env_value(body_of(r), "NOMAD_ADDR_http"), "127.0.0.1:8080");
}

TEST(nomad1, group_ports_reach_every_task_but_only_the_listed_are_published) {
  auto text = R"(job "j" {
  group "g" {
    network {
      port "http" { to = 80 }
      port "metrics" {}
    }
    task "web" {
      driver = "docker"
      config {
        image = "nginx:1"
        ports = ["http"]
      }
    }
    task "side" {
      driver = "docker"
      config { image = "busybox:1" }
    }
  }
})";
  auto r = run_intake(text);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(problem_lines(r));
  ASSERT_EQ(r.instances.size(), 2u);
  EXPECT_EQ(r.instances[0].ports.size(), 1u);
  EXPECT_TRUE(r.instances[1].ports.empty());
  EXPECT_EQ(body_of(r, 1).find("ExposedPorts"), nullptr);
  // The sidecar still learns both ports, as Nomad sets them for the allocation.
  EXPECT_EQ(env_value(body_of(r, 1), "NOMAD_PORT_http"), "80");
  auto metrics = env_value(body_of(r, 1), "NOMAD_PORT_metrics");
  EXPECT_EQ(metrics, env_value(body_of(r, 1), "NOMAD_HOST_PORT_metrics"));
  EXPECT_EQ(env_value(body_of(r, 0), "NOMAD_HOST_PORT_http"),
            env_value(body_of(r, 1), "NOMAD_HOST_PORT_http"));
}

TEST(nomad1, count_two_allocates_group_ports_per_allocation) {
  auto r = run_intake(job_with_task("config {\n image = \"redis:7\"\n ports = [\"db\"]\n}",
                                    "count = 2\nnetwork {\n port \"db\" { to = 6379 }\n}"));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(problem_lines(r));
  ASSERT_EQ(r.instances.size(), 2u);
  EXPECT_NE(r.instances[0].ports[0].host_port, r.instances[1].ports[0].host_port);
}

struct refusal_case {
  const char* name;
  std::string text;
  std::string problem;
};

class nomad1_refuses : public ::testing::TestWithParam<refusal_case> {};

TEST_P(nomad1_refuses, in_one_line) {
  auto r = run_intake(GetParam().text);
  auto lines = problem_lines(r);
  ASSERT_EQ(lines.size(), 1u) << ::testing::PrintToString(lines);
  EXPECT_EQ(lines[0], GetParam().problem);
}

const std::string P = "job.j.group.g";

INSTANTIATE_TEST_SUITE_P(
  all, nomad1_refuses,
  ::testing::Values(
    refusal_case{"unknown_port_label",
                 job_with_config("ports = [\"db\"]"),
                 "job.nomad:8:9: " + P + ".task.t.config.ports[0]: port \"db\" is not in the group's network block"},
    refusal_case{"bridge_mode",
                 job_with_task("config { image = \"redis:7\" }", "network { mode = \"bridge\" }"),
                 "job.nomad:3:18: " + P + ".network.mode: network mode \"bridge\" is not supported by "
                 "stevedore (it needs a network namespace shared by the group's tasks); use mode "
                 "\"host\", the default, and publish ports with config.ports"},
    refusal_case{"unknown_mode",
                 job_with_task("config { image = \"redis:7\" }", "network { mode = \"wifi\" }"),
                 "job.nomad:3:18: " + P + ".network.mode: unknown network mode \"wifi\" (host or none)"},
    refusal_case{"none_with_ports",
                 job_with_task("config { image = \"redis:7\" }",
                               "network {\n mode = \"none\"\n port \"x\" {}\n}"),
                 "job.nomad:4:9: " + P + ".network.mode: a network in mode \"none\" cannot have ports"},
    refusal_case{"to_out_of_range",
                 job_with_task("config { image = \"redis:7\" }",
                               "network {\n port \"x\" { to = 70000 }\n}"),
                 "job.nomad:4:18: " + P + ".network.port.x.to: port 70000 out of range 1..65535"},
    refusal_case{"published_twice",
                 R"(job "j" {
  group "g" {
    network {
      port "http" {}
    }
    task "a" {
      driver = "docker"
      config {
        image = "nginx:1"
        ports = ["http"]
      }
    }
    task "b" {
      driver = "docker"
      config {
        image = "nginx:1"
        ports = ["http"]
      }
    }
  }
})",
                 "job.nomad: " + P + ".task.b.config.ports: port \"http\" is published by task \"a\" "
                 "of this group already"},
    refusal_case{"cpu_and_cores",
                 job_with_task("config { image = \"redis:7\" }\nresources {\n cpu = 100\n cores = 2\n}"),
                 "job.nomad:9:10: " + P + ".task.t.resources.cores: a task asks for cpu or for cores, not both"},
    refusal_case{"memory_max_below_memory",
                 job_with_task("config { image = \"redis:7\" }\nresources {\n memory = 512\n memory_max = 256\n}"),
                 "job.nomad:9:15: " + P + ".task.t.resources.memory_max: 256 MB is below the task's memory of 512 MB"},
    refusal_case{"bad_cpuset",
                 job_with_config("cpuset_cpus = \"3-1\""),
                 "job.nomad:8:15: " + P + ".task.t.config.cpuset_cpus: \"3-1\" is not a CPU list (e.g. \"0-3,6\")"},
    refusal_case{"bad_cgroupns",
                 job_with_config("cgroupns = \"shared\""),
                 "job.nomad:8:12: " + P + ".task.t.config.cgroupns: \"shared\" is not a cgroup namespace mode (host or private)"},
    refusal_case{"windows_isolation",
                 job_with_config("isolation = \"hyperv\""),
                 "job.nomad:8:13: " + P + ".task.t.config.isolation: \"hyperv\" is not supported here: "
                 "process and hyperv isolation are for Windows daemons (default)"}),
  [](const ::testing::TestParamInfo<refusal_case>& info) { return std::string(info.param.name); });

TEST(nomad1, sysbatch_and_one_mhz_are_accepted) {
  auto text = job_with_task("config { image = \"redis:7\" }\nresources { cpu = 1 }");
  text.insert(text.find('{') + 1, "\n  type = \"sysbatch\"");
  auto r = run_intake(text);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(problem_lines(r));
  EXPECT_EQ(r.job.type, "sysbatch");
  EXPECT_EQ(r.job.groups[0].restart.attempts, 3); // batch's defaults
  // 1 MHz is accepted; the body asks the kernel's least cpu.shares, 2 (runc refuses 1).
  EXPECT_EQ(host_of(r).find("CpuShares")->as_int(), 2);
}

TEST(nomad1, cluster_only_blocks_warn_once_each) {
  auto r = run_intake(job_with_task(R"(config { image = "redis:7" }
      service {
        name = "a"
        check {
          type = "tcp"
        }
      }
      service { name = "b" }
      vault { policies = ["x"] }
      consul { namespace = "n" }
      identity { env = true }
      csi_plugin { id = "p" })", "volume \"v\" {\n type = \"csi\"\n source = \"s\"\n}"));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(problem_lines(r));
  std::vector<std::string> fields;
  for (const auto& w : r.warnings)
    fields.push_back(w.substr(w.find("job.j"), w.find(": ", w.find("job.j")) - w.find("job.j")));
  EXPECT_EQ(fields, (std::vector<std::string>{
                      P + ".volume", P + ".task.t.service", P + ".task.t.vault",
                      P + ".task.t.consul", P + ".task.t.identity", P + ".task.t.csi_plugin"}));
}

TEST(nomad1, resources_memory_max_cores_disk) {
  auto r = run_intake(job_with_task(
    "config { image = \"redis:7\" }\nresources {\n memory = 256\n memory_max = 1024\n cores = 2\n disk = 300\n}"));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(problem_lines(r));
  const auto& host = host_of(r);
  EXPECT_EQ(host.find("Memory")->as_int(), 1024LL * 1024 * 1024);
  EXPECT_EQ(host.find("MemoryReservation")->as_int(), 256LL * 1024 * 1024);
  EXPECT_EQ(host.find("MemorySwap")->as_int(), 1024LL * 1024 * 1024);
  EXPECT_EQ(host.find("CpuShares")->as_int(), 2 * 2000); // 8000 MHz over 4 cores
  EXPECT_EQ(env_value(body_of(r), "NOMAD_MEMORY_MAX_LIMIT"), "1024");
  EXPECT_EQ(r.job.groups[0].tasks[0].resources.disk_mb, 300);
}

TEST(nomad1, newer_options_in_the_create_body) {
  auto r = run_intake(job_with_config(
    "cpuset_cpus = \"0-1,3\"\ncgroupns = \"private\"\nisolation = \"default\"\nauth_soft_fail = true"));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(problem_lines(r));
  const auto& host = host_of(r);
  EXPECT_EQ(host.find("CpusetCpus")->as_string(), "0-1,3");
  EXPECT_EQ(host.find("CgroupnsMode")->as_string(), "private");
  EXPECT_EQ(host.find("Isolation")->as_string(), "default");
}

TEST(nomad1, logging_defaults_to_bounded_json_file) {
  auto r = run_intake(job_with_config(""));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(host_of(r).find("LogConfig")->dump(),
            R"({"Type":"json-file","Config":{"max-file":"2","max-size":"2m"}})");
  auto own = run_intake(job_with_config(
    "logging {\n type = \"json-file\"\n config {\n max-size = \"10m\"\n }\n}"));
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(host_of(own).find("LogConfig")->dump(),
            R"({"Type":"json-file","Config":{"max-size":"10m"}})");
  auto driver = run_intake(job_with_config("logging {\n driver = \"journald\"\n}"));
  ASSERT_TRUE(driver.ok());
  EXPECT_EQ(host_of(driver).find("LogConfig")->dump(), R"({"Type":"journald","Config":{}})");
}

TEST(nomad1, namespace_and_privilege_fields_in_the_create_body) {
  auto client = test::test_client();
  client.privileged_enabled = true;
  auto r = run_intake(job_with_config(R"(privileged = true
ipc_mode = "host"
pid_mode = "host"
uts_mode = "host"
userns_mode = "host"
volume_driver = "local")"), client);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(problem_lines(r));
  const auto& host = host_of(r);
  EXPECT_TRUE(host.find("Privileged")->as_bool());
  EXPECT_EQ(host.find("IpcMode")->as_string(), "host");
  EXPECT_EQ(host.find("PidMode")->as_string(), "host");
  EXPECT_EQ(host.find("UTSMode")->as_string(), "host");
  EXPECT_EQ(host.find("UsernsMode")->as_string(), "host");
  EXPECT_EQ(host.find("VolumeDriver")->as_string(), "local");
  auto plain = run_intake(job_with_config(R"(ipc_mode = "shareable"
pid_mode = "container:other")"));
  ASSERT_TRUE(plain.ok()) << ::testing::PrintToString(problem_lines(plain));
  EXPECT_EQ(host_of(plain).find("IpcMode")->as_string(), "shareable");
  EXPECT_EQ(host_of(plain).find("PidMode")->as_string(), "container:other");
  EXPECT_EQ(host_of(plain).find("Privileged"), nullptr);
  EXPECT_EQ(host_of(plain).find("UTSMode"), nullptr);
  EXPECT_EQ(host_of(plain).find("VolumeDriver"), nullptr);
}

TEST(nomad1, network_mode_none_takes_the_task_off_the_network) {
  auto r = run_intake(job_with_task("config { image = \"redis:7\" }", "network { mode = \"none\" }"));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(problem_lines(r));
  EXPECT_EQ(host_of(r).find("NetworkMode")->as_string(), "none");
}

TEST(nomad1, json_api_form_with_group_networks) {
  auto text = R"({"Job": {"ID": "example", "TaskGroups": [{"Name": "cache",
    "Networks": [{"Mode": "", "DynamicPorts": [{"Label": "db", "Value": 0, "To": 6379, "HostNetwork": "default"}]}],
    "Tasks": [{"Name": "redis", "Driver": "docker",
      "Config": {"image": "redis:7", "ports": ["db"]},
      "Resources": {"CPU": 500, "MemoryMB": 256, "MemoryMaxMB": 512, "DiskMB": 300}}]}]}})";
  auto r = run_intake(text);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(problem_lines(r));
  ASSERT_EQ(r.instances[0].ports.size(), 1u);
  EXPECT_EQ(r.instances[0].ports[0].container_port, 6379);
  EXPECT_EQ(env_value(body_of(r), "NOMAD_PORT_db"), "6379");
  EXPECT_EQ(host_of(r).find("Memory")->as_int(), 512LL * 1024 * 1024);
}

// ---- client settings of Nomad 1.x -------------------------------------------

client_config client_from(const std::string& text) {
  auto c = read_client_config(text, "client.hcl");
  EXPECT_TRUE(c.problems.empty()) << c.problems.front().message;
  auto out = c.value;
  out.node_id = "node-1";
  out.node_name = "worker-1";
  out.alloc_root = "/srv/stevedore/alloc";
  return out;
}

TEST(nomad1_client, plugin_settings_are_read_and_stored) {
  auto c = client_from(R"(plugin "docker" {
  config {
    pids_limit             = 200
    oom_score_adj          = 100
    allowed_modes          = ["host", "private"]
    extra_labels           = ["job_name", "task*"]
    disable_log_collection = true
    infra_image            = "registry.local/pause:3.9"
    logging {
      type = "local"
    }
    gc {
      dangling_containers {
        enabled        = false
        period         = "10m"
        creation_grace = "2m"
        dry_run        = true
      }
    }
  }
})");
  EXPECT_EQ(c.pids_limit, 200);
  EXPECT_EQ(c.oom_score_adj, 100);
  EXPECT_EQ(c.allowed_modes, (std::vector<std::string>{"host", "private"}));
  EXPECT_TRUE(c.disable_log_collection);
  EXPECT_EQ(c.infra_image, "registry.local/pause:3.9");
  EXPECT_EQ(c.logging_type, "local");
  EXPECT_TRUE(c.logging_config.empty());
  EXPECT_FALSE(c.dangling_enabled);
  EXPECT_EQ(c.dangling_period_ms, 10 * 60 * 1000);
  EXPECT_EQ(c.dangling_creation_grace_ms, 2 * 60 * 1000);
  EXPECT_TRUE(c.dangling_dry_run);

  auto r = run_intake(job_with_config(""), c);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(problem_lines(r));
  const auto& host = host_of(r);
  EXPECT_EQ(host.find("PidsLimit")->as_int(), 200);
  EXPECT_EQ(host.find("LogConfig")->dump(), R"({"Type":"local","Config":{}})");
  const auto& labels = *body_of(r).find("Labels");
  EXPECT_EQ(labels.find("com.hashicorp.nomad.job_name")->as_string(), "j");
  EXPECT_EQ(labels.find("com.hashicorp.nomad.task_name")->as_string(), "t");
  EXPECT_EQ(labels.find("com.hashicorp.nomad.task_group_name")->as_string(), "g"); // task* matches it
  EXPECT_EQ(labels.find("com.hashicorp.nomad.node_id"), nullptr);
}

TEST(nomad1_client, task_pids_limit_over_the_node_limit_is_refused) {
  auto c = client_from("plugin \"docker\" {\n config {\n pids_limit = 100\n }\n}");
  auto r = run_intake(job_with_config("pids_limit = 500"), c);
  auto lines = problem_lines(r);
  ASSERT_EQ(lines.size(), 1u) << ::testing::PrintToString(lines);
  EXPECT_EQ(lines[0], "job.nomad: " + P + ".task.t.config.pids_limit: pids_limit 500 is over "
                      "this node's limit of 100 (pids_limit)");
  auto lower = run_intake(job_with_config("pids_limit = 50"), c);
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(host_of(lower).find("PidsLimit")->as_int(), 50);
}

TEST(nomad1_client, caps_allowlist_option_is_the_whitelist) {
  auto c = client_from(R"(client {
  options {
    "docker.caps.allowlist" = "CHOWN,SYS_TIME"
  }
})");
  EXPECT_EQ(c.caps_whitelist, (std::vector<std::string>{"CHOWN", "SYS_TIME"}));
}

TEST(nomad1_client, bad_plugin_values_are_named) {
  auto c = read_client_config(R"(plugin "docker" {
  config {
    pids_limit = -1
    gc {
      dangling_containers {
        period = "0s"
      }
    }
  }
})", "client.hcl");
  ASSERT_EQ(c.problems.size(), 2u);
  EXPECT_EQ(format_problem(c.problems[0], "client.hcl"),
            "client.hcl:3:18: plugin.docker.config.pids_limit: must not be negative, got -1");
  EXPECT_EQ(format_problem(c.problems[1], "client.hcl"),
            "client.hcl:6:18: plugin.docker.config.gc.dangling_containers.period: must be longer than 0s");
}

} // namespace
