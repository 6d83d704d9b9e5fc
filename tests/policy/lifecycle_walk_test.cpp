// Random event sequences (seeded) through the step function against a small
// model of the daemon and the image manager, checking the lifecycle's
// invariants after every step and at the end:
//   - no container is left on the daemon once a task is cleaned or failed
//     (with docker.cleanup.container), unless a warning said it was left behind;
//   - every lease is released exactly once, and none that is not held;
//   - no timer outlives its state (armed timers are allowed in the phase;
//     none in a terminal state);
//   - a stopped task never starts again (no acquire, create or start after
//     the stop), and `finish` comes once, last;
//   - every walk ends: after a stop, a daemon that answers brings every task
//     to cleaned or failed.
#include <algorithm>
#include <map>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "tests/policy/lifecycle_support.hpp"

namespace stevedore::testing {
namespace {

using lc::call;
using lc::timer;
namespace ev = lc::ev;
namespace cmd = lc::cmd;

struct pending_call {
  call what;
  std::uint32_t epoch;
  std::string id;
  std::string signal;
};

// The daemon, the image manager and the log follower, as far as a task sees them.
struct world {
  std::mt19937_64 rng;
  std::map<std::string, bool> containers; // id -> running (at most one: the task's name)
  std::set<std::string> leases;           // images the task holds
  std::vector<pending_call> calls;
  std::vector<ev::died> deaths;           // die events not yet delivered
  bool following = false;
  int next_id = 1;
  bool cooperative = false;               // no failures: the settle phase
  std::string failure;                    // the first broken invariant

  explicit world(std::uint64_t seed) : rng(seed) {}

