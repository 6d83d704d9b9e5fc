// The agent's backend over the embedding API (actors/stevedore.hpp): every
// call is one asynchronous supervisor call, exec goes straight to the Engine
// API through the supervisor's (metered) client, and event subscriptions are
// the embedding API's. The backend may outlive the supervisor (an HTTP
// callback can still hold it): once the service is shut down every call
// answers unavailable without touching the supervisor.
#include "tools/agent/supervisor_backend.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <system_error>
#include <thread>
#include <utility>

#include <unistd.h>

#include <caf/all.hpp>

#include "policy/restart_tracker.hpp"
#include "actors/stevedore.hpp"
#include "tools/agent/metered_client.hpp"

namespace stevedore::agent {

namespace {

// The most output an exec answer carries (both streams together); the rest
// is read and dropped so the command still runs to its end and its exit code
// is known.
constexpr std::size_t exec_output_cap = 1u << 20;

// Exec inspections right after the output ended may still see the command
// running (dockerd records the exit a moment after closing the stream).
constexpr int exec_inspect_tries = 50;

// The longest start_supervisor waits for the daemon's first poll.
constexpr std::chrono::seconds first_fingerprint_wait{15};

error_info gone() {
  return make_error(errc::unavailable, "supervisor", "it has been shut down");
}

// What the backend and its cancel functions share with the service: the
// supervisor while it serves, and the live event subscriptions.
struct shared_state {
  std::shared_mutex mu;            // shared: a call in flight; exclusive: shutting down
  stevedore::supervisor* sup = nullptr; // null once shut down
  std::mutex subs_mu;
  std::map<std::uint64_t, subscription> subs;
  std::uint64_t next_sub = 0;
};

using expire_atom = caf::atom_constant<caf::atom("expire")>;

// Calls `on_expire` once `after` has passed, unless told (ok_atom) first;
// ends either way, and with `owner` (the supervisor: a shutdown does not
// wait out the timer).
caf::actor spawn_deadline(caf::actor_system& sys, const caf::actor& owner,
                          std::chrono::milliseconds after, std::function<void()> on_expire) {
  return sys.spawn([owner, after, on_expire = std::move(on_expire)](caf::event_based_actor* self) -> caf::behavior {
    self->link_to(owner);
    self->delayed_send(self, after, expire_atom::value);
    return {
      [self, on_expire](expire_atom) {
        on_expire();
        self->quit();
      },
      [self](caf::ok_atom) { self->quit(); },
    };
  });
}

// One exec: create, attached start (output capped), inspect for the exit
// code; answered exactly once, with a timeout error if the command has not
// ended within its time (the command goes on: the Engine API cannot stop an
// exec, only what it runs can be killed).
class exec_run : public std::enable_shared_from_this<exec_run> {
public:
  exec_run(std::shared_ptr<docker::client> d, std::string task_id, reply<exec_output> done)
    : docker_(std::move(d)), task_id_(std::move(task_id)), done_(std::move(done)) {}

  void start(caf::actor_system& sys, const caf::actor& owner, const std::string& container_id,
             std::vector<std::string> cmd, std::chrono::milliseconds timeout) {
    std::weak_ptr<exec_run> weak = shared_from_this();
    auto deadline = spawn_deadline(sys, owner, timeout, [weak, timeout] {
      if (auto self = weak.lock())
        self->expire(timeout);
    });
    {
      std::lock_guard<std::mutex> lock(mu_);
      deadline_ = deadline;
    }
    docker::exec_request req;
    req.cmd = std::move(cmd);
    docker_->exec_create(container_id, std::move(req), [self = shared_from_this()](result<std::string> id) {
      if (!id)
        return self->fail(id.error(), "create");
      self->on_created(std::move(*id));
    });
  }

private:
  void on_created(std::string exec_id) {
    exec_id_ = std::move(exec_id);
    auto self = shared_from_this();
    auto stream = docker_->exec_start(
      exec_id_, false,
      [self](docker::output_stream s, std::string_view bytes) {
        self->take(s, bytes);
        return true;
      },
      [self](result<unit> end) {
        if (!end)
          return self->fail(end.error(), "start");
        self->inspect(exec_inspect_tries);
      });
    std::unique_lock<std::mutex> lock(mu_);
    if (answered_) {
      lock.unlock();
      stream.cancel(); // expired before the stream began
      return;
    }
    stream_ = std::move(stream);
  }

  // Runs on the client's I/O thread, one piece at a time.
  void take(docker::output_stream s, std::string_view bytes) {
    const std::size_t room = exec_output_cap - std::min(exec_output_cap, kept_);
    if (bytes.size() > room) {
      out_.truncated = true;
      bytes = bytes.substr(0, room);
    }
    kept_ += bytes.size();
    (s == docker::output_stream::stderr_stream ? out_.stderr_text : out_.stdout_text).append(bytes);
  }

