// The embedding API (stevedore.hpp) over the supervisor actor: blocking calls
// through a scoped_actor, asynchronous ones through one caller actor, event
// callbacks through a listener actor.
#include "actors/stevedore.hpp"

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>
#include <tuple>

#include <caf/all.hpp>

#include "actors/container_events.hpp"
#include "actors/errors.hpp"
#include "actors/state_store.hpp"
#include "actors/supervisor.hpp"
#include "actors/types.hpp"
#include "policy/intake.hpp"

namespace stevedore {
namespace {

// One call of the asynchronous API, carried to the caller actor, which
// sends the request, receives the answer and runs the callback: one actor
// for every call instead of an actor spawned per call.
struct async_call {
  virtual ~async_call() = default;
  // Sends the request; `answered` runs on the answer, and returns false when
  // the call was already given up (abandon): then the callback does not run.
  virtual void issue(caf::event_based_actor* self, const supervisor_actor& sup,
                     std::function<bool()> answered) = 0;
  // No answer in time, or the supervisor is gone before an answer came.
  virtual void abandon(const error_info& why) = 0;
};

} // namespace
} // namespace stevedore

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<stevedore::async_call>)

namespace stevedore {

namespace {

using async_call_ptr = std::shared_ptr<async_call>;
using abandon_atom = caf::atom_constant<caf::atom("abandon")>;

template <class T, class... Ts>
class typed_call final : public async_call {
public:
  typed_call(reply<T> done, Ts... xs)
    : done_(std::make_shared<reply<T>>(std::move(done))), args_(std::move(xs)...) {}

  void issue(caf::event_based_actor* self, const supervisor_actor& sup,
             std::function<bool()> answered) override {
    auto settled = std::make_shared<std::function<bool()>>(std::move(answered));
    std::apply(
      [&](auto&... a) {
        // The arguments are used once: moved into the request (a start
        // carries whole plans). No CAF timeout: the caller keeps the
        // deadlines (see caller()).
        self->request(sup, caf::infinite, std::move(a)...)
          .then(
            [done = done_, settled](T& v) {
              if ((*settled)())
                (*done)(std::move(v));
            },
            [done = done_, settled](caf::error& e) {
              if ((*settled)())
                (*done)(from_caf(e, "supervisor"));
            });
      },
      args_);
  }

