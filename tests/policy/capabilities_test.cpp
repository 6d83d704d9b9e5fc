#include "policy/capabilities.hpp"

#include <gtest/gtest.h>

#include "messages/client_config.hpp"

using namespace stevedore;
using namespace stevedore::policy;

namespace {

using strings = std::vector<std::string>;

bool has(const strings& xs, const std::string& x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

TEST(capabilities, normalize_accepts_case_and_prefix) {
  EXPECT_EQ(normalize_capability("cap_sys_admin"), "SYS_ADMIN");
  EXPECT_EQ(normalize_capability("Sys_Time"), "SYS_TIME");
  EXPECT_EQ(normalize_capability(" CAP_NET_ADMIN "), "NET_ADMIN");
  EXPECT_EQ(normalize_capability("all"), "ALL");
}

TEST(capabilities, default_set_without_changes) {
  auto eff = effective_capabilities({}, {});
  EXPECT_EQ(eff.size(), default_capabilities().size());
  for (const auto& c : default_capabilities())
    EXPECT_TRUE(has(eff, c)) << c;
}

TEST(capabilities, add_and_drop) {
  auto eff = effective_capabilities({"SYS_TIME"}, {"mknod", "CAP_KILL"});
  EXPECT_TRUE(has(eff, "SYS_TIME"));
  EXPECT_FALSE(has(eff, "MKNOD"));
  EXPECT_FALSE(has(eff, "KILL"));
  EXPECT_TRUE(has(eff, "CHOWN"));
}

TEST(capabilities, add_wins_over_drop_as_in_docker) {
  auto eff = effective_capabilities({"KILL"}, {"KILL"});
  EXPECT_TRUE(has(eff, "KILL"));
}

TEST(capabilities, add_all_gives_every_capability_but_dropped) {
  auto eff = effective_capabilities({"ALL"}, {"SYS_ADMIN"});
  EXPECT_EQ(eff.size(), all_capabilities().size() - 1);
  EXPECT_FALSE(has(eff, "SYS_ADMIN"));
  EXPECT_TRUE(has(eff, "SYS_MODULE"));
}

TEST(capabilities, drop_all_leaves_only_added) {
  EXPECT_EQ(effective_capabilities({}, {"ALL"}), strings{});
  EXPECT_EQ(effective_capabilities({"net_bind_service"}, {"all"}), strings{"NET_BIND_SERVICE"});
}

// Named cases for check_capabilities: whitelist judgement and unknown names.
struct cap_case {
  const char* name;
  strings cap_add;
  strings cap_drop;
  strings whitelist;       // empty: the default whitelist
  errc expect = errc::ok;  // ok: no problem at all
  strings named;           // capabilities the message must name
};

class capability_rules : public ::testing::TestWithParam<cap_case> {};

TEST_P(capability_rules, judged) {
  const auto& tc = GetParam();
  docker_config cfg;
  cfg.cap_add = tc.cap_add;
  cfg.cap_drop = tc.cap_drop;
  client_config client;
  if (!tc.whitelist.empty())
    client.caps_whitelist = tc.whitelist;
  std::vector<error_info> problems;
  check_capabilities(cfg, client, "job.j.group.g.task.t.config", problems);
  if (tc.expect == errc::ok) {
    EXPECT_TRUE(problems.empty()) << (problems.empty() ? "" : to_string(problems[0]));
    return;
  }
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].kind, tc.expect);
  EXPECT_EQ(problems[0].what.rfind("job.j.group.g.task.t.config.cap_", 0), 0u) << problems[0].what;
  for (const auto& n : tc.named)
    EXPECT_NE(problems[0].message.find(n), std::string::npos)
      << problems[0].message << " should name " << n;
}

INSTANTIATE_TEST_SUITE_P(
  cases, capability_rules,
  ::testing::Values(
    cap_case{"defaults_pass_default_whitelist", {}, {}, {}, errc::ok, {}},
    cap_case{"dropping_is_always_fine", {}, {"ALL"}, {"CHOWN"}, errc::ok, {}},
    cap_case{"sys_admin_denied", {"SYS_ADMIN"}, {}, {}, errc::not_permitted, {"SYS_ADMIN"}},
    cap_case{"prefixed_lowercase_denied_by_name", {"cap_sys_time"}, {}, {}, errc::not_permitted, {"SYS_TIME"}},
    cap_case{"two_denied_named_together", {"SYS_TIME", "NET_ADMIN"}, {}, {}, errc::not_permitted,
             {"SYS_TIME", "NET_ADMIN"}},
    cap_case{"add_all_denied_names_extras", {"ALL"}, {}, {}, errc::not_permitted, {"SYS_ADMIN", "SYS_MODULE"}},
    cap_case{"whitelist_all_allows_all", {"ALL"}, {}, {"ALL"}, errc::ok, {}},
    cap_case{"whitelist_all_lowercase", {"SYS_ADMIN"}, {}, {"all"}, errc::ok, {}},
    cap_case{"whitelisted_addition", {"SYS_TIME"}, {}, {"chown", "dac_override", "fsetid", "fowner",
             "mknod", "net_raw", "setgid", "setuid", "setfcap", "setpcap", "net_bind_service",
             "sys_chroot", "kill", "audit_write", "CAP_SYS_TIME"}, errc::ok, {}},
    cap_case{"narrow_whitelist_denies_defaults", {}, {}, {"CHOWN"}, errc::not_permitted, {"KILL", "MKNOD"}},
    cap_case{"narrow_whitelist_after_drop_all", {"CHOWN"}, {"ALL"}, {"CHOWN"}, errc::ok, {}},
    cap_case{"unknown_capability_is_invalid", {"SYS_WIZARD"}, {}, {}, errc::invalid_input, {"SYS_WIZARD"}},
    cap_case{"unknown_in_drop_is_invalid", {}, {"FLY"}, {}, errc::invalid_input, {"FLY"}}),
  [](const auto& info) { return std::string(info.param.name); });

} // namespace
