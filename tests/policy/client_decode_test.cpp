// Client settings (policy/client_decode.cpp): Nomad's config_test.go style,
// named cases from "pure default" up, every docker.* option in every shape it
// may take, stevedore's own options, the plugin form, the JSON form, and each
// rejection with its exact text.
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "policy/rules.hpp"
#include "tests/policy/decode_helpers.hpp"

namespace stevedore::policy {
namespace {

using testing::dump;
using testing::lines;
using strings = std::vector<std::string>;

// client { options { <body> } }; the body starts on line 3.
std::string options(std::string_view body) {
  return "client {\n  options {\n" + std::string(body) + "\n  }\n}\n";
}

struct good_case {
  const char* name;
  std::string text;
  std::function<void(client_config&)> expect; // edits a default config into the wanted one
  std::vector<std::string> warnings = {};
};

void PrintTo(const good_case& c, std::ostream* os) { *os << c.name; }

class client_accepts : public ::testing::TestWithParam<good_case> {};

TEST_P(client_accepts, settings) {
  const auto& c = GetParam();
  auto r = read_client_config(c.text, "client.hcl");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(lines(r.problems));
  client_config want;
  c.expect(want);
  EXPECT_EQ(dump(r.value), dump(want));
  EXPECT_EQ(r.warnings, c.warnings);
}

const good_case good_cases[] = {
  {"pure default", "", [](client_config&) {}},
  {"empty client block", "client {}", [](client_config&) {}},
  {"node facts",
   "datacenter = \"dc2\"\nregion = \"eu\"\nname = \"node-7\"\nclient {\n  enabled = true\n"
   "  node_class = \"gpu\"\n  meta {\n    rack = \"r1\"\n  }\n  alloc_dir = \"/srv/alloc\"\n"
   "  min_dynamic_port = 21000\n  max_dynamic_port = 22000\n}",
   [](client_config& c) {
     c.datacenter = "dc2";
     c.region = "eu";
     c.node_name = "node-7";
     c.node_class = "gpu";
     c.node_meta = {{"rack", "r1"}};
     c.alloc_root = "/srv/alloc";
     c.min_dynamic_port = 21000;
     c.max_dynamic_port = 22000;
   }},
  {"endpoint unix", options("\"docker.endpoint\" = \"unix:///run/docker.sock\""),
   [](client_config& c) { c.endpoint = "unix:///run/docker.sock"; }},
  {"endpoint tcp", options("\"docker.endpoint\" = \"tcp://127.0.0.1:2376\""),
   [](client_config& c) { c.endpoint = "tcp://127.0.0.1:2376"; }},
  {"auth config and helper",
   options("\"docker.auth.config\" = \"/etc/docker/config.json\"\n\"docker.auth.helper\" = \"ecr-login\""),
   [](client_config& c) {
     c.auth_config = "/etc/docker/config.json";
     c.auth_helper = "ecr-login";
   }},
  {"auth helper (spec example)",
   "client {\n  enabled = true\n  options {\n    \"docker.auth.helper\" = \"ecr\"\n  }\n}",
   [](client_config& c) { c.auth_helper = "ecr"; }},
  {"tls with endpoint",
   options("\"docker.endpoint\" = \"https://10.0.0.1:2376\"\n\"docker.tls.cert\" = \"/c.pem\"\n"
           "\"docker.tls.key\" = \"/k.pem\"\n\"docker.tls.ca\" = \"/ca.pem\""),
   [](client_config& c) {
     c.endpoint = "https://10.0.0.1:2376";
     c.tls_cert = "/c.pem";
     c.tls_key = "/k.pem";
     c.tls_ca = "/ca.pem";
   }},
  {"tls without endpoint is a warning",
   options("\"docker.tls.cert\" = \"/c.pem\"\n\"docker.tls.key\" = \"/k.pem\"\n\"docker.tls.ca\" = \"/ca.pem\""),
   [](client_config& c) {
     c.tls_cert = "/c.pem";
     c.tls_key = "/k.pem";
     c.tls_ca = "/ca.pem";
   },
   {"client.hcl:3:21: client.options[\"docker.tls.cert\"]: TLS settings are ignored without docker.endpoint"}},
  {"cleanup image as string (spec example)",
   "client {\n  options {\n    \"docker.cleanup.image\" = \"false\"\n  }\n}",
   [](client_config& c) { c.cleanup_image = false; }},
  {"cleanup image as bool", options("\"docker.cleanup.image\" = false"),
   [](client_config& c) { c.cleanup_image = false; }},
  {"cleanup image as 0", options("\"docker.cleanup.image\" = \"0\""),
   [](client_config& c) { c.cleanup_image = false; }},
  {"cleanup delay", options("\"docker.cleanup.image.delay\" = \"1h30m\""),
   [](client_config& c) { c.cleanup_image_delay_ms = 90 * 60 * 1000; }},
  {"cleanup delay zero", options("\"docker.cleanup.image.delay\" = \"0s\""),
   [](client_config& c) { c.cleanup_image_delay_ms = 0; }},
  {"cleanup container", options("\"docker.cleanup.container\" = \"false\""),
   [](client_config& c) { c.cleanup_container = false; }},
  {"volumes", options("\"docker.volumes.enabled\" = \"false\"\n\"docker.volumes.selinuxlabel\" = \"z\""),
   [](client_config& c) {
     c.volumes_enabled = false;
     c.volumes_selinuxlabel = "z";
   }},
  {"privileged", options("\"docker.privileged.enabled\" = \"true\""),
   [](client_config& c) { c.privileged_enabled = true; }},
  {"caps whitelist", options("\"docker.caps.whitelist\" = \"CHOWN, net_raw ,SYS_TIME\""),
   [](client_config& c) { c.caps_whitelist = {"CHOWN", "NET_RAW", "SYS_TIME"}; }},
  {"caps whitelist ALL", options("\"docker.caps.whitelist\" = \"ALL\""),
   [](client_config& c) { c.caps_whitelist = {"ALL"}; }},
  {"allow runtimes", options("\"docker.allow_runtimes\" = \"runc,runsc\""),
   [](client_config& c) { c.allow_runtimes = {"runc", "runsc"}; }},
  {"pull activity timeout", options("\"docker.pull_activity_timeout\" = \"30s\""),
   [](client_config& c) { c.pull_activity_timeout_ms = 30000; }},
  {"stevedore options",
   options("\"stevedore.pull.max_concurrent\" = \"8\"\n\"stevedore.fingerprint.period\" = \"250ms\"\n"
           "\"stevedore.stats.interval\" = \"5s\"\n\"stevedore.bind_address\" = \"0.0.0.0\"\n"
           "\"stevedore.node_id\" = \"n-1\""),
   [](client_config& c) {
     c.max_concurrent_pulls = 8;
     c.fingerprint_period_ms = 250;
     c.stats_interval_ms = 5000;
     c.bind_address = "0.0.0.0";
     c.node_id = "n-1";
   }},
  {"job limits",
   options("\"stevedore.job.max_count\" = \"10\"\n\"stevedore.job.max_tasks\" = 3\n"
           "\"stevedore.job.max_instances\" = \"20\"\n\"stevedore.job.max_size\" = 4096"),
   [](client_config& c) {
     c.max_group_count = 10;
     c.max_job_tasks = 3;
     c.max_job_instances = 20;
     c.max_job_bytes = 4096;
   }},
  {"max concurrent as number", options("\"stevedore.pull.max_concurrent\" = 2"),
   [](client_config& c) { c.max_concurrent_pulls = 2; }},
  {"bind address v6", options("\"stevedore.bind_address\" = \"::1\""),
   [](client_config& c) { c.bind_address = "::1"; }},
  {"options of other drivers are warnings",
   options("\"driver.raw_exec.enable\" = \"1\"\n\"docker.cleanup.image\" = \"false\""),
   [](client_config& c) { c.cleanup_image = false; },
   {"client.hcl:3:28: client.options[\"driver.raw_exec.enable\"]: not a docker driver option; ignored"}},
  {"nomad agent settings are warnings",
   "data_dir = \"/var/lib/nomad\"\nbind_addr = \"0.0.0.0\"\nserver {\n  enabled = false\n}\n"
   "client {\n  network_interface = \"eth0\"\n}",
   [](client_config&) {},
   {"client.hcl:1:12: data_dir: not used by stevedore; ignored",
    "client.hcl:2:13: bind_addr: not used by stevedore; ignored",
    "client.hcl:3:1: server: not used by stevedore; ignored",
    "client.hcl:7:23: client.network_interface: not used by stevedore: task ports are published "
    "on \"stevedore.bind_address\""}},
  {"plugin block",
   "plugin \"docker\" {\n  config {\n    endpoint = \"unix:///run/d.sock\"\n"
   "    auth {\n      config = \"/a.json\"\n      helper = \"pass\"\n    }\n"
   "    gc {\n      image = false\n      image_delay = \"10m\"\n      container = false\n    }\n"
   "    volumes {\n      enabled = false\n      selinuxlabel = \"Z\"\n    }\n"
   "    allow_privileged = true\n    allow_caps = [\"CHOWN\", \"KILL\"]\n"
   "    allow_runtimes = [\"runc\"]\n    pull_activity_timeout = \"3m\"\n  }\n}",
   [](client_config& c) {
     c.endpoint = "unix:///run/d.sock";
     c.auth_config = "/a.json";
     c.auth_helper = "pass";
     c.cleanup_image = false;
     c.cleanup_image_delay_ms = 600000;
     c.cleanup_container = false;
     c.volumes_enabled = false;
     c.volumes_selinuxlabel = "Z";
     c.privileged_enabled = true;
     c.caps_whitelist = {"CHOWN", "KILL"};
     c.allow_runtimes = {"runc"};
     c.pull_activity_timeout_ms = 180000;
   }},
  {"plugin block wins over options",
   options("\"docker.privileged.enabled\" = \"false\"") +
     "plugin \"docker\" {\n  config {\n    allow_privileged = true\n  }\n}",
   [](client_config& c) { c.privileged_enabled = true; }},
  {"other plugins are warnings", "plugin \"raw_exec\" {\n  config {\n    enabled = true\n  }\n}",
   [](client_config&) {},
   {"client.hcl:1:1: plugin.raw_exec: not the docker driver; ignored"}},
};

INSTANTIATE_TEST_SUITE_P(all, client_accepts, ::testing::ValuesIn(good_cases),
                         [](const auto& info) {
                           std::string n = info.param.name;
                           for (auto& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch)))
                               ch = '_';
                           return n;
                         });

