// The task lifecycle's step function (see lifecycle.hpp for the diagram).
// A `stepper` holds the lifecycle being changed and the commands issued so
// far; each handler below is one event, each helper one piece of the
// diagram (create, enter running, begin a stop, clean up, finish).
#include "policy/lifecycle.hpp"

#include <algorithm>
#include <tuple>
#include <type_traits>

namespace stevedore::lifecycle {

const char* to_string(phase p) noexcept {
  switch (p) {
    case phase::preparing: return "preparing";
    case phase::acquiring: return "acquiring";
    case phase::creating: return "creating";
    case phase::finding_holder: return "finding_holder";
    case phase::clearing: return "clearing";
    case phase::starting: return "starting";
    case phase::running: return "running";
    case phase::draining: return "draining";
    case phase::removing: return "removing";
    case phase::restart_wait: return "restart_wait";
    case phase::done: return "done";
  }
  return "?";
}

const char* to_string(timer t) noexcept {
  switch (t) {
    case timer::kill: return "kill";
    case timer::log_drain: return "log_drain";
    case timer::restart: return "restart";
    case timer::oom_grace: return "oom_grace";
    case timer::retry: return "retry";
    case timer::recheck: return "recheck";
  }
  return "?";
}

const char* to_string(call c) noexcept {
  switch (c) {
    case call::prepare: return "prepare";
    case call::acquire: return "acquire";
    case call::create: return "create";
    case call::find_holder: return "find_holder";
    case call::clear_holder: return "clear_holder";
    case call::start: return "start";
    case call::inspect: return "inspect";
    case call::kill: return "kill";
    case call::remove: return "remove";
  }
  return "?";
}

bool timer_allowed(phase p, task_state st, timer t) noexcept {
  switch (t) {
    case timer::kill: return p == phase::running && st == task_state::stopping;
    case timer::oom_grace: return p == phase::running;
    case timer::log_drain: return p == phase::draining;
    case timer::restart: return p == phase::restart_wait;
    case timer::retry:
    case timer::recheck: return p != phase::done;
  }
  return false;
}

const char* signal_name(std::int64_t number) {
  static const char* names[] = {
    nullptr,   "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",    "SIGTRAP", "SIGABRT",
    "SIGBUS",  "SIGFPE",  "SIGKILL",   "SIGUSR1", "SIGSEGV",   "SIGUSR2", "SIGPIPE",
    "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",   "SIGSTOP", "SIGTSTP",
    "SIGTTIN", "SIGTTOU", "SIGURG",    "SIGXCPU", "SIGXFSZ",   "SIGVTALRM", "SIGPROF",
    "SIGWINCH", "SIGIO",  "SIGPWR",    "SIGSYS"};
  if (number > 0 && number < static_cast<std::int64_t>(sizeof(names) / sizeof(names[0])))
    return names[number];
  return nullptr;
}

std::string stop_signal(const rules& r, const lifecycle& lc) {
  if (!r.kill_signal.empty())
    return std::string(r.kill_signal);
  if (!lc.image_stop_signal.empty())
    return lc.image_stop_signal;
  return "SIGTERM";
}

exit_result exit_of(const ev::inspected& i, std::int64_t now_ms) {
  exit_result x;
  x.exit_code = i.exit_code;
  x.oom_killed = i.oom_killed;
  x.error = i.error;
  if (i.exit_code > 128 && i.exit_code < 128 + 65)
    if (const char* name = signal_name(i.exit_code - 128))
      x.signal = name;
  x.finished_at_ms = now_ms;
  return x;
}

namespace {

bool daemon_away(const error_info& err) {
  return err.kind == errc::daemon_unreachable || err.kind == errc::timeout;
}

// Whether the call may have done its work although no good answer came: the
// connection went, the time ran out, or the answer was garbled.
bool outcome_unknown(const error_info& err) {
  return daemon_away(err) || err.kind == errc::malformed_answer;
}

// Worth another try. A garbled answer too: every call of a task's life can
// be repeated (a create is settled by the name, a start of a started
// container, a kill and an inspect change nothing, a removal of a removed
// container is a 404), though the transport repeats only GETs by itself.
bool transient(const error_info& err) {
  return retryable(err) || err.kind == errc::malformed_answer;
}

// A create's 404 for its image ("No such image: ..."), not for a network or
// a volume: leasing the image again pulls it.
bool image_gone(const error_info& err) {
  if (err.kind != errc::not_found)
    return false;
  std::string m = err.message;
  for (auto& c : m)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return m.find("no such image") != std::string::npos;
}

// The call each phase waits for; an answer to any other is not for now.
bool expects(phase p, call c) {
  switch (c) {
    case call::prepare: return p == phase::preparing;
    case call::acquire: return p == phase::acquiring;
    case call::create: return p == phase::creating;
    case call::find_holder: return p == phase::finding_holder;
    case call::clear_holder: return p == phase::clearing;
    case call::start: return p == phase::starting;
    case call::inspect:
    case call::kill: return p == phase::running;
    case call::remove: return p == phase::removing;
  }
  return false;
}

std::string short_id(const std::string& id) {
  return id.substr(0, 12);
}

// What recovery needs to know of a task; a change of it is recorded.
auto recovery_facts(const lifecycle& lc) {
  return std::make_tuple(lc.state, lc.container_id, lc.lease, lc.image_id, lc.restarts, lc.then,
                         lc.stop_asked, lc.intent != create_intent::none, lc.at == phase::restart_wait);
}

struct stepper {
  const rules& r;
  lifecycle& lc;
  std::vector<command>& out;
  std::int64_t now;
  bool ignored = false;

