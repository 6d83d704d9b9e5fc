#include "policy/volumes.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/policy/mapping_fixtures.hpp"

using namespace stevedore;
using namespace stevedore::policy;
namespace fs = std::filesystem;

namespace {

const std::string path = "job.web.group.cache.task.redis.config";

TEST(volumes, parse_two_and_three_parts) {
  auto v = parse_volume("/a:/b");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->source, "/a");
  EXPECT_EQ(v->target, "/b");
  EXPECT_EQ(v->mode, "");
  auto w = parse_volume("data:/data:ro,z");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->mode, "ro,z");
}

TEST(volumes, parse_rejects_bad_shapes) {
  EXPECT_FALSE(parse_volume("/only"));
  EXPECT_FALSE(parse_volume(":/b"));
  EXPECT_FALSE(parse_volume("/a:"));
  EXPECT_FALSE(parse_volume("/a:/b:ro:z"));
  EXPECT_FALSE(parse_volume("/a:/b:readonly"));
}

TEST(volumes, classify) {
  EXPECT_EQ(classify_source("/srv", false), source_kind::host_path);
  EXPECT_EQ(classify_source("/srv", true), source_kind::host_path);
  EXPECT_EQ(classify_source("data", false), source_kind::task_relative);
  EXPECT_EQ(classify_source("local/x", false), source_kind::task_relative);
  EXPECT_EQ(classify_source("pgdata", true), source_kind::named_volume);
}

TEST(volumes, stays_inside_lexically) {
  EXPECT_TRUE(stays_inside("data"));
  EXPECT_TRUE(stays_inside("a/../b"));
  EXPECT_TRUE(stays_inside("./a/./b/.."));
  EXPECT_TRUE(stays_inside("."));
  EXPECT_FALSE(stays_inside(".."));
  EXPECT_FALSE(stays_inside("a/../../b"));
  EXPECT_FALSE(stays_inside("../alloc/data"));
}

TEST(volumes, clean_container_path) {
  EXPECT_EQ(clean_container_path("/data/"), "/data");
  EXPECT_EQ(clean_container_path("/a//b/."), "/a/b");
  EXPECT_EQ(clean_container_path("/a/b/../c"), "/a/c");
  EXPECT_EQ(clean_container_path("/"), "/");
}

// Named cases for check_volumes.
struct volume_case {
  const char* name;
  void (*set)(docker_config&);
  bool volumes_enabled;
  std::vector<std::pair<errc, std::string>> expect; // (kind, what suffix) in order
};

class volume_rules : public ::testing::TestWithParam<volume_case> {};

TEST_P(volume_rules, judged) {
  const auto& tc = GetParam();
  docker_config cfg;
  tc.set(cfg);
  auto client = test::test_client();
  client.volumes_enabled = tc.volumes_enabled;
  std::vector<error_info> problems;
  check_volumes(cfg, client, path, problems);
  ASSERT_EQ(problems.size(), tc.expect.size())
    << (problems.empty() ? std::string("no problems") : to_string(problems[0]));
  for (size_t i = 0; i < problems.size(); ++i) {
    EXPECT_EQ(problems[i].kind, tc.expect[i].first) << to_string(problems[i]);
    EXPECT_EQ(problems[i].what, path + "." + tc.expect[i].second);
  }
}

using E = std::vector<std::pair<errc, std::string>>;

