// The supervisor on the test environment's dockerd, for what
// supervisor_integration_test does not cover: the order of stop signals as
// the daemon's own event stream shows it, name conflicts (adopt, replace,
// never touch), NOMAD_PORT_* inside a container reached on 127.0.0.1, log
// rotation with both streams, RSS under load, and the restart policy. One to
// three containers per test; TearDown removes whatever is left (live_support).
#include <filesystem>
#include <set>

#include "policy/plan.hpp"
#include "tests/actors/live_support.hpp"

namespace stevedore {
namespace {

using namespace std::chrono_literals;
using live::describe;
using live::eventually;
using live::sync;

// A group of one task `t`, no restarts unless `restart` says otherwise.
std::string group(const std::string& task_body, const std::string& restart = R"(attempts = 0
      mode = "fail")") {
  return R"(  group "g" {
    restart {
      )" + restart + R"(
    }
    task "t" {
      driver = "docker"
)" + task_body + R"(
    }
  })";
}

std::string signal_of(const engine_event& e) {
  auto s = e.attributes.find("signal");
  return s == e.attributes.end() ? std::string{} : s->second;
}

std::int64_t value_after(const std::string& text, const std::string& key) {
  auto at = text.find(key + "=");
  if (at == std::string::npos)
    return -1;
  return std::atoll(text.c_str() + at + key.size() + 1);
}

class SupervisorLive2 : public live::live_test {
protected:
  void SetUp() override {
    live_test::SetUp();
    if (HasFatalFailure())
      return;
    start_supervisor();
  }

  // The daemon's events of one container once `action` is among them.
  std::vector<engine_event> daemon_events_until(const std::string& container_id, const std::string& action) {
    std::vector<engine_event> evs;
    eventually(
      [&] {
        evs = daemon_events_.of(container_id);
        for (const auto& e : evs)
          if (e.action == action)
            return true;
        return false;
      },
      10s);
    return evs;
  }
};

// -- c. stop signals, as the daemon saw them -------------------------------------

