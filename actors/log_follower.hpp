// The log following of one running container, as a plain object that lives
// in the state of the actor owning it (the task actor, or the standalone
// log_collector): one streaming logs call (no helper process) whose stdout
// and stderr go into the task's rotated files (actors/log_rotation.hpp); a
// TTY container's single raw stream goes to stdout. Not an actor of its own,
// so that a running task costs one actor, not two.
//
// A stream that drops (daemon restart, connection reset) is resumed from the
// last timestamp written, without losing or repeating lines
// (actors/log_stamps.hpp). The follower is finished once the container has
// ended and its output is on disk; it then calls the owner's `finished`
// callback (as its last act, so the owner may destroy it there). Destroying
// it earlier cancels its call and hands what it holds to the writer.
//
// Threads: the client's I/O thread and the log worker's thread never touch
// the follower. Their callbacks become messages to the owner (held weakly),
// and the owner's behavior passes them on with log_follower::handlers(),
// composed with its own (caf::message_handler::or_else). Timers are delayed
// messages to the owner too. Every message carries the follower's id, so
// answers meant for an earlier follower of the same owner are ignored.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <string_view>

#include <caf/all.hpp>

#include "actors/activity.hpp"
#include "actors/log_stamps.hpp"
#include "docker/client.hpp"
#include "messages/error.hpp"
#include "messages/node.hpp"
#include "messages/task_spec.hpp"

namespace stevedore {

class log_worker;
class rotating_file;

struct log_target {
  std::string task_id;      // names the follower in logs and errors
  std::string task_name;    // file names: <task_name>.stdout.N
  std::string container_id;
  bool tty = false;         // one raw stream, into stdout
  std::string logs_dir;     // <alloc_dir>/alloc/logs
  logs_spec logs;           // max_files, max_file_size_mb
  // Where an earlier follower of this container stopped (format_log_position):
  // the stream resumes there, without repeats. Empty: from the start.
  std::string resume_position;
};

struct log_collector_options {
  std::shared_ptr<log_worker> worker;            // null: log_worker::shared()
  std::chrono::milliseconds retry_delay{500};    // first wait before resuming a dropped stream
  std::chrono::milliseconds max_retry_delay{10000}; // the wait doubles up to this
  // 0: when the follower ends cleanly, ask the daemon (inspect) whether the
  // container still runs. Above 0: the owner promises to tell it
  // (container_exited) once it knows the container has exited (the task
  // actor does), which answers that question without a call; the follower
  // waits this long for it before it inspects after all.
  std::chrono::milliseconds exit_notice_wait{0};
};

// What following a container's logs needs, shared by every task of a
// supervisor (task_services::logs).
struct log_service {
  std::shared_ptr<docker::client> docker;
  log_collector_options options;
  caf::actor timers; // timer_service for the followers' waits; none: delayed_send
};

// False when the task's `logging` block sends its output to a driver whose
// logs the daemon cannot give back (fluentd, syslog, gelf, none, ...): the
// option goes to the daemon and nothing is collected. Collected: no type
// (the daemon's default), "json-file", "local" and "journald", the drivers
// the Engine API's logs call reads.
bool collects_logs(const task_spec& spec);

// Messages from the follower's callbacks and timers to its owner:
//   (lf_output_atom, id, generation, uint8 stream, std::string bytes)
//   (lf_end_atom, id, generation, error_info)
//   (lf_checked_atom, id, generation, bool found, bool running, error_info)
//   (lf_written_atom, id, uint8 sink, int64 bytes, int64 lines, error_info)
//   (lf_timer_atom, id, generation, atom kind)
using lf_output_atom = caf::atom_constant<caf::atom("lfoutput")>;
using lf_end_atom = caf::atom_constant<caf::atom("lfend")>;
using lf_checked_atom = caf::atom_constant<caf::atom("lfchecked")>;
using lf_written_atom = caf::atom_constant<caf::atom("lfwritten")>;
using lf_timer_atom = caf::atom_constant<caf::atom("lftimer")>;

// The messages above as a typed interface, which an owner that is a typed
// actor extends its own with (the task actor).
using log_follower_messages = caf::typed_actor<
  caf::reacts_to<lf_output_atom, std::uint64_t, std::uint64_t, std::uint8_t, std::string>,
  caf::reacts_to<lf_end_atom, std::uint64_t, std::uint64_t, error_info>,
  caf::reacts_to<lf_checked_atom, std::uint64_t, std::uint64_t, bool, bool, error_info>,
  caf::reacts_to<lf_written_atom, std::uint64_t, std::uint8_t, std::int64_t, std::int64_t,
                 error_info>,
  caf::reacts_to<lf_timer_atom, std::uint64_t, std::uint64_t, caf::atom_value>>;

class log_follower {
public:
  using finished_fn = std::function<void()>;
  using position_fn = std::function<void(const std::string&)>;

