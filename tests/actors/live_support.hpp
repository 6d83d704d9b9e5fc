// Support of the live supervisor tests (supervisor_live2_test,
// daemon_restart_test): a supervisor on a real daemon through the embedding
// API, every task event it tells, the daemon's own event stream for the
// test's containers, and a TearDown that removes every container the test
// made even when it failed. Each test runs its own job, named uniquely, so
// its containers and events are told apart by the com.stevedore.job label.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <future>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "actors/stevedore.hpp"
#include "policy/rules.hpp"
#include "tests/support/integration_test.hpp"
#include "tests/support/sync_call.hpp"

namespace stevedore::live {

using namespace std::chrono_literals;

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One HTTP/1.0 GET of `path` to 127.0.0.1:port; the whole answer, or empty.
inline std::string http_get(std::int64_t port, const std::string& path = "/") {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return {};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{3, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      ssize_t n;
      while ((n = ::read(fd, buf, sizeof buf)) > 0)
        answer.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return answer;
}

// Waits (bounded, polling) until `pred` holds; its last value.
inline bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (pred())
      return true;
    std::this_thread::sleep_for(50ms);
  }
  return pred();
}

// Calls a client method and waits for its answer (60 s at most).
using testing::sync;

// The daemon's event stream (GET /events) for one job's containers, from
// shortly before it was opened (so that nothing between opening and the
// daemon's acceptance is lost), recorded for the test to read.
class daemon_events {
public:
  daemon_events() = default;
  daemon_events(const daemon_events&) = delete;
  daemon_events& operator=(const daemon_events&) = delete;
  ~daemon_events() { stop(); }

  void start(const std::shared_ptr<docker::client>& client, const std::string& job) {
    start(client, {{"label", {"com.stevedore.job=" + job}}});
  }

  // Any filters of GET /events ("container": [id], "label": [...]).
  void start(const std::shared_ptr<docker::client>& client,
             std::map<std::string, std::vector<std::string>> filters) {
    docker::events_request req;
    req.filters = std::move(filters);
    req.filters["type"] = {"container"};
    auto since = std::chrono::system_clock::now().time_since_epoch() - 2s;
    req.since = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(since).count());
    auto self = state_;
    handle_ = client->events(
      std::move(req),
      [self](const engine_event& ev) {
        std::lock_guard<std::mutex> lock(self->mutex);
        self->events.push_back(ev);
        return true;
      },
      [self](result<unit>) {});
  }

  void stop() {
    if (handle_.valid())
      handle_.cancel();
    handle_ = {};
  }

  std::vector<engine_event> of(const std::string& container_id) const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    std::vector<engine_event> out;
    for (const auto& e : state_->events)
      if (e.id == container_id)
        out.push_back(e);
    return out;
  }

  std::vector<engine_event> all() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->events;
  }

private:
  struct shared {
    std::mutex mutex;
    std::vector<engine_event> events;
  };
  std::shared_ptr<shared> state_ = std::make_shared<shared>();
  docker::call_handle handle_;
};

// "die", "kill 2", ... of one container's events: what a failure shows.
inline std::string describe(const std::vector<engine_event>& evs) {
  std::string out;
  for (const auto& e : evs) {
    out += (out.empty() ? "" : ", ") + e.action;
    if (auto s = e.attributes.find("signal"); s != e.attributes.end())
      out += " " + s->second;
  }
  return out;
}

