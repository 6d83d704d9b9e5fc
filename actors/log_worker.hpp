// The thread that writes every collected log to disk. Log files are written
// with blocking calls (write, open, unlink when rotating), which must never
// run on an actor's thread (DESIGN.md). One worker thread serves every log
// collector of the process, rather than a detached actor per task: a
// detached actor is a thread of its own, and thousands of tasks would mean
// thousands of threads that are idle nearly all the time.
//
// A collector hands over a batch (everything that arrived while its previous
// batch was being written) together with the rotating_file it owns; the
// worker writes it and calls `done` on its own thread, from where the
// collector is told by message. A file is only ever touched by the worker
// thread once handed over; the job keeps it alive until written, and it is
// closed again after each batch, so that idle tasks hold no descriptors.
//
// No CAF here: the collector adapts the completion to a message.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "actors/log_rotation.hpp"
#include "messages/error.hpp"

namespace stevedore {

class log_worker {
public:
  // Runs on the worker thread after the batch is written (error.kind ok) or
  // failed (the bytes before the failure are on disk).
  using done_fn = std::function<void(const error_info& error)>;

  struct counters {
    std::int64_t batches = 0;  // write jobs done
    std::int64_t bytes = 0;    // bytes handed over
    std::int64_t errors = 0;   // jobs that failed
    std::int64_t queued = 0;   // jobs waiting now
  };

  // Starts the thread.
  static std::shared_ptr<log_worker> make();

  // The process's shared worker: created on first use, its thread ends when
  // the last holder lets go.
  static std::shared_ptr<log_worker> shared();

  // Tells the thread to finish what is queued and exit. Does not wait for it
  // (the last holder may be an actor, which must not block); the thread owns
  // the queue and the files until it is done.
  ~log_worker();

  log_worker(const log_worker&) = delete;
  log_worker& operator=(const log_worker&) = delete;

  void write(std::shared_ptr<rotating_file> file, std::string bytes, done_fn done);
  // Creates (opens, then releases) files of one folder from one listing of
  // it: a task's stdout and stderr at its start. `done` gets the first error.
  void create(std::vector<std::shared_ptr<rotating_file>> files, done_fn done);

  counters stats() const;

  // Blocks until every queued job is done or `limit` passed (tests, shutdown
  // of a program; never from an actor). True when idle.
  bool wait_idle(std::chrono::milliseconds limit) const;

private:
  struct job {
    std::shared_ptr<rotating_file> file;
    std::string bytes;
    done_fn done;
    std::vector<std::shared_ptr<rotating_file>> creates; // create(): these instead of file
  };
  static error_info run_create(job& j);
  struct queue;

  log_worker();
  static void run(std::shared_ptr<queue> q);

  std::shared_ptr<queue> q_;
};

} // namespace stevedore
