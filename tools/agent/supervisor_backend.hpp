// The supervisor behind `stevedore agent`: made from the client settings with
// its Engine API client wrapped in metered_client (so /metrics sees every
// call), and exposed to the HTTP API as a backend. The implementation is
// the only agent file that sees CAF (actors/stevedore.hpp).
#pragma once

#include <chrono>
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
  // Ends the actor system and leaves every task's container running, for
  // the next start on the same state folder to re-attach. Blocks.
  virtual void leave_running() = 0;
};

// How the agent's supervisor keeps and reconciles its state.
struct durability_options {
  std::chrono::milliseconds reconcile_grace{60000}; // orphans younger than this are left alone
  bool reconcile_dry_run = false;                   // only report them
  std::chrono::milliseconds reconcile_interval{30000}; // between the reconciler's passes
};

// Errors name the step (daemon endpoint, state folder) and why.
result<std::unique_ptr<supervisor_service>> start_supervisor(const client_config& client,
                                                             const std::string& state_dir,
                                                             std::shared_ptr<metrics> m,
                                                             const durability_options& d = {});

} // namespace stevedore::agent
