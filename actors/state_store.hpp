// The state store: one actor owning the supervisor's state file
// (state_db.hpp). Task actors and the image manager tell it what recovery
// needs as it changes; it gathers the writes and commits them together,
// every flush_interval or once max_batch are waiting, so that thousands of
// lifecycles a second cost a few transactions, not one each. A write that
// must be on disk before the caller goes on (the intent of a create) is a
// request answered after its commit, which it brings forward: the commit
// comes once the writes already queued have joined the batch (a group
// commit), not at the end of the flush interval.
//
// A failed commit is logged (one line naming the file and why) and counted;
// the writes are kept for the next commit. At its end the actor commits
// what it holds.
//
// Protocol (state_store_actor):
//   (store_atom, task_record)                 write; a terminal state deletes
//   (store_atom, task_record, sync_atom) -> unit   the same, answered once committed
//   (store_atom, image_cleanup_record)        deadline 0 clears
//   (flush_atom) -> unit                      commits now (tests, shutdown)
//   (status_atom) -> actor_status             inspection
//   (commit_atom)                             to itself: the group commit of a sync write
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/atoms.hpp"
#include "actors/state_db.hpp"
#include "messages/node.hpp"

namespace stevedore {

using store_atom = caf::atom_constant<caf::atom("store")>;
using sync_atom = caf::atom_constant<caf::atom("sync")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using commit_atom = caf::atom_constant<caf::atom("commit")>;

using state_store_actor = caf::typed_actor<
  caf::reacts_to<store_atom, task_record>,
  caf::replies_to<store_atom, task_record, sync_atom>::with<unit>,
  caf::reacts_to<store_atom, image_cleanup_record>,
  caf::replies_to<flush_atom>::with<unit>,
  caf::replies_to<status_atom>::with<actor_status>,
  caf::reacts_to<caf::tick_atom>,
  caf::reacts_to<commit_atom>>;

struct state_store_options {
  std::chrono::milliseconds flush_interval{20}; // longest a write waits for its commit
  std::size_t max_batch = 1024;                 // writes waiting that commit at once
};

// Takes the opened database over.
state_store_actor spawn_state_store(caf::actor_system& sys, std::unique_ptr<state_db> db,
                                    state_store_options opts = {});

} // namespace stevedore

// Local only: the store lives in the supervisor's actor system.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stevedore::task_record)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(stevedore::image_cleanup_record)
