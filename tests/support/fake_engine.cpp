#include "tests/support/fake_engine.hpp"

#include <algorithm>
#include <cstdio>

#include "policy/ast.hpp"

namespace stevedore::testing {

using docker::call_handle;
using docker::callback;
using docker::output_stream;

namespace {

std::string hex64(const std::string& seed) {
  std::string out;
  std::size_t h = std::hash<std::string>{}(seed);
  for (int part = 0; part < 4; ++part) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016zx", h);
    out += buf;
    h = std::hash<std::string>{}(seed + buf);
  }
  return out;
}

// "busybox" -> "busybox:latest"; "x:1", "x@sha256:..." unchanged.
std::string normalise(const std::string& ref) {
  if (ref.rfind("sha256:", 0) == 0 || ref.find('@') != std::string::npos)
    return ref;
  auto slash = ref.rfind('/');
  auto colon = ref.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash))
    return ref + ":latest";
  return ref;
}

std::string repo_of(const std::string& ref) {
  auto at = ref.find('@');
  if (at != std::string::npos)
    return ref.substr(0, at);
  auto slash = ref.rfind('/');
  auto colon = ref.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash))
    return ref.substr(0, colon);
  return ref;
}

bool label_matches(const std::map<std::string, std::string>& labels, const std::string& filter) {
  auto eq = filter.find('=');
  if (eq == std::string::npos)
    return labels.count(filter) > 0;
  auto it = labels.find(filter.substr(0, eq));
  return it != labels.end() && it->second == filter.substr(eq + 1);
}

error_info err(errc kind, std::string what, std::string message, int status = 0) {
  return make_error(kind, std::move(what), std::move(message), status);
}

} // namespace

int fake_engine::signal_number(const std::string& signal) {
  if (signal == "SIGKILL" || signal == "KILL" || signal == "9")
    return 9;
  if (signal == "SIGTERM" || signal == "TERM" || signal == "15")
    return 15;
  return 0;
}

// ---------------------------------------------------------------------------

struct fake_engine::model {
  struct registry_entry {
    image_info info;
    std::string required_auth;
  };
  struct container_entry {
    container_info info;
    std::vector<std::string> signals;
    std::vector<std::pair<output_stream, std::string>> logs;
    std::uint64_t run_gen = 0;       // bumps at each start and exit: stale timers see a change
    std::uint64_t exits = 0;         // how many times it exited (next-exit waits)
  };
  struct waiter {
    std::string id;
    std::string condition;
    std::uint64_t exits_seen = 0;
    callback<wait_answer> done;
  };
  struct subscriber {
    docker::events_request req;
    std::function<bool(const engine_event&)> on_event;
    callback<unit> end;
  };
  struct follower {
    std::string id;
    docker::logs_request req;
    docker::output_fn out;
    callback<unit> end;
  };
  struct pull_state {
    std::string reference;
    std::function<void(const pull_progress&)> on_progress;
    callback<pull_summary> done;
    bool finished = false;
    std::shared_ptr<void> keep;  // the step chain, dropped when the pull ends
  };
  struct exec_entry {
    std::string container;
    docker::exec_request req;
    bool started = false;
    std::int64_t exit_code = -1;
  };

  // images
  std::map<std::string, image_info> images;       // id -> info (repo_tags kept up to date)
  std::map<std::string, std::string> tags;        // reference -> id
  std::map<std::string, registry_entry> registry; // reference -> pullable image
  std::map<std::string, pull_script> pull_scripts;
  std::map<std::string, std::pair<std::vector<std::string>, image_info>> tars;
  std::vector<docker::pull_request> pulls;
  // containers
  std::map<std::string, container_entry> containers; // id -> entry
  std::map<std::string, std::string> names;          // name -> id
  std::map<std::string, container_script> container_scripts;
  std::map<std::string, std::vector<stats_sample>> stats; // id or name -> samples
  std::map<std::string, std::size_t> stats_next;
  std::map<std::string, exec_script> exec_scripts;
  std::map<std::string, exec_entry> execs;
  // daemon
  engine_version version;
  engine_info info;
  std::map<std::string, network_info> networks;
  // in flight
  std::map<std::uint64_t, waiter> waiters;
  std::map<std::uint64_t, subscriber> subscribers;
  std::map<std::uint64_t, follower> followers;
  std::map<std::uint64_t, std::shared_ptr<pull_state>> pulls_in_flight;
  // faults and counters
  struct fault {
    int left = 0;
    errc kind = errc::ok;
    std::string message;
  };
  std::map<std::string, fault> faults;
  std::map<std::string, std::int64_t> counts;
  bool down = false;
  std::uint64_t next_key = 1;
  std::uint64_t next_id = 1;

  std::string container_id_of(const std::string& id_or_name) const {
    if (containers.count(id_or_name))
      return id_or_name;
    auto n = names.find(id_or_name);
    if (n != names.end())
      return n->second;
    for (const auto& [id, c] : containers)  // a unique prefix, as the daemon allows
      if (id_or_name.size() >= 6 && id.rfind(id_or_name, 0) == 0)
        return id;
    return {};
  }

  std::string image_id_of(const std::string& name) const {
    if (images.count(name))
      return name;
    if (images.count("sha256:" + name))
      return "sha256:" + name;
    auto t = tags.find(normalise(name));
    return t == tags.end() ? std::string{} : t->second;
  }

  container_script script_for(const container_info& c) const {
    auto s = container_scripts.find(c.name);
    if (s != container_scripts.end())
      return s->second;
    s = container_scripts.find(c.image);
    if (s != container_scripts.end())
      return s->second;
    s = container_scripts.find(normalise(c.image));
    return s == container_scripts.end() ? container_script{} : s->second;
  }
};

// ---------------------------------------------------------------------------