TEST_F(SupervisorLive2, KillSignalThenSigkillAfterTheKillTimeoutInTheDaemonsEvents) {
  // busybox sleep as PID 1 ignores SIGINT: only SIGKILL ends it.
  auto id = start_one(group(R"(      kill_signal  = "SIGINT"
      kill_timeout = "1s"
      config {
        image   = ")" + env_.image + R"("
        command = "sleep"
        args    = ["1000"]
      })"));
  ASSERT_FALSE(id.empty());
  auto running = wait_state(id, task_state::running);
  ASSERT_EQ(running.state, task_state::running) << all_events_text(id);
  ASSERT_TRUE(sup_->stop(id).ok());
  auto st = sup_->wait(id, 60s);
  ASSERT_TRUE(st.ok()) << to_string(st.error());
  EXPECT_EQ(st->state, task_state::cleaned);
  EXPECT_EQ(st->exit.signal, "SIGKILL");

  auto evs = daemon_events_until(running.container_id, "destroy");
  std::vector<engine_event> kills;
  std::size_t die_at = evs.size();
  for (std::size_t i = 0; i < evs.size(); ++i) {
    if (evs[i].action == "kill")
      kills.push_back(evs[i]);
    if (evs[i].action == "die" && die_at == evs.size())
      die_at = i;
  }
  ASSERT_EQ(kills.size(), 2u) << describe(evs);
  EXPECT_EQ(signal_of(kills[0]), "2") << "SIGINT first: " << describe(evs);
  EXPECT_EQ(signal_of(kills[1]), "9") << "then SIGKILL: " << describe(evs);
  EXPECT_GE(kills[1].time_nano - kills[0].time_nano, 900'000'000) << "SIGKILL only after kill_timeout (1s)";
  ASSERT_LT(die_at, evs.size()) << describe(evs);
  EXPECT_GT(evs[die_at].time_nano, kills[1].time_nano) << "it died of SIGKILL, not of SIGINT: " << describe(evs);
}

TEST_F(SupervisorLive2, WithoutAKillSignalTheImageStopSignalIsSentAndNothingElse) {
  // The full image: STOPSIGNAL SIGUSR1, and a shell trapping it.
  auto id = start_one(group(R"(      kill_timeout = "10s"
      config {
        image = ")" + env_.image_full + R"("
      })"));
  ASSERT_FALSE(id.empty());
  auto running = wait_state(id, task_state::running);
  ASSERT_EQ(running.state, task_state::running) << all_events_text(id);
  // The trap is set once the shell says so.
  ASSERT_TRUE(eventually([&] { return logs_of(id, "stdout").find("full image ready") != std::string::npos; }, 10s));
  ASSERT_TRUE(sup_->stop(id).ok());
  auto st = sup_->wait(id, 60s);
  ASSERT_TRUE(st.ok()) << to_string(st.error());
  EXPECT_EQ(st->state, task_state::cleaned);
  EXPECT_EQ(st->exit.exit_code, 0);

  auto evs = daemon_events_until(running.container_id, "destroy");
  std::vector<std::string> signals;
  for (const auto& e : evs)
    if (e.action == "kill")
      signals.push_back(signal_of(e));
  EXPECT_EQ(signals, std::vector<std::string>{"10"}) << "SIGUSR1 only: " << describe(evs);
}

// -- d. name conflicts -------------------------------------------------------------

class SupervisorLive2Conflict : public SupervisorLive2 {
protected:
  // The job planned here (fixed alloc id), so that the test knows the
  // container's name and create body before the supervisor starts it.
  std::vector<task_instance> plan(const std::string& task_body) {
    auto job = policy::read_job(job_hcl(group(task_body)), "live.nomad");
    EXPECT_TRUE(job.ok());
    client_config client;
    client.endpoint = env_.docker_host;
    client.alloc_root = dir_ + "/alloc";
    policy::plan_options opts;
    opts.alloc_id = "conflict-" + job_;
    auto p = policy::plan_job(job.value, client, opts);
    EXPECT_TRUE(p.ok()) << (p.problems.empty() ? "" : to_string(p.problems.front()));
    EXPECT_EQ(p.instances.size(), 1u);
    return with_job_constraints(job.value, std::move(p.instances));
  }

  // Creates (and starts) a container with the task's own name and body, as an
  // earlier run of the task would have left it.
  std::string create_as_task(const task_instance& inst, bool run) {
    auto c = sync<create_answer>([&](auto cb) { docker_->container_create(inst.container_name, inst.create_body_text, cb); });
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : to_string(c.error()));
    if (!c.ok())
      return {};
    foreign_.push_back(c->id); // removed in TearDown if the test fails first
    if (run) {
      auto s = sync<unit>([&](auto cb) { docker_->container_start(c->id, cb); });
      EXPECT_TRUE(s.ok()) << (s.ok() ? "" : to_string(s.error()));
    }
    return c->id;
  }

  container_info inspect(const std::string& id) {
    auto r = sync<container_info>([&](auto cb) { docker_->container_inspect(id, cb); });
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : to_string(r.error()));
    return r.ok() ? *r : container_info{};
  }
};

const char* trapping_loop = R"(      kill_timeout = "5s"
      config {
        image   = "IMAGE"
        command = "/bin/sh"
        args    = ["-c", "trap 'echo got TERM; exit 0' TERM; echo run; while true; do sleep 0.1; done"]
      })";

std::string with_image(std::string body, const std::string& image) {
  return body.replace(body.find("IMAGE"), 5, image);
}

TEST_F(SupervisorLive2Conflict, ARunningContainerOfItsOwnIsAdopted) {
  auto plan_ = plan(with_image(trapping_loop, env_.image));
  ASSERT_EQ(plan_.size(), 1u);
  auto earlier = create_as_task(plan_[0], true);
  ASSERT_FALSE(earlier.empty());
  ASSERT_TRUE(inspect(earlier).running);

  auto ids = sup_->start(plan_);
  ASSERT_TRUE(ids.ok()) << to_string(ids.error());
  auto id = ids->front();
  auto running = wait_state(id, task_state::running);
  ASSERT_EQ(running.state, task_state::running) << all_events_text(id);
  EXPECT_EQ(running.container_id, earlier) << "adopted, not replaced";
  auto warnings = events_of(id, "warning");
  ASSERT_FALSE(warnings.empty()) << all_events_text(id);
  EXPECT_NE(warnings.front().message.find("adopted running container " + earlier.substr(0, 12)),
            std::string::npos)
    << warnings.front().message;

  ASSERT_TRUE(sup_->stop(id).ok());
  auto st = sup_->wait(id, 60s);
  ASSERT_TRUE(st.ok()) << to_string(st.error());
  EXPECT_EQ(st->state, task_state::cleaned) << all_events_text(id);
  EXPECT_EQ(st->exit.exit_code, 0) << "the adopted container got the stop signal";
  EXPECT_TRUE(container_gone(earlier));
}

