// The task's docker `config` block (policy/config_decode.cpp): every option,
// in the shapes HCL1 produces, and every rejection with its exact text.
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "policy/rules.hpp"
#include "tests/policy/decode_helpers.hpp"

namespace stevedore::policy {
namespace {

using testing::config_job;
using testing::first_task;
using testing::hcl_job;
using testing::lines;

const std::string config_path = "job.web.group.cache.task.redis.config";

// ---- accepted ---------------------------------------------------------------

struct good_case {
  const char* name;
  std::string body;
  std::function<void(const docker_config&)> check;
  std::vector<std::string> warnings = {};
};

void PrintTo(const good_case& c, std::ostream* os) { *os << c.name; }

class config_accepts : public ::testing::TestWithParam<good_case> {};

TEST_P(config_accepts, option) {
  const auto& c = GetParam();
  auto r = hcl_job(config_job(c.body));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(lines(r.problems));
  c.check(first_task(r.value).config);
  EXPECT_EQ(r.warnings, c.warnings);
}

using strings = std::vector<std::string>;
using smap = string_map;

const good_case good_cases[] = {
  {"defaults", "", [](const docker_config& c) {
     docker_config d;
     EXPECT_EQ(c.image, "redis:3.2");
     EXPECT_EQ(c.cpu_cfs_period, 100000);
     EXPECT_TRUE(c.ssl);
     EXPECT_FALSE(c.has_auth);
     EXPECT_EQ(c.image_pull_timeout_ms, 300000);
     EXPECT_EQ(c.pids_limit, d.pids_limit);
     EXPECT_TRUE(c.mounts.empty());
   }},
  {"load", "load = \"redis.tar\"", [](const docker_config& c) { EXPECT_EQ(c.load, "redis.tar"); }},
  {"command", "command = \"my-command\"",
   [](const docker_config& c) { EXPECT_EQ(c.command, "my-command"); }},
  {"args", "args = [\"-bind\", \"${NOMAD_PORT_http}\", 42]",
   [](const docker_config& c) { EXPECT_EQ(c.args, (strings{"-bind", "${NOMAD_PORT_http}", "42"})); }},
  {"entrypoint", "entrypoint = [\"/bin/sh\", \"-c\"]",
   [](const docker_config& c) { EXPECT_EQ(c.entrypoint, (strings{"/bin/sh", "-c"})); }},
  {"auth", "auth {\nusername = \"u\"\npassword = \"p\"\nemail = \"e@x\"\nserver_address = \"quay.io\"\n}",
   [](const docker_config& c) {
     EXPECT_TRUE(c.has_auth);
     EXPECT_EQ(c.auth.username, "u");
     EXPECT_EQ(c.auth.password, "p");
     EXPECT_EQ(c.auth.email, "e@x");
     EXPECT_EQ(c.auth.server_address, "quay.io");
   }},
  {"auth as list of one map", "auth = [{ username = \"u\" }]",
   [](const docker_config& c) {
     EXPECT_TRUE(c.has_auth);
     EXPECT_EQ(c.auth.username, "u");
   }},
  {"empty auth block still counts", "auth {}",
   [](const docker_config& c) { EXPECT_TRUE(c.has_auth); }},
  {"auth_soft_fail", "auth_soft_fail = true",
   [](const docker_config& c) { EXPECT_TRUE(c.auth_soft_fail); }},
  {"dns_search_domains", "dns_search_domains = [\"a.local\", \"b.local\"]",
   [](const docker_config& c) { EXPECT_EQ(c.dns_search_domains, (strings{"a.local", "b.local"})); }},
  {"dns_options", "dns_options = [\"ndots:2\"]",
   [](const docker_config& c) { EXPECT_EQ(c.dns_options, (strings{"ndots:2"})); }},
  {"dns_servers v4 and v6", "dns_servers = [\"8.8.8.8\", \"2001:4860:4860::8888\"]",
   [](const docker_config& c) {
     EXPECT_EQ(c.dns_servers, (strings{"8.8.8.8", "2001:4860:4860::8888"}));
   }},
  {"dns_servers interpolated", "dns_servers = [\"${attr.unique.network.ip-address}\"]",
   [](const docker_config& c) { EXPECT_EQ(c.dns_servers.size(), 1u); }},
  {"extra_hosts", "extra_hosts = [\"db:10.0.0.5\", \"v6:fe80::1\", \"gw:host-gateway\"]",
   [](const docker_config& c) {
     EXPECT_EQ(c.extra_hosts, (strings{"db:10.0.0.5", "v6:fe80::1", "gw:host-gateway"}));
   }},
  {"force_pull", "force_pull = true", [](const docker_config& c) { EXPECT_TRUE(c.force_pull); }},
  {"force_pull as string", "force_pull = \"true\"",
   [](const docker_config& c) { EXPECT_TRUE(c.force_pull); }},
  {"hostname", "hostname = \"box\"", [](const docker_config& c) { EXPECT_EQ(c.hostname, "box"); }},
  {"interactive", "interactive = true",
   [](const docker_config& c) { EXPECT_TRUE(c.interactive); }},
  {"sysctl (spec example)", "sysctl {\nnet.core.somaxconn = \"16384\"\n}",
   [](const docker_config& c) { EXPECT_EQ(c.sysctl, (smap{{"net.core.somaxconn", "16384"}})); }},
  {"sysctl number value", "sysctl {\nnet.core.somaxconn = 16384\n}",
   [](const docker_config& c) { EXPECT_EQ(c.sysctl, (smap{{"net.core.somaxconn", "16384"}})); }},
  {"ulimit (spec example)", "ulimit {\nnproc = \"4242\"\nnofile = \"2048:4096\"\n}",
   [](const docker_config& c) {
     EXPECT_EQ(c.ulimit, (smap{{"nproc", "4242"}, {"nofile", "2048:4096"}}));
   }},
  {"ulimit number and unlimited", "ulimit {\nnproc = 4242\ncore = \"-1\"\nmemlock = \"64:-1\"\n}",
   [](const docker_config& c) {
     EXPECT_EQ(c.ulimit, (smap{{"nproc", "4242"}, {"core", "-1"}, {"memlock", "64:-1"}}));
   }},
  {"privileged", "privileged = true", [](const docker_config& c) { EXPECT_TRUE(c.privileged); }},
  {"namespace modes", "ipc_mode = \"host\"\npid_mode = \"host\"\nuts_mode = \"host\"\nuserns_mode = \"host\"",
   [](const docker_config& c) {
     EXPECT_EQ(c.ipc_mode, "host");
     EXPECT_EQ(c.pid_mode, "host");
     EXPECT_EQ(c.uts_mode, "host");
     EXPECT_EQ(c.userns_mode, "host");
   }},
  {"ipv4_address", "ipv4_address = \"172.20.0.10\"",
   [](const docker_config& c) { EXPECT_EQ(c.ipv4_address, "172.20.0.10"); }},
  {"ipv6_address", "ipv6_address = \"fd00::10\"",
   [](const docker_config& c) { EXPECT_EQ(c.ipv6_address, "fd00::10"); }},
  {"labels block (spec example)", "labels {\nfoo = \"bar\"\nzip = \"zap\"\n}",
   [](const docker_config& c) { EXPECT_EQ(c.labels, (smap{{"foo", "bar"}, {"zip", "zap"}})); }},
  {"labels as map value", "labels = { foo = \"bar\" }",
   [](const docker_config& c) { EXPECT_EQ(c.labels, (smap{{"foo", "bar"}})); }},
  {"labels as list of one map", "labels = [{ foo = \"bar\" }]",
   [](const docker_config& c) { EXPECT_EQ(c.labels, (smap{{"foo", "bar"}})); }},
  {"labels blocks merge", "labels { a = \"1\" }\nlabels { b = \"2\" }",
   [](const docker_config& c) { EXPECT_EQ(c.labels, (smap{{"a", "1"}, {"b", "2"}})); }},
  {"logging (spec example)",
   "logging {\ntype = \"fluentd\"\nconfig {\nfluentd-address = \"localhost:24224\"\ntag = \"your_tag\"\n}\n}",
   [](const docker_config& c) {
     EXPECT_EQ(c.logging.type, "fluentd");
     EXPECT_EQ(c.logging.config,
               (smap{{"fluentd-address", "localhost:24224"}, {"tag", "your_tag"}}));
   }},
  {"logging as HCL1 JSON lists", "logging = [{ type = \"syslog\", config = [{ tag = \"x\" }] }]",
   [](const docker_config& c) {
     EXPECT_EQ(c.logging.type, "syslog");
     EXPECT_EQ(c.logging.config, (smap{{"tag", "x"}}));
   }},
  {"mac_address", "mac_address = \"02:68:b3:29:da:98\"",
   [](const docker_config& c) { EXPECT_EQ(c.mac_address, "02:68:b3:29:da:98"); }},
  {"mac_address with dashes", "mac_address = \"02-68-B3-29-DA-98\"",
   [](const docker_config& c) { EXPECT_EQ(c.mac_address, "02-68-B3-29-DA-98"); }},
  {"network_mode and aliases (spec example)",
   "network_mode = \"user-network\"\nnetwork_aliases = [\n\"${NOMAD_TASK_NAME}\",\n\"${NOMAD_TASK_NAME}-${NOMAD_ALLOC_INDEX}\"\n]",
   [](const docker_config& c) {
     EXPECT_EQ(c.network_mode, "user-network");
     EXPECT_EQ(c.network_aliases,
               (strings{"${NOMAD_TASK_NAME}", "${NOMAD_TASK_NAME}-${NOMAD_ALLOC_INDEX}"}));
   }},
  {"port_map (spec example)", "port_map {\nredis = 6379\n}",
   [](const docker_config& c) { EXPECT_EQ(c.port_map, (std::map<std::string, std::int64_t>{{"redis", 6379}})); },
   {"job.hcl:7:1: job.web.group.cache.task.redis.config.port_map.redis: no port \"redis\" in "
    "resources.network; this mapping is unused"}},
  {"port_map as string and list of one map", "port_map = [{ redis = \"6379\" }]",
   [](const docker_config& c) { EXPECT_EQ(c.port_map.at("redis"), 6379); },
   {"job.hcl:7:12: job.web.group.cache.task.redis.config.port_map.redis: no port \"redis\" in "
    "resources.network; this mapping is unused"}},
  {"security_opt (spec example)", "security_opt = [\n\"credentialspec=file://gmsaUser.json\",\n]",
   [](const docker_config& c) {
     EXPECT_EQ(c.security_opt, (strings{"credentialspec=file://gmsaUser.json"}));
   }},
  {"shm_size", "shm_size = 67108864", [](const docker_config& c) { EXPECT_EQ(c.shm_size, 67108864); }},
  {"shm_size as string", "shm_size = \"1024\"",
   [](const docker_config& c) { EXPECT_EQ(c.shm_size, 1024); }},
  {"SSL deprecated", "SSL = false", [](const docker_config& c) { EXPECT_FALSE(c.ssl); },
   {"job.hcl:7:7: job.web.group.cache.task.redis.config.SSL: deprecated since Nomad 0.5.3 and "
    "ignored"}},
  {"tty", "tty = true", [](const docker_config& c) { EXPECT_TRUE(c.tty); }},
  {"volumes (spec example)",
   "volumes = [\n# Use absolute paths to mount arbitrary paths on the host\n\"/path/on/host:/path/in/container\",\n\n# Use relative paths to rebind paths already in the allocation dir\n\"relative/to/task:/also/in/container\"\n]",
   [](const docker_config& c) {
     EXPECT_EQ(c.volumes,
               (strings{"/path/on/host:/path/in/container", "relative/to/task:/also/in/container"}));
   }},
  {"volumes with modes", "volumes = [\"/a:/b:ro\", \"/c:/d:rw,z\"]",
   [](const docker_config& c) { EXPECT_EQ(c.volumes.size(), 2u); }},
  {"volume_driver (spec example)",
   "volumes = [\n# Use named volume created outside nomad.\n\"name-of-the-volume:/path/in/container\"\n]\n# Name of the Docker Volume Driver used by the container\nvolume_driver = \"pxd\"",
   [](const docker_config& c) {
     EXPECT_EQ(c.volumes, (strings{"name-of-the-volume:/path/in/container"}));
     EXPECT_EQ(c.volume_driver, "pxd");
   }},
  {"work_dir", "work_dir = \"/srv\"", [](const docker_config& c) { EXPECT_EQ(c.work_dir, "/srv"); }},
  {"mounts (spec example)",
   "mounts = [\n{\ntarget = \"/path/in/container\"\nsource = \"name-of-volume\"\nreadonly = false\n"
   "volume_options {\nno_copy = false\nlabels {\nfoo = \"bar\"\n}\ndriver_config {\nname = \"pxd\"\n"
   "options = {\nfoo = \"bar\"\n}\n}\n}\n}\n]",
   [](const docker_config& c) {
     ASSERT_EQ(c.mounts.size(), 1u);
     const auto& m = c.mounts[0];
     EXPECT_EQ(m.type, "volume");
     EXPECT_EQ(m.target, "/path/in/container");
     EXPECT_EQ(m.source, "name-of-volume");
     EXPECT_FALSE(m.readonly);
     EXPECT_FALSE(m.volume_options.no_copy);
     EXPECT_EQ(m.volume_options.labels, (smap{{"foo", "bar"}}));
     EXPECT_EQ(m.volume_options.driver_config.name, "pxd");
     EXPECT_EQ(m.volume_options.driver_config.options, (smap{{"foo", "bar"}}));
   }},
  {"mount blocks: bind and tmpfs",
   "mount {\ntype = \"bind\"\ntarget = \"/etc/app\"\nsource = \"local/app\"\nreadonly = true\n"
   "bind_options { propagation = \"rshared\" }\n}\nmount {\ntype = \"tmpfs\"\ntarget = \"/scratch\"\n"
   "tmpfs_options {\nsize = 100000\nmode = 01777\n}\n}",
   [](const docker_config& c) {
     ASSERT_EQ(c.mounts.size(), 2u);
     EXPECT_EQ(c.mounts[0].type, "bind");
     EXPECT_TRUE(c.mounts[0].readonly);
     EXPECT_EQ(c.mounts[0].bind_propagation, "rshared");
     EXPECT_EQ(c.mounts[1].type, "tmpfs");
     EXPECT_EQ(c.mounts[1].tmpfs_size, 100000);
     EXPECT_EQ(c.mounts[1].tmpfs_mode, 01777);
   }},
  {"devices (spec example)",
   "devices = [\n{\nhost_path = \"/dev/sda1\"\ncontainer_path = \"/dev/xvdc\"\ncgroup_permissions = \"r\"\n},\n"
   "{\nhost_path = \"/dev/sda2\"\ncontainer_path = \"/dev/xvdd\"\n}\n]",
   [](const docker_config& c) {
     ASSERT_EQ(c.devices.size(), 2u);
     EXPECT_EQ(c.devices[0].host_path, "/dev/sda1");
     EXPECT_EQ(c.devices[0].container_path, "/dev/xvdc");
     EXPECT_EQ(c.devices[0].cgroup_permissions, "r");
     EXPECT_EQ(c.devices[1].cgroup_permissions, "rwm");
   }},
  {"device container_path defaults to host_path", "devices = [{ host_path = \"/dev/fuse\" }]",
   [](const docker_config& c) {
     ASSERT_EQ(c.devices.size(), 1u);
     EXPECT_EQ(c.devices[0].container_path, "/dev/fuse");
     EXPECT_EQ(c.devices[0].cgroup_permissions, "rwm");
   }},
  {"cap_add and cap_drop (spec examples)", "cap_add = [\n\"SYS_TIME\",\n]\ncap_drop = [\n\"MKNOD\",\n]",
   [](const docker_config& c) {
     EXPECT_EQ(c.cap_add, (strings{"SYS_TIME"}));
     EXPECT_EQ(c.cap_drop, (strings{"MKNOD"}));
   }},
  {"cpu_hard_limit and cfs period", "cpu_hard_limit = true\ncpu_cfs_period = 50000",
   [](const docker_config& c) {
     EXPECT_TRUE(c.cpu_hard_limit);
     EXPECT_EQ(c.cpu_cfs_period, 50000);
   }},
  {"cpu_cfs_period 0 means the default", "cpu_cfs_period = 0",
   [](const docker_config& c) { EXPECT_EQ(c.cpu_cfs_period, 100000); }},
  {"cpu_cfs_period maximum", "cpu_cfs_period = 1000000",
   [](const docker_config& c) { EXPECT_EQ(c.cpu_cfs_period, 1000000); }},
  {"advertise_ipv6_address", "advertise_ipv6_address = true",
   [](const docker_config& c) { EXPECT_TRUE(c.advertise_ipv6_address); }},
  {"readonly_rootfs", "readonly_rootfs = true",
   [](const docker_config& c) { EXPECT_TRUE(c.readonly_rootfs); }},
  {"pids_limit", "pids_limit = 64", [](const docker_config& c) { EXPECT_EQ(c.pids_limit, 64); }},
  {"init", "init = true", [](const docker_config& c) { EXPECT_TRUE(c.init); }},
  {"group_add", "group_add = [\"video\", \"1001\"]",
   [](const docker_config& c) { EXPECT_EQ(c.group_add, (strings{"video", "1001"})); }},
  {"storage_opt", "storage_opt { size = \"40G\" }",
   [](const docker_config& c) { EXPECT_EQ(c.storage_opt, (smap{{"size", "40G"}})); }},
  {"oom_score_adj bounds", "oom_score_adj = -1000",
   [](const docker_config& c) { EXPECT_EQ(c.oom_score_adj, -1000); }},
  {"memory_hard_limit", "memory_hard_limit = 512",
   [](const docker_config& c) { EXPECT_EQ(c.memory_hard_limit, 512); }},
  {"healthchecks", "healthchecks { disable = true }",
   [](const docker_config& c) { EXPECT_TRUE(c.healthchecks_disable); }},
  {"runtime", "runtime = \"runsc\"", [](const docker_config& c) { EXPECT_EQ(c.runtime, "runsc"); }},
  {"image_pull_timeout", "image_pull_timeout = \"90s\"",
   [](const docker_config& c) { EXPECT_EQ(c.image_pull_timeout_ms, 90000); }},
};

INSTANTIATE_TEST_SUITE_P(all, config_accepts, ::testing::ValuesIn(good_cases),
                         [](const auto& info) {
                           std::string n = info.param.name;
                           for (auto& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch)))
                               ch = '_';
                           return n;
                         });