  template <class Command>
  void issue(Command c) {
    out.emplace_back(std::move(c));
  }

  bool terminal() const { return is_terminal(lc.state); }

  // -- timers --

  void arm(timer t, std::int64_t delay_ms) {
    if (++lc.next_token == 0)
      ++lc.next_token; // 0 means "not armed"
    lc.timers[static_cast<std::size_t>(t)] = lc.next_token;
    issue(cmd::arm{t, delay_ms, lc.next_token});
  }

  void cancel(timer t) {
    auto& token = lc.timers[static_cast<std::size_t>(t)];
    if (token == 0)
      return;
    token = 0;
    issue(cmd::cancel{t});
  }

  // Cancels the timers the lifecycle's phase and state no longer allow.
  void drop_timers() {
    for (std::size_t i = 0; i < timer_count; ++i) {
      auto t = static_cast<timer>(i);
      if (!timer_allowed(lc.at, lc.state, t))
        cancel(t);
    }
  }

  // -- reporting --

  void set_state(task_state st, std::string reason) {
    lc.state = st;
    ++lc.epoch;
    lc.attempts = 0;
    lc.wait = waiting::no;
    cancel(timer::retry);
    cancel(timer::recheck);
    issue(cmd::emit_state{st, std::move(reason)});
  }

  void enter(phase p) {
    lc.at = p;
    drop_timers();
  }

  void warn(std::string message) { issue(cmd::emit_warning{std::move(message)}); }
  // A recovered task knows what became of it (once per recovery).
  void settled(std::string message) { issue(cmd::emit_recovered{std::move(message)}); }

  // -- helpers of a running container --

  void watch_events() {
    if (lc.watching)
      return;
    lc.watching = true;
    issue(cmd::watch{lc.container_id});
  }

  void unwatch() {
    if (!lc.watching && !lc.sampling)
      return;
    issue(cmd::unwatch{lc.container_id, lc.watching, lc.sampling});
    lc.watching = false;
    lc.sampling = false;
  }

  void release_lease() {
    if (!lc.lease)
      return;
    lc.lease = false;
    issue(cmd::release{lc.image_id});
  }

  // -- the steps --

  void prepare() {
    set_state(task_state::pending, {});
    enter(phase::preparing);
    issue(cmd::prepare{lc.epoch});
  }

  void pull() {
    if (lc.stop_asked) {
      finish(task_state::cleaned, "stopped before its container was created");
      return;
    }
    if (lc.state != task_state::pulling)
      set_state(task_state::pulling, std::string(r.image));
    enter(phase::acquiring);
    issue(cmd::acquire{lc.epoch});
  }

