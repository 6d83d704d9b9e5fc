// Every (state, event) pair of the task lifecycle: each situation below is
// reached by real events from `begin`, then every event of the closed set is
// fed to a copy of it. The expected outcome ("state/phase: commands") of each
// pair that does something is listed in `expected`; every pair not listed
// must be ignored (lifecycle unchanged, no command). That is the table: a
// change of the step function changes a row here or fails.
//
// STEVEDORE_PRINT_LIFECYCLE_TABLE=1 prints the actual table (to review a
// change, not to copy blindly).
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>

#include <gtest/gtest.h>

#include "tests/policy/lifecycle_support.hpp"

namespace stevedore::testing {
namespace {

using lc::call;
using lc::timer;
namespace ev = lc::ev;

struct situation {
  const char* name;
  std::function<void(lifecycle_driver&)> reach;
};

const std::string other_id = "beef00000000000000000000000000000000";

std::vector<situation> situations() {
  return {
    {"pending", [](auto& d) { d.feed(ev::begin{}); }},
    {"pulling", [](auto& d) { d.feed(ev::begin{}); d.ok(call::prepare); }},
    {"pulling+retry",
     [](auto& d) {
       d.feed(ev::begin{});
       d.ok(call::prepare);
       d.fail(call::acquire, errc::timeout);
     }},
    {"creating", [](auto& d) { d.feed(ev::begin{}); d.ok(call::prepare); d.image(); }},
    {"finding_holder",
     [](auto& d) {
       d.feed(ev::begin{});
       d.ok(call::prepare);
       d.image();
       d.fail(call::create, errc::conflict);
     }},
    {"clearing",
     [](auto& d) {
       d.feed(ev::begin{});
       d.ok(call::prepare);
       d.image();
       d.fail(call::create, errc::conflict);
       d.feed(ev::name_holder{d.life.epoch, other_id, true, false, "exited"});
     }},
    {"starting", [](auto& d) { d.feed(ev::begin{}); d.ok(call::prepare); d.image(); d.created(); }},
    {"running", [](auto& d) { d.to_running(); }},
    {"running+daemon",
     [](auto& d) {
       d.to_running();
       d.feed(ev::died{d.life.container_id});
       d.fail(call::inspect, errc::daemon_unreachable);
     }},
    {"running+held_exit",
     [](auto& d) {
       d.to_running();
       d.exits(137);
     }},
    {"stopping", [](auto& d) { d.to_running(); d.feed(ev::stop{}); }},
    {"stopping+sigkill",
     [](auto& d) {
       d.to_running();
       d.feed(ev::stop{});
       d.fire(timer::kill);
     }},
    {"exited/draining", [](auto& d) { d.to_running(); d.exits(0); }},
    {"exited/removing",
     [](auto& d) {
       d.to_running();
       d.exits(0);
       d.feed(ev::logs_finished{});
     }},
    {"exited/restart_wait",
     [](auto& d) {
       d.restart.attempts = 1;
       d.to_running();
       d.exits(1);
       d.feed(ev::logs_finished{});
       d.ok(call::remove);
     }},
    {"cleaned",
     [](auto& d) {
       d.to_running();
       d.exits(0);
       d.feed(ev::logs_finished{});
       d.ok(call::remove);
     }},
    {"failed", [](auto& d) { d.feed(ev::begin{}); d.fail(call::prepare, errc::internal); }},
    // Started again on its state (issue 13): a known container waits for
    // its inspect; an unconfirmed create waits for the name's holder.
    {"running+recovering", [](auto& d) { d.recover(recovered_container()); }},
    {"finding_holder+recovered", [](auto& d) { d.recover(recovered_intent()); }},
  };
}

struct probe_event {
  std::string name;
  std::function<lc::event_data(const lifecycle_driver&)> make;
};

const call all_calls[] = {call::prepare, call::acquire,      call::create,
                          call::find_holder, call::clear_holder, call::start,
                          call::inspect, call::kill,         call::remove};
const timer all_timers[] = {timer::kill,      timer::log_drain, timer::restart,
                            timer::oom_grace, timer::retry,     timer::recheck};

std::vector<probe_event> events() {
  std::vector<probe_event> out;
  out.push_back({"begin", [](const auto&) { return ev::begin{}; }});
  for (auto c : all_calls) {
    out.push_back({std::string("answered ") + lc::to_string(c),
                   [c](const auto& d) { return ev::answered{c, d.life.epoch}; }});
    out.push_back({std::string("failed ") + lc::to_string(c) + " 500", [c](const auto& d) {
                     return ev::failed{c, d.life.epoch,
                                       make_error(errc::daemon_error, "x", "boom", 500)};
                   }});
    out.push_back({std::string("failed ") + lc::to_string(c) + " 404", [c](const auto& d) {
                     return ev::failed{c, d.life.epoch, make_error(errc::not_found, "x", "no", 404)};
                   }});
    out.push_back({std::string("failed ") + lc::to_string(c) + " 409", [c](const auto& d) {
                     return ev::failed{c, d.life.epoch, make_error(errc::conflict, "x", "in use", 409)};
                   }});
    out.push_back({std::string("failed ") + lc::to_string(c) + " unreachable", [c](const auto& d) {
                     return ev::failed{c, d.life.epoch,
                                       make_error(errc::daemon_unreachable, "x", "refused")};
                   }});
  }
  out.push_back({"answered stale", [](const auto& d) {
                   return ev::answered{d.life.at == lc::phase::removing ? call::remove : call::start,
                                       d.life.epoch + 7};
                 }});
  out.push_back({"image_ready", [](const auto& d) {
                   return ev::image_ready{d.life.epoch, "sha256:img", "", {}};
                 }});
  out.push_back({"created", [](const auto& d) {
                   return ev::created{d.life.epoch, "c0ffee0000000000000000000002", {}};
                 }});
  out.push_back({"holder ours dead", [](const auto& d) {
                   return ev::name_holder{d.life.epoch, other_id, true, false, "exited"};
                 }});
  out.push_back({"holder ours running", [](const auto& d) {
                   return ev::name_holder{d.life.epoch, other_id, true, true, "running"};
                 }});
  out.push_back({"holder not ours", [](const auto& d) {
                   return ev::name_holder{d.life.epoch, other_id, false, true, "running"};
                 }});
  out.push_back({"inspected running", [](const auto& d) {
                   return ev::inspected{d.life.epoch, true, 0, false, {}};
                 }});
  out.push_back({"inspected exit 0", [](const auto& d) {
                   return ev::inspected{d.life.epoch, false, 0, false, {}};
                 }});
  out.push_back({"inspected exit 3", [](const auto& d) {
                   return ev::inspected{d.life.epoch, false, 3, false, {}};
                 }});
  out.push_back({"inspected exit 137", [](const auto& d) {
                   return ev::inspected{d.life.epoch, false, 137, false, {}};
                 }});
  out.push_back({"died", [](const auto& d) { return ev::died{d.life.container_id}; }});
  out.push_back({"died other", [](const auto&) { return ev::died{other_id}; }});
  out.push_back({"recheck", [](const auto& d) { return ev::recheck{d.life.container_id}; }});
  out.push_back({"oom", [](const auto& d) { return ev::oom{d.life.container_id}; }});
  out.push_back({"stop", [](const auto&) { return ev::stop{}; }});
  for (auto t : all_timers) {
    out.push_back({std::string("timer ") + lc::to_string(t), [t](const auto& d) {
                     auto token = d.token(t);
                     return ev::timer_fired{t, token ? token : 999u};
                   }});
  }
  out.push_back({"daemon healthy", [](const auto&) { return ev::daemon_health{true}; }});
  out.push_back({"daemon unhealthy", [](const auto&) { return ev::daemon_health{false}; }});
  out.push_back({"logs_finished", [](const auto&) { return ev::logs_finished{}; }});
  out.push_back({"recovered container", [](const auto&) { return recovered_container(); }});
  out.push_back({"recovered intent", [](const auto&) { return recovered_intent(); }});
  return out;
}

// situation -> event -> outcome; every pair not listed is "ignored".
using table = std::map<std::string, std::map<std::string, std::string>>;

const table& expected() {
  static const table t = {
#include "tests/policy/lifecycle_table.inc"
  };
  return t;
}

TEST(LifecycleTable, EveryStateAndEventPairIsAsListed) {
  bool print = std::getenv("STEVEDORE_PRINT_LIFECYCLE_TABLE") != nullptr;
  int pairs = 0, acting = 0;
  for (const auto& s : situations()) {
    lifecycle_driver base;
    s.reach(base);
    auto rows = expected().find(s.name);
    if (print)
      std::cout << "  {\"" << s.name << "\", {\n";
    for (const auto& e : events()) {
      lifecycle_driver d = base;
      d.feed(e.make(base));
      ++pairs;
      std::string want = "ignored";
      if (rows != expected().end()) {
        auto row = rows->second.find(e.name);
        if (row != rows->second.end())
          want = row->second;
      }
      std::string got = d.outcome();
      if (got != "ignored") {
        ++acting;
        if (print)
          std::cout << "    {\"" << e.name << "\", \"" << got << "\"},\n";
      }
      EXPECT_EQ(got, want) << "in " << s.name << " (" << base.where() << ") on " << e.name;
      if (got == "ignored") {
        EXPECT_TRUE(d.last.empty()) << s.name << " / " << e.name;
        EXPECT_EQ(d.life.epoch, base.life.epoch) << s.name << " / " << e.name;
        EXPECT_EQ(d.life.state, base.life.state) << s.name << " / " << e.name;
        EXPECT_EQ(d.life.at, base.life.at) << s.name << " / " << e.name;
      }
    }
    if (print)
      std::cout << "  }},\n";
  }
  EXPECT_EQ(pairs, 19 * static_cast<int>(events().size()));
  EXPECT_GT(acting, 100) << "the table has lost most of its rows";
}

TEST(LifecycleTable, EverySituationIsWhereItsNameSays) {
  for (const auto& s : situations()) {
    lifecycle_driver d;
    s.reach(d);
    std::string name = s.name;
    auto where = d.where();
    // "exited/draining" -> state exited, phase draining; "running+held_exit" -> running.
    auto state = name.substr(0, name.find_first_of("/+"));
    if (state == "finding_holder" || state == "clearing")
      state = "creating";
    EXPECT_EQ(where.substr(0, where.find('/')), state) << name << " is at " << where;
  }
}

} // namespace
} // namespace stevedore::testing
