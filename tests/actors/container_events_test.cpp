// The shared event stream against the fake engine: fan-out by container id,
// reopening after a drop with re-checks for every watcher.
#include "tests/actors/actor_harness.hpp"

namespace stevedore::testing {
namespace {

bool sync_call_ok(actor_harness& h, const std::string& id) {
  return stevedore::testing::sync<unit>([&](auto cb) { h.docker->container_start(id, cb); }).ok();
}

// Receives what the stream hands a watcher.
struct watcher_probe {
  explicit watcher_probe(caf::actor_system& sys) : self(sys) {}
  bool until(const std::function<bool()>& done, std::chrono::milliseconds limit = 3s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return false;
      self->receive([&](cevent_atom, const engine_event& ev) { events.push_back(ev); },
                    [&](recheck_atom, const std::string& id) { rechecks.push_back(id); },
                    caf::after(left) >> [] {});
    }
    return true;
  }
  bool saw(const std::string& action) const {
    for (const auto& e : events)
      if (e.action == action)
        return true;
    return false;
  }
  caf::scoped_actor self;
  std::vector<engine_event> events;
  std::vector<std::string> rechecks;
};

TEST(ContainerEvents, HandsEachWatcherTheEventsOfItsContainer) {
  actor_harness h;
  auto mine = h.make_container("mine-a1", our_labels("mine", "a1"), false);
  auto other = h.make_container("other-a2", our_labels("other", "a2"), false);
  watcher_probe w(h.sys());
  caf::anon_send(h.events, watch_atom::value, mine, caf::actor_cast<caf::actor>(w.self));
  // The watch is registered before the start: it is in the mailbox first.
  caf::scoped_actor sync{h.sys()};
  sync->request(h.events, 2s, status_atom::value).receive([](actor_status&) {}, [](caf::error&) {});
  ASSERT_TRUE(sync_call_ok(h, mine));
  ASSERT_TRUE(sync_call_ok(h, other));
  auto kill = [&](const std::string& id) {
    return stevedore::testing::sync<unit>([&](auto cb) { h.docker->container_kill(id, "SIGKILL", cb); }).ok();
  };
  ASSERT_TRUE(kill(other));
  ASSERT_TRUE(kill(mine));
  ASSERT_TRUE(w.until([&] { return w.saw("die"); }));
  for (const auto& e : w.events) {
    EXPECT_EQ(e.id, mine) << "only its own container's events";
    EXPECT_NE(e.action, "start") << "the stream asks only for what a task acts on";
    EXPECT_TRUE(e.attributes.empty()) << "attributes are not decoded";
  }
}

TEST(ContainerEvents, ReopensAfterADropAndAsksWatchersToRecheck) {
  actor_harness h;
  auto mine = h.make_container("mine-a1", our_labels("mine", "a1"), false);
  watcher_probe w(h.sys());
  caf::anon_send(h.events, watch_atom::value, mine, caf::actor_cast<caf::actor>(w.self));
  ASSERT_TRUE(w.until([&] { return h.docker->subscribers() == 1; }));
  h.docker->end_in_flight(errc::daemon_unreachable, "connection reset");
  ASSERT_TRUE(w.until([&] { return !w.rechecks.empty(); }));
  EXPECT_EQ(w.rechecks.front(), mine);
  EXPECT_EQ(h.docker->calls("events"), 2);
  // Events after the reopen still arrive.
  ASSERT_TRUE(sync_call_ok(h, mine));
  ASSERT_TRUE(stevedore::testing::sync<unit>([&](auto cb) { h.docker->container_kill(mine, "SIGKILL", cb); }).ok());
  ASSERT_TRUE(w.until([&] { return w.saw("die"); }));
  caf::scoped_actor self{h.sys()};
  actor_status st;
  self->request(h.events, 2s, status_atom::value).receive([&](actor_status& s) { st = s; },
                                                            [](caf::error&) {});
  EXPECT_EQ(st.details["reconnects"], "1");
  EXPECT_EQ(st.details["watched"], "1");
}

TEST(ContainerEvents, ForgetsAWatcherThatDied) {
  actor_harness h;
  auto mine = h.make_container("mine-a1", our_labels("mine", "a1"), false);
  {
    watcher_probe w(h.sys());
    caf::anon_send(h.events, watch_atom::value, mine, caf::actor_cast<caf::actor>(w.self));
  }
  caf::scoped_actor self{h.sys()};
  std::string watched = "?";
  for (int i = 0; i < 100 && watched != "0"; ++i) {
    self->request(h.events, 2s, status_atom::value)
      .receive([&](actor_status& s) { watched = s.details["watched"]; }, [](caf::error&) {});
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(watched, "0");
}

} // namespace
} // namespace stevedore::testing