  void create() {
    if (lc.stop_asked && lc.container_id.empty()) {
      if (lc.intent != create_intent::none) {
        // An earlier create may have made the container without our
        // hearing of it: settled by its name before the end.
        enter(phase::finding_holder);
        issue(cmd::find_holder{lc.epoch});
        return;
      }
      finish(task_state::cleaned, "stopped before its container was created");
      return;
    }
    if (lc.state != task_state::creating)
      set_state(task_state::creating, std::string(r.container_name));
    enter(phase::creating);
    // The one place a container is made: its intent is recorded first, so
    // that a supervisor that crashes before the answer finds it by name.
    if (lc.intent == create_intent::none)
      lc.intent = create_intent::sent;
    issue(cmd::record_intent{std::string(r.container_name)});
    issue(cmd::create{lc.epoch});
  }

  void start() {
    if (lc.state != task_state::starting)
      set_state(task_state::starting, short_id(lc.container_id));
    enter(phase::starting);
    issue(cmd::start{lc.container_id, lc.epoch});
  }

  void inspect() { issue(cmd::inspect{lc.container_id, lc.epoch}); }

  void kill(std::string signal) { issue(cmd::kill{lc.container_id, std::move(signal), lc.epoch}); }

  void enter_running() {
    set_state(task_state::running, short_id(lc.container_id));
    enter(phase::running);
    lc.oom_told = false;
    if (!lc.sampling) {
      lc.sampling = true;
      issue(cmd::sample{lc.container_id});
    }
    if (r.collects_logs && !lc.following_logs) {
      lc.following_logs = true;
      issue(cmd::follow_logs{lc.container_id});
    }
    if (lc.stop_asked)
      begin_stop();
  }

  void begin_stop() {
    auto signal = stop_signal(r, lc);
    lc.kill_delivered = false;
    lc.signal = sent::stop_signal;
    set_state(task_state::stopping,
              "signal " + signal + ", SIGKILL after " + format_duration_ms(r.kill_timeout_ms));
    kill(std::move(signal));
    arm(timer::kill, r.kill_timeout_ms);
  }

  void adopt(const ev::name_holder& h) {
    lc.container_id = h.id;
    lc.intent = create_intent::none;
    warn("adopted running container " + short_id(h.id) + " (" + std::string(r.container_name) +
         ") left by an earlier run of this task");
    watch_events();
    enter_running();
    inspect(); // it may have died before the watch began
  }

  void on_exit(exit_result x) {
    x.oom_killed = x.oom_killed || lc.oom_told;
    if (lc.signal == sent::sigkill && x.signal.empty() && x.exit_code == 137)
      x.signal = "SIGKILL";
    if (lc.following_logs)
      issue(cmd::logs_exited{}); // it need not ask the daemon whether the container runs
    unwatch();
    std::string text = "exit code " + std::to_string(x.exit_code) +
                       (x.signal.empty() ? "" : ", signal " + x.signal) +
                       (x.oom_killed ? ", OOM killed" : "") +
                       (x.error.empty() ? "" : ", " + x.error);
    bool failed_run = x.exit_code != 0 || x.oom_killed;
    lc.exit = std::make_shared<const exit_result>(x);
    issue(cmd::emit_exit{std::move(x), text});
    set_state(task_state::exited, text);
    cancel(timer::kill);
    cancel(timer::oom_grace);
    if (lc.restart_asked && !lc.stop_asked) {
      // Asked for: the restart policy is not consulted and its window keeps
      // no attempt (Nomad's alloc restart).
      lc.restart_delay_ms = 0;
      issue(cmd::emit_restart{"restarted on request (not counted against the restart policy)"});
      cleanup(after::restart, {});
      return;
    }
    if (lc.stop_asked || !failed_run) {
      cleanup(after::clean, {});
      return;
    }
    auto d = next_restart(*r.restart, lc.window, now);
    if (!d.restart) {
      cleanup(after::fail, "exited with " + text + "; " + d.reason);
      return;
    }
    lc.restart_delay_ms = d.delay_ms;
    issue(cmd::emit_restart{d.reason});
    cleanup(after::restart, {});
  }

  void release_held_exit() {
    if (!lc.held_exit)
      return;
    auto x = *lc.held_exit;
    lc.held_exit.reset();
    on_exit(std::move(x));
  }

  void cleanup(after then, std::string reason) {
    lc.then = then;
    lc.final_reason = std::move(reason);
    unwatch();
    lc.attempts = 0;
    lc.wait = waiting::no;
    if (lc.following_logs) {
      // Removing the container would cut its output short.
      enter(phase::draining);
      arm(timer::log_drain, r.log_drain_ms);
      return;
    }
    continue_cleanup();
  }

