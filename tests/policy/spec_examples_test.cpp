// Every example block of the specification, read verbatim from
// data/spec_examples/ and placed in a minimal job (or read as client
// settings), decodes without a problem to the values it shows.
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "policy/rules.hpp"
#include "tests/policy/decode_helpers.hpp"

namespace stevedore::policy {
namespace {

using testing::first_task;
using testing::lines;
using strings = std::vector<std::string>;

std::string example(const std::string& name) {
  std::ifstream in(std::string(STEVEDORE_SPEC_EXAMPLES_DIR) + "/" + name);
  EXPECT_TRUE(in) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Where an example goes, and the one addition it needs to be a whole job.
enum class placement {
  config_block,        // `config { }` without image: image added as its first line
  config_block_image,  // `config { }` with its own image
  task_body,           // items of a task body (artifact + config)
  task_block,          // `task "x" { }`
  task_block_no_config,// `task "x" { }` without config: one is added after driver
  port_block,          // `port "x" {}`
  job_without_task,    // `job "x" { }` without groups: a task is added
};

std::string place(const std::string& text, placement where) {
  const std::string job_open = "job \"docs\" {\ngroup \"g\" {\n";
  const std::string job_close = "\n}\n}\n";
  const std::string task_open = "task \"t\" {\ndriver = \"docker\"\n";
  switch (where) {
    case placement::config_block: {
      std::string body = text;
      body.replace(body.find("config {"), 8, "config {\nimage = \"redis\"");
      return job_open + task_open + body + "\n}" + job_close;
    }
    case placement::config_block_image:
    case placement::task_body:
      return job_open + task_open + text + "\n}" + job_close;
    case placement::task_block:
      return job_open + text + job_close;
    case placement::task_block_no_config: {
      std::string body = text;
      auto at = body.find("driver = \"docker\"") + 17;
      body.insert(at, "\nconfig { image = \"redis\" }");
      return job_open + body + job_close;
    }
    case placement::port_block:
      return job_open + task_open + "config { image = \"redis\" }\nresources {\nnetwork {\n" + text +
             "\n}\n}\n}" + job_close;
    case placement::job_without_task: {
      std::string body = text;
      body.insert(body.rfind('}'), "task \"t\" {\ndriver = \"docker\"\nconfig { image = \"redis\" }\n}\n");
      return body;
    }
  }
  return text;
}

struct job_example {
  const char* file;
  placement where;
  std::function<void(const job_spec&)> check;
};

void PrintTo(const job_example& c, std::ostream* os) { *os << c.file; }

class spec_job_example : public ::testing::TestWithParam<job_example> {};

TEST_P(spec_job_example, decodes) {
  const auto& c = GetParam();
  auto r = read_job(place(example(c.file), c.where), c.file);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(lines(r.problems));
  c.check(r.value);
}

const job_example job_examples[] = {
  {"00_task_config.hcl", placement::task_block, [](const job_spec& j) {
     EXPECT_EQ(first_task(j).name, "webservice");
     EXPECT_EQ(first_task(j).config.image, "redis:3.2");
     EXPECT_EQ(first_task(j).config.labels, (string_map{{"group", "webservice-cache"}}));
   }},
  {"01_image.hcl", placement::config_block_image, [](const job_spec& j) {
     EXPECT_EQ(first_task(j).config.image, "hub.docker.internal/redis:3.2");
   }},
  {"02_args.hcl", placement::config_block, [](const job_spec& j) {
     EXPECT_EQ(first_task(j).config.args,
               (strings{"-bind", "${NOMAD_PORT_http}", "${nomad.datacenter}", "${MY_ENV}",
                        "${meta.foo}"}));
   }},
  {"03_command.hcl", placement::config_block,
   [](const job_spec& j) { EXPECT_EQ(first_task(j).config.command, "my-command"); }},
  {"04_sysctl.hcl", placement::config_block, [](const job_spec& j) {
     EXPECT_EQ(first_task(j).config.sysctl, (string_map{{"net.core.somaxconn", "16384"}}));
   }},
  {"05_ulimit.hcl", placement::config_block, [](const job_spec& j) {
     EXPECT_EQ(first_task(j).config.ulimit,
               (string_map{{"nproc", "4242"}, {"nofile", "2048:4096"}}));
   }},
  {"06_labels.hcl", placement::config_block, [](const job_spec& j) {
     EXPECT_EQ(first_task(j).config.labels, (string_map{{"foo", "bar"}, {"zip", "zap"}}));
   }},
  {"07_load.hcl", placement::task_body, [](const job_spec& j) {
     EXPECT_EQ(first_task(j).config.load, "redis.tar");
     EXPECT_EQ(first_task(j).artifacts.at(0).source, "http://path.to/redis.tar");
   }},
  {"08_logging.hcl", placement::config_block, [](const job_spec& j) {
     EXPECT_EQ(first_task(j).config.logging.type, "fluentd");
     EXPECT_EQ(first_task(j).config.logging.config,
               (string_map{{"fluentd-address", "localhost:24224"}, {"tag", "your_tag"}}));
   }},
  {"09_network_aliases.hcl", placement::config_block, [](const job_spec& j) {
     EXPECT_EQ(first_task(j).config.network_mode, "user-network");
     EXPECT_EQ(first_task(j).config.network_aliases.size(), 2u);
   }},
  {"10_security_opt.hcl", placement::config_block, [](const job_spec& j) {
     EXPECT_EQ(first_task(j).config.security_opt, (strings{"credentialspec=file://gmsaUser.json"}));
   }},
  {"11_volumes.hcl", placement::config_block, [](const job_spec& j) {
     EXPECT_EQ(first_task(j).config.volumes,
               (strings{"/path/on/host:/path/in/container", "relative/to/task:/also/in/container"}));
   }},
  {"12_volume_driver.hcl", placement::config_block, [](const job_spec& j) {
     EXPECT_EQ(first_task(j).config.volume_driver, "pxd");
     EXPECT_EQ(first_task(j).config.volumes, (strings{"name-of-the-volume:/path/in/container"}));
   }},
  {"13_mounts.hcl", placement::config_block, [](const job_spec& j) {
     const auto& m = first_task(j).config.mounts.at(0);
     EXPECT_EQ(m.target, "/path/in/container");
     EXPECT_EQ(m.source, "name-of-volume");
     EXPECT_EQ(m.volume_options.driver_config.name, "pxd");
     EXPECT_EQ(m.volume_options.driver_config.options, (string_map{{"foo", "bar"}}));
     EXPECT_EQ(m.volume_options.labels, (string_map{{"foo", "bar"}}));
   }},
  {"14_devices.hcl", placement::config_block, [](const job_spec& j) {
     const auto& d = first_task(j).config.devices;
     ASSERT_EQ(d.size(), 2u);
     EXPECT_EQ(d[0].cgroup_permissions, "r");
     EXPECT_EQ(d[1].container_path, "/dev/xvdd");
     EXPECT_EQ(d[1].cgroup_permissions, "rwm");
   }},
  {"15_cap_add.hcl", placement::config_block,
   [](const job_spec& j) { EXPECT_EQ(first_task(j).config.cap_add, (strings{"SYS_TIME"})); }},
  {"16_cap_drop.hcl", placement::config_block,
   [](const job_spec& j) { EXPECT_EQ(first_task(j).config.cap_drop, (strings{"MKNOD"})); }},
  {"17_auth.hcl", placement::task_block, [](const job_spec& j) {
     EXPECT_EQ(first_task(j).config.image, "secret/service");
     EXPECT_EQ(first_task(j).config.auth.username, "dockerhub_user");
     EXPECT_EQ(first_task(j).config.auth.password, "dockerhub_password");
   }},
  {"20_ports.hcl", placement::task_block_no_config, [](const job_spec& j) {
     const auto& p = first_task(j).resources.ports;
     ASSERT_EQ(p.size(), 2u);
     EXPECT_EQ(p[0].label, "http");
     EXPECT_EQ(p[1].label, "https");
   }},
  {"21_port_http.hcl", placement::port_block, [](const job_spec& j) {
     EXPECT_EQ(first_task(j).resources.ports.at(0).label, "http");
     EXPECT_EQ(first_task(j).resources.ports.at(0).static_port, 0);
   }},
  {"22_port_map.hcl", placement::task_block, [](const job_spec& j) {
     EXPECT_EQ(first_task(j).config.port_map.at("redis"), 6379);
     EXPECT_EQ(first_task(j).resources.mbits, 20);
   }},
  {"24_constraint.hcl", placement::job_without_task, [](const job_spec& j) {
     ASSERT_EQ(j.constraints.size(), 1u);
     EXPECT_EQ(j.constraints[0].op, "version");
     EXPECT_EQ(j.constraints[0].value, "> 1.2");
   }},
};

INSTANTIATE_TEST_SUITE_P(all, spec_job_example, ::testing::ValuesIn(job_examples),
                         [](const auto& info) {
                           std::string n = info.param.file;
                           for (auto& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch)))
                               ch = '_';
                           return n;
                         });

TEST(spec_client_example, auth_helper) {
  auto r = read_client_config(example("19_client_auth_helper.hcl"), "client.hcl");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(lines(r.problems));
  EXPECT_EQ(r.value.auth_helper, "ecr");
}

TEST(spec_client_example, cleanup_image) {
  auto r = read_client_config(example("23_client_cleanup_image.hcl"), "client.hcl");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(lines(r.problems));
  EXPECT_FALSE(r.value.cleanup_image);
}

} // namespace
} // namespace stevedore::policy
