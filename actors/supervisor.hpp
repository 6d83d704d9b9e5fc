// The supervisor: the root of a stevedore actor system. It spawns the shared
// services (image manager, fingerprinter, container event stream, task-dir
// worker, stats poller) and one task actor per task instance,
// keeps the registry of tasks by id "{alloc_id}/{task}", monitors them, and
// fans their events out to subscribers.
//
// New starts are refused with `unavailable` while the daemon is unhealthy
// (starts that arrive before the first fingerprint wait for it), and a task
// whose constraints (job, group and task) the node's fingerprint does not
// meet is refused before anything is created. Shutdown stops every task
// with its kill signal and timeout, waits until each has ended, then ends
// the services and the supervisor.
//
// Protocol: the typed interface `supervisor_actor` below. Errors are
// to_caf(error_info).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/container_events.hpp"
#include "actors/protocol.hpp"
#include "actors/reconciler.hpp"
#include "actors/task_actor.hpp"
#include "docker/client.hpp"
#include "messages/client_config.hpp"
#include "messages/task_instance.hpp"
#include "messages/task_spec.hpp"

namespace stevedore {

using instance_atom = caf::atom_constant<caf::atom("instance")>;
// A start waited for the first fingerprint long enough (the supervisor's own).
using first_fp_atom = caf::atom_constant<caf::atom("firstfp")>;

// The supervisor.
//   start: one instance (its id), several (all checked before any starts),
//     or a job (checked, planned, started).
//   stop, signal, restart: a task by id.  exec: a command in its running container
//     (the task actor runs it: see task_actor.hpp).  get: its status (not_found for an unknown id).
//   instance: its plan as sent.  delete: forget an ended task (conflict while it runs).
//   list: every task's status.
//   subscribe: s receives (event_atom, task_event) of every task and
//     (done_atom, task_status) as each ends; unsubscribe.
//   attrs: the fingerprint.  images: every image with its holders.
//   stats: a task's figures, sampled now unless fresh; read tasks are sampled
//     each stevedore.stats.interval for a while.
//   subscribe stats: r receives (stats_atom, task_stats) each interval until
//     unsubscribe or its death.
//   status: its own actor status; (status, list): every actor's.
//   (status, query): a page of actors filtered and sorted; the task actors
//     are asked only for the page when the order is by id, kind, name or
//     state (the registry knows those), else all the matching ones.
//   (status, who): one actor's, named "supervisor", by a service's kind
//     ("image_manager", ...), by task id or by CAF actor id.
//   (trace, who, count, for_ms): that actor traces its next messages;
//     (trace, who): what it recorded (activity.hpp).  trace without who: its own.
//   events: the last 256 task events but pull progress, oldest first.
//   shutdown: answered once every task has ended.
//   reconcile: a reconciler pass now (reconciler.hpp): how many containers
//     it removed (or would, dry run); 0 when the reconciler is off.
//   event, done: from its task actors.  health: from the fingerprinter.
using supervisor_actor = caf::typed_actor<
  caf::replies_to<start_atom, task_instance>::with<std::string>,
  caf::replies_to<start_atom, std::vector<task_instance>>::with<std::vector<std::string>>,
  caf::replies_to<start_atom, job_spec>::with<std::vector<std::string>>,
  caf::replies_to<stop_atom, std::string>::with<unit>,
  caf::replies_to<signal_atom, std::string, std::string>::with<unit>,
  caf::replies_to<restart_atom, std::string>::with<unit>,
  caf::replies_to<exec_atom, std::string, std::vector<std::string>, std::int64_t>::with<exec_output>,
  caf::replies_to<caf::get_atom, std::string>::with<task_status>,
  caf::replies_to<caf::delete_atom, std::string>::with<unit>,
  caf::replies_to<instance_atom, std::string>::with<task_instance>,
  caf::replies_to<list_atom>::with<std::vector<task_status>>,
  caf::reacts_to<caf::subscribe_atom, caf::actor>,
  caf::reacts_to<caf::unsubscribe_atom, caf::actor>,
  caf::replies_to<attrs_atom>::with<fingerprint>,
  caf::replies_to<images_atom>::with<std::vector<image_record>>,
  caf::replies_to<stats_atom, std::string>::with<task_stats>,
  caf::reacts_to<caf::subscribe_atom, stats_atom, std::string, caf::actor>,
  caf::reacts_to<caf::unsubscribe_atom, stats_atom, std::string, caf::actor>,
  caf::replies_to<status_atom>::with<actor_status>,
  caf::replies_to<status_atom, list_atom>::with<std::vector<actor_status>>,
  caf::replies_to<status_atom, actor_query>::with<actor_page>,
  caf::replies_to<status_atom, std::string>::with<actor_status>,
  caf::replies_to<trace_atom, std::string, std::int64_t, std::int64_t>::with<unit>,
  caf::replies_to<trace_atom, std::string>::with<actor_trace>,
  caf::replies_to<trace_atom, std::int64_t, std::int64_t>::with<unit>,
  caf::replies_to<trace_atom>::with<actor_trace>,
  caf::replies_to<events_atom>::with<std::vector<task_event>>,
  caf::replies_to<shutdown_atom>::with<unit>,
  caf::replies_to<reconcile_atom>::with<std::int64_t>,
  caf::reacts_to<event_atom, task_event>,
  caf::reacts_to<done_atom, task_status>,
  caf::reacts_to<health_atom, fingerprint>,
  caf::reacts_to<first_fp_atom>>;

struct supervisor_config {
  client_config client;                       // docker.* options and node facts
  std::shared_ptr<docker::client> docker;     // required
  task_settings task;                         // cleanup_container is taken from `client`
  container_events_settings events;           // label filters default to the node's
  // Services: null ones are spawned from `client` (stevedore.stats.interval
  // for the stats poller). Tests inject fakes here.
  image_manager_actor images;
  fingerprinter_actor fingerprinter;
  stats_poller_actor stats;
  bool collect_logs = true;                   // start a log collector per task (collects_logs)
  bool prepare_task_dirs = true;              // lay out alloc/task folders before create
  // How long starts wait for the first fingerprint before they are refused.
  std::chrono::milliseconds first_fingerprint_wait{15000};
  // Ended tasks kept for status, list and their logs' location, most recent
  // first; older ones are forgotten as if by forget (their folders and log
  // files stay), so a long-running supervisor's registry does not grow
  // without bound (Nomad's client garbage-collects ended allocations too).
  std::size_t max_ended_tasks = 1000;
  // Durability (actors/state_store.hpp): the store its tasks and image
  // manager record into (none: nothing is recorded), and what was recorded
  // when the supervisor started again on its state: those tasks go on from
  // there (re-attached, settled by name, or restarted), their leases and
  // the pending image removals are rebuilt.
  state_store_actor store;
  std::vector<task_record> recovered;
  std::vector<image_cleanup_record> recovered_cleanups;
  reconcile_settings reconcile;               // off unless enabled (durable state)
};

supervisor_actor spawn_supervisor(caf::actor_system& sys, supervisor_config cfg);

// A job's planned instances with the job's and their group's constraints
// carried into each task (ahead of the task's own), so that they are checked
// when the instances are started on their own.
std::vector<task_instance> with_job_constraints(const job_spec& job,
                                                std::vector<task_instance> instances);

} // namespace stevedore