  void continue_cleanup() {
    // A restart needs the name back; otherwise docker.cleanup.container decides.
    if (!lc.container_id.empty() && (lc.then == after::restart || r.cleanup_container)) {
      enter(phase::removing);
      issue(cmd::remove{lc.container_id, lc.epoch});
      return;
    }
    after_removal();
  }

  void after_removal() {
    if (lc.then == after::restart) {
      enter(phase::restart_wait);
      arm(timer::restart, lc.restart_delay_ms);
      return;
    }
    finish(lc.then == after::fail ? task_state::failed : task_state::cleaned, lc.final_reason);
  }

  void on_removed() {
    lc.container_id.clear();
    after_removal();
  }

  void restart() {
    ++lc.restarts;
    lc.restart_asked = false;
    lc.then = after::clean;
    lc.signal = sent::nothing;
    lc.kill_delivered = false;
    lc.conflict_attempts = 0;
    lc.image_regets = 0;
    create();
  }

  void finish(task_state st, std::string reason) {
    if (terminal())
      return;
    unwatch();
    release_lease();
    if (lc.following_logs) {
      lc.following_logs = false;
      issue(cmd::drop_logs{}); // what it holds still goes to the log files
    }
    if (lc.intent != create_intent::none) {
      // A create whose answer never came, not settled by the name either.
      warn("the create of " + std::string(r.container_name) +
           " was never confirmed: a container of that name may be left behind");
      lc.intent = create_intent::none;
    }
    lc.held_exit.reset();
    lc.at = phase::done;
    set_state(st, std::move(reason));
    drop_timers();
    issue(cmd::finish{});
  }

  void fail(std::string reason) {
    issue(cmd::log{true, reason});
    if (!lc.container_id.empty() && lc.state != task_state::exited) {
      cleanup(after::fail, std::move(reason));
      return;
    }
    finish(task_state::failed, std::move(reason));
  }

  // The container could not be removed: say so, and end anyway.
  void left_behind(const std::string& why) {
    warn("container " + std::string(r.container_name) + " left behind: " + why);
    lc.container_id.clear();
    after_removal();
  }

  // A recovered task whose container is gone: a failed run the restart
  // policy decides on, with nothing left to remove.
  void lost() {
    lc.recovering = false;
    settled("container " + short_id(lc.container_id) + " is gone");
    warn("container " + short_id(lc.container_id) + " (" + std::string(r.container_name) +
         ") is gone: lost while stevedore was away");
    lc.container_id.clear();
    exit_result x;
    x.exit_code = -1;
    x.error = "container lost while stevedore was away";
    x.finished_at_ms = now;
    on_exit(std::move(x));
  }

  void park(const error_info& err) {
    if (lc.wait != waiting::daemon)
      warn("waiting for the Docker daemon (" + to_string(err) + "); state kept as " +
           stevedore::to_string(lc.state));
    lc.wait = waiting::daemon;
    issue(cmd::poll_daemon{});
    arm(timer::recheck, r.recheck_ms);
  }

  // A failed start is a failed run: the restart policy decides.
  void start_failed(const error_info& err) {
    auto d = next_restart(*r.restart, lc.window, now);
    if (!d.restart) {
      fail(to_string(err) + "; " + d.reason);
      return;
    }
    lc.restart_delay_ms = d.delay_ms;
    issue(cmd::emit_restart{"start failed (" + to_string(err) + "); " + d.reason});
    cleanup(after::restart, {});
  }

