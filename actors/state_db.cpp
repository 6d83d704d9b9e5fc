// The state file (see state_db.hpp): opening with its checks, the schema's
// migrations, and the statements of a load and a batch.
#include "actors/state_db.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <sqlite3.h>

namespace stevedore {

namespace {

// Migration N takes the schema from N-1 to N; never edit one that shipped.
const char* const migrations[] = {
  // 1: the first schema
  "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
  "CREATE TABLE tasks(task_id TEXT PRIMARY KEY, plan BLOB, container_name TEXT NOT NULL,"
  " container_id TEXT NOT NULL, state INTEGER NOT NULL, phase TEXT NOT NULL,"
  " restarts INTEGER NOT NULL, stop_asked INTEGER NOT NULL, intent INTEGER NOT NULL,"
  " image_id TEXT NOT NULL, lease INTEGER NOT NULL, has_exit INTEGER NOT NULL,"
  " exit_code INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
  "CREATE TABLE image_cleanups(image_id TEXT PRIMARY KEY, deadline_ms INTEGER NOT NULL);",
  // 2: where each task's log follower resumes
  "ALTER TABLE tasks ADD COLUMN log_position TEXT NOT NULL DEFAULT '';",
};
constexpr int migration_count = sizeof(migrations) / sizeof(migrations[0]);
static_assert(migration_count == state_db::current_schema);

// A statement, finalized when it goes out of scope.
struct statement {
  sqlite3_stmt* st = nullptr;
  statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &st, nullptr); }
  ~statement() { sqlite3_finalize(st); }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  explicit operator bool() const { return st != nullptr; }
  void text(int i, const std::string& v) { sqlite3_bind_text(st, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT); }
  void blob(int i, const std::string& v) { sqlite3_bind_blob(st, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT); }
  void integer(int i, std::int64_t v) { sqlite3_bind_int64(st, i, v); }
  std::string column_text(int i) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st, i))) : std::string();
  }
  std::string column_blob(int i) const {
    auto* p = static_cast<const char*>(sqlite3_column_blob(st, i));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st, i))) : std::string();
  }
  std::int64_t column_int(int i) const { return sqlite3_column_int64(st, i); }
};

result<unit> make_private_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return make_error(errc::invalid_input, "state folder " + dir, "cannot be made: " + ec.message());
  if (::chmod(dir.c_str(), 0700) != 0)
    return make_error(errc::not_permitted, "state folder " + dir,
                      std::string("cannot be made private (0700): ") + std::strerror(errno));
  return unit{};
}

// The file is made 0600 before SQLite opens it, so that it is never readable by others.
result<unit> make_private_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_error(errc::not_permitted, "state file " + path,
                      std::string("cannot be opened: ") + std::strerror(errno));
  bool ok = ::fchmod(fd, 0600) == 0;
  int saved = errno;
  ::close(fd);
  if (!ok)
    return make_error(errc::not_permitted, "state file " + path,
                      std::string("cannot be made private (0600): ") + std::strerror(saved));
  return unit{};
}

} // namespace

void state_batch::put(task_record r) {
  auto key = r.task_id;
  auto [at, fresh] = tasks.try_emplace(key, std::nullopt);
  if (!fresh && at->second && at->second->plan && !r.plan)
    r.plan = at->second->plan;
  at->second = std::move(r);
}

error_info state_db::fail(const char* step) const {
  return make_error(errc::internal, "state file " + path_,
                    std::string(step) + ": " + (db_ ? sqlite3_errmsg(db_) : "no database"));
}

result<unit> state_db::exec(const char* sql, const char* step) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string why = msg ? msg : sqlite3_errmsg(db_);
    sqlite3_free(msg);
    return make_error(errc::internal, "state file " + path_, std::string(step) + ": " + why);
  }
  return unit{};
}

