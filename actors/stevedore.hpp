// stevedore, embedded: the whole API for a program that runs a supervisor in
// its own process (a Nomad-like client, a CI runner, a test rig).
//
//   stevedore::supervisor_options opts;
//   opts.client = ...;                          // docker.* options, node facts
//   auto sup = stevedore::supervisor::create(std::move(opts));
//   if (!sup) { puts(to_string(sup.error()).c_str()); return 1; }
//   auto sub = (*sup)->subscribe([](const stevedore::task_event& ev) { ... });
//   auto ids = (*sup)->start_job_file("hello.nomad");
//   auto st = (*sup)->wait(ids->front(), std::chrono::minutes(1));
//   (*sup)->shutdown();
//
// Blocking calls (returning result<T>) wait for the supervisor's answer up to
// supervisor_options::call_timeout; never call them from inside an actor or a
// callback of this API. Every call also has an asynchronous form taking a
// reply<T> as its last argument, which runs exactly once on a CAF worker
// thread and must not block. Errors are one line each: what failed, for which
// task, and why (to_string(error_info)); an unknown task id is not_found, a
// start while the daemon is unhealthy unavailable.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/supervisor.hpp"
#include "actors/task_actor.hpp"
#include "docker/client.hpp"
#include "messages/client_config.hpp"
#include "messages/node.hpp"
#include "messages/result.hpp"
#include "messages/task_instance.hpp"
#include "messages/task_spec.hpp"
#include "messages/task_state.hpp"

namespace stevedore {

struct supervisor_options {
  client_config client;                    // docker.* options and node facts (policy::read_client_config)
  // Allocations go under <state_dir>/alloc unless client.alloc_root is set;
  // empty: policy's default root (/var/lib/stevedore/alloc).
  std::string state_dir;
  // The Engine API client to use (a metered or fake one); null: one is made
  // from client.endpoint / DOCKER_HOST. Either way the supervisor shuts it
  // down when it ends.
  std::shared_ptr<docker::client> docker;
  // The deadline of one Engine API call of the client made here (not of a
  // client given in `docker`); a stream's header gets it too.
  std::chrono::milliseconds docker_timeout{30000};
  task_settings task;                      // retry backoff, kill escalation... (cleanup from client)
  std::size_t threads = 0;                 // CAF scheduler threads; 0: one per core
  bool quiet_scheduler = true;             // workers sleep soon after work: low idle CPU
  std::chrono::milliseconds call_timeout{30000}; // blocking calls
  std::chrono::milliseconds shutdown_timeout{120000}; // longest graceful stop in the destructor
  std::size_t max_ended_tasks = 1000;      // ended tasks kept for status and logs; older ones are forgotten
  // Durable state (actors/state_db.hpp): with a state_dir, the tasks, their
  // image leases, pending image removals and the node id are kept in
  // <state_dir>/state.db, and a supervisor created again on the same folder
  // takes over the tasks it finds there (re-attached, exit codes read,
  // lost ones reported) instead of starting empty. A state file that cannot
  // be read makes create() fail; nothing on the daemon is touched then.
  // false: nothing is kept (`stevedore run`).
  bool durable = true;
  // The reconciler (actors/reconciler.hpp): containers labelled with this
  // node id that no task of this supervisor knows are removed once older
  // than the grace; dry-run only reports them. Runs with durable state.
  std::chrono::milliseconds reconcile_grace{60000};
  std::chrono::milliseconds reconcile_interval{30000};
  bool reconcile_dry_run = false;
};

template <class T>
using reply = std::function<void(result<T>)>;

// An event subscription; cancel() (or destruction) ends it and returns once
// no callback of it runs any more (so never cancel from inside its own
// callback). Destroy subscriptions before their supervisor. Movable.
class subscription {
public:
  subscription() = default;
  explicit subscription(caf::actor listener) : listener_(std::move(listener)) {}
  subscription(subscription&&) noexcept = default;
  subscription& operator=(subscription&& other) noexcept;
  ~subscription() { cancel(); }
  void cancel();

private:
  caf::actor listener_;
};

class supervisor {
public:
  // Builds the actor system, the Engine API client (unless given) and the
  // supervisor with its services. Fails only on bad settings (the endpoint).
  static result<std::unique_ptr<supervisor>> create(supervisor_options opts);

  // Shuts down (as shutdown()) if that was not done.
  ~supervisor();
  supervisor(const supervisor&) = delete;
  supervisor& operator=(const supervisor&) = delete;

  // -- starting: every instance is admitted (daemon healthy, id free,
  //    constraints met) before any starts; returns the task ids --
  result<std::string> start(const task_instance& inst);
  result<std::vector<std::string>> start(const std::vector<task_instance>& instances);
  // A decoded job: checked against the client settings, planned, started.
  result<std::vector<std::string>> start_job(const job_spec& job);
  // A job file (HCL or JSON): read, checked, planned, started. Every problem
  // of the file, one per line, in the error's message.
  result<std::vector<std::string>> start_job_file(const std::string& path);
  // One task spec, run as a job of one group named after `job_name` (or the task).
  result<std::vector<std::string>> start_task(const task_spec& task, const std::string& job_name = {});

