// Decoding syntax trees (policy/ast.hpp) into messages/ structs: a context
// that collects every problem of one file, an object reader that tracks which
// keys were read (the rest are unknown), and typed conversions that accept the
// shapes HCL1 produces, as Nomad reads them:
//
//   maps     `labels { a = "b" }`, `labels = { a = "b" }`, and the list of
//            maps of Nomad's JSON of HCL1, `"labels": [{"a": "b"}]` (several
//            maps merge; a key set twice is a problem)
//   blocks   the same three shapes, for `auth`, `logging`, `resources`, ...
//   strings  a string, or a number written bare (`nproc = 4242` -> "4242")
//   bools    true/false, or a string Go's strconv.ParseBool accepts
//            ("docker.cleanup.image" = "false")
//   integers a number without fraction (HCL1 literals: 0x1f, 0755 octal), or
//            a string holding one (`sysctl`, `port_map`, client options)
//   lists    a list of strings (numbers accepted as strings)
//   null     (JSON) the same as leaving the key out
//
// Paths name the field from the file's root: "job.web.group.cache.task.redis.
// config.ulimit.nofile", list entries "[i]", and keys that are not plain
// identifiers in brackets: `config.sysctl["net.core.somaxconn"]`.
//
// Problems are error_info{invalid_input, what = path, message = "FILE:LINE:COL:
// why"} (rules.hpp); warnings are ready lines "FILE:LINE:COL: path: why".
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "messages/client_config.hpp"
#include "messages/error.hpp"
#include "messages/task_spec.hpp"
#include "policy/ast.hpp"

namespace stevedore::policy {

// ---- problems of one file ---------------------------------------------------

class decode_context {
public:
  explicit decode_context(std::string file_name) : file_(std::move(file_name)) {}

  const std::string& file_name() const noexcept { return file_; }

  // "FILE:LINE:COL" of pos (just "FILE" when unknown, "" when there is no
  // file name either).
  std::string location(const position& pos) const;

  void problem(std::string_view path, const position& pos, std::string why);
  void warning(std::string_view path, const position& pos, std::string why);
  // A problem that is already complete (a syntax error from the parser).
  void add(error_info e, const position& pos = {});

  std::size_t problem_count() const noexcept { return problems_.size(); }

  // Everything found, in source order (decoding order where positions tie).
  std::vector<error_info> take_problems();
  std::vector<std::string> take_warnings();

private:
  std::string file_;
  std::vector<std::pair<position, error_info>> problems_;
  std::vector<std::pair<position, std::string>> warnings_;
};

// "FILE:LINE:COL: path: why" from a problem built by decode_context (whose
// message starts with the location); other problems as "FILE: path: why".
// Used by `stevedore validate` so that every line starts with the place.
std::string format_problem(const error_info& e, std::string_view file_name);

// ---- paths ------------------------------------------------------------------

// parent + "." + key, or parent + "[\"key\"]" when key is not a plain
// identifier ([A-Za-z0-9_-]+).
std::string field_path(std::string_view parent, std::string_view key);
// parent + "[i]"
std::string item_path(std::string_view parent, std::size_t i);

// "a string", "a bool", "a number", "a list", "a block", "null".
const char* describe_value(const node& n);

// ---- conversions of one value (problems recorded at path) --------------------

std::optional<std::string> to_string_value(decode_context& ctx, const node& n,
                                           std::string_view path);
std::optional<bool> to_bool(decode_context& ctx, const node& n, std::string_view path);
std::optional<std::int64_t> to_int(decode_context& ctx, const node& n, std::string_view path);
std::optional<std::vector<std::string>> to_string_list(decode_context& ctx, const node& n,
                                                       std::string_view path);
std::optional<string_map> to_string_map(decode_context& ctx, const node& n,
                                        std::string_view path);
// A Go duration string, in milliseconds (duration.hpp).
std::optional<std::int64_t> to_duration_ms(decode_context& ctx, const node& n,
                                           std::string_view path, bool allow_negative = false);
// False, with a problem at path, when ms is beyond ranges::max_duration_ms
// either way (a timer that long would overflow the clock).
bool duration_in_range(decode_context& ctx, std::string_view path, const position& pos,
                       std::int64_t ms);

// The objects a value stands for: an object itself, or each object of a list
// (lists of lists flatten). Anything else is a problem ("expected a block").
std::vector<const node*> to_objects(decode_context& ctx, const node& n, std::string_view path);

// ---- reading one object -----------------------------------------------------

// Where a field is, for a problem: its path and the position of its value (or
// of the enclosing block when the field was left out).
struct field_ref {
  std::string path;
  position pos;
};

// A labelled block: `task "redis" { }` (label from the HCL block) or, in
// HCL1's JSON form, `"task": {"redis": { }}` (label from the key).
struct labelled_block {
  std::string label;
  const node* body = nullptr;
  position pos;
};

class object_reader {
public:
  // obj must be an object node (callers get one from to_objects).
  object_reader(decode_context& ctx, const node& obj, std::string path);

  decode_context& context() const noexcept { return ctx_; }
  const std::string& path() const noexcept { return path_; }
  const position& pos() const noexcept { return obj_.pos; }
  // key's path and the position of its value, or of this object when absent.
  field_ref at(std::string_view key) const;
  std::string path_of(std::string_view key) const { return field_path(path_, key); }

  // True when key is present (null counts as absent); does not mark it read.
  bool has(std::string_view key) const;

  // The one value of key, nullptr when absent or null. A second occurrence
  // is a problem: "set more than once (first at LINE:COL)".
  const node* one(std::string_view key);
  // Every value of key in source order (blocks that may repeat).
  std::vector<const node*> all(std::string_view key);

