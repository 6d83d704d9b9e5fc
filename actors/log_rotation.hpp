// The rotated log files of one task stream, named and rotated as Nomad's
// logmon does: <dir>/<task>.stdout.N and <task>.stderr.N, N counting up from
// 0. A file is closed once it holds max_file_size bytes and the next index is
// opened; at most max_files files are kept, the lowest indexes deleted first.
// Opening continues at the highest index already on disk (appending while it
// has room), so a restarted collector extends the same set.
//
// Lines are kept whole where they fit in one file: data that would cross the
// size limit is cut after its last complete line, and the rest goes to the
// next file. A line longer than a whole file is split across files (Nomad's
// rotator intends the same; its code loops creating empty files instead).
//
// Pure blocking file I/O, no CAF: it runs on the log worker's thread
// (actors/log_worker.hpp), never on an actor's.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "messages/result.hpp"

namespace stevedore {

struct rotation_config {
  std::string dir;                           // <alloc_dir>/alloc/logs
  std::string base_name;                     // "<task>.stdout" / "<task>.stderr"
  std::int64_t max_files = 10;               // logs.max_files (at least 1)
  std::int64_t max_file_size = 10ll << 20;   // bytes: logs.max_file_size (MB) * 2^20
  // A place kept by an earlier run (the log position of a supervisor killed
  // and started again): opening first cuts the files back to it (file
  // resume_index holds resume_size bytes, higher indexes are deleted), so
  // that what was written after it, and comes again from the daemon, is not
  // in the files twice. -1: none.
  std::int64_t resume_index = -1;
  std::int64_t resume_size = -1;
};

// "<task>.stdout" / "<task>.stderr" for the stream index 1 / 2.
std::string log_base_name(const std::string& task_name, bool stderr_stream);

// The file name of index n: "<base_name>.<n>".
std::string log_file_name(const std::string& base_name, std::int64_t index);

// The index of a rotated file name of base_name, or -1 when the name is not
// "<base_name>.<digits>".
std::int64_t log_file_index(const std::string& base_name, std::string_view file_name);

class rotating_file {
public:
  explicit rotating_file(rotation_config cfg);
  ~rotating_file();

  // Closing twice or writing through two objects would interleave the files.
  rotating_file(const rotating_file&) = delete;
  rotating_file& operator=(const rotating_file&) = delete;

  // Creates the folder if needed, finds the highest existing index and opens
  // it for appending. Idempotent; write() calls it first. After release()
  // it reopens the current file without looking at the folder again.
  result<unit> open();
  // The same from a listing of the folder already made (list_folder), which
  // several files of one folder can share: a task's stdout and stderr.
  result<unit> open(const std::vector<std::string>& listing);

  // The names of the regular files in `dir`, which is created first when it
  // is missing.
  static result<std::vector<std::string>> list_folder(const std::string& dir);

  // Appends bytes, rotating as needed. On error the bytes before the failing
  // write are on disk; the error names the file and the cause.
  result<unit> write(std::string_view bytes);

  void close();

  // Closes the file but keeps its place (index, size, the files on disk):
  // the next write reopens it. An idle task then holds no descriptor, so
  // thousands of tasks do not hold thousands of files open.
  void release();
  bool is_open() const noexcept { return fd_ >= 0; }

  std::int64_t index() const noexcept { return index_; }
  std::int64_t size() const noexcept { return size_; }      // bytes in the current file
  std::int64_t rotations() const noexcept { return rotations_; }
  std::string path() const;                                  // of the current file
  const rotation_config& config() const noexcept { return cfg_; }

private:
  result<unit> open_index(std::int64_t index);
  result<unit> cut_back(const std::vector<std::string>& listing);
  result<unit> rotate();
  result<unit> append(std::string_view bytes);
  void purge();

  rotation_config cfg_;
  int fd_ = -1;                    // the current file, O_APPEND
  std::int64_t index_ = 0;         // its index
  std::int64_t size_ = 0;          // its size in bytes
  std::int64_t rotations_ = 0;     // files closed full since open
  std::set<std::int64_t> indexes_; // every index on disk, for purging the oldest
  bool opened_ = false;            // the folder was scanned: index_ and indexes_ hold
};

} // namespace stevedore