INSTANTIATE_TEST_SUITE_P(
  cases, volume_rules,
  ::testing::Values(
    volume_case{"absolute_allowed_when_enabled",
                [](docker_config& c) { c.volumes = {"/srv/data:/data"}; }, true, E{}},
    volume_case{"absolute_denied_when_disabled",
                [](docker_config& c) { c.volumes = {"/srv/data:/data"}; }, false,
                E{{errc::not_permitted, "volumes[0]"}}},
    volume_case{"relative_always_allowed",
                [](docker_config& c) { c.volumes = {"local/cache:/cache", "data:/data:ro"}; }, false, E{}},
    volume_case{"dotdot_escape_denied_even_when_enabled",
                [](docker_config& c) { c.volumes = {"../../etc:/etc2"}; }, true,
                E{{errc::not_permitted, "volumes[0]"}}},
    volume_case{"dotdot_inside_allowed",
                [](docker_config& c) { c.volumes = {"local/../secrets:/s2"}; }, false, E{}},
    volume_case{"named_volume_with_driver_allowed_when_enabled",
                [](docker_config& c) { c.volume_driver = "pxd"; c.volumes = {"pgdata:/var/lib/pg"}; }, true, E{}},
    volume_case{"named_volume_and_driver_denied_when_disabled",
                [](docker_config& c) { c.volume_driver = "pxd"; c.volumes = {"pgdata:/var/lib/pg"}; }, false,
                E{{errc::not_permitted, "volume_driver"}, {errc::not_permitted, "volumes[0]"}}},
    volume_case{"volume_driver_alone_denied_when_disabled",
                [](docker_config& c) { c.volume_driver = "local"; }, false,
                E{{errc::not_permitted, "volume_driver"}}},
    volume_case{"named_volume_with_slash_invalid",
                [](docker_config& c) { c.volume_driver = "pxd"; c.volumes = {"a/b:/x"}; }, true,
                E{{errc::invalid_input, "volumes[0]"}}},
    volume_case{"malformed_entry_invalid",
                [](docker_config& c) { c.volumes = {"/just-one-part"}; }, true,
                E{{errc::invalid_input, "volumes[0]"}}},
    volume_case{"relative_container_path_invalid",
                [](docker_config& c) { c.volumes = {"/srv:data"}; }, true,
                E{{errc::invalid_input, "volumes[0]"}}},
    volume_case{"duplicate_of_implicit_alloc",
                [](docker_config& c) { c.volumes = {"/srv:/alloc/"}; }, true,
                E{{errc::invalid_input, "volumes[0]"}}},
    volume_case{"duplicate_between_volumes",
                [](docker_config& c) { c.volumes = {"/a:/data", "/b:/data/."}; }, true,
                E{{errc::invalid_input, "volumes[1]"}}},
    volume_case{"duplicate_between_volume_and_mount",
                [](docker_config& c) {
                  c.volumes = {"/a:/data"};
                  mount_config m;
                  m.target = "/data";
                  m.source = "vol";
                  c.mounts = {m};
                }, true, E{{errc::invalid_input, "mounts[0].target"}}},
    volume_case{"volume_mount_denied_when_disabled",
                [](docker_config& c) {
                  mount_config m;
                  m.target = "/data";
                  m.source = "vol";
                  m.volume_options.driver_config.name = "pxd";
                  c.mounts = {m};
                }, false, E{{errc::not_permitted, "mounts[0]"}}},
    volume_case{"volume_mount_allowed_when_enabled",
                [](docker_config& c) {
                  mount_config m;
                  m.target = "/data";
                  m.source = "vol";
                  c.mounts = {m};
                }, true, E{}},
    volume_case{"bind_mount_absolute_denied_when_disabled",
                [](docker_config& c) {
                  mount_config m;
                  m.type = "bind";
                  m.target = "/data";
                  m.source = "/srv";
                  c.mounts = {m};
                }, false, E{{errc::not_permitted, "mounts[0].source"}}},
    volume_case{"bind_mount_relative_escape_denied",
                [](docker_config& c) {
                  mount_config m;
                  m.type = "bind";
                  m.target = "/data";
                  m.source = "../other-task";
                  c.mounts = {m};
                }, true, E{{errc::not_permitted, "mounts[0].source"}}},
    volume_case{"tmpfs_mount_allowed_when_disabled",
                [](docker_config& c) {
                  mount_config m;
                  m.type = "tmpfs";
                  m.target = "/scratch";
                  c.mounts = {m};
                }, false, E{}},
    volume_case{"unknown_mount_type_invalid",
                [](docker_config& c) {
                  mount_config m;
                  m.type = "npipe";
                  m.target = "/x";
                  c.mounts = {m};
                }, true, E{{errc::invalid_input, "mounts[0].type"}}}),
  [](const auto& info) { return std::string(info.param.name); });

// A real task dir in a temp folder, for the resolver (the one function that
// reads the filesystem).
class task_dir_fixture : public ::testing::Test {
protected:
  void SetUp() override {
    root_ = fs::temp_directory_path()
            / ("stevedore-volumes-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed())
               + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "alloc" / "redis" / "local" / "inner");
    fs::create_directories(root_ / "outside");
    task_dir_ = (root_ / "alloc" / "redis").string();
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path root_;
  std::string task_dir_;
};

TEST_F(task_dir_fixture, plain_relative_path_resolves_inside) {
  auto r = resolve_in_task_dir(task_dir_, "local/inner");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, fs::canonical(task_dir_).string() + "/local/inner");
}

TEST_F(task_dir_fixture, missing_path_resolves_lexically) {
  auto r = resolve_in_task_dir(task_dir_, "local/not-yet/../data");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, fs::canonical(task_dir_).string() + "/local/data");
}

TEST_F(task_dir_fixture, dotdot_escape_rejected) {
  auto r = resolve_in_task_dir(task_dir_, "../../outside");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, errc::not_permitted);
}

TEST_F(task_dir_fixture, symlink_escape_rejected) {
  fs::create_directory_symlink(root_ / "outside", fs::path(task_dir_) / "local" / "sneaky");
  auto r = resolve_in_task_dir(task_dir_, "local/sneaky");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, errc::not_permitted);
  auto deeper = resolve_in_task_dir(task_dir_, "local/sneaky/file");
  EXPECT_FALSE(deeper);
}

