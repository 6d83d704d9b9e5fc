// The supervisor's behaviour (see supervisor.hpp): admission of starts
// (health, duplicates, constraints), the registry, event fan-out, and the
// graceful shutdown.
#include "actors/supervisor.hpp"

#include <algorithm>
#include <deque>
#include <charconv>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/activity.hpp"
#include "actors/clock.hpp"
#include "actors/errors.hpp"
#include "actors/fingerprinter.hpp"
#include "actors/image_manager.hpp"
#include "actors/log_follower.hpp"
#include "actors/log_worker.hpp"
#include "actors/stats_poller.hpp"
#include "actors/packed_text.hpp"
#include "actors/task_dir.hpp"
#include "actors/timer_service.hpp"
#include "policy/actor_query.hpp"
#include "policy/constraints.hpp"
#include "policy/intake.hpp"
#include "policy/plan.hpp"
#include "policy/rules.hpp"

namespace stevedore {

namespace {

// One task of the registry.
struct task_entry {
  task_actor actor;      // null once the task actor ended
  std::shared_ptr<const task_instance> inst; // what it runs (ports, folders), shared with its actor
  // While the actor lives it holds the status (history included): here only
  // the state and the last exit are kept current from its events, for the
  // answers the actor cannot give (it crashed, it did not answer); `last`
  // is made for the first exit. Whole once the task ended.
  task_state state = task_state::pending;
  std::unique_ptr<task_status> last;
  std::uint64_t ended_seq = 0; // its place among the ended tasks (0: running)
};

// What the registry alone can tell of a task: its identity from the plan,
// its last state and exit; no history (the actor had it).
task_status registry_status(const std::string& id, const task_entry& e) {
  task_status st = e.last ? *e.last : task_status{};
  st.state = e.state;
  st.task_id = id;
  if (e.inst) {
    const auto& inst = *e.inst;
    st.task_name = inst.task->name;
    st.alloc_id = inst.alloc_id;
    st.job_name = inst.job_name;
    st.group_name = inst.group_name;
    st.container_name = inst.container_name;
    st.image = inst.image;
  }
  return st;
}

// A start waiting for the first fingerprint.
struct waiting_start {
  caf::response_promise reply;
  std::vector<task_instance> instances;
  bool single = false;   // answer a string, not a vector
};

struct supervisor_state {
  static inline const char* name = "supervisor";

