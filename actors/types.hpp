// Announces every message type of messages/ to CAF (0.17:
// add_message_type), so that they print, serialise and cross typed
// interfaces. Every program that spawns stevedore's actors calls this on its
// actor_system_config before building the system.
#pragma once

#include <caf/actor_system_config.hpp>

namespace stevedore {

void add_message_types(caf::actor_system_config& cfg);

} // namespace stevedore
