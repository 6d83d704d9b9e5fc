// The create body: its pieces one by one, then whole jobs compared exactly
// with golden files in tests/policy/golden/.
//
// Regenerate the golden files after an intended change of the mapping:
//   STEVEDORE_UPDATE_GOLDEN=1 ./policy_mapping_test --gtest_filter='golden*'
// then review `git diff tests/policy/golden/` before committing.
#include "policy/create_body.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

#include "policy/plan.hpp"
#include "policy/rules.hpp"
#include "tests/policy/mapping_fixtures.hpp"

using namespace stevedore;
using namespace stevedore::policy;

namespace {

// ---- pieces -----------------------------------------------------------------

TEST(command_line, command_then_args) {
  docker_config c;
  c.command = "redis-server";
  c.args = {"--port", "6379"};
  EXPECT_EQ(command_line(c), (std::vector<std::string>{"redis-server", "--port", "6379"}));
}

TEST(command_line, args_alone_without_command) {
  docker_config c;
  c.args = {"--port", "6379"};
  EXPECT_EQ(command_line(c), (std::vector<std::string>{"--port", "6379"}));
}

TEST(command_line, nothing_given) {
  EXPECT_TRUE(command_line({}).empty());
}

TEST(cpu_quota, nomad_formula) {
  node_facts node;
  node.cpu_total_mhz = 8000;
  node.cpu_cores = 4;
  // 500/8000 of the node = 1/16 -> 6250 us per 100000 us period per core, x4 cores.
  EXPECT_EQ(cpu_quota(500, 100000, node), 25000);
  EXPECT_EQ(cpu_quota(8000, 100000, node), 400000);
  EXPECT_EQ(cpu_quota(1000, 50000, node), 25000);
}

TEST(cpu_quota, unknown_node_counts_1000_mhz_per_core) {
  EXPECT_EQ(cpu_quota(500, 100000, {}), 50000);
  node_facts cores_only;
  cores_only.cpu_cores = 2;
  EXPECT_EQ(cpu_quota(500, 100000, cores_only), 50000);
}

TEST(cpu_quota, never_below_docker_minimum) {
  node_facts node;
  node.cpu_total_mhz = 100000;
  node.cpu_cores = 1;
  EXPECT_EQ(cpu_quota(1, 100000, node), 1000);
}

TEST(ulimit, soft_and_hard) {
  std::int64_t soft = 0, hard = 0;
  ASSERT_TRUE(parse_ulimit("2048:4096", soft, hard));
  EXPECT_EQ(soft, 2048);
  EXPECT_EQ(hard, 4096);
  ASSERT_TRUE(parse_ulimit("4242", soft, hard));
  EXPECT_EQ(soft, 4242);
  EXPECT_EQ(hard, 4242);
  ASSERT_TRUE(parse_ulimit("-1:-1", soft, hard));
  EXPECT_EQ(soft, -1);
  EXPECT_EQ(hard, -1);
  EXPECT_FALSE(parse_ulimit("lots", soft, hard));
  EXPECT_FALSE(parse_ulimit("1:", soft, hard));
}

TEST(ports_fields, exposed_and_bound_for_tcp_and_udp) {
  std::vector<task_port> ports = {{"db", 23332, 6379, false}};
  EXPECT_EQ(exposed_ports(ports).dump(), R"({"6379/tcp":{},"6379/udp":{}})");
  EXPECT_EQ(port_bindings(ports, "10.0.0.5").dump(),
            R"({"6379/tcp":[{"HostIp":"10.0.0.5","HostPort":"23332"}],)"
            R"("6379/udp":[{"HostIp":"10.0.0.5","HostPort":"23332"}]})");
}

TEST(ports_fields, two_labels_on_one_container_port_both_published) {
  std::vector<task_port> ports = {{"a", 20001, 80, false}, {"b", 20002, 80, false}};
  auto j = port_bindings(ports, "127.0.0.1");
  ASSERT_NE(j.find("80/tcp"), nullptr);
  EXPECT_EQ(j.find("80/tcp")->items().size(), 2u);
}

TEST(mounts_field, each_type) {
  mount_config vol;
  vol.target = "/data";
  vol.source = "pgdata";
  vol.volume_options.no_copy = true;
  vol.volume_options.labels = {{"a", "b"}};
  vol.volume_options.driver_config = {"pxd", {{"size", "10G"}}};
  mount_config bind;
  bind.type = "bind";
  bind.target = "/etc/app";
  bind.source = "/srv/app";
  bind.readonly = true;
  bind.bind_propagation = "rslave";
  mount_config tmp;
  tmp.type = "tmpfs";
  tmp.target = "/scratch";
  tmp.tmpfs_size = 1048576;
  tmp.tmpfs_mode = 01777;
  EXPECT_EQ(mounts_field({vol, bind, tmp}).dump(),
            R"([{"Target":"/data","Source":"pgdata","Type":"volume","ReadOnly":false,)"
            R"("VolumeOptions":{"NoCopy":true,"Labels":{"a":"b"},"DriverConfig":{"Name":"pxd","Options":{"size":"10G"}}}},)"
            R"({"Target":"/etc/app","Source":"/srv/app","Type":"bind","ReadOnly":true,"BindOptions":{"Propagation":"rslave"}},)"
            R"({"Target":"/scratch","Type":"tmpfs","ReadOnly":false,"TmpfsOptions":{"SizeBytes":1048576,"Mode":1023}}])");
}

TEST(devices_field, defaults) {
  EXPECT_EQ(devices_field({{"/dev/sda1", "/dev/xvdc", "r"}, {"/dev/sda2", "", ""}}).dump(),
            R"([{"PathOnHost":"/dev/sda1","PathInContainer":"/dev/xvdc","CgroupPermissions":"r"},)"
            R"({"PathOnHost":"/dev/sda2","PathInContainer":"/dev/sda2","CgroupPermissions":"rwm"}])");
}

TEST(resources, memory_without_swap) {
  task_spec t;
  t.resources.memory_mb = 256;
  t.resources.cpu = 500;
  json host = json::object();
  std::vector<error_info> problems;
  add_resources(host, t, {}, "p", problems);
  EXPECT_EQ(host.dump(), R"({"CpuShares":500,"Memory":268435456,"MemorySwap":268435456})");
}

TEST(resources, hard_limit_makes_memory_a_reservation) {
  task_spec t;
  t.resources.memory_mb = 256;
  t.config.memory_hard_limit = 1024;
  json host = json::object();
  std::vector<error_info> problems;
  add_resources(host, t, {}, "p", problems);
  EXPECT_EQ(host.find("Memory")->as_int(), 1024LL * 1024 * 1024);
  EXPECT_EQ(host.find("MemoryReservation")->as_int(), 256LL * 1024 * 1024);
  EXPECT_EQ(host.find("MemorySwap")->as_int(), 1024LL * 1024 * 1024);
}

TEST(cpu_quota, huge_cpu_saturates_instead_of_overflowing) {
  node_facts node;
  node.cpu_total_mhz = 1000;
  node.cpu_cores = 64;
  // 9e18 MHz of a 1 GHz node: the product leaves int64; the quota must be a
  // large positive number, never the floor a wrapped value fell to.
  auto quota = cpu_quota(std::numeric_limits<std::int64_t>::max(), 100000, node);
  EXPECT_EQ(quota, 1000000000000000000LL);
}

TEST(resources, memory_beyond_64_bits_is_a_problem_not_a_negative_size) {
  task_spec t;
  t.resources.memory_mb = std::numeric_limits<std::int64_t>::max();
  t.config.memory_hard_limit = std::numeric_limits<std::int64_t>::max() / 2;
  json host = json::object();
  std::vector<error_info> problems;
  add_resources(host, t, {}, "job.j.group.g.task.t.config", problems);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].what, "job.j.group.g.task.t.resources.memory");
  EXPECT_EQ(problems[1].what, "job.j.group.g.task.t.config.memory_hard_limit");
  EXPECT_GE(host.find("Memory")->as_int(), 0);
}