  bool chance(double p) { return std::uniform_real_distribution<>(0, 1)(rng) < p; }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)];
  }

  std::string holder() const { return containers.empty() ? std::string() : containers.begin()->first; }

  void stop_container(const std::string& id) {
    auto i = containers.find(id);
    if (i == containers.end() || !i->second)
      return;
    i->second = false;
    deaths.push_back(ev::died{id});
  }

  // Records the calls the step asked for.
  void take(const std::vector<lc::command>& cs) {
    for (const auto& c : cs) {
      if (auto* x = std::get_if<cmd::prepare>(&c))
        calls.push_back({call::prepare, x->epoch, {}, {}});
      else if (auto* x = std::get_if<cmd::acquire>(&c))
        calls.push_back({call::acquire, x->epoch, {}, {}});
      else if (auto* x = std::get_if<cmd::create>(&c))
        calls.push_back({call::create, x->epoch, {}, {}});
      else if (auto* x = std::get_if<cmd::find_holder>(&c))
        calls.push_back({call::find_holder, x->epoch, {}, {}});
      else if (auto* x = std::get_if<cmd::clear_holder>(&c))
        calls.push_back({call::clear_holder, x->epoch, x->id, {}});
      else if (auto* x = std::get_if<cmd::start>(&c))
        calls.push_back({call::start, x->epoch, x->id, {}});
      else if (auto* x = std::get_if<cmd::inspect>(&c))
        calls.push_back({call::inspect, x->epoch, x->id, {}});
      else if (auto* x = std::get_if<cmd::kill>(&c))
        calls.push_back({call::kill, x->epoch, x->id, x->signal});
      else if (auto* x = std::get_if<cmd::remove>(&c))
        calls.push_back({call::remove, x->epoch, x->id, {}});
      else if (auto* x = std::get_if<cmd::release>(&c)) {
        if (!leases.erase(x->image_id) && failure.empty())
          failure = "released a lease not held: " + x->image_id;
      } else if (std::holds_alternative<cmd::follow_logs>(c))
        following = true;
      else if (std::holds_alternative<cmd::drop_logs>(c))
        following = false;
    }
  }

  lc::event_data fail_call(const pending_call& p) {
    static const std::vector<errc> kinds = {errc::daemon_error, errc::timeout,
                                            errc::daemon_unreachable, errc::malformed_answer};
    auto kind = pick(kinds);
    if (p.what == call::create && kind != errc::daemon_error && containers.empty() && chance(0.5))
      containers[std::to_string(next_id++) + "-unconfirmed"] = false; // made, answer lost
    return ev::failed{p.what, p.epoch, make_error(kind, lc::to_string(p.what), "injected")};
  }

  // The daemon's answer to a call, true to the model.
  lc::event_data answer(const pending_call& p) {
    if (!cooperative && chance(0.2))
      return fail_call(p);
    auto gone = [&](call c) {
      return ev::failed{c, p.epoch, make_error(errc::not_found, lc::to_string(c), "no such container", 404)};
    };
    switch (p.what) {
      case call::prepare: return ev::answered{call::prepare, p.epoch};
      case call::acquire:
        leases.insert("sha256:img");
        return ev::image_ready{p.epoch, "sha256:img", chance(0.5) ? "SIGUSR1" : "", {}};
      case call::create: {
        if (!containers.empty())
          return ev::failed{call::create, p.epoch, make_error(errc::conflict, "create", "name in use", 409)};
        auto id = "c" + std::to_string(next_id++);
        containers[id] = false;
        return ev::created{p.epoch, id, {}};
      }
      case call::find_holder: {
        if (containers.empty())
          return gone(call::find_holder);
        auto id = holder();
        return ev::name_holder{p.epoch, id, true, containers[id], containers[id] ? "running" : "exited"};
      }
      case call::clear_holder:
        if (!containers.erase(p.id))
          return gone(call::clear_holder);
        return ev::answered{call::clear_holder, p.epoch};
      case call::start:
        if (!containers.count(p.id))
          return gone(call::start);
        containers[p.id] = true;
        if (!cooperative && chance(0.3))
          stop_container(p.id); // it exits at once
        return ev::answered{call::start, p.epoch};
      case call::inspect: {
        auto i = containers.find(p.id);
        if (i == containers.end())
          return gone(call::inspect);
        std::vector<std::int64_t> codes = {0, 1, 137, 143};
        return ev::inspected{p.epoch, i->second, i->second ? 0 : pick(codes), false, {}};
      }
      case call::kill:
        if (!containers.count(p.id))
          return gone(call::kill);
        if (!containers[p.id])
          return ev::failed{call::kill, p.epoch, make_error(errc::conflict, "kill", "is not running", 409)};
        if (p.signal == "SIGKILL" || cooperative || chance(0.6))
          stop_container(p.id);
        return ev::answered{call::kill, p.epoch};
      case call::remove:
        if (!containers.erase(p.id))
          return gone(call::remove);
        return ev::answered{call::remove, p.epoch};
    }
    return ev::answered{p.what, p.epoch};
  }

  // The next thing that happens to the task; nullopt: nothing can.
  std::optional<lc::event_data> next(const lifecycle_driver& d) {
    std::vector<std::function<lc::event_data()>> options;
    if (!calls.empty())
      for (int i = 0; i < 6; ++i)
        options.push_back([&] {
          auto i = std::uniform_int_distribution<std::size_t>(0, calls.size() - 1)(rng);
          auto p = calls[i];
          calls.erase(calls.begin() + static_cast<std::ptrdiff_t>(i));
          return answer(p);
        });
    if (!deaths.empty())
      options.push_back([&] {
        auto e = deaths.front();
        deaths.erase(deaths.begin());
        return lc::event_data(e);
      });
    for (std::size_t t = 0; t < lc::timer_count; ++t)
      if (d.life.timers[t] != 0)
        options.push_back([&d, t, this] {
          auto token = d.life.timers[t];
          if (!cooperative && chance(0.1))
            token += 1; // a stale firing
          return lc::event_data(ev::timer_fired{static_cast<timer>(t), token});
        });
    if (following && (cooperative || chance(0.3)))
      options.push_back([&] {
        following = false;
        return lc::event_data(ev::logs_finished{});
      });
    if (!cooperative) {
      options.push_back([] { return lc::event_data(ev::stop{}); });
      options.push_back([&] { return lc::event_data(ev::daemon_health{chance(0.7)}); });
      options.push_back([&d] { return lc::event_data(ev::recheck{d.life.container_id}); });
      options.push_back([&d] { return lc::event_data(ev::oom{d.life.container_id}); });
      options.push_back([&] {
        auto id = holder();
        if (!id.empty())
          stop_container(id); // it exits by itself
        return lc::event_data(ev::recheck{id});
      });
    }
    if (options.empty())
      return std::nullopt;
    return pick(options)();
  }
};

// Checks the invariants after one step; returns the first broken one.
std::string check_step(const lifecycle_driver& d, bool stop_seen, int finishes) {
  for (std::size_t t = 0; t < lc::timer_count; ++t)
    if (d.life.timers[t] != 0 && !lc::timer_allowed(d.life.at, d.life.state, static_cast<timer>(t)))
      return std::string("timer ") + lc::to_string(static_cast<timer>(t)) + " armed in " + d.where();
  if (is_terminal(d.life.state) && d.life.at != lc::phase::done)
    return "terminal state outside phase done: " + d.where();
  if (stop_seen)
    for (const auto& c : d.last)
      if (std::holds_alternative<cmd::acquire>(c) || std::holds_alternative<cmd::create>(c) ||
          std::holds_alternative<cmd::start>(c))
        return std::string("a stopped task issued ") + lc::command_name(c);
  if (finishes > 1)
    return "finish issued twice";
  for (std::size_t i = 0; i + 1 < d.last.size(); ++i)
    if (std::holds_alternative<cmd::finish>(d.last[i]))
      return "finish is not the last command";
  return {};
}

struct walk_result {
  std::string failure;
  std::string trace; // event -> outcome, one line each
  task_state end = task_state::pending;
  int steps = 0;
};

