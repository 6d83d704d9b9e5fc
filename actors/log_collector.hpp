// The log collector of one running task: follows its container's output
// with one streaming logs call (no helper process) and writes stdout and
// stderr into the task's rotated files (actors/log_rotation.hpp); a TTY
// container's single raw stream goes to stdout.
//
// A stream that drops (daemon restart, connection reset) is resumed from the
// last timestamp written, without losing or repeating lines
// (actors/log_stamps.hpp). The collector ends by itself once the container
// has ended and its output is on disk (the task actor monitors it and should
// let it finish rather than kill it at the container's death); an exit
// message ends it at once, cancelling its call and handing what it holds to
// the writer. It answers (status_atom) with an actor_status, and takes
// (died_atom) as the news that the container has exited (see
// log_collector_options::exit_notice_wait).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "docker/client.hpp"
#include "messages/task_spec.hpp"

namespace stevedore {

class log_worker;

struct log_target {
  std::string task_id;      // names the actor and its errors
  std::string task_name;    // file names: <task_name>.stdout.N
  std::string container_id;
  bool tty = false;         // one raw stream, into stdout
  std::string logs_dir;     // <alloc_dir>/alloc/logs
  logs_spec logs;           // max_files, max_file_size_mb
};

struct log_collector_options {
  std::shared_ptr<log_worker> worker;            // null: log_worker::shared()
  std::chrono::milliseconds retry_delay{500};    // first wait before resuming a dropped stream
  std::chrono::milliseconds max_retry_delay{10000}; // the wait doubles up to this
  // 0: when the follower ends cleanly, ask the daemon (inspect) whether the
  // container still runs. Above 0: the owner promises to send (died_atom)
  // once it knows the container has exited (the task actor does), which
  // answers that question without a call; the collector waits this long
  // for it before it inspects after all.
  std::chrono::milliseconds exit_notice_wait{0};
};

// False when the task's `logging` block sends its output to a driver whose
// logs the daemon cannot give back (fluentd, syslog, gelf, none, ...): the
// option goes to the daemon and no collector is started. Collected: no
// type (the daemon's default), "json-file", "local" and "journald", the
// drivers the Engine API's logs call reads.
bool collects_logs(const task_spec& spec);

caf::actor spawn_log_collector(caf::actor_system& sys, std::shared_ptr<docker::client> client,
                               log_target target);
caf::actor spawn_log_collector(caf::actor_system& sys, std::shared_ptr<docker::client> client,
                               log_target target, log_collector_options opts);

} // namespace stevedore
