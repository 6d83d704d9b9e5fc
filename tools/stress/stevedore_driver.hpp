// The supervisor under test: a stevedore::supervisor created through the
// embedding API (actors/stevedore.hpp) from the run's client settings, its
// task events feeding supervisor_driver. The only stress file that sees CAF.
#pragma once

#include <memory>

#include "tools/stress/supervisor_driver.hpp"

namespace stevedore::stress {

// A driver over a new supervisor. When the supervisor cannot be created
// (bad endpoint settings), every launch fails with that error.
std::unique_ptr<driver> make_stevedore_driver(driver_context& ctx);

} // namespace stevedore::stress