  // A transient or permanent error of the current step: retried, waited
  // out (the daemon away) or failed.
  void step_error(const error_info& err) {
    if (lc.stop_asked && lc.container_id.empty() &&
        (lc.state == task_state::pending || lc.state == task_state::pulling ||
         lc.state == task_state::creating) && lc.intent == create_intent::none) {
      finish(task_state::cleaned, "stopped before its container was created");
      return;
    }
    if (lc.at == phase::running && daemon_away(err)) {
      park(err); // never taken as the container's death
      return;
    }
    if (!transient(err)) {
      if (lc.at == phase::removing) {
        left_behind(to_string(err));
        return;
      }
      if (lc.at == phase::starting && !lc.stop_asked) {
        start_failed(err);
        return;
      }
      fail(to_string(err));
      return;
    }
    if (lc.attempts < r.max_retries) {
      auto delay = backoff(lc.attempts++, std::chrono::milliseconds(r.retry_base_ms),
                           std::chrono::milliseconds(r.retry_max_ms));
      ++lc.epoch;
      lc.wait = waiting::retry;
      arm(timer::retry, delay.count());
      issue(cmd::log{false, to_string(err) + "; retry " + std::to_string(lc.attempts) + " in " +
                              std::to_string(delay.count()) + " ms"});
      return;
    }
    if (daemon_away(err)) {
      park(err);
      return;
    }
    auto gave_up = to_string(err) + " (gave up after " + std::to_string(lc.attempts) + " retries)";
    if (lc.at == phase::removing)
      left_behind(gave_up);
    else
      fail(std::move(gave_up));
  }

  // Redo what the current phase waits for (after a retry delay or the daemon's return).
  void resume() {
    ++lc.epoch;
    lc.wait = waiting::no;
    switch (lc.at) {
      case phase::preparing: issue(cmd::prepare{lc.epoch}); return;
      case phase::acquiring: pull(); return;
      case phase::creating:
      case phase::finding_holder:
      case phase::clearing: create(); return;
      case phase::starting:
        if (lc.stop_asked)
          cleanup(after::clean, "stopped before its container started");
        else if (lc.recovering)
          inspect(); // whether it ever started is still the question
        else
          start();
        return;
      case phase::running: inspect(); return;
      case phase::removing: continue_cleanup(); return;
      case phase::draining:
      case phase::restart_wait:
      case phase::done: return;
    }
  }

  // -- events --

  bool stale(std::uint32_t epoch) const { return epoch != lc.epoch || terminal(); }

  // The call the phase waits for, or recovery's inspect of a container whose
  // start was never confirmed.
  bool expected(call c) const {
    return expects(lc.at, c) || (c == call::inspect && lc.at == phase::starting && lc.recovering);
  }

  void on(const ev::begin&) {
    if (lc.epoch != 0 || lc.state != task_state::pending) {
      ignored = true;
      return;
    }
    prepare();
  }

  void on(const ev::answered& a) {
    if (stale(a.epoch) || !expected(a.what)) {
      ignored = true;
      return;
    }
    switch (a.what) {
      case call::prepare: pull(); return;
      case call::clear_holder:
        lc.intent = create_intent::none; // whatever an unanswered create made is gone
        create();
        return;
      case call::start: enter_running(); return;
      case call::kill: lc.kill_delivered = true; return; // death comes from the event stream
      case call::remove: on_removed(); return;
      default: ignored = true; return; // these calls answer with a value
    }
  }

  void on(const ev::failed& f) {
    if (stale(f.epoch) || !expected(f.what)) {
      ignored = true;
      return;
    }
    const auto& e = f.error;
    switch (f.what) {
      case call::prepare: fail(to_string(e)); return;
      case call::create:
        if (e.kind == errc::conflict) {
          // The name is taken: by a container of ours, or by somebody else's.
          enter(phase::finding_holder);
          issue(cmd::find_holder{lc.epoch});
          return;
        }
        if (image_gone(e) && lc.image_regets < r.max_retries) {
          // The image was removed since it was leased (by hand, or another
          // node's cleanup on a shared daemon): leased again, so pulled
          // again, a bounded number of times per run.
          ++lc.image_regets;
          if (lc.intent == create_intent::sent)
            lc.intent = create_intent::none;
          issue(cmd::log{true, to_string(e) + "; the image is leased (and pulled) again"});
          release_lease();
          pull();
          return;
        }
        if (outcome_unknown(e))
          lc.intent = create_intent::unconfirmed; // it may have made it
        else if (lc.intent == create_intent::sent)
          lc.intent = create_intent::none; // the daemon answered: this create made nothing
        step_error(e);
        return;
      case call::find_holder:
      case call::clear_holder:
        if (e.kind == errc::not_found) {
          lc.intent = create_intent::none; // nothing holds the name: no create made anything
          create();
          return;
        }
        step_error(e);
        return;
      case call::inspect:
        if (e.kind == errc::not_found && lc.recovering) {
          lost();
          return;
        }
        if (e.kind == errc::not_found) {
          // Removed behind our back: nothing is left to stop or remove.
          exit_result x;
          x.error = "container removed outside stevedore";
          x.finished_at_ms = now;
          lc.exit = std::make_shared<const exit_result>(std::move(x));
          unwatch();
          lc.container_id.clear();
          fail("container " + std::string(r.container_name) + " was removed outside stevedore");
          return;
        }
        step_error(e);
        return;
      case call::kill:
        if (e.kind == errc::conflict || e.kind == errc::not_found) {
          inspect(); // 409 "is not running" / 404: already dead; the inspect tells how
          return;
        }
        step_error(e);
        return;
      case call::remove:
        if (e.kind == errc::not_found) {
          on_removed();
          return;
        }
        step_error(e);
        return;
      default: step_error(e); return;
    }
  }

