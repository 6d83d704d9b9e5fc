// The folders a task needs on the host before its container is created, laid
// out as Nomad lays out an allocation:
//   <alloc_dir>/alloc/{logs,tmp,data}     shared by the group's tasks, bound at /alloc
//   <alloc_dir>/<task>/{local,secrets,tmp} the task's own; local at /local, secrets at /secrets
// and the task's `artifact`s copied in. These are blocking file operations:
// a task actor runs them on a worker (never in a handler) and gets the
// result back as a message.
#pragma once

#include <string>
#include <vector>

#include "messages/result.hpp"
#include "messages/task_instance.hpp"

namespace stevedore {

// Creates the folders (existing ones are kept; secrets is mode 0700) and
// fetches every artifact. Returns the paths of the files fetched. Errors name
// the task, the artifact and the cause in one line.
result<std::vector<std::string>> prepare_task_dir(const task_instance& inst);

// One artifact: only local sources are supported (an absolute path or a
// file:// URL; no network fetch). A file is copied into
// <task_dir>/<destination>/ under its own name, a folder copied recursively;
// the destination never leaves the task directory, symlinks included.
// `index` names the artifact in errors.
result<std::vector<std::string>> fetch_artifact(const task_instance& inst,
                                                const artifact_spec& artifact, std::size_t index);

} // namespace stevedore