  // Nothing starts before start(). `owner` receives the messages above and
  // must pass them on with handlers(); `finished` runs on the owner's thread.
  log_follower(caf::weak_actor_ptr owner, std::shared_ptr<const log_service> service,
               log_target target, finished_fn finished);

  // Cancels the call and gives the worker what is held, so that output
  // received is not lost and files close on the worker's thread.
  ~log_follower();

  log_follower(const log_follower&) = delete;
  log_follower& operator=(const log_follower&) = delete;

  // Creates both files (as logmon does) and opens the stream.
  void start();

  // Called on the owner's thread with the position (format_log_position)
  // each time a batch is on disk, for the owner to keep (durable state).
  void on_position(position_fn fn) { position_ = std::move(fn); }

  // The owner learned that the container has exited (exit_notice_wait).
  void container_exited();

  // Message handlers that pass the messages above to the follower `get`
  // returns (null: none now; messages of another follower id are dropped).
  // Built once per owner and composed with the owner's own: handlers() as a
  // message_handler, handler_list() as the lambdas themselves, to list among
  // the owner's (one behavior instead of two and their combination, in each
  // of thousands of task actors).
  template <class Get>
  static auto handler_list(Get get);
  template <class Get>
  static caf::message_handler handlers(Get get);

  std::uint64_t id() const noexcept { return id_; }
  bool finished() const noexcept { return phase_ == phase::finished; }
  const char* phase_name() const noexcept;

  // Counts a message handled for the follower (status: messages, last).
  void note(const char* what);

  // The follower's status as the log_collector actor answers it.
  actor_status status() const;
  // Its details, each key prefixed (the task actor uses "logs_").
  void describe(std::map<std::string, std::string>& details, const std::string& prefix) const;

  // -- the messages above, after the id check --
  void on_output(std::uint64_t gen, std::uint8_t which, const std::string& bytes);
  void on_end(std::uint64_t gen, const error_info& e);
  void on_checked(std::uint64_t gen, bool found, bool running, const error_info& e);
  void on_written(std::uint8_t idx, std::int64_t bytes, std::int64_t lines, const error_info& e);
  void on_timer(std::uint64_t gen, caf::atom_value kind);

private:
  // The phases:
  //
  //   following --stream ends--> checking (inspect) --running or dropped--> waiting
  //       ^                          |                                         |
  //       +------ retry timer -------|-----------------------------------------+
  //                                  +--ended and stopped, or gone--> finishing --written--> finished
  //
  // (awaiting_exit: a clean end, waiting for container_exited instead of
  // checking; catching_up: the final read after the exit.)
  enum class phase : std::uint8_t {
    following, awaiting_exit, checking, waiting, catching_up, finishing, finished
  };

  // One output stream and its files, made when its first output (or a
  // failed file creation) arrives: most tasks print little or nothing, and
  // thousands of idle followers then hold no files, stamps or buffers.
  struct sink {
    std::shared_ptr<rotating_file> file; // handed to the worker with every batch
    stamped_stream stamps;               // strips timestamps, drops repeats after a resume
    std::string pending;                 // output not yet handed to the worker
    std::optional<std::int64_t> handed_time; // the stamps' position as of the batch with the worker
    std::int64_t handed_count = 0;
    std::optional<std::int64_t> written_time; // ... as of the last batch on disk
    std::int64_t written_count = 0;
    std::int64_t written_index = -1;     // the files' place after that batch (-1: none yet)
    std::int64_t written_size = -1;
    bool writing = false;                // a batch is with the worker
    std::int64_t bytes = 0;              // written to disk
    std::int64_t lines = 0;
    std::int64_t write_errors = 0;
  };

  // on_written's index of the creation of the files at start (that job uses
  // files of its own, so it never stands for a sink's batch).
  static constexpr std::uint8_t creation = 2;