fake_engine::fake_engine(mode m) : mode_(m), m_(std::make_unique<model>()) {
  endpoint_.kind = docker::endpoint::scheme::unix_socket;
  endpoint_.path = "fake-engine";
  m_->version = engine_version{"20.10.24+fake", "1.41", "1.12", "linux", "amd64", "6.1.0-fake"};
  m_->info.id = "FAKE:ENGINE";
  m_->info.name = "fake-engine";
  m_->info.server_version = m_->version.version;
  m_->info.os_type = "linux";
  m_->info.operating_system = "Debian GNU/Linux 12 (fake)";
  m_->info.architecture = "x86_64";
  m_->info.driver = "vfs";
  m_->info.cgroup_driver = "systemd";
  m_->info.ncpu = 2;
  m_->info.mem_total = 4ll << 30;
  m_->info.runtimes = {"runc"};
  m_->info.default_runtime = "runc";
  m_->networks["bridge"] = network_info{"bridge-id", "bridge", "bridge", "192.0.2.0/24", "192.0.2.1"};
  if (mode_ == mode::threaded)
    thread_ = std::thread([this] { worker(); });
}

fake_engine::~fake_engine() {
  shutdown();
  if (thread_.joinable()) {
    if (thread_.get_id() == std::this_thread::get_id())
      thread_.detach();
    else
      thread_.join();
  }
}

// -- scheduling ---------------------------------------------------------------

fake_engine::clock::time_point fake_engine::now_locked() const {
  return mode_ == mode::manual ? virtual_now_ : clock::now();
}

void fake_engine::post_locked(duration delay, task fn) {
  queue_.push(timed{now_locked() + delay + latency_, seq_++, std::move(fn)});
  cv_.notify_all();
}

void fake_engine::post(duration delay, task fn) {
  std::lock_guard<std::mutex> lock(mutex_);
  post_locked(delay, std::move(fn));
}

void fake_engine::worker() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (queue_.empty()) {
      if (stopping_)
        break;
      cv_.wait(lock);
      continue;
    }
    if (!stopping_ && queue_.top().due > clock::now()) {
      // A copy: wait_until reads its deadline again after waking, by when a
      // push may have moved the queue's storage (ThreadSanitizer found the
      // use after free).
      const auto due = queue_.top().due;
      cv_.wait_until(lock, due);
      continue;
    }
    auto fn = std::move(const_cast<timed&>(queue_.top()).fn);
    queue_.pop();
    ++running_;
    lock.unlock();
    fn();
    lock.lock();
    --running_;
    cv_.notify_all();
  }
}

std::size_t fake_engine::run_pending() {
  if (mode_ != mode::manual)
    return 0;
  std::size_t n = 0;
  for (;;) {
    task fn;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (queue_.empty() || (!stopping_ && queue_.top().due > virtual_now_))
        return n;
      fn = std::move(const_cast<timed&>(queue_.top()).fn);
      queue_.pop();
    }
    fn();
    ++n;
  }
}

std::size_t fake_engine::advance(duration d) {
  if (mode_ != mode::manual)
    return 0;
  std::size_t n = 0;
  clock::time_point target;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    target = virtual_now_ + d;
  }
  for (;;) {
    task fn;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (queue_.empty() || queue_.top().due > target)
        break;
      virtual_now_ = std::max(virtual_now_, queue_.top().due);
      fn = std::move(const_cast<timed&>(queue_.top()).fn);
      queue_.pop();
    }
    fn();
    ++n;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    virtual_now_ = std::max(virtual_now_, target);
  }
  return n + run_pending();
}

bool fake_engine::wait_idle(duration limit) {
  std::unique_lock<std::mutex> lock(mutex_);
  auto deadline = clock::now() + limit;
  return cv_.wait_until(lock, deadline, [&] {
    return running_ == 0 && (queue_.empty() || queue_.top().due > deadline);
  });
}

std::optional<error_info> fake_engine::fault_locked(const std::string& call, const std::string& what) {
  ++m_->counts[call];
  if (stopping_)
    return err(errc::cancelled, what, "client shut down");
  if (m_->down)
    return err(errc::daemon_unreachable, what,
               "cannot connect to the Docker daemon at fake-engine: the fake is down");
  auto f = m_->faults.find(call);
  if (f != m_->faults.end() && f->second.left > 0) {
    --f->second.left;
    return err(f->second.kind, what, f->second.message);
  }
  return std::nullopt;
}

template <class T>
call_handle fake_engine::simple(const std::string& call, std::string what,
                                std::function<result<T>()> body, callback<T> done) {
  std::unique_lock<std::mutex> lock(mutex_);
  bool stopped = stopping_;
  auto fault = fault_locked(call, what);
  if (stopped) {
    lock.unlock();
    done(std::move(*fault));
    return {};
  }
  if (fault) {
    post_locked(duration{0}, [done = std::move(done), e = std::move(*fault)]() mutable { done(std::move(e)); });
    return {};
  }
  post_locked(duration{0}, [this, what = std::move(what), body = std::move(body), done = std::move(done)]() mutable {
    std::optional<result<T>> r;
    {
      std::lock_guard<std::mutex> lk(mutex_);
      if (stopping_)
        r.emplace(err(errc::cancelled, what, "client shut down"));
      else if (m_->down)
        r.emplace(err(errc::daemon_unreachable, what, "connection reset: the fake went down"));
      else
        r.emplace(body());
    }
    done(std::move(*r));
  });
  return {};
}

// -- events (mutex_ held) -------------------------------------------------------

namespace {

bool event_matches(const docker::events_request& req, const engine_event& ev) {
  for (const auto& [key, values] : req.filters) {
    if (values.empty())
      continue;
    if (key == "type" || key == "event") {
      const auto& v = key == "type" ? ev.type : ev.action;
      if (std::find(values.begin(), values.end(), v) == values.end())
        return false;
    } else if (key == "label") {
      for (const auto& l : values)
        if (!label_matches(ev.attributes, l))
          return false;
    } else if (key == "container") {
      auto name = ev.attributes.count("name") ? ev.attributes.at("name") : std::string{};
      if (ev.type != "container" ||
          (std::find(values.begin(), values.end(), ev.id) == values.end() &&
           std::find(values.begin(), values.end(), name) == values.end()))
        return false;
    }
  }
  return true;
}

} // namespace