class live_test : public testenv::integration_test {
protected:
  void SetUp() override {
    integration_test::SetUp();
    if (HasFatalFailure())
      return;
    static std::atomic<int> counter{0};
    job_ = "live-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
           std::to_string(std::chrono::system_clock::now().time_since_epoch().count() % 100000);
    char tmpl[] = "/tmp/stevedore-live-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }

  // Makes the supervisor on `endpoint` (the test daemon when empty) and
  // starts recording its task events and the daemon's events of this job.
  void start_supervisor(const std::string& endpoint = {}, supervisor_options opts = {}) {
    opts.client.endpoint = endpoint.empty() ? env_.docker_host : endpoint;
    opts.state_dir = dir_;
    auto sup = supervisor::create(std::move(opts));
    ASSERT_TRUE(sup.ok()) << to_string(sup.error());
    sup_ = std::move(*sup);
    docker_ = sup_->docker();
    auto events = events_;
    subscription_ = sup_->subscribe([events](const task_event& ev) {
      std::lock_guard<std::mutex> lock(events->mutex);
      events->list.push_back(ev);
    });
    daemon_events_.start(docker_, job_);
  }

  void TearDown() override {
    subscription_.cancel();
    daemon_events_.stop();
    if (sup_) {
      EXPECT_TRUE(sup_->shutdown().ok());
    }
    if (!job_.empty())
      remove_leftovers();
    if (!dir_.empty())
      std::filesystem::remove_all(dir_);
  }

  // Every container of this job, and those the test made itself, removed
  // (force); any found after the supervisor's shutdown is a failure.
  void remove_leftovers() {
    // A client of our own: the supervisor's ended with it.
    docker::endpoint ep;
    ep.path = endpoint_socket_.empty() ? env_.docker_socket : endpoint_socket_;
    auto client = docker::client::make(ep);
    auto ours = sync<std::vector<container_summary>>(
      [&](auto cb) { client->container_list({"com.stevedore.job=" + job_}, true, cb); });
    if (ours.ok()) {
      for (const auto& c : *ours) {
        ADD_FAILURE() << "container " << c.id.substr(0, 12) << " (" << c.state << ") of job " << job_
                      << " outlived its supervisor";
        sync<unit>([&](auto cb) { client->container_remove(c.id, true, true, cb); });
      }
    }
    for (const auto& id : foreign_)
      sync<unit>([&](auto cb) { client->container_remove(id, true, true, cb); });
    client->shutdown();
  }

  // The job's HCL with its name made unique: `body` is what goes inside
  // `job "..." { }`.
  std::string job_hcl(const std::string& body) const {
    return "job \"" + job_ + "\" {\n" + body + "\n}\n";
  }

  std::vector<std::string> start_job(const std::string& body) {
    auto job = policy::read_job(job_hcl(body), "live.nomad");
    EXPECT_TRUE(job.ok()) << (job.problems.empty() ? "" : to_string(job.problems.front()));
    if (!job.ok())
      return {};
    auto ids = sup_->start_job(job.value);
    EXPECT_TRUE(ids.ok()) << (ids.ok() ? "" : to_string(ids.error()));
    return ids.ok() ? *ids : std::vector<std::string>{};
  }

  std::string start_one(const std::string& body) {
    auto ids = start_job(body);
    EXPECT_EQ(ids.size(), 1u);
    return ids.size() == 1 ? ids.front() : std::string{};
  }

  // Until the task is in `st` (or ended); its status then.
  task_status wait_state(const std::string& id, task_state st, std::chrono::seconds limit = 60s) {
    task_status now;
    eventually(
      [&] {
        auto r = sup_->status(id);
        if (r.ok())
          now = *r;
        return r.ok() && (now.state == st || is_terminal(now.state));
      },
      limit);
    return now;
  }

  std::vector<task_event> events_of(const std::string& id, const std::string& kind = {}) const {
    std::lock_guard<std::mutex> lock(events_->mutex);
    std::vector<task_event> out;
    for (const auto& e : events_->list)
      if (e.task_id == id && (kind.empty() || e.kind == kind))
        out.push_back(e);
    return out;
  }

  std::string all_events_text(const std::string& id) const {
    std::string out;
    for (const auto& e : events_of(id))
      out += e.kind + " " + to_string(e.state) + ": " + e.message + "\n";
    return out;
  }

  bool container_gone(const std::string& name_or_id) {
    auto r = sync<container_info>([&](auto cb) { docker_->container_inspect(name_or_id, cb); });
    return !r.ok() && r.error().kind == errc::not_found;
  }

  std::string logs_of(const std::string& id, const std::string& stream, int index = 0) {
    auto inst = sup_->instance(id);
    if (!inst.ok())
      return {};
    return read_file(inst->shared_dir() + "/logs/" + inst->task->name + "." + stream + "." + std::to_string(index));
  }

  std::string logs_dir(const std::string& id) {
    auto inst = sup_->instance(id);
    return inst.ok() ? inst->shared_dir() + "/logs" : std::string{};
  }

  struct recorded {
    std::mutex mutex;
    std::vector<task_event> list;
  };

  std::string job_;                       // this test's job name (unique)
  std::string dir_;                       // state dir (allocations)
  std::string endpoint_socket_;           // the daemon's socket when not the test daemon's
  std::unique_ptr<supervisor> sup_;
  std::shared_ptr<docker::client> docker_;
  subscription subscription_;
  std::shared_ptr<recorded> events_ = std::make_shared<recorded>();
  daemon_events daemon_events_;
  std::vector<std::string> foreign_;      // containers the test made itself, removed in TearDown
};

} // namespace stevedore::live
