// CAF's deterministic scheduler for actor tests: an actor runs only when the
// test runs the scheduler, and a delayed message is delivered only when the
// test triggers it. Together with the fake engine's manual mode (its answers
// run when the test runs them, its clock moves when the test moves it), the
// order of everything an actor sees is the order a test writes down.
#pragma once

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/types.hpp"

namespace stevedore::testing {

// A configuration whose actor system runs on the test coordinator.
inline caf::actor_system_config& testing_config(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  cfg.set("logger.verbosity", caf::atom("quiet"));
  add_message_types(cfg);
  return cfg;
}

inline caf::scheduler::test_coordinator& coordinator_of(caf::actor_system& sys) {
  return dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
}

} // namespace stevedore::testing
