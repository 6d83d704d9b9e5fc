// Commands run in a task's running container (exec), owned by its task
// actor like every other call on the task: create, attached start (output
// capped), inspect for the exit code; answered exactly once, with a timeout
// error if the command has not ended within its time (it goes on: the
// Engine API cannot stop an exec, only what it runs can be killed), and
// with an error for every exec still open when the task ends.
#include "actors/task_exec.hpp"

#include <algorithm>
#include <type_traits>

#include <caf/all.hpp>

#include "actors/errors.hpp"
#include "actors/task_actor_state.hpp"
#include "actors/timer_service.hpp"

namespace stevedore::task_detail {

namespace {

// The most output an exec answer carries (both streams together); the rest
// is read and dropped so the command still runs to its end and its exit code
// is known.
constexpr std::size_t output_cap = 1u << 20;

// Exec inspections right after the output ended may still see the command
// running (dockerd records the exit a moment after closing the stream).
constexpr int inspect_tries = 50;

} // namespace

// Written by the client's I/O thread while the stream runs, read by the
// actor after the stream's end message (which orders the two).
struct exec_output_buffer {
  exec_output out;
  std::size_t kept = 0;

  void take(docker::output_stream s, std::string_view bytes) {
    const std::size_t room = output_cap - std::min(output_cap, kept);
    if (bytes.size() > room) {
      out.truncated = true;
      bytes = bytes.substr(0, room);
    }
    kept += bytes.size();
    (s == docker::output_stream::stderr_stream ? out.stderr_text : out.stdout_text).append(bytes);
  }
};

namespace {

exec_table& table_of(state& s) {
  if (!s.execs)
    s.execs = std::make_unique<exec_table>();
  return *s.execs;
}

// The run `seq`, if it is still open.
exec_run* find_run(state& s, std::uint32_t seq) {
  if (!s.execs)
    return nullptr;
  auto i = s.execs->runs.find(seq);
  return i == s.execs->runs.end() ? nullptr : &i->second;
}

void answer(self_ptr self, std::uint32_t seq, result<exec_output> r) {
  auto& s = self->state;
  auto* run = find_run(s, seq);
  if (!run)
    return;
  if (r)
    run->reply.deliver(std::move(r).value());
  else
    run->reply.deliver(to_caf(r.error()));
  s.execs->runs.erase(seq);
  if (s.execs->runs.empty())
    s.execs.reset(); // thousands of tasks keep no table
}

error_info step_error(const state& s, const error_info& e, const char* step) {
  error_info out = e;
  out.what = "exec in task " + s.task_id();
  out.message = std::string(step) + ": " + (e.what.empty() ? e.message : e.what + ": " + e.message);
  // The task was running a moment ago: its container went away since.
  if (out.kind == errc::not_found)
    out.kind = errc::conflict;
  return out;
}

// Engine API callbacks into the actor: (exec_atom, seq, T), (answer_atom,
// exec_start, seq, unit) for the end of the output, and (answer_atom, step,
// seq, error_info) for a failure (task_actor.hpp: the lifecycle's shapes).
template <class T>
docker::callback<T> to_actor(self_ptr self, std::uint32_t seq, side_call step) {
  caf::actor me = caf::actor_cast<caf::actor>(self);
  auto call = static_cast<std::uint8_t>(step);
  return [me, seq, call](result<T> r) {
    if (!r)
      caf::anon_send(me, answer_atom::value, call, seq, std::move(r).error());
    else if constexpr (std::is_same_v<T, unit>)
      caf::anon_send(me, answer_atom::value, call, seq, unit{});
    else
      caf::anon_send(me, exec_atom::value, seq, std::move(r).value());
  };
}

const char* step_name(side_call step) {
  switch (step) {
    case side_call::exec_create: return "create";
    case side_call::exec_start: return "start";
    case side_call::exec_inspect: return "inspect";
    default: return "exec";
  }
}

void inspect_run(self_ptr self, std::uint32_t seq, exec_run& run) {
  self->state.svc().docker->exec_inspect(run.exec_id, to_actor<exec_info>(self, seq, side_call::exec_inspect));
}

} // namespace

void on_exec_created(self_ptr self, std::uint32_t seq, std::string exec_id) {
  auto* run = find_run(self->state, seq);
  if (!run)
    return;
  run->exec_id = std::move(exec_id);
  auto output = run->output;
  run->stream = self->state.svc().docker->exec_start(
    run->exec_id, false,
    [output](docker::output_stream s, std::string_view bytes) {
      output->take(s, bytes);
      return true;
    },
    to_actor<unit>(self, seq, side_call::exec_start));
}

void on_exec_output_end(self_ptr self, std::uint32_t seq) {
  if (auto* run = find_run(self->state, seq))
    inspect_run(self, seq, *run);
}

void on_exec_failed(self_ptr self, std::uint32_t seq, side_call step, const error_info& e) {
  answer(self, seq, step_error(self->state, e, step_name(step)));
}

void on_exec_inspected(self_ptr self, std::uint32_t seq, const exec_info& info) {
  auto* run = find_run(self->state, seq);
  if (!run)
    return;
  if (info.running && --run->tries_left > 0) {
    inspect_run(self, seq, *run);
    return;
  }
  if (info.running) {
    answer(self, seq, step_error(self->state, make_error(errc::timeout, "", "its output ended but it still runs"), "inspect"));
    return;
  }
  auto out = std::move(run->output->out);
  out.exit_code = info.exit_code;
  answer(self, seq, std::move(out));
}

void on_exec_deadline(self_ptr self, std::uint32_t seq) {
  auto* run = find_run(self->state, seq);
  if (!run)
    return;
  run->stream.cancel();
  answer(self, seq,
         make_error(errc::timeout, "exec in task " + self->state.task_id(),
                    "still running after " + format_duration_ms(run->timeout_ms) +
                      " (the request's timeout); the command goes on in the container"));
}

caf::result<exec_output> start_exec(self_ptr self, std::vector<std::string> cmd,
                                    std::int64_t timeout_ms) {
  auto& s = self->state;
  if (s.life.state != task_state::running || s.life.container_id.empty())
    return to_caf(make_error(errc::conflict, "exec in task " + s.task_id(),
                             std::string("the task is ") + to_string(s.life.state) +
                               ", not running"));
  if (cmd.empty())
    return to_caf(make_error(errc::invalid_input, "exec in task " + s.task_id(), "no command"));
  auto& table = table_of(s);
  auto seq = table.next++;
  auto& run = table.runs[seq];
  run.reply = self->make_response_promise<exec_output>();
  run.output = std::make_shared<exec_output_buffer>();
  run.tries_left = inspect_tries;
  run.timeout_ms = timeout_ms;
  auto delay = std::chrono::milliseconds(timeout_ms);
  auto deadline = static_cast<std::uint8_t>(side_call::exec_deadline);
  if (const auto& timers = s.svc().timers)
    set_timer(timers, delay, self->address(), caf::make_message(timer_atom::value, deadline, seq));
  else
    self->delayed_send(self, delay, timer_atom::value, deadline, seq);
  docker::exec_request req;
  req.cmd = std::move(cmd);
  s.svc().docker->exec_create(s.life.container_id, std::move(req),
                              to_actor<std::string>(self, seq, side_call::exec_create));
  return run.reply;
}

void end_execs(self_ptr self) {
  auto& s = self->state;
  if (!s.execs)
    return;
  auto runs = std::move(s.execs->runs);
  s.execs.reset();
  for (auto& [seq, run] : runs) {
    run.stream.cancel();
    run.reply.deliver(to_caf(make_error(errc::conflict, "exec in task " + s.task_id(),
                                        "the task ended before the command did")));
  }
}

} // namespace stevedore::task_detail
