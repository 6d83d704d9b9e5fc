// The docker examples of Nomad's job specification documentation
// (data/nomad_docs/, one file each): every one validates and plans, and the
// parts of its create body that the example is about are checked: ports,
// env, mounts, resources.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "policy/decode.hpp"
#include "policy/intake.hpp"
#include "tests/policy/mapping_fixtures.hpp"

using namespace stevedore;
using namespace stevedore::policy;

namespace {

intake_result plan_example(const std::string& name, hcl2_inputs vars = {}) {
  std::ifstream in(std::string(STEVEDORE_DOCS_DIR) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  intake_options o;
  o.file_name = name;
  o.client = test::test_client();
  o.plan = test::fixed_plan();
  o.variables = std::move(vars);
  auto r = intake(ss.str(), o);
  for (const auto& p : r.problems)
    ADD_FAILURE() << format_problem(p, name);
  return r;
}

const json& host(const intake_result& r, std::size_t i = 0) {
  return *r.create_bodies.at(i).find("HostConfig");
}

std::string env_of(const intake_result& r, const std::string& key, std::size_t i = 0) {
  for (const auto& e : r.create_bodies.at(i).find("Env")->items())
    if (e.as_string().rfind(key + "=", 0) == 0)
      return e.as_string().substr(key.size() + 1);
  return "<unset>";
}

// "HOST:CONTAINER" for each published tcp port, in the body's order.
std::vector<std::string> bindings(const intake_result& r, std::size_t i = 0) {
  std::vector<std::string> out;
  for (const auto& [key, list] : host(r, i).find("PortBindings")->members())
    if (key.find("/tcp") != std::string::npos)
      for (const auto& b : list.items())
        out.push_back(b.find("HostPort")->as_string() + ":" + key.substr(0, key.find('/')));
  return out;
}

TEST(nomad_docs, job_docker_container) {
  auto r = plan_example("job_docker_container.nomad");
  ASSERT_TRUE(r.ok());
  const auto& body = r.create_bodies.at(0);
  EXPECT_EQ(body.find("Image")->as_string(), "docker.io/hashicorp/http-echo:latest");
  EXPECT_EQ(body.find("Cmd")->dump(), R"(["-text","hello"])");
  EXPECT_EQ(host(r).find("Memory")->as_int(), 128LL << 20);
  EXPECT_EQ(host(r).find("CpuShares")->as_int(), 100);
}

TEST(nomad_docs, network_ports_dynamic_and_static) {
  auto r = plan_example("network_ports.nomad");
  ASSERT_TRUE(r.ok());
  const auto& ports = r.instances.at(0).ports;
  ASSERT_EQ(ports.size(), 3u);
  EXPECT_EQ(ports[0].label, "http");
  EXPECT_EQ(ports[2].label, "lb");
  EXPECT_EQ(ports[2].host_port, 8889);
  EXPECT_EQ(ports[2].container_port, 8889);
  for (const auto& p : {ports[0], ports[1]}) {
    EXPECT_GE(p.host_port, 20000);
    EXPECT_LE(p.host_port, 32000);
    EXPECT_EQ(p.container_port, p.host_port); // no `to`: the same port inside
  }
  EXPECT_EQ(env_of(r, "NOMAD_PORT_lb"), "8889");
  EXPECT_EQ(env_of(r, "NOMAD_ADDR_lb"), "127.0.0.1:8889");
  EXPECT_EQ(bindings(r).size(), 3u);
}

TEST(nomad_docs, network_mapped_ports) {
  auto r = plan_example("network_mapped_ports.nomad");
  ASSERT_TRUE(r.ok());
  auto host_port = r.instances.at(0).ports.at(0).host_port;
  EXPECT_EQ(bindings(r), std::vector<std::string>{std::to_string(host_port) + ":8080"});
  EXPECT_EQ(env_of(r, "NOMAD_PORT_http"), "8080");
  EXPECT_EQ(env_of(r, "NOMAD_HOST_PORT_http"), std::to_string(host_port));
}

TEST(nomad_docs, network_dns_and_host_network_warn_and_plan) {
  auto r = plan_example("network_dns_host_network.nomad");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.warnings.size(), 2u) << ::testing::PrintToString(r.warnings);
  EXPECT_NE(r.warnings[0].find("network.dns"), std::string::npos);
  EXPECT_NE(r.warnings[1].find("host network \"private\" ignored"), std::string::npos);
  EXPECT_EQ(r.instances.at(0).ports.at(0).container_port, 9000);
}

TEST(nomad_docs, resources_cores_and_memory_oversubscription) {
  auto r = plan_example("resources_cores_memory.nomad");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(host(r).find("CpuShares")->as_int(), 4000); // 2 cores of a 4-core 8000 MHz node
  EXPECT_EQ(host(r).find("Memory")->as_int(), 4000LL << 20);
  EXPECT_EQ(host(r).find("MemoryReservation")->as_int(), 2000LL << 20);
  EXPECT_EQ(env_of(r, "NOMAD_MEMORY_LIMIT"), "2000");
  EXPECT_EQ(env_of(r, "NOMAD_MEMORY_MAX_LIMIT"), "4000");
}

TEST(nomad_docs, hcl2_sysctl_mounts_and_heredoc) {
  auto r = plan_example("hcl2_sysctl_mounts_heredoc.nomad");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(host(r).find("Sysctls")->dump(), R"({"net.core.somaxconn":"16384"})");
  const auto& mounts = host(r).find("Mounts")->items();
  ASSERT_EQ(mounts.size(), 2u);
  EXPECT_EQ(mounts[0].find("Target")->as_string(), "/scratch");
  EXPECT_EQ(mounts[0].find("TmpfsOptions")->dump(), R"({"SizeBytes":10000})");
  EXPECT_EQ(mounts[1].find("Target")->as_string(), "/cache");
  ASSERT_EQ(r.warnings.size(), 1u); // template
}

TEST(nomad_docs, variables_from_the_command_line) {
  hcl2_inputs vars;
  vars.vars = {{"image_id", "nginx:1.19"}};
  auto r = plan_example("variables_image_id.nomad", vars);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.job.datacenters, std::vector<std::string>{"us-west-1a"});
  EXPECT_EQ(r.create_bodies.at(0).find("Image")->as_string(), "docker.io/library/nginx:1.19");
  EXPECT_EQ(bindings(r), std::vector<std::string>{"8300:8300"});
  EXPECT_EQ(env_of(r, "NOMAD_PORT_p8300"), "8300");
}