void fake_engine::emit_locked(engine_event ev) {
  ev.time_nano = std::chrono::duration_cast<std::chrono::nanoseconds>(
                   now_locked().time_since_epoch()).count();
  for (const auto& [key, sub] : m_->subscribers) {
    if (!event_matches(sub.req, ev))
      continue;
    engine_event sent = ev;
    if (!sub.req.with_attributes)
      sent.attributes.clear(); // as the client's decoder skips them
    post_locked(duration{0}, [this, key = key, ev = std::move(sent)] {
      std::function<bool(const engine_event&)> on_event;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        auto s = m_->subscribers.find(key);
        if (s == m_->subscribers.end())
          return;
        on_event = s->second.on_event;
      }
      if (on_event(ev))
        return;
      callback<unit> end;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        auto s = m_->subscribers.find(key);
        if (s == m_->subscribers.end())
          return;
        end = std::move(s->second.end);
        m_->subscribers.erase(s);
      }
      end(unit{});
    });
  }
}

namespace {

engine_event container_event(const container_info& c, std::string action) {
  engine_event ev;
  ev.type = "container";
  ev.action = std::move(action);
  ev.id = c.id;
  ev.attributes = c.labels;
  ev.attributes["name"] = c.name;
  ev.attributes["image"] = c.image;
  return ev;
}

engine_event image_event(const std::string& id, const std::string& name, std::string action) {
  engine_event ev;
  ev.type = "image";
  ev.action = std::move(action);
  ev.id = name.empty() ? id : name;
  ev.attributes["name"] = name.empty() ? id : name;
  return ev;
}

} // namespace

void fake_engine::start_locked(const std::string& id) {
  auto& c = m_->containers.at(id);
  c.info.running = true;
  c.info.status = "running";
  c.info.pid = 1000 + static_cast<std::int64_t>(m_->next_id++);
  c.info.exit_code = 0;
  c.info.oom_killed = false;
  c.info.started_at = std::to_string(now_locked().time_since_epoch().count());
  c.info.finished_at.clear();
  auto gen = ++c.run_gen;
  emit_locked(container_event(c.info, "start"));
  auto script = m_->script_for(c.info);
  if (script.run_for) {
    post_locked(*script.run_for, [this, id, gen, script] {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = m_->containers.find(id);
      if (stopping_ || it == m_->containers.end() || it->second.run_gen != gen || !it->second.info.running)
        return;
      exit_locked(id, script.oom ? 137 : script.exit_code, script.oom, script.oom_in_inspect,
                  script.oom_after_die);
    });
  }
}

void fake_engine::exit_locked(const std::string& id, std::int64_t code, bool oom,
                              bool oom_in_inspect, std::optional<duration> oom_after_die) {
  auto& c = m_->containers.at(id);
  c.info.running = false;
  c.info.status = "exited";
  c.info.pid = 0;
  c.info.exit_code = code;
  c.info.oom_killed = oom && oom_in_inspect;
  c.info.finished_at = std::to_string(now_locked().time_since_epoch().count());
  ++c.run_gen;
  ++c.exits;
  if (oom && !oom_after_die)
    emit_locked(container_event(c.info, "oom"));
  auto die = container_event(c.info, "die");
  die.attributes["exitCode"] = std::to_string(code);
  emit_locked(std::move(die));
  if (oom && oom_after_die)
    post_locked(*oom_after_die, [this, ev = container_event(c.info, "oom")] {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!stopping_)
        emit_locked(ev);
    });
  answer_waiters_locked(id, false);
  end_followers_locked(id);
}

void fake_engine::answer_waiters_locked(const std::string& id, bool removed) {
  auto c = m_->containers.find(id);
  std::int64_t code = c == m_->containers.end() ? 0 : c->second.info.exit_code;
  for (auto it = m_->waiters.begin(); it != m_->waiters.end();) {
    auto& w = it->second;
    bool answer = w.id == id &&
                  (removed || (w.condition != "removed" && c != m_->containers.end() &&
                               c->second.exits > w.exits_seen));
    if (!answer) {
      ++it;
      continue;
    }
    post_locked(duration{0}, [done = std::move(w.done), code] { done(wait_answer{code, {}}); });
    it = m_->waiters.erase(it);
  }
}

void fake_engine::end_followers_locked(const std::string& id) {
  for (auto it = m_->followers.begin(); it != m_->followers.end();) {
    if (it->second.id != id) {
      ++it;
      continue;
    }
    post_locked(duration{0}, [end = std::move(it->second.end)] { end(unit{}); });
    it = m_->followers.erase(it);
  }
}

void fake_engine::end_in_flight_locked(errc kind, const std::string& message) {
  for (auto& [key, w] : m_->waiters)
    post_locked(duration{0}, [done = std::move(w.done), e = err(kind, "container wait " + w.id, message)] { done(e); });
  m_->waiters.clear();
  for (auto& [key, s] : m_->subscribers)
    post_locked(duration{0}, [end = std::move(s.end), e = err(kind, "events", message)] { end(e); });
  m_->subscribers.clear();
  for (auto& [key, f] : m_->followers)
    post_locked(duration{0}, [end = std::move(f.end), e = err(kind, "container logs " + f.id, message)] { end(e); });
  m_->followers.clear();
  for (auto& [key, p] : m_->pulls_in_flight) {
    if (p->finished)
      continue;
    p->finished = true;
    p->keep.reset();
    post_locked(duration{0}, [p = p, e = err(kind, "pull " + p->reference, message)] { p->done(e); });
  }
  m_->pulls_in_flight.clear();
}

std::string fake_engine::add_image_locked(const std::string& reference, image_info info) {
  auto ref = normalise(reference);
  if (info.id.empty())
    info.id = "sha256:" + hex64(ref);
  auto id = info.id;
  auto old = m_->tags.find(ref);
  if (old != m_->tags.end() && old->second != id) {
    auto& prev = m_->images[old->second].repo_tags;
    prev.erase(std::remove(prev.begin(), prev.end(), ref), prev.end());
  }
  m_->tags[ref] = id;
  auto [it, fresh] = m_->images.try_emplace(id, info);
  auto& tags = ref.find('@') == std::string::npos ? it->second.repo_tags : it->second.repo_digests;
  if (fresh)
    it->second.repo_tags.clear(), it->second.repo_digests.clear();
  if (std::find(tags.begin(), tags.end(), ref) == tags.end())
    tags.push_back(ref);
  if (it->second.os.empty())
    it->second.os = "linux";
  return id;
}

