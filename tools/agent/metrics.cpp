#include "tools/agent/metrics.hpp"

#include <cstdio>
#include <cstdlib>

namespace stevedore::agent {

namespace {

// Shortest text that reads back as the same double ("0.005", "30", "1e-05").
std::string number(double v) {
  char buf[32];
  if (v == static_cast<double>(static_cast<long long>(v)) && v < 1e15 && v > -1e15) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%.17g", v);
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v)
      break;
  }
  return buf;
}

void family(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

} // namespace

std::string prometheus_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

void metrics::observe_call(std::string_view call, double seconds, errc kind) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = calls_.find(call);
  if (it == calls_.end())
    it = calls_.emplace(std::string(call), histogram{}).first;
  auto& h = it->second;
  ++h.count;
  h.sum += seconds;
  for (std::size_t i = 0; i < latency_buckets.size(); ++i)
    if (seconds <= latency_buckets[i]) {
      ++h.buckets[i];
      break;
    }
  if (kind != errc::ok) {
    ++call_errors_[{std::string(call), to_string(kind)}];
    ++errors_[to_string(kind)];
  }
}

void metrics::observe_pull(bool ok, std::int64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  ++(ok ? pulls_ok_ : pulls_failed_);
  if (bytes > 0)
    pull_bytes_ += static_cast<std::uint64_t>(bytes);
}

void metrics::observe_error(errc kind) {
  std::lock_guard<std::mutex> lock(mu_);
  ++errors_[to_string(kind)];
}

void metrics::observe_http(int status) {
  std::lock_guard<std::mutex> lock(mu_);
  ++http_[status];
}

std::string metrics::render(const std::vector<task_status>* tasks) const {
  std::string out;
  if (tasks) {
    std::map<task_state, std::uint64_t> by_state;
    for (auto s : {task_state::pending, task_state::pulling, task_state::creating,
                   task_state::starting, task_state::running, task_state::stopping,
                   task_state::exited, task_state::cleaned, task_state::failed})
      by_state[s] = 0;
    for (const auto& t : *tasks)
      ++by_state[t.state];
    family(out, "stevedore_tasks", "gauge", "Tasks known to the supervisor, by lifecycle state.");
    for (const auto& [state, n] : by_state)
      out += "stevedore_tasks{state=\"" + std::string(to_string(state)) + "\"} " +
             std::to_string(n) + "\n";
  }
  std::lock_guard<std::mutex> lock(mu_);
  family(out, "stevedore_image_pulls_total", "counter", "Image pulls that ended, by result.");
  out += "stevedore_image_pulls_total{result=\"ok\"} " + std::to_string(pulls_ok_) + "\n";
  out += "stevedore_image_pulls_total{result=\"error\"} " + std::to_string(pulls_failed_) + "\n";
  family(out, "stevedore_image_pull_bytes_total", "counter",
         "Bytes of image layers reported by finished pulls.");
  out += "stevedore_image_pull_bytes_total " + std::to_string(pull_bytes_) + "\n";

  family(out, "stevedore_engine_api_call_duration_seconds", "histogram",
         "Time from an Engine API call to its answer (streams: to their end), by call.");
  for (const auto& [call, h] : calls_) {
    const std::string label = "call=\"" + prometheus_label(call) + "\"";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < latency_buckets.size(); ++i) {
      cumulative += h.buckets[i];
      out += "stevedore_engine_api_call_duration_seconds_bucket{" + label + ",le=\"" +
             number(latency_buckets[i]) + "\"} " + std::to_string(cumulative) + "\n";
    }
    out += "stevedore_engine_api_call_duration_seconds_bucket{" + label + ",le=\"+Inf\"} " +
           std::to_string(h.count) + "\n";
    out += "stevedore_engine_api_call_duration_seconds_sum{" + label + "} " + number(h.sum) + "\n";
    out += "stevedore_engine_api_call_duration_seconds_count{" + label + "} " +
           std::to_string(h.count) + "\n";
  }
  family(out, "stevedore_engine_api_errors_total", "counter",
         "Engine API calls that failed, by call and error kind.");
  for (const auto& [key, n] : call_errors_)
    out += "stevedore_engine_api_errors_total{call=\"" + prometheus_label(key.first) +
           "\",kind=\"" + key.second + "\"} " + std::to_string(n) + "\n";
  family(out, "stevedore_errors_total", "counter",
         "Errors by kind: failed Engine API calls and error answers of the agent's API.");
  for (const auto& [kind, n] : errors_)
    out += "stevedore_errors_total{kind=\"" + kind + "\"} " + std::to_string(n) + "\n";
  family(out, "stevedore_http_responses_total", "counter", "Answers of the agent's API, by status.");
  for (const auto& [status, n] : http_)
    out += "stevedore_http_responses_total{code=\"" + std::to_string(status) + "\"} " +
           std::to_string(n) + "\n";
  return out;
}

} // namespace stevedore::agent