  void abandon(const error_info& why) override { (*done_)(why); }

private:
  std::shared_ptr<reply<T>> done_;
  std::tuple<Ts...> args_;
};

// The caller: issues each call, keeps the ones in flight, and answers those
// with `why` when told to end (abandon_atom) instead of leaving them
// without an answer.
//
// Every call has the same timeout, so the calls in flight, in the order they
// were issued, are also in the order of their deadlines: one timer, set for
// the oldest call's deadline, gives up the calls whose time is up. A CAF
// request timeout per call would be two events for CAF's clock thread (set,
// then cancel), each waking it: two wakeups per call for a timer that
// almost never fires.
using sweep_atom = caf::atom_constant<caf::atom("apisweep")>;

struct caller_state {
  static inline const char* name = "api_caller";
  struct pending {
    async_call_ptr call;
    std::chrono::steady_clock::time_point deadline;
  };
  std::map<std::uint64_t, pending> in_flight;
  std::uint64_t next = 0;
  bool sweep_armed = false;
};

void arm_sweep(caf::stateful_actor<caller_state>* self) {
  auto& s = self->state;
  if (s.sweep_armed || s.in_flight.empty())
    return;
  s.sweep_armed = true;
  auto left = s.in_flight.begin()->second.deadline - std::chrono::steady_clock::now();
  self->delayed_send(self, std::max(left, decltype(left)::zero()), sweep_atom::value);
}

caf::behavior caller(caf::stateful_actor<caller_state>* self, supervisor_actor sup,
                     std::chrono::milliseconds timeout) {
  return {
    [self, sup, timeout](const async_call_ptr& call) {
      auto id = self->state.next++;
      self->state.in_flight.emplace(id, caller_state::pending{call, std::chrono::steady_clock::now() + timeout});
      call->issue(self, sup, [self, id] { return self->state.in_flight.erase(id) > 0; });
      arm_sweep(self);
    },
    [self](sweep_atom) {
      auto& s = self->state;
      s.sweep_armed = false;
      auto now = std::chrono::steady_clock::now();
      while (!s.in_flight.empty() && s.in_flight.begin()->second.deadline <= now) {
        auto call = std::move(s.in_flight.begin()->second.call);
        s.in_flight.erase(s.in_flight.begin());
        call->abandon(from_caf(caf::make_error(caf::sec::request_timeout), "supervisor"));
      }
      arm_sweep(self);
    },
    [self](abandon_atom, const error_info& why) {
      auto left = std::move(self->state.in_flight);
      self->state.in_flight.clear();
      for (auto& [id, p] : left)
        p.call->abandon(why);
      self->quit();
    },
  };
}

struct system_config : caf::actor_system_config {
  system_config(std::size_t threads, bool quiet) {
    stevedore::add_message_types(*this);
    // CAF's default is at least 4 workers; on a small machine more workers
    // than cores only add wakeups and context switches.
    if (threads == 0)
      threads = std::max(1u, std::thread::hardware_concurrency());
    set("scheduler.max-threads", static_cast<caf::config_value::integer>(threads));
    if (quiet) {
      // CAF's workers poll their queues hard (100 tries, then 500 more 50 us
      // apart) after every job before they sleep on a condition variable;
      // with messages trickling in (stats rounds, timers) that polling is
      // most of an idle supervisor's CPU. A few tries, then sleep: a message
      // from outside wakes a sleeping worker at once anyway.
      set("work-stealing.aggressive-poll-attempts", caf::config_value::integer{10});
      set("work-stealing.moderate-poll-attempts", caf::config_value::integer{10});
      set("work-stealing.relaxed-sleep-duration", caf::timespan{std::chrono::milliseconds(100)});
    }
  }
};

error_info ended() {
  return make_error(errc::unavailable, "supervisor", "it has been shut down");
}

} // namespace

struct supervisor::impl {
  void end(); // after the supervisor was told to end (see its definition)

  supervisor_options opts;
  state_store_actor store;                // none without durable state
  std::shared_ptr<docker::client> docker; // outlives the system: shut down first
  std::unique_ptr<system_config> cfg;     // outlives the system
  std::unique_ptr<caf::actor_system> sys;
  supervisor_actor sup;
  caf::actor caller;                      // issues the asynchronous calls
  std::mutex mutex;                       // guards down and listeners
  bool down = false;
  std::vector<caf::actor> listeners;

  bool is_down() {
    std::lock_guard<std::mutex> lock(mutex);
    return down;
  }

  template <class T, class... Ts>
  result<T> ask(Ts&&... xs) {
    if (is_down())
      return ended();
    caf::scoped_actor self{*sys};
    std::optional<result<T>> out;
    self->request(sup, opts.call_timeout, std::forward<Ts>(xs)...)
      .receive([&](T& v) { out.emplace(std::move(v)); },
               [&](caf::error& e) { out.emplace(from_caf(e, "supervisor")); });
    return std::move(*out);
  }