result<std::unique_ptr<state_db>> state_db::open(const std::string& dir, int upto) {
  if (auto ok = make_private_dir(dir); !ok)
    return std::move(ok).error();
  auto path = (std::filesystem::path(dir) / file_name).string();
  if (auto ok = make_private_file(path); !ok)
    return std::move(ok).error();
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<state_db> db(new state_db(raw, path));
  if (rc != SQLITE_OK)
    return db->fail("cannot be opened");
  sqlite3_busy_timeout(raw, 2000);
  // The first read tells a file that is not a database ("file is not a database").
  if (auto ok = db->exec("PRAGMA journal_mode=WAL;", "not a readable stevedore state file"); !ok)
    return std::move(ok).error();
  if (auto ok = db->exec("PRAGMA synchronous=NORMAL;", "set synchronous"); !ok)
    return std::move(ok).error();
  if (auto ok = db->migrate(upto); !ok)
    return std::move(ok).error();
  return db;
}

state_db::~state_db() {
  if (db_)
    sqlite3_close(db_);
}

result<int> state_db::read_version() {
  statement st(db_, "PRAGMA user_version;");
  if (!st || sqlite3_step(st.st) != SQLITE_ROW)
    return fail("read the schema version");
  return static_cast<int>(st.column_int(0));
}

result<unit> state_db::migrate(int upto) {
  auto v = read_version();
  if (!v)
    return std::move(v).error();
  version_ = *v;
  if (version_ > current_schema)
    return make_error(errc::invalid_input, "state file " + path_,
                      "schema version " + std::to_string(version_) +
                        " is newer than this stevedore knows (" + std::to_string(current_schema) +
                        "); use a newer stevedore or another --state-dir");
  if (version_ < 0)
    return make_error(errc::invalid_input, "state file " + path_, "bad schema version");
  while (version_ < upto) {
    auto next = version_ + 1;
    std::string sql = std::string("BEGIN;") + migrations[version_] +
                      "PRAGMA user_version=" + std::to_string(next) + ";COMMIT;";
    if (auto ok = exec(sql.c_str(), "migrate the schema"); !ok) {
      exec("ROLLBACK;", "rollback");
      return ok;
    }
    version_ = next;
  }
  return unit{};
}

result<stored_state> state_db::load() {
  stored_state out;
  {
    statement st(db_, "SELECT value FROM meta WHERE key='node_id';");
    if (!st)
      return fail("read the node id");
    if (sqlite3_step(st.st) == SQLITE_ROW)
      out.node_id = st.column_text(0);
  }
  statement st(db_, "SELECT task_id, plan, container_name, container_id, state, phase, restarts,"
                    " stop_asked, intent, image_id, lease, has_exit, exit_code, updated_ms,"
                    " log_position FROM tasks ORDER BY task_id;");
  if (!st)
    return fail("read the tasks");
  int rc;
  while ((rc = sqlite3_step(st.st)) == SQLITE_ROW) {
    task_record r;
    r.task_id = st.column_text(0);
    if (sqlite3_column_type(st.st, 1) == SQLITE_NULL)
      continue; // written before its plan: nothing to rebuild it from
    auto plan = decode_plan(st.column_blob(1), r.task_id);
    if (!plan)
      return std::move(plan).error();
    r.plan = std::make_shared<const task_instance>(std::move(*plan));
    r.container_name = st.column_text(2);
    r.container_id = st.column_text(3);
    r.state = static_cast<task_state>(st.column_int(4));
    r.phase = st.column_text(5);
    r.restarts = st.column_int(6);
    r.stop_asked = st.column_int(7) != 0;
    r.intent = st.column_int(8) != 0;
    r.image_id = st.column_text(9);
    r.lease = st.column_int(10) != 0;
    r.has_exit = st.column_int(11) != 0;
    r.exit_code = st.column_int(12);
    r.updated_ms = st.column_int(13);
    r.log_position = st.column_text(14);
    out.tasks.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE)
    return fail("read the tasks");
  statement cl(db_, "SELECT image_id, deadline_ms FROM image_cleanups ORDER BY image_id;");
  if (!cl)
    return fail("read the image cleanups");
  while ((rc = sqlite3_step(cl.st)) == SQLITE_ROW)
    out.cleanups.push_back(image_cleanup_record{cl.column_text(0), cl.column_int(1)});
  if (rc != SQLITE_DONE)
    return fail("read the image cleanups");
  return out;
}

