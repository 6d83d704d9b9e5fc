// The command-line client of a running agent (status, logs, exec, stop,
// signal, job, node, actors, trace): the options every such subcommand takes
// (--addr, --token-file, --json), a blocking HTTP client of the agent's API,
// and the helpers their output shares. Errors are one line on stderr and
// exit 1.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "messages/result.hpp"
#include "policy/ast.hpp"

namespace CLI {
class App;
}

namespace stevedore::cli {

struct client_options {
  std::string addr;        // host:port or http://host:port; default STEVEDORE_ADDR, else 127.0.0.1:4680
  std::string token_file;  // default: STEVEDORE_TOKEN's value, if set
  bool json = false;       // print the agent's JSON instead of text
};

// Declares --addr, --token-file and --json on `app`.
void add_client_options(CLI::App& app, client_options& opts);

struct http_answer {
  int status = 0;
  std::string body;
};

class agent_client {
public:
  // The address and token from the options and the environment.
  static result<agent_client> make(const client_options& opts);

  // One request; a non-2xx answer is an error carrying the agent's line.
  result<http_answer> call(const std::string& method, const std::string& target,
                           const std::string& body = {}) const;
  // A GET whose answer is streamed: `on_data` gets each piece as it comes
  // and returns false to stop. Ends when the agent ends the answer.
  result<unit> stream(const std::string& target,
                      const std::function<bool(std::string_view)>& on_data) const;
  // An interactive exec through the agent's WebSocket (GET
  // /v1/tasks/{id}/exec): our stdin to the command when `input`, our
  // terminal raw and its size passed on when `tty`; the command's output on
  // ours. Answers its exit code.
  result<std::int64_t> exec_attached(const std::string& task_id, const std::vector<std::string>& cmd,
                                     bool input, bool tty) const;
  const std::string& address() const { return addr_; }

private:
  std::string host_, port_, addr_, token_;
};

// The agent's one line from an error answer ({"error": ...}), else the status.
error_info answer_error(int status, const std::string& body);

// "stevedore CMD: line" on stderr; returns 1.
int fail(const std::string& cmd, const std::string& line);

// The JSON answer as a tree, or an error naming the answer.
result<policy::node> parse_answer(const std::string& body);
// A member of an object (null when absent), its text, a number as written.
const policy::node* member(const policy::node& n, std::string_view key);
std::string text_of(const policy::node& n, std::string_view key);
std::int64_t int_of(const policy::node& n, std::string_view key);
bool bool_of(const policy::node& n, std::string_view key);

// A task named as Nomad allows: its whole id ("ALLOC/TASK"), an alloc id
// prefix with the task name ("3f2a/web"), an alloc id prefix alone when
// that allocation has one task, or a task name alone when one task has it.
// Ties are broken in favour of tasks that still run.
struct task_ref {
  std::string id;     // "{alloc_id}/{task}"
  std::string state;
};
result<std::string> match_task(const std::vector<task_ref>& tasks, const std::string& name);
// The same against the agent's GET /v1/tasks.
result<std::string> find_task(const agent_client& c, const std::string& name);

// A path segment with '/' and other reserved characters percent-encoded.
std::string path_escape(std::string_view s);

// Prints rows as columns separated by two spaces (the first row is the header).
void print_table(const std::vector<std::vector<std::string>>& rows);

// "3s", "2m", "5h", "4d" ago from a Unix ms time; "-" for 0.
std::string age_text(std::int64_t ms);

} // namespace stevedore::cli
