#include "actors/log_collector.hpp"

#include <algorithm>
#include <array>
#include <atomic>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/atoms.hpp"
#include "actors/log_rotation.hpp"
#include "actors/log_stamps.hpp"
#include "actors/log_worker.hpp"
#include "messages/node.hpp"

// The collector's phases:
//
//   following --stream ends--> checking (inspect) --running or dropped--> waiting
//       ^                          |                                         |
//       +------ retry timer -------|-----------------------------------------+
//                                  +--ended and stopped, or gone--> finishing --written--> quit
//
// A stream that ends with an error (connection reset, daemon restarting) is
// resumed even when the container has stopped meanwhile: following a stopped
// container sends what is left and ends at once, and that clean end is what
// finishes the collector.
//
// A follower that ends cleanly because the container exited is not the end
// either: dockerd closes followers at the exit, sometimes before the last
// output (a line without a newline, written when the pipe closes) reaches
// its log file. One catch-up read (no follow, since the last written time,
// repeats dropped) takes what the follower missed; its clean end finishes.
// Whether the container has stopped is asked of the daemon (inspect) unless
// the owner tells the collector (died_atom, exit_notice_wait): the task actor
// knows from the container's die event anyway.

namespace stevedore {

namespace {

using out_atom = caf::atom_constant<caf::atom("lcoutput")>;
using end_atom = caf::atom_constant<caf::atom("lcend")>;
using checked_atom = caf::atom_constant<caf::atom("lcchecked")>;
using written_atom = caf::atom_constant<caf::atom("lcwritten")>;
using nonotice_atom = caf::atom_constant<caf::atom("lcnonotice")>;

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Sends to the collector if it still lives: callbacks held by the client and
// the log worker must not keep it alive.
template <class... Ts>
void tell(const caf::weak_actor_ptr& to, Ts&&... xs) {
  if (auto me = caf::actor_cast<caf::actor>(to))
    caf::anon_send(me, std::forward<Ts>(xs)...);
}

// One output stream and its files.
struct stream_sink {
  const char* label = "stdout";
  std::shared_ptr<rotating_file> file; // handed to the worker with every batch
  stamped_stream stamps;               // strips timestamps, drops repeats after a resume
  std::string pending;                 // output not yet handed to the worker
  bool writing = false;                // a batch is with the worker
  std::int64_t bytes = 0;              // written to disk
  std::int64_t lines = 0;
  std::int64_t write_errors = 0;
};

struct log_collector_state {
  static inline const char* name = "log_collector";

  log_target target;
  std::shared_ptr<docker::client> docker;
  log_collector_options opts;
  std::array<stream_sink, 2> sinks;        // stdout (and raw), stderr
  caf::weak_actor_ptr me;                  // for callbacks on other threads
  std::shared_ptr<std::atomic<bool>> alive = std::make_shared<std::atomic<bool>>(true);
  docker::call_handle call;                // the logs stream
  bool streaming = false;
  std::uint64_t generation = 0;            // of the stream; older callbacks are ignored
  bool ended_ok = false;                   // how the last stream ended
  bool catching_up = false;                // the stream is the final catch-up read
  bool caught_up = false;                  // that read was made
  bool exited = false;                     // the owner said the container has exited
  std::string phase = "following";
  int failures = 0;                        // drops in a row: the backoff step
  std::int64_t calls = 0;
  std::int64_t resumes = 0;
  std::string last_error;
  std::int64_t messages = 0;
  std::string last_message;
  std::int64_t last_at_ms = 0;