  static const char* label(std::size_t idx) noexcept { return idx == 1 ? "stderr" : "stdout"; }
  sink& sink_at(std::size_t idx);
  std::shared_ptr<rotating_file> make_file(std::size_t idx, std::int64_t resume_index = -1,
                                          std::int64_t resume_size = -1) const;
  std::string_view task_id() const noexcept { return {names_.data(), task_id_len_}; }
  std::string_view container_id() const noexcept {
    return {names_.data() + task_id_len_ + 1, container_id_len_};
  }
  std::string_view logs_dir() const noexcept {
    return {names_.data() + task_id_len_ + container_id_len_ + 2, logs_dir_len_};
  }
  std::string_view task_name() const noexcept {
    auto at = task_id_len_ + container_id_len_ + logs_dir_len_ + 3;
    return {names_.data() + at, names_.size() - at};
  }

  void open_stream(bool follow = true);
  void report_position();
  void flush(std::size_t idx);
  void finish();
  void maybe_finished();
  void wait_and_resume();
  void after_stop();
  void check_container();
  std::string resume_since() const;
  template <class... Ts>
  void tell(Ts&&... xs) const;
  template <class... Ts>
  void tell_later(std::chrono::milliseconds delay, Ts&&... xs) const;

  std::uint64_t id_;                       // process-wide unique: tags every message
  caf::weak_actor_ptr owner_;              // receives callbacks and timers as messages
  // False once the follower is gone: the output callback then stops the
  // stream. An owner's weak pointer can still be promoted for a moment
  // after the owner ended, and a cancel may find the call already done.
  std::shared_ptr<std::atomic<bool>> alive_;
  std::shared_ptr<const log_service> svc_;
  // The target's task id, container id, logs dir and task name, in that
  // order and NUL-separated, in one allocation (one string, not four).
  std::string names_;
  std::uint32_t task_id_len_ = 0;
  std::uint32_t container_id_len_ = 0;
  std::uint32_t logs_dir_len_ = 0;
  bool tty_ = false;                       // one raw stream, into stdout
  bool creating_ = false;                  // the files are being created at start
  logs_spec logs_;                         // max_files, max_file_size_mb
  finished_fn finished_;
  position_fn position_;                   // none: the position is not kept
  std::string resume_position_;            // the target's, applied by start()
  std::array<std::unique_ptr<sink>, 2> sinks_; // stdout (and raw), stderr; null until used
  // The files made at start, until made: their place then is each stream's
  // base, kept as the position of a stream with nothing written yet.
  std::array<std::shared_ptr<rotating_file>, 2> created_;
  std::array<std::pair<std::int64_t, std::int64_t>, 2> base_{{{-1, -1}, {-1, -1}}}; // index, size
  docker::call_handle call_;               // the logs stream
  bool streaming_ = false;
  bool ended_ok_ = false;                  // how the last stream ended
  bool caught_up_ = false;                 // the final catch-up read was made
  bool exited_ = false;                    // the owner said the container has exited
  phase phase_ = phase::following;
  int failures_ = 0;                       // drops in a row: the backoff step
  std::uint64_t generation_ = 0;           // of the stream; older callbacks are ignored
  std::int64_t calls_ = 0;
  std::int64_t resumes_ = 0;
  std::string last_error_;
  activity seen_; // inspection
};

template <class Get>
auto log_follower::handler_list(Get get) {
  return std::make_tuple(
    [get](lf_output_atom, std::uint64_t id, std::uint64_t gen, std::uint8_t which,
          const std::string& bytes) {
      if (log_follower* f = get(); f && f->id() == id) {
        f->note("output");
        f->on_output(gen, which, bytes);
      }
    },
    [get](lf_end_atom, std::uint64_t id, std::uint64_t gen, const error_info& e) {
      if (log_follower* f = get(); f && f->id() == id) {
        f->note("stream end");
        f->on_end(gen, e);
      }
    },
    [get](lf_checked_atom, std::uint64_t id, std::uint64_t gen, bool found, bool running,
          const error_info& e) {
      if (log_follower* f = get(); f && f->id() == id) {
        f->note("inspect");
        f->on_checked(gen, found, running, e);
      }
    },
    [get](lf_written_atom, std::uint64_t id, std::uint8_t idx, std::int64_t bytes,
          std::int64_t lines, const error_info& e) {
      if (log_follower* f = get(); f && f->id() == id) {
        f->note("written");
        f->on_written(idx, bytes, lines, e);
      }
    },
    [get](lf_timer_atom, std::uint64_t id, std::uint64_t gen, caf::atom_value kind) {
      if (log_follower* f = get(); f && f->id() == id) {
        f->note("timer");
        f->on_timer(gen, kind);
      }
    });
}

template <class Get>
caf::message_handler log_follower::handlers(Get get) {
  return std::apply([](auto&&... h) { return caf::message_handler{std::move(h)...}; },
                    handler_list(std::move(get)));
}

} // namespace stevedore
