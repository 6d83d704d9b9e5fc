// The yardstick: the same lifecycles driven by a bare Engine API client
// (docker::client and nothing else: no actors, no policy in the loop). It
// does what any client must: make sure the image is there once (inspect,
// pull when missing; later tasks wait for that one check), make the task's
// bind folders, create with the same body the supervisor sends, start; then
// stop with the task's kill timeout and remove. A failed launch removes the
// container it made.
#pragma once

#include <memory>

#include "tools/stress/driver.hpp"

namespace stevedore::docker {
class client;
}

namespace stevedore::stress {

inline constexpr const char* baseline_driver_name = "baseline";

// The driver over `client` (which it shuts down in shutdown()).
std::unique_ptr<driver> make_baseline_driver(driver_context& ctx,
                                             std::shared_ptr<docker::client> client);

} // namespace stevedore::stress
