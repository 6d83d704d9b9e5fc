// What the task actor and supervisor tests share: an actor system on the
// real scheduler (short real timers, no sleeps beyond them), the in-memory
// fake engine, a fake image manager behind the real typed interface, task
// instances shaped as policy::plan_job makes them, and a probe that collects
// task events until a condition holds.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <gtest/gtest.h>

#include "actors/container_events.hpp"
#include "actors/timer_service.hpp"
#include "actors/errors.hpp"
#include "actors/protocol.hpp"
#include "actors/task_actor.hpp"
#include "actors/types.hpp"
#include "messages/json.hpp"
#include "tests/support/fake_engine.hpp"

namespace stevedore::testing {

using namespace std::chrono_literals;

// The fake image manager's world: what acquire answers, what was asked.
struct images_model {
  std::mutex mutex;
  std::map<std::string, image_info> images;   // reference -> what the lease carries
  std::map<std::string, error_info> failures; // reference -> acquire fails with this
  std::vector<std::string> acquired;          // holders, in order
  std::vector<std::string> released;          // holders, in order
  int acquires(const std::string& holder) {
    std::lock_guard<std::mutex> lock(mutex);
    return static_cast<int>(std::count(acquired.begin(), acquired.end(), holder));
  }
  int releases(const std::string& holder) {
    std::lock_guard<std::mutex> lock(mutex);
    return static_cast<int>(std::count(released.begin(), released.end(), holder));
  }
};

inline image_manager_actor::behavior_type fake_images(image_manager_actor::pointer self,
                                                      std::shared_ptr<images_model> m) {
  return {
    [self, m](acquire_atom, const image_request& req) -> caf::result<image_lease> {
      std::lock_guard<std::mutex> lock(m->mutex);
      m->acquired.push_back(req.holder);
      if (auto f = m->failures.find(req.reference); f != m->failures.end())
        return to_caf(f->second);
      auto requester = caf::actor_cast<caf::actor>(self->current_sender());
      caf::anon_send(requester, progress_atom::value, req.reference,
                 pull_progress{"layer1", "Downloading", 500, 1000});
      image_lease lease;
      lease.reference = req.reference;
      auto i = m->images.find(req.reference);
      lease.image = i != m->images.end() ? i->second : image_info{};
      lease.image_id = lease.image.id.empty() ? "sha256:" + req.reference : lease.image.id;
      return lease;
    },
    [m](release_atom, const std::string& holder, const std::string&) {
      std::lock_guard<std::mutex> lock(m->mutex);
      m->released.push_back(holder);
    },
    [](images_atom) { return std::vector<image_record>{}; },
    [](status_atom) { return actor_status{"image_manager", "fake", "ok", 0, "", 0, {}}; },
    [](trace_atom, std::int64_t, std::int64_t) { return unit{}; },
    [](trace_atom) { return actor_trace{}; },
  };
}

inline std::map<std::string, std::string> our_labels(const std::string& task,
                                                     const std::string& alloc) {
  return {{"com.stevedore.alloc_id", alloc},
          {"com.stevedore.group", "g"},
          {"com.stevedore.job", "job"},
          {"com.stevedore.node", ""},
          {"com.stevedore.task", task}};
}

inline std::string body_of(const std::string& image, const std::map<std::string, std::string>& labels) {
  auto body = json::object();
  body.set("Image", image);
  body.set("Labels", json::object_of(labels));
  return body.dump();
}

// A task instance as plan_job makes it, with short timings for tests.
inline task_instance make_instance(const std::string& task, const std::string& alloc = "a1b2c3",
                                   const std::string& image = "stevedore-test/busybox:1") {
  task_instance inst;
  inst.alloc_id = alloc;
  inst.job_name = "job";
  inst.group_name = "g";
  inst.alloc_name = "job.g[0]";
  inst.task.edit().name = task;
  inst.task.edit().config.image = image;
  inst.task.edit().kill_timeout_ms = 300;
  inst.task.edit().restart.attempts = 0;
  inst.task.edit().restart.delay_ms = 20;
  inst.container_name = task + "-" + alloc;
  inst.image = image;
  inst.labels = our_labels(task, alloc);
  inst.create_body_text = body_of(image, inst.labels);
  return inst;
}

struct harness_config : caf::actor_system_config {
  harness_config() {
    stevedore::add_message_types(*this);
    set("scheduler.max-threads", 2);
    set("logger.verbosity", caf::atom("quiet"));
  }
};

// Collects what a task tells its subscriber.
class probe {
public:
  explicit probe(caf::actor_system& sys) : self_(sys) {}
  caf::actor handle() { return caf::actor_cast<caf::actor>(self_); }
  caf::scoped_actor& self() { return self_; }

