// GET /v1/tasks/{id}/logs: a task's collected log files streamed as one
// chunked answer. Files are `<dir>/<task>.<stream>.<N>`, read from the lowest
// N up (Nomad's rotation: the highest is the newest; the oldest may vanish).
// With `follow`, the newest file is polled for growth and a new index is
// followed into; the stream ends when the client goes away or, once the task
// has ended, when every byte was sent. File reads run on a worker thread of
// their own, never on the server's I/O thread; a chunk is read only after
// the previous one is on the wire, so a slow reader holds no memory.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tools/agent/backend.hpp"
#include "tools/agent/server.hpp"

namespace stevedore::agent {

// One thread for blocking-but-short work (local file reads) and its timers.
class file_worker {
public:
  file_worker();
  ~file_worker();  // stops the thread; queued work is dropped
  file_worker(const file_worker&) = delete;
  file_worker& operator=(const file_worker&) = delete;

  void post(std::function<void()> fn);
  void after(std::chrono::milliseconds delay, std::function<void()> fn);

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

struct log_stream_options {
  std::chrono::milliseconds poll{250};      // how often a followed file is checked for growth
  std::chrono::milliseconds liveness{1000}; // how often a quiet follow asks whether the task ended
  std::size_t chunk = 64u << 10;            // bytes per read and per HTTP chunk
};

// Asks whether the task has ended (no more output will come); answers on any thread.
using ended_fn = std::function<void(std::function<void(bool ended)>)>;

// The file indices present for `task`.`stream` in `dir`, ascending.
std::vector<long long> log_indices(const std::string& dir, const std::string& task,
                                   const std::string& stream);

// Begins the chunked answer on `res` and streams into it.
void stream_logs(std::shared_ptr<file_worker> worker, log_files files, std::string stream,
                 bool follow, std::shared_ptr<responder> res, ended_fn ended,
                 log_stream_options opts = {});

} // namespace stevedore::agent
