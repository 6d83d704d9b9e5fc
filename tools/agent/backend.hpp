// What the agent's HTTP API asks of the supervisor, and nothing more. The
// API layer (api.hpp) speaks only to this interface, so that route tests run
// against a fake and the real supervisor plugs in through an adapter
// (supervisor_backend.hpp) without the HTTP code seeing CAF.
//
// Every call returns at once; its callback runs exactly once, later, on any
// thread (an actor's reply, an Engine API I/O thread). Callbacks must not
// block. An unknown task id answers errc::not_found; a daemon that cannot
// take new work answers errc::unavailable.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "messages/node.hpp"
#include "messages/result.hpp"
#include "messages/task_spec.hpp"
#include "messages/task_state.hpp"

namespace stevedore::agent {

template <class T>
using reply = std::function<void(result<T>)>;

// What a command run with exec printed, and how it ended (messages/task_state.hpp).
using stevedore::exec_output;

// Where a task's collected logs are: files `<dir>/<task_name>.<stream>.<N>`,
// the highest N the newest (Nomad's rotation).
struct log_files {
  std::string dir;          // <alloc_dir>/alloc/logs
  std::string task_name;
};

// Stops a subscription; may be called from any thread, more than once.
using cancel_fn = std::function<void()>;

// An interactive exec once started: what goes to the command. Every call
// may come from any thread; calls after its end do nothing.
class exec_channel {
public:
  virtual ~exec_channel() = default;
  virtual void input(std::string bytes) = 0;
  virtual void close_input() = 0;
  virtual void resize(int height, int width) = 0; // its TTY's rows and columns
  virtual void cancel() = 0;                     // the client went away
};

// What comes from an interactive exec: output in order (stderr apart only
// without a TTY), then `exited` once, with the exit code or the error that
// ended it. Both on any thread; they must not block.
struct exec_sink {
  std::function<void(bool is_stderr, std::string_view bytes)> output;
  std::function<void(result<std::int64_t>)> exited;
};

struct exec_start {
  std::vector<std::string> cmd;
  bool tty = false;
  bool stdin_open = false; // the command's stdin is attached (exec -i)
};

class backend {
  static error_info no_inspection() {
    return make_error(errc::unavailable, "inspection", "this backend offers none");
  }

public:
  virtual ~backend() = default;

  // Starts every task instance of a decoded, checked job; answers their ids.
  virtual void start_job(job_spec job, reply<std::vector<std::string>> done) = 0;
  virtual void list_tasks(reply<std::vector<task_status>> done) = 0;
  virtual void task(std::string id, reply<task_status> done) = 0;
  // Stops the task with its kill signal and timeout; answers once asked
  // (the task reports the rest through its state).
  virtual void stop_task(std::string id, reply<unit> done) = 0;
  virtual void signal_task(std::string id, std::string signal, reply<unit> done) = 0;
  // Runs cmd in the task's container; answers its output and exit code, or
  // a timeout error once `timeout` has passed (the command itself goes on:
  // the Engine API cannot stop an exec).
  virtual void exec_task(std::string id, std::vector<std::string> cmd,
                         std::chrono::milliseconds timeout, reply<exec_output> done) = 0;
  // Starts cmd attached both ways in the task's running container (conflict
  // unless it runs); `started` answers the channel once the command runs,
  // or the error; the sink hears the rest. A backend without it answers
  // unavailable.
  virtual void exec_attached(std::string /*id*/, exec_start /*what*/, exec_sink /*sink*/,
                             reply<std::shared_ptr<exec_channel>> started) {
    started(make_error(errc::unavailable, "interactive exec", "this backend offers none"));
  }
  // Stops the task's container and starts the task again (a new container of
  // the same plan), not counted against its restart policy; conflict unless
  // it runs. A backend without it answers unavailable.
  virtual void restart_task(std::string /*id*/, reply<unit> done) {
    done(make_error(errc::unavailable, "restart", "this backend offers none"));
  }
  virtual void task_logs(std::string id, reply<log_files> done) = 0;
  virtual void task_stats(std::string id, reply<task_stats> done) = 0;
  virtual void images(reply<std::vector<image_record>> done) = 0;
  virtual void node(reply<fingerprint> done) = 0;
  // -- inspection (the console); a backend without it answers unavailable --
  // A page of actors filtered and sorted (messages/node.hpp actor_query).
  virtual void actors(actor_query /*q*/, reply<actor_page> done) { done(no_inspection()); }
  // One actor: "supervisor", a service's kind, a task id or a CAF actor id.
  virtual void actor(std::string /*who*/, reply<actor_status> done) { done(no_inspection()); }
  // Its message trace: started for `count` messages and `for_ms` (count 0
  // stops it), and read.
  virtual void trace_on(std::string /*who*/, std::int64_t /*count*/, std::int64_t /*for_ms*/,
                        reply<unit> done) {
    done(no_inspection());
  }
  virtual void trace(std::string /*who*/, reply<actor_trace> done) { done(no_inspection()); }
  // The last task events (but pull progress), oldest first.
  virtual void recent_events(reply<std::vector<task_event>> done) { done(no_inspection()); }

  // Every task event from now on, until the returned function is called.
  virtual cancel_fn subscribe(std::function<void(const task_event&)> on_event) = 0;
};

} // namespace stevedore::agent