  // Dying (quit or exit message): stop the stream and give the worker what
  // is held, so output received is not lost and files close on its thread.
  ~log_collector_state() {
    alive->store(false);
    if (streaming)
      call.cancel();
    if (!opts.worker)
      return;
    for (auto& s : sinks) {
      if (!s.file)
        continue;
      s.stamps.finish(s.pending);
      opts.worker->write(std::move(s.file), std::move(s.pending), nullptr);
    }
  }
};

using self_ptr = caf::stateful_actor<log_collector_state>*;

void note(self_ptr self, const char* what) {
  auto& s = self->state;
  ++s.messages;
  s.last_message = what;
  s.last_at_ms = now_ms();
}

void maybe_quit(self_ptr self) {
  auto& s = self->state;
  if (s.phase != "finishing")
    return;
  for (auto& k : s.sinks)
    if (k.writing || !k.pending.empty())
      return;
  self->quit();
}

void flush(self_ptr self, std::size_t idx) {
  auto& k = self->state.sinks[idx];
  if (k.writing || k.pending.empty())
    return;
  k.writing = true;
  auto bytes = static_cast<std::int64_t>(k.pending.size());
  auto lines = static_cast<std::int64_t>(std::count(k.pending.begin(), k.pending.end(), '\n'));
  auto me = self->state.me;
  self->state.opts.worker->write(k.file, std::move(k.pending),
                                 [me, idx, bytes, lines](const error_info& e) {
                                   tell(me, written_atom::value, static_cast<std::uint8_t>(idx),
                                        bytes, lines, e);
                                 });
  k.pending.clear();
}

// The logs call's `since`: the earliest of the streams' last written times,
// so that neither stream misses anything; repeats are dropped per stream.
std::string resume_since(const log_collector_state& s) {
  std::optional<std::int64_t> since;
  for (auto& k : s.sinks)
    if (auto t = k.stamps.last_time(); t && (!since || *t < *since))
      since = t;
  return since ? docker_since(*since) : std::string{};
}

void open_stream(self_ptr self, bool follow = true) {
  auto& s = self->state;
  if (s.calls > 0) {
    if (follow)
      ++s.resumes;
    for (auto& k : s.sinks)
      k.stamps.resume();
  }
  ++s.calls;
  docker::logs_request req;
  req.follow = follow;
  req.timestamps = true;
  req.tty = s.target.tty;
  req.since = resume_since(s);
  if (s.resumes > 0 && follow)
    spdlog::info("task {}: resuming logs of container {} since {}", s.target.task_id,
                 s.target.container_id, req.since.empty() ? "the start" : req.since);
  auto gen = ++s.generation;
  s.phase = follow ? "following" : "catching up";
  s.catching_up = !follow;
  s.streaming = true;
  auto me = s.me;
  auto alive = s.alive;
  s.call = s.docker->container_logs(
    s.target.container_id, std::move(req),
    [me, alive, gen](docker::output_stream which, std::string_view bytes) {
      if (!alive->load())
        return false;
      tell(me, out_atom::value, gen, static_cast<std::uint8_t>(which), std::string(bytes));
      return true;
    },
    [me, gen](result<unit> r) {
      tell(me, end_atom::value, gen, r ? error_info{} : r.error());
    });
}

void finish(self_ptr self) {
  auto& s = self->state;
  s.phase = "finishing";
  for (std::size_t i = 0; i < s.sinks.size(); ++i) {
    s.sinks[i].stamps.finish(s.sinks[i].pending);
    flush(self, i);
  }
  maybe_quit(self);
}

void wait_and_resume(self_ptr self) {
  auto& s = self->state;
  auto delay = s.opts.retry_delay;
  for (int i = 0; i < s.failures && delay < s.opts.max_retry_delay; ++i)
    delay *= 2;
  delay = std::min(delay, s.opts.max_retry_delay);
  ++s.failures;
  s.phase = "waiting";
  self->delayed_send(self, delay, retry_atom::value, s.generation);
}

// The follower ended cleanly and the container is known to have stopped:
// one catch-up read, then the end.
void after_stop(self_ptr self) {
  auto& s = self->state;
  if (s.caught_up)
    return finish(self);
  s.caught_up = true;
  open_stream(self, false);
}

void check_container(self_ptr self) {
  auto& s = self->state;
  s.phase = "checking";
  auto me = s.me;
  auto gen = s.generation;
  s.docker->container_inspect(s.target.container_id, [me, gen](result<container_info> r) {
    if (r)
      tell(me, checked_atom::value, gen, true, r->running || r->restarting, error_info{});
    else
      tell(me, checked_atom::value, gen, false, false, r.error());
  });
}

caf::behavior log_collector(self_ptr self, std::shared_ptr<docker::client> docker,
                            log_target target, log_collector_options opts) {
  auto& s = self->state;
  s.docker = std::move(docker);
  s.target = std::move(target);
  s.opts = std::move(opts);
  if (!s.opts.worker)
    s.opts.worker = log_worker::shared();
  s.me = caf::actor_cast<caf::weak_actor_ptr>(self);
  const auto size = std::max<std::int64_t>(1, s.target.logs.max_file_size_mb) << 20;
  for (std::size_t i = 0; i < s.sinks.size(); ++i) {
    auto& k = s.sinks[i];
    k.label = i == 0 ? "stdout" : "stderr";
    k.file = std::make_shared<rotating_file>(rotation_config{
      s.target.logs_dir, log_base_name(s.target.task_name, i == 1),
      std::max<std::int64_t>(1, s.target.logs.max_files), size});
    // As logmon: both files exist from the start, opened on the worker.
    k.writing = true;
    auto me = s.me;
    s.opts.worker->write(k.file, {}, [me, i](const error_info& e) {
      tell(me, written_atom::value, static_cast<std::uint8_t>(i), std::int64_t{0},
           std::int64_t{0}, e);
    });
  }
  open_stream(self);
  return {
    [self](out_atom, std::uint64_t gen, std::uint8_t which, const std::string& bytes) {
      note(self, "output");
      auto& s = self->state;
      if (gen != s.generation || !s.streaming)
        return;
      auto stream = static_cast<docker::output_stream>(which);
      if (stream == docker::output_stream::stdin_stream)
        return;
      std::size_t idx = stream == docker::output_stream::stderr_stream ? 1 : 0;
      s.failures = 0;
      s.sinks[idx].stamps.feed(bytes, s.sinks[idx].pending);
      flush(self, idx);
    },
    [self](end_atom, std::uint64_t gen, const error_info& e) {
      note(self, "stream end");
      auto& s = self->state;
      if (gen != s.generation || !s.streaming)
        return;
      s.streaming = false;
      s.call = {};
      s.ended_ok = e.kind == errc::ok;
      if (!s.ended_ok) {
        s.last_error = to_string(e);
        spdlog::warn("task {}: logs of container {} dropped: {}", s.target.task_id,
                     s.target.container_id, s.last_error);
      }
      if (e.kind == errc::not_found || (s.catching_up && s.ended_ok))
        return finish(self); // gone, or the catch-up read is done: nothing more will come
      if (s.ended_ok && s.exited)
        return after_stop(self); // the owner already said so: no inspect needed
      if (s.ended_ok && s.opts.exit_notice_wait.count() > 0) {
        s.phase = "awaiting exit";
        self->delayed_send(self, s.opts.exit_notice_wait, nonotice_atom::value, s.generation);
        return;
      }
      check_container(self);
    },
    [self](died_atom) {
      note(self, "exited");
      auto& s = self->state;
      s.exited = true;
      if (s.phase == "awaiting exit")
        after_stop(self);
    },
    [self](nonotice_atom, std::uint64_t gen) {
      note(self, "no exit notice");
      auto& s = self->state;
      if (gen == s.generation && s.phase == "awaiting exit")
        check_container(self); // a clean end without an exit: ask the daemon
    },
    [self](checked_atom, std::uint64_t gen, bool found, bool running, const error_info& e) {
      note(self, "inspect");
      auto& s = self->state;
      if (gen != s.generation || s.phase != "checking")
        return;
      if (!found && e.kind != errc::not_found) {
        s.last_error = to_string(e);
        return wait_and_resume(self); // the daemon is away: try again later
      }
      if (!found)
        return finish(self);
      if (!running && s.ended_ok)
        return after_stop(self);
      if (s.ended_ok)
        return wait_and_resume(self); // a running container's stream ended: unusual, pace it
      // Dropped: resume now the first time, then back off.
      if (s.failures == 0) {
        ++s.failures;
        return open_stream(self);
      }
      wait_and_resume(self);
    },
    [self](retry_atom, std::uint64_t gen) {
      note(self, "retry");
      auto& s = self->state;
      if (gen != s.generation || s.phase != "waiting")
        return;
      open_stream(self);
    },
    [self](written_atom, std::uint8_t idx, std::int64_t bytes, std::int64_t lines,
           const error_info& e) {
      note(self, "written");
      auto& s = self->state;
      if (idx >= s.sinks.size())
        return;
      auto& k = s.sinks[idx];
      k.writing = false;
      if (e.kind == errc::ok) {
        k.bytes += bytes;
        k.lines += lines;
      } else {
        ++k.write_errors;
        s.last_error = to_string(e);
        spdlog::error("task {}: {} log: {}", s.target.task_id, k.label, s.last_error);
      }
      flush(self, idx);
      maybe_quit(self);
    },
    [self](status_atom) {
      note(self, "status");
      auto& s = self->state;
      actor_status st;
      st.kind = "log_collector";
      st.name = s.target.task_id;
      st.state = s.phase;
      st.messages = s.messages;
      st.last_message = s.last_message;
      st.last_at_ms = s.last_at_ms;
      st.details["container_id"] = s.target.container_id;
      st.details["tty"] = s.target.tty ? "true" : "false";
      st.details["resumes"] = std::to_string(s.resumes);
      st.details["since"] = resume_since(s);
      for (auto& k : s.sinks) {
        std::string p = k.label;
        st.details[p + "_bytes"] = std::to_string(k.bytes);
        st.details[p + "_lines"] = std::to_string(k.lines);
        st.details[p + "_pending"] = std::to_string(k.pending.size());
        st.details[p + "_repeats_dropped"] = std::to_string(k.stamps.messages_dropped());
        if (k.write_errors > 0)
          st.details[p + "_write_errors"] = std::to_string(k.write_errors);
      }
      if (!s.last_error.empty())
        st.details["last_error"] = s.last_error;
      return st;
    },
  };
}

} // namespace

bool collects_logs(const task_spec& spec) {
  const auto& type = spec.config.logging.type;
  return type.empty() || type == "json-file" || type == "local" || type == "journald";
}

caf::actor spawn_log_collector(caf::actor_system& sys, std::shared_ptr<docker::client> client,
                               log_target target) {
  return spawn_log_collector(sys, std::move(client), std::move(target), log_collector_options{});
}

caf::actor spawn_log_collector(caf::actor_system& sys, std::shared_ptr<docker::client> client,
                               log_target target, log_collector_options opts) {
  return sys.spawn(log_collector, std::move(client), std::move(target), std::move(opts));
}

} // namespace stevedore
