#include "actors/activity.hpp"
#include "actors/stats_poller.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include <caf/all.hpp>

#include "actors/clock.hpp"
#include "actors/errors.hpp"

// Demand, rounds and steps. Only wanted tasks are sampled: a read makes its
// task wanted for keep_rounds rounds, a subscriber for as long as it stays.
// The first wanted task starts a round at once; a round is released in
// `steps` steps interval/steps apart (step i lets the first
// ceil(n*(i+1)/steps) of the round's n tasks go), always under the in-flight
// cap; an answer lets the next waiting task of the round go. The step after
// the last starts the next round. With nothing wanted the timer stops, so an
// unread poller holds no timer and makes no calls, however many tasks run.
//
// A read that finds no fresh sample goes first (ahead of the round, still
// under the cap) and waits for its answer, at most read_wait.

namespace stevedore {

namespace {

using step_atom = caf::atom_constant<caf::atom("spstep")>;
using sample_atom = caf::atom_constant<caf::atom("spsample")>;
using failed_atom = caf::atom_constant<caf::atom("spfailed")>;
using waited_atom = caf::atom_constant<caf::atom("spwaited")>;

using poller_impl = stats_poller_actor::extend<
  caf::reacts_to<step_atom, std::uint64_t /*timer gen*/, std::uint64_t /*step*/>,
  caf::reacts_to<sample_atom, std::string /*task*/, std::string /*container*/, stats_sample>,
  caf::reacts_to<failed_atom, std::string /*task*/, std::string /*container*/, error_info>,
  caf::reacts_to<waited_atom, std::string /*task*/, std::uint64_t /*read*/>>;

// What a task that has been read holds; none for a task never read, so that
// thousands of unread tasks cost a map entry each.
struct readings {
  std::optional<stats_sample> previous;  // the last sample: the CPU base of the next one
  task_stats latest;                     // answered to stats
  std::uint64_t chain = 0;               // timer chain and round of the latest sample:
  std::int64_t round = 0;                //   fresh while from this round or the last
  std::int64_t errors = 0;
  std::string last_error;
  std::vector<std::pair<std::uint64_t, caf::typed_response_promise<task_stats>>> waiting; // reads waiting for a sample
  std::vector<caf::actor> readers;       // subscribers
};

// One task the poller knows: watched (its container runs), read, or both.
struct known_task {
  std::string container_id;              // empty: not watched (a subscriber waits for it)
  std::int64_t wanted_rounds = 0;        // rounds still to sample it for reads
  bool in_flight = false;                // a stats call for it is out
  bool wanted_listed = false;            // in state.wanted
  std::unique_ptr<readings> r;           // once read or subscribed
};

struct stats_poller_state {
  static inline const char* name = "stats_poller";

