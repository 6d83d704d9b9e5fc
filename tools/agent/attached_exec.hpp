// An interactive exec in a running container (`stevedore exec -i -t`): the
// exec created with its stdin attached (and a TTY if asked), started on a
// two-way stream of its own (docker/exec_stream.hpp), and its exit code read
// once its output has ended. No CAF here: the backend finds the task's
// container and hands it over.
#pragma once

#include <memory>
#include <string>

#include "docker/client.hpp"
#include "tools/agent/backend.hpp"

namespace stevedore::agent {

// Runs what.cmd in `container_id` through `docker`; `started` answers the
// channel once the command runs (or the error naming the step), the sink
// hears its output and its end. `task_id` names the task in errors.
void start_attached_exec(std::shared_ptr<docker::client> docker, std::string task_id,
                         std::string container_id, exec_start what, exec_sink sink,
                         reply<std::shared_ptr<exec_channel>> started);

} // namespace stevedore::agent