TEST_F(SupervisorLive2Conflict, ADeadContainerOfItsOwnIsRemovedAndTheCreateRetried) {
  auto plan_ = plan(R"(      config {
        image   = ")" + env_.image + R"("
        command = "/bin/sh"
        args    = ["-c", "echo run by $HOSTNAME"]
      })");
  ASSERT_EQ(plan_.size(), 1u);
  auto earlier = create_as_task(plan_[0], true);
  ASSERT_FALSE(earlier.empty());
  auto waited = sync<wait_answer>([&](auto cb) { docker_->container_wait(earlier, "not-running", cb); });
  ASSERT_TRUE(waited.ok()) << to_string(waited.error());
  ASSERT_EQ(inspect(earlier).status, "exited");

  auto ids = sup_->start(plan_);
  ASSERT_TRUE(ids.ok()) << to_string(ids.error());
  auto id = ids->front();
  auto st = sup_->wait(id, 60s);
  ASSERT_TRUE(st.ok()) << to_string(st.error());
  EXPECT_EQ(st->state, task_state::cleaned) << all_events_text(id);
  EXPECT_EQ(st->exit.exit_code, 0);
  EXPECT_TRUE(container_gone(earlier)) << "the dead container of the earlier run was removed";
  bool told = false;
  for (const auto& w : events_of(id, "warning"))
    told = told || w.message.find("removing dead container " + earlier.substr(0, 12)) != std::string::npos;
  EXPECT_TRUE(told) << all_events_text(id);
  // The new container ran the task (its hostname is its own id's start).
  auto out = logs_of(id, "stdout");
  EXPECT_EQ(out.rfind("run by ", 0), 0u) << out;
  EXPECT_EQ(out.find(earlier.substr(0, 12)), std::string::npos) << "the output is the new container's: " << out;
  EXPECT_TRUE(container_gone(plan_[0].container_name));
}

TEST_F(SupervisorLive2Conflict, AContainerThatIsNotOursIsNeverTouched) {
  auto plan_ = plan(with_image(trapping_loop, env_.image));
  ASSERT_EQ(plan_.size(), 1u);
  // Same name, no stevedore labels: someone else's.
  auto body = R"({"Image":")" + env_.image + R"(","Cmd":["sleep","1000"],"Labels":{"owner":"someone else"}})";
  auto c = sync<create_answer>([&](auto cb) { docker_->container_create(plan_[0].container_name, body, cb); });
  ASSERT_TRUE(c.ok()) << to_string(c.error());
  foreign_.push_back(c->id);
  ASSERT_TRUE(sync<unit>([&](auto cb) { docker_->container_start(c->id, cb); }).ok());
  auto before = inspect(c->id);
  ASSERT_TRUE(before.running);
  live::daemon_events theirs;
  theirs.start(docker_, {{"container", {c->id}}});

  // From here on, the daemon tells everything done to it (its own create
  // and start, just before, are replayed too: `since` is in the past).
  auto t0 = std::chrono::duration_cast<std::chrono::nanoseconds>(
              std::chrono::system_clock::now().time_since_epoch()).count();
  auto ids = sup_->start(plan_);
  ASSERT_TRUE(ids.ok()) << to_string(ids.error());
  auto id = ids->front();
  auto st = sup_->wait(id, 60s);
  ASSERT_TRUE(st.ok()) << to_string(st.error());
  EXPECT_EQ(st->state, task_state::failed);
  ASSERT_FALSE(st->history.empty());
  auto reason = st->history.back().reason;
  EXPECT_NE(reason.find("the name is taken by container " + c->id.substr(0, 12)), std::string::npos) << reason;
  EXPECT_NE(reason.find("did not create"), std::string::npos) << reason;
  EXPECT_NE(reason.find("left untouched"), std::string::npos) << reason;
  auto after = inspect(c->id);
  EXPECT_TRUE(after.running) << "still running";
  EXPECT_EQ(after.pid, before.pid) << "not restarted";
  EXPECT_EQ(after.name, plan_[0].container_name);
  // The daemon saw nothing done to it (no kill, stop, die, rename, removal).
  std::this_thread::sleep_for(500ms); // events arrive after the calls that made them
  std::vector<engine_event> since_start;
  for (const auto& e : theirs.all())
    if (e.time_nano >= t0)
      since_start.push_back(e);
  EXPECT_TRUE(since_start.empty()) << describe(since_start);
  EXPECT_GE(theirs.all().size(), 2u) << "the recorder heard its create and start: " << describe(theirs.all());
  theirs.stop();
}

