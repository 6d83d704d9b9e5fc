// Process limits the long-running subcommands need.
#include <algorithm>
#include <cstdlib>
#include <thread>

#include <malloc.h>
#include <sys/resource.h>

#include "tools/stevedore/command.hpp"

namespace stevedore::cli {

// Each running task holds a socket (its log follower), and thousands of
// tasks are the point: the soft limit (often 1024) is raised to the hard one,
// which needs no privilege. A failure leaves the limit as it was.
void raise_open_file_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max)
    return;
  lim.rlim_cur = lim.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &lim);
}

// glibc gives each thread that allocates under contention an arena of its
// own, up to 8 per core; CAF workers, the I/O thread and the log worker then
// free what another arena allocated, and the freed memory of thousands of
// tasks is spread over many half-empty arenas (5,000 live tasks on the
// simulated daemon: 38.7 KB of RSS per task with the default, 27.7 KB with
// one arena per core). MALLOC_ARENA_MAX in the environment still decides.
// Built with tcmalloc (the default, CMakeLists.txt STEVEDORE_MALLOC) there
// are no arenas to limit.
void limit_malloc_arenas() {
#ifndef STEVEDORE_TCMALLOC
  if (std::getenv("MALLOC_ARENA_MAX"))
    return;
  auto cores = std::max(2u, std::thread::hardware_concurrency());
  ::mallopt(M_ARENA_MAX, static_cast<int>(cores));
#endif
}

void prepare_long_running_process() {
  raise_open_file_limit();
  limit_malloc_arenas();
}

} // namespace stevedore::cli