TEST(client_decode, json_form_equals_hcl_form) {
  auto hcl = read_client_config(R"(datacenter = "dc2"
client {
  node_class = "edge"
  meta {
    rack = "r1"
  }
  options {
    "docker.endpoint"            = "unix:///run/docker.sock"
    "docker.cleanup.image"       = "false"
    "docker.cleanup.image.delay" = "5m"
    "docker.caps.whitelist"      = "CHOWN,KILL"
    "stevedore.stats.interval"   = "2s"
  }
}
)",
                                "client.hcl");
  auto json = read_client_config(R"({
  "datacenter": "dc2",
  "client": {
    "node_class": "edge",
    "meta": {"rack": "r1"},
    "options": {
      "docker.endpoint": "unix:///run/docker.sock",
      "docker.cleanup.image": "false",
      "docker.cleanup.image.delay": "5m",
      "docker.caps.whitelist": "CHOWN,KILL",
      "stevedore.stats.interval": "2s"
    }
  }
})",
                                 "client.json");
  ASSERT_TRUE(hcl.ok()) << ::testing::PrintToString(lines(hcl.problems));
  ASSERT_TRUE(json.ok()) << ::testing::PrintToString(lines(json.problems));
  EXPECT_EQ(dump(hcl.value), dump(json.value));
  EXPECT_EQ(json.value.cleanup_image_delay_ms, 300000);
  EXPECT_FALSE(json.value.cleanup_image);
  EXPECT_EQ(json.value.caps_whitelist, (strings{"CHOWN", "KILL"}));
}