  template <class T, class... Ts>
  void ask_async(reply<T> done, Ts... xs) {
    async_call_ptr call = std::make_shared<typed_call<T, Ts...>>(std::move(done), std::move(xs)...);
    {
      // Sent under the lock: shutdown marks `down` and then tells the caller
      // to answer what is left, so every call sent is answered.
      std::lock_guard<std::mutex> lock(mutex);
      if (!down) {
        caf::anon_send(caller, std::move(call));
        return;
      }
    }
    call->abandon(ended());
  }
};

subscription& subscription::operator=(subscription&& other) noexcept {
  if (this != &other) {
    cancel();
    listener_ = std::move(other.listener_);
  }
  return *this;
}

namespace {

// Ends the listeners and waits (a bounded while) until they have, so that
// no callback runs after this returns: the caller may then destroy what its
// callbacks use.
void end_listeners(const std::vector<caf::actor>& listeners) {
  if (listeners.empty())
    return;
  auto* sys = &caf::actor_cast<caf::abstract_actor*>(listeners.front())->home_system();
  caf::scoped_actor self{*sys};
  for (const auto& l : listeners) {
    self->monitor(l);
    caf::anon_send_exit(l, caf::exit_reason::user_shutdown);
  }
  for (std::size_t i = 0; i < listeners.size(); ++i) {
    bool timed_out = false;
    self->receive([](const caf::down_msg&) {},
                  caf::after(std::chrono::seconds(5)) >> [&] { timed_out = true; });
    if (timed_out)
      break;
  }
}

} // namespace

namespace {

// Until `a` has ended (its state, the state file's connection included, is
// gone by then), a bounded while: the caller may then remove its folder.
void await_end(caf::actor_system& sys, const caf::actor& a) {
  if (!a)
    return;
  caf::scoped_actor self{sys};
  self->monitor(a);
  self->receive([](const caf::down_msg&) {}, caf::after(std::chrono::seconds(10)) >> [] {});
}

} // namespace

void subscription::cancel() {
  if (listener_) {
    end_listeners({listener_});
    listener_ = nullptr;
  }
}

namespace {

std::string fresh_node_id() {
  std::random_device rd;
  std::string out;
  const char* hex = "0123456789abcdef";
  for (int i = 0; i < 32; ++i)
    out.push_back(hex[rd() % 16]);
  return out;
}

// The state folder's file: opened, read, the node id settled. Fails on a
// file that cannot be read, before anything is started.
result<std::unique_ptr<state_db>> open_state(supervisor_options& opts, stored_state& out) {
  auto db = state_db::open(opts.state_dir);
  if (!db)
    return std::move(db).error();
  auto loaded = (*db)->load();
  if (!loaded)
    return std::move(loaded).error();
  out = std::move(*loaded);
  if (opts.client.node_id.empty())
    opts.client.node_id = out.node_id.empty() ? fresh_node_id() : out.node_id;
  if (out.node_id != opts.client.node_id) {
    if (auto ok = (*db)->set_node_id(opts.client.node_id); !ok)
      return std::move(ok).error();
  }
  return db;
}

} // namespace

result<std::unique_ptr<supervisor>> supervisor::create(supervisor_options opts) {
  auto d = std::make_unique<impl>();
  if (opts.client.alloc_root.empty() && !opts.state_dir.empty())
    opts.client.alloc_root = opts.state_dir + "/alloc";
  d->docker = opts.docker;
  if (!d->docker) {
    const auto& c = opts.client;
    auto ep = docker::resolve_endpoint(c.endpoint, c.tls_cert, c.tls_key, c.tls_ca,
                                       [](const char* k) { return std::getenv(k); });
    if (!ep)
      return std::move(ep).error();
    docker::client::options co;
    co.timeout = opts.docker_timeout;
    d->docker = docker::client::make(std::move(*ep), co);
  }
  stored_state stored;
  std::unique_ptr<state_db> db;
  // The event stream follows containers labelled with the configured node
  // id; a node id made for the state folder labels only the jobs this
  // supervisor plans, not instances its embedder planned with its own
  // settings, so it narrows nothing.
  const auto configured_node = opts.client.node_id;
  if (opts.durable && !opts.state_dir.empty()) {
    auto opened = open_state(opts, stored);
    if (!opened)
      return std::move(opened).error();
    db = std::move(*opened);
  }
  d->cfg = std::make_unique<system_config>(opts.threads, opts.quiet_scheduler);
  d->sys = std::make_unique<caf::actor_system>(*d->cfg);
  supervisor_config sc;
  if (db) {
    d->store = spawn_state_store(*d->sys, std::move(db));
    sc.store = d->store;
    sc.recovered = std::move(stored.tasks);
    sc.recovered_cleanups = std::move(stored.cleanups);
    sc.reconcile.grace = opts.reconcile_grace;
    sc.reconcile.interval = opts.reconcile_interval;
    sc.reconcile.dry_run = opts.reconcile_dry_run;
    sc.reconcile.enabled = true;
  }
  sc.client = opts.client;
  sc.events.label_filters = container_label_filters(configured_node);
  sc.docker = d->docker;
  sc.task = opts.task;
  sc.max_ended_tasks = opts.max_ended_tasks;
  d->sup = spawn_supervisor(*d->sys, std::move(sc));
  d->caller = d->sys->spawn(caller, d->sup, opts.call_timeout);
  d->opts = std::move(opts);
  return std::unique_ptr<supervisor>(new supervisor(std::move(d)));
}

supervisor::supervisor(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

supervisor::~supervisor() {
  shutdown(impl_->opts.shutdown_timeout);
}

result<std::string> supervisor::start(const task_instance& inst) {
  return impl_->ask<std::string>(start_atom::value, inst);
}

result<std::vector<std::string>> supervisor::start(const std::vector<task_instance>& instances) {
  return impl_->ask<std::vector<std::string>>(start_atom::value, instances);
}

result<std::vector<std::string>> supervisor::start_job(const job_spec& job) {
  return impl_->ask<std::vector<std::string>>(start_atom::value, job);
}

result<std::vector<std::string>> supervisor::start_job_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return make_error(errc::invalid_input, "job file " + path, "cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  // Read here, where the file's problems can be listed one per line; the
  // supervisor's intake checks and plans it.
  policy::intake_options options;
  options.file_name = path;
  options.last = policy::intake_step::read;
  auto job = policy::intake(text.str(), options);
  if (!job.ok()) {
    std::string all;
    for (const auto& p : job.problems)
      all += (all.empty() ? "" : "\n") + to_string(p);
    return make_error(errc::invalid_input, "job file " + path, all);
  }
  return start_job(job.job);
}

result<std::vector<std::string>> supervisor::start_task(const task_spec& task,
                                                        const std::string& job_name) {
  group_spec g;
  g.name = task.name;
  g.implicit = true;
  g.restart = task.restart;
  g.tasks.push_back(task);
  job_spec job;
  job.name = job_name.empty() ? task.name : job_name;
  job.groups.push_back(std::move(g));
  return start_job(job);
}

result<unit> supervisor::stop(const std::string& task_id) {
  return impl_->ask<unit>(stop_atom::value, task_id);
}

result<unit> supervisor::signal(const std::string& task_id, const std::string& sig) {
  return impl_->ask<unit>(signal_atom::value, task_id, sig);
}

result<unit> supervisor::restart(const std::string& task_id) {
  return impl_->ask<unit>(restart_atom::value, task_id);
}

result<task_status> supervisor::status(const std::string& task_id) {
  return impl_->ask<task_status>(caf::get_atom::value, task_id);
}

result<std::vector<task_status>> supervisor::list() {
  return impl_->ask<std::vector<task_status>>(list_atom::value);
}

result<unit> supervisor::forget(const std::string& task_id) {
  return impl_->ask<unit>(caf::delete_atom::value, task_id);
}

result<task_instance> supervisor::instance(const std::string& task_id) {
  return impl_->ask<task_instance>(instance_atom::value, task_id);
}

result<task_status> supervisor::wait(const std::string& task_id, std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  if (d.is_down())
    return ended();
  caf::scoped_actor self{*d.sys};
  auto me = caf::actor_cast<caf::actor>(self);
  caf::anon_send(d.sup, caf::subscribe_atom::value, me); // before the status: no end is missed
  std::optional<result<task_status>> out;
  self->request(d.sup, d.opts.call_timeout, caf::get_atom::value, task_id)
    .receive(
      [&](task_status& st) {
        if (is_terminal(st.state))
          out.emplace(std::move(st));
      },
      [&](caf::error& e) { out.emplace(from_caf(e, "task " + task_id)); });
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!out) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      out.emplace(make_error(errc::timeout, "wait for task " + task_id,
                             "still running after " + std::to_string(timeout.count()) + " ms"));
      break;
    }
    self->receive(
      [&](done_atom, task_status& st) {
        if (st.task_id == task_id)
          out.emplace(std::move(st));
      },
      [](event_atom, const task_event&) {},
      caf::after(left) >> [] {});
  }
  caf::anon_send(d.sup, caf::unsubscribe_atom::value, me);
  return std::move(*out);
}

