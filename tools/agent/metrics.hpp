// The agent's counters, rendered in Prometheus' text exposition format
// (version 0.0.4) at GET /metrics: Engine API call latencies per call (a
// histogram), Engine API errors by call and kind, errors by kind overall,
// image pulls and their bytes, HTTP answers by status, and tasks by state
// (a gauge the caller fills at scrape time). Thread-safe: metered_client
// observes from the Engine API's I/O threads, the API from the server's.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "messages/error.hpp"
#include "messages/task_state.hpp"

namespace stevedore::agent {

class metrics {
public:
  // Upper bounds of the latency buckets, in seconds (+Inf is implied).
  static constexpr std::array<double, 14> latency_buckets = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

  // One Engine API call ended after `seconds`, with `kind` (errc::ok on success).
  void observe_call(std::string_view call, double seconds, errc kind);
  // One pull ended; `bytes` is what its progress reported (0 when it failed).
  void observe_pull(bool ok, std::int64_t bytes);
  // One error answered by the agent's API, by kind.
  void observe_error(errc kind);
  void observe_http(int status);

  // The whole exposition. `tasks` feeds stevedore_tasks{state}; nullptr
  // leaves that family out (the supervisor did not answer).
  std::string render(const std::vector<task_status>* tasks) const;

private:
  struct histogram {
    std::array<std::uint64_t, latency_buckets.size()> buckets{}; // not cumulative
    std::uint64_t count = 0;
    double sum = 0;
  };

  mutable std::mutex mu_;
  std::map<std::string, histogram, std::less<>> calls_;         // by call name
  std::map<std::pair<std::string, std::string>, std::uint64_t> call_errors_; // (call, kind)
  std::map<std::string, std::uint64_t> errors_;                  // by kind, Engine API and API answers
  std::map<int, std::uint64_t> http_;                            // answers by status
  std::uint64_t pulls_ok_ = 0;
  std::uint64_t pulls_failed_ = 0;
  std::uint64_t pull_bytes_ = 0;
};

// Escapes a label value for the text format (backslash, quote, newline).
std::string prometheus_label(std::string_view value);

} // namespace stevedore::agent