TEST(client_decode, hcl1_json_list_shapes) {
  auto r = read_client_config(
    R"({"client": [{"options": [{"docker.privileged.enabled": "true"}]}]})", "client.json");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(lines(r.problems));
  EXPECT_TRUE(r.value.privileged_enabled);
}

// ---- rejected ---------------------------------------------------------------

struct bad_case {
  const char* name;
  std::string text;
  std::vector<std::string> problems;
};

void PrintTo(const bad_case& c, std::ostream* os) { *os << c.name; }

class client_rejects : public ::testing::TestWithParam<bad_case> {};

TEST_P(client_rejects, with_exact_errors) {
  const auto& c = GetParam();
  auto r = read_client_config(c.text, "client.hcl");
  EXPECT_EQ(lines(r.problems), c.problems);
}

std::string opt(const std::string& name, const std::string& pos, const std::string& why) {
  return "client.options[\"" + name + "\"]: client.hcl:" + pos + ": " + why;
}

const bad_case bad_cases[] = {
  {"syntax error", "client {\n  options {\n", {"client.hcl:2:11: block 'options' is not closed: expected '}' before end of file"}},
  {"unknown docker option", options("\"docker.cleanup.images\" = \"false\""),
   {opt("docker.cleanup.images", "3:27", "unknown option")}},
  {"unknown stevedore option", options("\"stevedore.pulls\" = \"1\""),
   {opt("stevedore.pulls", "3:21", "unknown option")}},
  {"bool not a bool", options("\"docker.cleanup.image\" = \"yes\""),
   {opt("docker.cleanup.image", "3:26", "expected a bool, got \"yes\"")}},
  {"bool as list", options("\"docker.volumes.enabled\" = [true]"),
   {opt("docker.volumes.enabled", "3:28", "expected a bool, got a list")}},
  {"delay without unit", options("\"docker.cleanup.image.delay\" = \"180\""),
   {opt("docker.cleanup.image.delay", "3:32", "missing unit in duration \"180\"")}},
  {"delay negative", options("\"docker.cleanup.image.delay\" = \"-3m\""),
   {opt("docker.cleanup.image.delay", "3:32", "duration \"-3m\" must not be negative")}},
  {"pull activity timeout zero", options("\"docker.pull_activity_timeout\" = \"0s\""),
   {opt("docker.pull_activity_timeout", "3:34", "must be longer than 0s")}},
  {"fingerprint period zero", options("\"stevedore.fingerprint.period\" = \"0\""),
   {opt("stevedore.fingerprint.period", "3:34", "must be longer than 0s")}},
  {"stats interval not a duration", options("\"stevedore.stats.interval\" = 5"),
   {opt("stevedore.stats.interval", "3:30", "expected a duration such as \"30s\" or \"1h30m\", got a number")}},
  {"max concurrent zero", options("\"stevedore.pull.max_concurrent\" = \"0\""),
   {opt("stevedore.pull.max_concurrent", "3:35", "must be at least 1, got 0")}},
  {"job limit zero", options("\"stevedore.job.max_count\" = 0"),
   {opt("stevedore.job.max_count", "3:29", "must be at least 1, got 0")}},
  {"max concurrent absurd", options("\"stevedore.pull.max_concurrent\" = \"9223372036854775807\""),
   {opt("stevedore.pull.max_concurrent", "3:35", "must be at most 1024, got 9223372036854775807")}},
  {"cleanup delay beyond a timer", options("\"docker.cleanup.image.delay\" = \"1000000h\""),
   {opt("docker.cleanup.image.delay", "3:32", "must be at most 87600h0m0s (ten years), got 1000000h0m0s")}},
  {"max concurrent word", options("\"stevedore.pull.max_concurrent\" = \"many\""),
   {opt("stevedore.pull.max_concurrent", "3:35", "expected an integer, got \"many\"")}},
  {"bind address", options("\"stevedore.bind_address\" = \"localhost\""),
   {opt("stevedore.bind_address", "3:28", "\"localhost\" is not an IP address")}},
  {"node id empty", options("\"stevedore.node_id\" = \"\""),
   {opt("stevedore.node_id", "3:23", "must not be empty")}},
  {"auth helper with a path", options("\"docker.auth.helper\" = \"/usr/bin/docker-credential-ecr\""),
   {opt("docker.auth.helper", "3:24",
        "give the helper's name, not a path: \"/usr/bin/docker-credential-ecr\" (stevedore runs "
        "docker-credential-<name> from PATH)")}},
  {"endpoint without scheme", options("\"docker.endpoint\" = \"/var/run/docker.sock\""),
   {opt("docker.endpoint", "3:21",
        "\"/var/run/docker.sock\" is not a Docker endpoint (unix:///path/to/socket, "
        "tcp://host:port, http://host:port or https://host:port)")}},
  {"endpoint unix relative", options("\"docker.endpoint\" = \"unix://docker.sock\""),
   {opt("docker.endpoint", "3:21",
        "\"unix://docker.sock\" is not a Docker endpoint (unix:///path/to/socket, "
        "tcp://host:port, http://host:port or https://host:port)")}},
  {"endpoint tcp without host", options("\"docker.endpoint\" = \"tcp://:2375\""),
   {opt("docker.endpoint", "3:21",
        "\"tcp://:2375\" is not a Docker endpoint (unix:///path/to/socket, tcp://host:port, "
        "http://host:port or https://host:port)")}},
  {"tls partial", options("\"docker.endpoint\" = \"tcp://h:1\"\n\"docker.tls.cert\" = \"/c.pem\""),
   {opt("docker.tls.cert", "4:21",
        "docker.tls.cert, docker.tls.key and docker.tls.ca go together: set all three")}},
  {"caps whitelist empty entry", options("\"docker.caps.whitelist\" = \"CHOWN,,KILL\""),
   {opt("docker.caps.whitelist", "3:27", "empty entry in list")}},
  {"caps whitelist bad name", options("\"docker.caps.whitelist\" = \"CAP-CHOWN\""),
   {opt("docker.caps.whitelist", "3:27", "\"CAP-CHOWN\" is not a capability name")}},
  {"option set twice", options("\"docker.cleanup.image\" = \"false\"\n\"docker.cleanup.image\" = \"true\""),
   {opt("docker.cleanup.image", "4:26", "set more than once (first at 3:26)")}},
  {"unknown top-level field", "datacentre = \"dc1\"", {"datacentre: client.hcl:1:14: unknown field"}},
  {"unknown client field", "client {\n  node_clas = \"x\"\n}", {"client.node_clas: client.hcl:2:15: unknown field"}},
  {"two client blocks", "client {}\nclient {}", {"client: client.hcl:2:1: given more than once (first at 1:1)"}},
  {"port range reversed", "client {\n  min_dynamic_port = 30000\n  max_dynamic_port = 20000\n}",
   {"client.max_dynamic_port: client.hcl:3:22: max_dynamic_port 20000 is below min_dynamic_port 30000"}},
  {"port out of range", "client {\n  max_dynamic_port = 70000\n}",
   {"client.max_dynamic_port: client.hcl:2:22: port 70000 out of range 1..65535"}},
  {"meta not a map", "client {\n  meta = \"x\"\n}", {"client.meta: client.hcl:2:10: expected a map, got a string"}},
  {"plugin unknown option", "plugin \"docker\" {\n  config {\n    allow_caps_ = []\n  }\n}",
   {"plugin.docker.config.allow_caps_: client.hcl:3:19: unknown option"}},
  {"plugin gc unknown option", "plugin \"docker\" {\n  config {\n    gc {\n      images = true\n    }\n  }\n}",
   {"plugin.docker.config.gc.images: client.hcl:4:16: unknown option"}},
};