result<unit> state_db::set_node_id(const std::string& id) {
  statement st(db_, "INSERT INTO meta(key, value) VALUES('node_id', ?1)"
                    " ON CONFLICT(key) DO UPDATE SET value=excluded.value;");
  if (!st)
    return fail("store the node id");
  st.text(1, id);
  if (sqlite3_step(st.st) != SQLITE_DONE)
    return fail("store the node id");
  return unit{};
}

namespace {

bool put_task(sqlite3* db, const task_record& r) {
  statement st(db,
    "INSERT INTO tasks(task_id, plan, container_name, container_id, state, phase, restarts,"
    " stop_asked, intent, image_id, lease, has_exit, exit_code, updated_ms, log_position)"
    " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)"
    " ON CONFLICT(task_id) DO UPDATE SET plan=COALESCE(excluded.plan, tasks.plan),"
    " container_name=excluded.container_name, container_id=excluded.container_id,"
    " state=excluded.state, phase=excluded.phase, restarts=excluded.restarts,"
    " stop_asked=excluded.stop_asked, intent=excluded.intent, image_id=excluded.image_id,"
    " lease=excluded.lease, has_exit=excluded.has_exit, exit_code=excluded.exit_code,"
    " updated_ms=excluded.updated_ms,"
    " log_position=CASE WHEN excluded.log_position='' THEN tasks.log_position"
    " ELSE excluded.log_position END;");
  if (!st)
    return false;
  st.text(1, r.task_id);
  if (r.plan)
    st.blob(2, encode_plan(*r.plan));
  st.text(3, r.container_name);
  st.text(4, r.container_id);
  st.integer(5, static_cast<std::int64_t>(r.state));
  st.text(6, r.phase);
  st.integer(7, r.restarts);
  st.integer(8, r.stop_asked);
  st.integer(9, r.intent);
  st.text(10, r.image_id);
  st.integer(11, r.lease);
  st.integer(12, r.has_exit);
  st.integer(13, r.exit_code);
  st.integer(14, r.updated_ms);
  st.text(15, r.log_position);
  return sqlite3_step(st.st) == SQLITE_DONE;
}

bool run_keyed(sqlite3* db, const char* sql, const std::string& key, std::int64_t value,
               bool with_value) {
  statement st(db, sql);
  if (!st)
    return false;
  st.text(1, key);
  if (with_value)
    st.integer(2, value);
  return sqlite3_step(st.st) == SQLITE_DONE;
}

} // namespace

result<unit> state_db::write(const state_batch& batch) {
  if (batch.empty())
    return unit{};
  if (auto ok = exec("BEGIN;", "begin a write"); !ok)
    return ok;
  bool ok = true;
  for (const auto& [id, r] : batch.tasks) {
    if (r)
      ok = ok && put_task(db_, *r);
    else
      ok = ok && run_keyed(db_, "DELETE FROM tasks WHERE task_id=?1;", id, 0, false);
  }
  for (const auto& [image, deadline] : batch.cleanups) {
    if (deadline != 0)
      ok = ok && run_keyed(db_, "INSERT INTO image_cleanups(image_id, deadline_ms) VALUES(?1, ?2)"
                                " ON CONFLICT(image_id) DO UPDATE SET deadline_ms=excluded.deadline_ms;",
                           image, deadline, true);
    else
      ok = ok && run_keyed(db_, "DELETE FROM image_cleanups WHERE image_id=?1;", image, 0, false);
  }
  if (!ok) {
    auto err = fail("write");
    exec("ROLLBACK;", "rollback");
    return err;
  }
  return exec("COMMIT;", "commit a write");
}

std::string encode_plan(const task_instance& inst) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  auto copy = inst; // the inspector takes its values by non-const reference
  if (auto err = sink(copy))
    return {};
  return std::string(buf.begin(), buf.end());
}

result<task_instance> decode_plan(const std::string& bytes, const std::string& task_id) {
  task_instance inst;
  caf::binary_deserializer source{nullptr, bytes.data(), bytes.size()};
  if (bytes.empty() || source(inst) || source.remaining() != 0)
    return make_error(errc::invalid_input, "state of task " + task_id,
                      "its stored plan cannot be read (written by another stevedore version?)");
  return inst;
}

} // namespace stevedore