  // Receives until `done` holds for the events so far (true) or `limit` passes (false).
  bool until(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return false;
      bool timed_out = false;
      self_->receive([&](event_atom, const task_event& ev) { events.push_back(ev); },
                     [&](done_atom, const task_status& st) { final_status = st; finished = true; },
                     caf::after(left) >> [&] { timed_out = true; });
      if (timed_out)
        return done();
    }
    return true;
  }
  // Takes what is already in the mailbox, waiting for nothing (for tests on
  // the deterministic scheduler, where everything sent has arrived).
  void drain() {
    for (bool empty = false; !empty;)
      self_->receive([&](event_atom, const task_event& ev) { events.push_back(ev); },
                     [&](done_atom, const task_status& st) { final_status = st; finished = true; },
                     caf::after(std::chrono::seconds(0)) >> [&] { empty = true; });
  }
  bool until_state(task_state st, std::chrono::milliseconds limit = 5s) {
    return until([&] { return reached(st); }, limit);
  }
  bool until_done(std::chrono::milliseconds limit = 5s) {
    return until([&] { return finished; }, limit);
  }
  bool reached(task_state st) const {
    for (const auto& e : events)
      if (e.kind == "state" && e.state == st)
        return true;
    return false;
  }
  std::vector<task_state> states() const {
    std::vector<task_state> out;
    for (const auto& e : events)
      if (e.kind == "state")
        out.push_back(e.state);
    return out;
  }
  std::vector<std::string> messages(const std::string& kind) const {
    std::vector<std::string> out;
    for (const auto& e : events)
      if (e.kind == kind)
        out.push_back(e.message);
    return out;
  }
  bool has_message(const std::string& kind, const std::string& part) const {
    for (const auto& m : messages(kind))
      if (m.find(part) != std::string::npos)
        return true;
    return false;
  }

  std::vector<task_event> events;
  task_status final_status;
  bool finished = false;

private:
  caf::scoped_actor self_;
};

// Calls a fake-engine method and waits for its answer (test setup only).
template <class T, class F>
result<T> sync(F&& call) {
  std::promise<result<T>> p;
  auto f = p.get_future();
  call([&p](result<T> r) { p.set_value(std::move(r)); });
  if (f.wait_for(5s) != std::future_status::ready)
    return make_error(errc::timeout, "test call", "no answer in 5s");
  return f.get();
}

// The system, the fake engine and the shared services of a task actor.
class actor_harness {
public:
  actor_harness() : sys_(cfg_) {
    docker = std::make_shared<fake_engine>();
    docker->add_image("stevedore-test/busybox:1");
    images_m = std::make_shared<images_model>();
    images = sys_.spawn(fake_images, images_m);
    container_events_settings es;
    es.label_filters = container_label_filters("");
    es.reconnect_base = 20ms;
    es.reconnect_max = 100ms;
    events = spawn_container_events(sys_, docker, es);
    timers = spawn_timer_service(sys_); // the tasks' timers go through it, as under a supervisor
    settings.retry_base = 10ms;
    settings.retry_max = 40ms;
    settings.parked_recheck = 150ms;
    keep(caf::actor_cast<caf::actor>(images));
    keep(events);
    keep(timers);
  }

  ~actor_harness() {
    for (auto& a : spawned_)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    docker->shutdown();
  }

  caf::actor_system& sys() { return sys_; }

  task_services services() {
    task_services svc;
    svc.docker = docker;
    svc.images = images;
    svc.events = events;
    svc.timers = timers;
    return svc;
  }

  task_actor start(task_instance inst, probe& p) {
    return keep(spawn_task(sys_, std::move(inst), services(), settings, p.handle()));
  }

  template <class Handle>
  Handle keep(Handle a) {
    spawned_.push_back(caf::actor_cast<caf::actor>(a));
    return a;
  }

  // A container made directly on the fake engine (a leftover of an earlier run).
  std::string make_container(const std::string& name, const std::map<std::string, std::string>& labels,
                             bool running) {
    auto created = sync<create_answer>([&](auto cb) {
      docker->container_create(name, body_of("stevedore-test/busybox:1", labels), cb);
    });
    EXPECT_TRUE(created.ok());
    if (!created.ok())
      return {};
    if (running) {
      auto started = sync<unit>([&](auto cb) { docker->container_start(created->id, cb); });
      EXPECT_TRUE(started.ok());
    }
    return created->id;
  }

  task_status status(const task_actor& task) {
    task_status out;
    caf::scoped_actor self{sys_};
    self->request(task, 5s, caf::get_atom::value)
      .receive([&](task_status& st) { out = std::move(st); },
               [&](caf::error& e) { ADD_FAILURE() << sys_.render(e); });
    return out;
  }

  task_settings settings;
  std::shared_ptr<fake_engine> docker;
  std::shared_ptr<images_model> images_m;
  image_manager_actor images;
  caf::actor events;
  caf::actor timers;

private:
  harness_config cfg_;
  caf::actor_system sys_;
  std::vector<caf::actor> spawned_;
};

} // namespace stevedore::testing
