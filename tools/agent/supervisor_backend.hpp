// The supervisor behind `stevedore agent`: made from the client settings with
// its Engine API client wrapped in metered_client (so /metrics sees every
// call), and exposed to the HTTP API as a backend. The implementation is
// the only agent file that sees CAF (actors/stevedore.hpp).
#pragma once

#include <memory>
#include <string>

#include "messages/client_config.hpp"
#include "messages/result.hpp"
#include "tools/agent/backend.hpp"
#include "tools/agent/metrics.hpp"

namespace stevedore::agent {

class supervisor_service {
public:
  virtual ~supervisor_service() = default;
  virtual std::shared_ptr<backend> api_backend() = 0;
  // Stops every task with its kill signal and timeout, waits until they are
  // cleaned up, and ends the actor system. Blocks; call it from main().
  virtual void shutdown() = 0;
};

// Errors name the step (daemon endpoint, state folder) and why.
result<std::unique_ptr<supervisor_service>> start_supervisor(const client_config& client,
                                                             const std::string& state_dir,
                                                             std::shared_ptr<metrics> m);

} // namespace stevedore::agent
