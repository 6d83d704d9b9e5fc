// A scripted agent::backend for route tests: tasks, images, fingerprint and
// log folders set by the test; every call recorded; answers delivered from
// another thread (as a real supervisor's would be), never inline.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tools/agent/backend.hpp"

namespace stevedore::agent::test {

class fake_backend : public backend {
public:
  ~fake_backend() override {
    std::vector<std::thread> ts;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ts = std::move(threads_);
    }
    // The last owner may be a reply running on one of these threads (the
    // API's callback holding the backend): that thread cannot join itself.
    for (auto& t : ts) {
      if (t.get_id() == std::this_thread::get_id())
        t.detach();
      else
        t.join();
    }
  }

  // -- what the test sets --
  void add_task(task_status t) {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_[t.task_id] = std::move(t);
  }
  void set_state(const std::string& id, task_state s) {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_[id].state = s;
  }
  void set_health(daemon_health h, std::string reason = {}, std::int64_t polls = 1) {
    std::lock_guard<std::mutex> lock(mu_);
    fp_.health = h;
    fp_.reason = std::move(reason);
    fp_.polls = polls;
  }
  void set_attributes(std::map<std::string, std::string> a) {
    std::lock_guard<std::mutex> lock(mu_);
    fp_.attributes = std::move(a);
  }
  void set_images(std::vector<image_record> i) {
    std::lock_guard<std::mutex> lock(mu_);
    images_ = std::move(i);
  }
  void set_logs(const std::string& id, log_files f) {
    std::lock_guard<std::mutex> lock(mu_);
    logs_[id] = std::move(f);
  }
  void set_stats(const std::string& id, stevedore::task_stats s) {
    std::lock_guard<std::mutex> lock(mu_);
    stats_[id] = std::move(s);
  }
  void set_exec_answer(exec_output o) {
    std::lock_guard<std::mutex> lock(mu_);
    exec_answer_ = std::move(o);
  }
  // The next start_job fails with `e` (a supervisor that refuses the work).
  void fail_next_start(error_info e) {
    std::lock_guard<std::mutex> lock(mu_);
    start_error_ = std::move(e);
  }
  // Sends `e` to every subscriber; returns how many there were.
  std::size_t emit(const task_event& e) {
    std::vector<std::function<void(const task_event&)>> subs;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [id, fn] : subs_)
        subs.push_back(fn);
    }
    for (auto& fn : subs)
      fn(e);
    return subs.size();
  }
  std::size_t subscribers() const {
    std::lock_guard<std::mutex> lock(mu_);
    return subs_.size();
  }

  // -- what the test reads back --
  std::vector<job_spec> jobs() const { return locked(jobs_); }
  std::vector<std::string> stopped() const { return locked(stopped_); }
  std::vector<std::pair<std::string, std::string>> signals() const { return locked(signals_); }
  std::vector<std::vector<std::string>> execs() const { return locked(execs_); }
  std::vector<std::chrono::milliseconds> exec_timeouts() const { return locked(exec_timeouts_); }

  // -- backend --
  void start_job(job_spec job, reply<std::vector<std::string>> done) override {
    std::vector<std::string> ids;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (start_error_.kind != errc::ok) {
        error_info e = std::move(start_error_);
        start_error_ = {};
        return later_locked(std::move(done), result<std::vector<std::string>>(std::move(e)));
      }
      for (const auto& g : job.groups)
        for (const auto& t : g.tasks) {
          task_status st;
          st.task_id = "alloc" + std::to_string(++allocs_) + "/" + t.name;
          st.task_name = t.name;
          st.job_name = job.name;
          st.group_name = g.name;
          st.image = t.config.image;
          ids.push_back(st.task_id);
          tasks_[st.task_id] = st;
        }
      jobs_.push_back(std::move(job));
    }
    later(std::move(done), result<std::vector<std::string>>(std::move(ids)));
  }
  void list_tasks(reply<std::vector<task_status>> done) override {
    std::vector<task_status> out;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [id, t] : tasks_)
        out.push_back(t);
    }
    later(std::move(done), result<std::vector<task_status>>(std::move(out)));
  }
  void task(std::string id, reply<task_status> done) override {
    later(std::move(done), find(tasks_, id));
  }
  void stop_task(std::string id, reply<unit> done) override {
    auto t = find(tasks_, id);
    if (t.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      stopped_.push_back(id);
    }
    later(std::move(done), t.ok() ? result<unit>(unit{}) : result<unit>(t.error()));
  }
  void signal_task(std::string id, std::string signal, reply<unit> done) override {
    auto t = find(tasks_, id);
    if (t.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      signals_.emplace_back(id, signal);
    }
    later(std::move(done), t.ok() ? result<unit>(unit{}) : result<unit>(t.error()));
  }
  void exec_task(std::string id, std::vector<std::string> cmd, std::chrono::milliseconds timeout,
                 reply<exec_output> done) override {
    auto t = find(tasks_, id);
    if (!t.ok())
      return later(std::move(done), result<exec_output>(t.error()));
    std::lock_guard<std::mutex> lock(mu_);
    execs_.push_back(std::move(cmd));
    exec_timeouts_.push_back(timeout);
    later_locked(std::move(done), result<exec_output>(exec_answer_));
  }
  void task_logs(std::string id, reply<log_files> done) override {
    later(std::move(done), find(logs_, id));
  }
  void task_stats(std::string id, reply<stevedore::task_stats> done) override {
    later(std::move(done), find(stats_, id));
  }
  void images(reply<std::vector<image_record>> done) override {
    later(std::move(done), result<std::vector<image_record>>(locked(images_)));
  }
  // Inspection, when the test turns it on: every task as a task actor.
  void set_inspection(bool on) {
    std::lock_guard<std::mutex> lock(mu_);
    inspection_ = on;
  }
  void actors(actor_query q, reply<actor_page> done) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!inspection_)
      return later_locked(std::move(done), result<actor_page>(make_error(errc::unavailable, "inspection", "this backend offers none")));
    actor_page page;
    std::uint64_t id = 0;
    for (const auto& [tid, t] : tasks_) {
      actor_status st;
      st.kind = "task";
      st.name = tid;
      st.state = to_string(t.state);
      st.id = ++id;
      if (q.state.empty() || st.state == q.state)
        page.actors.push_back(std::move(st));
    }
    page.total = static_cast<std::int64_t>(page.actors.size());
    later_locked(std::move(done), result<actor_page>(std::move(page)));
  }
  void node(reply<fingerprint> done) override {
    later(std::move(done), result<fingerprint>(locked(fp_)));
  }
  cancel_fn subscribe(std::function<void(const task_event&)> on_event) override {
    std::lock_guard<std::mutex> lock(mu_);
    const int id = ++next_sub_;
    subs_[id] = std::move(on_event);
    return [this, id] {
      std::lock_guard<std::mutex> l(mu_);
      subs_.erase(id);
    };
  }

