#include "actors/stats_poller.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <thread>

#include <caf/all.hpp>

#include "actors/errors.hpp"

// Rounds and steps. Watching the first task starts a round at once; a round
// is released in `steps` steps interval/steps apart (step i lets the first
// ceil(n*(i+1)/steps) of the round's n tasks go), always under the in-flight
// cap; an answer lets the next waiting task of the round go. The step after
// the last starts the next round. With nothing watched the timer stops, so
// an idle poller holds no timer.

namespace stevedore {

namespace {

using step_atom = caf::atom_constant<caf::atom("spstep")>;
using sample_atom = caf::atom_constant<caf::atom("spsample")>;
using failed_atom = caf::atom_constant<caf::atom("spfailed")>;

using poller_impl = stats_poller_actor::extend<
  caf::reacts_to<step_atom, std::uint64_t /*timer gen*/, std::uint64_t /*step*/>,
  caf::reacts_to<sample_atom, std::string /*task*/, std::string /*container*/, stats_sample>,
  caf::reacts_to<failed_atom, std::string /*task*/, std::string /*container*/, error_info>>;

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// One watched task.
struct watched_task {
  std::string container_id;
  std::optional<stats_sample> previous;  // the last sample: the CPU base of the next one
  task_stats latest;                     // answered to stats
  bool in_flight = false;                // a stats call for it is out
  std::int64_t errors = 0;
  std::string last_error;
};

struct stats_poller_state {
  static inline const char* name = "stats_poller";

