#include "messages/task_state.hpp"

namespace stevedore {

const char* to_string(task_state s) noexcept {
  switch (s) {
    case task_state::pending: return "pending";
    case task_state::pulling: return "pulling";
    case task_state::creating: return "creating";
    case task_state::starting: return "starting";
    case task_state::running: return "running";
    case task_state::stopping: return "stopping";
    case task_state::exited: return "exited";
    case task_state::cleaned: return "cleaned";
    case task_state::failed: return "failed";
  }
  return "unknown";
}

} // namespace stevedore