private:
  template <class T>
  T locked(const T& x) const {
    std::lock_guard<std::mutex> lock(mu_);
    return x;
  }
  template <class M>
  result<typename M::mapped_type> find(const M& m, const std::string& id) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = m.find(id);
    if (it == m.end())
      return make_error(errc::not_found, "task " + id, "no such task");
    return it->second;
  }
  template <class T>
  void later(reply<T> done, result<T> r) {
    std::lock_guard<std::mutex> lock(mu_);
    later_locked(std::move(done), std::move(r));
  }
  template <class T>
  void later_locked(reply<T> done, result<T> r) {
    threads_.emplace_back([done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
  }

  mutable std::mutex mu_;
  std::map<std::string, task_status> tasks_;
  std::map<std::string, log_files> logs_;
  std::map<std::string, stevedore::task_stats> stats_;
  std::vector<image_record> images_;
  fingerprint fp_{daemon_health::healthy, "", {{"driver.docker", "1"}}, 0, 1};
  bool inspection_ = false; // answers actors() when set
  exec_output exec_answer_;
  error_info start_error_;
  std::vector<job_spec> jobs_;
  std::vector<std::string> stopped_;
  std::vector<std::pair<std::string, std::string>> signals_;
  std::vector<std::vector<std::string>> execs_;
  std::vector<std::chrono::milliseconds> exec_timeouts_;
  std::map<int, std::function<void(const task_event&)>> subs_;
  int next_sub_ = 0;
  int allocs_ = 0;
  std::vector<std::thread> threads_;
};

} // namespace stevedore::agent::test