  void on(const ev::image_ready& i) {
    // A lease is ours whatever happened meanwhile: kept so that it is
    // released exactly once.
    if (terminal()) {
      issue(cmd::release{i.image_id});
      return;
    }
    if (lc.lease && lc.image_id != i.image_id)
      issue(cmd::release{lc.image_id});
    lc.lease = true;
    lc.image_id = i.image_id;
    lc.image_stop_signal = i.stop_signal;
    for (const auto& w : i.warnings)
      warn(w);
    if (stale(i.epoch) || lc.at != phase::acquiring)
      return;
    if (lc.stop_asked) {
      finish(task_state::cleaned, "stopped before its container was created");
      return;
    }
    lc.attempts = 0;
    create();
  }

  void on(const ev::created& c) {
    if (stale(c.epoch) || lc.at != phase::creating) {
      ignored = true;
      return;
    }
    lc.container_id = c.id;
    lc.intent = create_intent::none; // confirmed: the container exists under this id
    for (const auto& w : c.warnings)
      warn("daemon: " + w);
    watch_events();
    if (lc.stop_asked) {
      cleanup(after::clean, "stopped before its container started");
      return;
    }
    start();
  }

  void on(const ev::name_holder& h) {
    if (stale(h.epoch) || lc.at != phase::finding_holder) {
      ignored = true;
      return;
    }
    std::string name(r.container_name);
    if (!h.ours) {
      lc.intent = create_intent::none;
      fail("create " + name + ": the name is taken by container " + short_id(h.id) +
           ", which stevedore did not create for this task; it is left untouched");
      return;
    }
    if (h.running && !lc.stop_asked) {
      adopt(h);
      return;
    }
    if (lc.conflict_attempts >= r.max_conflict_retries) {
      fail("create " + name + ": name still taken after removing " +
           std::to_string(lc.conflict_attempts) + " dead containers of this task");
      return;
    }
    ++lc.conflict_attempts;
    warn("removing dead container " + short_id(h.id) + " of an earlier run (" + h.status +
         ") to reuse the name " + name);
    enter(phase::clearing);
    issue(cmd::clear_holder{h.id, lc.epoch});
  }

  void on(const ev::inspected& i) {
    const bool recovered_start = lc.at == phase::starting && lc.recovering;
    if (stale(i.epoch) || (lc.at != phase::running && !recovered_start)) {
      ignored = true;
      return;
    }
    if (recovered_start) {
      if (i.never_started) {
        lc.recovering = false;
        settled("starting its created container " + short_id(lc.container_id));
        start();
        return;
      }
      enter_running(); // it was started: followed, settled and its state below
    }
    lc.wait = waiting::no;
    if (lc.recovering)
      settled(i.running ? "re-attached to running container " + short_id(lc.container_id)
                        : "container " + short_id(lc.container_id) + " exited while stevedore was away");
    lc.recovering = false;
    cancel(timer::recheck);
    if (i.running) {
      if (lc.state == task_state::stopping && !lc.kill_delivered) {
        // The daemon was away during the stop: signal again, escalating as before.
        if (lc.signal == sent::sigkill) {
          kill("SIGKILL");
        } else {
          kill(stop_signal(r, lc));
          if (!lc.armed(timer::kill))
            arm(timer::kill, r.kill_timeout_ms);
        }
      }
      return;
    }
    if (lc.held_exit)
      return; // already waiting for a late oom event
    exit_result x = exit_of(i, now);
    // The kernel's OOM kill is a SIGKILL (137) whose oom event dockerd may
    // send after the die event and set OOMKilled after the inspect: a
    // SIGKILL the task did not send waits a moment for that event.
    if (x.exit_code == 137 && !x.oom_killed && !lc.oom_told && !lc.stop_asked &&
        r.oom_grace_ms > 0) {
      lc.held_exit = std::make_shared<const exit_result>(std::move(x));
      arm(timer::oom_grace, r.oom_grace_ms);
      return;
    }
    on_exit(std::move(x));
  }

