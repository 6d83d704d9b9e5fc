// The docker options' one list (messages/task_spec.hpp, docker_options):
// every string any option holds is interpolated, and the list names each
// option once. The test fills the strings with its own walk over the list,
// apart from the one interpolation uses, so that an option interpolation
// skips is caught here.
#include <set>
#include <type_traits>

#include <gtest/gtest.h>

#include "messages/task_spec.hpp"
#include "policy/decode.hpp"
#include "policy/interpolate.hpp"
#include "policy/rules.hpp"

namespace stevedore::policy {
namespace {

const std::string ref = "${NOMAD_TASK_NAME}";

// Calls f(path, string&) for every string of a config, the keys of a map
// as strings of their own (by copy: a key is checked, not written).
template <class F>
struct string_walk {
  F f;
  void at(const std::string& path, std::string& s) { f(path, s); }
  void at(const std::string& path, std::vector<std::string>& v) {
    if (v.empty())
      v.resize(2);
    for (size_t i = 0; i < v.size(); ++i)
      at(path + "[" + std::to_string(i) + "]", v[i]);
  }
  void at(const std::string& path, string_map& m) {
    if (m.empty())
      m[ref] = "";
    for (auto& [k, v] : m)
      at(path + "." + k, v);
  }
  void at(const std::string& path, auth_config& a) {
    at(path + ".username", a.username);
    at(path + ".password", a.password);
    at(path + ".email", a.email);
    at(path + ".server_address", a.server_address);
  }
  void at(const std::string& path, logging_config& l) {
    at(path + ".type", l.type);
    at(path + ".config", l.config);
  }
  void at(const std::string& path, std::vector<mount_config>& v) {
    if (v.empty())
      v.resize(1);
    auto& m = v[0];
    at(path + "[0].type", m.type);
    at(path + "[0].target", m.target);
    at(path + "[0].source", m.source);
    at(path + "[0].volume_options.labels", m.volume_options.labels);
    at(path + "[0].volume_options.driver_config.name", m.volume_options.driver_config.name);
    at(path + "[0].volume_options.driver_config.options", m.volume_options.driver_config.options);
    at(path + "[0].bind_options.propagation", m.bind_propagation);
  }
  void at(const std::string& path, std::vector<device_config>& v) {
    if (v.empty())
      v.resize(1);
    at(path + "[0].host_path", v[0].host_path);
    at(path + "[0].container_path", v[0].container_path);
    at(path + "[0].cgroup_permissions", v[0].cgroup_permissions);
  }
  template <class T>
  void at(const std::string&, T&) {
    static_assert(std::is_arithmetic_v<T> || std::is_same_v<T, std::map<std::string, std::int64_t>>,
                  "an option of a type this test does not know: teach it its strings");
  }
};

template <class F>
void each_string(docker_config& c, F f) {
  string_walk<F> walk{std::move(f)};
  each_docker_option(c, [&](const char* name, auto& value) { walk.at(name, value); });
}

TEST(DockerOptions, EveryStringOfEveryOptionIsInterpolated) {
  docker_config c;
  int strings = 0;
  each_string(c, [&](const std::string&, std::string& s) {
    s = ref;
    ++strings;
  });
  // A map's key: labels' keys are interpolated too.
  c.labels = {{ref, ref}};
  string_map env{{"NOMAD_TASK_NAME", "web"}};
  interpolation_scope scope;
  scope.env = &env;
  std::vector<std::string> warnings;
  ASSERT_TRUE(mentions_interpolation(c));
  interpolate_config(c, scope, "job.j.group.g.task.web.config", warnings);
  EXPECT_TRUE(warnings.empty());
  int left = 0;
  each_string(c, [&](const std::string& path, std::string& s) {
    if (s != "web") {
      ++left;
      ADD_FAILURE() << path << " is not interpolated: " << s;
    }
  });
  EXPECT_EQ(left, 0);
  EXPECT_EQ(c.labels.count("web"), 1u) << "a label's key is interpolated";
  EXPECT_GT(strings, 40) << "the walk reached the options' strings";
}

TEST(DockerOptions, EachOptionIsListedOnceByItsJobFileName) {
  docker_config c;
  std::set<std::string> names;
  int members = 0;
  each_docker_option(c, [&](const char* name, auto&) {
    ++members;
    if (*name)
      EXPECT_TRUE(names.insert(name).second) << name << " is listed twice";
  });
  EXPECT_EQ(names.size() + 1, static_cast<std::size_t>(members)) << "only has_auth has no name";
  for (const char* n : {"image", "SSL", "healthchecks.disable", "image_pull_timeout", "mounts"})
    EXPECT_EQ(names.count(n), 1u) << n;
}

TEST(DockerOptions, AConfigWithoutADollarNeedsNoInterpolation) {
  docker_config c;
  each_string(c, [&](const std::string&, std::string& s) { s = "plain"; });
  c.labels = {{"plain", "plain"}}; // the walk keyed the maps with a reference
  EXPECT_FALSE(mentions_interpolation(c));
  c.devices[0].cgroup_permissions = "$x";
  EXPECT_TRUE(mentions_interpolation(c)) << "a nested string counts";
}

// Decoding knows every option of the list: a job file naming it gets no
// "unknown option" (its value, 1 here, may well be of the wrong type).
TEST(DockerOptions, DecodingKnowsEveryListedOption) {
  docker_config c;
  std::vector<std::string> names;
  each_docker_option(c, [&](const char* name, auto&) {
    if (*name && std::string(name) != "image")
      names.push_back(name);
  });
  for (const auto& name : names) {
    auto dot = name.find('.');
    std::string option = dot == std::string::npos
                           ? name + " = 1"
                           : name.substr(0, dot) + " { " + name.substr(dot + 1) + " = true }";
    std::string text = "job \"j\" {\n group \"g\" {\n task \"t\" {\n driver = \"docker\"\n"
                       " config {\n image = \"busybox:1\"\n " + option + "\n }\n }\n }\n}\n";
    auto job = read_job(text, "t.hcl");
    for (const auto& p : job.problems)
      EXPECT_EQ(to_string(p).find("unknown option"), std::string::npos)
        << name << ": " << to_string(p);
  }
  EXPECT_GT(names.size(), 50u);
}

// Every option is read: by its member's type or by a reader of its own.
TEST(DockerOptions, EveryOptionHasAReader) {
  EXPECT_EQ(options_without_reader(), std::vector<std::string>{});
}

// Decoding follows the list: a value of each plain type lands in its member.
TEST(DockerOptions, PlainOptionsAreReadByTheirMembersType) {
  std::string text = "job \"j\" {\n group \"g\" {\n task \"t\" {\n driver = \"docker\"\n"
                     " config {\n image = \"busybox:1\"\n hostname = \"h1\"\n init = true\n"
                     " group_add = [\"wheel\"]\n storage_opt = { size = \"1G\" }\n }\n }\n }\n}\n";
  auto job = read_job(text, "t.hcl");
  ASSERT_TRUE(job.problems.empty()) << to_string(job.problems.front());
  const auto& c = job.value.groups.at(0).tasks.at(0).config;
  EXPECT_EQ(c.hostname, "h1");
  EXPECT_TRUE(c.init);
  EXPECT_EQ(c.group_add, std::vector<std::string>{"wheel"});
  EXPECT_EQ(c.storage_opt.at("size"), "1G");
}

} // namespace
} // namespace stevedore::policy