// Most walks begin; every fourth starts as a task of a supervisor started
// again on its state, with the container (running, exited, created only,
// gone) or the unconfirmed create it had, the lease rebuilt.
lc::event_data first_event(world& w, std::uint64_t seed) {
  if (seed % 4 != 3)
    return ev::begin{};
  ev::recovered r;
  r.lease = true;
  r.image_id = "sha256:img";
  w.leases.insert(r.image_id);
  switch (w.rng() % 5) {
    case 0: r.container_id = "r1"; w.containers["r1"] = true; break;
    case 1: r.container_id = "r1"; w.containers["r1"] = false; break;
    case 2: r.container_id = "r1"; r.unstarted = true; w.containers["r1"] = false; break;
    case 3: r.container_id = "r1"; break; // gone while away
    default:
      r.intent = true;
      if (w.chance(0.5))
        w.containers["r1-unconfirmed"] = w.chance(0.5);
      break;
  }
  return r;
}

walk_result walk(std::uint64_t seed, bool cleanup_container) {
  lifecycle_driver d;
  world w(seed);
  d.rules.cleanup_container = cleanup_container;
  d.rules.collects_logs = w.chance(0.7);
  d.restart = restart_spec{w.chance(0.5) ? 1 : 0, 60'000, 10, w.chance(0.5) ? "fail" : "delay"};
  walk_result out;
  bool stop_seen = false;
  int finishes = 0;
  bool left_behind = false;
  auto feed = [&](lc::event_data e) {
    bool is_stop = std::holds_alternative<ev::stop>(e);
    d.now += 1 + static_cast<std::int64_t>(w.rng() % 50);
    std::string name = lc::event_name(e);
    if (auto* f = std::get_if<ev::failed>(&e))
      name += std::string(" ") + lc::to_string(f->what) + " " + to_string(f->error.kind);
    else if (auto* a = std::get_if<ev::answered>(&e))
      name += std::string(" ") + lc::to_string(a->what);
    else if (auto* t = std::get_if<ev::timer_fired>(&e))
      name += std::string(" ") + lc::to_string(t->which);
    d.feed(std::move(e));
    out.trace += name + " -> " + d.outcome() + "\n";
    w.take(d.last);
    for (const auto& c : d.last) {
      finishes += std::holds_alternative<cmd::finish>(c) ? 1 : 0;
      if (auto* x = std::get_if<cmd::emit_warning>(&c))
        left_behind = left_behind || x->message.find("left behind") != std::string::npos;
    }
    stop_seen = stop_seen || (is_stop && !d.last_ignored) || d.life.stop_asked;
    ++out.steps;
    if (out.failure.empty())
      out.failure = w.failure.empty() ? check_step(d, stop_seen && !is_stop, finishes) : w.failure;
  };
  feed(first_event(w, seed));
  int wild = 5 + static_cast<int>(w.rng() % 60);
  for (int i = 0; i < wild && !is_terminal(d.life.state) && out.failure.empty(); ++i)
    if (auto e = w.next(d))
      feed(std::move(*e));
  // Settle: a stop, then a daemon that answers every call.
  w.cooperative = true;
  if (!is_terminal(d.life.state))
    feed(ev::stop{});
  for (int i = 0; i < 400 && !is_terminal(d.life.state) && out.failure.empty(); ++i) {
    auto e = w.next(d);
    if (!e) {
      out.failure = "stuck in " + d.where() + ": nothing in flight and no timer armed";
      break;
    }
    feed(std::move(*e));
  }
  out.end = d.life.state;
  if (!out.failure.empty())
    return out;
  if (!is_terminal(d.life.state))
    out.failure = "did not end within 400 steps after the stop: " + d.where();
  else if (finishes != 1)
    out.failure = "finish issued " + std::to_string(finishes) + " times";
  else if (!w.leases.empty())
    out.failure = "a lease was never released";
  else if (cleanup_container && !w.containers.empty() && !left_behind)
    out.failure = "container " + w.holder() + " leaked";
  for (std::size_t t = 0; t < lc::timer_count; ++t)
    if (d.life.timers[t] != 0 && out.failure.empty())
      out.failure = "a timer is armed after the end";
  if (!out.failure.empty())
    return out;
  // After the end, nothing moves it.
  auto before = d.life.epoch;
  d.feed(ev::stop{});
  d.feed(ev::daemon_health{true});
  if (!d.last_ignored || d.life.epoch != before)
    out.failure = "an ended task reacted to an event";
  return out;
}

TEST(LifecycleWalk, ThousandsOfRandomSequencesKeepEveryInvariant) {
  std::map<task_state, int> ends;
  long steps = 0;
  for (std::uint64_t seed = 1; seed <= 4000; ++seed) {
    auto r = walk(seed, seed % 5 != 0);
    ASSERT_EQ(r.failure, "") << "seed " << seed << " after " << r.steps << " steps:\n" << r.trace;
    ++ends[r.end];
    steps += r.steps;
  }
  // The walks reach both ends, through many steps: they explore.
  EXPECT_GT(ends[task_state::cleaned], 500);
  EXPECT_GT(ends[task_state::failed], 100);
  EXPECT_GT(steps, 4000 * 10);
}

} // namespace
} // namespace stevedore::testing
