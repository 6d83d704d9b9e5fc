// A program embedding stevedore through its one public header: it makes a
// supervisor from the environment's Docker settings, runs one task that
// greets and exits, prints the task's events as they happen and its
// collected output, and shuts down.
//
//   stevedore-embed-example [IMAGE [STATE_DIR]]
//
// IMAGE defaults to stevedore-test/busybox:1 (tools/testenv.sh builds it);
// STATE_DIR (default: a fresh folder under /tmp) receives the allocation and
// its logs. Exit code: the task's exit code, or 1 when it failed to run.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "actors/stevedore.hpp"

int main(int argc, char** argv) {
  std::string image = argc > 1 ? argv[1] : "stevedore-test/busybox:1";
  std::string state_dir;
  if (argc > 2) {
    state_dir = argv[2];
  } else {
    char tmpl[] = "/tmp/stevedore-embed-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    state_dir = tmpl;
  }

  stevedore::supervisor_options opts; // docker.endpoint empty: DOCKER_HOST, else the system socket
  opts.state_dir = state_dir;
  auto sup = stevedore::supervisor::create(std::move(opts));
  if (!sup) {
    std::cerr << "embed example: " << to_string(sup.error()) << "\n";
    return 1;
  }

  auto events = (*sup)->subscribe([](const stevedore::task_event& ev) {
    if (ev.kind == "progress")
      return;
    std::printf("event %s %s %s%s%s\n", ev.task_id.c_str(), ev.kind.c_str(),
                to_string(ev.state), ev.message.empty() ? "" : ": ", ev.message.c_str());
    std::fflush(stdout);
  });

  stevedore::task_spec task;
  task.name = "greeter";
  task.config.image = image;
  task.config.command = "/bin/sh";
  task.config.args = {"-c", "echo hello from an embedded stevedore; echo to stderr >&2"};
  task.resources.memory_mb = 64;
  task.restart.attempts = 0;

  auto ids = (*sup)->start_task(task, "embed-example");
  if (!ids) {
    std::cerr << "embed example: " << to_string(ids.error()) << "\n";
    return 1;
  }
  const auto& id = ids->front();
  auto done = (*sup)->wait(id, std::chrono::minutes(2));
  if (!done) {
    std::cerr << "embed example: " << to_string(done.error()) << "\n";
    return 1;
  }
  std::printf("final %s %s exit_code=%lld container=%s\n", id.c_str(), to_string(done->state),
              static_cast<long long>(done->exit.exit_code), done->container_name.c_str());

  if (auto inst = (*sup)->instance(id)) {
    std::ifstream log(inst->shared_dir() + "/logs/" + task.name + ".stdout.0");
    std::stringstream text;
    text << log.rdbuf();
    std::printf("stdout of %s:\n%s", id.c_str(), text.str().c_str());
  }

  events.cancel();
  if (auto r = (*sup)->shutdown(); !r)
    std::cerr << "embed example: " << to_string(r.error()) << "\n";
  if (done->state == stevedore::task_state::failed && done->exit.exit_code == 0)
    return 1;
  return static_cast<int>(done->exit.exit_code);
}
