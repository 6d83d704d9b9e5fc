// The durable state of a supervisor: one SQLite file, `state.db`, in its
// state folder. What recovery needs and nothing more: each task's plan and
// the facts its lifecycle goes on from (container, state, restarts, last
// exit, image lease), the images whose removal is pending with its
// deadline, and the node id that labels the supervisor's containers.
//
// The folder is made 0700 and the file 0600: a plan carries the task's
// `auth` block (a pull after recovery may need it) and nothing else may
// read it. WAL mode with synchronous=NORMAL: a commit survives the
// process's death (SIGKILL) without an fsync; the state store actor batches
// writes on top of that.
//
// A file that is not SQLite, is unreadable or written by a newer stevedore
// (schema_version above current_schema) is refused with one line naming the
// file and why; it is never rewritten or removed. Older schemas are migrated
// in place, one step per version, each step in a transaction.
//
// Not an actor and not thread-safe: the state store actor owns one (opened
// before the supervisor starts, so the first load is synchronous).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "messages/result.hpp"
#include "messages/task_instance.hpp"
#include "messages/task_state.hpp"

struct sqlite3;

namespace stevedore {

// One task as recovery needs it.
struct task_record {
  std::string task_id;                        // "{alloc_id}/{task}"
  std::shared_ptr<const task_instance> plan;  // null: keep the stored one
  std::string container_name;
  std::string container_id;                   // empty: none known
  task_state state = task_state::pending;
  std::string phase;                          // the lifecycle's finer step (lifecycle::to_string)
  std::int64_t restarts = 0;
  bool stop_asked = false;                    // nothing starts again
  bool intent = false;                        // a create may have made a container of that name
  std::string image_id;
  bool lease = false;                         // image_id is leased
  bool has_exit = false;
  std::int64_t exit_code = 0;                 // the last exit (has_exit)
  std::string log_position;                   // where the log follower resumes (schema 2)
  std::int64_t updated_ms = 0;
};

// An image whose removal is pending (the last lease went).
struct image_cleanup_record {
  std::string image_id;
  std::int64_t deadline_ms = 0; // Unix ms; 0: no removal pending (a clear)
};

struct stored_state {
  std::string node_id;                        // empty: none stored yet
  std::vector<task_record> tasks;             // by task id
  std::vector<image_cleanup_record> cleanups;
};

// Writes gathered between two commits; the latest write of a key wins.
struct state_batch {
  std::map<std::string, std::optional<task_record>> tasks; // nullopt: delete
  std::map<std::string, std::int64_t> cleanups;            // 0: delete
  bool empty() const { return tasks.empty() && cleanups.empty(); }
  std::size_t size() const { return tasks.size() + cleanups.size(); }
  // Adds a task write; a plan given earlier in the batch is kept when this
  // one has none.
  void put(task_record r);
};

class state_db {
public:
  static constexpr int current_schema = 2;
  static constexpr const char* file_name = "state.db";

  // Opens <dir>/state.db, making the folder (0700) and the file (0600)
  // when missing, and migrates it up to `upto` (tests make old schemas).
  static result<std::unique_ptr<state_db>> open(const std::string& dir, int upto = current_schema);
  ~state_db();
  state_db(const state_db&) = delete;
  state_db& operator=(const state_db&) = delete;

  int schema_version() const noexcept { return version_; }
  const std::string& path() const noexcept { return path_; }

  result<stored_state> load();
  result<unit> set_node_id(const std::string& id);
  // One transaction.
  result<unit> write(const state_batch& batch);

private:
  state_db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  result<unit> exec(const char* sql, const char* step);
  result<unit> migrate(int upto);
  result<int> read_version();
  error_info fail(const char* step) const;

  sqlite3* db_ = nullptr;
  std::string path_;
  int version_ = 0;
};

// A plan as stored (CAF's binary form of task_instance) and back.
std::string encode_plan(const task_instance& inst);
result<task_instance> decode_plan(const std::string& bytes, const std::string& task_id);

} // namespace stevedore
