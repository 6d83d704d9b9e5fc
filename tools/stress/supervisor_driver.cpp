#include "tools/stress/supervisor_driver.hpp"

#include <algorithm>

namespace stevedore::stress {

std::string task_id_of(const task_instance& inst) {
  return inst.alloc_id + "/" + inst.task->name;
}

supervisor_driver::supervisor_driver(driver_context& ctx, std::shared_ptr<supervisor_port> port)
  : ctx_(ctx), port_(std::move(port)), launching_(ctx.work.size()), stopping_(ctx.work.size()) {
  id_at_.reserve(ctx.work.size() + 1);
  for (std::size_t i = 0; i < ctx.work.size(); ++i) {
    id_at_.push_back(ids_.size());
    ids_ += task_id_of(*ctx.work[i]);
  }
  id_at_.push_back(ids_.size());
  ids_.shrink_to_fit();
  std::size_t size = 16;
  while (size < 2 * ctx.work.size())
    size *= 2;
  slots_.assign(size, 0);
  for (std::size_t i = 0; i < ctx.work.size(); ++i) {
    auto at = std::hash<std::string_view>{}(id(i)) & (size - 1);
    while (slots_[at] != 0)
      at = (at + 1) & (size - 1);
    slots_[at] = static_cast<std::uint32_t>(i + 1);
  }
}

std::string_view supervisor_driver::id(std::size_t i) const {
  return std::string_view(ids_).substr(id_at_[i], id_at_[i + 1] - id_at_[i]);
}

std::optional<std::size_t> supervisor_driver::index_of(const std::string& key) const {
  const auto mask = slots_.size() - 1;
  for (auto at = std::hash<std::string_view>{}(key) & mask; slots_[at] != 0; at = (at + 1) & mask)
    if (id(slots_[at] - 1) == key)
      return slots_[at] - 1;
  return std::nullopt;
}

done_fn supervisor_driver::take(std::vector<done_fn>& pending, std::size_t i) {
  std::lock_guard<std::mutex> g(mtx_);
  done_fn d;
  d.swap(pending[i]);
  return d;
}

void supervisor_driver::fail(std::size_t i, const error_info& e) {
  ctx_.fail(i, e);
  end_steps(i);
}

void supervisor_driver::end_steps(std::size_t i) {
  // Whichever step was waiting ends now; the supervisor cleans up the rest.
  if (auto d = take(launching_, i))
    d(false);
  if (auto d = take(stopping_, i))
    d(false);
}

void supervisor_driver::launch(std::size_t i, done_fn done) {
  {
    std::lock_guard<std::mutex> g(mtx_);
    launching_[i] = std::move(done);
  }
  ctx_.mark(i, milestone::submitted);
  // The instance moves into the supervisor, which holds it from now on;
  // the harness's allocation goes.
  auto inst = std::move(*ctx_.work[i]);
  ctx_.work[i].reset();
  port_->start(std::move(inst), [this, i](result<std::string> r) {
    if (!r.ok())
      fail(i, r.error());
  });
}

void supervisor_driver::teardown(std::size_t i, done_fn done) {
  {
    std::lock_guard<std::mutex> g(mtx_);
    stopping_[i] = std::move(done);
  }
  ctx_.mark(i, milestone::stop_requested);
  port_->stop(std::string(id(i)), [this, i](result<unit> r) {
    if (!r.ok())
      fail(i, r.error());
  });
}

void supervisor_driver::on_event(const task_event& e) {
  if (e.kind != "state")
    return;
  auto found = index_of(e.task_id);
  if (!found)
    return;
  auto i = *found;
  switch (e.state) {
    case task_state::creating:
      ctx_.mark(i, milestone::image_ready);
      break;
    case task_state::starting:
      ctx_.mark(i, milestone::created);
      break;
    case task_state::running:
      ctx_.mark(i, milestone::running);
      if (auto d = take(launching_, i))
        d(true);
      break;
    case task_state::exited:
      ctx_.mark(i, milestone::exited);
      break;
    case task_state::cleaned:
      ctx_.mark(i, milestone::cleaned);
      if (auto d = take(stopping_, i))
        d(true);
      // Gone before anyone asked it to stop: the launch cannot succeed any more.
      if (auto d = take(launching_, i)) {
        ctx_.records[i].error_kind = "ended_early";
        ctx_.records[i].error = "task " + std::string(id(i)) + ": cleaned up before it ran";
        d(false);
      }
      break;
    case task_state::failed:
      // The supervisor tells a reason, not an error kind.
      ctx_.records[i].error_kind = "task_failed";
      ctx_.records[i].error =
        "task " + std::string(id(i)) + ": " + (e.message.empty() ? "failed" : e.message);
      end_steps(i);
      break;
    default:
      break;
  }
}

void supervisor_driver::shutdown() {
  port_->shutdown();
}

} // namespace stevedore::stress
