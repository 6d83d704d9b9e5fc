// rotating_file: Nomad's names, sizes, max_files, continuing after a restart,
// lines longer than a file.
#include "actors/log_rotation.hpp"
#include "actors/log_worker.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include <gtest/gtest.h>

namespace stevedore {
namespace {

namespace fs = std::filesystem;

class LogRotationTest : public ::testing::Test {
protected:
  LogRotationTest() {
    std::string tmpl = (fs::temp_directory_path() / "stevedore-rot-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
  }
  ~LogRotationTest() override { fs::remove_all(dir_); }

  rotation_config cfg(std::int64_t files, std::int64_t size) {
    return rotation_config{dir_.string(), "web.stdout", files, size};
  }
  std::string read(std::int64_t index) const {
    std::ifstream in(dir_ / ("web.stdout." + std::to_string(index)), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  bool exists(std::int64_t index) const { return fs::exists(dir_ / ("web.stdout." + std::to_string(index))); }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (auto& e : fs::directory_iterator(dir_))
      out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

  fs::path dir_;
};

TEST(LogNames, AsNomadLogmon) {
  EXPECT_EQ(log_base_name("web", false), "web.stdout");
  EXPECT_EQ(log_base_name("web", true), "web.stderr");
  EXPECT_EQ(log_file_name("web.stdout", 3), "web.stdout.3");
  EXPECT_EQ(log_file_index("web.stdout", "web.stdout.12"), 12);
  EXPECT_EQ(log_file_index("web.stdout", "web.stdout."), -1);
  EXPECT_EQ(log_file_index("web.stdout", "web.stdout.1x"), -1);
  EXPECT_EQ(log_file_index("web.stdout", "web.stderr.1"), -1);
  EXPECT_EQ(log_file_index("web.stdout", "web.stdout2.1"), -1);
}

TEST_F(LogRotationTest, FirstFileIsIndexZero) {
  rotating_file f(cfg(3, 100));
  ASSERT_TRUE(f.write("hello\n").ok());
  EXPECT_EQ(names(), (std::vector<std::string>{"web.stdout.0"}));
  EXPECT_EQ(read(0), "hello\n");
}

TEST_F(LogRotationTest, FilesAreNotReadableByOtherUsers) {
  rotating_file f(cfg(3, 100));
  ASSERT_TRUE(f.write("secret output\n").ok());
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "web.stdout.0").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0007, 0u);
  EXPECT_EQ(st.st_mode & 0600, 0600u);
}

TEST_F(LogRotationTest, EmptyWriteCreatesTheFile) {
  rotating_file f(cfg(3, 100));
  ASSERT_TRUE(f.write("").ok());
  EXPECT_TRUE(exists(0));
  EXPECT_EQ(read(0), "");
}

TEST_F(LogRotationTest, ReleasedFileIsReopenedAtItsPlace) {
  rotating_file f(cfg(10, 6));
  ASSERT_TRUE(f.write("abc\n").ok());
  f.release();
  EXPECT_FALSE(f.is_open());
  ASSERT_TRUE(f.write("d\n").ok()); // appends: the same file, 6 bytes now
  EXPECT_TRUE(f.is_open());
  f.release();
  ASSERT_TRUE(f.write("e\n").ok()); // full: the next file
  EXPECT_EQ(read(0), "abc\nd\n");
  EXPECT_EQ(read(1), "e\n");
  EXPECT_EQ(f.rotations(), 1);
}

TEST_F(LogRotationTest, WorkerClosesTheFileAfterEachBatch) {
  auto worker = log_worker::make();
  auto f = std::make_shared<rotating_file>(cfg(3, 100));
  for (int i = 0; i < 3; ++i)
    worker->write(f, "line " + std::to_string(i) + "\n", nullptr);
  ASSERT_TRUE(worker->wait_idle(std::chrono::seconds(5)));
  EXPECT_FALSE(f->is_open());
  EXPECT_EQ(read(0), "line 0\nline 1\nline 2\n");
}

// create(): a task's two files from one listing of the folder, each at its
// own highest index, closed again; one error for a folder that cannot be.
TEST_F(LogRotationTest, WorkerCreatesFilesOfOneFolderAtTheirHighestIndex) {
  std::ofstream(dir_ / "web.stdout.3") << "earlier";
  auto worker = log_worker::make();
  auto out = std::make_shared<rotating_file>(cfg(5, 100));
  auto err = std::make_shared<rotating_file>(rotation_config{dir_.string(), "web.stderr", 5, 100});
  std::promise<error_info> done;
  worker->create({out, err}, [&done](const error_info& e) { done.set_value(e); });
  auto f = done.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(f.get().kind, errc::ok);
  EXPECT_EQ(names(), (std::vector<std::string>{"web.stderr.0", "web.stdout.3"}));
  EXPECT_EQ(out->index(), 3);
  EXPECT_FALSE(out->is_open());
  EXPECT_FALSE(err->is_open());

  std::ofstream(dir_ / "blocker") << "a file, not a folder";
  auto bad = std::make_shared<rotating_file>(rotation_config{(dir_ / "blocker" / "logs").string(), "web.stdout", 2, 10});
  std::promise<error_info> failed;
  worker->create({bad}, [&failed](const error_info& e) { failed.set_value(e); });
  auto g = failed.get_future();
  ASSERT_EQ(g.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  auto e = g.get();
  EXPECT_NE(e.kind, errc::ok);
  EXPECT_NE(to_string(e).find("blocker"), std::string::npos) << to_string(e);
}

TEST_F(LogRotationTest, FileClosedAtMaxSize) {
  rotating_file f(cfg(10, 10));
  ASSERT_TRUE(f.write("0123456789").ok()); // exactly full
  EXPECT_EQ(f.index(), 0);
  ASSERT_TRUE(f.write("abc").ok());
  EXPECT_EQ(read(0), "0123456789");
  EXPECT_EQ(read(1), "abc");
  EXPECT_EQ(f.rotations(), 1);
}

TEST_F(LogRotationTest, LinesKeptWholeWhenTheyFit) {
  rotating_file f(cfg(10, 10));
  ASSERT_TRUE(f.write("aaaa\nbbbb\ncccc\n").ok());
  EXPECT_EQ(read(0), "aaaa\nbbbb\n");
  EXPECT_EQ(read(1), "cccc\n");
  ASSERT_TRUE(f.write("dddddd\n").ok()); // 5 + 7 > 10: next file
  EXPECT_EQ(read(1), "cccc\n");
  EXPECT_EQ(read(2), "dddddd\n");
  for (int i = 0; i <= 2; ++i)
    EXPECT_LE(read(i).size(), 10u) << i;
}

TEST_F(LogRotationTest, LineLongerThanAFileIsSplit) {
  rotating_file f(cfg(10, 8));
  ASSERT_TRUE(f.write("ab\n").ok());
  ASSERT_TRUE(f.write(std::string(20, 'x') + "\n").ok());
  EXPECT_EQ(read(0), "ab\nxxxxx");
  EXPECT_EQ(read(1), "xxxxxxxx");
  EXPECT_EQ(read(2), "xxxxxxx\n");
  EXPECT_EQ(f.index(), 2);
}

TEST_F(LogRotationTest, KeepsAtMostMaxFilesDeletingOldest) {
  rotating_file f(cfg(3, 4));
  for (int i = 0; i < 7; ++i)
    ASSERT_TRUE(f.write("ab" + std::to_string(i) + "\n").ok());
  EXPECT_EQ(names(), (std::vector<std::string>{"web.stdout.4", "web.stdout.5", "web.stdout.6"}));
  EXPECT_EQ(read(6), "ab6\n");
}

TEST_F(LogRotationTest, ContinuesAtHighestIndexAfterRestart) {
  {
    rotating_file f(cfg(5, 10));
    ASSERT_TRUE(f.write("aaaaaaaaa\nbbb\n").ok());
    EXPECT_EQ(f.index(), 1);
  }
  rotating_file g(cfg(5, 10));
  ASSERT_TRUE(g.write("ccc\n").ok());
  EXPECT_EQ(g.index(), 1);
  EXPECT_EQ(read(1), "bbb\nccc\n"); // appended, not truncated
  EXPECT_EQ(read(0), "aaaaaaaaa\n");
}

// A supervisor killed after a batch reached the disk but before its position
// was kept: the next run cuts the files back to the kept place (the batch
// comes again from the daemon), across a rotation too.
TEST_F(LogRotationTest, RestartCutsBackToTheResumePoint) {
  {
    rotating_file f(cfg(5, 10));
    ASSERT_TRUE(f.write("aaaa\n").ok()); // kept: index 0, size 5
    ASSERT_TRUE(f.write("bbbb\ncccc\n").ok()); // past it, rotated into .1
    EXPECT_EQ(f.index(), 1);
  }
  auto c = cfg(5, 10);
  c.resume_index = 0;
  c.resume_size = 5;
  rotating_file g(c);
  ASSERT_TRUE(g.write("bbbb\n").ok());
  EXPECT_EQ(read(0), "aaaa\nbbbb\n");
  EXPECT_FALSE(exists(1));
  EXPECT_EQ(g.index(), 0);
  // Once: a later open of the same object (after release) cuts nothing.
  g.release();
  ASSERT_TRUE(g.write("c\n").ok());
  EXPECT_EQ(read(1), "c\n");
}

TEST_F(LogRotationTest, AResumePointPastTheFileCutsNothing) {
  {
    rotating_file f(cfg(5, 100));
    ASSERT_TRUE(f.write("aaaa\n").ok());
  }
  auto c = cfg(5, 100);
  c.resume_index = 0;
  c.resume_size = 50; // the file is shorter (another writer's place): left as it is
  rotating_file g(c);
  ASSERT_TRUE(g.write("b\n").ok());
  EXPECT_EQ(read(0), "aaaa\nb\n");
}

TEST_F(LogRotationTest, RestartOnFullFileOpensNext) {
  {
    rotating_file f(cfg(5, 4));
    ASSERT_TRUE(f.write("abc\n").ok());
  }
  rotating_file g(cfg(5, 4));
  ASSERT_TRUE(g.write("d\n").ok());
  EXPECT_EQ(read(0), "abc\n");
  EXPECT_EQ(read(1), "d\n");
}

TEST_F(LogRotationTest, RestartPurgesBeyondMaxFiles) {
  for (int i = 0; i < 5; ++i)
    std::ofstream(dir_ / ("web.stdout." + std::to_string(i))) << "full";
  std::ofstream(dir_ / "web.stderr.0") << "other stream";
  rotating_file g(cfg(2, 4));
  ASSERT_TRUE(g.write("x\n").ok());
  EXPECT_EQ(names(), (std::vector<std::string>{"web.stderr.0", "web.stdout.4", "web.stdout.5"}));
}

TEST_F(LogRotationTest, UnwritableFolderIsOneReadableError) {
  std::ofstream(dir_ / "blocker") << "a file, not a folder";
  rotating_file f(rotation_config{(dir_ / "blocker" / "logs").string(), "web.stdout", 2, 10});
  auto r = f.write("x\n");
  ASSERT_FALSE(r.ok());
  auto text = to_string(r.error());
  EXPECT_NE(text.find("blocker"), std::string::npos) << text;
  EXPECT_EQ(text.find('\n'), std::string::npos) << text;
}

} // namespace
} // namespace stevedore