// ---- image -----------------------------------------------------------------

struct image_case {
  const char* name;
  std::string line; // the config body (no image line of the wrapper)
  std::string stored;
  std::vector<std::string> problems;
};

TEST(config_image, accepted_and_rejected) {
  const std::string p = config_path + ".image: job.hcl:";
  const image_case cases[] = {
    {"plain", "image = \"redis:3.2\"", "redis:3.2", {}},
    {"https stripped (spec example)", "image = \"https://hub.docker.internal/redis:3.2\"",
     "hub.docker.internal/redis:3.2", {}},
    {"registry with port", "image = \"127.0.0.1:5000/app:1\"", "127.0.0.1:5000/app:1", {}},
    {"interpolated is checked later", "image = \"redis:${NOMAD_META_version}\"",
     "redis:${NOMAD_META_version}", {}},
    {"missing", "command = \"x\"", "", {config_path + ".image: job.hcl:5:7: required"}},
    {"uppercase", "image = \"Redis\"", "Redis",
     {p + "6:9: \"Redis\" is not a valid image reference: repository name must be lowercase"}},
    {"http scheme", "image = \"http://r.local/app\"", "http://r.local/app",
     {p + "6:9: \"http://r.local/app\" is not a valid image reference: drop \"http://\": the "
          "daemon itself chooses HTTPS, or plain HTTP for registries it trusts as insecure"}},
    {"empty", "image = \"\"", "",
     {p + "6:9: \"\" is not a valid image reference: it is empty"}},
    {"not a string", "image = [\"redis\"]", "", {p + "6:9: expected a string, got a list"}},
    {"twice", "image = \"redis\"\nimage = \"nginx\"", "redis",
     {p + "7:9: set more than once (first at 6:9)"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = hcl_job(config_job(c.line, false));
    EXPECT_EQ(lines(r.problems), c.problems);
    EXPECT_EQ(first_task(r.value).config.image, c.stored);
  }
}

// ---- rejected ---------------------------------------------------------------

struct bad_case {
  const char* name;
  std::string body; // starts on line 7
  std::vector<std::string> problems;
};

void PrintTo(const bad_case& c, std::ostream* os) { *os << c.name; }

class config_rejects : public ::testing::TestWithParam<bad_case> {};

TEST_P(config_rejects, with_exact_errors) {
  const auto& c = GetParam();
  auto r = hcl_job(config_job(c.body));
  EXPECT_EQ(lines(r.problems), c.problems);
}

std::string at(const std::string& field, const std::string& pos, const std::string& why) {
  return config_path + "." + field + ": job.hcl:" + pos + ": " + why;
}

const bad_case bad_cases[] = {
  // unknown keys and types
  {"unknown option", "ulimitt {\nnofile = \"1\"\n}", {at("ulimitt", "7:1", "unknown option")}},
  {"unknown option as assignment", "imagee = \"x\"", {at("imagee", "7:10", "unknown option")}},
  {"bool as word", "privileged = \"yes\"", {at("privileged", "7:14", "expected a bool, got \"yes\"")}},
  {"bool as number", "tty = 1", {at("tty", "7:7", "expected a bool, got a number")}},
  {"string as block", "hostname { }", {at("hostname", "7:1", "expected a string, got a block")}},
  {"string as bool", "command = true", {at("command", "7:11", "expected a string, got a bool")}},
  {"integer as word", "shm_size = \"big\"", {at("shm_size", "7:12", "expected an integer, got \"big\"")}},
  {"integer with fraction", "pids_limit = 1.5", {at("pids_limit", "7:14", "expected an integer, got 1.5")}},
  {"list as string", "args = \"-v\"", {at("args", "7:8", "expected a list of strings, got a string")}},
  {"list entry as block", "args = [\"a\", {}]",
   {at("args[1]", "7:14", "expected a string, got a map")}},
  {"map as string", "labels = \"a=b\"", {at("labels", "7:10", "expected a map, got a string")}},
  {"map value as list", "labels { a = [\"b\"] }", {at("labels.a", "7:14", "expected a string, got a list")}},
  {"duplicate scalar", "tty = true\ntty = false", {at("tty", "8:7", "set more than once (first at 7:7)")}},
  {"duplicate map key across blocks", "labels { a = \"1\" }\nlabels { a = \"2\" }",
   {at("labels.a", "8:14", "set more than once (first at 7:14)")}},
  {"duplicate map key in one block", "labels {\na = \"1\"\na = \"2\"\n}",
   {at("labels.a", "9:5", "set more than once (first at 8:5)")}},
  {"dotted key path is quoted", "sysctl { net.core.somaxconn = [] }",
   {config_path + ".sysctl[\"net.core.somaxconn\"]: job.hcl:7:31: expected a string, got a list"}},
  // ulimit
  {"ulimit empty", "ulimit { nofile = \"\" }", {at("ulimit.nofile", "7:19", "cannot be empty")}},
  {"ulimit bad soft", "ulimit { nofile = \"abc:10\" }",
   {at("ulimit.nofile", "7:19", "soft limit \"abc\" is not an integer (-1 for unlimited)")}},
  {"ulimit bad soft alone", "ulimit { nofile = \"1k\" }",
   {at("ulimit.nofile", "7:19", "soft limit \"1k\" is not an integer (-1 for unlimited)")}},
  {"ulimit bad hard", "ulimit { nofile = \"10:x\" }",
   {at("ulimit.nofile", "7:19", "hard limit \"x\" is not an integer (-1 for unlimited)")}},
  {"ulimit empty hard", "ulimit { nofile = \"10:\" }",
   {at("ulimit.nofile", "7:19", "hard limit \"\" is not an integer (-1 for unlimited)")}},
  {"ulimit soft above hard", "ulimit { nofile = \"4096:2048\" }",
   {at("ulimit.nofile", "7:19", "soft limit 4096 is greater than hard limit 2048")}},
  {"ulimit unlimited soft, limited hard", "ulimit { nofile = \"-1:2048\" }",
   {at("ulimit.nofile", "7:19", "soft limit -1 is greater than hard limit 2048")}},
  {"ulimit unknown name", "ulimit { files = \"10\" }",
   {at("ulimit.files", "7:18",
       "unknown ulimit \"files\" (core, cpu, data, fsize, locks, memlock, msgqueue, nice, "
       "nofile, nproc, rss, rtprio, rttime, sigpending, stack)")}},
  // addresses
  {"dns server not an address", "dns_servers = [\"8.8.8.8\", \"dns.google\"]",
   {at("dns_servers[1]", "7:27", "\"dns.google\" is not an IP address")}},
  {"extra host without ip", "extra_hosts = [\"db\"]", {at("extra_hosts[0]", "7:16", "\"db\" is not host:IP")}},
  {"extra host empty name", "extra_hosts = [\":10.0.0.1\"]",
   {at("extra_hosts[0]", "7:16", "\":10.0.0.1\" is not host:IP")}},
  {"extra host bad ip", "extra_hosts = [\"db:10.0.0\"]",
   {at("extra_hosts[0]", "7:16", "\"db:10.0.0\" is not host:IP: \"10.0.0\" is not an IP address")}},
  {"mac address short", "mac_address = \"02:68:b3:29:da\"",
   {at("mac_address", "7:15",
       "\"02:68:b3:29:da\" is not a MAC address (six hex pairs, e.g. 02:42:ac:11:00:02)")}},
  {"mac address mixed separators", "mac_address = \"02:68-b3:29:da:98\"",
   {at("mac_address", "7:15",
       "\"02:68-b3:29:da:98\" is not a MAC address (six hex pairs, e.g. 02:42:ac:11:00:02)")}},
  {"ipv4 address", "ipv4_address = \"10.0.0.300\"",
   {at("ipv4_address", "7:16", "\"10.0.0.300\" is not an IPv4 address")}},
  {"ipv4 address given v6", "ipv4_address = \"fd00::1\"",
   {at("ipv4_address", "7:16", "\"fd00::1\" is not an IPv4 address")}},
  {"ipv6 address", "ipv6_address = \"10.0.0.1\"",
   {at("ipv6_address", "7:16", "\"10.0.0.1\" is not an IPv6 address")}},
  // numbers
  {"shm_size negative", "shm_size = -1", {at("shm_size", "7:12", "must not be negative, got -1")}},
  {"pids_limit negative", "pids_limit = -5", {at("pids_limit", "7:14", "must not be negative, got -5")}},
  {"cpu_cfs_period too large", "cpu_cfs_period = 1000001",
   {at("cpu_cfs_period", "7:18",
       "must be between 1000 and 1000000 microseconds (0: the default 100000), got 1000001")}},
  {"cpu_cfs_period below the kernel's 1ms", "cpu_cfs_period = 500",
   {at("cpu_cfs_period", "7:18",
       "must be between 1000 and 1000000 microseconds (0: the default 100000), got 500")}},
  {"cpu_cfs_period negative", "cpu_cfs_period = -1",
   {at("cpu_cfs_period", "7:18",
       "must be between 1000 and 1000000 microseconds (0: the default 100000), got -1")}},
  {"oom_score_adj too low", "oom_score_adj = -1001",
   {at("oom_score_adj", "7:17", "must be between -1000 and 1000, got -1001")}},
  {"oom_score_adj too high", "oom_score_adj = 1001",
   {at("oom_score_adj", "7:17", "must be between -1000 and 1000, got 1001")}},
  {"memory_hard_limit negative", "memory_hard_limit = -1",
   {at("memory_hard_limit", "7:21", "must not be negative, got -1")}},
  {"memory_hard_limit beyond 64-bit bytes", "memory_hard_limit = 9223372036854775807",
   {at("memory_hard_limit", "7:21", "maximum is 1073741824 MB, got 9223372036854775807")}},
  // HCL1 refuses the literal; HCL2 reads it as a number, which the decoder refuses.
  {"integer out of range", "shm_size = 99999999999999999999",
   {at("shm_size", "7:12", "integer 99999999999999999999 is out of range")}},
  {"integer too large for int64 from a string", "shm_size = \"99999999999999999999\"",
   {at("shm_size", "7:12", "expected an integer, got \"99999999999999999999\"")}},
  // port_map
  {"port_map zero", "port_map { http = 0 }", {at("port_map.http", "7:19", "port 0 out of range 1..65535")}},
  {"port_map too large", "port_map { http = 70000 }",
   {at("port_map.http", "7:19", "port 70000 out of range 1..65535")}},
  {"port_map not a number", "port_map { http = \"web\" }",
   {at("port_map.http", "7:19", "expected an integer, got \"web\"")}},
  {"port_map label twice", "port_map { http = 80 }\nport_map { http = 81 }",
   {at("port_map.http", "8:19", "set more than once (first at 7:19)")}},
  // devices
  {"device without host_path", "devices = [{ container_path = \"/dev/x\" }]",
   {at("devices[0].host_path", "7:12", "required")}},
  {"device bad permissions", "devices = [{ host_path = \"/dev/x\", cgroup_permissions = \"rwx\" }]",
   {at("devices[0].cgroup_permissions", "7:57",
       "\"rwx\" is not a cgroup permission string (only the letters r, w and m)")}},
  {"device unknown key", "devices = [{ host_path = \"/dev/x\", perms = \"r\" }]",
   {at("devices[0].perms", "7:44", "unknown option")}},
  // mounts
  {"mount without target", "mounts = [{ source = \"v\" }]", {at("mounts[0].target", "7:11", "required")}},
  {"mount unknown type", "mounts = [{ type = \"nfs\", target = \"/x\" }]",
   {at("mounts[0].type", "7:20", "unknown mount type \"nfs\" (volume, bind or tmpfs)")}},
  {"bind mount without source", "mount {\ntype = \"bind\"\ntarget = \"/x\"\n}",
   {at("mount[0].source", "7:1", "required for a bind mount")}},
  {"tmpfs mount with source", "mount {\ntype = \"tmpfs\"\ntarget = \"/x\"\nsource = \"y\"\n}",
   {at("mount[0].source", "10:10", "a tmpfs mount takes no source")}},
  {"volume options on a bind mount",
   "mount {\ntype = \"bind\"\nsource = \"a\"\ntarget = \"/x\"\nvolume_options { no_copy = true }\n}",
   {at("mount[0].volume_options", "11:1", "only for volume mounts, this one is bind")}},
  {"bad propagation",
   "mount {\ntype = \"bind\"\nsource = \"a\"\ntarget = \"/x\"\nbind_options { propagation = \"up\" }\n}",
   {at("mount[0].bind_options.propagation", "11:30",
       "unknown propagation \"up\" (private, rprivate, shared, rshared, slave, rslave)")}},
  {"mount unknown key", "mounts = [{ target = \"/x\", size = 1 }]",
   {at("mounts[0].size", "7:35", "unknown option")}},
  {"volume driver_config unknown key",
   "mounts = [{ target = \"/x\", volume_options { driver_config { nam = \"x\" } } }]",
   {at("mounts[0].volume_options.driver_config.nam", "7:67", "unknown option")}},
  // volumes
  {"volume without container path", "volumes = [\"/data\"]",
   {at("volumes[0]", "7:12", "\"/data\" is not host_path:container_path[:mode]")}},
  {"volume with bad mode", "volumes = [\"/a:/b:rx\"]",
   {at("volumes[0]", "7:12", "unknown volume mode \"rx\" in \"/a:/b:rx\"")}},
  // blocks
  {"auth unknown key", "auth {\nuser = \"u\"\n}", {at("auth.user", "8:8", "unknown option")}},
  {"auth twice", "auth { username = \"a\" }\nauth { username = \"b\" }",
   {at("auth", "8:1", "given more than once (first at 7:1)")}},
  {"logging unknown key", "logging {\nformat = \"syslog\"\n}", {at("logging.format", "8:10", "unknown option")}},
  {"healthchecks unknown key", "healthchecks { enabled = false }",
   {at("healthchecks.enabled", "7:26", "unknown option")}},
  {"SSL not a bool", "SSL = \"maybe\"", {at("SSL", "7:7", "expected a bool, got \"maybe\"")}},
  // durations
  {"image_pull_timeout unit", "image_pull_timeout = \"5x\"",
   {at("image_pull_timeout", "7:22", "unknown unit \"x\" in duration \"5x\"")}},
  {"image_pull_timeout zero", "image_pull_timeout = \"0s\"",
   {at("image_pull_timeout", "7:22", "must be longer than 0s")}},
  {"image_pull_timeout negative", "image_pull_timeout = \"-1m\"",
   {at("image_pull_timeout", "7:22", "duration \"-1m\" must not be negative")}},
  {"image_pull_timeout number", "image_pull_timeout = 300",
   {at("image_pull_timeout", "7:22",
       "expected a duration such as \"30s\" or \"1h30m\", got a number")}},
  // several problems at once, in source order
  {"every problem is reported", "tty = \"x\"\nshm_size = -1\nbogus = 1",
   {at("tty", "7:7", "expected a bool, got \"x\""), at("shm_size", "8:12", "must not be negative, got -1"),
    at("bogus", "9:9", "unknown option")}},
};

INSTANTIATE_TEST_SUITE_P(all, config_rejects, ::testing::ValuesIn(bad_cases),
                         [](const auto& info) {
                           std::string n = info.param.name;
                           for (auto& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch)))
                               ch = '_';
                           return n;
                         });