  bool about_ours(const std::string& id) const {
    return !id.empty() && id == lc.container_id && lc.at == phase::running && !terminal();
  }

  // A die or destroy on the event stream, or a recheck after the stream was
  // down: the inspect tells what became of the container.
  void look_again(const std::string& id) {
    if (!about_ours(id)) {
      ignored = true;
      return;
    }
    inspect();
  }

  void on(const ev::died& d) { look_again(d.id); }
  void on(const ev::recheck& r) { look_again(r.id); }

  void on(const ev::oom& o) {
    if (!about_ours(o.id) || lc.oom_told) {
      ignored = true;
      return;
    }
    lc.oom_told = true;
    warn("the kernel killed a process of the container: out of memory");
    release_held_exit();
  }

  void on(const ev::stop&) {
    if (terminal() || lc.stop_asked) {
      ignored = true;
      return;
    }
    lc.stop_asked = true;
    if (lc.held_exit) {
      // It has already exited: nothing to signal; its exit goes on and, as
      // a stop was asked, ends in cleanup.
      release_held_exit();
      return;
    }
    switch (lc.at) {
      case phase::preparing:
      case phase::acquiring:
      case phase::creating:
      case phase::finding_holder:
      case phase::clearing:
      case phase::starting:
        // Nothing in flight while a retry or the daemon is waited for: end
        // now, unless a create may have made a container.
        if (lc.wait != waiting::no && lc.at == phase::starting)
          cleanup(after::clean, "stopped before its container started");
        else if (lc.wait != waiting::no && lc.container_id.empty() &&
                 lc.intent == create_intent::none)
          finish(task_state::cleaned, "stopped before its container was created");
        return; // else the step in flight sees stop_asked when it answers
      case phase::running:
        if (lc.state == task_state::running)
          begin_stop();
        return;
      case phase::draining:
      case phase::removing:
        if (lc.then == after::restart)
          lc.then = after::clean; // the restart it prepares becomes the end
        return;
      case phase::restart_wait: finish(task_state::cleaned, "stopped while waiting to restart"); return;
      case phase::done: return;
    }
  }

  // Only a running task restarts; anything else is ignored (the task actor
  // answers conflict before it comes here).
  void on(const ev::restart&) {
    if (terminal() || lc.stop_asked || lc.restart_asked || lc.held_exit ||
        lc.at != phase::running || lc.state != task_state::running) {
      ignored = true;
      return;
    }
    lc.restart_asked = true;
    issue(cmd::log{false, "restart asked: stopping the run to start it again"});
    begin_stop();
  }

  void on(const ev::timer_fired& t) {
    auto& token = lc.timers[static_cast<std::size_t>(t.which)];
    if (t.token == 0 || token != t.token || terminal()) {
      ignored = true;
      return;
    }
    token = 0;
    switch (t.which) {
      case timer::kill:
        lc.signal = sent::sigkill;
        lc.kill_delivered = false;
        warn("still running " + format_duration_ms(r.kill_timeout_ms) + " after " +
             stop_signal(r, lc) + ": sending SIGKILL");
        kill("SIGKILL");
        return;
      case timer::log_drain:
        warn("log collection did not finish within " + format_duration_ms(r.log_drain_ms) +
             "; stopping it");
        lc.following_logs = false;
        issue(cmd::drop_logs{});
        continue_cleanup();
        return;
      case timer::restart: restart(); return;
      case timer::oom_grace: release_held_exit(); return;
      case timer::retry: resume(); return;
      case timer::recheck:
        if (lc.wait == waiting::daemon)
          resume();
        return;
    }
  }

  void on(const ev::daemon_health& h) {
    if (!h.healthy || lc.wait != waiting::daemon || terminal()) {
      ignored = true; // a task learns that the daemon is away from its own calls
      return;
    }
    resume();
  }