TEST(nomad_docs, variables_without_a_value_are_refused_in_one_line) {
  intake_options o;
  o.file_name = "variables_image_id.nomad";
  std::ifstream in(std::string(STEVEDORE_DOCS_DIR) + "/variables_image_id.nomad");
  std::stringstream ss;
  ss << in.rdbuf();
  auto r = intake(ss.str(), o);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(format_problem(r.problems[0], o.file_name),
            "variables_image_id.nomad:3:1: variable \"image_id\" has no value: give it a default, "
            "or set it with -var image_id=..., -var-file or NOMAD_VAR_image_id");
}

TEST(nomad_docs, locals_in_args_and_env) {
  auto r = plan_example("locals_env.nomad");
  ASSERT_TRUE(r.ok());
  const auto& body = r.create_bodies.at(0);
  EXPECT_EQ(body.find("Cmd")->dump(), R"(["-listen",":8080","-text","STAGING-APP"])");
  EXPECT_EQ(env_of(r, "APP_NAME"), "staging-app");
  auto host_port = r.instances.at(0).ports.at(0).host_port;
  // ${NOMAD_ADDR_http} was left by HCL2 for the runtime, which filled it.
  EXPECT_EQ(env_of(r, "ADDR"), "127.0.0.1:" + std::to_string(host_port));
}

} // namespace