void fake_engine::remove_image_locked(const std::string& id) {
  for (auto it = m_->tags.begin(); it != m_->tags.end();) {
    if (it->second == id) {
      emit_locked(image_event(id, it->first, "untag"));
      it = m_->tags.erase(it);
    } else {
      ++it;
    }
  }
  m_->images.erase(id);
  emit_locked(image_event(id, {}, "delete"));
}

// -- setup ------------------------------------------------------------------------

std::string fake_engine::add_image(const std::string& reference, image_info info) {
  std::lock_guard<std::mutex> lock(mutex_);
  return add_image_locked(reference, std::move(info));
}

void fake_engine::add_registry_image(const std::string& reference, image_info info,
                                     std::string required_auth) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto ref = normalise(reference);
  if (info.id.empty())
    info.id = "sha256:" + hex64("registry:" + ref);
  m_->registry[ref] = model::registry_entry{std::move(info), std::move(required_auth)};
}

void fake_engine::script_pull(const std::string& reference, pull_script script) {
  std::lock_guard<std::mutex> lock(mutex_);
  m_->pull_scripts[normalise(reference)] = std::move(script);
}

void fake_engine::add_tar(const std::string& path, std::vector<std::string> references, image_info info) {
  std::lock_guard<std::mutex> lock(mutex_);
  m_->tars[path] = {std::move(references), std::move(info)};
}

void fake_engine::script_container(const std::string& name_or_image, container_script script) {
  std::lock_guard<std::mutex> lock(mutex_);
  m_->container_scripts[name_or_image] = script;
}

void fake_engine::append_logs_unseen(const std::string& id_or_name, output_stream stream,
                                     std::string text) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto id = m_->container_id_of(id_or_name);
  if (!id.empty())
    m_->containers[id].logs.emplace_back(stream, std::move(text));
}

void fake_engine::append_logs(const std::string& id_or_name, output_stream stream, std::string text) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto id = m_->container_id_of(id_or_name);
  if (id.empty())
    return;
  auto& c = m_->containers[id];
  c.logs.emplace_back(stream, text);
  // A TTY container's output is one raw stream, to followers as to a
  // catch-up read (container_logs).
  auto sent = c.info.tty ? output_stream::raw : stream;
  for (const auto& [key, f] : m_->followers) {
    if (f.id != id)
      continue;
    if ((stream == output_stream::stdout_stream && !f.req.stdout_stream) ||
        (stream == output_stream::stderr_stream && !f.req.stderr_stream))
      continue;
    post_locked(duration{0}, [this, key = key, stream = sent, text] {
      docker::output_fn out;
      {
        std::lock_guard<std::mutex> lk(mutex_);
        auto it = m_->followers.find(key);
        if (it == m_->followers.end())
          return;
        out = it->second.out;
      }
      if (out(stream, text))
        return;
      callback<unit> end;
      {
        std::lock_guard<std::mutex> lk(mutex_);
        auto it = m_->followers.find(key);
        if (it == m_->followers.end())
          return;
        end = std::move(it->second.end);
        m_->followers.erase(it);
      }
      end(unit{});
    });
  }
}

void fake_engine::script_stats(const std::string& id_or_name, std::vector<stats_sample> samples) {
  std::lock_guard<std::mutex> lock(mutex_);
  m_->stats[id_or_name] = std::move(samples);
  m_->stats_next[id_or_name] = 0;
}

void fake_engine::script_exec(const std::string& cmd0, exec_script script) {
  std::lock_guard<std::mutex> lock(mutex_);
  m_->exec_scripts[cmd0] = std::move(script);
}

void fake_engine::set_version(engine_version v) {
  std::lock_guard<std::mutex> lock(mutex_);
  m_->version = std::move(v);
}

void fake_engine::set_info(engine_info i) {
  std::lock_guard<std::mutex> lock(mutex_);
  m_->info = std::move(i);
}

void fake_engine::set_network(const std::string& name, network_info n) {
  std::lock_guard<std::mutex> lock(mutex_);
  m_->networks[name] = std::move(n);
}

void fake_engine::remove_network(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  m_->networks.erase(name);
}

void fake_engine::set_latency(duration d) {
  std::lock_guard<std::mutex> lock(mutex_);
  latency_ = d;
}

void fake_engine::fail_next(const std::string& call, int n, errc kind, std::string message) {
  std::lock_guard<std::mutex> lock(mutex_);
  m_->faults[call] = model::fault{n, kind, std::move(message)};
}

void fake_engine::set_down(bool down) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (down && !m_->down)
    end_in_flight_locked(errc::daemon_unreachable, "connection closed: the daemon went away");
  m_->down = down;
}

void fake_engine::end_in_flight(errc kind, std::string message) {
  std::lock_guard<std::mutex> lock(mutex_);
  end_in_flight_locked(kind, message);
}

// -- observation -------------------------------------------------------------------

std::int64_t fake_engine::calls(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = m_->counts.find(name);
  return it == m_->counts.end() ? 0 : it->second;
}

std::vector<docker::pull_request> fake_engine::pull_requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return m_->pulls;
}

bool fake_engine::has_image(const std::string& id_or_reference) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return !m_->image_id_of(id_or_reference).empty();
}

std::vector<std::string> fake_engine::image_ids() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [id, _] : m_->images)
    out.push_back(id);
  return out;
}

std::optional<container_info> fake_engine::container(const std::string& id_or_name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto id = m_->container_id_of(id_or_name);
  if (id.empty())
    return std::nullopt;
  return m_->containers.at(id).info;
}

std::vector<std::string> fake_engine::signals_of(const std::string& id_or_name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto id = m_->container_id_of(id_or_name);
  if (id.empty())
    return {};
  return m_->containers.at(id).signals;
}

std::size_t fake_engine::subscribers() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return m_->subscribers.size();
}

std::size_t fake_engine::in_flight() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size() + m_->waiters.size() + m_->subscribers.size() + m_->followers.size() +
         m_->pulls_in_flight.size();
}

// -- lifetime ------------------------------------------------------------------------

