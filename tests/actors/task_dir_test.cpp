// prepare_task_dir / fetch_artifact: Nomad's folder layout, local artifacts
// (files, folders, file:// URLs), refusals with one-line errors, and no
// escape from the task directory.
#include "actors/task_dir.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

using namespace stevedore;
namespace fs = std::filesystem;

namespace {

class task_dir_test : public ::testing::Test {
protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("stevedore-task-dir-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "src");
    inst_.task.edit().name = "web";
    inst_.alloc_dir = (root_ / "alloc-1").string();
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string write(const std::string& rel, const std::string& text) {
    auto p = root_ / "src" / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  static std::string read(const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  fs::path root_;
  task_instance inst_;
};

TEST_F(task_dir_test, creates_nomads_layout_with_private_secrets) {
  auto r = prepare_task_dir(inst_);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  for (auto rel : {"alloc/logs", "alloc/tmp", "alloc/data", "web/local", "web/secrets", "web/tmp"})
    EXPECT_TRUE(fs::is_directory(root_ / "alloc-1" / rel)) << rel;
  struct stat st {};
  ASSERT_EQ(::stat((root_ / "alloc-1/web/secrets").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_TRUE(r->empty());
  // A second run keeps what is there.
  std::ofstream(root_ / "alloc-1/web/local/keep") << "x";
  ASSERT_TRUE(prepare_task_dir(inst_).ok());
  EXPECT_EQ(read(root_ / "alloc-1/web/local/keep"), "x");
}

TEST_F(task_dir_test, allocation_and_task_folders_are_closed_to_other_users) {
  ASSERT_TRUE(prepare_task_dir(inst_).ok());
  auto mode = [&](const char* rel) {
    struct stat st {};
    EXPECT_EQ(::stat((root_ / "alloc-1" / rel).c_str(), &st), 0) << rel;
    return st.st_mode & 0777;
  };
  EXPECT_EQ(mode("."), 0750u);
  EXPECT_EQ(mode("web"), 0750u);
  // What the container mounts stays reachable for a task of another user.
  EXPECT_EQ(mode("web/local") & 0005, 0005u);
  EXPECT_EQ(mode("alloc") & 0005, 0005u);
}

TEST_F(task_dir_test, a_file_where_a_folder_goes_is_a_one_line_error) {
  fs::create_directories(root_ / "alloc-1" / "alloc");
  std::ofstream(root_ / "alloc-1" / "alloc" / "logs") << "not a folder";
  auto r = prepare_task_dir(inst_);
  ASSERT_FALSE(r.ok());
  auto line = to_string(r.error());
  EXPECT_NE(line.find("alloc/logs"), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
}

TEST_F(task_dir_test, deep_missing_parents_are_made) {
  inst_.alloc_dir = (root_ / "a" / "b" / "c" / "alloc-2").string() + "/";
  auto r = prepare_task_dir(inst_);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_TRUE(fs::is_directory(root_ / "a/b/c/alloc-2/web/tmp"));
  EXPECT_TRUE(fs::is_directory(root_ / "a/b/c/alloc-2/alloc/data"));
}

TEST_F(task_dir_test, copies_a_local_file_into_local_by_default) {
  auto src = write("redis.tar", "tar bytes");
  inst_.task.edit().artifacts.push_back({src, "local/"});
  auto r = prepare_task_dir(inst_);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(fs::path(r->front()), fs::path(inst_.local_dir()) / "redis.tar");
  EXPECT_EQ(read(inst_.local_dir() + "/redis.tar"), "tar bytes");
}

TEST_F(task_dir_test, file_urls_and_folders_are_copied) {
  write("site/index.html", "hello");
  write("site/css/a.css", "body{}");
  inst_.task.edit().artifacts.push_back({"file://" + (root_ / "src" / "site").string(), "local/www"});
  auto r = prepare_task_dir(inst_);
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_EQ(r->size(), 2u);
  EXPECT_EQ(read(inst_.local_dir() + "/www/site/index.html"), "hello");
  EXPECT_EQ(read(inst_.local_dir() + "/www/site/css/a.css"), "body{}");
}

TEST_F(task_dir_test, network_sources_are_refused_naming_the_artifact) {
  inst_.task.edit().artifacts.push_back({"http://example.invalid/redis.tar", "local/"});
  auto r = prepare_task_dir(inst_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::invalid_input);
  EXPECT_EQ(r.error().what, "task web: artifact[0] http://example.invalid/redis.tar");
  EXPECT_NE(r.error().message.find("only local files"), std::string::npos);
}

TEST_F(task_dir_test, missing_and_relative_sources_are_refused) {
  inst_.task.edit().artifacts.push_back({(root_ / "src" / "absent.tar").string(), "local/"});
  auto missing = prepare_task_dir(inst_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "no such file");
  inst_.task.edit().artifacts = {{"redis.tar", "local/"}};
  auto relative = prepare_task_dir(inst_);
  ASSERT_FALSE(relative.ok());
  EXPECT_NE(relative.error().message.find("absolute path"), std::string::npos);
}

TEST_F(task_dir_test, destination_cannot_escape_the_task_dir_even_through_a_symlink) {
  auto src = write("a.txt", "a");
  inst_.task.edit().artifacts.push_back({src, "../../outside"});
  auto dotdot = prepare_task_dir(inst_);
  ASSERT_FALSE(dotdot.ok());
  EXPECT_NE(dotdot.error().message.find("escapes the task directory"), std::string::npos);
  EXPECT_FALSE(fs::exists(root_ / "outside"));

  fs::create_directories(root_ / "elsewhere");
  fs::create_symlink(root_ / "elsewhere", fs::path(inst_.local_dir()) / "link");
  inst_.task.edit().artifacts = {{src, "local/link"}};
  auto via_link = fetch_artifact(inst_, inst_.task->artifacts[0], 0);
  ASSERT_FALSE(via_link.ok());
  EXPECT_NE(via_link.error().message.find("escapes the task directory"), std::string::npos);
  EXPECT_FALSE(fs::exists(root_ / "elsewhere" / "a.txt"));
}

TEST_F(task_dir_test, a_plan_without_an_alloc_dir_is_an_internal_error) {
  inst_.alloc_dir.clear();
  auto r = prepare_task_dir(inst_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::internal);
}

} // namespace
