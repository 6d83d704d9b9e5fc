#include "tools/stress/baseline.hpp"

#include <filesystem>
#include <mutex>
#include <system_error>

#include "docker/client.hpp"

namespace stevedore::stress {

namespace {

// "reg:5000/a/b:tag" -> {"reg:5000/a/b", "tag"}; no tag -> "latest".
std::pair<std::string, std::string> split_reference(const std::string& ref) {
  auto slash = ref.rfind('/');
  auto colon = ref.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash))
    return {ref, "latest"};
  return {ref.substr(0, colon), ref.substr(colon + 1)};
}

// One check of the image for the whole run: the first task asks, the others
// wait for its answer, as an image manager would de-duplicate.
class image_gate {
public:
  using waiter = std::function<void(const error_info*)>;

  void ensure(docker::client& client, const std::string& image, waiter w) {
    std::unique_lock<std::mutex> lock(mtx_);
    switch (state_) {
      case state::ready:
        lock.unlock();
        w(nullptr);
        return;
      case state::failed: {
        auto err = error_;
        lock.unlock();
        w(&err);
        return;
      }
      case state::checking:
        waiters_.push_back(std::move(w));
        return;
      case state::unknown:
        state_ = state::checking;
        waiters_.push_back(std::move(w));
    }
    lock.unlock();
    client.image_inspect(image, [this, &client, image](result<image_info> r) {
      if (r.ok())
        return finish(nullptr);
      if (r.error().kind != errc::not_found)
        return finish(&r.error());
      auto [repo, tag] = split_reference(image);
      docker::pull_request req;
      req.image = repo;
      req.tag = tag;
      client.image_pull(std::move(req), [](const pull_progress&) {},
                        [this](result<pull_summary> p) { finish(p.ok() ? nullptr : &p.error()); });
    });
  }

private:
  enum class state { unknown, checking, ready, failed };

  void finish(const error_info* err) {
    std::vector<waiter> ws;
    {
      std::lock_guard<std::mutex> g(mtx_);
      state_ = err ? state::failed : state::ready;
      if (err)
        error_ = *err;
      ws.swap(waiters_);
    }
    for (auto& w : ws)
      w(err);
  }

  std::mutex mtx_;
  state state_ = state::unknown;
  error_info error_;
  std::vector<waiter> waiters_;
};

class baseline_driver final : public driver {
public:
  baseline_driver(driver_context& ctx, std::shared_ptr<docker::client> client)
    : ctx_(ctx), client_(std::move(client)), ids_(ctx.work.size()),
      grace_(std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::milliseconds(ctx.options.kill_timeout_ms))) {}

  std::string name() const override { return baseline_driver_name; }

  void launch(std::size_t i, done_fn done) override {
    ctx_.mark(i, milestone::submitted);
    const auto& inst = *ctx_.work[i];
    gate_.ensure(*client_, inst.image, [this, i, done](const error_info* err) {
      if (err)
        return fail_launch(i, *err, done);
      ctx_.mark(i, milestone::image_ready);
      if (auto e = make_folders(*ctx_.work[i]); e.kind != errc::ok)
        return fail_launch(i, e, done);
      auto& w = *ctx_.work[i];
      client_->container_create(w.container_name, std::move(w.create_body_text),
                                [this, i, done](result<create_answer> r) {
        if (!r.ok())
          return fail_launch(i, r.error(), done);
        ids_[i] = std::move(r->id);
        ctx_.mark(i, milestone::created);
        client_->container_start(ids_[i], [this, i, done](result<unit> s) {
          if (!s.ok())
            return fail_launch(i, s.error(), done);
          ctx_.mark(i, milestone::running);
          done(true);
        });
      });
    });
  }

  void teardown(std::size_t i, done_fn done) override {
    ctx_.mark(i, milestone::stop_requested);
    client_->container_stop(ids_[i], grace_, [this, i, done](result<unit> r) {
      if (!r.ok())
        return fail_teardown(i, r.error(), done);
      ctx_.mark(i, milestone::exited);
      client_->container_remove(ids_[i], false, true, [this, i, done](result<unit> d) {
        if (!d.ok())
          return fail_teardown(i, d.error(), done);
        ctx_.mark(i, milestone::cleaned);
        remove_folders(*ctx_.work[i]);
        done(true);
      });
    });
  }

  void shutdown() override { client_->shutdown(); }

private:
  static error_info make_folders(const task_instance& inst) {
    std::error_code ec;
    for (const auto& dir : {inst.shared_dir(), inst.local_dir(), inst.secrets_dir()}) {
      std::filesystem::create_directories(dir, ec);
      if (ec)
        return make_error(errc::internal, "baseline mkdir " + dir, ec.message());
    }
    return {};
  }

  static void remove_folders(const task_instance& inst) {
    std::error_code ec;
    std::filesystem::remove_all(inst.alloc_dir, ec);
  }

  // A failed launch leaves nothing behind: the container it made is removed
  // by force before the task counts as failed.
  void fail_launch(std::size_t i, const error_info& e, const done_fn& done) {
    ctx_.fail(i, e);
    force_remove(i, done);
  }

  void fail_teardown(std::size_t i, const error_info& e, const done_fn& done) {
    ctx_.fail(i, e);
    force_remove(i, done);
  }

  void force_remove(std::size_t i, const done_fn& done) {
    remove_folders(*ctx_.work[i]);
    if (ids_[i].empty())
      return done(false);
    client_->container_remove(ids_[i], true, true, [done](result<unit>) { done(false); });
  }

  driver_context& ctx_;
  std::shared_ptr<docker::client> client_;
  std::vector<std::string> ids_; // container id per task, once created
  std::chrono::seconds grace_;
  image_gate gate_;
};

} // namespace

std::unique_ptr<driver> make_baseline_driver(driver_context& ctx,
                                             std::shared_ptr<docker::client> client) {
  return std::make_unique<baseline_driver>(ctx, std::move(client));
}

} // namespace stevedore::stress
