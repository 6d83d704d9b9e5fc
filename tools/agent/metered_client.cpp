#include "tools/agent/metered_client.hpp"

#include <chrono>

namespace stevedore::agent {

namespace {

using clock_type = std::chrono::steady_clock;

class metered_client final : public docker::client {
public:
  using call_handle = docker::call_handle;

  metered_client(std::shared_ptr<docker::client> inner, std::shared_ptr<metrics> m)
    : inner_(std::move(inner)), metrics_(std::move(m)) {}

  std::string api_version() const override { return inner_->api_version(); }
  const docker::endpoint& where() const noexcept override { return inner_->where(); }
  void shutdown() override { inner_->shutdown(); }

  call_handle ping(docker::callback<unit> done) override {
    return inner_->ping(timed("ping", std::move(done)));
  }
  call_handle version(docker::callback<engine_version> done) override {
    return inner_->version(timed("version", std::move(done)));
  }
  call_handle info(docker::callback<engine_info> done) override {
    return inner_->info(timed("info", std::move(done)));
  }
  call_handle network_inspect(std::string name, docker::callback<network_info> done) override {
    return inner_->network_inspect(std::move(name), timed("network_inspect", std::move(done)));
  }
  call_handle events(docker::events_request req, std::function<bool(const engine_event&)> on_event,
                     docker::callback<unit> end) override {
    return inner_->events(std::move(req), std::move(on_event), timed("events", std::move(end)));
  }
  call_handle image_inspect(std::string name, docker::callback<image_info> done) override {
    return inner_->image_inspect(std::move(name), timed("image_inspect", std::move(done)));
  }
  call_handle image_list(docker::callback<std::vector<image_summary>> done) override {
    return inner_->image_list(timed("image_list", std::move(done)));
  }
  call_handle image_pull(docker::pull_request req,
                         std::function<void(const pull_progress&)> on_progress,
                         docker::callback<pull_summary> done) override {
    auto m = metrics_;
    auto counted = [m, done = std::move(done)](result<pull_summary> r) {
      m->observe_pull(r.ok(), r.ok() ? r->bytes : 0);
      done(std::move(r));
    };
    return inner_->image_pull(std::move(req), std::move(on_progress),
                              timed("image_pull", docker::callback<pull_summary>(std::move(counted))));
  }
  call_handle image_load(std::string tar_path, docker::callback<std::vector<std::string>> done) override {
    return inner_->image_load(std::move(tar_path), timed("image_load", std::move(done)));
  }
  call_handle image_remove(std::string name, bool force, docker::callback<unit> done) override {
    return inner_->image_remove(std::move(name), force, timed("image_remove", std::move(done)));
  }
  call_handle container_create(std::string name, std::string body,
                               docker::callback<create_answer> done) override {
    return inner_->container_create(std::move(name), std::move(body),
                                    timed("container_create", std::move(done)));
  }
  call_handle container_start(std::string id, docker::callback<unit> done) override {
    return inner_->container_start(std::move(id), timed("container_start", std::move(done)));
  }
  call_handle container_inspect(std::string id, docker::callback<container_info> done) override {
    return inner_->container_inspect(std::move(id), timed("container_inspect", std::move(done)));
  }
  call_handle container_wait(std::string id, std::string condition,
                             docker::callback<wait_answer> done) override {
    return inner_->container_wait(std::move(id), std::move(condition),
                                  timed("container_wait", std::move(done)));
  }
  call_handle container_stop(std::string id, std::chrono::seconds grace,
                             docker::callback<unit> done) override {
    return inner_->container_stop(std::move(id), grace, timed("container_stop", std::move(done)));
  }
  call_handle container_kill(std::string id, std::string signal, docker::callback<unit> done) override {
    return inner_->container_kill(std::move(id), std::move(signal),
                                  timed("container_kill", std::move(done)));
  }
  call_handle container_remove(std::string id, bool force, bool remove_volumes,
                               docker::callback<unit> done) override {
    return inner_->container_remove(std::move(id), force, remove_volumes,
                                    timed("container_remove", std::move(done)));
  }
  call_handle container_list(std::vector<std::string> label_filters, bool all,
                             docker::callback<std::vector<container_summary>> done) override {
    return inner_->container_list(std::move(label_filters), all,
                                  timed("container_list", std::move(done)));
  }
  call_handle container_logs(std::string id, docker::logs_request req, docker::output_fn on_output,
                             docker::callback<unit> end) override {
    return inner_->container_logs(std::move(id), std::move(req), std::move(on_output),
                                  timed("container_logs", std::move(end)));
  }
  call_handle container_stats(std::string id, docker::callback<stats_sample> done) override {
    return inner_->container_stats(std::move(id), timed("container_stats", std::move(done)));
  }
  call_handle exec_create(std::string container_id, docker::exec_request req,
                          docker::callback<std::string> done) override {
    return inner_->exec_create(std::move(container_id), std::move(req),
                               timed("exec_create", std::move(done)));
  }
  call_handle exec_start(std::string exec_id, bool tty, docker::output_fn on_output,
                         docker::callback<unit> end) override {
    return inner_->exec_start(std::move(exec_id), tty, std::move(on_output),
                              timed("exec_start", std::move(end)));
  }
  call_handle exec_inspect(std::string exec_id, docker::callback<exec_info> done) override {
    return inner_->exec_inspect(std::move(exec_id), timed("exec_inspect", std::move(done)));
  }

private:

  // Wraps `done` so that its run records the call's time and outcome first.
  template <class T>
  docker::callback<T> timed(const char* call, docker::callback<T> done) {
    return [m = metrics_, call, start = clock_type::now(), done = std::move(done)](result<T> r) {
      const std::chrono::duration<double> took = clock_type::now() - start;
      m->observe_call(call, took.count(), r.ok() ? errc::ok : r.error().kind);
      done(std::move(r));
    };
  }

  std::shared_ptr<docker::client> inner_;
  std::shared_ptr<metrics> metrics_;
};

} // namespace

std::shared_ptr<docker::client> make_metered_client(std::shared_ptr<docker::client> inner,
                                                    std::shared_ptr<metrics> m) {
  return std::make_shared<metered_client>(std::move(inner), std::move(m));
}

} // namespace stevedore::agent
