// The stats poller (one per supervisor, protocol.hpp: stats_poller_actor):
// one-shot stats of the containers someone reads, never a stream per
// container. As in Nomad, where the client opens a TaskStats stream with an
// interval, sampling follows demand: a watched task (one whose container
// runs) costs nothing until its stats are read. A read marks the task wanted
// for `keep_rounds` intervals, a stats subscriber (an agent streaming stats)
// keeps it wanted until it unsubscribes or dies; while wanted, the task is
// sampled every interval. A read of a task without a fresh sample (from this
// round or the last) polls it at once and answers when the sample arrives,
// or after `read_wait` with what is known.
//
// A round's calls are spread over the interval in steps and at most
// max_in_flight run at once, so ten thousand wanted tasks do not reach the
// daemon in one burst; a container still unanswered when the next round
// starts is skipped for that round. CPU percentages come from this sample and
// the previous one of the same container (one-shot answers carry no usable
// precpu_stats): the first sample of a container has none, and after an
// unread pause the figure is the average since the last sample.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include <caf/fwd.hpp>

#include "actors/protocol.hpp"
#include "docker/client.hpp"
#include "messages/engine.hpp"
#include "messages/node.hpp"

namespace stevedore {

struct cpu_percent {
  double total = 0;   // 100 = one core busy
  double user = 0;
  double system = 0;
};

// CPU use between two samples as Nomad's docker driver computes it:
// delta container cpu / delta host cpu * cpus * 100, for the total and for
// the user and kernel counters (all over the same host delta, so that
// user + system ~ total; Nomad divides those two by the container's delta
// instead, which makes them shares of the total times cpus). A negative or
// zero delta (a restarted container, counters reset, no time passed) gives
// 0, and a figure is never above cpus * 100. `cpus` is the sample's
// online_cpus (at least 1).
cpu_percent compute_cpu_percent(const stats_sample& previous, const stats_sample& current,
                                std::int64_t cpus);

// task_stats from a sample (memory, throttling) and, when there is one, the
// previous sample of the same container (CPU); without it CPU is 0 unless
// the daemon filled precpu_stats.
task_stats to_task_stats(const std::string& task_id, const std::string& container_id,
                         const stats_sample* previous, const stats_sample& current,
                         std::int64_t at_ms);

struct stats_poller_options {
  std::chrono::milliseconds interval{1000};  // stevedore.stats.interval: the period while wanted
  std::size_t max_in_flight = 32;            // stats calls at once
  std::size_t steps = 10;                    // a round is released in this many steps
  std::int64_t keep_rounds = 5;              // rounds a read keeps its task sampled
  std::chrono::milliseconds read_wait{5000}; // longest a read waits for its sample
};

stats_poller_actor spawn_stats_poller(caf::actor_system& sys, std::shared_ptr<docker::client> client,
                                      std::chrono::milliseconds interval, std::size_t max_in_flight);
stats_poller_actor spawn_stats_poller(caf::actor_system& sys, std::shared_ptr<docker::client> client,
                                      stats_poller_options opts);

} // namespace stevedore
