// The typed interfaces between stevedore's actors. Each long-lived service
// actor has one typed handle here; who implements it lives in its own header
// (image_manager.hpp, fingerprinter.hpp, stats_poller.hpp, ...). Notifications
// to subscribers (task actors, the run command, the agent) are sent to plain
// caf::actor handles with the tuples documented beside each interface.
#pragma once

#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/replies_to.hpp>
#include <caf/send.hpp>
#include <caf/typed_actor.hpp>

#include "actors/atoms.hpp"
#include "messages/node.hpp"
#include "messages/result.hpp"
#include "messages/task_state.hpp"

namespace stevedore {

// What every actor answers besides (status_atom) -> actor_status: a trace of
// its messages (activity.hpp).
//   trace, count, for_ms: record the next `count` messages for at most
//     `for_ms` (count 0: stop).  trace: what was recorded.
using trace_messages = caf::typed_actor<
  caf::replies_to<trace_atom, std::int64_t, std::int64_t>::with<unit>,
  caf::replies_to<trace_atom>::with<actor_trace>>;

// Image manager (one per supervisor): pull de-duplication, leases, delayed
// cleanup, the auth chain.
//   acquire: the image is made present per request.pull and leased to
//     request.holder; while a pull runs, the requester receives
//     (progress_atom, std::string reference, pull_progress) messages.
//     Errors come back as to_caf(error_info) (actors/errors.hpp).
//   release: the holder gives its lease on image_id back; the last release
//     schedules removal after docker.cleanup.image.delay (if enabled).
//   images: every image the manager knows, with holders and pending cleanups.
using image_manager_actor = caf::typed_actor<
  caf::replies_to<acquire_atom, image_request>::with<image_lease>,
  caf::reacts_to<release_atom, std::string /*holder*/, std::string /*image_id*/>,
  caf::replies_to<images_atom>::with<std::vector<image_record>>,
  caf::replies_to<status_atom>::with<actor_status>>::extend_with<trace_messages>;

// Fingerprinter (one per supervisor): polls version, info and the bridge
// network every stevedore.fingerprint.period.
//   attrs: the current fingerprint.
//   watch: the subscriber receives (health_atom, fingerprint) now and on
//     every change of health or attributes; subscriptions end on unwatch or
//     when the subscriber dies.
//   poll: poll now (a task that saw the daemon fail asks for a re-check).
using fingerprinter_actor = caf::typed_actor<
  caf::replies_to<attrs_atom>::with<fingerprint>,
  caf::reacts_to<watch_atom, caf::actor>,
  caf::reacts_to<unwatch_atom, caf::actor>,
  caf::reacts_to<poll_atom>,
  caf::replies_to<status_atom>::with<actor_status>>::extend_with<trace_messages>;

// Stats poller (one per supervisor): one-shot stats of the containers that
// someone reads, each stevedore.stats.interval while read, never a stream
// per container (stats_poller.hpp).
//   watch: task_id runs in container_id (sampled only while wanted).
//   unwatch: it ended.
//   stats: the latest figures of a task, sampled now when they are not fresh;
//     marks it wanted for a few intervals (not_found error when unwatched).
//   subscribe: the reader receives (stats_atom, task_stats) after each sample
//     of task_id and keeps it wanted until unsubscribe or its death.
using stats_poller_actor = caf::typed_actor<
  caf::reacts_to<watch_atom, std::string /*task_id*/, std::string /*container_id*/>,
  caf::reacts_to<unwatch_atom, std::string /*task_id*/>,
  caf::replies_to<stats_atom, std::string /*task_id*/>::with<task_stats>,
  caf::reacts_to<caf::subscribe_atom, std::string /*task_id*/, caf::actor /*reader*/>,
  caf::reacts_to<caf::unsubscribe_atom, std::string /*task_id*/, caf::actor /*reader*/>,
  caf::replies_to<status_atom>::with<actor_status>>::extend_with<trace_messages>;

// A message from a typed actor to a dynamically typed one (a subscriber, the
// container event stream), with the sender set: a typed actor's send()
// takes typed receivers only, and anon_send() would hide who sent it.
template <class Self, class... Ts>
void tell(Self* self, const caf::actor& to, Ts&&... xs) {
  caf::send_as(caf::actor_cast<caf::actor>(self), to, std::forward<Ts>(xs)...);
}

} // namespace stevedore
