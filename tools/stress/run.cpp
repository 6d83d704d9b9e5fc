#include "tools/stress/run.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <thread>

#include "docker/client.hpp"
#include "tools/stress/system_usage.hpp"
#include "tools/stress/timer_queue.hpp"

namespace stevedore::stress {

namespace {

using namespace std::chrono_literals;

// Calls on_progress and tracks the most live tasks (with the RSS then)
// until stopped.
class sampler {
public:
  sampler(const std::string& name, const progress& p, std::int64_t total, const run_hooks& hooks)
    : thread_([this, name, &p, total, &hooks] {
        std::unique_lock<std::mutex> lock(mtx_);
        while (!stop_) {
          auto live = p.live();
          if (live > max_live_) {
            max_live_ = live;
            rss_at_max_kb_ = read_memory().rss_kb;
          }
          if (hooks.on_progress)
            hooks.on_progress(name, p, total);
          cv_.wait_for(lock, 100ms);
        }
      }) {}

  ~sampler() { stop(); }

  void stop() {
    {
      std::lock_guard<std::mutex> g(mtx_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable())
      thread_.join();
  }

  std::int64_t max_live() const { return max_live_; }
  std::int64_t rss_at_max_kb() const { return rss_at_max_kb_; }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::int64_t max_live_ = 0;
  std::int64_t rss_at_max_kb_ = 0;
  std::thread thread_;
};

template <class T, class Call>
result<T> wait_for(Call call) {
  std::promise<result<T>> p;
  auto f = p.get_future();
  call([&p](result<T> r) { p.set_value(std::move(r)); });
  return f.get();
}

// Counts this driver's containers still on the daemon, then removes them.
std::int64_t check_leftovers(docker::client& checker, const std::string& job,
                             const run_hooks& hooks) {
  auto listed = wait_for<std::vector<container_summary>>([&](auto cb) {
    checker.container_list({"com.stevedore.job=" + job}, true, std::move(cb));
  });
  if (!listed.ok()) {
    if (hooks.on_note)
      hooks.on_note("cannot list the containers of " + job + ": " + to_string(listed.error()));
    return -1;
  }
  for (const auto& c : *listed)
    wait_for<unit>([&](auto cb) { checker.container_remove(c.id, true, true, std::move(cb)); });
  return static_cast<std::int64_t>(listed->size());
}

std::string make_alloc_root(const stress_options& opts, const std::string& driver) {
  const char* tmp = std::getenv("TMPDIR");
  std::filesystem::path root = tmp && *tmp ? tmp : "/tmp";
  root /= "stevedore-stress-" + opts.run_id + "-" + driver;
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  return ec ? std::string() : root.string();
}

std::int64_t last_running_us(const std::vector<task_record>& records) {
  std::int64_t last = -1;
  for (const auto& r : records)
    last = std::max(last, r.at(milestone::running));
  return last;
}

void measure_idle(const stress_options& opts, std::int64_t tasks, idle_figures& idle) {
  auto cpu0 = process_cpu_us();
  auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(opts.idle_measure_s));
  idle.cpu_us = process_cpu_us() - cpu0;
  idle.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto mem = read_memory();
  idle.tasks = tasks;
  idle.rss_kb = mem.rss_kb;
  idle.threads = mem.threads;
  idle.child_processes = child_process_count();
}

result<driver_figures> run_one(const stress_options& opts, const named_driver& nd,
                               docker::client& checker, const run_hooks& hooks) {
  auto note = [&](const std::string& s) {
    if (hooks.on_note)
      hooks.on_note(nd.name + ": " + s);
  };
  driver_figures fig;
  fig.driver = nd.name;
  release_free_memory();
  reset_peak_rss();
  fig.usage.rss_before_kb = read_memory().rss_kb;

  auto alloc_root = make_alloc_root(opts, nd.name);
  if (alloc_root.empty())
    return make_error(errc::internal, "stress " + nd.name, "cannot make a folder for the task dirs");
  note("planning " + std::to_string(opts.tasks) + " tasks");
  auto work = plan_workload(opts, nd.name, alloc_root);
  if (!work.ok())
    return std::move(work).error();

  driver_context ctx{opts, {}, {}, {}};
  ctx.work.reserve(work->size());
  for (auto& inst : *work)
    ctx.work.push_back(std::make_unique<task_instance>(std::move(inst)));
  work->clear();
  work->shrink_to_fit();
  fig.usage.rss_planned_kb = read_memory().rss_kb;
  ctx.records.resize(ctx.work.size());
  note(opts.churn ? "running lifecycles" : "starting tasks");
  auto cpu0 = process_cpu_us();
  auto drv = nd.make(ctx);
  schedule sched(ctx.work.size(), static_cast<std::size_t>(opts.concurrency),
                 [&](std::size_t i, done_fn d) { drv->launch(i, std::move(d)); },
                 [&](std::size_t i, done_fn d) { drv->teardown(i, std::move(d)); },
                 opts.step_timeout);
  sampler samples(nd.name, sched.counters(), opts.tasks, hooks);
  ctx.clock.restart();
  auto hold = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
    std::chrono::duration<double>(opts.hold_s));
  if (opts.churn) {
    timer_queue timers;
    sched.churn(hold, timers);
    timers.stop();
    samples.stop();
    fig.usage.live_tasks = samples.max_live();
    fig.usage.rss_live_kb = samples.rss_at_max_kb();
  } else {
    auto running = sched.launch_all();
    fig.all_running_us = last_running_us(ctx.records);
    fig.usage.live_tasks = static_cast<std::int64_t>(running.size());
    fig.usage.rss_live_kb = read_memory().rss_kb;
    auto held_from = std::chrono::steady_clock::now();
    if (opts.idle_measure_s > 0) {
      note("measuring " + std::to_string(running.size()) + " idle tasks");
      measure_idle(opts, static_cast<std::int64_t>(running.size()), fig.idle);
    }
    auto left = hold - (std::chrono::steady_clock::now() - held_from);
    if (left > left.zero()) {
      note("holding");
      std::this_thread::sleep_for(left);
    }
    note("stopping tasks");
    sched.teardown(running);
    samples.stop();
  }
  fig.wall_us = ctx.clock.now_us();
  drv->shutdown();
  fig.usage.cpu_us = process_cpu_us() - cpu0;
  fig.usage.peak_rss_kb = read_memory().peak_kb;
  drv.reset();
  // Only now, with the driver gone, nothing else writes the records.
  for (auto i : sched.timed_out()) {
    auto& r = ctx.records[i];
    if (r.failed())
      continue;
    r.error_kind = "step_timeout"; // not a call's timeout: the lifecycle hung
    r.error = "stress " + nd.name + " task " + std::to_string(i) + ": a step did not end within " +
              std::to_string(opts.step_timeout.count() / 1000) + " s (--step-timeout)";
  }
  fig.tasks = std::move(ctx.records);
  fig.leftover_containers = check_leftovers(checker, job_name(opts, nd.name), hooks);
  std::error_code ec;
  std::filesystem::remove_all(alloc_root, ec);
  return fig;
}

} // namespace