TEST(resources, bad_ulimit_reported) {
  task_spec t;
  t.config.ulimit = {{"nofile", "many"}};
  json host = json::object();
  std::vector<error_info> problems;
  add_resources(host, t, {}, "cfg", problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].what, "cfg.ulimit.nofile");
}

TEST(networking_config, only_when_needed) {
  docker_config c;
  EXPECT_TRUE(networking_config(c).is_null());
  c.network_mode = "backend";
  c.network_aliases = {"cache"};
  c.ipv4_address = "10.5.0.9";
  EXPECT_EQ(networking_config(c).dump(),
            R"({"EndpointsConfig":{"backend":{"Aliases":["cache"],"IPAMConfig":{"IPv4Address":"10.5.0.9"}}}})");
}

TEST(security, capabilities_normalised) {
  docker_config c;
  c.cap_add = {"cap_sys_time"};
  c.cap_drop = {"mknod"};
  json host = json::object();
  add_security(host, c);
  EXPECT_EQ(host.dump(), R"({"CapAdd":["SYS_TIME"],"CapDrop":["MKNOD"]})");
}

// ---- golden files -----------------------------------------------------------

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return {};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Compares `actual` with golden/<name>.json, or rewrites the file when
// STEVEDORE_UPDATE_GOLDEN=1.
void expect_golden(const std::string& name, const std::string& actual) {
  std::string path = std::string(STEVEDORE_GOLDEN_DIR) + "/" + name + ".json";
  const char* update = std::getenv("STEVEDORE_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    std::printf("rewrote %s\n", path.c_str());
    return;
  }
  auto expected = read_file(path);
  ASSERT_FALSE(expected.empty()) << "missing golden file " << path
                                 << "; run with STEVEDORE_UPDATE_GOLDEN=1 to create it";
  EXPECT_EQ(actual, expected) << "create body differs from " << path
                              << "; if intended, regenerate with STEVEDORE_UPDATE_GOLDEN=1";
}

