// The task actor's behaviour: message handlers that check an answer is still
// current (epoch), record what it says and call the next step
// (task_steps.cpp); reporting; pure helpers of task_actor.hpp.
#include "actors/task_actor.hpp"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <optional>

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include "actors/container_events.hpp"
#include "actors/errors.hpp"
#include "actors/packed_text.hpp"
#include "actors/task_actor_state.hpp"

namespace stevedore {

std::string task_id_of(const task_instance& inst) {
  return inst.alloc_id + "/" + inst.task->name;
}

std::string stop_signal_for(const task_spec& task, const image_info& image) {
  if (!task.kill_signal.empty())
    return task.kill_signal;
  if (!image.stop_signal.empty())
    return image.stop_signal;
  return "SIGTERM";
}

std::string signal_name(int number) {
  static const char* names[] = {
    nullptr,   "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",    "SIGTRAP", "SIGABRT",
    "SIGBUS",  "SIGFPE",  "SIGKILL",   "SIGUSR1", "SIGSEGV",   "SIGUSR2", "SIGPIPE",
    "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",   "SIGSTOP", "SIGTSTP",
    "SIGTTIN", "SIGTTOU", "SIGURG",    "SIGXCPU", "SIGXFSZ",   "SIGVTALRM", "SIGPROF",
    "SIGWINCH", "SIGIO",  "SIGPWR",    "SIGSYS"};
  if (number > 0 && number < static_cast<int>(sizeof(names) / sizeof(names[0])))
    return names[number];
  return {};
}

exit_result exit_result_of(const container_info& info) {
  exit_result r;
  r.exit_code = info.exit_code;
  r.oom_killed = info.oom_killed;
  r.error = info.error;
  if (info.exit_code > 128 && info.exit_code < 128 + 65)
    r.signal = signal_name(static_cast<int>(info.exit_code - 128));
  r.finished_at_ms = now_ms();
  return r;
}

namespace {

// The com.stevedore.* labels of the create body the task sends: the body is
// the one record of them a running task keeps (the supervisor drops the
// plan's maps once the body is made). A body that cannot be read has none.
std::map<std::string, std::string> sent_stevedore_labels(const std::string& body) {
  std::map<std::string, std::string> out;
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(body);
  simdjson::ondemand::document doc;
  simdjson::ondemand::object labels;
  if (parser.iterate(padded).get(doc) || doc["Labels"].get_object().get(labels))
    return out;
  for (auto field : labels) {
    std::string_view key, value;
    if (field.unescaped_key().get(key) || field.value().get_string().get(value))
      return {};
    if (key.rfind("com.stevedore.", 0) == 0)
      out.emplace(key, value);
  }
  return out;
}

} // namespace

result<std::string> create_body_of(const task_instance& inst) {
  if (inst.create_body_packed.empty())
    return inst.create_body_text;
  return unpack_text(inst.create_body_packed, "task " + task_id_of(inst) + ": create body");
}

bool is_our_container(const task_instance& inst, const container_info& info) {
  auto body = create_body_of(inst);
  if (!body.ok())
    return false; // nothing to prove it ours: left alone
  auto ours = sent_stevedore_labels(body.value());
  for (const auto& [k, v] : ours) {
    auto i = info.labels.find(k);
    if (i == info.labels.end() || i->second != v)
      return false;
  }
  return !ours.empty();
}

namespace task_detail {

std::string stop_signal_of(const state& s) {
  image_info image;
  image.stop_signal = s.image_stop_signal;
  return stop_signal_for(*s.inst->task, image);
}

void emit(self_ptr self, task_event ev) {
  auto& s = self->state;
  ev.task_id = s.task_id();
  ev.state = s.current;
  if (ev.at_ms == 0)
    ev.at_ms = now_ms();
  for (auto& sub : s.subscribers)
    self->send(sub, event_atom::value, ev);
}

void set_state(self_ptr self, task_state st, std::string reason) {
  auto& s = self->state;
  s.current = st;
  ++s.epoch;
  s.attempts = 0;
  s.parked = false;
  if (st != task_state::pulling)
    s.pulling.reset();
  state_change change{st, now_ms(), reason};
  s.history.push_back(change);
  task_event ev;
  ev.kind = "state";
  ev.at_ms = change.at_ms;
  ev.message = std::move(reason);
  emit(self, std::move(ev));
}

void warn(self_ptr self, std::string message) {
  task_event ev;
  ev.kind = "warning";
  ev.message = std::move(message);
  emit(self, std::move(ev));
}

task_status status_of(const state& s) {
  task_status st;
  st.task_id = s.task_id();
  st.task_name = s.inst->task->name;
  st.alloc_id = s.inst->alloc_id;
  st.job_name = s.inst->job_name;
  st.group_name = s.inst->group_name;
  st.container_name = s.inst->container_name;
  st.container_id = s.container_id;
  st.image = s.inst->image;
  st.image_id = s.image_id;
  st.state = s.current;
  st.history = s.history;
  if (s.exit)
    st.exit = *s.exit;
  for (const auto& p : s.inst->ports)
    st.ports.push_back(port_mapping{p.label, p.host_port, p.container_port});
  st.restarts = s.restarts;
  return st;
}

namespace {

void note(self_ptr self, const char* what) {
  auto& s = self->state;
  ++s.messages;
  s.last_message = what;
  s.last_at_ms = now_ms();
}

bool current(self_ptr self, std::uint64_t epoch) {
  return epoch == self->state.epoch && !is_terminal(self->state.current);
}

log_target log_target_of(const task_instance& inst, const std::string& container_id) {
  log_target t;
  t.task_id = task_id_of(inst);
  t.task_name = inst.task->name;
  t.container_id = container_id;
  t.tty = inst.task->config.tty;
  t.logs_dir = inst.shared_dir() + "/logs";
  t.logs = inst.task->logs;
  return t;
}

void on_running(self_ptr self) {
  auto& s = self->state;
  set_state(self, task_state::running, s.container_id.substr(0, 12));
  s.oom_told = false;
  if (s.svc().stats) {
    self->send(s.svc().stats, watch_atom::value, s.task_id(), s.container_id);
    s.stats_watched = true;
  }
  if (s.svc().logs && !s.logs && collects_logs(*s.inst->task)) {
    s.logs = std::make_unique<log_follower>(caf::actor_cast<caf::weak_actor_ptr>(self), s.svc().logs,
                                            log_target_of(*s.inst, s.container_id),
                                            [self] { on_logs_finished(self); });
    s.logs->start();
  }
  if (s.stop_requested)
    begin_stop(self);
}

void watch_events(self_ptr self) {
  auto& s = self->state;
  if (s.svc().events && !s.events_watched) {
    self->send(s.svc().events, watch_atom::value, s.container_id,
               caf::actor_cast<caf::actor>(self));
    s.events_watched = true;
  }
}

void on_created(self_ptr self, create_answer& answer) {
  auto& s = self->state;
  s.container_id = answer.id;
  s.create_pending = false; // confirmed: the container exists under this id
  for (auto& w : answer.warnings)
    warn(self, "daemon: " + w);
  watch_events(self);
  if (s.stop_requested) {
    cleanup(self, after_remove::clean, "stopped before its container started");
    return;
  }
  start(self);
}

// A 409 on create: the name is taken. Decide from the holder's labels.
void on_name_holder(self_ptr self, const container_info& info) {
  auto& s = self->state;
  if (!is_our_container(*s.inst, info)) {
    fail(self, "create " + s.inst->container_name + ": the name is taken by container " +
                 info.id.substr(0, 12) + ", which stevedore did not create for this task; "
                 "it is left untouched");
    return;
  }
  if (info.running && !s.stop_requested) {
    s.container_id = info.id;
    s.create_pending = false;
    warn(self, "adopted running container " + info.id.substr(0, 12) + " (" +
                 s.inst->container_name + ") left by an earlier run of this task");
    watch_events(self);
    on_running(self);
    inspect(self); // it may have died before the watch began
    return;
  }
  if (s.conflict_attempts >= s.settings().max_conflict_retries) {
    fail(self, "create " + s.inst->container_name + ": name still taken after removing " +
                 std::to_string(s.conflict_attempts) + " dead containers of this task");
    return;
  }
  ++s.conflict_attempts;
  warn(self, "removing dead container " + info.id.substr(0, 12) + " of an earlier run (" +
               info.status + ") to reuse the name " + s.inst->container_name);
  s.svc().docker->container_remove(info.id, true, true, reply<cleared_atom, unit>(self));
}

void on_inspect(self_ptr self, const container_info& info) {
  auto& s = self->state;
  s.parked = false;
  if (info.running || info.restarting) {
    if (s.current == task_state::stopping && !s.kill_delivered) {
      // The daemon was away during the stop: signal again, escalating as before.
      if (s.sigkill_sent) {
        kill(self, "SIGKILL");
      } else {
        kill(self, stop_signal_of(s));
        if (!s.kill_armed) {
          s.kill_armed = true;
          arm(self, killtimer_atom::value, std::chrono::milliseconds(s.inst->task->kill_timeout_ms));
        }
      }
    }
    return;
  }
  if (s.exit_held)
    return; // already waiting for a late oom event
  // The kernel's OOM kill is a SIGKILL (137) whose oom event dockerd may
  // send after the die event and set OOMKilled after the inspect: a SIGKILL
  // the task did not send waits a moment for that event.
  if (info.exit_code == 137 && !info.oom_killed && !s.oom_told && !s.stop_requested &&
      s.settings().oom_grace.count() > 0) {
    s.exit_held = std::make_unique<container_info>(info);
    arm(self, oomwait_atom::value, s.settings().oom_grace);
    return;
  }
  on_exit(self, info);
}

void on_removed(self_ptr self) {
  auto& s = self->state;
  if (s.then == after_remove::restart) {
    s.container_id.clear();
    arm(self, restart_atom::value, std::chrono::milliseconds(s.restart_delay_ms));
    return;
  }
  s.container_id.clear();
  finish(self, s.then == after_remove::fail ? task_state::failed : task_state::cleaned,
         s.final_reason);
}

// The reply promise of signal `id`, taken out of the waiting ones.
std::optional<caf::response_promise> take_signal_reply(state& s, std::uint64_t id) {
  auto& r = s.signal_replies;
  auto i = std::find_if(r.begin(), r.end(), [id](const auto& e) { return e.first == id; });
  if (i == r.end())
    return std::nullopt;
  auto rp = std::move(i->second);
  r.erase(i);
  return rp;
}

// An Engine API call without a value answered (sigreply: `epoch` is the
// signal's id).
void on_answer(self_ptr self, caf::atom_value call, std::uint64_t epoch) {
  auto& s = self->state;
  if (call == sigreply_atom::value) {
    note(self, "signalled");
    if (auto rp = take_signal_reply(s, epoch))
      rp->deliver(unit{});
    return;
  }
  if (call == cleared_atom::value) {
    note(self, "cleared");
    if (current(self, epoch))
      create(self);
  } else if (call == started_atom::value) {
    note(self, "started");
    if (current(self, epoch))
      on_running(self);
  } else if (call == killed_atom::value) {
    note(self, "killed");
    if (current(self, epoch))
      s.kill_delivered = true; // death comes from the event stream
  } else if (call == removed_atom::value) {
    note(self, "removed");
    if (current(self, epoch))
      on_removed(self);
  } else {
    spdlog::debug("task {}: unexpected answer '{}'", s.task_id(), caf::to_string(call));
  }
}

// An Engine API call failed (sigreply: `epoch` is the signal's id).
void on_failed(self_ptr self, caf::atom_value call, std::uint64_t epoch, const error_info& e) {
  auto& s = self->state;
  if (call == sigreply_atom::value) {
    note(self, "signal_failed");
    if (auto rp = take_signal_reply(s, epoch))
      rp->deliver(to_caf(e));
    return;
  }
  const char* what = call == created_atom::value    ? "create_failed"
                     : call == conflict_atom::value  ? "name_holder_failed"
                     : call == cleared_atom::value   ? "clear_failed"
                     : call == started_atom::value   ? "start_failed"
                     : call == inspected_atom::value ? "inspect_failed"
                     : call == killed_atom::value    ? "kill_failed"
                     : call == removed_atom::value   ? "remove_failed"
                                                     : nullptr;
  if (!what) {
    spdlog::debug("task {}: unexpected failure '{}': {}", s.task_id(), caf::to_string(call),
                  to_string(e));
    return;
  }
  note(self, what);
  if (!current(self, epoch))
    return;
  if (call == created_atom::value && e.kind == errc::conflict) {
    // The name is taken: by a dead container of ours, or by somebody else's.
    s.svc().docker->container_inspect(s.inst->container_name,
                                      reply<conflict_atom, container_info>(self));
  } else if ((call == conflict_atom::value || call == cleared_atom::value) &&
             e.kind == errc::not_found) {
    create(self); // gone meanwhile: the name is free
  } else if (call == inspected_atom::value && e.kind == errc::not_found) {
    // Removed behind our back: nothing is left to stop or remove.
    s.last_exit().error = "container removed outside stevedore";
    s.container_id.clear();
    fail(self, "container " + s.inst->container_name + " was removed outside stevedore");
  } else if (call == killed_atom::value &&
             (e.kind == errc::conflict || e.kind == errc::not_found)) {
    inspect(self); // 409 "is not running" / 404: it is already dead; inspect tells how
  } else if (call == removed_atom::value && e.kind == errc::not_found) {
    on_removed(self);
  } else {
    step_error(self, e);
  }
}

} // namespace

// Ends the wait for a late oom event (it came, the grace passed, or a stop
// was asked): the held exit goes on.
void release_held_exit(self_ptr self) {
  auto& s = self->state;
  if (!s.exit_held)
    return;
  auto info = std::move(*s.exit_held);
  s.exit_held.reset();
  on_exit(self, info);
}

caf::behavior task_actor(self_ptr self, std::shared_ptr<const task_instance> inst,
                         std::shared_ptr<const task_setup> setup, caf::actor subscriber) {
  auto& s = self->state;
  s.inst = std::move(inst);
  s.setup = std::move(setup);
  if (subscriber)
    s.subscribers.push_back(std::move(subscriber));
  s.history.reserve(5); // pending to running in one allocation
  set_state(self, task_state::pending);
  prepare(self);
  // The log follower's callbacks and timers arrive here as messages: its
  // handlers are listed after the task's own, in one behavior.
  return std::apply(
    [self](auto&&... follower) -> caf::behavior {
      return {
        // -- answers of the Engine API --
        [self](created_atom, std::uint64_t epoch, create_answer& a) {
          note(self, "created");
          if (current(self, epoch))
            on_created(self, a);
        },
        [self](conflict_atom, std::uint64_t epoch, container_info& info) {
          note(self, "name_holder");
          if (current(self, epoch))
            on_name_holder(self, info);
        },
        [self](inspected_atom, std::uint64_t epoch, container_info& info) {
          note(self, "inspected");
          auto st = self->state.current;
          if (current(self, epoch) && (st == task_state::running || st == task_state::stopping))
            on_inspect(self, info);
        },
        // The answers without a value, and every failed one: one handler per
        // shape, the call named by the atom (fewer handlers, a smaller behavior
        // in each of thousands of task actors).
        [self](caf::atom_value call, std::uint64_t epoch, unit) { on_answer(self, call, epoch); },
        [self](caf::atom_value call, std::uint64_t epoch, error_info& e) {
          on_failed(self, call, epoch, e);
        },
        // -- timers --
        [self](timer_atom, caf::atom_value kind, std::uint64_t epoch) {
          note(self, "timer");
          auto& s = self->state;
          if (!current(self, epoch))
            return;
          if (kind == killtimer_atom::value) {
            if (s.current == task_state::stopping && s.kill_armed) {
              s.kill_armed = false;
              s.sigkill_sent = true;
              s.kill_delivered = false;
              warn(self, "still running " + format_duration_ms(s.inst->task->kill_timeout_ms) +
                           " after " + stop_signal_of(s) + ": sending SIGKILL");
              kill(self, "SIGKILL");
            }
          } else if (kind == logdrain_atom::value) {
            if (s.draining_logs) {
              warn(self, "log collection did not finish within " +
                           format_duration_ms(s.settings().log_drain.count()) + "; stopping it");
              s.logs.reset(); // what it holds still goes to the log files
              s.draining_logs = false;
              continue_cleanup(self);
            }
          } else if (kind == restart_atom::value) {
            if ((s.current == task_state::exited || s.current == task_state::starting) &&
                s.then == after_remove::restart) {
              ++s.restarts;
              s.then = after_remove::clean;
              s.sigkill_sent = false;
              s.conflict_attempts = 0;
              create(self);
            }
          } else if (kind == oomwait_atom::value) {
            release_held_exit(self);
          } else if (kind == retry_atom::value || (kind == parked_atom::value && s.parked)) {
            resume(self);
          }
        },
        // -- the daemon and the event stream --
        [self](health_atom, const fingerprint& fp) {
          note(self, "health");
          if (fp.health == daemon_health::healthy && self->state.parked)
            resume(self);
        },
        [self](cevent_atom, const engine_event& ev) {
          note(self, "container_event");
          auto& s = self->state;
          if (ev.id != s.container_id)
            return;
          if (ev.action == "oom" && !s.oom_told) {
            s.oom_told = true;
            warn(self, "the kernel killed a process of the container: out of memory");
            release_held_exit(self);
          }
          if ((ev.action == "die" || ev.action == "destroy") &&
              (s.current == task_state::running || s.current == task_state::stopping))
            inspect(self);
        },
        [self](recheck_atom, const std::string& id) {
          note(self, "recheck");
          auto& s = self->state;
          if (id == s.container_id &&
              (s.current == task_state::running || s.current == task_state::stopping))
            inspect(self);
        },
        // -- requests --
        [self](caf::get_atom) {
          note(self, "get");
          return status_of(self->state);
        },
        [self](status_atom) {
          note(self, "status");
          auto& s = self->state;
          actor_status st;
          st.kind = "task";
          st.name = s.task_id();
          st.state = to_string(s.current);
          if (s.parked)
            st.state += " (waiting for the daemon)";
          st.messages = s.messages;
          st.last_message = s.last_message;
          st.last_at_ms = s.last_at_ms;
          st.details["container_name"] = s.inst->container_name;
          st.details["container_id"] = s.container_id;
          st.details["image"] = s.inst->image;
          st.details["image_id"] = s.image_id;
          st.details["lease"] = s.has_lease ? "held" : "none";
          if (s.exit_held)
            st.details["exit_held"] = "exit code " + std::to_string(s.exit_held->exit_code) +
                                      ", waiting for a late oom event";
          st.details["restarts"] = std::to_string(s.restarts);
          if (s.create_pending)
            st.details["intent"] = "create " + s.inst->container_name;
          std::string ports;
          for (const auto& p : s.inst->ports)
            ports += (ports.empty() ? "" : ",") + p.label + "=" + std::to_string(p.host_port) +
                     "->" + std::to_string(p.container_port);
          st.details["ports"] = ports;
          std::string hist;
          for (const auto& h : s.history)
            hist += (hist.empty() ? "" : " ") + std::string(to_string(h.state));
          st.details["history"] = hist;
          if (s.logs) {
            st.details["logs_state"] = s.logs->phase_name();
            s.logs->describe(st.details, "logs_");
          }
          return st;
        },
        [self](stop_atom) {
          note(self, "stop");
          begin_stop(self);
          return unit{};
        },
        [self](signal_atom, const std::string& sig) -> caf::result<unit> {
          note(self, "signal");
          auto& s = self->state;
          if (s.container_id.empty() || s.current != task_state::running)
            return to_caf(make_error(errc::conflict, "signal " + sig + " to task " + s.task_id(),
                                     std::string("the task is ") + to_string(s.current) +
                                       ", not running"));
          auto id = s.next_signal++;
          s.signal_replies.emplace_back(id, self->make_response_promise());
          caf::actor me = caf::actor_cast<caf::actor>(self);
          s.svc().docker->container_kill(s.container_id, sig, [me, id](result<unit> r) {
            if (r)
              caf::anon_send(me, sigreply_atom::value, id, unit{});
            else
              caf::anon_send(me, sigreply_atom::value, id, std::move(r).error());
          });
          return caf::delegated<unit>();
        },
        [self](caf::subscribe_atom, caf::actor& sub) {
          note(self, "subscribe");
          self->state.subscribers.push_back(std::move(sub));
        },
        [self](progress_atom, const std::string&, const pull_progress& p) {
          note(self, "progress");
          auto& s = self->state;
          if (s.current != task_state::pulling)
            return;
          if (!s.pulling)
            s.pulling = std::make_unique<pull_state>();
          auto& pull = *s.pulling;
          if (!p.id.empty() && (p.total > 0 || p.current > 0))
            pull.layers[p.id] = {p.current, p.total};
          bool layer_end = p.status == "Pull complete" || p.status == "Already exists";
          if (layer_end)
            ++pull.layers_done;
          auto now = now_ms();
          if (!layer_end && now - pull.last_progress_ms < s.settings().progress_every.count())
            return; // a pull of large layers sends hundreds of these a second
          pull.last_progress_ms = now;
          task_event ev;
          ev.kind = "progress";
          for (auto& [id, cur_tot] : pull.layers) {
            ev.bytes_current += cur_tot.first;
            ev.bytes_total += cur_tot.second;
          }
          char buf[160];
          std::snprintf(buf, sizeof buf, "%s: %s%s%s, %.1f/%.1f MB", s.inst->image.c_str(),
                        p.status.c_str(), p.id.empty() ? "" : " ", p.id.c_str(),
                        double(ev.bytes_current) / 1e6, double(ev.bytes_total) / 1e6);
          ev.message = buf;
          emit(self, std::move(ev));
        },
        std::move(follower)...,
      };
    },
    log_follower::handler_list([self] { return self->state.logs.get(); }));
}

} // namespace task_detail

caf::actor spawn_task(caf::actor_system& sys, std::shared_ptr<const task_instance> inst,
                      std::shared_ptr<const task_setup> setup, caf::actor subscriber) {
  return sys.spawn(task_detail::task_actor, std::move(inst), std::move(setup), std::move(subscriber));
}

caf::actor spawn_task(caf::actor_system& sys, std::shared_ptr<const task_instance> inst,
                      task_services services, task_settings settings, caf::actor subscriber) {
  return spawn_task(sys, std::move(inst),
                    std::make_shared<const task_setup>(task_setup{std::move(services), settings}),
                    std::move(subscriber));
}

caf::actor spawn_task(caf::actor_system& sys, task_instance inst, task_services services,
                      task_settings settings, caf::actor subscriber) {
  return spawn_task(sys, std::make_shared<const task_instance>(std::move(inst)),
                    std::move(services), settings, std::move(subscriber));
}

} // namespace stevedore
