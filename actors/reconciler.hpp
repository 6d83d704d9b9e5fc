// The reconciler: removes containers that carry this supervisor's node
// label but that none of its tasks knows (a create whose answer and intent
// were both lost to a crash, a task forgotten with its container left).
// Nomad grew the same thing (drivers/docker/reconcile_dangling.go) after
// leaking containers when a create's answer was lost.
//
// Every interval it lists the daemon's containers labelled
// com.stevedore.node=<node id> (running or not), asks the supervisor which
// containers its tasks hold (ids, and the names of creates in flight), and
// removes (force) each other one created longer than `grace` ago; dry_run
// only reports. Containers of another node id and containers without
// stevedore's labels are never listed, so never touched. Each action is a
// task_event of kind "reconcile" sent to the supervisor (its subscribers
// hear it) and a log line; its counters are in its status.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/atoms.hpp"
#include "docker/client.hpp"
#include "messages/node.hpp"

namespace stevedore {

using reconcile_atom = caf::atom_constant<caf::atom("reconcile")>;

struct reconcile_settings {
  bool enabled = false;
  std::chrono::milliseconds grace{60000};    // younger containers are left alone
  std::chrono::milliseconds interval{30000}; // between passes (the first after one interval)
  bool dry_run = false;                      // only report
};

// (reconcile_atom) runs a pass now and answers how many containers it
// removed (or would remove, dry run); (status_atom) its inspection status.
using reconciler_actor = caf::typed_actor<
  caf::replies_to<reconcile_atom>::with<std::int64_t>,
  caf::reacts_to<caf::tick_atom>,
  caf::replies_to<status_atom>::with<actor_status>>;

// `supervisor` answers (list_atom) with its tasks' statuses (what they
// hold) and receives (event_atom, task_event) for each action.
reconciler_actor spawn_reconciler(caf::actor_system& sys, std::shared_ptr<docker::client> docker,
                                  std::string node_id, reconcile_settings settings,
                                  caf::actor supervisor);

} // namespace stevedore
