// The ranges of the numeric options of a job file. Each is wide enough for
// any real machine and narrow enough that every product stevedore forms from
// it fits 64 bits: MB into bytes (memory, memory_hard_limit, max_file_size),
// MHz into a CFS quota (cpu), a duration into a timer deadline. A value out
// of range is a problem naming its field, found before any plan is made.
#pragma once

#include <cstdint>

namespace stevedore::policy::ranges {

// resources.cpu, in MHz (10 THz: a thousand 10-GHz cores).
constexpr std::int64_t max_cpu_mhz = 10'000'000;
// resources.memory and config.memory_hard_limit, in MB (1 PiB).
constexpr std::int64_t max_memory_mb = std::int64_t{1} << 30;
// resources.network.mbits (1 Tbit/s).
constexpr std::int64_t max_mbits = 1'000'000;
// logs.max_files: each is a file the rotation keeps and lists.
constexpr std::int64_t max_log_files = 10'000;
// logs.max_file_size, in MB (1 TiB).
constexpr std::int64_t max_log_file_size_mb = std::int64_t{1} << 20;
// restart.attempts.
constexpr std::int64_t max_restart_attempts = 1'000'000;
// Every duration (kill_timeout, restart interval and delay,
// image_pull_timeout, client delays and periods): ten years, so that now plus
// the duration still fits the clock's 64-bit nanoseconds.
constexpr std::int64_t max_duration_ms = std::int64_t{10} * 365 * 24 * 60 * 60 * 1000;

} // namespace stevedore::policy::ranges
