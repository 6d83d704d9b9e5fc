// The timer service: timers fire at their deadlines in deadline order (ties
// in the order set), an earlier timer set after a later one is not held up by
// it, and a timer whose receiver has ended is dropped.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/timer_service.hpp"
#include "actors/types.hpp"
#include "messages/node.hpp"

namespace stevedore {
namespace {

using namespace std::chrono_literals;
using fired_atom = caf::atom_constant<caf::atom("fired")>;

// An actor that takes ints and does nothing. A class, not a function with no
// argument: CAF 0.17 binds a reference to a null tuple for those (UBSan).
class int_sink : public caf::event_based_actor {
public:
  using caf::event_based_actor::event_based_actor;
  caf::behavior make_behavior() override { return {[](int) {}}; }
};

struct config : caf::actor_system_config {
  config() { stevedore::add_message_types(*this); }
};

TEST(TimerService, FiresInDeadlineOrderAndDropsTimersOfEndedActors) {
  config cfg;
  caf::actor_system sys{cfg};
  auto timers = spawn_timer_service(sys);
  caf::scoped_actor self{sys};
  auto me = self->address();
  auto t0 = std::chrono::steady_clock::now();
  set_timer(timers, 1500ms, me, caf::make_message(fired_atom::value, 4));
  set_timer(timers, 200ms, me, caf::make_message(fired_atom::value, 2));
  set_timer(timers, 200ms, me, caf::make_message(fired_atom::value, 3)); // same deadline: after 2
  set_timer(timers, 50ms, me, caf::make_message(fired_atom::value, 1));  // earliest, set last
  {
    auto gone = sys.spawn<int_sink>();
    set_timer(timers, 100ms, gone.address(), caf::make_message(fired_atom::value, 99));
    caf::anon_send_exit(gone, caf::exit_reason::user_shutdown);
  }
  std::vector<int> order;
  std::vector<std::chrono::steady_clock::duration> at;
  for (int i = 0; i < 4; ++i)
    self->receive(
      [&](fired_atom, int n) {
        order.push_back(n);
        at.push_back(std::chrono::steady_clock::now() - t0);
      },
      caf::after(5s) >> [&] { ADD_FAILURE() << "a timer did not fire"; });
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 4}));
  ASSERT_EQ(at.size(), 4u);
  EXPECT_GE(at[0], 50ms);
  EXPECT_LT(at[0], 1000ms) << "the earliest timer waited for the one set first";
  EXPECT_GE(at[1], 200ms);
  EXPECT_GE(at[3], 1500ms);
  actor_status st;
  self->request(timers, 5s, status_atom::value)
    .receive([&](actor_status& s) { st = std::move(s); }, [](caf::error&) {});
  EXPECT_EQ(st.kind, "timer_service");
  EXPECT_EQ(st.details["set"], "5");
  EXPECT_EQ(st.details["fired"], "4");
  EXPECT_EQ(st.details["dropped"], "1");
  EXPECT_EQ(st.details["pending"], "0");
  caf::anon_send_exit(timers, caf::exit_reason::user_shutdown);
}

} // namespace
} // namespace stevedore