TEST_F(task_dir_fixture, symlink_to_root_rejected) {
  fs::create_directory_symlink("/", fs::path(task_dir_) / "local" / "root");
  EXPECT_FALSE(resolve_in_task_dir(task_dir_, "local/root/etc"));
}

TEST_F(task_dir_fixture, symlink_inside_allowed) {
  fs::create_directory_symlink(fs::path(task_dir_) / "local" / "inner",
                               fs::path(task_dir_) / "local" / "alias");
  auto r = resolve_in_task_dir(task_dir_, "local/alias");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, fs::canonical(task_dir_).string() + "/local/inner");
}

TEST_F(task_dir_fixture, plan_volumes_reports_symlink_escape) {
  fs::create_directory_symlink(root_ / "outside", fs::path(task_dir_) / "local" / "sneaky");
  task_instance inst;
  inst.alloc_dir = fs::path(task_dir_).parent_path().string();
  inst.task.edit().name = fs::path(task_dir_).filename().string();
  inst.task.edit().config.volumes = {"local/sneaky:/data", "local/inner:/inner"};
  std::vector<error_info> problems;
  auto plan = plan_volumes(inst, test::test_client(), resolve_in_task_dir, path, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].what, path + ".volumes[0]");
  EXPECT_EQ(problems[0].kind, errc::not_permitted);
  ASSERT_EQ(plan.binds.size(), 4u); // /alloc /local /secrets and the good one
  EXPECT_EQ(plan.binds[3], fs::canonical(task_dir_).string() + "/local/inner:/inner");
}

task_instance sample_instance() {
  task_instance inst;
  inst.alloc_dir = "/srv/a1";
  inst.task.edit().name = "redis";
  return inst;
}

TEST(plan_volumes, implicit_binds_first_then_volumes) {
  auto inst = sample_instance();
  inst.task.edit().config.volumes = {"/srv/data:/data", "cache:/cache:ro"};
  std::vector<error_info> problems;
  auto plan = plan_volumes(inst, test::test_client(), test::lexical_resolver, path, problems);
  EXPECT_TRUE(problems.empty());
  std::vector<std::string> want = {"/srv/a1/alloc:/alloc", "/srv/a1/redis/local:/local",
                                   "/srv/a1/redis/secrets:/secrets", "/srv/data:/data",
                                   "/srv/a1/redis/cache:/cache:ro"};
  EXPECT_EQ(plan.binds, want);
}

TEST(plan_volumes, selinux_label_on_every_bind) {
  auto inst = sample_instance();
  inst.task.edit().config.volumes = {"/srv/data:/data", "cache:/cache:ro", "/x:/y:Z"};
  auto client = test::test_client();
  client.volumes_selinuxlabel = "z";
  std::vector<error_info> problems;
  auto plan = plan_volumes(inst, client, test::lexical_resolver, path, problems);
  std::vector<std::string> want = {"/srv/a1/alloc:/alloc:z", "/srv/a1/redis/local:/local:z",
                                   "/srv/a1/redis/secrets:/secrets:z", "/srv/data:/data:z",
                                   "/srv/a1/redis/cache:/cache:ro,z", "/x:/y:Z"};
  EXPECT_EQ(plan.binds, want);
}

TEST(plan_volumes, selinux_label_applies_even_with_volumes_disabled) {
  auto inst = sample_instance();
  auto client = test::test_client();
  client.volumes_enabled = false;
  client.volumes_selinuxlabel = "Z";
  std::vector<error_info> problems;
  auto plan = plan_volumes(inst, client, test::lexical_resolver, path, problems);
  EXPECT_EQ(plan.binds[0], "/srv/a1/alloc:/alloc:Z");
}

TEST(plan_volumes, named_volume_source_kept) {
  auto inst = sample_instance();
  inst.task.edit().config.volume_driver = "pxd";
  inst.task.edit().config.volumes = {"pgdata:/var/lib/pg"};
  std::vector<error_info> problems;
  auto plan = plan_volumes(inst, test::test_client(), test::lexical_resolver, path, problems);
  EXPECT_EQ(plan.binds.back(), "pgdata:/var/lib/pg");
}

TEST(plan_volumes, relative_bind_mount_resolved) {
  auto inst = sample_instance();
  mount_config m;
  m.type = "bind";
  m.source = "local/conf";
  m.target = "/etc/app";
  inst.task.edit().config.mounts = {m};
  std::vector<error_info> problems;
  auto plan = plan_volumes(inst, test::test_client(), test::lexical_resolver, path, problems);
  ASSERT_EQ(plan.mounts.size(), 1u);
  EXPECT_EQ(plan.mounts[0].source, "/srv/a1/redis/local/conf");
}

} // namespace