  void inspect(int tries_left) {
    docker_->exec_inspect(exec_id_, [self = shared_from_this(), tries_left](result<exec_info> info) {
      if (!info)
        return self->fail(info.error(), "inspect");
      if (info->running && tries_left > 1)
        return self->inspect(tries_left - 1);
      if (info->running)
        return self->fail(make_error(errc::timeout, "", "its output ended but it still runs"), "inspect");
      self->out_.exit_code = info->exit_code;
      self->answer(std::move(self->out_));
    });
  }

  void fail(const error_info& e, const char* step) {
    error_info out = e;
    out.what = "exec in task " + task_id_;
    out.message = std::string(step) + ": " + (e.what.empty() ? e.message : e.what + ": " + e.message);
    // The task was running a moment ago: its container went away since.
    if (out.kind == errc::not_found)
      out.kind = errc::conflict;
    answer(std::move(out));
  }

  // From the deadline actor's thread.
  void expire(std::chrono::milliseconds timeout) {
    docker::call_handle stream;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (answered_)
        return;
      answered_ = true;
      stream = std::move(stream_);
      deadline_ = nullptr;
    }
    stream.cancel();
    done_(make_error(errc::timeout, "exec in task " + task_id_,
                     "still running after " + format_duration_ms(timeout.count()) +
                       " (the request's timeout); the command goes on in the container"));
  }

  void answer(result<exec_output> r) {
    caf::actor deadline;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (answered_)
        return;
      answered_ = true;
      deadline = std::move(deadline_);
      stream_ = {};
    }
    if (deadline)
      caf::anon_send(deadline, caf::ok_atom::value);
    done_(std::move(r));
  }

  std::shared_ptr<docker::client> docker_;
  std::string task_id_;
  reply<exec_output> done_;
  std::string exec_id_;
  exec_output out_;
  std::size_t kept_ = 0; // output bytes kept so far
  std::mutex mu_;        // guards what the deadline's thread also touches:
  bool answered_ = false;
  docker::call_handle stream_;
  caf::actor deadline_;
};

class supervisor_api final : public backend {
public:
  explicit supervisor_api(std::shared_ptr<shared_state> s) : s_(std::move(s)) {}

  void start_job(job_spec job, reply<std::vector<std::string>> done) override {
    with(done, [&](stevedore::supervisor& sup) { sup.start_job(std::move(job), std::move(done)); });
  }
  void list_tasks(reply<std::vector<task_status>> done) override {
    with(done, [&](stevedore::supervisor& sup) { sup.list(std::move(done)); });
  }
  void task(std::string id, reply<task_status> done) override {
    with(done, [&](stevedore::supervisor& sup) { sup.status(std::move(id), std::move(done)); });
  }
  void stop_task(std::string id, reply<unit> done) override {
    with(done, [&](stevedore::supervisor& sup) { sup.stop(std::move(id), std::move(done)); });
  }
  void signal_task(std::string id, std::string signal, reply<unit> done) override {
    with(done, [&](stevedore::supervisor& sup) {
      sup.signal(std::move(id), std::move(signal), std::move(done));
    });
  }
  void exec_task(std::string id, std::vector<std::string> cmd, std::chrono::milliseconds timeout,
                 reply<exec_output> done) override {
    with(done, [&](stevedore::supervisor& sup) {
      auto docker = sup.docker();
      auto* sys = &sup.system();
      auto owner = caf::actor_cast<caf::actor>(sup.handle());
      sup.status(id, [docker, sys, owner, id, timeout, cmd = std::move(cmd), done = std::move(done)](
                       result<task_status> st) mutable {
        if (!st)
          return done(std::move(st).error());
        if (st->state != task_state::running || st->container_id.empty())
          return done(make_error(errc::conflict, "exec in task " + id,
                                 std::string("the task is ") + to_string(st->state) +
                                   ", not running"));
        auto run = std::make_shared<exec_run>(docker, id, std::move(done));
        run->start(*sys, owner, st->container_id, std::move(cmd), timeout);
      });
    });
  }
  void task_logs(std::string id, reply<log_files> done) override {
    with(done, [&](stevedore::supervisor& sup) {
      sup.instance(std::move(id), [done = std::move(done)](result<task_instance> inst) {
        if (!inst)
          return done(std::move(inst).error());
        done(log_files{inst->shared_dir() + "/logs", inst->task->name});
      });
    });
  }
  void task_stats(std::string id, reply<stevedore::task_stats> done) override {
    with(done, [&](stevedore::supervisor& sup) { sup.stats(std::move(id), std::move(done)); });
  }
  void images(reply<std::vector<image_record>> done) override {
    with(done, [&](stevedore::supervisor& sup) { sup.images(std::move(done)); });
  }
  void node(reply<fingerprint> done) override {
    with(done, [&](stevedore::supervisor& sup) { sup.node(std::move(done)); });
  }

