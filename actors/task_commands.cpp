// The task actor's hands: each command of a lifecycle transition
// (policy/lifecycle.hpp) carried out by one small function. Calls to the
// Engine API and the services answer as messages (task_actor.cpp), which
// become the lifecycle's next events.
#include <spdlog/spdlog.h>

#include "actors/errors.hpp"
#include "actors/task_actor_state.hpp"
#include "actors/timer_service.hpp"

namespace stevedore::task_detail {

namespace lc = lifecycle;
namespace cmd = lifecycle::cmd;

namespace {

// Engine API callback of a call without a value: (answer_atom, call, epoch, unit | error_info).
docker::callback<unit> answer(self_ptr self, lc::call what, std::uint32_t epoch) {
  caf::actor me = caf::actor_cast<caf::actor>(self);
  auto call = static_cast<std::uint8_t>(what);
  return [me, call, epoch](result<unit> r) {
    if (r)
      caf::anon_send(me, answer_atom::value, call, epoch, unit{});
    else
      caf::anon_send(me, answer_atom::value, call, epoch, std::move(r).error());
  };
}

// Engine API callback of a call with a value T: (Atom, epoch, T) or the
// failure as (answer_atom, call, epoch, error_info).
template <class Atom, class T>
docker::callback<T> reply(self_ptr self, lc::call what, std::uint32_t epoch) {
  caf::actor me = caf::actor_cast<caf::actor>(self);
  auto call = static_cast<std::uint8_t>(what);
  return [me, call, epoch](result<T> r) {
    if (r)
      caf::anon_send(me, Atom::value, epoch, std::move(r).value());
    else
      caf::anon_send(me, answer_atom::value, call, epoch, std::move(r).error());
  };
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

void prepare(self_ptr self, const cmd::prepare& c) {
  auto& s = self->state;
  if (!s.svc().task_dirs) {
    handle(self, lc::ev::answered{lc::call::prepare, c.epoch});
    return;
  }
  auto epoch = c.epoch;
  self->request(s.svc().task_dirs, caf::infinite, prepare_atom::value, s.inst)
    .then([self, epoch](std::vector<std::string>&) {
            handle(self, lc::ev::answered{lc::call::prepare, epoch});
          },
          [self, epoch](caf::error& e) {
            handle(self, lc::ev::failed{lc::call::prepare, epoch,
                                        from_caf(e, "prepare task folders")});
          });
}

void acquire(self_ptr self, const cmd::acquire& c) {
  auto& s = self->state;
  const auto& config = s.inst->task->config;
  image_request req;
  req.holder = s.task_id();
  req.reference = s.inst->image;
  req.parsed = *s.inst->parsed_image; // parsed once, by the plan
  req.pull = s.inst->pull;
  req.archive = s.inst->image_archive;
  req.has_auth = config.has_auth;
  req.auth = config.auth;
  req.auth_soft_fail = config.auth_soft_fail;
  req.pull_timeout_ms = config.image_pull_timeout_ms;
  auto epoch = c.epoch;
  self->request(s.svc().images, caf::infinite, acquire_atom::value, std::move(req))
    .then(
      [self, epoch](image_lease& lease) {
        handle(self, lc::ev::image_ready{epoch, std::move(lease.image_id),
                                         std::move(lease.image.stop_signal),
                                         std::move(lease.warnings)});
      },
      [self, epoch](caf::error& e) {
        handle(self, lc::ev::failed{lc::call::acquire, epoch,
                                    from_caf(e, "pull " + self->state.inst->image)});
      });
}

void send_create(self_ptr self, std::uint32_t epoch) {
  auto& s = self->state;
  auto body = create_body_of(*s.inst);
  if (!body.ok()) {
    handle(self, lc::ev::failed{lc::call::create, epoch, body.error()});
    return;
  }
  s.svc().docker->container_create(s.inst->container_name, std::move(body).value(),
                                   reply<created_atom, create_answer>(self, lc::call::create,
                                                                      epoch));
}

// A create waits until every intent recorded before it is on disk, so that
// a supervisor killed before the create's answer finds it by name.
void create(self_ptr self, const cmd::create& c) {
  auto& s = self->state;
  if (s.intents_unsynced > 0) {
    s.held_create = c.epoch;
    return;
  }
  send_create(self, c.epoch);
}

void intent_synced(self_ptr self) {
  auto& s = self->state;
  if (s.intents_unsynced > 0)
    --s.intents_unsynced;
  if (s.intents_unsynced == 0 && s.held_create) {
    auto epoch = *s.held_create;
    s.held_create.reset();
    send_create(self, epoch); // a stale epoch's answer is ignored by the lifecycle
  }
}

void record_intent(self_ptr self) {
  auto& s = self->state;
  if (!s.svc().store)
    return;
  ++s.intents_unsynced;
  self->request(s.svc().store, caf::infinite, store_atom::value, record_of(s), sync_atom::value)
    .then([self](unit) { intent_synced(self); },
          [self](caf::error& e) {
            spdlog::warn("task {}: the state store did not record the create's intent ({}); "
                         "creating anyway", self->state.task_id(), self->system().render(e));
            intent_synced(self);
          });
}

void record_state(self_ptr self) {
  auto& s = self->state;
  if (s.svc().store)
    self->send(s.svc().store, store_atom::value, record_of(s));
}

void follow_logs(self_ptr self, const cmd::follow_logs& c) {
  auto& s = self->state;
  if (!s.svc().logs || s.logs)
    return;
  auto target = log_target_of(*s.inst, c.id);
  target.resume_position = std::move(s.resume_logs_at); // set when recovered
  s.resume_logs_at.clear();
  s.logs = std::make_unique<log_follower>(
    caf::actor_cast<caf::weak_actor_ptr>(self), s.svc().logs, std::move(target),
    [self] {
      self->state.logs.reset(); // called as the follower's last act: it may go
      handle(self, lc::ev::logs_finished{});
    });
  if (s.svc().store)
    s.logs->on_position([self](const std::string& position) {
      auto r = record_of(self->state);
      r.log_position = position;
      self->send(self->state.svc().store, store_atom::value, std::move(r));
    });
  s.logs->start();
}

void unwatch(self_ptr self, const cmd::unwatch& c) {
  auto& s = self->state;
  if (c.stats && s.svc().stats)
    self->send(s.svc().stats, unwatch_atom::value, s.task_id());
  if (c.events && s.svc().events)
    tell(self, s.svc().events, unwatch_atom::value, c.id);
}

// A timer of this task: through the supervisor's timer_service when there is
// one (timer_service.hpp), else a delayed_send. A timer cannot be taken
// back; the lifecycle ignores one whose token it no longer holds.
void arm(self_ptr self, const cmd::arm& c) {
  auto& s = self->state;
  auto which = static_cast<std::uint8_t>(c.which);
  auto delay = std::chrono::milliseconds(c.delay_ms);
  if (const auto& timers = s.svc().timers)
    set_timer(timers, delay, self->address(), caf::make_message(timer_atom::value, which, c.token));
  else
    self->delayed_send(self, delay, timer_atom::value, which, c.token);
}

void emit_state(self_ptr self, const cmd::emit_state& c) {
  auto& s = self->state;
  if (c.state != task_state::pulling)
    s.pulling.reset();
  state_change change{c.state, now_ms(), c.reason};
  s.history.push_back(change);
  task_event ev;
  ev.kind = "state";
  ev.at_ms = change.at_ms;
  ev.message = c.reason;
  emit(self, std::move(ev));
}

void emit_kind(self_ptr self, const char* kind, std::string message) {
  task_event ev;
  ev.kind = kind;
  ev.message = std::move(message);
  emit(self, std::move(ev));
}

void emit_exit(self_ptr self, const cmd::emit_exit& c) {
  task_event ev;
  ev.kind = "exit";
  ev.exit = c.exit;
  ev.message = c.message;
  emit(self, std::move(ev));
}

void finish(self_ptr self) {
  auto& s = self->state;
  s.logs.reset(); // cancels its call; what it holds still goes to the log files
  for (auto& [id, rp] : s.signal_replies)
    rp.deliver(to_caf(make_error(errc::conflict, "signal task " + s.task_id(), "the task ended")));
  s.signal_replies.clear();
  end_execs(self);
  auto status = status_of(s);
  for (auto& sub : s.subscribers)
    tell(self, sub, done_atom::value, status);
  self->quit();
}

// One function per command kind, chosen by overload.
struct executor {
  self_ptr self;
  state& s;
  docker::client& docker() const { return *s.svc().docker; }

  void operator()(const cmd::prepare& c) const { prepare(self, c); }
  void operator()(const cmd::acquire& c) const { acquire(self, c); }
  void operator()(const cmd::release& c) const {
    self->send(s.svc().images, release_atom::value, s.task_id(), c.image_id);
  }
  // DESIGN.md Durability: the state store records these; with no store
  // there is nothing to write, and the status shows the intent from the
  // lifecycle itself.
  void operator()(const cmd::record_intent&) const { record_intent(self); }
  void operator()(const cmd::record_state&) const { record_state(self); }
  void operator()(const cmd::create& c) const { create(self, c); }
  void operator()(const cmd::find_holder& c) const {
    docker().container_inspect(s.inst->container_name,
                               reply<holder_atom, container_info>(self, lc::call::find_holder, c.epoch));
  }
  void operator()(const cmd::clear_holder& c) const {
    docker().container_remove(c.id, true, true, answer(self, lc::call::clear_holder, c.epoch));
  }
  void operator()(const cmd::start& c) const {
    docker().container_start(c.id, answer(self, lc::call::start, c.epoch));
  }
  void operator()(const cmd::watch& c) const {
    if (s.svc().events)
      tell(self, s.svc().events, watch_atom::value, c.id, caf::actor_cast<caf::actor>(self));
  }
  void operator()(const cmd::sample& c) const {
    if (s.svc().stats)
      self->send(s.svc().stats, watch_atom::value, s.task_id(), c.id);
  }
  void operator()(const cmd::unwatch& c) const { unwatch(self, c); }
  void operator()(const cmd::follow_logs& c) const { follow_logs(self, c); }
  void operator()(const cmd::logs_exited&) const {
    if (s.logs) // it need not ask the daemon whether the container still runs
      s.logs->container_exited(); // may finish it at once
  }
  void operator()(const cmd::drop_logs&) const { s.logs.reset(); }
  void operator()(const cmd::inspect& c) const {
    docker().container_inspect(c.id, reply<inspected_atom, container_info>(self, lc::call::inspect,
                                                                           c.epoch));
  }
  void operator()(const cmd::kill& c) const {
    docker().container_kill(c.id, c.signal, answer(self, lc::call::kill, c.epoch));
  }
  void operator()(const cmd::remove& c) const {
    docker().container_remove(c.id, true, true, answer(self, lc::call::remove, c.epoch));
  }
  void operator()(const cmd::arm& c) const { arm(self, c); }
  void operator()(const cmd::cancel&) const {} // see arm()
  void operator()(const cmd::poll_daemon&) const {
    if (s.svc().fingerprinter)
      self->send(s.svc().fingerprinter, poll_atom::value);
  }
  void operator()(const cmd::emit_state& c) const { emit_state(self, c); }
  void operator()(const cmd::emit_warning& c) const { emit_kind(self, "warning", c.message); }
  void operator()(const cmd::emit_recovered& c) const { emit_kind(self, "recovered", c.message); }
  void operator()(const cmd::emit_exit& c) const { emit_exit(self, c); }
  void operator()(const cmd::emit_restart& c) const { emit_kind(self, "restart", c.message); }
  void operator()(const cmd::log& c) const {
    if (c.warning)
      spdlog::warn("task {}: {}", s.task_id(), c.message);
    else
      spdlog::info("task {}: {}", s.task_id(), c.message);
  }
  void operator()(const cmd::finish&) const { finish(self); }
};

} // namespace

void execute(self_ptr self, const lc::command& c) {
  std::visit(executor{self, self->state}, c);
}

task_record record_of(state& s) {
  const auto& life = s.life;
  task_record r;
  r.task_id = s.task_id();
  if (!s.plan_stored) {
    r.plan = s.inst;
    s.plan_stored = true;
  }
  r.container_name = s.inst->container_name;
  r.container_id = life.container_id;
  r.state = life.state;
  r.phase = lc::to_string(life.at);
  r.restarts = life.restarts;
  r.stop_asked = life.stop_asked;
  r.intent = life.intent != lc::create_intent::none;
  r.image_id = life.image_id;
  r.lease = life.lease;
  r.has_exit = life.exit != nullptr;
  r.exit_code = life.exit ? life.exit->exit_code : 0;
  r.updated_ms = now_ms();
  return r;
}

lc::ev::recovered recovered_event(const task_record& r) {
  lc::ev::recovered e;
  e.container_id = r.container_id;
  e.intent = r.intent;
  e.lease = r.lease;
  e.image_id = r.image_id;
  e.restarts = r.restarts;
  e.stop_asked = r.stop_asked;
  e.restart_due = r.phase == lc::to_string(lc::phase::restart_wait);
  e.unstarted = r.phase == lc::to_string(lc::phase::starting);
  return e;
}

lc::rules rules_of(const state& s) {
  const auto& task = *s.inst->task;
  const auto& set = s.settings();
  lc::rules r;
  r.kill_timeout_ms = task.kill_timeout_ms;
  r.kill_signal = task.kill_signal;
  r.container_name = s.inst->container_name;
  r.image = s.inst->image;
  r.restart = &task.restart;
  r.collects_logs = s.svc().logs && collects_logs(task);
  r.cleanup_container = set.cleanup_container;
  r.retry_base_ms = set.retry_base.count();
  r.retry_max_ms = set.retry_max.count();
  r.max_retries = set.max_retries;
  r.max_conflict_retries = set.max_conflict_retries;
  r.recheck_ms = set.parked_recheck.count();
  r.log_drain_ms = set.log_drain.count();
  r.oom_grace_ms = set.oom_grace.count();
  return r;
}

namespace {

void run_step(self_ptr self, const lc::event& e) {
  auto& s = self->state;
  auto t = lc::step(rules_of(s), std::move(s.life), e);
  s.life = std::move(t.next);
  for (const auto& c : t.commands)
    execute(self, c);
}

} // namespace

void handle(self_ptr self, lc::event_data what) {
  auto& s = self->state;
  if (s.stepping) { // a command raised it: stepped after the commands in hand
    s.queued.push_back(lc::event{std::move(what), now_ms()});
    return;
  }
  s.stepping = true;
  run_step(self, lc::event{std::move(what), now_ms()});
  for (std::size_t i = 0; i < s.queued.size(); ++i) {
    auto e = std::move(s.queued[i]); // run_step may queue more
    run_step(self, e);
  }
  if (!s.queued.empty()) {
    s.queued.clear();
    s.queued.shrink_to_fit(); // seldom used: thousands of tasks keep no buffer
  }
  s.stepping = false;
}

} // namespace stevedore::task_detail