result<fingerprint> supervisor::node() {
  return impl_->ask<fingerprint>(attrs_atom::value);
}

result<std::vector<image_record>> supervisor::images() {
  return impl_->ask<std::vector<image_record>>(images_atom::value);
}

result<task_stats> supervisor::stats(const std::string& task_id) {
  return impl_->ask<task_stats>(stats_atom::value, task_id);
}

result<std::vector<actor_status>> supervisor::actors() {
  return impl_->ask<std::vector<actor_status>>(status_atom::value, list_atom::value);
}

void supervisor::start(std::vector<task_instance> instances, reply<std::vector<std::string>> done) {
  impl_->ask_async<std::vector<std::string>>(std::move(done), start_atom::value, std::move(instances));
}

void supervisor::start_job(job_spec job, reply<std::vector<std::string>> done) {
  impl_->ask_async<std::vector<std::string>>(std::move(done), start_atom::value, std::move(job));
}

void supervisor::stop(std::string task_id, reply<unit> done) {
  impl_->ask_async<unit>(std::move(done), stop_atom::value, std::move(task_id));
}

void supervisor::restart(std::string task_id, reply<unit> done) {
  impl_->ask_async<unit>(std::move(done), restart_atom::value, std::move(task_id));
}

void supervisor::signal(std::string task_id, std::string sig, reply<unit> done) {
  impl_->ask_async<unit>(std::move(done), signal_atom::value, std::move(task_id), std::move(sig));
}