void fake_engine::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_)
      return;
    stopping_ = true;
    end_in_flight_locked(errc::cancelled, "client shut down");
    cv_.notify_all();
  }
  if (mode_ == mode::manual) {
    run_pending();  // stopping_: everything queued runs now, cancelled where it was a call
  } else if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) {
    thread_.join();
  }
}

// -- daemon ----------------------------------------------------------------------------

call_handle fake_engine::ping(callback<unit> done) {
  return simple<unit>("ping", "ping", [] { return result<unit>(unit{}); }, std::move(done));
}

call_handle fake_engine::version(callback<engine_version> done) {
  return simple<engine_version>("version", "version",
                                [this] { return result<engine_version>(m_->version); }, std::move(done));
}

call_handle fake_engine::info(callback<engine_info> done) {
  return simple<engine_info>("info", "info", [this] { return result<engine_info>(m_->info); },
                             std::move(done));
}

call_handle fake_engine::network_inspect(std::string name, callback<network_info> done) {
  auto what = "network inspect " + name;
  return simple<network_info>("network_inspect", what, [this, name, what]() -> result<network_info> {
    auto it = m_->networks.find(name);
    if (it == m_->networks.end())
      return err(errc::not_found, what, "network " + name + " not found");
    return it->second;
  }, std::move(done));
}

call_handle fake_engine::events(docker::events_request req, std::function<bool(const engine_event&)> on_event,
                                callback<unit> end) {
  std::unique_lock<std::mutex> lock(mutex_);
  bool stopped = stopping_;
  auto fault = fault_locked("events", "events");
  if (stopped) {
    lock.unlock();
    end(std::move(*fault));
    return {};
  }
  if (fault) {
    post_locked(duration{0}, [end = std::move(end), e = std::move(*fault)] { end(e); });
    return {};
  }
  auto key = m_->next_key++;
  m_->subscribers[key] = model::subscriber{std::move(req), std::move(on_event), std::move(end)};
  return {};
}

// -- images -------------------------------------------------------------------------------

call_handle fake_engine::image_inspect(std::string name, callback<image_info> done) {
  auto what = "image inspect " + name;
  return simple<image_info>("image_inspect", what, [this, name, what]() -> result<image_info> {
    auto id = m_->image_id_of(name);
    if (id.empty())
      return err(errc::not_found, what, "No such image: " + name);
    return m_->images.at(id);
  }, std::move(done));
}

call_handle fake_engine::image_list(callback<std::vector<image_summary>> done) {
  return simple<std::vector<image_summary>>("image_list", "image list", [this] {
    std::vector<image_summary> out;
    for (const auto& [id, i] : m_->images) {
      std::int64_t users = 0;
      for (const auto& [cid, c] : m_->containers)
        users += c.info.image_id == id;
      out.push_back(image_summary{id, i.repo_tags, i.repo_digests, i.size, 0, users});
    }
    return result<std::vector<image_summary>>(std::move(out));
  }, std::move(done));
}

call_handle fake_engine::image_pull(docker::pull_request req, std::function<void(const pull_progress&)> on_progress,
                                    callback<pull_summary> done) {
  bool digest = req.tag.rfind("sha256:", 0) == 0;
  auto ref = normalise(req.image + (req.tag.empty() ? "" : (digest ? "@" : ":") + req.tag));
  auto what = "pull " + ref;
  std::unique_lock<std::mutex> lock(mutex_);
  m_->pulls.push_back(req);
  bool stopped = stopping_;
  auto fault = fault_locked("image_pull", what);
  if (stopped) {
    lock.unlock();
    done(std::move(*fault));
    return {};
  }
  if (fault) {
    post_locked(duration{0}, [done = std::move(done), e = std::move(*fault)] { done(e); });
    return {};
  }
  auto state = std::make_shared<model::pull_state>();
  state->reference = ref;
  state->on_progress = std::move(on_progress);
  state->done = std::move(done);
  auto key = m_->next_key++;
  m_->pulls_in_flight[key] = state;

  pull_script script;
  auto s = m_->pull_scripts.find(ref);
  if (s != m_->pull_scripts.end()) {
    script = s->second;
  }
  if (script.steps.empty() && (s == m_->pull_scripts.end() || script.fail == errc::ok)) {
    script.steps = {pull_progress{req.tag, "Pulling from " + repo_of(ref), 0, 0},
                    pull_progress{"layer0", "Pulling fs layer", 0, 0},
                    pull_progress{"layer0", "Downloading", 512, 1024},
                    pull_progress{"layer0", "Pull complete", 1024, 1024}};
  }
  auto activity = req.activity_timeout;
  auto auth = req.registry_auth;
  // Ends the pull (once) with `r`, removing it from the in-flight set.
  auto finish = [this, key, state](std::optional<error_info> e) {
    // mutex_ held
    if (state->finished)
      return;
    state->finished = true;
    state->keep.reset();
    m_->pulls_in_flight.erase(key);
    if (e) {
      post_locked(duration{0}, [state, e = *e] { state->done(e); });
      return;
    }
    auto reg = m_->registry.find(state->reference);
    auto id = reg->second.info.id;
    bool had = m_->image_id_of(state->reference) == id;
    add_image_locked(state->reference, reg->second.info);
    emit_locked(image_event(id, state->reference, "pull"));
    pull_summary sum;
    sum.digest = "sha256:" + hex64("digest:" + id);
    sum.status = (had ? "Status: Image is up to date for " : "Status: Downloaded newer image for ") +
                 state->reference;
    post_locked(duration{0}, [state, sum] { state->done(sum); });
  };
  // One step after another: a chain of timers on the fake's clock.
  auto steps = std::make_shared<std::vector<pull_progress>>(script.steps);
  auto run = std::make_shared<std::function<void(std::size_t)>>();
  std::weak_ptr<std::function<void(std::size_t)>> weak_run = run;
  *run = [this, state, steps, script, activity, auth, finish, what, weak_run](
             std::size_t i) {
    // mutex_ held; schedules step i (i == steps->size(): the end)
    auto delay = script.step_delay;
    if (delay > activity) {
      post_locked(activity, [this, finish, what, activity] {
        std::lock_guard<std::mutex> lk(mutex_);
        finish(err(errc::timeout, what,
                   "no progress for " + std::to_string(activity.count()) + " ms"));
      });
      return;
    }
    auto self = weak_run.lock();
    post_locked(delay, [this, state, steps, script, auth, finish, what, self, i] {
      std::unique_lock<std::mutex> lk(mutex_);
      if (state->finished)
        return;
      if (stopping_)
        return finish(err(errc::cancelled, what, "client shut down"));
      if (i == 0) {  // the registry is asked first
        auto reg = m_->registry.find(state->reference);
        if (reg == m_->registry.end())
          return finish(err(errc::not_found, what,
                            "manifest for " + state->reference + " not found: manifest unknown"));
        if (!reg->second.required_auth.empty() && reg->second.required_auth != auth)
          return finish(err(errc::unauthorized, what,
                            auth.empty() ? "no basic auth credentials"
                                         : "unauthorized: authentication required"));
      }
      if (i == steps->size()) {
        if (script.fail != errc::ok)
          return finish(err(script.fail, what, script.fail_message));
        return finish(std::nullopt);
      }
      auto step = (*steps)[i];
      if (self)
        (*self)(i + 1);
      lk.unlock();
      state->on_progress(step);
    });
  };
  state->keep = run;  // the chain lives until the pull ends (finish drops it)
  (*run)(0);
  return {};
}

