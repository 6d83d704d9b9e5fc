// A driver for the lifecycle step function in tests: it keeps a lifecycle,
// feeds it events and remembers every command, and can answer the calls the
// commands asked for (with their epochs) or fire the timers they armed.
#pragma once

#include <string>
#include <vector>

#include "policy/lifecycle.hpp"

namespace stevedore::testing {

namespace lc = stevedore::lifecycle;

inline restart_spec no_restarts() {
  restart_spec r;
  r.attempts = 0;
  r.mode = "fail";
  return r;
}

// What a supervisor started again on its state tells a task whose container
// was known, and one whose create was never confirmed.
inline lc::ev::recovered recovered_container() {
  lc::ev::recovered r;
  r.container_id = "c0ffee0000000000000000000001";
  r.lease = true;
  r.image_id = "sha256:img";
  r.restarts = 1;
  return r;
}
inline lc::ev::recovered recovered_intent() {
  lc::ev::recovered r;
  r.intent = true;
  r.lease = true;
  r.image_id = "sha256:img";
  return r;
}

struct lifecycle_driver {
  restart_spec restart = no_restarts();
  lc::rules rules;
  lc::lifecycle life;
  std::vector<lc::command> all;   // every command so far
  std::vector<lc::command> last;  // those of the last step
  bool last_ignored = false;
  std::int64_t now = 1'000'000;

  lifecycle_driver() {
    rules.kill_timeout_ms = 5000;
    rules.container_name = "web-a1b2c3";
    rules.image = "busybox:1";
    rules.restart = &restart;
    rules.collects_logs = true;
    rules.max_retries = 2;
  }

  const lc::lifecycle& feed(lc::event_data what) {
    auto t = lc::step(rules, life, lc::event{std::move(what), now});
    life = std::move(t.next);
    last = t.commands;
    last_ignored = t.ignored;
    all.insert(all.end(), t.commands.begin(), t.commands.end());
    return life;
  }

  std::uint32_t token(lc::timer t) const { return life.timers[static_cast<std::size_t>(t)]; }

  // Fires an armed timer (its current token).
  const lc::lifecycle& fire(lc::timer t) { return feed(lc::ev::timer_fired{t, token(t)}); }

  const lc::lifecycle& ok(lc::call c) { return feed(lc::ev::answered{c, life.epoch}); }

  const lc::lifecycle& fail(lc::call c, errc kind, std::string message = "boom") {
    return feed(lc::ev::failed{c, life.epoch, make_error(kind, lc::to_string(c), message)});
  }

  const lc::lifecycle& image(std::string id = "sha256:img", std::string stop_signal = {}) {
    return feed(lc::ev::image_ready{life.epoch, std::move(id), std::move(stop_signal), {}});
  }

  const lc::lifecycle& created(std::string id = "c0ffee0000000000000000000001") {
    return feed(lc::ev::created{life.epoch, std::move(id), {}});
  }

  const lc::lifecycle& exits(std::int64_t code, bool oom = false) {
    feed(lc::ev::died{life.container_id});
    return feed(lc::ev::inspected{life.epoch, false, code, oom, {}});
  }

  const lc::lifecycle& recover(lc::ev::recovered r) { return feed(std::move(r)); }

  // begin .. running
  const lc::lifecycle& to_running() {
    feed(lc::ev::begin{});
    ok(lc::call::prepare);
    image();
    created();
    return ok(lc::call::start);
  }

  // The commands of the last step, as "name name:detail ...".
  static std::string describe(const std::vector<lc::command>& cs) {
    std::string out;
    for (const auto& c : cs) {
      if (!out.empty())
        out += ' ';
      out += lc::command_name(c);
      if (auto* a = std::get_if<lc::cmd::arm>(&c))
        out += std::string(":") + lc::to_string(a->which);
      else if (auto* x = std::get_if<lc::cmd::cancel>(&c))
        out += std::string(":") + lc::to_string(x->which);
      else if (auto* k = std::get_if<lc::cmd::kill>(&c))
        out += ":" + k->signal;
      else if (auto* s = std::get_if<lc::cmd::emit_state>(&c))
        out += std::string(":") + to_string(s->state);
    }
    return out;
  }

  std::string where() const {
    std::string w = std::string(to_string(life.state)) + "/" + lc::to_string(life.at);
    if (life.wait == lc::waiting::retry)
      w += "+retry";
    else if (life.wait == lc::waiting::daemon)
      w += "+daemon";
    return w;
  }

  // "state/phase: commands", or "ignored".
  std::string outcome() const {
    if (last_ignored)
      return "ignored";
    return where() + ": " + describe(last);
  }

  template <class Command>
  int count(const std::vector<lc::command>& cs) const {
    int n = 0;
    for (const auto& c : cs)
      n += std::holds_alternative<Command>(c) ? 1 : 0;
    return n;
  }
  template <class Command>
  int count() const {
    return count<Command>(all);
  }
};

} // namespace stevedore::testing