void supervisor::exec(std::string task_id, std::vector<std::string> cmd,
                      std::chrono::milliseconds timeout, reply<exec_output> done) {
  auto& d = *impl_;
  if (d.is_down())
    return done(ended());
  // Not through the caller: its calls share one timeout, and an exec has
  // its own (the task actor answers at its deadline). The request's own
  // timeout is a backstop a little later.
  auto cb = std::make_shared<reply<exec_output>>(std::move(done));
  // State goes in as spawn arguments, not captures: CAF 0.17 binds a
  // reference to a null tuple for a function spawned with no argument
  // (UBSan stops there).
  auto run = [](caf::event_based_actor* self, supervisor_actor sup, std::string task_id,
                std::vector<std::string> cmd, std::chrono::milliseconds timeout,
                std::shared_ptr<reply<exec_output>> cb) {
    auto backstop = timeout + std::chrono::seconds(30);
    self->request(sup, backstop, exec_atom::value, std::move(task_id), std::move(cmd),
                  static_cast<std::int64_t>(timeout.count()))
      .then([self, cb](exec_output& out) { (*cb)(std::move(out)); self->quit(); },
            [self, cb](caf::error& e) { (*cb)(from_caf(e, "exec")); self->quit(); });
  };
  d.sys->spawn(run, d.sup, std::move(task_id), std::move(cmd), timeout, std::move(cb));
}

void supervisor::status(std::string task_id, reply<task_status> done) {
  impl_->ask_async<task_status>(std::move(done), caf::get_atom::value, std::move(task_id));
}

void supervisor::list(reply<std::vector<task_status>> done) {
  impl_->ask_async<std::vector<task_status>>(std::move(done), list_atom::value);
}

void supervisor::instance(std::string task_id, reply<task_instance> done) {
  impl_->ask_async<task_instance>(std::move(done), instance_atom::value, std::move(task_id));
}

void supervisor::node(reply<fingerprint> done) {
  impl_->ask_async<fingerprint>(std::move(done), attrs_atom::value);
}

void supervisor::images(reply<std::vector<image_record>> done) {
  impl_->ask_async<std::vector<image_record>>(std::move(done), images_atom::value);
}

void supervisor::stats(std::string task_id, reply<task_stats> done) {
  impl_->ask_async<task_stats>(std::move(done), stats_atom::value, std::move(task_id));
}

void supervisor::actors(actor_query q, reply<actor_page> done) {
  impl_->ask_async<actor_page>(std::move(done), status_atom::value, std::move(q));
}

void supervisor::actor(std::string who, reply<actor_status> done) {
  impl_->ask_async<actor_status>(std::move(done), status_atom::value, std::move(who));
}

void supervisor::trace(std::string who, std::int64_t count, std::int64_t for_ms, reply<unit> done) {
  impl_->ask_async<unit>(std::move(done), trace_atom::value, std::move(who), count, for_ms);
}

void supervisor::trace(std::string who, reply<actor_trace> done) {
  impl_->ask_async<actor_trace>(std::move(done), trace_atom::value, std::move(who));
}