call_handle fake_engine::image_load(std::string tar_path, callback<std::vector<std::string>> done) {
  auto what = "image load " + tar_path;
  return simple<std::vector<std::string>>("image_load", what,
                                          [this, tar_path, what]() -> result<std::vector<std::string>> {
    auto t = m_->tars.find(tar_path);
    if (t == m_->tars.end())
      return err(errc::not_found, what, "open " + tar_path + ": no such file or directory");
    auto info = t->second.second;
    if (info.id.empty())
      info.id = "sha256:" + hex64("tar:" + tar_path);
    for (const auto& ref : t->second.first) {
      add_image_locked(ref, info);
      emit_locked(image_event(info.id, ref, "load"));
    }
    return t->second.first;
  }, std::move(done));
}

call_handle fake_engine::image_remove(std::string name, bool force, callback<unit> done) {
  auto what = "image remove " + name;
  return simple<unit>("image_remove", what, [this, name, force, what]() -> result<unit> {
    auto id = m_->image_id_of(name);
    if (id.empty())
      return err(errc::not_found, what, "No such image: " + name);
    bool by_id = id == name || id == "sha256:" + name;
    for (const auto& [cid, c] : m_->containers) {
      if (c.info.image_id != id)
        continue;
      if (c.info.running || !force)
        return err(errc::conflict, what,
                   "conflict: unable to delete " + name + " - image is being used by " +
                     (c.info.running ? "running" : "stopped") + " container " + cid.substr(0, 12));
    }
    if (!by_id) {
      auto ref = normalise(name);
      auto& info = m_->images.at(id);
      auto& list = ref.find('@') == std::string::npos ? info.repo_tags : info.repo_digests;
      list.erase(std::remove(list.begin(), list.end(), ref), list.end());
      m_->tags.erase(ref);
      emit_locked(image_event(id, ref, "untag"));
      if (!info.repo_tags.empty() || !info.repo_digests.empty())
        return unit{};
    }
    remove_image_locked(id);
    return unit{};
  }, std::move(done));
}

// -- containers -----------------------------------------------------------------------------

namespace {

const policy::node* field(const policy::node& obj, const std::string& key) {
  for (const auto& [k, v] : obj.fields)
    if (k == key)
      return &v;
  return nullptr;
}

} // namespace

call_handle fake_engine::container_create(std::string name, std::string body, callback<create_answer> done) {
  auto what = "container create " + name;
  return simple<create_answer>("container_create", what, [this, name, body, what]() -> result<create_answer> {
    auto parsed = policy::parse_json(body, "create body");
    if (!parsed || parsed->type != policy::node::kind::object)
      return err(errc::daemon_error, what,
                 "invalid JSON body" + (parsed ? std::string{} : ": " + parsed.error().message));
    auto taken = m_->names.find(name);
    if (!name.empty() && taken != m_->names.end())
      return err(errc::conflict, what,
                 "Conflict. The container name \"/" + name + "\" is already in use by container \"" +
                   taken->second + "\". You have to remove (or rename) that container to be able to reuse that name.");
    container_info c;
    if (auto* img = field(*parsed, "Image"))
      c.image = img->text;
    c.image_id = m_->image_id_of(c.image);
    if (c.image.empty() || c.image_id.empty())
      return err(errc::not_found, what, "No such image: " + c.image);
    if (auto* labels = field(*parsed, "Labels"))
      for (const auto& [k, v] : labels->fields)
        c.labels[k] = v.text;
    if (auto* sig = field(*parsed, "StopSignal"))
      c.stop_signal = sig->text;
    else
      c.stop_signal = m_->images.at(c.image_id).stop_signal;
    if (auto* tty = field(*parsed, "Tty"))
      c.tty = tty->boolean;
    c.id = hex64("container:" + std::to_string(m_->next_id++) + name);
    c.name = name.empty() ? "fake_" + c.id.substr(0, 8) : name;
    c.status = "created";
    m_->names[c.name] = c.id;
    auto& entry = m_->containers[c.id];
    entry.info = c;
    emit_locked(container_event(c, "create"));
    return create_answer{c.id, {}};
  }, std::move(done));
}

call_handle fake_engine::container_start(std::string id, callback<unit> done) {
  auto what = "container start " + id;
  return simple<unit>("container_start", what, [this, id, what]() -> result<unit> {
    auto cid = m_->container_id_of(id);
    if (cid.empty())
      return err(errc::not_found, what, "No such container: " + id);
    if (!m_->containers.at(cid).info.running)
      start_locked(cid);
    return unit{};
  }, std::move(done));
}

call_handle fake_engine::container_inspect(std::string id, callback<container_info> done) {
  auto what = "container inspect " + id;
  return simple<container_info>("container_inspect", what, [this, id, what]() -> result<container_info> {
    auto cid = m_->container_id_of(id);
    if (cid.empty())
      return err(errc::not_found, what, "No such container: " + id);
    return m_->containers.at(cid).info;
  }, std::move(done));
}

