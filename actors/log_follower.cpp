// A stream that ends with an error (connection reset, daemon restarting) is
// resumed even when the container has stopped meanwhile: following a stopped
// container sends what is left and ends at once, and that clean end is what
// finishes the follower.
//
// A follower stream that ends cleanly because the container exited is not the
// end either: dockerd closes followers at the exit, sometimes before the last
// output (a line without a newline, written when the pipe closes) reaches
// its log file. One catch-up read (no follow, since the last written time,
// repeats dropped) takes what the stream missed; its clean end finishes.
// Whether the container has stopped is asked of the daemon (inspect) unless
// the owner tells the follower (container_exited, exit_notice_wait): the task
// actor knows from the container's die event anyway.
#include "actors/log_follower.hpp"

#include <algorithm>
#include <atomic>

#include <spdlog/spdlog.h>

#include "actors/atoms.hpp"
#include "actors/clock.hpp"
#include "actors/log_rotation.hpp"
#include "actors/log_worker.hpp"
#include "actors/timer_service.hpp"

namespace stevedore {

namespace {

using retry_kind = caf::atom_constant<caf::atom("retry")>;
using nonotice_kind = caf::atom_constant<caf::atom("nonotice")>;

std::uint64_t next_id() {
  static std::atomic<std::uint64_t> counter{0};
  return ++counter;
}

// Sends to the owner if it still lives (false: it does not): callbacks held
// by the client and the log worker must not keep it alive.
template <class... Ts>
bool send_to(const caf::weak_actor_ptr& to, Ts&&... xs) {
  auto owner = caf::actor_cast<caf::actor>(to);
  if (owner)
    caf::anon_send(owner, std::forward<Ts>(xs)...);
  return static_cast<bool>(owner);
}

} // namespace

bool collects_logs(const task_spec& spec) {
  const auto& type = spec.config.logging.type;
  return type.empty() || type == "json-file" || type == "local" || type == "journald";
}

log_follower::log_follower(caf::weak_actor_ptr owner, std::shared_ptr<const log_service> service,
                           log_target target, finished_fn finished)
  : id_(next_id()),
    owner_(std::move(owner)),
    alive_(std::make_shared<std::atomic<bool>>(true)),
    svc_(std::move(service)),
    task_id_len_(static_cast<std::uint32_t>(target.task_id.size())),
    container_id_len_(static_cast<std::uint32_t>(target.container_id.size())),
    logs_dir_len_(static_cast<std::uint32_t>(target.logs_dir.size())),
    tty_(target.tty),
    logs_(target.logs),
    finished_(std::move(finished)),
    resume_position_(std::move(target.resume_position)) {
  names_.reserve(target.task_id.size() + target.container_id.size() + target.logs_dir.size() +
                 target.task_name.size() + 3);
  for (const std::string* part : {&target.task_id, &target.container_id, &target.logs_dir})
    names_.append(*part).push_back('\0');
  names_.append(target.task_name);
  if (!svc_->options.worker) {
    auto with_worker = std::make_shared<log_service>(*svc_);
    with_worker->options.worker = log_worker::shared();
    svc_ = std::move(with_worker);
  }
}

log_follower::~log_follower() {
  alive_->store(false);
  if (streaming_)
    call_.cancel(); // output still on its way meanwhile finds no follower of this id
  for (auto& k : sinks_) {
    if (!k)
      continue;
    k->stamps.finish(k->pending);
    svc_->options.worker->write(std::move(k->file), std::move(k->pending), nullptr);
  }
}

std::shared_ptr<rotating_file> log_follower::make_file(std::size_t idx, std::int64_t resume_index,
                                                      std::int64_t resume_size) const {
  const auto size = std::max<std::int64_t>(1, logs_.max_file_size_mb) << 20;
  return std::make_shared<rotating_file>(rotation_config{
    std::string(logs_dir()), log_base_name(std::string(task_name()), idx == 1),
    std::max<std::int64_t>(1, logs_.max_files), size, resume_index, resume_size});
}

// A fresh rotating_file finds its place (the highest index on disk) when it
// first writes, so one made late continues the files made at start.
log_follower::sink& log_follower::sink_at(std::size_t idx) {
  auto& k = sinks_[idx];
  if (!k) {
    k = std::make_unique<sink>();
    k->file = make_file(idx);
  }
  return *k;
}

template <class... Ts>
void log_follower::tell(Ts&&... xs) const {
  send_to(owner_, std::forward<Ts>(xs)...);
}

template <class... Ts>
void log_follower::tell_later(std::chrono::milliseconds delay, Ts&&... xs) const {
  auto owner = caf::actor_cast<caf::actor>(owner_);
  if (!owner)
    return;
  if (svc_->timers)
    set_timer(svc_->timers, delay, owner.address(), caf::make_message(std::forward<Ts>(xs)...));
  else
    caf::delayed_anon_send(owner, delay, std::forward<Ts>(xs)...);
}

void log_follower::start() {
  // As logmon: both files exist from the start, created on the worker (one
  // listing of the folder for both) through files of the job's own, which
  // the worker lets go once done.
  //
  // Resuming an earlier run's position, the files are first cut back to its
  // place: a batch may have reached the disk after the last position the
  // store committed (a SIGKILL in between), and the daemon sends it again
  // from that position, so it would be there twice. A stream with a
  // timestamp goes back to its own place; when neither has one, the stream
  // starts over from the container's first line and both go back to their
  // place at the follower's start. (A stream without a timestamp next to
  // one with is left as it is: the resume does not start before the other's
  // time.)
  auto pos = parse_log_position(resume_position_);
  std::string().swap(resume_position_);
  const bool timed = pos.time[0] || pos.time[1];
  std::vector<std::shared_ptr<rotating_file>> files;
  for (std::size_t i = 0; i < sinks_.size(); ++i) {
    const bool cut = pos.index[i] >= 0 && (pos.time[i] || !timed);
    files.push_back(cut ? make_file(i, pos.index[i], pos.size[i]) : make_file(i));
    created_[i] = files.back();
  }
  creating_ = true;
  for (std::size_t i = 0; i < 2; ++i) {
    if (!pos.time[i])
      continue;
    auto& k = sink_at(i);
    k.stamps.resume_from(*pos.time[i], pos.count[i]);
    k.written_time = pos.time[i]; // on disk, up to the place just cut back to
    k.written_count = pos.count[i];
  }
  svc_->options.worker->create(std::move(files), [owner = owner_, id = id_](const error_info& e) {
    send_to(owner, lf_written_atom::value, id, creation, std::int64_t{0}, std::int64_t{0}, e);
  });
  open_stream();
}

void log_follower::note(const char* what) {
  seen_.note(what);
}

const char* log_follower::phase_name() const noexcept {
  switch (phase_) {
    case phase::following: return "following";
    case phase::awaiting_exit: return "awaiting exit";
    case phase::checking: return "checking";
    case phase::waiting: return "waiting";
    case phase::catching_up: return "catching up";
    case phase::finishing: return "finishing";
    case phase::finished: return "finished";
  }
  return "?";
}

// The logs call's `since`: the earliest of the streams' last written times,
// so that neither stream misses anything; repeats are dropped per stream.
std::string log_follower::resume_since() const {
  std::optional<std::int64_t> since;
  for (auto& k : sinks_)
    if (auto t = k ? k->stamps.last_time() : std::nullopt; t && (!since || *t < *since))
      since = t;
  return since ? docker_since(*since) : std::string{};
}

void log_follower::open_stream(bool follow) {
  if (calls_ > 0) {
    if (follow)
      ++resumes_;
    for (auto& k : sinks_)
      if (k)
        k->stamps.resume();
  }
  ++calls_;
  docker::logs_request req;
  req.follow = follow;
  req.timestamps = true;
  req.tty = tty_;
  req.since = resume_since();
  if (resumes_ > 0 && follow)
    spdlog::info("task {}: resuming logs of container {} since {}", task_id(), container_id(),
                 req.since.empty() ? "the start" : req.since);
  auto gen = ++generation_;
  phase_ = follow ? phase::following : phase::catching_up;
  streaming_ = true;
  call_ = svc_->docker->container_logs(
    std::string(container_id()), std::move(req),
    // A follower gone, or its owner, stops the stream from here too,
    // whatever became of the cancel; what still comes meanwhile carries an
    // id nobody answers to.
    [owner = owner_, alive = alive_, id = id_, gen](docker::output_stream which,
                                                    std::string_view bytes) {
      return alive->load() && send_to(owner, lf_output_atom::value, id, gen,
                                      static_cast<std::uint8_t>(which), std::string(bytes));
    },
    [owner = owner_, id = id_, gen](result<unit> r) {
      send_to(owner, lf_end_atom::value, id, gen, r ? error_info{} : r.error());
    });
}

void log_follower::flush(std::size_t idx) {
  if (!sinks_[idx])
    return;
  auto& k = *sinks_[idx];
  if (k.writing || k.pending.empty())
    return;
  k.writing = true;
  k.handed_time = k.stamps.last_time();
  k.handed_count = k.stamps.at_last();
  auto bytes = static_cast<std::int64_t>(k.pending.size());
  auto lines = static_cast<std::int64_t>(std::count(k.pending.begin(), k.pending.end(), '\n'));
  svc_->options.worker->write(k.file, std::move(k.pending),
                              [owner = owner_, id = id_, idx, bytes, lines](const error_info& e) {
                                send_to(owner, lf_written_atom::value, id,
                                        static_cast<std::uint8_t>(idx), bytes, lines, e);
                              });
  k.pending.clear();
}

void log_follower::finish() {
  phase_ = phase::finishing;
  for (std::size_t i = 0; i < sinks_.size(); ++i) {
    if (!sinks_[i])
      continue;
    sinks_[i]->stamps.finish(sinks_[i]->pending);
    flush(i);
  }
  maybe_finished();
}

// The last thing any path does: the owner may destroy the follower in
// `finished`, so the callback is moved out of it first.
void log_follower::maybe_finished() {
  if (phase_ != phase::finishing || creating_)
    return;
  for (auto& k : sinks_)
    if (k && (k->writing || !k->pending.empty()))
      return;
  phase_ = phase::finished;
  if (auto done = std::move(finished_))
    done();
}

void log_follower::wait_and_resume() {
  auto delay = svc_->options.retry_delay;
  for (int i = 0; i < failures_ && delay < svc_->options.max_retry_delay; ++i)
    delay *= 2;
  delay = std::min(delay, svc_->options.max_retry_delay);
  ++failures_;
  phase_ = phase::waiting;
  tell_later(delay, lf_timer_atom::value, id_, generation_, retry_kind::value);
}

// The stream ended cleanly and the container is known to have stopped: one
// catch-up read, then the end.
void log_follower::after_stop() {
  if (caught_up_)
    return finish();
  caught_up_ = true;
  open_stream(false);
}

void log_follower::check_container() {
  phase_ = phase::checking;
  svc_->docker->container_inspect(
    std::string(container_id()), [owner = owner_, id = id_, gen = generation_](result<container_info> r) {
      if (r)
        send_to(owner, lf_checked_atom::value, id, gen, true, r->running || r->restarting,
                error_info{});
      else
        send_to(owner, lf_checked_atom::value, id, gen, false, false, r.error());
    });
}

void log_follower::container_exited() {
  exited_ = true;
  if (phase_ == phase::awaiting_exit)
    after_stop();
}

void log_follower::on_output(std::uint64_t gen, std::uint8_t which, const std::string& bytes) {
  if (gen != generation_ || !streaming_)
    return;
  auto stream = static_cast<docker::output_stream>(which);
  if (stream == docker::output_stream::stdin_stream)
    return;
  std::size_t idx = stream == docker::output_stream::stderr_stream ? 1 : 0;
  failures_ = 0;
  auto& k = sink_at(idx);
  auto repeats = k.stamps.repeats_seen();
  k.stamps.feed(bytes, k.pending);
  // dockerd sent lines again (its own log rotated): both streams are in the
  // repeat, so the other drops its repeats too, equal times counted.
  if (k.stamps.repeats_seen() != repeats && sinks_[1 - idx])
    sinks_[1 - idx]->stamps.repeating();
  flush(idx);
}

void log_follower::on_end(std::uint64_t gen, const error_info& e) {
  if (gen != generation_ || !streaming_)
    return;
  streaming_ = false;
  call_ = {};
  ended_ok_ = e.kind == errc::ok;
  if (!ended_ok_) {
    last_error_ = to_string(e);
    spdlog::warn("task {}: logs of container {} dropped: {}", task_id(), container_id(),
                 last_error_);
  }
  if (e.kind == errc::not_found || (phase_ == phase::catching_up && ended_ok_))
    return finish(); // gone, or the catch-up read is done: nothing more will come
  if (ended_ok_ && exited_)
    return after_stop(); // the owner already said so: no inspect needed
  if (ended_ok_ && svc_->options.exit_notice_wait.count() > 0) {
    phase_ = phase::awaiting_exit;
    tell_later(svc_->options.exit_notice_wait, lf_timer_atom::value, id_, generation_,
               nonotice_kind::value);
    return;
  }
  check_container();
}

void log_follower::on_checked(std::uint64_t gen, bool found, bool running, const error_info& e) {
  if (gen != generation_ || phase_ != phase::checking)
    return;
  if (!found && e.kind != errc::not_found) {
    last_error_ = to_string(e);
    return wait_and_resume(); // the daemon is away: try again later
  }
  if (!found)
    return finish();
  if (!running && ended_ok_)
    return after_stop();
  if (ended_ok_)
    return wait_and_resume(); // a running container's stream ended: unusual, pace it
  // Dropped: resume now the first time, then back off.
  if (failures_ == 0) {
    ++failures_;
    return open_stream();
  }
  wait_and_resume();
}

// What is on disk: the position as of each stream's last batch written.
void log_follower::report_position() {
  if (!position_)
    return;
  log_position p;
  for (std::size_t i = 0; i < sinks_.size(); ++i) {
    std::tie(p.index[i], p.size[i]) = base_[i];
    if (!sinks_[i])
      continue;
    const auto& k = *sinks_[i];
    if (k.written_index >= 0) {
      p.index[i] = k.written_index;
      p.size[i] = k.written_size;
    }
    if (!k.written_time)
      continue;
    p.time[i] = k.written_time;
    p.count[i] = k.written_count;
  }
  position_(format_log_position(p));
}

void log_follower::on_written(std::uint8_t idx, std::int64_t bytes, std::int64_t lines,
                              const error_info& e) {
  bool created = idx == creation;
  if (created) {
    creating_ = false;
    // The files' place now is where a stream with nothing written yet goes
    // back to after a restart of the supervisor: kept at once.
    for (std::size_t i = 0; i < created_.size(); ++i) {
      if (created_[i] && e.kind == errc::ok && created_[i]->index() >= 0)
        base_[i] = {created_[i]->index(), created_[i]->size()};
      created_[i].reset();
    }
    if (e.kind == errc::ok) {
      report_position();
      return maybe_finished();
    }
    idx = 0; // the error names the file
  }
  if (idx >= sinks_.size())
    return;
  auto& k = sink_at(idx);
  if (!created)
    k.writing = false;
  if (e.kind == errc::ok) {
    k.bytes += bytes;
    k.lines += lines;
    k.written_time = k.handed_time;
    k.written_count = k.handed_count;
    // The worker is done with the file (the next batch is handed after this).
    k.written_index = k.file->index();
    k.written_size = k.file->size();
    report_position();
  } else {
    ++k.write_errors;
    last_error_ = to_string(e);
    spdlog::error("task {}: {} log: {}", task_id(), label(idx), last_error_);
  }
  flush(idx);
  maybe_finished();
}

void log_follower::on_timer(std::uint64_t gen, caf::atom_value kind) {
  if (gen != generation_)
    return;
  if (kind == retry_kind::value && phase_ == phase::waiting)
    open_stream();
  else if (kind == nonotice_kind::value && phase_ == phase::awaiting_exit)
    check_container(); // a clean end without an exit: ask the daemon
}

void log_follower::describe(std::map<std::string, std::string>& d,
                            const std::string& prefix) const {
  d[prefix + "container_id"] = std::string(container_id());
  d[prefix + "tty"] = tty_ ? "true" : "false";
  d[prefix + "resumes"] = std::to_string(resumes_);
  d[prefix + "since"] = resume_since();
  static const sink unused;
  for (std::size_t i = 0; i < sinks_.size(); ++i) {
    const sink& k = sinks_[i] ? *sinks_[i] : unused;
    std::string p = prefix + label(i);
    d[p + "_bytes"] = std::to_string(k.bytes);
    d[p + "_lines"] = std::to_string(k.lines);
    d[p + "_pending"] = std::to_string(k.pending.size());
    d[p + "_repeats_dropped"] = std::to_string(k.stamps.messages_dropped());
    if (k.write_errors > 0)
      d[p + "_write_errors"] = std::to_string(k.write_errors);
  }
  if (!last_error_.empty())
    d[prefix + "last_error"] = last_error_;
}

actor_status log_follower::status() const {
  actor_status st;
  st.kind = "log_collector";
  st.name = std::string(task_id());
  st.state = phase_name();
  st.messages = seen_.messages;
  st.last_message = seen_.last;
  st.last_at_ms = seen_.last_at_ms;
  describe(st.details, {});
  return st;
}

} // namespace stevedore