  cancel_fn subscribe(std::function<void(const task_event&)> on_event) override {
    std::shared_lock<std::shared_mutex> lock(s_->mu);
    if (!s_->sup)
      return [] {};
    // Calls that were already on their way when cancel came are dropped.
    auto live = std::make_shared<std::atomic<bool>>(true);
    auto sub = s_->sup->subscribe([live, on_event = std::move(on_event)](const task_event& e) {
      if (live->load())
        on_event(e);
    });
    std::uint64_t key = 0;
    {
      std::lock_guard<std::mutex> l(s_->subs_mu);
      key = ++s_->next_sub;
      s_->subs.emplace(key, std::move(sub));
    }
    return [weak = std::weak_ptr<shared_state>(s_), live, key] {
      live->store(false);
      auto s = weak.lock();
      if (!s)
        return;
      subscription sub;
      {
        std::lock_guard<std::mutex> l(s->subs_mu);
        auto it = s->subs.find(key);
        if (it == s->subs.end())
          return; // cancelled before, or by the service's shutdown
        sub = std::move(it->second);
        s->subs.erase(it);
      }
      // Held across the cancel so that the supervisor is not shut down
      // (and its actor system destroyed) under it.
      std::shared_lock<std::shared_mutex> lock(s->mu);
      sub.cancel();
    };
  }

private:
  // Runs `call` on the supervisor while it serves; answers unavailable after.
  template <class T, class F>
  void with(reply<T>& done, F&& call) {
    std::shared_lock<std::shared_mutex> lock(s_->mu);
    if (!s_->sup) {
      lock.unlock();
      return done(gone());
    }
    call(*s_->sup);
  }

  std::shared_ptr<shared_state> s_;
};

class service final : public supervisor_service {
public:
  service(std::unique_ptr<stevedore::supervisor> sup)
    : sup_(std::move(sup)), state_(std::make_shared<shared_state>()) {
    state_->sup = sup_.get();
    backend_ = std::make_shared<supervisor_api>(state_);
  }
  ~service() override { shutdown(); }

  std::shared_ptr<backend> api_backend() override { return backend_; }

  void shutdown() override {
    std::map<std::uint64_t, subscription> subs;
    {
      // Waits for calls in flight to have handed their work to the
      // supervisor (they never wait on it), then refuses new ones.
      std::unique_lock<std::shared_mutex> lock(state_->mu);
      if (!state_->sup)
        return;
      state_->sup = nullptr;
      std::lock_guard<std::mutex> l(state_->subs_mu);
      subs.swap(state_->subs);
    }
    for (auto& [key, sub] : subs)
      sub.cancel();
    if (auto r = sup_->shutdown(); !r)
      std::fprintf(stderr, "stevedore agent: %s\n", to_string(r.error()).c_str());
  }

private:
  std::unique_ptr<stevedore::supervisor> sup_;
  std::shared_ptr<shared_state> state_;
  std::shared_ptr<backend> backend_;
};

// The state folder exists (made if need be) and can be written.
result<unit> prepare_state_dir(const std::string& dir) {
  if (dir.empty())
    return unit{};
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return make_error(errc::invalid_input, "state folder " + dir, "cannot be made: " + ec.message());
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return make_error(errc::not_permitted, "state folder " + dir,
                      std::string("cannot be written: ") + std::system_category().message(errno));
  return unit{};
}

// Until the daemon has been polled once (healthy or not), so that the
// agent's first answers already say what the node is. A daemon that does
// not answer in time is served as undetected; the fingerprinter goes on.
void wait_first_fingerprint(stevedore::supervisor& sup) {
  const auto until = std::chrono::steady_clock::now() + first_fingerprint_wait;
  while (std::chrono::steady_clock::now() < until) {
    auto fp = sup.node();
    if (!fp || fp->polls > 0)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

} // namespace

result<std::unique_ptr<supervisor_service>> start_supervisor(const client_config& client,
                                                             const std::string& state_dir,
                                                             std::shared_ptr<metrics> m) {
  if (auto ok = prepare_state_dir(state_dir); !ok)
    return std::move(ok).error();
  auto ep = docker::resolve_endpoint(client.endpoint, client.tls_cert, client.tls_key, client.tls_ca,
                                     [](const char* k) { return std::getenv(k); });
  if (!ep)
    return std::move(ep).error();
  supervisor_options opts;
  opts.client = client;
  opts.state_dir = state_dir;
  opts.docker = make_metered_client(docker::client::make(std::move(*ep)), std::move(m));
  auto sup = stevedore::supervisor::create(std::move(opts));
  if (!sup)
    return std::move(sup).error();
  wait_first_fingerprint(**sup);
  return std::unique_ptr<supervisor_service>(new service(std::move(*sup)));
}

} // namespace stevedore::agent