std::string body_of(const job_spec& job, const client_config& client,
                    const plan_options& options = test::fixed_plan()) {
  auto plan = plan_job(job, client, options);
  EXPECT_TRUE(plan.ok()) << (plan.ok() ? "" : to_string(plan.problems[0]));
  EXPECT_FALSE(plan.instances.empty());
  if (plan.instances.empty())
    return {};
  return plan.create_bodies.at(0).dump(2) + "\n";
}

TEST(golden, redis_minimal) {
  docker_config c;
  c.image = "redis:3.2";
  c.port_map = {{"db", 6379}};
  auto job = test::one_task_job(c);
  test::only_task(job).resources.ports = {{"db", 0, 0, ""}};
  expect_golden("redis_minimal", body_of(job, test::test_client()));
}

job_spec full_job() {
  docker_config c;
  c.image = "127.0.0.1:5000/team/app:${NOMAD_META_VERSION}";
  c.command = "/bin/app";
  c.args = {"-bind", "${NOMAD_ADDR_http}", "-dc", "${nomad.datacenter}", "${meta.rack}", "${MY_ENV}"};
  c.entrypoint = {"/sbin/tini", "--"};
  c.dns_servers = {"8.8.8.8", "8.8.4.4"};
  c.dns_search_domains = {"svc.local"};
  c.dns_options = {"ndots:2"};
  c.extra_hosts = {"db:10.0.0.7"};
  c.hostname = "${NOMAD_TASK_NAME}-${NOMAD_ALLOC_INDEX}";
  c.interactive = true;
  c.tty = true;
  c.sysctl = {{"net.core.somaxconn", "16384"}};
  c.ulimit = {{"nproc", "4242"}, {"nofile", "2048:4096"}};
  c.labels = {{"team", "web"}, {"com.stevedore.node", "spoofed"}};
  c.logging = {"fluentd", {{"fluentd-address", "localhost:24224"}, {"tag", "${NOMAD_JOB_NAME}"}}};
  c.mac_address = "02:68:b3:29:da:98";
  c.network_mode = "backend";
  c.network_aliases = {"${NOMAD_TASK_NAME}", "${NOMAD_TASK_NAME}-${NOMAD_ALLOC_INDEX}"};
  c.ipv4_address = "10.5.0.9";
  c.ipv6_address = "fd00::9";
  c.port_map = {{"http", 8080}};
  c.security_opt = {"no-new-privileges"};
  c.shm_size = 67108864;
  c.volumes = {"/srv/shared:/shared:ro", "local/cache:/cache"};
  c.work_dir = "/srv";
  mount_config vol;
  vol.target = "/data";
  vol.source = "appdata";
  vol.volume_options.driver_config = {"local", {}};
  mount_config tmp;
  tmp.type = "tmpfs";
  tmp.target = "/scratch";
  tmp.tmpfs_size = 1048576;
  c.mounts = {vol, tmp};
  c.devices = {{"/dev/fuse", "", ""}};
  c.cap_add = {"SYS_TIME"};
  c.cap_drop = {"MKNOD"};
  c.cpu_hard_limit = true;
  c.cpu_cfs_period = 50000;
  c.readonly_rootfs = true;
  c.pids_limit = 512;
  c.init = true;
  c.group_add = {"audio"};
  c.storage_opt = {{"size", "10G"}};
  c.oom_score_adj = 100;
  c.memory_hard_limit = 1024;
  c.healthchecks_disable = true;
  c.runtime = "runc";
  auto job = test::one_task_job(c);
  job.meta = {{"VERSION", "1.4.2"}};
  auto& task = test::only_task(job);
  task.user = "nobody";
  task.env = {{"MY_ENV", "from-task"}, {"PORT", "${NOMAD_PORT_http}"}};
  task.resources.cpu = 1000;
  task.resources.memory_mb = 512;
  task.resources.ports = {{"http", 0, 0, ""}, {"admin", 9090, 0, ""}};
  return job;
}