call_handle fake_engine::container_wait(std::string id, std::string condition, callback<wait_answer> done) {
  auto what = "container wait " + id;
  std::unique_lock<std::mutex> lock(mutex_);
  bool stopped = stopping_;
  auto fault = fault_locked("container_wait", what);
  if (stopped) {
    lock.unlock();
    done(std::move(*fault));
    return {};
  }
  if (fault) {
    post_locked(duration{0}, [done = std::move(done), e = std::move(*fault)] { done(e); });
    return {};
  }
  post_locked(duration{0}, [this, id, condition, what, done = std::move(done)]() mutable {
    std::unique_lock<std::mutex> lk(mutex_);
    auto cid = m_->container_id_of(id);
    if (cid.empty()) {
      lk.unlock();
      return done(err(errc::not_found, what, "No such container: " + id));
    }
    const auto& c = m_->containers.at(cid);
    if ((condition.empty() || condition == "not-running") && !c.info.running) {
      auto code = c.info.exit_code;
      lk.unlock();
      return done(wait_answer{code, {}});
    }
    auto key = m_->next_key++;
    m_->waiters[key] = model::waiter{cid, condition.empty() ? "not-running" : condition, c.exits, std::move(done)};
  });
  return {};
}

call_handle fake_engine::container_stop(std::string id, std::chrono::seconds grace, callback<unit> done) {
  auto what = "container stop " + id;
  std::unique_lock<std::mutex> lock(mutex_);
  bool stopped = stopping_;
  auto fault = fault_locked("container_stop", what);
  if (stopped) {
    lock.unlock();
    done(std::move(*fault));
    return {};
  }
  if (fault) {
    post_locked(duration{0}, [done = std::move(done), e = std::move(*fault)] { done(e); });
    return {};
  }
  post_locked(duration{0}, [this, id, grace, what, done = std::move(done)]() mutable {
    std::unique_lock<std::mutex> lk(mutex_);
    auto cid = m_->container_id_of(id);
    if (cid.empty()) {
      lk.unlock();
      return done(err(errc::not_found, what, "No such container: " + id));
    }
    auto& c = m_->containers.at(cid);
    if (!c.info.running) {  // 304: already stopped
      lk.unlock();
      return done(unit{});
    }
    auto sig = c.info.stop_signal.empty() ? std::string("SIGTERM") : c.info.stop_signal;
    c.signals.push_back(sig);
    auto kill = container_event(c.info, "kill");
    kill.attributes["signal"] = std::to_string(signal_number(sig) ? signal_number(sig) : 15);
    emit_locked(kill);
    auto script = m_->script_for(c.info);
    if (!script.ignores_sigterm) {
      exit_locked(cid, 128 + 15, false);
      emit_locked(container_event(c.info, "stop"));
      post_locked(duration{0}, [done = std::move(done)] { done(unit{}); });
      return;
    }
    auto gen = c.run_gen;
    post_locked(std::chrono::duration_cast<duration>(grace),
                [this, cid, gen, done = std::move(done)]() mutable {
      std::unique_lock<std::mutex> l2(mutex_);
      auto it = m_->containers.find(cid);
      if (it != m_->containers.end() && it->second.run_gen == gen && it->second.info.running) {
        it->second.signals.push_back("SIGKILL");
        auto k = container_event(it->second.info, "kill");
        k.attributes["signal"] = "9";
        emit_locked(k);
        exit_locked(cid, 128 + 9, false);
        emit_locked(container_event(it->second.info, "stop"));
      }
      post_locked(duration{0}, [done = std::move(done)] { done(unit{}); });
    });
  });
  return {};
}

call_handle fake_engine::container_kill(std::string id, std::string signal, callback<unit> done) {
  auto what = "container kill " + id;
  return simple<unit>("container_kill", what, [this, id, signal, what]() -> result<unit> {
    auto cid = m_->container_id_of(id);
    if (cid.empty())
      return err(errc::not_found, what, "No such container: " + id);
    auto& c = m_->containers.at(cid);
    if (!c.info.running)
      return err(errc::conflict, what, "Container " + cid + " is not running", 409);
    auto sig = signal.empty() ? std::string("SIGKILL") : signal;
    c.signals.push_back(sig);
    auto ev = container_event(c.info, "kill");
    ev.attributes["signal"] = sig;
    emit_locked(ev);
    auto n = signal_number(sig);
    if (n == 9)
      exit_locked(cid, 128 + 9, false);
    else if (n == 15 && !m_->script_for(c.info).ignores_sigterm)
      exit_locked(cid, 128 + 15, false);
    return unit{};
  }, std::move(done));
}

call_handle fake_engine::container_remove(std::string id, bool force, bool /*remove_volumes*/, callback<unit> done) {
  auto what = "container remove " + id;
  return simple<unit>("container_remove", what, [this, id, force, what]() -> result<unit> {
    auto cid = m_->container_id_of(id);
    if (cid.empty())
      return err(errc::not_found, what, "No such container: " + id);
    auto& c = m_->containers.at(cid);
    if (c.info.running) {
      if (!force)
        return err(errc::conflict, what,
                   "You cannot remove a running container " + cid +
                     ". Stop the container before attempting removal or force remove", 409);
      c.signals.push_back("SIGKILL");
      exit_locked(cid, 128 + 9, false);
    }
    auto info = c.info;
    emit_locked(container_event(info, "destroy"));
    end_followers_locked(cid);
    answer_waiters_locked(cid, true);
    m_->names.erase(info.name);
    m_->containers.erase(cid);
    return unit{};
  }, std::move(done));
}

call_handle fake_engine::container_list(std::vector<std::string> label_filters, bool all,
                                        callback<std::vector<container_summary>> done) {
  return simple<std::vector<container_summary>>("container_list", "container list",
                                                [this, label_filters, all] {
    std::vector<container_summary> out;
    for (const auto& [cid, c] : m_->containers) {
      if (!all && !c.info.running)
        continue;
      bool match = std::all_of(label_filters.begin(), label_filters.end(),
                               [&](const std::string& f) { return label_matches(c.info.labels, f); });
      if (!match)
        continue;
      container_summary s;
      s.id = cid;
      s.names = {c.info.name};
      s.image = c.info.image;
      s.image_id = c.info.image_id;
      s.state = c.info.status;
      s.status = c.info.running ? "Up" : "Exited (" + std::to_string(c.info.exit_code) + ")";
      s.labels = c.info.labels;
      out.push_back(std::move(s));
    }
    return result<std::vector<container_summary>>(std::move(out));
  }, std::move(done));
}