  void on(const ev::recovered& rec) {
    if (lc.epoch != 0 || lc.state != task_state::pending) {
      ignored = true;
      return;
    }
    lc.restarts = rec.restarts;
    lc.stop_asked = rec.stop_asked;
    lc.lease = rec.lease;
    lc.image_id = rec.image_id;
    if (!rec.container_id.empty() && rec.unstarted) {
      // Created, its start never confirmed: the start may have been made,
      // and the container may even have run and exited since, so it is
      // inspected first and started only if it never was (a start of an
      // exited container would run it twice).
      lc.container_id = rec.container_id;
      watch_events();
      if (lc.stop_asked) {
        settled("stopped before its container " + short_id(lc.container_id) + " started");
        cleanup(after::clean, "stopped before its container started");
        return;
      }
      lc.recovering = true;
      set_state(task_state::starting, short_id(lc.container_id));
      enter(phase::starting);
      inspect();
      return;
    }
    if (!rec.container_id.empty()) {
      // Its container may run, have exited or be gone: the inspect tells,
      // and meanwhile it is followed as a running one (its logs resume).
      lc.container_id = rec.container_id;
      lc.recovering = true;
      warn("re-attaching to container " + short_id(rec.container_id) + " (" +
           std::string(r.container_name) + ") after a restart of stevedore");
      watch_events();
      enter_running();
      inspect();
      return;
    }
    if (!lc.lease) {
      settled("starting anew");
      prepare(); // nothing was made on the daemon that needs the image yet
      return;
    }
    if (rec.intent) {
      settled("looking for the container of an unconfirmed create");
      // A create was sent and never confirmed: only the name can tell.
      lc.intent = create_intent::unconfirmed;
      set_state(task_state::creating, std::string(r.container_name));
      enter(phase::finding_holder);
      issue(cmd::find_holder{lc.epoch});
      return;
    }
    if (rec.restart_due && !lc.stop_asked) {
      settled("restarting");
      issue(cmd::emit_restart{"restarting after a restart of stevedore"});
      restart();
      return;
    }
    if (lc.stop_asked) {
      settled("stopped before stevedore restarted");
      finish(task_state::cleaned, "stopped before stevedore restarted");
      return;
    }
    settled("creating its container");
    create();
  }

  void on(const ev::logs_finished&) {
    if (!lc.following_logs) {
      ignored = true;
      return;
    }
    lc.following_logs = false;
    if (lc.at == phase::draining) {
      cancel(timer::log_drain);
      continue_cleanup();
    }
  }
};

} // namespace

transition step(const rules& r, lifecycle lc, const event& e) {
  transition t;
  auto before = recovery_facts(lc);
  stepper s{r, lc, t.commands, e.at_ms};
  std::visit([&s](const auto& what) { s.on(what); }, e.what);
  t.ignored = s.ignored;
  if (recovery_facts(lc) != before) {
    // Recorded before the end: a finished task quits with its last command.
    auto at = t.commands.end();
    if (!t.commands.empty() && std::holds_alternative<cmd::finish>(t.commands.back()))
      --at;
    t.commands.insert(at, cmd::record_state{});
  }
  t.next = std::move(lc);
  return t;
}

const char* command_name(const command& c) noexcept {
  static constexpr const char* names[] = {
    "prepare",   "acquire",     "release",     "record_intent", "record_state", "create",
    "find_holder", "clear_holder", "start",    "watch",         "sample",       "unwatch",
    "follow_logs",
    "logs_exited", "drop_logs", "inspect",     "kill",          "remove",       "arm",
    "cancel",    "poll_daemon", "emit_state",  "emit_warning",  "emit_exit",    "emit_restart",
    "emit_recovered", "log",    "finish"};
  static_assert(sizeof(names) / sizeof(names[0]) == std::variant_size_v<command>);
  return names[c.index()];
}

const char* event_name(const event_data& e) noexcept {
  static constexpr const char* names[] = {
    "begin", "answered", "failed", "image_ready", "created", "name_holder", "inspected",
    "died",  "recheck",  "oom",    "stop",        "timer_fired", "daemon_health", "logs_finished",
    "recovered", "restart"};
  static_assert(sizeof(names) / sizeof(names[0]) == std::variant_size_v<event_data>);
  return names[e.index()];
}

} // namespace stevedore::lifecycle
