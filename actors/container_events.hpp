// The one daemon event stream of a supervisor. It owns a GET /events stream
// filtered to containers that carry this supervisor's labels and to the
// actions a task acts on (die, oom, destroy), and hands each event
// to the task actor watching that container id. One stream serves every task
// (DESIGN.md: one wait per container does not scale).
//
// When the stream drops it is reopened after a backoff with `since` = the
// time of the last event seen, so no event is lost (events replayed at that
// same instant are dropped as duplicates), and every watcher is told to
// re-check its container (inspect) since the daemon may have been away.
// A stream that ended only because it was silent for the client's deadline is
// reopened at once, without re-checks.
//
// Protocol (dynamically typed; `caf::actor`):
//   (watch_atom, std::string container_id, caf::actor watcher)
//   (unwatch_atom, std::string container_id)
//   (status_atom) -> actor_status
// Watchers receive:
//   (cevent_atom, engine_event)          an event of their container
//   (recheck_atom, std::string id)       the stream was re-established: inspect
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include "docker/client.hpp"

namespace stevedore {

using cevent_atom = caf::atom_constant<caf::atom("cevent")>;
using recheck_atom = caf::atom_constant<caf::atom("recheck")>;

struct container_events_settings {
  // Label filters of the stream ("com.stevedore.node=n1"); see
  // container_label_filters().
  std::vector<std::string> label_filters;
  std::chrono::milliseconds reconnect_base{100};  // first reconnect delay
  std::chrono::milliseconds reconnect_max{5000};  // backoff cap
};

// The label filters that select the containers of a supervisor whose
// containers are labelled by policy::stevedore_labels: every container of
// stevedore, and of this node when the node has an id.
std::vector<std::string> container_label_filters(const std::string& node_id);

caf::actor spawn_container_events(caf::actor_system& sys, std::shared_ptr<docker::client> docker,
                                  container_events_settings settings);

} // namespace stevedore
