// The agent's backend over the embedding API (actors/stevedore.hpp): every
// call is one asynchronous supervisor call (exec too: the task actor runs
// it), and event subscriptions are the embedding API's. The backend may outlive the supervisor (an HTTP
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
#include "tools/agent/attached_exec.hpp"
#include "tools/agent/metered_client.hpp"

namespace stevedore::agent {

namespace {

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
  void restart_task(std::string id, reply<unit> done) override {
    with(done, [&](stevedore::supervisor& sup) { sup.restart(std::move(id), std::move(done)); });
  }
  void exec_task(std::string id, std::vector<std::string> cmd, std::chrono::milliseconds timeout,
                 reply<exec_output> done) override {
    with(done, [&](stevedore::supervisor& sup) {
      sup.exec(std::move(id), std::move(cmd), timeout, std::move(done));
    });
  }
  // Not through the task actor: the command's stream belongs to the HTTP
  // client that asked, for as long as it runs; the task only has to run.
  void exec_attached(std::string id, exec_start what, exec_sink sink,
                     reply<std::shared_ptr<exec_channel>> started) override {
    with(started, [&](stevedore::supervisor& sup) {
      auto docker = sup.docker();
      sup.status(id, [docker, id, what = std::move(what), sink = std::move(sink),
                      started = std::move(started)](result<task_status> t) mutable {
        if (!t)
          return started(std::move(t).error());
        if (t->state != task_state::running || t->container_id.empty())
          return started(make_error(errc::conflict, "exec in task " + id,
                                    std::string("the task is ") + to_string(t->state) +
                                      ", not running"));
        start_attached_exec(std::move(docker), id, t->container_id, std::move(what),
                            std::move(sink), std::move(started));
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

  void actors(actor_query q, reply<actor_page> done) override {
    with(done, [&](stevedore::supervisor& sup) { sup.actors(std::move(q), std::move(done)); });
  }
  void actor(std::string who, reply<actor_status> done) override {
    with(done, [&](stevedore::supervisor& sup) { sup.actor(std::move(who), std::move(done)); });
  }
  void trace_on(std::string who, std::int64_t count, std::int64_t for_ms, reply<unit> done) override {
    with(done, [&](stevedore::supervisor& sup) {
      sup.trace(std::move(who), count, for_ms, std::move(done));
    });
  }
  void trace(std::string who, reply<actor_trace> done) override {
    with(done, [&](stevedore::supervisor& sup) { sup.trace(std::move(who), std::move(done)); });
  }
  void recent_events(reply<std::vector<task_event>> done) override {
    with(done, [&](stevedore::supervisor& sup) { sup.recent_events(std::move(done)); });
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
    if (!close_api())
      return;
    if (auto r = sup_->shutdown(); !r)
      std::fprintf(stderr, "stevedore agent: %s\n", to_string(r.error()).c_str());
  }

  void leave_running() override {
    if (!close_api())
      return;
    if (auto r = sup_->leave_running(); !r)
      std::fprintf(stderr, "stevedore agent: %s\n", to_string(r.error()).c_str());
  }

private:
  // Refuses new calls and ends the subscriptions; false when done before.
  bool close_api() {
    std::map<std::uint64_t, subscription> subs;
    {
      // Waits for calls in flight to have handed their work to the
      // supervisor (they never wait on it), then refuses new ones.
      std::unique_lock<std::shared_mutex> lock(state_->mu);
      if (!state_->sup)
        return false;
      state_->sup = nullptr;
      std::lock_guard<std::mutex> l(state_->subs_mu);
      subs.swap(state_->subs);
    }
    for (auto& [key, sub] : subs)
      sub.cancel();
    return true;
  }

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
                                                             std::shared_ptr<metrics> m,
                                                             const durability_options& d) {
  if (auto ok = prepare_state_dir(state_dir); !ok)
    return std::move(ok).error();
  auto ep = docker::resolve_endpoint(client.endpoint, client.tls_cert, client.tls_key, client.tls_ca,
                                     [](const char* k) { return std::getenv(k); });
  if (!ep)
    return std::move(ep).error();
  supervisor_options opts;
  opts.client = client;
  opts.state_dir = state_dir;
  opts.reconcile_grace = d.reconcile_grace;
  opts.reconcile_dry_run = d.reconcile_dry_run;
  opts.reconcile_interval = d.reconcile_interval;
  opts.docker = make_metered_client(docker::client::make(std::move(*ep)), std::move(m));
  auto sup = stevedore::supervisor::create(std::move(opts));
  if (!sup)
    return std::move(sup).error();
  wait_first_fingerprint(**sup);
  return std::unique_ptr<supervisor_service>(new service(std::move(*sup)));
}

} // namespace stevedore::agent
