// The image manager (one per supervisor): gets images onto the node and
// keeps them there while tasks use them. Its contract is image_manager_actor
// (actors/protocol.hpp).
//
// - One pull (or load) per reference at a time however many tasks ask: the
//   first acquire starts it, later ones wait on it; every waiter gets the
//   progress and the result.
// - pull_if_missing and digest use a local image; always_pull pulls every
//   time; load_from_tar loads the task's archive, then inspects.
// - Auth: actors/registry_auth_chain (task auth block, docker.auth.config,
//   docker.auth.helper), run on a worker thread; auth_soft_fail retries
//   anonymously and says so in the lease's warnings. No credential reaches a
//   log, an error or a message other than the pull itself.
// - Leases: one per (holder, image id). The last release schedules removal
//   after cleanup_delay; a new lease before then cancels it; removal is by
//   image id (every tag); "in use" and "not found" end it quietly. A holder
//   actor that dies releases its leases. cleanup_image = false: nothing is
//   ever removed.
// - Deadlines: the client's inactivity limit (pull_activity_timeout) and the
//   request's total image_pull_timeout (an actor timer cancelling the call);
//   both end every waiter with a timeout naming the limit. At most
//   max_concurrent_pulls pulls run; the rest queue in arrival order.
//
// Timers hold the actor alive: at shutdown, send it an exit
// (caf::anon_send_exit(h, caf::exit_reason::user_shutdown)).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/protocol.hpp"
#include "actors/registry_auth_chain.hpp"
#include "actors/state_store.hpp"
#include "docker/client.hpp"
#include "messages/client_config.hpp"

namespace stevedore {

struct image_manager_config {
  bool cleanup_image = true;                            // docker.cleanup.image
  std::chrono::milliseconds cleanup_delay{3 * 60 * 1000}; // docker.cleanup.image.delay
  std::string auth_config;                              // docker.auth.config
  std::string auth_helper;                              // docker.auth.helper
  std::size_t max_concurrent_pulls = 4;                 // stevedore.pull.max_concurrent
  std::chrono::milliseconds pull_activity_timeout{2 * 60 * 1000}; // docker.pull_activity_timeout
  credential_helper_fn run_helper;                      // empty: a docker::credential_helper_runner on $PATH
  // Durability: pending removals are recorded in the store (deadline, and
  // a clear when leased again or removed); a supervisor started again on
  // its state hands back its tasks' leases (holder, image id) and the
  // pending removals, which resume with the time they had left.
  state_store_actor store;
  std::vector<std::pair<std::string, std::string>> recovered_leases;
  std::vector<image_cleanup_record> recovered_cleanups;

  static image_manager_config from(const client_config& c);
};

image_manager_actor spawn_image_manager(caf::actor_system& sys, std::shared_ptr<docker::client> docker,
                                        image_manager_config cfg);

} // namespace stevedore
