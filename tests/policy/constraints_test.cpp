#include "policy/constraints.hpp"

#include <gtest/gtest.h>

namespace stevedore::policy {
namespace {

constraint_target node() {
  constraint_target t;
  t.fingerprint = {{"driver.docker", "1"},
                   {"driver.docker.version", "20.10.24+dfsg1"},
                   {"driver.docker.runtimes", "nvidia,runc"},
                   {"driver.docker.os_type", "linux"},
                   {"driver.docker.privileged.enabled", "false"}};
  t.node = {{"kernel.name", "linux"}, {"cpu.numcores", "8"}};
  t.node_fields = {{"class", "edge"}, {"datacenter", "dc1"}};
  t.meta = {{"rack", "r12"}};
  return t;
}

struct row {
  const char* name;
  constraint_spec c;
  bool holds;
  const char* says = "";  // part of the line when violated
};

TEST(Constraints, Table) {
  const row rows[] = {
    {"equal", {"${driver.docker.os_type}", "=", "linux"}, true},
    {"equal via attr.", {"${attr.driver.docker.os_type}", "==", "linux"}, true},
    {"equal wrong", {"${driver.docker.os_type}", "=", "windows"}, false, "the node has \"linux\""},
    {"equal unset", {"${driver.docker.nope}", "=", "x"}, false, "is not set on this node"},
    {"not equal", {"${attr.kernel.name}", "!=", "darwin"}, true},
    {"not equal unset holds", {"${attr.nope}", "!=", "x"}, true},
    {"not equal same", {"${node.class}", "!=", "edge"}, false},
    {"numeric greater", {"${attr.cpu.numcores}", ">", "4"}, true},
    {"numeric not lexical", {"${attr.cpu.numcores}", "<", "10"}, true},
    {"greater equal", {"${attr.cpu.numcores}", ">=", "8"}, true},
    {"less equal wrong", {"${attr.cpu.numcores}", "<=", "7"}, false},
    {"lexical", {"${meta.rack}", ">", "r10"}, true},
    {"version range", {"${driver.docker.version}", "version", ">= 20.10, < 21"}, true},
    {"version too old", {"${driver.docker.version}", "version", ">= 25.0"}, false, "the node has \"20.10.24+dfsg1\""},
    {"version pessimistic", {"${driver.docker.version}", "version", "~> 20.10.1"}, true},
    {"version pessimistic out", {"${driver.docker.version}", "version", "~> 20.9.0"}, false},
    {"version bad clause", {"${driver.docker.version}", "version", ">= banana"}, false, "is not a version constraint"},
    {"regexp", {"${driver.docker.version}", "regexp", "^20\\.10\\."}, true},
    {"regexp no match", {"${node.datacenter}", "regexp", "^us-"}, false},
    {"regexp invalid", {"${node.datacenter}", "regexp", "("}, false, "not a valid regular expression"},
    {"set contains", {"${driver.docker.runtimes}", "set_contains", "runc"}, true},
    {"set contains all", {"${driver.docker.runtimes}", "set_contains", "runc, nvidia"}, true},
    {"set lacks", {"${driver.docker.runtimes}", "set_contains", "runc,kata"}, false, "lacks \"kata\""},
    {"is set", {"${driver.docker}", "is_set", ""}, true},
    {"is set missing", {"${driver.docker.bridge_ip}", "is_set", ""}, false, "is not set"},
    {"is not set", {"${driver.docker.bridge_ip}", "is_not_set", ""}, true},
    {"is not set but is", {"${driver.docker}", "is_not_set", ""}, false},
    {"unknown operator", {"${driver.docker}", "~=", "1"}, false, "unknown operator"},
  };
  for (const auto& r : rows) {
    auto v = check_constraint(r.c, node());
    EXPECT_EQ(!v.has_value(), r.holds) << r.name << ": " << v.value_or("(holds)");
    if (v) {
      EXPECT_NE(v->find(r.says), std::string::npos) << r.name << ": " << *v;
      EXPECT_EQ(v->rfind("constraint " + r.c.attribute + " " + r.c.op, 0), 0u) << r.name << ": " << *v;
      EXPECT_EQ(v->find('\n'), std::string::npos) << r.name;
    }
  }
}

TEST(Constraints, FirstViolatedIsReported) {
  std::vector<constraint_spec> cs = {{"${driver.docker}", "=", "1"},
                                     {"${driver.docker.os_type}", "=", "windows"},
                                     {"${attr.kernel.name}", "=", "darwin"}};
  auto v = first_violated(cs, node());
  ASSERT_TRUE(v);
  EXPECT_NE(v->find("os_type"), std::string::npos) << *v;
  EXPECT_FALSE(first_violated({cs[0]}, node()));
}

TEST(Constraints, VersionComparison) {
  EXPECT_EQ(compare_versions("20.10.24+dfsg1", "20.10.24"), 0);
  EXPECT_LT(*compare_versions("1.2.0-rc1", "1.2.0"), 0);
  EXPECT_GT(*compare_versions("1.10", "1.9.9"), 0);
  EXPECT_FALSE(compare_versions("x", "1"));
}

} // namespace
} // namespace stevedore::policy
