#include "policy/restart_tracker.hpp"

namespace stevedore {

restart_decision restart_tracker::on_failure(std::int64_t now_ms) {
  return next_restart(policy_, window_, now_ms);
}

restart_decision next_restart(const restart_spec& policy, restart_window& window,
                              std::int64_t now_ms) {
  restart_decision d;
  if (window.start_ms < 0 || now_ms >= window.start_ms + policy.interval_ms) {
    window.start_ms = now_ms;
    window.count = 0;
  }
  ++window.count;
  if (window.count <= policy.attempts) {
    d.restart = true;
    d.delay_ms = policy.delay_ms;
    d.reason = "restart " + std::to_string(window.count) + " of " + std::to_string(policy.attempts) +
               " within " + format_duration_ms(policy.interval_ms) + ", in " +
               format_duration_ms(d.delay_ms);
    return d;
  }
  if (policy.mode != "delay") {
    d.reason = "restart attempts exhausted (" + std::to_string(policy.attempts) + " within " +
               format_duration_ms(policy.interval_ms) + ", mode fail)";
    return d;
  }
  // mode delay: wait for the next window; the restart then opens it.
  d.restart = true;
  d.delay_ms = window.start_ms + policy.interval_ms - now_ms;
  if (d.delay_ms < policy.delay_ms)
    d.delay_ms = policy.delay_ms;
  d.reason = "restart attempts exhausted (" + std::to_string(policy.attempts) + " within " +
             format_duration_ms(policy.interval_ms) + "), mode delay: next restart in " +
             format_duration_ms(d.delay_ms);
  return d;
}

std::chrono::milliseconds backoff(int attempt, std::chrono::milliseconds base,
                                  std::chrono::milliseconds max) {
  auto d = base;
  for (int i = 0; i < attempt && d < max; ++i)
    d *= 2;
  return d < max ? d : max;
}

std::string format_duration_ms(std::int64_t ms) {
  if (ms < 1000)
    return std::to_string(ms) + "ms";
  std::string out;
  std::int64_t s = ms / 1000;
  if (s >= 3600) {
    out += std::to_string(s / 3600) + "h";
    s %= 3600;
  }
  if (s >= 60 || !out.empty()) {
    out += std::to_string(s / 60) + "m";
    s %= 60;
  }
  out += std::to_string(s);
  if (ms % 1000 != 0 && ms < 60000) {
    auto frac = std::to_string(1000 + ms % 1000).substr(1);
    while (!frac.empty() && frac.back() == '0')
      frac.pop_back();
    out += "." + frac;
  }
  return out + "s";
}

} // namespace stevedore
