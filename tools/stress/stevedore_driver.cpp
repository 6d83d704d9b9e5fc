#include "tools/stress/stevedore_driver.hpp"

#include <condition_variable>
#include <mutex>
#include <thread>

#include "actors/stevedore.hpp"

namespace stevedore::stress {

namespace {

// supervisor_port over the embedding API's asynchronous calls.
class embedded_port final : public supervisor_port {
public:
  explicit embedded_port(const stress_options& opts) {
    supervisor_options so;
    so.client = opts.client;
    so.call_timeout = opts.call_timeout;
    so.docker_timeout = opts.call_timeout; // and the daemon's calls (--call-timeout)
    so.state_dir = opts.state_dir; // durable state on: what the store costs
    auto made = supervisor::create(std::move(so));
    if (made.ok())
      sup_ = std::move(*made);
    else
      error_ = std::move(made).error();
    if (sup_ && opts.watch_ms > 0)
      watcher_ = std::thread([this, every = std::chrono::milliseconds(opts.watch_ms)] { watch(every); });
  }
  ~embedded_port() override { stop_watching(); }

  // Every task event from now on goes to `drv`, until shutdown().
  void listen(supervisor_driver& drv) {
    if (sup_)
      sub_ = sup_->subscribe([&drv](const task_event& e) { drv.on_event(e); });
  }

  void start(task_instance inst, std::function<void(result<std::string>)> done) override {
    if (!sup_)
      return done(error_);
    std::vector<task_instance> one;
    one.push_back(std::move(inst));
    sup_->start(std::move(one), [done = std::move(done)](result<std::vector<std::string>> r) {
      if (!r.ok())
        return done(std::move(r).error());
      if (r->empty())
        return done(make_error(errc::internal, "supervisor start", "answered no task id"));
      done(std::move(r->front()));
    });
  }

  void stop(const std::string& task_id, std::function<void(result<unit>)> done) override {
    if (!sup_)
      return done(error_);
    sup_->stop(task_id, [done = std::move(done)](result<unit> r) { done(std::move(r)); });
  }

  void shutdown() override {
    stop_watching();
    sub_.cancel();
    if (sup_)
      sup_->shutdown();
  }

private:
  // What a console's WebSocket costs the supervisor: its page asked each
  // period (after the last answer, as the agent's pusher does).
  void watch(std::chrono::milliseconds every) {
    for (;;) {
      auto answered = std::make_shared<bool>(false); // under mu_
      sup_->actors(actor_query{}, [this, answered](result<actor_page>) {
        std::lock_guard<std::mutex> l(mu_);
        *answered = true;
        cv_.notify_all();
      });
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return *answered; });
      ++pages_;
      if (cv_.wait_for(lock, every, [this] { return stopping_; }))
        return;
    }
  }

  void stop_watching() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stopping_ = true;
      cv_.notify_all();
    }
    if (watcher_.joinable())
      watcher_.join();
  }

  std::unique_ptr<supervisor> sup_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::int64_t pages_ = 0;           // pages asked by the watcher
  std::thread watcher_;
  error_info error_; // why there is no supervisor
  subscription sub_;
};

} // namespace

std::unique_ptr<driver> make_stevedore_driver(driver_context& ctx) {
  auto port = std::make_shared<embedded_port>(ctx.options);
  auto drv = std::make_unique<supervisor_driver>(ctx, port);
  port->listen(*drv);
  return drv;
}

} // namespace stevedore::stress
