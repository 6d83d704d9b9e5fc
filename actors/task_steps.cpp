// The steps of a task's lifecycle (see task_actor.hpp for the diagram). Each
// issues one call and returns; its answer comes back as a message handled in
// task_actor.cpp, which calls the next step.
#include <spdlog/spdlog.h>

#include "actors/errors.hpp"
#include "actors/task_actor_state.hpp"
#include "actors/timer_service.hpp"

namespace stevedore::task_detail {

namespace {

std::string name_of(const state& s) {
  return s.inst->container_name;
}

void stop_helpers(self_ptr self) {
  auto& s = self->state;
  if (s.stats_watched && s.svc().stats) {
    self->send(s.svc().stats, unwatch_atom::value, s.task_id());
    s.stats_watched = false;
  }
  if (s.events_watched && s.svc().events) {
    self->send(s.svc().events, unwatch_atom::value, s.container_id);
    s.events_watched = false;
  }
}

void release_lease(self_ptr self) {
  auto& s = self->state;
  if (!s.has_lease)
    return;
  self->send(s.svc().images, release_atom::value, s.task_id(), s.image_id);
  s.has_lease = false;
}

void park(self_ptr self, const error_info& err) {
  auto& s = self->state;
  if (!s.parked)
    warn(self, "waiting for the Docker daemon (" + to_string(err) + "); state kept as " +
                 to_string(s.current));
  s.parked = true;
  s.parked_because = to_string(err);
  if (s.svc().fingerprinter)
    self->send(s.svc().fingerprinter, poll_atom::value);
  arm(self, parked_atom::value, s.settings().parked_recheck);
}

bool daemon_away(const error_info& err) {
  return err.kind == errc::daemon_unreachable || err.kind == errc::timeout;
}

} // namespace

void arm(self_ptr self, caf::atom_value kind, std::chrono::milliseconds delay) {
  auto& s = self->state;
  if (const auto& timers = s.svc().timers) // see timer_service.hpp
    set_timer(timers, delay, self->address(), caf::make_message(timer_atom::value, kind, s.epoch));
  else
    self->delayed_send(self, delay, timer_atom::value, kind, s.epoch);
}

void prepare(self_ptr self) {
  auto& s = self->state;
  if (!s.svc().task_dirs) {
    pull(self);
    return;
  }
  auto epoch = s.epoch;
  self->request(s.svc().task_dirs, caf::infinite, prepare_atom::value, s.inst)
    .then(
      [self, epoch](std::vector<std::string>&) {
        if (epoch == self->state.epoch)
          pull(self);
      },
      [self, epoch](caf::error& e) {
        if (epoch == self->state.epoch)
          fail(self, to_string(from_caf(e, "prepare task folders")));
      });
}

void pull(self_ptr self) {
  auto& s = self->state;
  if (s.stop_requested) {
    finish(self, task_state::cleaned, "stopped before its container was created");
    return;
  }
  if (s.current != task_state::pulling)
    set_state(self, task_state::pulling, s.inst->image);
  image_request req;
  req.holder = s.task_id();
  req.reference = s.inst->image;
  req.pull = s.inst->pull;
  req.archive = s.inst->image_archive;
  req.has_auth = s.inst->task->config.has_auth;
  req.auth = s.inst->task->config.auth;
  req.auth_soft_fail = s.inst->task->config.auth_soft_fail;
  req.pull_timeout_ms = s.inst->task->config.image_pull_timeout_ms;
  auto epoch = s.epoch;
  self->request(s.svc().images, caf::infinite, acquire_atom::value, std::move(req))
    .then(
      [self, epoch](image_lease& lease) {
        auto& s = self->state;
        // A lease is ours whatever happened meanwhile: keep it so that it is
        // released exactly once.
        if (s.has_lease && s.image_id != lease.image_id)
          self->send(s.svc().images, release_atom::value, s.task_id(), s.image_id);
        s.has_lease = true;
        s.image_id = lease.image_id;
        for (auto& w : lease.warnings)
          warn(self, w);
        s.image_stop_signal = std::move(lease.image.stop_signal);
        if (epoch != s.epoch || is_terminal(s.current))
          return;
        if (s.stop_requested) {
          finish(self, task_state::cleaned, "stopped before its container was created");
          return;
        }
        s.attempts = 0;
        create(self);
      },
      [self, epoch](caf::error& e) {
        if (epoch == self->state.epoch)
          step_error(self, from_caf(e, "pull " + self->state.inst->image));
      });
}

void create(self_ptr self) {
  auto& s = self->state;
  if (s.stop_requested && s.container_id.empty()) {
    finish(self, task_state::cleaned, "stopped before its container was created");
    return;
  }
  if (s.current != task_state::creating)
    set_state(self, task_state::creating, name_of(s));
  // DESIGN.md Durability: the one place every container create passes. A
  // durable store records `intent` here before the call and confirms it in
  // the answer (task_actor.cpp, created_atom), so that a supervisor that
  // crashed in between finds the container by name and re-attaches.
  auto body = create_body_of(*s.inst);
  if (!body.ok()) {
    fail(self, to_string(body.error()));
    return;
  }
  s.create_pending = true;
  s.svc().docker->container_create(name_of(s), std::move(body).value(),
                                   reply<created_atom, create_answer>(self));
}

void start(self_ptr self) {
  auto& s = self->state;
  if (s.current != task_state::starting)
    set_state(self, task_state::starting, s.container_id.substr(0, 12));
  s.svc().docker->container_start(s.container_id, reply<started_atom, unit>(self));
}

void inspect(self_ptr self) {
  auto& s = self->state;
  if (s.container_id.empty())
    return;
  s.svc().docker->container_inspect(s.container_id, reply<inspected_atom, container_info>(self));
}

void kill(self_ptr self, const std::string& signal) {
  auto& s = self->state;
  s.svc().docker->container_kill(s.container_id, signal, reply<killed_atom, unit>(self));
}

void begin_stop(self_ptr self) {
  auto& s = self->state;
  s.stop_requested = true;
  if (s.exit_held) {
    // It has already exited: nothing to signal; its exit goes on (and, as
    // a stop was asked, ends in cleanup).
    release_held_exit(self);
    return;
  }
  switch (s.current) {
    case task_state::pending:
    case task_state::pulling:
    case task_state::creating:
    case task_state::starting:
      // The step in flight sees stop_requested when it answers.
      return;
    case task_state::running: {
      auto signal = stop_signal_of(s);
      s.kill_delivered = false;
      set_state(self, task_state::stopping, "signal " + signal + ", SIGKILL after " +
                                              format_duration_ms(s.inst->task->kill_timeout_ms));
      kill(self, signal);
      s.kill_armed = true;
      arm(self, killtimer_atom::value, std::chrono::milliseconds(s.inst->task->kill_timeout_ms));
      return;
    }
    case task_state::exited:
      // Cleanup is under way; a restart it prepares becomes the end.
      if (s.then == after_remove::restart) {
        s.then = after_remove::clean;
        if (s.container_id.empty() && !s.draining_logs) // removed, waiting out the delay
          finish(self, task_state::cleaned, "stopped while waiting to restart");
      }
      return;
    default:
      return;
  }
}

void on_exit(self_ptr self, const container_info& info) {
  auto& s = self->state;
  auto& x = s.last_exit();
  x = exit_result_of(info);
  // dockerd sets OOMKilled when containerd's OOM event reaches it, which can
  // be after the exit: the oom event of this run counts as well.
  x.oom_killed = x.oom_killed || s.oom_told;
  if (s.sigkill_sent && x.signal.empty() && x.exit_code == 137)
    x.signal = "SIGKILL";
  if (s.logs) // it need not ask the daemon whether the container still runs
    s.logs->container_exited(); // may finish it at once
  stop_helpers(self);
  task_event ev;
  ev.kind = "exit";
  ev.exit = x;
  ev.message = "exit code " + std::to_string(x.exit_code) +
               (x.signal.empty() ? "" : ", signal " + x.signal) +
               (x.oom_killed ? ", OOM killed" : "") +
               (x.error.empty() ? "" : ", " + x.error);
  std::string exit_text = ev.message;
  emit(self, std::move(ev));
  set_state(self, task_state::exited, exit_text);
  s.kill_armed = false;
  bool failed = x.exit_code != 0 || x.oom_killed;
  if (s.stop_requested || !failed) {
    cleanup(self, after_remove::clean, {});
    return;
  }
  auto d = s.restart_tracker_of().on_failure(now_ms());
  if (!d.restart) {
    cleanup(self, after_remove::fail, "exited with " + exit_text + "; " + d.reason);
    return;
  }
  s.restart_delay_ms = d.delay_ms;
  task_event rev;
  rev.kind = "restart";
  rev.message = d.reason;
  emit(self, std::move(rev));
  cleanup(self, after_remove::restart, {});
}

void cleanup(self_ptr self, after_remove then, std::string reason) {
  auto& s = self->state;
  s.then = then;
  s.final_reason = std::move(reason);
  stop_helpers(self);
  s.attempts = 0;
  if (s.logs) {
    // Removing the container would cut its output short.
    s.draining_logs = true;
    arm(self, logdrain_atom::value, s.settings().log_drain);
    return;
  }
  continue_cleanup(self);
}

void continue_cleanup(self_ptr self) {
  auto& s = self->state;
  auto then = s.then;
  // A restart needs the name back; otherwise docker.cleanup.container decides.
  if (!s.container_id.empty() && (then == after_remove::restart || s.settings().cleanup_container)) {
    remove_container(self);
    return;
  }
  if (then == after_remove::restart) {
    arm(self, restart_atom::value, std::chrono::milliseconds(s.restart_delay_ms));
    return;
  }
  finish(self, then == after_remove::fail ? task_state::failed : task_state::cleaned,
         s.final_reason);
}

void on_logs_finished(self_ptr self) {
  auto& s = self->state;
  s.logs.reset(); // called as the follower's last act: it may go
  if (s.draining_logs) {
    s.draining_logs = false;
    continue_cleanup(self);
  }
}

void remove_container(self_ptr self) {
  auto& s = self->state;
  s.svc().docker->container_remove(s.container_id, true, true, reply<removed_atom, unit>(self));
}

void finish(self_ptr self, task_state st, std::string reason) {
  auto& s = self->state;
  if (is_terminal(s.current))
    return;
  stop_helpers(self);
  release_lease(self);
  s.logs.reset(); // cancels its call; what it holds still goes to the log files
  for (auto& [id, rp] : s.signal_replies)
    rp.deliver(to_caf(make_error(errc::conflict, "signal task " + s.task_id(), "the task ended")));
  s.signal_replies.clear();
  set_state(self, st, std::move(reason));
  auto status = status_of(s);
  for (auto& sub : s.subscribers)
    self->send(sub, done_atom::value, status);
  self->quit();
}

void fail(self_ptr self, std::string reason) {
  auto& s = self->state;
  spdlog::warn("task {}: {}", s.task_id(), reason);
  if (!s.container_id.empty() && s.current != task_state::exited) {
    cleanup(self, after_remove::fail, std::move(reason));
    return;
  }
  finish(self, task_state::failed, std::move(reason));
}

void step_error(self_ptr self, const error_info& err) {
  auto& s = self->state;
  if (is_terminal(s.current))
    return;
  if (s.stop_requested && s.container_id.empty() &&
      (s.current == task_state::pending || s.current == task_state::pulling ||
       s.current == task_state::creating)) {
    finish(self, task_state::cleaned, "stopped before its container was created");
    return;
  }
  bool live_container = s.current == task_state::running || s.current == task_state::stopping;
  if (live_container && daemon_away(err)) {
    park(self, err); // never taken as the container's death
    return;
  }
  if (!retryable(err)) {
    if (s.current == task_state::exited) {
      // The container could not be removed: say so, and end anyway.
      warn(self, "container " + name_of(s) + " left behind: " + to_string(err));
      s.container_id.clear();
      cleanup(self, s.then, s.final_reason);
      return;
    }
    if (s.current == task_state::starting && !s.stop_requested) {
      // A container that cannot start (bad command, missing mount) is a
      // failed run: the restart policy decides, as for a failed exit.
      auto d = s.restart_tracker_of().on_failure(now_ms());
      if (d.restart) {
        s.restart_delay_ms = d.delay_ms;
        task_event rev;
        rev.kind = "restart";
        rev.message = "start failed (" + to_string(err) + "); " + d.reason;
        emit(self, std::move(rev));
        cleanup(self, after_remove::restart, {});
        return;
      }
      fail(self, to_string(err) + "; " + d.reason);
      return;
    }
    fail(self, to_string(err));
    return;
  }
  if (s.attempts < s.settings().max_retries) {
    auto delay = backoff(s.attempts++, s.settings().retry_base, s.settings().retry_max);
    ++s.epoch;
    arm(self, retry_atom::value, delay);
    spdlog::info("task {}: {}; retry {} in {} ms", s.task_id(), to_string(err), s.attempts,
                 delay.count());
    return;
  }
  if (daemon_away(err)) {
    park(self, err);
    return;
  }
  fail(self, to_string(err) + " (gave up after " + std::to_string(s.attempts) + " retries)");
}

void resume(self_ptr self) {
  auto& s = self->state;
  ++s.epoch;
  switch (s.current) {
    case task_state::pending: prepare(self); return;
    case task_state::pulling: pull(self); return;
    case task_state::creating: create(self); return;
    case task_state::starting: start(self); return;
    case task_state::running:
    case task_state::stopping: inspect(self); return;
    case task_state::exited:
      if (s.container_id.empty())
        cleanup(self, s.then, s.final_reason);
      else
        remove_container(self);
      return;
    default: return;
  }
}

} // namespace stevedore::task_detail
