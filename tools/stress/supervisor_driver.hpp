// The stress driver on top of the supervisor, without CAF: it starts and
// stops tasks through a narrow port and follows them through the task
// events the supervisor publishes. stevedore_driver.cpp adapts the embedding
// API (actors/stevedore.hpp) to the port and feeds the events in; the unit
// tests feed a scripted port.
//
// Milestones come from state events as they arrive here (the subscriber's
// view, the same place the baseline records its callbacks):
//   creating -> image_ready, starting -> created, running -> running (the
//   launch is done), exited -> exited, cleaned -> cleaned (the teardown is
//   done), failed -> the pending step fails with the event's reason (error
//   kind "task_failed"); a refused start fails with the refusal's kind.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <optional>
#include <vector>

#include "messages/result.hpp"
#include "messages/task_state.hpp"
#include "tools/stress/driver.hpp"

namespace stevedore::stress {

inline constexpr const char* stevedore_driver_name = "stevedore";

// What the driver needs from a supervisor. Callbacks may run on any thread.
class supervisor_port {
public:
  virtual ~supervisor_port() = default;
  // Starts one task; `done` gets its id ("{alloc_id}/{task}") or why the
  // supervisor refused it.
  virtual void start(task_instance inst, std::function<void(result<std::string>)> done) = 0;
  // Stops it with its kill signal and timeout (the task then goes through
  // stopping, exited and cleaned).
  virtual void stop(const std::string& task_id, std::function<void(result<unit>)> done) = 0;
  // Ends the supervisor; blocks until it has.
  virtual void shutdown() = 0;
};

// "{alloc_id}/{task}", the supervisor's id of an instance.
std::string task_id_of(const task_instance& inst);

class supervisor_driver final : public driver {
public:
  supervisor_driver(driver_context& ctx, std::shared_ptr<supervisor_port> port);

  std::string name() const override { return stevedore_driver_name; }
  void launch(std::size_t i, done_fn done) override;
  void teardown(std::size_t i, done_fn done) override;
  void shutdown() override;

  // Every task event the supervisor publishes; others' tasks are ignored.
  void on_event(const task_event& e);

private:
  // Takes the pending step's callback of task i (empty when none).
  done_fn take(std::vector<done_fn>& pending, std::size_t i);
  void fail(std::size_t i, const error_info& e);
  void end_steps(std::size_t i); // ends the pending launch or teardown with false

  driver_context& ctx_;
  std::shared_ptr<supervisor_port> port_;
  // The index of task `id`, if it is one of this run's.
  std::optional<std::size_t> index_of(const std::string& id) const;

  // Task i's id: ids_[id_at_[i], id_at_[i + 1]). One buffer rather than a
  // string per task: the harness's own bytes count in the per-task figure.
  std::string_view id(std::size_t i) const;
  std::string ids_;
  std::vector<std::size_t> id_at_;
  // An open-addressing table of task indexes by id hash (index + 1; 0:
  // empty), a power of two at least twice the tasks: one hash and about one
  // comparison per event, where a sorted index took a dozen comparisons and
  // as many cache misses. No second copy of the ids.
  std::vector<std::uint32_t> slots_;
  std::mutex mtx_;                                     // guards the two below
  std::vector<done_fn> launching_;                     // launch waiting for running
  std::vector<done_fn> stopping_;                      // teardown waiting for cleaned
};

} // namespace stevedore::stress
