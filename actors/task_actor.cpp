// The task actor's behaviour: message handlers that turn what arrives into
// lifecycle events (policy/lifecycle.hpp decides, task_commands.cpp carries
// out); requests that read the task; reporting; pure helpers of
// task_actor.hpp.
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
#include "policy/lifecycle.hpp"

namespace stevedore {

std::string task_id_of(const task_instance& inst) {
  return inst.alloc_id + "/" + inst.task->name;
}

std::string signal_name(int number) {
  const char* name = lifecycle::signal_name(number);
  return name ? name : std::string();
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

namespace lc = lifecycle;

void emit(self_ptr self, task_event ev) {
  auto& s = self->state;
  ev.task_id = s.task_id();
  ev.state = s.life.state;
  if (ev.at_ms == 0)
    ev.at_ms = now_ms();
  s.seen.sent("event");
  for (auto& sub : s.subscribers)
    tell(self, sub, event_atom::value, ev);
}

task_status status_of(const state& s) {
  task_status st;
  st.task_id = s.task_id();
  st.task_name = s.inst->task->name;
  st.alloc_id = s.inst->alloc_id;
  st.job_name = s.inst->job_name;
  st.group_name = s.inst->group_name;
  st.container_name = s.inst->container_name;
  st.container_id = s.life.container_id;
  st.image = s.inst->image;
  st.image_id = s.life.image_id;
  st.state = s.life.state;
  st.history = s.history;
  if (s.life.exit)
    st.exit = *s.life.exit;
  for (const auto& p : s.inst->ports)
    st.ports.push_back(port_mapping{p.label, p.host_port, p.container_port});
  st.restarts = s.life.restarts;
  return st;
}

namespace {

std::string ports_text(const task_instance& inst) {
  std::string ports;
  for (const auto& p : inst.ports)
    ports += (ports.empty() ? "" : ",") + p.label + "=" + std::to_string(p.host_port) + "->" +
             std::to_string(p.container_port);
  return ports;
}

actor_status actor_status_of(self_ptr self) {
  const auto& s = self->state;
  const auto& life = s.life;
  auto st = s.seen.status(self, "task", s.task_id(), to_string(life.state));
  if (life.wait == lc::waiting::daemon)
    st.state += " (waiting for the daemon)";
  auto& d = st.details;
  d["phase"] = lc::to_string(life.at);
  d["container_name"] = s.inst->container_name;
  d["container_id"] = life.container_id;
  d["image"] = s.inst->image;
  d["image_id"] = life.image_id;
  d["lease"] = life.lease ? "held" : "none";
  if (life.held_exit)
    d["exit_held"] = "exit code " + std::to_string(life.held_exit->exit_code) +
                     ", waiting for a late oom event";
  d["restarts"] = std::to_string(life.restarts);
  if (life.intent != lc::create_intent::none)
    d["intent"] = "create " + s.inst->container_name;
  d["ports"] = ports_text(*s.inst);
  std::string hist;
  for (const auto& h : s.history)
    hist += (hist.empty() ? "" : " ") + std::string(to_string(h.state));
  d["history"] = hist;
  if (s.logs) {
    d["logs_state"] = s.logs->phase_name();
    s.logs->describe(d, "logs_");
  }
  return st;
}

// A user's signal to the running container; the answer comes as
// (answer_atom, side_call::signal, id, unit | error_info).
caf::result<unit> signal_task(self_ptr self, const std::string& sig) {
  auto& s = self->state;
  if (s.life.container_id.empty() || s.life.state != task_state::running)
    return to_caf(make_error(errc::conflict, "signal " + sig + " to task " + s.task_id(),
                             std::string("the task is ") + to_string(s.life.state) +
                               ", not running"));
  auto id = s.next_signal++;
  s.signal_replies.emplace_back(id, self->make_response_promise());
  caf::actor me = caf::actor_cast<caf::actor>(self);
  auto call = static_cast<std::uint8_t>(side_call::signal);
  s.svc().docker->container_kill(s.life.container_id, sig, [me, call, id](result<unit> r) {
    if (r)
      caf::anon_send(me, answer_atom::value, call, id, unit{});
    else
      caf::anon_send(me, answer_atom::value, call, id, std::move(r).error());
  });
  return caf::delegated<unit>();
}

// The reply promise of signal `id`, taken out of the waiting ones.
std::optional<caf::response_promise> take_signal_reply(state& s, std::uint32_t id) {
  auto& r = s.signal_replies;
  auto i = std::find_if(r.begin(), r.end(), [id](const auto& e) { return e.first == id; });
  if (i == r.end())
    return std::nullopt;
  auto rp = std::move(i->second);
  r.erase(i);
  return rp;
}

void on_progress(self_ptr self, const pull_progress& p) {
  auto& s = self->state;
  if (s.life.state != task_state::pulling)
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
}

lc::event_data holder_event(const state& s, std::uint32_t epoch, const container_info& info) {
  return lc::ev::name_holder{epoch, info.id, is_our_container(*s.inst, info), info.running,
                             info.status};
}

lc::event_data inspected_event(std::uint32_t epoch, const container_info& info) {
  return lc::ev::inspected{epoch, info.running || info.restarting, info.exit_code,
                           info.oom_killed, info.error, info.status == "created"};
}

// The shared event stream's news of the container, as a lifecycle event.
void on_container_event(self_ptr self, const engine_event& ev) {
  if (ev.action == "oom")
    handle(self, lc::ev::oom{ev.id});
  else if (ev.action == "die" || ev.action == "destroy")
    handle(self, lc::ev::died{ev.id});
}

// An answer of a call that is not the lifecycle's: a user's signal, an
// exec's create, start (its output ended) or inspect; `e` when it failed.
void on_side_answer(self_ptr self, side_call call, std::uint32_t id, const error_info* e) {
  if (call == side_call::signal) {
    auto rp = take_signal_reply(self->state, id);
    if (rp && e)
      rp->deliver(to_caf(*e));
    else if (rp)
      rp->deliver(unit{});
  } else if (e) {
    on_exec_failed(self, id, call, *e);
  } else if (call == side_call::exec_start) {
    on_exec_output_end(self, id);
  }
}

// The task's messages: answers of the Engine API and the services, timers,
// the daemon's health and the event stream, each one event of its life.
auto lifecycle_handlers(self_ptr self) {
  return std::make_tuple(
    [self](answer_atom, std::uint8_t call, std::uint32_t epoch, unit) {
      self->state.seen.note("answer");
      if (call >= first_side_call)
        on_side_answer(self, static_cast<side_call>(call), epoch, nullptr);
      else
        handle(self, lc::ev::answered{static_cast<lc::call>(call), epoch});
    },
    [self](answer_atom, std::uint8_t call, std::uint32_t epoch, error_info& e) {
      self->state.seen.note("failure");
      if (call >= first_side_call)
        on_side_answer(self, static_cast<side_call>(call), epoch, &e);
      else
        handle(self, lc::ev::failed{static_cast<lc::call>(call), epoch, std::move(e)});
    },
    [self](created_atom, std::uint32_t epoch, create_answer& a) {
      self->state.seen.note("created");
      handle(self, lc::ev::created{epoch, std::move(a.id), std::move(a.warnings)});
    },
    [self](holder_atom, std::uint32_t epoch, const container_info& info) {
      self->state.seen.note("name_holder");
      handle(self, holder_event(self->state, epoch, info));
    },
    [self](inspected_atom, std::uint32_t epoch, const container_info& info) {
      self->state.seen.note("inspected");
      handle(self, inspected_event(epoch, info));
    },
    [self](timer_atom, std::uint8_t which, std::uint32_t token) {
      self->state.seen.note("timer");
      if (which < lc::timer_count)
        handle(self, lc::ev::timer_fired{static_cast<lc::timer>(which), token});
      else if (which == static_cast<std::uint8_t>(side_call::exec_deadline))
        on_exec_deadline(self, token);
    },
    [self](health_atom, const fingerprint& fp) {
      self->state.seen.note("health");
      handle(self, lc::ev::daemon_health{fp.health == daemon_health::healthy});
    },
    [self](cevent_atom, const engine_event& ev) {
      self->state.seen.note("container_event");
      on_container_event(self, ev);
    },
    [self](recheck_atom, const std::string& id) {
      self->state.seen.note("recheck");
      handle(self, lc::ev::recheck{id});
    });
}

// What people and other actors ask of the task.
auto request_handlers(self_ptr self) {
  return std::make_tuple(
    [self](caf::get_atom) {
      self->state.seen.note("get");
      return status_of(self->state);
    },
    [self](status_atom) {
      self->state.seen.note("status");
      return actor_status_of(self);
    },
    [self](stop_atom) {
      self->state.seen.note("stop");
      handle(self, lc::ev::stop{});
      return unit{};
    },
    [self](signal_atom, const std::string& sig) -> caf::result<unit> {
      self->state.seen.note("signal");
      return signal_task(self, sig);
    },
    [self](restart_atom) -> caf::result<unit> {
      self->state.seen.note("restart");
      auto& s = self->state;
      if (s.life.state != task_state::running || s.life.restart_asked || s.life.stop_asked)
        return to_caf(make_error(errc::conflict, "restart of task " + s.task_id(),
                                 std::string("the task is ") + to_string(s.life.state) +
                                   (s.life.restart_asked ? " (restarting already)" : "") +
                                   ", not running"));
      handle(self, lc::ev::restart{});
      return unit{};
    },
    [self](caf::subscribe_atom, caf::actor& sub) {
      self->state.seen.note("subscribe");
      self->state.subscribers.push_back(std::move(sub));
    },
    [self](progress_atom, const std::string&, const pull_progress& p) {
      self->state.seen.note("progress");
      on_progress(self, p);
    });
}

// Exec runs: the request, and the answers of its calls that carry a value
// (task_exec.cpp; the others come as side calls).
auto exec_handlers(self_ptr self) {
  return std::make_tuple(
    [self](exec_atom, std::vector<std::string>& cmd, std::int64_t timeout_ms) {
      self->state.seen.note("exec");
      return start_exec(self, std::move(cmd), timeout_ms);
    },
    [self](exec_atom, std::uint32_t seq, std::string& exec_id) {
      self->state.seen.note("exec_created");
      on_exec_created(self, seq, std::move(exec_id));
    },
    [self](exec_atom, std::uint32_t seq, const exec_info& info) {
      self->state.seen.note("exec_inspected");
      on_exec_inspected(self, seq, info);
    });
}

} // namespace

task_actor::behavior_type task_behavior(self_ptr self, std::shared_ptr<const task_instance> inst,
                         std::shared_ptr<const task_setup> setup, caf::actor subscriber,
                         std::shared_ptr<const task_record> recovered) {
  auto& s = self->state;
  s.inst = std::move(inst);
  s.setup = std::move(setup);
  if (subscriber)
    s.subscribers.push_back(std::move(subscriber));
  s.history.reserve(5); // pending to running in one allocation
  if (recovered) {
    s.plan_stored = true;
    s.resume_logs_at = recovered->log_position;
    handle(self, recovered_event(*recovered));
  } else {
    handle(self, lc::ev::begin{});
  }
  // One behavior: the lifecycle's handlers, the requests, and the log
  // follower's (its callbacks and timers arrive here as messages).
  return std::apply(
    [](auto&&... handlers) -> task_actor::behavior_type { return {std::move(handlers)...}; },
    std::tuple_cat(lifecycle_handlers(self), request_handlers(self), exec_handlers(self),
                   std::make_tuple(trace_start_handler(self), trace_read_handler(self)),
                   log_follower::handler_list([self] { return self->state.logs.get(); })));
}

} // namespace task_detail

task_actor spawn_task(caf::actor_system& sys, std::shared_ptr<const task_instance> inst,
                      std::shared_ptr<const task_setup> setup, caf::actor subscriber) {
  return sys.spawn(task_detail::task_behavior, std::move(inst), std::move(setup), std::move(subscriber),
                   std::shared_ptr<const task_record>{});
}

task_actor spawn_recovered_task(caf::actor_system& sys, std::shared_ptr<const task_record> record,
                                std::shared_ptr<const task_setup> setup, caf::actor subscriber) {
  auto plan = record->plan;
  return sys.spawn(task_detail::task_behavior, std::move(plan), std::move(setup),
                   std::move(subscriber), std::move(record));
}

task_actor spawn_task(caf::actor_system& sys, std::shared_ptr<const task_instance> inst,
                      task_services services, task_settings settings, caf::actor subscriber) {
  return spawn_task(sys, std::move(inst),
                    std::make_shared<const task_setup>(task_setup{std::move(services), settings}),
                    std::move(subscriber));
}

task_actor spawn_task(caf::actor_system& sys, task_instance inst, task_services services,
                      task_settings settings, caf::actor subscriber) {
  return spawn_task(sys, std::make_shared<const task_instance>(std::move(inst)),
                    std::move(services), settings, std::move(subscriber));
}

} // namespace stevedore
