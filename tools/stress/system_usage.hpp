// The process's own resource use, as the stress report shows it: CPU time
// (getrusage), current and peak RSS (/proc/self/status), threads, and how
// many processes it has as children. Linux only; the parsers are pure and
// separate so they can be tested on fixed text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stevedore::stress {

// User + system CPU time of the whole process so far, microseconds.
std::int64_t process_cpu_us();

// A "Key:   1234 kB" field of /proc/<pid>/status text, in kB (or the bare
// count for fields without a unit, such as Threads). nullopt when absent or
// not a number.
std::optional<std::int64_t> status_field(std::string_view status_text, std::string_view key);

// Field 4 (ppid) of /proc/<pid>/stat text; the command name in parentheses
// may hold spaces and ')' so parsing starts after the last ')'.
std::optional<std::int64_t> stat_parent(std::string_view stat_text);

struct memory_now {
  std::int64_t rss_kb = 0;   // VmRSS
  std::int64_t peak_kb = 0;  // VmHWM
  std::int64_t threads = 0;  // Threads
};

// Reads /proc/self/status; zeros when it cannot.
memory_now read_memory();

// Resets the peak (VmHWM) to the current RSS through /proc/self/clear_refs,
// so each driver's peak is its own. False when the kernel refused it: the
// peak then covers the whole process so far.
bool reset_peak_rss();

// Hands freed heap back to the kernel (malloc_trim), so a driver that runs
// second does not start with the first one's freed pages counted or reused.
void release_free_memory();

// Processes whose parent is this process (scans /proc).
std::int64_t child_process_count();

} // namespace stevedore::stress
