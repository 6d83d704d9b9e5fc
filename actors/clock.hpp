// Wall-clock time as the actors record it: milliseconds since the Unix epoch
// (state changes, events, pull progress pacing, status timestamps).
#pragma once

#include <chrono>
#include <cstdint>

namespace stevedore {

inline std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace stevedore