  // -- tasks --
  result<unit> stop(const std::string& task_id);      // kill signal, SIGKILL after kill_timeout
  result<unit> signal(const std::string& task_id, const std::string& signal);
  // Stops the running task (kill signal, SIGKILL after kill_timeout) and
  // starts it again at once, not counted against its restart policy (Nomad's
  // alloc restart); conflict unless it runs.
  result<unit> restart(const std::string& task_id);
  result<task_status> status(const std::string& task_id);
  result<std::vector<task_status>> list();
  // Its plan as kept while it runs: dirs, ports, the spec and the create
  // body (the final environment and the labels are in create_body_text
  // only; an ended task keeps no body).
  result<task_instance> instance(const std::string& task_id);
  // Ended tasks stay listed (status, logs) until forgotten; a running one is a conflict.
  result<unit> forget(const std::string& task_id);
  // Until the task has ended (cleaned or failed): its final status.
  result<task_status> wait(const std::string& task_id, std::chrono::milliseconds timeout);

  // -- node --
  result<fingerprint> node();
  result<std::vector<image_record>> images();
  result<task_stats> stats(const std::string& task_id);
  result<std::vector<actor_status>> actors();          // every actor's own status (inspection)

  // -- asynchronous forms --
  void start(std::vector<task_instance> instances, reply<std::vector<std::string>> done);
  void start_job(job_spec job, reply<std::vector<std::string>> done);
  void stop(std::string task_id, reply<unit> done);
  void signal(std::string task_id, std::string signal, reply<unit> done);
  void restart(std::string task_id, reply<unit> done);
  // Runs cmd in the task's running container: its output (at most 1 MiB of
  // both streams) and exit code, or a timeout error once `timeout` has
  // passed (the command goes on: the Engine API cannot stop an exec).
  void exec(std::string task_id, std::vector<std::string> cmd, std::chrono::milliseconds timeout,
            reply<exec_output> done);
  void status(std::string task_id, reply<task_status> done);
  void list(reply<std::vector<task_status>> done);
  void instance(std::string task_id, reply<task_instance> done);
  void node(reply<fingerprint> done);
  void images(reply<std::vector<image_record>> done);
  void stats(std::string task_id, reply<task_stats> done);

  // -- inspection (the console): see supervisor.hpp for what each asks --
  // A page of actors, filtered and sorted.
  void actors(actor_query q, reply<actor_page> done);
  // One actor by "supervisor", a service's kind, a task id or a CAF actor id.
  void actor(std::string who, reply<actor_status> done);
  // Traces that actor's next `count` messages for at most `for_ms` (count 0: stop).
  void trace(std::string who, std::int64_t count, std::int64_t for_ms, reply<unit> done);
  // What its trace recorded.
  void trace(std::string who, reply<actor_trace> done);
  // The last 256 task events but pull progress, oldest first.
  void recent_events(reply<std::vector<task_event>> done);

  // -- events --
  // on_event hears every task_event (of one task when task_id is set) from
  // now on, in order per task, on a CAF worker thread; it must not block.
  subscription subscribe(std::function<void(const task_event&)> on_event, std::string task_id = {});
  // An actor of the embedder's receives (event_atom, task_event) and
  // (done_atom, task_status) until unsubscribed or dead.
  void subscribe(const caf::actor& listener);
  void unsubscribe(const caf::actor& listener);

  // Stops every task with its kill signal and timeout, waits until they are
  // cleaned up, ends the actors and the Engine API client. Idempotent.
  result<unit> shutdown(std::chrono::milliseconds timeout = std::chrono::minutes(2));
  // Ends the supervisor, its actors and the Engine API client but leaves
  // every task's container as it is, for a supervisor created again on the
  // same state folder to take over (what an agent does on SIGTERM). Without
  // durable state nothing will take them over. Idempotent; after it,
  // shutdown() does nothing.
  result<unit> leave_running();
  // The node id labelling this supervisor's containers (the client
  // settings', else the one kept in the state folder, else made once).
  std::string node_id() const;
  // A reconciler pass now: how many containers it removed (or, dry run,
  // would remove); 0 without durable state.
  result<std::int64_t> reconcile();

  // The Engine API client (for calls stevedore does not wrap) and the actor system, for embedders that speak
  // CAF themselves (the supervisor's protocol is in actors/supervisor.hpp).
  std::shared_ptr<docker::client> docker() const;
  caf::actor_system& system();
  supervisor_actor handle() const;

private:
  struct impl;
  explicit supervisor(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

// Also part of this API, from actors/supervisor.hpp: with_job_constraints()
// for a program that plans a job itself (as `stevedore run` does) and starts
// its instances.

} // namespace stevedore
