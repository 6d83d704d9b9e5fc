// The fingerprinter (one per supervisor): polls the daemon's version, info
// and bridge network every `period` and publishes the node's Docker facts
// under Nomad's names (driver.docker, driver.docker.version,
// driver.docker.bridge_ip, driver.docker.volumes.enabled,
// driver.docker.privileged.enabled, driver.docker.runtimes,
// driver.docker.os_type) with the daemon's health: healthy; unhealthy with
// the reason once it had been reached; undetected while it never was. A
// healthy daemon turns unhealthy only after `unhealthy_after` polls in a row
// failed: a failed poll is retried after `retry_delay` rather than after a
// whole period, so one reset or one 5xx does not refuse every start.
// Contract: fingerprinter_actor (actors/protocol.hpp). Watchers hear
// (health_atom, fingerprint) at once and on every change; dead ones are
// dropped. The poll timer holds the actor alive: at shutdown, send it an
// exit (caf::anon_send_exit(h, caf::exit_reason::user_shutdown)).
#pragma once

#include <chrono>
#include <memory>

#include <caf/fwd.hpp>

#include "actors/protocol.hpp"
#include "docker/client.hpp"
#include "messages/client_config.hpp"

namespace stevedore {

struct fingerprinter_config {
  std::chrono::milliseconds period{15000};   // stevedore.fingerprint.period
  bool volumes_enabled = true;               // docker.volumes.enabled
  bool privileged_enabled = false;           // docker.privileged.enabled
  std::string bridge_network = "bridge";     // whose gateway is driver.docker.bridge_ip
  int unhealthy_after = 2;                   // failed polls in a row before healthy -> unhealthy
  std::chrono::milliseconds retry_delay{500}; // after a failed poll (at most `period`)

  static fingerprinter_config from(const client_config& c);
};

fingerprinter_actor spawn_fingerprinter(caf::actor_system& sys, std::shared_ptr<docker::client> docker,
                                        fingerprinter_config cfg);

} // namespace stevedore