INSTANTIATE_TEST_SUITE_P(all, client_rejects, ::testing::ValuesIn(bad_cases),
                         [](const auto& info) {
                           std::string n = info.param.name;
                           for (auto& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch)))
                               ch = '_';
                           return n;
                         });

TEST(client_decode, auth_helper_with_the_prefix_is_a_warning) {
  auto r = read_client_config(options("\"docker.auth.helper\" = \"docker-credential-ecr\""), "client.hcl");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.auth_helper, "docker-credential-ecr");
  EXPECT_EQ(r.warnings,
            (strings{"client.hcl:3:24: client.options[\"docker.auth.helper\"]: the helper run will "
                     "be docker-credential-docker-credential-ecr; give only the part after "
                     "docker-credential-"}));
}

TEST(client_decode, defaults_match_the_specification) {
  client_config c;
  EXPECT_EQ(c.endpoint, "");
  EXPECT_TRUE(c.cleanup_image);
  EXPECT_EQ(c.cleanup_image_delay_ms, 3 * 60 * 1000);
  EXPECT_TRUE(c.cleanup_container);
  EXPECT_TRUE(c.volumes_enabled);
  EXPECT_FALSE(c.privileged_enabled);
  EXPECT_EQ(c.caps_whitelist,
            (strings{"CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID",
                     "SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL",
                     "AUDIT_WRITE"}));
}

} // namespace
} // namespace stevedore::policy