  supervisor_config cfg;
  task_services svc;                           // what every task actor gets
  std::shared_ptr<const task_setup> setup;     // svc and cfg.task, shared by the task actors
  reconciler_actor reconciler;                 // none unless cfg.reconcile.enabled
  std::map<std::string, task_entry> tasks;     // by task id
  // Ended tasks in the order they ended: (id, ended_seq); the oldest go past
  // cfg.max_ended_tasks. An entry started again or forgotten meanwhile has
  // another seq (or none) and is skipped.
  std::deque<std::pair<std::string, std::uint64_t>> ended;
  std::uint64_t next_ended = 0;
  // Task actor -> its entry in `tasks`, which is not erased while its actor
  // lives (a map's iterators stay valid): its events find their entry
  // without comparing task ids.
  std::map<caf::actor_addr, std::map<std::string, task_entry>::iterator> ids;
  // The live task actors, shared with the functor that ends them when the
  // supervisor ends (one attachable instead of one link per task, whose
  // removal CAF does by a linear scan).
  std::shared_ptr<std::map<caf::actor_addr, task_actor>> live =
    std::make_shared<std::map<caf::actor_addr, task_actor>>();
  std::vector<caf::actor> subscribers;
  fingerprint fp;                              // the daemon as last heard
  bool have_fp = false;                        // a poll has been made (or no fingerprinter)
  std::vector<waiting_start> waiting;
  bool shutting_down = false;
  bool ending = false;                         // every task ended: the services are being ended
  std::vector<caf::typed_response_promise<unit>> shutdown_replies;
  std::int64_t started = 0;
  std::int64_t refused = 0;
  activity seen;                               // inspection
  // The most recent task events but pull progress, a ring: `recent_next`
  // is where the next one goes once it is full.
  std::vector<task_event> recent;
  std::size_t recent_next = 0;
  // The last sweep of every task actor's own status, which orders the pages
  // sorted by the actors' counters (page_by_sweep).
  std::shared_ptr<const std::vector<actor_status>> swept;
  std::int64_t swept_at_ms = 0;                // when it ended
  bool sweeping = false;                       // a sweeper is out
  std::vector<std::function<void()>> after_sweep; // queries waiting for it (none was fresh)
  // Recovery: the tasks recovered from the state store that have not yet
  // said what they found (a "recovered" event, or their actor ended), and
  // how long until none was left (-1 while some are).
  std::unordered_set<std::string> recovering;
  std::size_t recovered = 0;
  std::chrono::steady_clock::time_point recovery_began;
  std::int64_t recovery_ms = -1;
};

// Task events the ring keeps (the console's "recent events").
constexpr std::size_t recent_events_kept = 256;
// How long a console waits for one actor's answer before showing what the
// supervisor knows of it (a stuck actor must not hold the list).
constexpr auto inspect_timeout = std::chrono::seconds(1);

// A sweep older than this makes a page sorted by counters send the next
// one out (and go on with the one it has); one older than sweep_stale_ms
// (nobody sorted by counters for a while) makes it wait for a new one.
constexpr std::int64_t sweep_fresh_ms = 1000;
constexpr std::int64_t sweep_stale_ms = 10000;

using self_ptr = supervisor_actor::stateful_pointer<supervisor_state>;

caf::error refuse(const std::string& id, errc kind, std::string why) {
  return to_caf(make_error(kind, "start task " + id, std::move(why)));
}

caf::error unknown(const std::string& id) {
  return to_caf(make_error(errc::not_found, "task " + id, "no such task in this supervisor"));
}

// -- services ----------------------------------------------------------------

caf::behavior task_dir_worker(caf::event_based_actor*) {
  // Detached: prepare_task_dir blocks on the file system.
  return {
    [](prepare_atom, const std::shared_ptr<const task_instance>& inst)
      -> caf::result<std::vector<std::string>> {
      auto r = prepare_task_dir(*inst);
      if (!r)
        return to_caf(r.error());
      return std::move(*r);
    },
  };
}

// Spawned as a class: CAF 0.17's spawn of a function taking no argument but
// its self binds a reference to a null shared_ptr<tuple<>>
// (caf/detail/init_fun_factory.hpp), which UBSan stops on.
class task_dir_worker_actor final : public caf::event_based_actor {
public:
  using caf::event_based_actor::event_based_actor;
  caf::behavior make_behavior() override { return task_dir_worker(this); }
};

// Shared by every task actor, each of which follows its own container's
// output (actors/log_follower.hpp) when collects_logs(task).
std::shared_ptr<const log_service> log_service_for(std::shared_ptr<docker::client> docker,
                                                   caf::actor timers) {
  auto svc = std::make_shared<log_service>();
  svc->docker = std::move(docker);
  svc->timers = std::move(timers);
  svc->options.worker = log_worker::shared();
  // The task actor tells its follower when the container has exited
  // (task_steps.cpp on_exit), which spares an inspect per task.
  svc->options.exit_notice_wait = std::chrono::seconds(1);
  return svc;
}

// The service actors a supervisor has (linked to it, ended with it).
std::vector<caf::actor> service_actors(const task_services& svc) {
  std::vector<caf::actor> all;
  for (auto a : {caf::actor_cast<caf::actor>(svc.images), caf::actor_cast<caf::actor>(svc.fingerprinter),
                 caf::actor_cast<caf::actor>(svc.stats), svc.events, svc.task_dirs, svc.timers,
                 caf::actor_cast<caf::actor>(svc.store)})
    if (a)
      all.push_back(std::move(a));
  return all;
}

image_manager_config image_config(supervisor_config& cfg) {
  auto ic = image_manager_config::from(cfg.client);
  ic.store = cfg.store;
  for (const auto& r : cfg.recovered)
    if (r.lease && !r.image_id.empty())
      ic.recovered_leases.emplace_back(r.task_id, r.image_id);
  ic.recovered_cleanups = std::move(cfg.recovered_cleanups);
  cfg.recovered_cleanups.clear();
  return ic;
}

void spawn_services(self_ptr self) {
  auto& s = self->state;
  auto& sys = self->system();
  auto& cfg = s.cfg;
  if (!cfg.images)
    cfg.images = spawn_image_manager(sys, cfg.docker, image_config(cfg));
  if (!cfg.fingerprinter)
    cfg.fingerprinter = spawn_fingerprinter(sys, cfg.docker, fingerprinter_config::from(cfg.client));
  if (!cfg.stats) {
    stats_poller_options so;
    so.interval = std::chrono::milliseconds(std::max<std::int64_t>(1, cfg.client.stats_interval_ms));
    cfg.stats = spawn_stats_poller(sys, cfg.docker, so);
  }
  if (cfg.events.label_filters.empty())
    cfg.events.label_filters = container_label_filters(cfg.client.node_id);
  s.svc.docker = cfg.docker;
  s.svc.images = cfg.images;
  s.svc.fingerprinter = cfg.fingerprinter;
  s.svc.stats = cfg.stats;
  s.svc.store = cfg.store;
  s.svc.events = spawn_container_events(sys, cfg.docker, cfg.events);
  s.svc.timers = spawn_timer_service(sys);
  if (cfg.prepare_task_dirs)
    s.svc.task_dirs = sys.spawn<task_dir_worker_actor, caf::detached>();
  if (cfg.collect_logs)
    s.svc.logs = log_service_for(cfg.docker, s.svc.timers);
  // With docker.cleanup.container = false ended tasks leave their
  // containers on purpose: nothing to reconcile then.
  if (cfg.reconcile.enabled && cfg.client.cleanup_container && !cfg.client.node_id.empty())
    s.reconciler = spawn_reconciler(sys, cfg.docker, cfg.client.node_id, cfg.reconcile,
                                    caf::actor_cast<caf::actor>(self));
  cfg.task.cleanup_container = cfg.client.cleanup_container;
  s.setup = std::make_shared<const task_setup>(task_setup{s.svc, cfg.task});
  // Linked: they end with the supervisor, whatever ends it.
  for (const auto& a : service_actors(s.svc))
    self->link_to(a);
  if (s.reconciler)
    self->link_to(s.reconciler);
  self->send(s.svc.fingerprinter, watch_atom::value, caf::actor_cast<caf::actor>(self));
}

void end_services(self_ptr self) {
  for (const auto& a : service_actors(self->state.svc))
    self->send_exit(a, caf::exit_reason::user_shutdown);
  if (self->state.reconciler)
    self->send_exit(self->state.reconciler, caf::exit_reason::user_shutdown);
}

// -- admission -----------------------------------------------------------------

policy::constraint_target target_of(const supervisor_state& s) {
  policy::constraint_target t;
  t.fingerprint = s.fp.attributes;
  t.node_fields = {{"class", s.cfg.client.node_class},
                   {"datacenter", s.cfg.client.datacenter},
                   {"region", s.cfg.client.region},
                   {"unique.id", s.cfg.client.node_id},
                   {"unique.name", s.cfg.client.node_name}};
  t.meta = s.cfg.client.node_meta;
  return t;
}

// Nothing is started unless every instance can be.
caf::error admit(self_ptr self, const std::vector<task_instance>& instances) {
  auto& s = self->state;
  std::set<std::string> batch;
  for (const auto& inst : instances) {
    auto id = task_id_of(inst);
    if (s.shutting_down)
      return refuse(id, errc::unavailable, "the supervisor is shutting down");
    if (s.fp.health != daemon_health::healthy)
      return refuse(id, errc::unavailable,
                    std::string("the Docker daemon is ") + to_string(s.fp.health) +
                      (s.fp.reason.empty() ? "" : ": " + s.fp.reason));
    auto known = s.tasks.find(id);
    if (!batch.insert(id).second || (known != s.tasks.end() && known->second.actor))
      return refuse(id, errc::conflict, "a task with this id is already running");
    if (auto v = policy::first_violated(inst.task->constraints, target_of(s)))
      return refuse(id, errc::not_permitted, *v);
  }
  return {};
}

// A task actor into the registry.
void enroll(self_ptr self, const std::string& id, task_actor actor,
            std::shared_ptr<const task_instance> plan) {
  auto& s = self->state;
  self->monitor(actor);
  (*s.live)[actor.address()] = actor;
  task_entry e;
  e.actor = actor;
  e.inst = std::move(plan);
  auto entry = s.tasks.insert_or_assign(id, std::move(e)).first;
  s.ids[actor.address()] = entry;
  ++s.started;
}

// Takes the instance over (the start message's copy): a plan is large.
void launch(self_ptr self, task_instance&& taken) {
  auto& s = self->state;
  auto id = task_id_of(taken);
  auto plan = std::make_shared<task_instance>(std::move(taken));
  // Kept as sent: the create body carries the environment, the labels and
  // everything else the daemon gets; the maps it was made from would only
  // double a running task's memory (instance() says so). Thousands of
  // running tasks keep it packed (~55% of the bytes; unpacked per create).
  plan->env.clear();
  plan->labels.clear();
  if (plan->create_body_packed.empty() && !plan->create_body_text.empty()) {
    if (auto packed = pack_text(plan->create_body_text); !packed.empty()) {
      plan->create_body_packed = std::move(packed);
      std::string().swap(plan->create_body_text);
    }
  }
  auto actor = spawn_task(self->system(), plan, s.setup, caf::actor_cast<caf::actor>(self));
  enroll(self, id, std::move(actor), std::move(plan));
}

// The tasks recorded when the supervisor last ran go on from their records.
void recover_tasks(self_ptr self) {
  auto& s = self->state;
  auto records = std::move(s.cfg.recovered);
  s.cfg.recovered.clear();
  s.recovery_began = std::chrono::steady_clock::now();
  s.recovering.reserve(records.size());
  for (auto& r : records) {
    auto id = r.task_id;
    s.recovering.insert(id);
    auto plan = r.plan;
    auto rec = std::make_shared<const task_record>(std::move(r));
    auto actor = spawn_recovered_task(self->system(), rec, s.setup, caf::actor_cast<caf::actor>(self));
    enroll(self, id, std::move(actor), std::move(plan));
  }
  if (!records.empty()) {
    spdlog::info("supervisor: {} tasks recovered from the state store", records.size());
    s.recovered = records.size();
  }
}

// A recovered task said what it found, or ended: when it was the last one,
// the time recovery took is logged and kept (the supervisor's inspection
// details; the recovery benchmark reads the line).
void settle_recovered(self_ptr self, const std::string& id) {
  auto& s = self->state;
  if (s.recovering.erase(id) == 0 || !s.recovering.empty())
    return;
  s.recovery_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - s.recovery_began)
                    .count();
  spdlog::info("supervisor: all {} recovered tasks re-attached or settled in {} ms", s.recovered,
               s.recovery_ms);
}

// Admits and launches, or refuses the whole batch.
caf::expected<std::vector<std::string>> start_all(self_ptr self,
                                                  std::vector<task_instance>& instances) {
  if (auto err = admit(self, instances)) {
    ++self->state.refused;
    return err;
  }
  std::vector<std::string> ids;
  for (auto& inst : instances) {
    ids.push_back(task_id_of(inst));
    launch(self, std::move(inst));
  }
  instances.clear();
  return ids;
}

void answer_start(self_ptr self, waiting_start& w) {
  auto r = start_all(self, w.instances);
  if (!r)
    w.reply.deliver(r.error());
  else if (w.single)
    w.reply.deliver(r->front());
  else
    w.reply.deliver(std::move(*r));
}

// Starts now, or after the first fingerprint; answered through the promise.
void start_or_wait(self_ptr self, std::vector<task_instance> instances, bool single) {
  auto& s = self->state;
  waiting_start w{self->make_response_promise(), std::move(instances), single};
  if (s.have_fp) {
    answer_start(self, w);
  } else {
    if (s.waiting.empty())
      self->delayed_send(self, s.cfg.first_fingerprint_wait, first_fp_atom::value);
    s.waiting.push_back(std::move(w));
  }
}

// A job: the client rules, the plan (ports not taken by running tasks), and
// job and group constraints carried into each instance.
caf::expected<std::vector<task_instance>> plan(self_ptr self, const job_spec& job) {
  auto& s = self->state;
  policy::intake_options opts;
  opts.client = s.cfg.client;
  for (const auto& [id, e] : s.tasks)
    if (e.actor)
      for (const auto& p : e.inst->ports)
        opts.plan.taken_ports.insert(p.host_port);
  auto planned = policy::intake(job, opts);
  if (!planned.ok())
    return to_caf(policy::refusal(job, planned.problems));
  return with_job_constraints(job, std::move(planned.instances));
}

// -- registry and events --------------------------------------------------------

void fan_out(self_ptr self, const caf::message& msg) {
  for (auto& sub : self->state.subscribers)
    tell(self, sub, msg);
}

void maybe_finish_shutdown(self_ptr self) {
  auto& s = self->state;
  if (!s.shutting_down)
    return;
  for (const auto& [id, e] : s.tasks)
    if (e.actor)
      return;
  if (s.ending)
    return;
  s.ending = true;
  // The tasks' last records are in the store's mailbox: committed before
  // it ends (an exit message would overtake them).
  auto end = [self] {
    auto& s = self->state;
    end_services(self);
    for (auto& rp : s.shutdown_replies)
      rp.deliver(unit{});
    s.shutdown_replies.clear();
    self->quit();
  };
  if (!s.svc.store) {
    end();
    return;
  }
  self->request(s.svc.store, std::chrono::seconds(10), flush_atom::value)
    .then([end](unit) { end(); }, [end](caf::error&) { end(); });
}

// Counts a task among the ended ones and forgets the oldest past
// cfg.max_ended_tasks. One whose actor has not ended yet (its done came, its
// down not) waits for a later call.
void note_ended(self_ptr self, const std::string& id, task_entry& e) {
  auto& s = self->state;
  e.ended_seq = ++s.next_ended;
  s.ended.emplace_back(id, e.ended_seq);
  while (s.ended.size() > s.cfg.max_ended_tasks) {
    const auto& [old_id, seq] = s.ended.front();
    auto it = s.tasks.find(old_id);
    if (it != s.tasks.end() && it->second.ended_seq == seq) {
      if (it->second.actor)
        break;
      s.tasks.erase(it);
    }
    s.ended.pop_front();
  }
}

void on_task_down(self_ptr self, const caf::down_msg& dm) {
  auto& s = self->state;
  auto i = s.ids.find(dm.source);
  if (i == s.ids.end())
    return;
  const auto& id = i->second->first;
  auto& e = i->second->second;
  e.actor = nullptr;
  if (!s.recovering.empty())
    settle_recovered(self, id);
  s.live->erase(i->first);
  s.ids.erase(i);
  if (!is_terminal(e.state)) {
    // The actor ended without saying so (a crash): its container may remain.
    auto why = "task actor ended unexpectedly: " + self->system().render(dm.reason);
    spdlog::error("task {}: {}", id, why);
    e.state = task_state::failed;
    e.last = std::make_unique<task_status>(registry_status(id, e));
    e.last->history.push_back(state_change{task_state::failed, now_ms(), why});
    task_event ev{id, "state", task_state::failed, now_ms(), why, 0, 0, {}};
    fan_out(self, caf::make_message(event_atom::value, ev));
    fan_out(self, caf::make_message(done_atom::value, *e.last));
    note_ended(self, id, e);
  }
  maybe_finish_shutdown(self);
}

void on_task_event(self_ptr self, const task_event& ev) {
  auto& s = self->state;
  auto by_actor = s.ids.find(caf::actor_cast<caf::actor_addr>(self->current_sender()));
  auto i = by_actor != s.ids.end() ? by_actor->second : s.tasks.find(ev.task_id);
  if (i != s.tasks.end()) {
    auto& e = i->second;
    if (ev.kind == "state") {
      e.state = ev.state;
    } else if (ev.kind == "exit") {
      if (!e.last)
        e.last = std::make_unique<task_status>();
      e.last->exit = ev.exit;
    } else if (ev.kind == "recovered" && !s.recovering.empty()) {
      settle_recovered(self, i->first);
    }
  }
  if (ev.kind != "progress") {
    if (s.recent.size() < recent_events_kept)
      s.recent.push_back(ev);
    else
      s.recent[s.recent_next] = ev;
    s.recent_next = (s.recent_next + 1) % recent_events_kept;
  }
  // The subscribers get the task's own message: no copy of the event.
  if (!s.subscribers.empty())
    fan_out(self, self->current_mailbox_element()->move_content_to_message());
}

void on_health(self_ptr self, const fingerprint& fp) {
  auto& s = self->state;
  bool back = s.fp.health != daemon_health::healthy && fp.health == daemon_health::healthy;
  s.fp = fp;
  if (fp.polls > 0 && !s.have_fp) {
    s.have_fp = true;
    auto waiting = std::move(s.waiting);
    s.waiting.clear();
    for (auto& w : waiting)
      answer_start(self, w);
  }
  if (back)
    for (auto& [id, e] : s.tasks)
      if (e.actor)
        self->send(e.actor, health_atom::value, fp);
}

// Every task's current status: live ones asked, ended ones from the registry.
void gather(self_ptr self, caf::typed_response_promise<std::vector<task_status>> rp) {
  auto& s = self->state;
  auto acc = std::make_shared<std::vector<task_status>>();
  auto left = std::make_shared<std::size_t>(0);
  auto done = [acc, rp]() mutable {
    std::sort(acc->begin(), acc->end(),
              [](const task_status& a, const task_status& b) { return a.task_id < b.task_id; });
    rp.deliver(std::move(*acc));
  };
  for (const auto& [id, e] : s.tasks) {
    if (!e.actor) {
      acc->push_back(e.last ? *e.last : registry_status(id, e));
      continue;
    }
    ++*left;
    auto fallback = registry_status(id, e);
    self->request(e.actor, caf::infinite, caf::get_atom::value)
      .then(
        [acc, left, done](task_status& st) mutable {
          acc->push_back(std::move(st));
          if (--*left == 0)
            done();
        },
        [acc, left, done, fallback](caf::error&) mutable {
          acc->push_back(fallback);
          if (--*left == 0)
            done();
        });
  }
  if (*left == 0)
    done();
}

actor_status own_status(self_ptr self) {
  auto& s = self->state;
  auto st = s.seen.status(self, "supervisor", "supervisor",
                          s.shutting_down ? "shutting_down" : to_string(s.fp.health));
  std::size_t live = 0;
  for (const auto& [id, e] : s.tasks)
    live += e.actor ? 1 : 0;
  st.details["tasks_live"] = std::to_string(live);
  st.details["tasks_known"] = std::to_string(s.tasks.size());
  st.details["started"] = std::to_string(s.started);
  st.details["refused"] = std::to_string(s.refused);
  st.details["subscribers"] = std::to_string(s.subscribers.size());
  if (s.recovered > 0) {
    st.details["recovered"] = std::to_string(s.recovered);
    st.details["recovering"] = std::to_string(s.recovering.size());
    if (s.recovery_ms >= 0)
      st.details["recovery_ms"] = std::to_string(s.recovery_ms);
  }
  return st;
}

// -- requests ------------------------------------------------------------------

caf::result<unit> stop_task(self_ptr self, const std::string& id) {
  auto i = self->state.tasks.find(id);
  if (i == self->state.tasks.end())
    return unknown(id);
  if (i->second.actor)
    caf::anon_send(i->second.actor, stop_atom::value);
  return unit{};
}

caf::result<unit> signal_task(self_ptr self, const std::string& id, const std::string& sig) {
  auto i = self->state.tasks.find(id);
  if (i == self->state.tasks.end())
    return unknown(id);
  if (!i->second.actor)
    return to_caf(make_error(errc::conflict, "signal " + sig + " to task " + id,
                             "the task has ended"));
  return self->delegate(i->second.actor, signal_atom::value, sig);
}

caf::result<unit> restart_task(self_ptr self, const std::string& id) {
  auto i = self->state.tasks.find(id);
  if (i == self->state.tasks.end())
    return unknown(id);
  if (!i->second.actor)
    return to_caf(make_error(errc::conflict, "restart of task " + id, "the task has ended"));
  return self->delegate(i->second.actor, restart_atom::value);
}

caf::result<exec_output> exec_in_task(self_ptr self, const std::string& id,
                                      std::vector<std::string>& cmd, std::int64_t timeout_ms) {
  auto i = self->state.tasks.find(id);
  if (i == self->state.tasks.end())
    return unknown(id);
  if (!i->second.actor)
    return to_caf(make_error(errc::conflict, "exec in task " + id, "the task has ended"));
  return self->delegate(i->second.actor, exec_atom::value, std::move(cmd), timeout_ms);
}

caf::result<task_status> task_status_of(self_ptr self, const std::string& id) {
  auto i = self->state.tasks.find(id);
  if (i == self->state.tasks.end())
    return unknown(id);
  if (!i->second.actor)
    return i->second.last ? *i->second.last : registry_status(id, i->second);
  auto rp = self->make_response_promise<task_status>();
  auto fallback = registry_status(id, i->second);
  self->request(i->second.actor, caf::infinite, caf::get_atom::value)
    .then([rp](task_status& st) mutable { rp.deliver(std::move(st)); },
          [rp, fallback](caf::error&) mutable { rp.deliver(fallback); });
  return rp;
}

caf::result<unit> forget_task(self_ptr self, const std::string& id) {
  auto& tasks = self->state.tasks;
  auto i = tasks.find(id);
  if (i == tasks.end())
    return unknown(id);
  if (i->second.actor)
    return to_caf(make_error(errc::conflict, "forget task " + id,
                             "it is still running; stop it first"));
  tasks.erase(i);
  return unit{};
}

caf::result<task_instance> instance_of(self_ptr self, const std::string& id) {
  auto i = self->state.tasks.find(id);
  if (i == self->state.tasks.end())
    return unknown(id);
  // As planned: the body it keeps packed is given as text.
  task_instance inst = *i->second.inst;
  if (!inst.create_body_packed.empty()) {
    auto body = create_body_of(inst);
    if (!body.ok())
      return to_caf(body.error());
    inst.create_body_text = std::move(body).value();
    inst.create_body_packed.clear();
  }
  return inst;
}

caf::result<task_stats> stats_of(self_ptr self, const std::string& id) {
  auto& s = self->state;
  if (s.tasks.count(id) == 0)
    return unknown(id);
  if (!s.svc.stats)
    return to_caf(make_error(errc::unavailable, "stats of task " + id,
                             "this supervisor has no stats poller"));
  self->delegate(s.svc.stats, stats_atom::value, id);
  return caf::delegated<task_stats>();
}

// Every actor's status: its own, the services' (but the task-folder
// worker's, which answers none) and every live task's.
caf::result<std::vector<actor_status>> all_statuses(self_ptr self) {
  auto& s = self->state;
  auto rp = self->make_response_promise<std::vector<actor_status>>();
  auto acc = std::make_shared<std::vector<actor_status>>();
  acc->push_back(own_status(self));
  std::vector<caf::actor> all;
  for (auto& a : service_actors(s.svc))
    if (a != s.svc.task_dirs)
      all.push_back(std::move(a));
  for (const auto& [id, e] : s.tasks)
    if (e.actor)
      all.push_back(caf::actor_cast<caf::actor>(e.actor));
  if (all.empty())
    rp.deliver(std::move(*acc));
  auto left = std::make_shared<std::size_t>(all.size());
  for (auto& a : all)
    self->request(a, caf::infinite, status_atom::value)
      .then(
        [acc, left, rp](actor_status& st) mutable {
          acc->push_back(std::move(st));
          if (--*left == 0)
            rp.deliver(std::move(*acc));
        },
        [acc, left, rp](caf::error&) mutable {
          if (--*left == 0)
            rp.deliver(std::move(*acc));
        });
  return rp;
}

// -- inspection (the console) ---------------------------------------------------

// The recent events, oldest first.
std::vector<task_event> recent_events(const supervisor_state& s) {
  if (s.recent.size() < recent_events_kept)
    return s.recent;
  std::vector<task_event> out(s.recent.begin() + static_cast<std::ptrdiff_t>(s.recent_next), s.recent.end());
  out.insert(out.end(), s.recent.begin(), s.recent.begin() + static_cast<std::ptrdiff_t>(s.recent_next));
  return out;
}

// The services by the kind their status names.
std::vector<std::pair<const char*, caf::actor>> named_services(const task_services& svc) {
  return {{"image_manager", caf::actor_cast<caf::actor>(svc.images)},
          {"fingerprinter", caf::actor_cast<caf::actor>(svc.fingerprinter)},
          {"stats_poller", caf::actor_cast<caf::actor>(svc.stats)},
          {"container_events", svc.events},
          {"timer_service", svc.timers}};
}

// A task's actor status as the registry knows it, until its actor answers.
actor_status registry_actor_status(const std::string& id, const task_entry& e) {
  actor_status st;
  st.kind = "task";
  st.name = id;
  st.state = to_string(e.state);
  st.id = e.actor ? e.actor.id() : 0;
  return st;
}

// The actor a console names: "supervisor", a service's kind, a task id or a
// CAF actor id. A null actor is the supervisor itself.
result<caf::actor> named_actor(self_ptr self, const std::string& who) {
  auto& s = self->state;
  std::uint64_t num = 0;
  const auto* end = who.data() + who.size();
  const bool numeric = !who.empty() && std::from_chars(who.data(), end, num).ptr == end;
  if (who == "supervisor" || (numeric && num == self->id()))
    return caf::actor{};
  for (auto& [kind, a] : named_services(s.svc))
    if (a && (who == kind || (numeric && a.id() == num)))
      return a;
  if (auto i = s.tasks.find(who); i != s.tasks.end()) {
    if (!i->second.actor)
      return make_error(errc::not_found, "actor " + who, "the task has ended; its actor is gone");
    return caf::actor_cast<caf::actor>(i->second.actor);
  }
  if (numeric)
    for (const auto& [id, e] : s.tasks)
      if (e.actor && e.actor.id() == num)
        return caf::actor_cast<caf::actor>(e.actor);
  return make_error(errc::not_found, "actor " + who, "no such actor in this supervisor");
}

// Asks `who` (never the supervisor) and delivers its answer or error.
template <class T, class... Ts>
void ask_into(self_ptr self, const caf::actor& who, caf::typed_response_promise<T> rp, Ts... xs) {
  self->request(who, inspect_timeout, xs...)
    .then([rp](T& x) mutable { rp.deliver(std::move(x)); },
          [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
}

caf::result<actor_status> named_status(self_ptr self, const std::string& who) {
  auto a = named_actor(self, who);
  if (!a)
    return to_caf(a.error());
  if (!*a)
    return own_status(self);
  auto rp = self->make_response_promise<actor_status>();
  ask_into(self, *a, rp, status_atom::value);
  return rp;
}

caf::result<unit> named_trace_on(self_ptr self, const std::string& who, std::int64_t count,
                                 std::int64_t for_ms) {
  auto a = named_actor(self, who);
  if (!a)
    return to_caf(a.error());
  if (!*a) {
    self->state.seen.trace_on(count, for_ms);
    return unit{};
  }
  auto rp = self->make_response_promise<unit>();
  ask_into(self, *a, rp, trace_atom::value, count, for_ms);
  return rp;
}

caf::result<actor_trace> named_trace(self_ptr self, const std::string& who) {
  auto a = named_actor(self, who);
  if (!a)
    return to_caf(a.error());
  if (!*a)
    return self->state.seen.trace_report();
  auto rp = self->make_response_promise<actor_trace>();
  ask_into(self, *a, rp, trace_atom::value);
  return rp;
}

using statuses_fn = std::function<void(std::vector<actor_status>)>;

// Asks each actor of `who` for its status, in place of rows[i] (which stays
// as it is when the actor does not answer in time), then calls `then`.
void fill_statuses(self_ptr self, std::vector<std::pair<std::size_t, caf::actor>> who,
                   std::vector<actor_status> rows, statuses_fn then) {
  auto acc = std::make_shared<std::vector<actor_status>>(std::move(rows));
  auto left = std::make_shared<std::size_t>(who.size());
  auto done = std::make_shared<statuses_fn>(std::move(then));
  if (who.empty())
    return (*done)(std::move(*acc));
  for (auto& [i, a] : who)
    self->request(a, inspect_timeout, status_atom::value)
      .then(
        [acc, left, done, i = i](actor_status& st) {
          (*acc)[i] = std::move(st);
          if (--*left == 0)
            (*done)(std::move(*acc));
        },
        [acc, left, done](caf::error&) {
          if (--*left == 0)
            (*done)(std::move(*acc));
        });
}

// A row of the list before any task actor is asked: a service's (or the
// supervisor's) whole status, or what the registry knows of a task. Cheap:
// ten thousand of them are made and sorted for a page of a hundred.
struct list_row {
  const actor_status* service = nullptr;
  const std::string* task_id = nullptr;
  const task_entry* task = nullptr;
  std::uint64_t id = 0;

  std::string_view kind() const { return service ? std::string_view(service->kind) : "task"; }
  std::string_view name() const { return service ? std::string_view(service->name) : *task_id; }
  std::string_view state() const { return service ? std::string_view(service->state) : to_string(task->state); }
};

// By the query's key (id, kind, name or state), ties by id.
void sort_rows(std::vector<list_row>& rows, const actor_query& q) {
  using key_fn = std::string_view (list_row::*)() const;
  const key_fn key = q.sort == "kind" ? &list_row::kind : q.sort == "name" ? &list_row::name
                   : q.sort == "state" ? &list_row::state : nullptr;
  const bool desc = q.descending;
  std::sort(rows.begin(), rows.end(), [key, desc](const list_row& a, const list_row& b) {
    if (key) {
      const auto ka = (a.*key)(), kb = (b.*key)();
      if (ka != kb)
        return desc ? kb < ka : ka < kb;
      return a.id < b.id;
    }
    return desc ? b.id < a.id : a.id < b.id;
  });
}

// The page when the registry knows the order: only the page's task actors
// are asked (a task that does not answer in time shows what the registry knows).
void page_by_registry(self_ptr self, const actor_query& q, std::vector<actor_status> services,
                      caf::typed_response_promise<actor_page> rp) {
  std::vector<list_row> rows;
  for (const auto& st : services)
    rows.push_back(list_row{&st, nullptr, nullptr, st.id});
  if (q.kind.empty() || q.kind == "task")
    for (const auto& [id, e] : self->state.tasks)
      if (e.actor && std::string_view(to_string(e.state)).substr(0, q.state.size()) == q.state)
        rows.push_back(list_row{nullptr, &id, &e, e.actor.id()});
  sort_rows(rows, q);
  auto [first, last] = policy::actor_page_bounds(rows.size(), q);
  std::vector<actor_status> shown;
  std::vector<std::pair<std::size_t, caf::actor>> ask;
  for (std::size_t i = first; i < last; ++i) {
    const auto& r = rows[i];
    if (r.service) {
      shown.push_back(*r.service);
      continue;
    }
    ask.emplace_back(shown.size(), caf::actor_cast<caf::actor>(r.task->actor));
    shown.push_back(registry_actor_status(*r.task_id, *r.task));
  }
  actor_page page;
  page.total = static_cast<std::int64_t>(rows.size());
  fill_statuses(self, std::move(ask), std::move(shown), [rp, page](std::vector<actor_status> got) mutable {
    page.actors = std::move(got);
    rp.deliver(std::move(page));
  });
}

// Asks every task actor of `who` for its status and answers them all in one
// message: ten thousand answers come to this short-lived actor instead of
// queueing in the supervisor's mailbox ahead of everything else.
caf::behavior sweeper(caf::event_based_actor* g, std::vector<caf::actor> who) {
  return {[g, who](status_atom) -> caf::result<std::vector<actor_status>> {
    auto rp = g->make_response_promise<std::vector<actor_status>>();
    auto acc = std::make_shared<std::vector<actor_status>>();
    auto left = std::make_shared<std::size_t>(who.size());
    auto one_done = [g, rp, acc, left]() mutable {
      if (--*left != 0)
        return;
      rp.deliver(std::move(*acc));
      g->quit();
    };
    if (who.empty()) {
      rp.deliver(std::vector<actor_status>{});
      g->quit();
      return rp;
    }
    acc->reserve(who.size());
    for (const auto& a : who)
      g->request(a, inspect_timeout, status_atom::value)
        .then([acc, one_done](actor_status& st) mutable {
                acc->push_back(std::move(st));
                one_done();
              },
              [one_done](caf::error&) mutable { one_done(); });
    return rp;
  }};
}

// Sends a sweeper out unless one is; `then` runs once it is back.
void sweep(self_ptr self, std::function<void()> then) {
  auto& s = self->state;
  if (then)
    s.after_sweep.push_back(std::move(then));
  if (s.sweeping)
    return;
  s.sweeping = true;
  std::vector<caf::actor> who;
  who.reserve(s.tasks.size());
  for (const auto& [id, e] : s.tasks)
    if (e.actor)
      who.push_back(caf::actor_cast<caf::actor>(e.actor));
  auto g = self->spawn(sweeper, std::move(who));
  auto back = [self](std::vector<actor_status>* got) {
    auto& st = self->state;
    st.sweeping = false;
    if (got) {
      st.swept = std::make_shared<const std::vector<actor_status>>(std::move(*got));
      st.swept_at_ms = now_ms();
    }
    auto waiting = std::move(st.after_sweep);
    st.after_sweep.clear();
    for (auto& f : waiting)
      f();
  };
  self->request(g, inspect_timeout * 4, status_atom::value)
    .then([back](std::vector<actor_status>& got) { back(&got); },
          [back](caf::error&) { back(nullptr); });
}

// The page when the order needs the actors' own answers (messages, rate,
// ...): ordered by the last sweep of every task actor (while pages keep
// coming, at most sweep_fresh_ms plus a sweep's time old; after a pause
// of sweep_stale_ms the page waits for a new one), and only the page's
// task actors asked again, so that its rows are fresh. The order and the
// total are the sweep's; a task started since shows from the next one.
void page_by_sweep(self_ptr self, const actor_query& q, std::vector<actor_status> services,
                   caf::typed_response_promise<actor_page> rp, bool waited = false) {
  auto& s = self->state;
  const std::int64_t age = now_ms() - s.swept_at_ms;
  if (!s.swept && waited) {
    rp.deliver(to_caf(make_error(errc::timeout, "actor list", "the task actors did not answer")));
    return;
  }
  if (!waited && (!s.swept || age > sweep_stale_ms)) {
    sweep(self, [self, q, services = std::move(services), rp]() mutable {
      page_by_sweep(self, q, std::move(services), rp, true);
    });
    return;
  }
  if (age > sweep_fresh_ms)
    sweep(self, {});
  auto snap = s.swept;
  std::vector<const actor_status*> rows;
  rows.reserve(services.size() + snap->size());
  for (const auto& st : services)
    rows.push_back(&st);
  if (q.kind.empty() || q.kind == "task")
    for (const auto& st : *snap)
      if (policy::actor_matches(q, st))
        rows.push_back(&st);
  policy::sort_actors(rows, q, now_ms());
  auto [first, last] = policy::actor_page_bounds(rows.size(), q);
  std::vector<actor_status> shown;
  std::vector<std::pair<std::size_t, caf::actor>> ask;
  for (std::size_t i = first; i < last; ++i) {
    const auto* r = rows[i];
    if (r->kind == "task")
      if (auto t = s.tasks.find(r->name); t != s.tasks.end() && t->second.actor &&
                                          t->second.actor.id() == r->id)
        ask.emplace_back(shown.size(), caf::actor_cast<caf::actor>(t->second.actor));
    shown.push_back(*r);
  }
  actor_page page;
  page.total = static_cast<std::int64_t>(rows.size());
  // Within the page, the fresh answers decide the order.
  fill_statuses(self, std::move(ask), std::move(shown), [rp, page, q](std::vector<actor_status> got) mutable {
    policy::sort_actors(got, q, now_ms());
    page.actors = std::move(got);
    rp.deliver(std::move(page));
  });
}

// GET /v1/actors: the services are asked (a handful), the tasks filtered on
// the registry's state; then a page by the registry or by asking.
caf::result<actor_page> query_actors(self_ptr self, const actor_query& q) {
  if (auto ok = policy::check_actor_query(q); !ok)
    return to_caf(ok.error());
  auto rp = self->make_response_promise<actor_page>();
  std::vector<std::pair<std::size_t, caf::actor>> svcs;
  for (auto& [kind, a] : named_services(self->state.svc))
    if (a)
      svcs.emplace_back(svcs.size(), a);
  std::vector<actor_status> rows(svcs.size());
  fill_statuses(self, std::move(svcs), std::move(rows), [self, q, rp](std::vector<actor_status> got) {
    got.push_back(own_status(self));
    std::vector<actor_status> services;
    for (auto& st : got)
      if (!st.kind.empty() && policy::actor_matches(q, st))
        services.push_back(std::move(st));
    if (policy::sorts_without_asking(q))
      page_by_registry(self, q, std::move(services), rp);
    else
      page_by_sweep(self, q, std::move(services), rp);
  });
  return rp;
}

caf::result<unit> begin_shutdown(self_ptr self) {
  auto& s = self->state;
  s.shutting_down = true;
  auto rp = self->make_response_promise<unit>();
  s.shutdown_replies.push_back(rp);
  for (auto& w : s.waiting)
    w.reply.deliver(refuse("(waiting)", errc::unavailable, "the supervisor is shutting down"));
  s.waiting.clear();
  for (auto& [id, e] : s.tasks)
    if (e.actor)
      caf::anon_send(e.actor, stop_atom::value);
  maybe_finish_shutdown(self);
  return rp;
}

void on_task_done(self_ptr self, const task_status& st) {
  auto i = self->state.tasks.find(st.task_id);
  if (i != self->state.tasks.end()) {
    i->second.state = st.state;
    i->second.last = std::make_unique<task_status>(st);
    // An ended task is kept for status and its logs' location; its create
    // body is not needed any more (the env went at launch).
    auto kept = std::make_shared<task_instance>(*i->second.inst);
    kept->create_body_text.clear();
    kept->create_body_packed.clear();
    i->second.inst = std::move(kept);
    note_ended(self, i->first, i->second);
  }
  fan_out(self, caf::make_message(done_atom::value, st));
}

void on_first_fingerprint_wait(self_ptr self) {
  auto& s = self->state;
  if (s.have_fp)
    return;
  // No poll finished in time: decide on what is known (undetected).
  s.have_fp = true;
  auto waiting = std::move(s.waiting);
  s.waiting.clear();
  for (auto& w : waiting)
    answer_start(self, w);
}

// -- the behavior -----------------------------------------------------------------

void init(self_ptr self, supervisor_config cfg) {
  self->state.cfg = std::move(cfg);
  spawn_services(self);
  recover_tasks(self);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& subs = self->state.subscribers;
    subs.erase(std::remove_if(subs.begin(), subs.end(),
                              [&](const caf::actor& a) { return a.address() == dm.source; }),
               subs.end());
    on_task_down(self, dm);
  });
  // An ended supervisor ends its task actors (their containers stay, to be
  // adopted by the next run); services are linked.
  self->attach_functor([live = self->state.live] {
    for (auto& [addr, task] : *live)
      caf::anon_send_exit(task, caf::exit_reason::user_shutdown);
  });
  // An exit from a linked service that crashed, or an embedder's exit
  // message, ends the supervisor.
  self->set_exit_handler([self](caf::exit_msg& em) {
    if (em.reason != caf::exit_reason::normal)
      self->quit(em.reason);
  });
}

// Starts. Non-const: CAF hands over the message's own copy when nobody else
// holds it, and the instances move on into the task actors.
auto start_handlers(self_ptr self) {
  return std::make_tuple(
    [self](start_atom, task_instance& inst) -> caf::result<std::string> {
      self->state.seen.note("start");
      std::vector<task_instance> one;
      one.push_back(std::move(inst));
      start_or_wait(self, std::move(one), true);
      return caf::delegated<std::string>();
    },
    [self](start_atom, std::vector<task_instance>& instances)
      -> caf::result<std::vector<std::string>> {
      self->state.seen.note("start");
      start_or_wait(self, std::move(instances), false);
      return caf::delegated<std::vector<std::string>>();
    },
    [self](start_atom, const job_spec& job) -> caf::result<std::vector<std::string>> {
      self->state.seen.note("start_job");
      auto instances = plan(self, job);
      if (!instances)
        return instances.error();
      start_or_wait(self, std::move(*instances), false);
      return caf::delegated<std::vector<std::string>>();
    });
}

// Requests about one task, or all of them.
auto task_handlers(self_ptr self) {
  return std::make_tuple(
    [self](stop_atom, const std::string& id) {
      self->state.seen.note("stop");
      return stop_task(self, id);
    },
    [self](signal_atom, const std::string& id, const std::string& sig) {
      self->state.seen.note("signal");
      return signal_task(self, id, sig);
    },
    [self](restart_atom, const std::string& id) {
      self->state.seen.note("restart");
      return restart_task(self, id);
    },
    [self](exec_atom, const std::string& id, std::vector<std::string>& cmd,
           std::int64_t timeout_ms) {
      self->state.seen.note("exec");
      return exec_in_task(self, id, cmd, timeout_ms);
    },
    [self](caf::get_atom, const std::string& id) {
      self->state.seen.note("get");
      return task_status_of(self, id);
    },
    [self](caf::delete_atom, const std::string& id) {
      self->state.seen.note("forget");
      return forget_task(self, id);
    },
    [self](instance_atom, const std::string& id) {
      self->state.seen.note("instance");
      return instance_of(self, id);
    },
    [self](list_atom) -> caf::result<std::vector<task_status>> {
      self->state.seen.note("list");
      auto rp = self->make_response_promise<std::vector<task_status>>();
      gather(self, rp);
      return rp;
    },
    [self](stats_atom, const std::string& id) {
      self->state.seen.note("stats");
      return stats_of(self, id);
    });
}

// Subscriptions, the node, the images, inspection and the end.
auto node_handlers(self_ptr self) {
  return std::make_tuple(
    [self](caf::subscribe_atom, caf::actor& sub) {
      self->state.seen.note("subscribe");
      self->monitor(sub);
      self->state.subscribers.push_back(std::move(sub));
    },
    [self](caf::unsubscribe_atom, const caf::actor& sub) {
      self->state.seen.note("unsubscribe");
      auto& subs = self->state.subscribers;
      subs.erase(std::remove(subs.begin(), subs.end(), sub), subs.end());
    },
    [self](caf::subscribe_atom, stats_atom, const std::string& id, const caf::actor& reader) {
      self->state.seen.note("stats subscribe");
      if (self->state.svc.stats)
        self->send(self->state.svc.stats, caf::subscribe_atom::value, id, reader);
    },
    [self](caf::unsubscribe_atom, stats_atom, const std::string& id, const caf::actor& reader) {
      self->state.seen.note("stats unsubscribe");
      if (self->state.svc.stats)
        self->send(self->state.svc.stats, caf::unsubscribe_atom::value, id, reader);
    },
    [self](attrs_atom) {
      self->state.seen.note("attrs");
      return self->state.fp;
    },
    [self](images_atom) {
      self->state.seen.note("images");
      return self->delegate(self->state.svc.images, images_atom::value);
    },
    [self](status_atom) {
      self->state.seen.note("status");
      return own_status(self);
    },
    [self](status_atom, list_atom) {
      self->state.seen.note("status_all");
      return all_statuses(self);
    },
    [self](shutdown_atom) {
      self->state.seen.note("shutdown");
      return begin_shutdown(self);
    },
    [self](reconcile_atom) -> caf::result<std::int64_t> {
      self->state.seen.note("reconcile");
      if (!self->state.reconciler)
        return std::int64_t{0};
      return self->delegate(self->state.reconciler, reconcile_atom::value);
    });
}

// The console's questions: pages of actors, one actor, traces, recent events.
auto inspect_handlers(self_ptr self) {
  return std::make_tuple(
    [self](status_atom, const actor_query& q) {
      self->state.seen.note("actors");
      return query_actors(self, q);
    },
    [self](status_atom, const std::string& who) {
      self->state.seen.note("actor");
      return named_status(self, who);
    },
    [self](trace_atom, const std::string& who, std::int64_t count, std::int64_t for_ms) {
      self->state.seen.note("trace_on");
      return named_trace_on(self, who, count, for_ms);
    },
    [self](trace_atom, const std::string& who) {
      self->state.seen.note("trace_read");
      return named_trace(self, who);
    },
    trace_start_handler(self),
    trace_read_handler(self),
    [self](events_atom) {
      self->state.seen.note("events");
      return recent_events(self->state);
    });
}

// From the task actors, the fingerprinter and its own timer.
auto internal_handlers(self_ptr self) {
  return std::make_tuple(
    [self](event_atom, const task_event& ev) {
      self->state.seen.note("task_event");
      on_task_event(self, ev);
    },
    [self](done_atom, const task_status& st) {
      self->state.seen.note("task_done");
      on_task_done(self, st);
    },
    [self](health_atom, const fingerprint& fp) {
      self->state.seen.note("health");
      on_health(self, fp);
    },
    [self](first_fp_atom) {
      self->state.seen.note("first_fingerprint_wait");
      on_first_fingerprint_wait(self);
    });
}

supervisor_actor::behavior_type supervisor_behavior(self_ptr self, supervisor_config cfg) {
  init(self, std::move(cfg));
  return std::apply(
    [](auto&&... handlers) -> supervisor_actor::behavior_type { return {std::move(handlers)...}; },
    std::tuple_cat(start_handlers(self), task_handlers(self), node_handlers(self),
                   inspect_handlers(self), internal_handlers(self)));
}
} // namespace

std::vector<task_instance> with_job_constraints(const job_spec& job,
                                                std::vector<task_instance> instances) {
  // Instances that share their task (policy::plan_job) share it extended:
  // each task is extended once, whatever the group's count.
  std::map<const task_spec*, std::pair<cow<task_spec>, cow<task_spec>>> extended; // as planned, extended
  for (auto& inst : instances) {
    auto [at, fresh] = extended.try_emplace(&*inst.task, inst.task, inst.task);
    if (fresh) {
      std::vector<constraint_spec> all = job.constraints;
      for (const auto& g : job.groups)
        if (g.name == inst.group_name)
          all.insert(all.end(), g.constraints.begin(), g.constraints.end());
      all.insert(all.end(), inst.task->constraints.begin(), inst.task->constraints.end());
      at->second.second.edit().constraints = std::move(all);
    }
    inst.task = at->second.second;
  }
  return instances;
}

supervisor_actor spawn_supervisor(caf::actor_system& sys, supervisor_config cfg) {
  return sys.spawn(supervisor_behavior, std::move(cfg));
}

} // namespace stevedore
