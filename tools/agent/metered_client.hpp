// A docker::client decorator that times every Engine API call, from the call
// to its callback (for streams: to their end), and counts failures by kind
// and pulls with their bytes into `metrics`. It forwards every call
// unchanged, so the supervisor is handed a metered client and nothing else
// changes.
#pragma once

#include <memory>

#include "docker/client.hpp"
#include "tools/agent/metrics.hpp"

namespace stevedore::agent {

std::shared_ptr<docker::client> make_metered_client(std::shared_ptr<docker::client> inner,
                                                    std::shared_ptr<metrics> m);

} // namespace stevedore::agent