client_config full_client() {
  auto client = test::test_client();
  client.volumes_selinuxlabel = "z";
  client.caps_whitelist.push_back("SYS_TIME");
  client.node_meta = {{"rack", "r12"}};
  return client;
}

TEST(golden, full_options) {
  auto plan = plan_job(full_job(), full_client(), test::fixed_plan());
  ASSERT_TRUE(plan.ok()) << to_string(plan.problems[0]);
  ASSERT_EQ(plan.warnings.size(), 1u); // the spoofed com.stevedore.node label
  EXPECT_NE(plan.warnings[0].find("com.stevedore.node"), std::string::npos);
  expect_golden("full_options", plan.create_bodies.at(0).dump(2) + "\n");
}

TEST(golden, body_text_is_compact_dump) {
  auto plan = plan_job(full_job(), full_client(), test::fixed_plan());
  ASSERT_FALSE(plan.instances.empty());
  EXPECT_EQ(plan.instances[0].create_body_text, plan.create_bodies.at(0).dump());
}

// By default the planner keeps only the text: the tree is what a running
// task would otherwise hold twice.
TEST(golden, default_plan_keeps_the_text_only) {
  auto options = test::fixed_plan();
  auto with_tree = plan_job(full_job(), full_client(), options);
  options.keep_create_body = false;
  auto text_only = plan_job(full_job(), full_client(), options);
  ASSERT_FALSE(with_tree.instances.empty());
  ASSERT_EQ(text_only.instances.size(), with_tree.instances.size());
  EXPECT_TRUE(text_only.create_bodies.empty());
  EXPECT_TRUE(text_only.instances[0].env.empty());
  EXPECT_TRUE(text_only.instances[0].labels.empty());
  EXPECT_FALSE(with_tree.instances[0].env.empty());
  EXPECT_EQ(text_only.instances[0].create_body_text, with_tree.instances[0].create_body_text);
}

TEST(golden, two_groups_plan) {
  docker_config c;
  c.image = "nginx";
  c.port_map = {{"http", 80}};
  auto job = test::one_task_job(c);
  auto& web = job.groups[0];
  web.name = "frontend";
  web.count = 2;
  web.tasks[0].name = "nginx";
  web.tasks[0].resources.ports = {{"http", 0, 0, ""}};
  task_spec sidecar;
  sidecar.name = "logshipper";
  sidecar.config.image = "busybox@sha256:"
                         "3fbc632167424a6d997e74f52b878d7cc478225cffac6bc977eedfe51c7f4e79";
  sidecar.config.command = "sh";
  sidecar.config.args = {"-c", "tail -F /alloc/logs/nginx.stdout.0"};
  sidecar.resources.cpu = 50;
  sidecar.resources.memory_mb = 32;
  web.tasks.push_back(sidecar);
  group_spec batch;
  batch.name = "loader";
  task_spec loader;
  loader.name = "load";
  loader.config.image = "app:2";
  loader.config.load = "app.tar";
  batch.tasks.push_back(loader);
  job.groups.push_back(batch);
  auto plan = plan_job(job, test::test_client(), test::fixed_plan());
  ASSERT_TRUE(plan.ok()) << to_string(plan.problems[0]);
  expect_golden("two_groups_plan", plan_json(plan).dump(2) + "\n");
}

} // namespace

namespace {

// The specification's examples as a job file, through the decoder, the
// rules and the plan: the same path `stevedore plan` takes.
TEST(golden, spec_webservice_from_hcl) {
  std::string file = std::string(STEVEDORE_GOLDEN_DIR) + "/spec_webservice.hcl";
  auto text = read_file(file);
  ASSERT_FALSE(text.empty()) << file;
  auto job = read_job(text, "spec_webservice.hcl");
  ASSERT_TRUE(job.ok()) << to_string(job.problems[0]);
  auto client = full_client();
  client.node_meta = {{"foo", "bar"}};
  EXPECT_TRUE(check_job(job.value, client).empty());
  auto plan = plan_job(job.value, client, test::fixed_plan());
  ASSERT_TRUE(plan.ok()) << to_string(plan.problems[0]);
  EXPECT_TRUE(plan.warnings.empty()) << plan.warnings[0];
  expect_golden("spec_webservice", plan_json(plan).dump(2) + "\n");
}

} // namespace