void supervisor::recent_events(reply<std::vector<task_event>> done) {
  impl_->ask_async<std::vector<task_event>>(std::move(done), events_atom::value);
}

subscription supervisor::subscribe(std::function<void(const task_event&)> on_event,
                                   std::string task_id) {
  auto& d = *impl_;
  if (d.is_down())
    return {};
  auto sup = d.sup;
  auto listen = [](caf::event_based_actor* self, std::function<void(const task_event&)> on_event,
                   std::string task_id, supervisor_actor sup) -> caf::behavior {
    self->monitor(sup); // ends with the supervisor
    self->set_down_handler([self](caf::down_msg&) { self->quit(); });
    return {
      [on_event, task_id](event_atom, const task_event& ev) {
        if (task_id.empty() || ev.task_id == task_id)
          on_event(ev);
      },
      [](done_atom, const task_status&) {},
    };
  };
  auto listener = d.sys->spawn(listen, std::move(on_event), std::move(task_id), sup);
  // Sent from the caller's thread: it is in the supervisor's mailbox before
  // any start the caller makes next, so no event of those tasks is missed.
  caf::anon_send(sup, caf::subscribe_atom::value, listener);
  std::lock_guard<std::mutex> lock(d.mutex);
  d.listeners.push_back(listener);
  return subscription(listener);
}

void supervisor::subscribe(const caf::actor& listener) {
  if (!impl_->is_down())
    caf::anon_send(impl_->sup, caf::subscribe_atom::value, listener);
}

void supervisor::unsubscribe(const caf::actor& listener) {
  if (!impl_->is_down())
    caf::anon_send(impl_->sup, caf::unsubscribe_atom::value, listener);
}

// The end shared by shutdown and leave_running, once the supervisor was
// told to end: the state store has ended (its last batch committed), the
// listeners are ended, and calls still in flight (a start waiting for the
// first fingerprint) are answered now rather than at their timeout.
void supervisor::impl::end() {
  await_end(*sys, caf::actor_cast<caf::actor>(store));
  std::vector<caf::actor> ending;
  {
    std::lock_guard<std::mutex> lock(mutex);
    down = true;
    ending.swap(listeners);
  }
  end_listeners(ending);
  caf::anon_send(caller, abandon_atom::value, ended());
  docker->shutdown();
}

result<unit> supervisor::shutdown(std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  if (d.is_down())
    return unit{};
  std::optional<result<unit>> out;
  {
    caf::scoped_actor self{*d.sys};
    self->request(d.sup, timeout, shutdown_atom::value)
      .receive([&](unit) { out.emplace(unit{}); },
               [&](caf::error& e) {
                 out.emplace(make_error(errc::timeout, "shutdown",
                                        "tasks still running after " +
                                          std::to_string(timeout.count()) + " ms (" +
                                          d.sys->render(e) +
                                          "); ended without removing their containers"));
               });
    // Ends whatever is left: the supervisor (with its linked services and
    // tasks) if the graceful stop did not finish, and every listener.
    caf::anon_send_exit(d.sup, caf::exit_reason::user_shutdown);
  }
  d.end();
  return std::move(*out);
}

result<unit> supervisor::leave_running() {
  auto& d = *impl_;
  if (d.is_down())
    return unit{};
  {
    caf::scoped_actor self{*d.sys};
    if (d.store) // what the tasks recorded so far is committed before the end
      self->request(d.store, std::chrono::seconds(10), flush_atom::value)
        .receive([](unit) {}, [](caf::error&) {});
    caf::anon_send_exit(d.sup, caf::exit_reason::user_shutdown);
  }
  d.end();
  return unit{};
}

result<std::int64_t> supervisor::reconcile() {
  return impl_->ask<std::int64_t>(reconcile_atom::value);
}

std::string supervisor::node_id() const {
  return impl_->opts.client.node_id;
}

std::shared_ptr<docker::client> supervisor::docker() const {
  return impl_->docker;
}

caf::actor_system& supervisor::system() {
  return *impl_->sys;
}

supervisor_actor supervisor::handle() const {
  return impl_->sup;
}

} // namespace stevedore