  std::shared_ptr<docker::client> docker;
  stats_poller_options opts;
  std::map<std::string, known_task> tasks;   // task id -> its container and figures
  std::set<std::string> wanted;              // task ids sampled each round
  std::deque<std::string> urgent;            // reads waiting for a sample: polled first
  std::deque<std::string> round;             // task ids of this round not yet polled
  std::size_t round_size = 0;                // tasks the round started with
  std::size_t released = 0;                  // of them, let go so far
  std::size_t allowed = 0;                   // of them, allowed to go by the steps so far
  std::size_t in_flight = 0;                 // stats calls out
  bool ticking = false;                      // a step timer is armed
  std::uint64_t timer_gen = 0;               // of the timer chain; older steps are ignored
  std::uint64_t next_read = 0;               // ids of waiting reads
  std::map<caf::actor_addr, std::set<std::string>> reading; // subscriber -> its tasks
  std::int64_t rounds = 0;
  std::int64_t calls = 0;
  std::int64_t failures = 0;
  std::int64_t skipped = 0;                  // tasks a round could not reach before the next
  std::int64_t reads = 0;
  std::int64_t reads_waited = 0;             // reads answered after a sample on demand
  std::size_t peak_in_flight = 0;
  activity seen;                     // inspection (activity.hpp)
};

using self_ptr = poller_impl::stateful_pointer<stats_poller_state>;

readings& readings_of(known_task& t) {
  if (!t.r)
    t.r = std::make_unique<readings>();
  return *t.r;
}

bool fresh(const stats_poller_state& s, const known_task& t) {
  return t.r && t.r->latest.samples > 0 && t.r->chain == s.timer_gen && s.ticking &&
         t.r->round + 1 >= s.rounds;
}

void poll(self_ptr self, const std::string& id, known_task& t) {
  auto& s = self->state;
  t.in_flight = true;
  ++s.in_flight;
  ++s.calls;
  s.peak_in_flight = std::max(s.peak_in_flight, s.in_flight);
  auto me = caf::actor_cast<caf::actor>(self);
  auto cid = t.container_id;
  s.docker->container_stats(cid, [me, id, cid](result<stats_sample> r) {
    if (r)
      caf::anon_send(me, sample_atom::value, id, cid, std::move(r.value()));
    else
      caf::anon_send(me, failed_atom::value, id, cid, r.error());
  });
}

void launch(self_ptr self) {
  auto& s = self->state;
  while (s.in_flight < s.opts.max_in_flight && !s.urgent.empty()) {
    auto id = std::move(s.urgent.front());
    s.urgent.pop_front();
    auto it = s.tasks.find(id);
    if (it != s.tasks.end() && !it->second.in_flight && !it->second.container_id.empty())
      poll(self, id, it->second);
  }
  while (s.released < s.allowed && s.in_flight < s.opts.max_in_flight && !s.round.empty()) {
    auto id = std::move(s.round.front());
    s.round.pop_front();
    ++s.released;
    auto it = s.tasks.find(id);
    if (it == s.tasks.end() || it->second.in_flight || it->second.container_id.empty())
      continue; // unwatched meanwhile, or still out (from the last round, or read on demand)
    poll(self, id, it->second);
  }
}

std::chrono::milliseconds step_delay(const stats_poller_options& o) {
  return std::max(std::chrono::milliseconds(1), o.interval / static_cast<long>(o.steps));
}

bool still_wanted(const known_task& t) {
  return t.wanted_rounds > 0 || (t.r && !t.r->readers.empty());
}

// Samples `id` each round from now on (for reads: for keep_rounds more
// rounds), starting the timer chain if it stopped.
void want(stats_poller_state& s, const std::string& id, known_task& t, bool read) {
  if (read)
    t.wanted_rounds = std::max(t.wanted_rounds, s.opts.keep_rounds);
  if (!t.wanted_listed) {
    s.wanted.insert(id);
    t.wanted_listed = true;
  }
}

void step(self_ptr self, std::uint64_t index);

void start_ticking(self_ptr self) {
  auto& s = self->state;
  if (s.ticking || s.wanted.empty())
    return;
  s.ticking = true;
  ++s.timer_gen;
  step(self, 0);
}

void step(self_ptr self, std::uint64_t index) {
  auto& s = self->state;
  if (index == 0) {
    s.skipped += static_cast<std::int64_t>(s.round.size());
    s.round.clear();
    std::size_t running = 0; // wanted tasks whose container runs
    for (auto it = s.wanted.begin(); it != s.wanted.end();) {
      auto t = s.tasks.find(*it);
      if (t == s.tasks.end() || !still_wanted(t->second)) {
        if (t != s.tasks.end())
          t->second.wanted_listed = false;
        it = s.wanted.erase(it);
        continue;
      }
      if (t->second.wanted_rounds > 0)
        --t->second.wanted_rounds;
      if (!t->second.container_id.empty()) { // else subscribed before it runs
        ++running;
        if (t->second.in_flight)
          ++s.skipped;
        else
          s.round.push_back(*it);
      }
      ++it;
    }
    if (running == 0) {
      s.ticking = false; // nothing read: the chain ends here; a read or a watch restarts it
      return;
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

known_task* answered(self_ptr self, const std::string& task, const std::string& container) {
  auto& s = self->state;
  if (s.in_flight > 0)
    --s.in_flight;
  auto it = s.tasks.find(task);
  if (it == s.tasks.end() || it->second.container_id != container)
    return nullptr;
  it->second.in_flight = false;
  return &it->second;
}

void answer_waiting(self_ptr self, readings& r, const error_info* e) {
  auto waiting = std::move(r.waiting);
  r.waiting.clear();
  for (auto& [id, promise] : waiting) {
    if (r.latest.samples > 0 || !e)
      promise.deliver(r.latest);
    else
      promise.deliver(to_caf(*e));
  }
  if (!waiting.empty())
    self->state.reads_waited += static_cast<std::int64_t>(waiting.size());
}

// Forgets a task nobody watches or reads any more.
void maybe_forget(stats_poller_state& s, std::map<std::string, known_task>::iterator it) {
  auto& t = it->second;
  if (!t.container_id.empty() || t.in_flight || (t.r && (!t.r->readers.empty() || !t.r->waiting.empty())))
    return;
  if (t.wanted_listed)
    s.wanted.erase(it->first);
  s.tasks.erase(it);
}

void drop_reader(self_ptr self, const std::string& task, const caf::actor_addr& reader) {
  auto& s = self->state;
  auto it = s.tasks.find(task);
  if (it == s.tasks.end() || !it->second.r)
    return;
  auto& rs = it->second.r->readers;
  rs.erase(std::remove_if(rs.begin(), rs.end(), [&](const caf::actor& a) { return a.address() == reader; }),
           rs.end());
  maybe_forget(s, it);
}

caf::result<task_stats> read(self_ptr self, const std::string& task) {
  auto& s = self->state;
  ++s.reads;
  auto it = s.tasks.find(task);
  if (it == s.tasks.end() || it->second.container_id.empty())
    return to_caf(make_error(errc::not_found, "stats of task " + task,
                             "the task is not watched by the stats poller"));
  auto& t = it->second;
  want(s, task, t, true);
  if (fresh(s, t)) {
    start_ticking(self);
    return t.r->latest;
  }
  auto& r = readings_of(t);
  auto promise = self->make_response_promise<task_stats>();
  auto id = ++s.next_read;
  r.waiting.emplace_back(id, promise);
  self->delayed_send(self, s.opts.read_wait, waited_atom::value, task, id);
  start_ticking(self); // a new round may take it at once
  if (!t.in_flight) {
    s.urgent.push_back(task);
    launch(self);
  }
  return promise;
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
  if (s.opts.keep_rounds < 1)
    s.opts.keep_rounds = 1;
  self->set_down_handler([self](caf::down_msg& dm) {
    self->state.seen.note("down");
    auto& s = self->state;
    auto it = s.reading.find(dm.source);
    if (it == s.reading.end())
      return;
    auto tasks = std::move(it->second);
    s.reading.erase(it);
    for (const auto& task : tasks)
      drop_reader(self, task, dm.source);
  });
  return {
    [self](watch_atom, const std::string& task, const std::string& container) {
      self->state.seen.note("watch");
      auto& s = self->state;
      auto& t = s.tasks[task];
      if (t.container_id != container) {
        t.container_id = container;
        t.in_flight = false; // an answer for the old container is dropped
        if (t.r) { // a new container: its counters start again
          t.r->previous.reset();
          t.r->latest = task_stats{};
          t.r->latest.task_id = task;
          t.r->latest.container_id = container;
          t.r->errors = 0;
          t.r->last_error.clear();
          if (!t.r->waiting.empty() && !t.in_flight) {
            s.urgent.push_back(task);
            launch(self);
          }
        }
      }
      if (t.wanted_listed)
        start_ticking(self);
    },
    [self](unwatch_atom, const std::string& task) {
      self->state.seen.note("unwatch");
      auto& s = self->state;
      auto it = s.tasks.find(task);
      if (it == s.tasks.end())
        return;
      auto& t = it->second;
      t.container_id.clear();
      t.wanted_rounds = 0;
      if (t.r) {
        auto e = make_error(errc::not_found, "stats of task " + task, "the task ended before its sample arrived");
        answer_waiting(self, *t.r, &e);
        t.r->previous.reset();
        t.r->latest = task_stats{};
      }
      t.in_flight = false; // an answer still out finds no container and is dropped
      maybe_forget(s, it);
    },
    [self](stats_atom, const std::string& task) -> caf::result<task_stats> {
      self->state.seen.note("stats");
      return read(self, task);
    },
    [self](caf::subscribe_atom, const std::string& task, const caf::actor& reader) {
      self->state.seen.note("subscribe");
      auto& s = self->state;
      if (!reader)
        return;
      auto& t = s.tasks[task];
      auto& rs = readings_of(t).readers;
      if (std::find(rs.begin(), rs.end(), reader) == rs.end()) {
        rs.push_back(reader);
        auto& mine = s.reading[reader.address()];
        if (mine.empty())
          self->monitor(reader);
        mine.insert(task);
      }
      want(s, task, t, false);
      start_ticking(self);
    },
    [self](caf::unsubscribe_atom, const std::string& task, const caf::actor& reader) {
      self->state.seen.note("unsubscribe");
      auto& s = self->state;
      if (!reader)
        return;
      auto it = s.reading.find(reader.address());
      if (it != s.reading.end()) {
        it->second.erase(task);
        if (it->second.empty()) {
          self->demonitor(reader);
          s.reading.erase(it);
        }
      }
      drop_reader(self, task, reader.address());
    },
    trace_start_handler(self),
    trace_read_handler(self),
    [self](status_atom) {
      self->state.seen.note("status");
      auto& s = self->state;
      auto st = s.seen.status(self, "stats_poller", "stats", s.ticking ? "polling" : "idle");
      std::size_t watched = 0;
      for (const auto& [id, t] : s.tasks)
        watched += !t.container_id.empty();
      st.details["watched"] = std::to_string(watched);
      st.details["wanted"] = std::to_string(s.wanted.size());
      st.details["subscribers"] = std::to_string(s.reading.size());
      st.details["in_flight"] = std::to_string(s.in_flight);
      st.details["peak_in_flight"] = std::to_string(s.peak_in_flight);
      st.details["max_in_flight"] = std::to_string(s.opts.max_in_flight);
      st.details["interval_ms"] = std::to_string(s.opts.interval.count());
      st.details["rounds"] = std::to_string(s.rounds);
      st.details["calls"] = std::to_string(s.calls);
      st.details["failures"] = std::to_string(s.failures);
      st.details["skipped"] = std::to_string(s.skipped);
      st.details["reads"] = std::to_string(s.reads);
      st.details["reads_waited"] = std::to_string(s.reads_waited);
      return st;
    },
    [self](step_atom, std::uint64_t gen, std::uint64_t index) {
      self->state.seen.note("step");
      if (gen == self->state.timer_gen && self->state.ticking)
        step(self, index);
    },
    [self](sample_atom, const std::string& task, const std::string& container,
           const stats_sample& sample) {
      self->state.seen.note("sample");
      auto& s = self->state;
      if (auto* t = answered(self, task, container)) {
        auto& r = readings_of(*t);
        auto prev = r.previous ? &*r.previous : nullptr;
        auto samples = r.latest.samples;
        r.latest = to_task_stats(task, container, prev, sample, now_ms());
        r.latest.samples = samples + 1;
        r.previous = sample;
        r.chain = s.timer_gen;
        r.round = s.rounds;
        answer_waiting(self, r, nullptr);
        for (auto& reader : r.readers)
          caf::anon_send(reader, stats_atom::value, r.latest);
      }
      launch(self);
    },
    [self](failed_atom, const std::string& task, const std::string& container,
           const error_info& e) {
      self->state.seen.note("failed");
      auto& s = self->state;
      ++s.failures;
      if (auto* t = answered(self, task, container)) {
        auto& r = readings_of(*t);
        ++r.errors;
        r.last_error = to_string(e);
        answer_waiting(self, r, &e);
      }
      launch(self);
    },
    [self](waited_atom, const std::string& task, std::uint64_t read_id) {
      self->state.seen.note("read wait");
      auto& s = self->state;
      auto it = s.tasks.find(task);
      if (it == s.tasks.end() || !it->second.r)
        return;
      auto& w = it->second.r->waiting;
      auto at = std::find_if(w.begin(), w.end(), [&](const auto& p) { return p.first == read_id; });
      if (at == w.end())
        return;
      auto promise = std::move(at->second);
      w.erase(at);
      ++s.reads_waited;
      auto& latest = it->second.r->latest;
      if (latest.samples > 0)
        promise.deliver(latest);
      else
        promise.deliver(to_caf(make_error(errc::timeout, "stats of task " + task,
                                          "no sample within " + std::to_string(s.opts.read_wait.count()) +
                                            " ms")));
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