// -- e. ports ---------------------------------------------------------------------

TEST_F(SupervisorLive2, PortsAreReachableOn127001AndNomadPortVariablesAreRightInside) {
  // httpd serves a page made of the task's own environment.
  auto id = start_one(group(R"(      kill_timeout = "5s"
      config {
        image   = ")" + env_.image + R"("
        command = "/bin/sh"
        args    = ["-c", "mkdir -p /tmp/w; echo \"NOMAD_PORT_http=$NOMAD_PORT_http NOMAD_HOST_PORT_http=$NOMAD_HOST_PORT_http NOMAD_ADDR_http=$NOMAD_ADDR_http NOMAD_PORT_admin=$NOMAD_PORT_admin NOMAD_HOST_PORT_admin=$NOMAD_HOST_PORT_admin\" > /tmp/w/env.txt; trap 'exit 0' TERM; httpd -f -p $NOMAD_PORT_http -h /tmp/w & httpd -f -p $NOMAD_PORT_admin -h /tmp/w & wait"]
        port_map {
          http  = 8080
          admin = 9090
        }
      }
      resources {
        network {
          port "http" {}
          port "admin" {}
        }
      })"));
  ASSERT_FALSE(id.empty());
  auto running = wait_state(id, task_state::running);
  ASSERT_EQ(running.state, task_state::running) << all_events_text(id);
  ASSERT_EQ(running.ports.size(), 2u);
  std::map<std::string, port_mapping> ports;
  for (const auto& p : running.ports)
    ports[p.label] = p;
  ASSERT_EQ(ports.count("http"), 1u);
  ASSERT_EQ(ports.count("admin"), 1u);
  EXPECT_EQ(ports["http"].container_port, 8080);
  EXPECT_EQ(ports["admin"].container_port, 9090);

  for (const auto& label : {"http", "admin"}) {
    auto port = ports[label].host_port;
    std::string answer;
    eventually(
      [&] {
        answer = live::http_get(port, "/env.txt");
        return answer.find("NOMAD_PORT_http=") != std::string::npos;
      },
      10s);
    ASSERT_NE(answer.find("200"), std::string::npos) << label << " on 127.0.0.1:" << port << ": " << answer;
    auto body = answer.substr(answer.find("\r\n\r\n") + 4);
    EXPECT_EQ(value_after(body, "NOMAD_PORT_http"), 8080) << body;
    EXPECT_EQ(value_after(body, "NOMAD_HOST_PORT_http"), ports["http"].host_port) << body;
    EXPECT_EQ(value_after(body, "NOMAD_PORT_admin"), 9090) << body;
    EXPECT_EQ(value_after(body, "NOMAD_HOST_PORT_admin"), ports["admin"].host_port) << body;
    EXPECT_NE(body.find(":" + std::to_string(ports["http"].host_port) + " "), std::string::npos)
      << "NOMAD_ADDR_http names the host port: " << body;
  }
  ASSERT_TRUE(sup_->stop(id).ok());
  auto st = sup_->wait(id, 60s);
  ASSERT_TRUE(st.ok()) << to_string(st.error());
  EXPECT_EQ(st->state, task_state::cleaned);
  EXPECT_TRUE(container_gone(running.container_id));
}

// -- f. logs ----------------------------------------------------------------------

TEST_F(SupervisorLive2, LogFilesRotateAndKeepBothStreamsWhole) {
  // 2.6 MB of numbered stdout lines (101 bytes each) with a stderr line every
  // 5000; max_file_size 1 MB, max_files 2: .0 is purged, .1 and .2 remain.
  const std::string filler(88, '_');
  const std::size_t line_size = 5 + 6 + 1 + filler.size() + 1; // "line 000042 ____\n"
  auto id = start_one(group(R"(      logs {
        max_files     = 2
        max_file_size = 1
      }
      config {
        image   = ")" + env_.image + R"("
        command = "/bin/sh"
        args    = ["-c", "i=0; while [ $i -lt 26000 ]; do printf 'line %06d %s\\n' $i )" + filler + R"(; [ $((i % 5000)) = 0 ] && echo err $i >&2; i=$((i+1)); done"]
      })"));
  ASSERT_FALSE(id.empty());
  auto st = sup_->wait(id, 120s);
  ASSERT_TRUE(st.ok()) << to_string(st.error());
  ASSERT_EQ(st->state, task_state::cleaned) << all_events_text(id);

  auto dir = logs_dir(id);
  std::set<std::string> files;
  for (const auto& f : std::filesystem::directory_iterator(dir))
    files.insert(f.path().filename().string());
  EXPECT_EQ(files, (std::set<std::string>{"t.stderr.0", "t.stdout.1", "t.stdout.2"}));
  auto one = logs_of(id, "stdout", 1);
  auto two = logs_of(id, "stdout", 2);
  // A full file holds as many whole lines as fit in max_file_size.
  EXPECT_LE(one.size(), 1u << 20);
  EXPECT_GT(one.size(), (1u << 20) - line_size);
  EXPECT_EQ(one.size() % line_size, 0u);
  // The kept files hold the last lines in order, none lost or repeated.
  auto kept = one + two;
  ASSERT_FALSE(kept.empty());
  ASSERT_EQ(kept.back(), '\n');
  std::istringstream in(kept);
  std::string line;
  long expect = -1;
  long count = 0;
  bool whole = true;
  while (std::getline(in, line)) {
    long n = std::atol(line.c_str() + 5);
    if (expect < 0)
      expect = n;
    ASSERT_EQ(n, expect) << "line " << count << " of the kept files";
    whole = whole && line.size() + 1 == line_size;
    ++expect;
    ++count;
  }
  EXPECT_EQ(expect, 26000) << "the last line is the last one written";
  EXPECT_TRUE(whole) << "lines are never cut";
  EXPECT_EQ(logs_of(id, "stderr", 0), "err 0\nerr 5000\nerr 10000\nerr 15000\nerr 20000\nerr 25000\n");
}

// -- g. stats ---------------------------------------------------------------------

TEST_F(SupervisorLive2, StatsShowTheMemoryAContainerHolds) {
  // The shell keeps a 40 MB variable resident.
  auto id = start_one(group(R"(      kill_timeout = "5s"
      config {
        image   = ")" + env_.image + R"("
        command = "/bin/sh"
        args    = ["-c", "x=$(head -c 41943040 /dev/zero | tr '\\000' a); echo held $(echo -n \"$x\" | wc -c); trap 'exit 0' TERM; while true; do sleep 0.1; done"]
      })"));
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(wait_state(id, task_state::running).state, task_state::running) << all_events_text(id);
  ASSERT_TRUE(eventually([&] { return logs_of(id, "stdout").find("held 41943040") != std::string::npos; }, 30s))
    << logs_of(id, "stdout");
  task_stats got;
  bool ok = eventually(
    [&] {
      auto s = sup_->stats(id);
      if (s.ok())
        got = *s;
      return s.ok() && got.memory_rss > (30 << 20);
    },
    15s);
  EXPECT_TRUE(ok) << "rss " << got.memory_rss << " B, usage " << got.memory_usage << " B after " << got.samples
                  << " samples";
  EXPECT_GE(got.memory_usage, got.memory_rss);
  EXPECT_GT(got.samples, 0);
  std::printf("holding 40 MB: rss %lld B, usage %lld B, cache %lld B\n", static_cast<long long>(got.memory_rss),
              static_cast<long long>(got.memory_usage), static_cast<long long>(got.memory_cache));
  ASSERT_TRUE(sup_->stop(id).ok());
  auto st = sup_->wait(id, 60s);
  ASSERT_TRUE(st.ok()) << to_string(st.error());
  EXPECT_EQ(st->state, task_state::cleaned);
}

// -- h. restart policy ------------------------------------------------------------

TEST_F(SupervisorLive2, AFailingTaskRunsAttemptsPlusOneTimesThenFailsWithThePolicysReason) {
  auto id = start_one(group(R"(      config {
        image   = ")" + env_.image + R"("
        command = "/bin/sh"
        args    = ["-c", "echo attempt; exit 1"]
      })",
                            R"(attempts = 2
      interval = "1m"
      delay    = "1s"
      mode     = "fail")"));
  ASSERT_FALSE(id.empty());
  auto st = sup_->wait(id, 120s);
  ASSERT_TRUE(st.ok()) << to_string(st.error());
  EXPECT_EQ(st->state, task_state::failed);
  EXPECT_EQ(st->exit.exit_code, 1);
  EXPECT_EQ(st->restarts, 2);
  ASSERT_FALSE(st->history.empty());
  EXPECT_NE(st->history.back().reason.find("restart attempts exhausted (2 within 1m0s, mode fail)"),
            std::string::npos)
    << st->history.back().reason;
  EXPECT_EQ(events_of(id, "exit").size(), 3u) << all_events_text(id);
  auto restarts = events_of(id, "restart");
  ASSERT_EQ(restarts.size(), 2u) << all_events_text(id);
  EXPECT_NE(restarts[0].message.find("restart 1 of 2 within 1m0s, in 1s"), std::string::npos) << restarts[0].message;
  EXPECT_NE(restarts[1].message.find("restart 2 of 2"), std::string::npos) << restarts[1].message;
  // Three containers, one after the other, each started once and removed.
  std::set<std::string> started;
  std::vector<std::int64_t> start_times;
  eventually(
    [&] {
      std::size_t destroyed = 0;
      for (const auto& e : daemon_events_.all())
        destroyed += e.action == "destroy";
      return destroyed >= 3;
    },
    10s);
  for (const auto& e : daemon_events_.all())
    if (e.action == "start") {
      started.insert(e.id);
      start_times.push_back(e.time_nano);
    }
  EXPECT_EQ(started.size(), 3u);
  ASSERT_EQ(start_times.size(), 3u);
  EXPECT_GE(start_times[1] - start_times[0], 1'000'000'000) << "the restart delay (1s) is kept";
  EXPECT_GE(start_times[2] - start_times[1], 1'000'000'000);
  for (const auto& c : started)
    EXPECT_TRUE(container_gone(c));
}

TEST_F(SupervisorLive2, ASuccessIsNotRestarted) {
  auto id = start_one(group(R"(      config {
        image   = ")" + env_.image + R"("
        command = "/bin/sh"
        args    = ["-c", "echo once"]
      })",
                            R"(attempts = 2
      interval = "1m"
      delay    = "1s"
      mode     = "fail")"));
  ASSERT_FALSE(id.empty());
  auto st = sup_->wait(id, 60s);
  ASSERT_TRUE(st.ok()) << to_string(st.error());
  EXPECT_EQ(st->state, task_state::cleaned);
  EXPECT_EQ(st->exit.exit_code, 0);
  EXPECT_EQ(st->restarts, 0);
  EXPECT_TRUE(events_of(id, "restart").empty()) << all_events_text(id);
  EXPECT_EQ(events_of(id, "exit").size(), 1u);
  EXPECT_EQ(logs_of(id, "stdout"), "once\n");
  // Past the restart delay, still one container ever started.
  std::this_thread::sleep_for(1500ms);
  std::size_t starts = 0;
  for (const auto& e : daemon_events_.all())
    starts += e.action == "start";
  EXPECT_EQ(starts, 1u);
}

} // namespace
} // namespace stevedore