call_handle fake_engine::container_logs(std::string id, docker::logs_request req, docker::output_fn on_output,
                                        callback<unit> end) {
  auto what = "container logs " + id;
  std::unique_lock<std::mutex> lock(mutex_);
  bool stopped = stopping_;
  auto fault = fault_locked("container_logs", what);
  if (stopped) {
    lock.unlock();
    end(std::move(*fault));
    return {};
  }
  if (fault) {
    post_locked(duration{0}, [end = std::move(end), e = std::move(*fault)] { end(e); });
    return {};
  }
  post_locked(duration{0}, [this, id, req, what, on_output = std::move(on_output), end = std::move(end)]() mutable {
    std::unique_lock<std::mutex> lk(mutex_);
    auto cid = m_->container_id_of(id);
    if (cid.empty()) {
      lk.unlock();
      return end(err(errc::not_found, what, "No such container: " + id));
    }
    const auto& c = m_->containers.at(cid);
    std::vector<std::pair<output_stream, std::string>> chunks;
    for (const auto& [stream, text] : c.logs) {
      if ((stream == output_stream::stdout_stream && !req.stdout_stream) ||
          (stream == output_stream::stderr_stream && !req.stderr_stream))
        continue;
      chunks.emplace_back(c.info.tty ? output_stream::raw : stream, text);
    }
    if (!req.tail.empty() && req.tail != "all") {
      auto n = static_cast<std::size_t>(std::stoul(req.tail));
      if (chunks.size() > n)
        chunks.erase(chunks.begin(), chunks.end() - static_cast<std::ptrdiff_t>(n));
    }
    bool follow = req.follow && c.info.running;
    std::uint64_t key = 0;
    if (follow) {
      key = m_->next_key++;
      m_->followers[key] = model::follower{cid, req, on_output, std::move(end)};
    }
    lk.unlock();
    for (const auto& [stream, text] : chunks) {
      if (!on_output(stream, text)) {
        if (follow) {
          std::lock_guard<std::mutex> l2(mutex_);
          auto f = m_->followers.find(key);
          if (f == m_->followers.end())
            return;  // already ended
          end = std::move(f->second.end);
          m_->followers.erase(f);
        }
        return end(unit{});
      }
    }
    if (!follow)
      end(unit{});
  });
  return {};
}

call_handle fake_engine::container_stats(std::string id, callback<stats_sample> done) {
  auto what = "container stats " + id;
  return simple<stats_sample>("container_stats", what, [this, id, what]() -> result<stats_sample> {
    auto cid = m_->container_id_of(id);
    if (cid.empty())
      return err(errc::not_found, what, "No such container: " + id);
    const auto& name = m_->containers.at(cid).info.name;
    auto key = m_->stats.count(cid) ? cid : name;
    auto s = m_->stats.find(key);
    if (s == m_->stats.end() || s->second.empty())
      return stats_sample{};
    auto& next = m_->stats_next[key];
    auto sample = s->second[std::min(next, s->second.size() - 1)];
    ++next;
    return sample;
  }, std::move(done));
}

// -- exec --------------------------------------------------------------------------------------

call_handle fake_engine::exec_create(std::string container_id, docker::exec_request req, callback<std::string> done) {
  auto what = "exec create " + container_id;
  return simple<std::string>("exec_create", what, [this, container_id, req, what]() -> result<std::string> {
    auto cid = m_->container_id_of(container_id);
    if (cid.empty())
      return err(errc::not_found, what, "No such container: " + container_id);
    if (!m_->containers.at(cid).info.running)
      return err(errc::conflict, what, "Container " + cid + " is not running", 409);
    auto id = "exec-" + std::to_string(m_->next_id++);
    m_->execs[id] = model::exec_entry{cid, req, false, -1};
    return id;
  }, std::move(done));
}

call_handle fake_engine::exec_start(std::string exec_id, bool /*tty*/, docker::output_fn on_output,
                                    callback<unit> end) {
  auto what = "exec start " + exec_id;
  std::unique_lock<std::mutex> lock(mutex_);
  bool stopped = stopping_;
  auto fault = fault_locked("exec_start", what);
  if (stopped) {
    lock.unlock();
    end(std::move(*fault));
    return {};
  }
  if (fault) {
    post_locked(duration{0}, [end = std::move(end), e = std::move(*fault)] { end(e); });
    return {};
  }
  post_locked(duration{0}, [this, exec_id, what, on_output = std::move(on_output), end = std::move(end)]() mutable {
    std::unique_lock<std::mutex> lk(mutex_);
    auto e = m_->execs.find(exec_id);
    if (e == m_->execs.end()) {
      lk.unlock();
      return end(err(errc::not_found, what, "No such exec instance: " + exec_id));
    }
    exec_script script;
    auto cmd0 = e->second.req.cmd.empty() ? std::string{} : e->second.req.cmd.front();
    auto s = m_->exec_scripts.find(cmd0);
    if (s != m_->exec_scripts.end())
      script = s->second;
    e->second.started = true;
    e->second.exit_code = script.exit_code;
    bool tty = e->second.req.tty;
    lk.unlock();
    for (const auto& [stream, text] : script.output)
      if (!on_output(tty ? output_stream::raw : stream, text))
        break;
    end(unit{});
  });
  return {};
}

call_handle fake_engine::exec_inspect(std::string exec_id, callback<exec_info> done) {
  auto what = "exec inspect " + exec_id;
  return simple<exec_info>("exec_inspect", what, [this, exec_id, what]() -> result<exec_info> {
    auto e = m_->execs.find(exec_id);
    if (e == m_->execs.end())
      return err(errc::not_found, what, "No such exec instance: " + exec_id);
    return exec_info{exec_id, false, e->second.started ? e->second.exit_code : -1, 0};
  }, std::move(done));
}

} // namespace stevedore::testing