  std::shared_ptr<docker::client> docker;
  stats_poller_options opts;
  std::map<std::string, watched_task> tasks; // task id -> its container and figures
  std::deque<std::string> round;             // task ids of this round not yet polled
  std::size_t round_size = 0;                // tasks the round started with
  std::size_t released = 0;                  // of them, let go so far
  std::size_t allowed = 0;                   // of them, allowed to go by the steps so far
  std::size_t in_flight = 0;                 // stats calls out
  bool ticking = false;                      // a step timer is armed
  std::uint64_t timer_gen = 0;               // of the timer chain; older steps are ignored
  std::int64_t rounds = 0;
  std::int64_t calls = 0;
  std::int64_t failures = 0;
  std::int64_t skipped = 0;                  // tasks a round could not reach before the next
  std::size_t peak_in_flight = 0;
  std::int64_t messages = 0;
  std::string last_message;
  std::int64_t last_at_ms = 0;
};

using self_ptr = poller_impl::stateful_pointer<stats_poller_state>;

void note(self_ptr self, const char* what) {
  auto& s = self->state;
  ++s.messages;
  s.last_message = what;
  s.last_at_ms = now_ms();
}

void launch(self_ptr self) {
  auto& s = self->state;
  while (s.released < s.allowed && s.in_flight < s.opts.max_in_flight && !s.round.empty()) {
    auto id = std::move(s.round.front());
    s.round.pop_front();
    ++s.released;
    auto it = s.tasks.find(id);
    if (it == s.tasks.end() || it->second.in_flight)
      continue; // unwatched meanwhile, or still out from the last round
    it->second.in_flight = true;
    ++s.in_flight;
    ++s.calls;
    s.peak_in_flight = std::max(s.peak_in_flight, s.in_flight);
    auto me = caf::actor_cast<caf::actor>(self);
    auto cid = it->second.container_id;
    s.docker->container_stats(cid, [me, id, cid](result<stats_sample> r) {
      if (r)
        caf::anon_send(me, sample_atom::value, id, cid, std::move(r.value()));
      else
        caf::anon_send(me, failed_atom::value, id, cid, r.error());
    });
  }
}

std::chrono::milliseconds step_delay(const stats_poller_options& o) {
  return std::max(std::chrono::milliseconds(1), o.interval / static_cast<long>(o.steps));
}

void step(self_ptr self, std::uint64_t index) {
  auto& s = self->state;
  if (s.tasks.empty()) {
    s.ticking = false; // idle: the chain ends here, watch restarts it
    s.round.clear();
    return;
  }
  if (index == 0) {
    s.skipped += static_cast<std::int64_t>(s.round.size());
    s.round.clear();
    for (auto& [id, t] : s.tasks) {
      if (t.in_flight)
        ++s.skipped;
      else
        s.round.push_back(id);
    }
    s.round_size = s.round.size();
    s.released = 0;
    ++s.rounds;
  }
  s.allowed = (s.round_size * (index + 1) + s.opts.steps - 1) / s.opts.steps;
  launch(self);
  auto next = index + 1 == s.opts.steps ? 0 : index + 1;
  self->delayed_send(self, step_delay(s.opts), step_atom::value, s.timer_gen,
                     static_cast<std::uint64_t>(next));
}

void answered(self_ptr self, const std::string& task, const std::string& container,
              watched_task*& entry) {
  auto& s = self->state;
  if (s.in_flight > 0)
    --s.in_flight;
  entry = nullptr;
  auto it = s.tasks.find(task);
  if (it != s.tasks.end() && it->second.container_id == container) {
    it->second.in_flight = false;
    entry = &it->second;
  }
}

poller_impl::behavior_type stats_poller(self_ptr self, std::shared_ptr<docker::client> docker,
                                        stats_poller_options opts) {
  auto& s = self->state;
  s.docker = std::move(docker);
  s.opts = opts;
  if (s.opts.steps == 0)
    s.opts.steps = 1;
  if (s.opts.max_in_flight == 0)
    s.opts.max_in_flight = 1;
  if (s.opts.interval < std::chrono::milliseconds(1))
    s.opts.interval = std::chrono::milliseconds(1);
  return {
    [self](watch_atom, const std::string& task, const std::string& container) {
      note(self, "watch");
      auto& s = self->state;
      auto& t = s.tasks[task];
      if (t.container_id != container) {
        t = watched_task{}; // a new container: its counters start again
        t.container_id = container;
        t.latest.task_id = task;
        t.latest.container_id = container;
      }
      if (!s.ticking) {
        s.ticking = true;
        ++s.timer_gen;
        step(self, 0);
      }
    },
    [self](unwatch_atom, const std::string& task) {
      note(self, "unwatch");
      self->state.tasks.erase(task);
    },
    [self](stats_atom, const std::string& task) -> caf::result<task_stats> {
      note(self, "stats");
      auto& s = self->state;
      auto it = s.tasks.find(task);
      if (it == s.tasks.end())
        return to_caf(make_error(errc::not_found, "stats of task " + task,
                                 "the task is not watched by the stats poller"));
      return it->second.latest;
    },
    [self](status_atom) {
      note(self, "status");
      auto& s = self->state;
      actor_status st;
      st.kind = "stats_poller";
      st.name = "stats";
      st.state = s.ticking ? "polling" : "idle";
      st.messages = s.messages;
      st.last_message = s.last_message;
      st.last_at_ms = s.last_at_ms;
      st.details["watched"] = std::to_string(s.tasks.size());
      st.details["in_flight"] = std::to_string(s.in_flight);
      st.details["peak_in_flight"] = std::to_string(s.peak_in_flight);
      st.details["max_in_flight"] = std::to_string(s.opts.max_in_flight);
      st.details["interval_ms"] = std::to_string(s.opts.interval.count());
      st.details["rounds"] = std::to_string(s.rounds);
      st.details["calls"] = std::to_string(s.calls);
      st.details["failures"] = std::to_string(s.failures);
      st.details["skipped"] = std::to_string(s.skipped);
      return st;
    },
    [self](step_atom, std::uint64_t gen, std::uint64_t index) {
      note(self, "step");
      if (gen == self->state.timer_gen)
        step(self, index);
    },
    [self](sample_atom, const std::string& task, const std::string& container,
           const stats_sample& sample) {
      note(self, "sample");
      watched_task* t = nullptr;
      answered(self, task, container, t);
      if (t) {
        auto prev = t->previous ? &*t->previous : nullptr;
        auto samples = t->latest.samples;
        t->latest = to_task_stats(task, container, prev, sample, now_ms());
        t->latest.samples = samples + 1;
        t->previous = sample;
      }
      launch(self);
    },
    [self](failed_atom, const std::string& task, const std::string& container,
           const error_info& e) {
      note(self, "failed");
      auto& s = self->state;
      ++s.failures;
      watched_task* t = nullptr;
      answered(self, task, container, t);
      if (t) {
        ++t->errors;
        t->last_error = to_string(e);
      }
      launch(self);
    },
  };
}

} // namespace

cpu_percent compute_cpu_percent(const stats_sample& previous, const stats_sample& current,
                                std::int64_t cpus) {
  cpu_percent out;
  cpus = std::max<std::int64_t>(1, cpus);
  const double system_delta = static_cast<double>(current.system_cpu) - static_cast<double>(previous.system_cpu);
  const double total_delta = static_cast<double>(current.cpu_total) - static_cast<double>(previous.cpu_total);
  // A restarted container starts its counters again: no figure for this pair.
  if (system_delta <= 0 || total_delta < 0)
    return out;
  const double cap = static_cast<double>(cpus) * 100.0;
  auto percent = [&](double delta) {
    if (delta <= 0)
      return 0.0;
    return std::min(cap, delta / system_delta * static_cast<double>(cpus) * 100.0);
  };
  out.total = percent(total_delta);
  out.user = percent(static_cast<double>(current.cpu_user) - static_cast<double>(previous.cpu_user));
  out.system = percent(static_cast<double>(current.cpu_kernel) - static_cast<double>(previous.cpu_kernel));
  return out;
}

task_stats to_task_stats(const std::string& task_id, const std::string& container_id,
                         const stats_sample* previous, const stats_sample& current,
                         std::int64_t at_ms) {
  task_stats t;
  t.task_id = task_id;
  t.container_id = container_id;
  t.at_ms = at_ms;
  t.memory_rss = current.memory_rss;
  t.memory_cache = current.memory_cache;
  t.memory_usage = current.memory_usage;
  t.memory_max_usage = current.memory_max_usage;
  t.throttled_periods = current.throttled_periods;
  t.throttled_time = current.throttled_time;
  t.samples = 1;
  std::int64_t cpus = current.online_cpus > 0
                        ? current.online_cpus
                        : std::max<std::int64_t>(1, std::thread::hardware_concurrency());
  cpu_percent cpu;
  if (previous) {
    cpu = compute_cpu_percent(*previous, current, cpus);
  } else if (current.pre_system_cpu > 0) {
    // The daemon's own previous reading: it has no user/kernel split.
    stats_sample pre = current;
    pre.cpu_total = current.pre_cpu_total;
    pre.system_cpu = current.pre_system_cpu;
    cpu = compute_cpu_percent(pre, current, cpus);
  }
  t.cpu_percent = cpu.total;
  t.cpu_user_percent = cpu.user;
  t.cpu_system_percent = cpu.system;
  return t;
}

stats_poller_actor spawn_stats_poller(caf::actor_system& sys, std::shared_ptr<docker::client> client,
                                      std::chrono::milliseconds interval, std::size_t max_in_flight) {
  stats_poller_options o;
  o.interval = interval;
  o.max_in_flight = max_in_flight;
  return spawn_stats_poller(sys, std::move(client), o);
}

stats_poller_actor spawn_stats_poller(caf::actor_system& sys, std::shared_ptr<docker::client> client,
                                      stats_poller_options opts) {
  auto impl = sys.spawn(stats_poller, std::move(client), opts);
  return caf::actor_cast<stats_poller_actor>(impl);
}

} // namespace stevedore