  // Typed getters: out is left unchanged when the key is absent or its value
  // is wrong (then a problem is recorded). True when a value was stored.
  bool get(std::string_view key, std::string& out);
  bool get(std::string_view key, bool& out);
  bool get(std::string_view key, std::int64_t& out);
  bool get(std::string_view key, std::vector<std::string>& out);
  // Repeated blocks merge into out; keys already in out (from an earlier
  // block) are problems.
  bool get(std::string_view key, string_map& out);
  bool get_duration_ms(std::string_view key, std::int64_t& out, bool allow_negative = false);

  // The blocks of key, all occurrences, any shape.
  std::vector<const node*> blocks(std::string_view key);
  // At most one block of key: a second is "given more than once".
  const node* block(std::string_view key);
  // Labelled blocks of key, in source order.
  std::vector<labelled_block> labelled_blocks(std::string_view key);

  // Accepts key without decoding it: a warning "WHY" when it is present and
  // not empty (Nomad stanzas that stevedore does not implement).
  void ignore(std::string_view key, std::string_view why);
  // Marks key read, without any message.
  void skip(std::string_view key);

  // Every key never read is a problem: "<path>.<key>: <message>".
  void finish(std::string_view message);

private:
  decode_context& ctx_;
  const node& obj_;
  std::string path_;
  std::vector<bool> used_;
};

// True for null, "", 0, false, and empty lists and objects: what Nomad's JSON
// output writes for a feature that is not in use.
bool is_empty_value(const node& n);

// ---- the decoders (one file each) -------------------------------------------

// The task's `config` block (config_decode.cpp). config is the object; path
// names it ("job.web.group.cache.task.redis.config").
// It walks docker_options (messages/task_spec.hpp): an option is read by
// its member's type unless it has a reader of its own (a check, a range, a
// block); a new plain option needs no line here.
docker_config decode_docker_config(decode_context& ctx, const node& config,
                                   const std::string& path);

// The options of docker_options that decode_docker_config cannot read: a
// member of a type it does not read by type and without a reader of its own.
// Empty when every option is decoded (a unit test holds it so).
std::vector<std::string> options_without_reader();

// HCL job file tree (job_decode.cpp); also HCL1's JSON form ({"job": {...}}).
job_spec decode_job_hcl(decode_context& ctx, const node& root);

// Nomad's API JSON job form (job_json.cpp): {"Job": {...}} or the bare object.
job_spec decode_job_api(decode_context& ctx, const node& root);

// Client settings tree (client_decode.cpp).
client_config decode_client_config(decode_context& ctx, const node& root);

// ---- checks shared by the HCL and JSON job forms (job_decode.cpp) ------------

// Maps a field's HCL name ("cpu") to its place; the JSON form maps it to its
// own key ("CPU") so messages name what the user wrote.
using field_locator = std::function<field_ref(std::string_view hcl_key)>;

// A locator over one object: HCL names map through `names` (pairs of HCL name,
// name in this file; unlisted names are used as they are).
field_locator locator(const object_reader& r,
                      std::vector<std::pair<std::string_view, std::string_view>> names = {});

// Remembers names (groups in a job, tasks in a group, port labels) and reports
// the second use of one: "<what> \"x\" is defined more than once (first at L:C)".
class unique_names {
public:
  bool add(decode_context& ctx, const std::string& name, const field_ref& at,
           std::string_view what);

private:
  std::vector<std::pair<std::string, position>> seen_;
};

// Nomad's restart defaults for a job type ("batch" differs from the rest).
restart_spec default_restart(std::string_view job_type);

// Operator spellings Nomad accepts, normalised: "==" and "is" -> "=", "not" -> "!=".
std::string normalize_operator(std::string_view op);

// Problems are recorded at loc(<hcl field name>).
void check_restart(decode_context& ctx, const restart_spec& r, const field_locator& loc);
void check_constraint(decode_context& ctx, const constraint_spec& c, const field_locator& loc);
void check_resources(decode_context& ctx, const resources_spec& r, const field_locator& loc);
// One port as read: label (unique within the task) and static value (1..65535,
// unique). `labels` and `statics` carry what the task has used so far.
void check_port(decode_context& ctx, const port_spec& p, const field_ref& at,
                unique_names& labels, unique_names& statics);
// A group network port's `to` (-1..65535) and host_network (a warning: one
// address here).
void check_group_port(decode_context& ctx, const port_spec& p, const field_ref& to_at,
                      const field_ref& host_network_at);
// "host" and "none" are run; "bridge" and "cni/*" are refused in one line.
void check_network_mode(decode_context& ctx, const network_spec& n, const field_locator& loc);
// Every label of config.ports names a port of the group's network (net:
// null when the group has none).
void check_task_ports(decode_context& ctx, const task_spec& t, const network_spec* net,
                      const field_locator& config_loc);
void check_logs(decode_context& ctx, const logs_spec& l, const field_locator& loc);
void check_artifact(decode_context& ctx, const artifact_spec& a, const field_locator& loc);
// Task-wide checks after all fields are read: name, driver, kill signal, kill
// timeout; port_map labels against the task's ports (a warning) and
// memory_hard_limit against memory (config fields via config_loc).
void check_task(decode_context& ctx, const task_spec& t, const field_locator& loc,
                const field_locator& config_loc);
void check_group(decode_context& ctx, const group_spec& g, const field_locator& loc);
void check_job_shape(decode_context& ctx, const job_spec& j, const field_locator& loc);

// "SIGTERM" for "sigterm", "TERM", "SIGTERM"; "" when not a Linux signal.
std::string normalize_signal(std::string_view name);

} // namespace stevedore::policy