TEST(config_memory_hard_limit, must_not_be_below_the_task_memory) {
  auto r = hcl_job(
    "job \"web\" {\n group \"cache\" {\n  task \"redis\" {\n   driver = \"docker\"\n"
    "   config {\n    image = \"redis\"\n    memory_hard_limit = 128\n   }\n"
    "   resources { memory = 256 }\n  }\n }\n}\n");
  EXPECT_EQ(lines(r.problems),
            (std::vector<std::string>{
              config_path + ".memory_hard_limit: job.hcl:7:25: 128 MB is below the task's memory of 256 MB"}));
}

TEST(config_port_map, labels_with_ports_give_no_warning) {
  auto r = hcl_job(
    "job \"web\" {\n group \"cache\" {\n  task \"redis\" {\n   driver = \"docker\"\n"
    "   config {\n    image = \"redis\"\n    port_map { db = 6379 }\n   }\n"
    "   resources {\n    network {\n     mbits = 20\n     port \"db\" {}\n    }\n   }\n  }\n }\n}\n");
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(lines(r.problems));
  EXPECT_TRUE(r.warnings.empty()) << ::testing::PrintToString(r.warnings);
  EXPECT_EQ(first_task(r.value).config.port_map.at("db"), 6379);
}

} // namespace
} // namespace stevedore::policy
