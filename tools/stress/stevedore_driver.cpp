#include "tools/stress/stevedore_driver.hpp"

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
  }

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
    sub_.cancel();
    if (sup_)
      sup_->shutdown();
  }

private:
  std::unique_ptr<supervisor> sup_;
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