std::string order_text(const std::vector<named_driver>& drivers) {
  std::string out;
  for (std::size_t i = 0; i < drivers.size(); ++i)
    out += (i == 0 ? "" : ", then ") + drivers[i].name + (i == 0 && drivers.size() > 1 ? " first" : "");
  return out;
}

result<run_figures> run_stress(const stress_options& opts, const std::vector<named_driver>& drivers,
                               docker::client& checker, const run_hooks& hooks) {
  if (opts.tasks <= 0)
    return make_error(errc::invalid_input, "stress --tasks", "must be at least 1");
  if (opts.concurrency <= 0)
    return make_error(errc::invalid_input, "stress --concurrency", "must be at least 1");
  if (opts.hold_s < 0 || opts.idle_measure_s < 0)
    return make_error(errc::invalid_input, "stress --hold/--idle-measure", "must not be negative");
  run_figures run;
  run.settings.tasks = opts.tasks;
  run.settings.concurrency = opts.concurrency;
  run.settings.churn = opts.churn;
  run.settings.hold_s = opts.hold_s;
  run.settings.image = opts.image;
  run.settings.command = opts.command.empty() ? default_command() : opts.command;
  run.settings.endpoint = to_string(checker.where());
  run.settings.order = order_text(drivers);
  for (const auto& d : drivers) {
    auto fig = run_one(opts, d, checker, hooks);
    if (!fig.ok())
      return std::move(fig).error();
    run.drivers.push_back(std::move(*fig));
  }
  return run;
}

} // namespace stevedore::stress
