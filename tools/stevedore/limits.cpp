// Process limits the long-running subcommands need.
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

} // namespace stevedore::cli
