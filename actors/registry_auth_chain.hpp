// The registry auth chain of a pull, in the order the specification gives:
// the task's `auth` block, then the docker.auth.config file (auths, then
// credHelpers, then credsStore), then docker.auth.helper. Blocking (it reads
// a file and may run a docker-credential-* program): the image manager runs
// it on a worker thread, never on an actor's thread. No CAF here.
//
// The outcome carries the X-Registry-Auth value and `origin`, a description
// of where credentials came from that is safe to log ("task auth block",
// "docker.auth.config auths[\"127.0.0.1:5000\"]", "docker-credential-vault");
// errors never contain a secret either.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "messages/image_ref.hpp"
#include "messages/registry_auth.hpp"
#include "messages/result.hpp"
#include "messages/task_spec.hpp"

namespace stevedore {

namespace docker {
class credential_helper_runner;
}

// Asks `docker-credential-<helper>` for `registry`, blocking the calling
// (worker) thread. nullopt: the helper has no credentials for it (the chain
// then goes on, and ends anonymous).
using credential_helper_fn = std::function<result<std::optional<registry_credentials>>(
  const std::string& helper, const std::string& registry)>;

// The real one: docker::credential_helper_runner's get, waited for.
credential_helper_fn runner_helper(std::shared_ptr<docker::credential_helper_runner> runner);

struct auth_outcome {
  std::string registry_auth; // X-Registry-Auth value; empty: anonymous
  std::string origin;        // where it came from, safe to log; "anonymous" when nothing applied
};

struct auth_chain_input {
  image_ref image;           // the image being pulled, parsed
  bool has_auth = false;     // the task has an `auth` block
  auth_config task_auth;
  std::string config_file;   // docker.auth.config path, may be empty
  std::string helper;        // docker.auth.helper name, may be empty
};

// Walks the chain; the first source that has credentials wins. Errors
// (unreadable config file, failing helper) name the source and the registry.
result<auth_outcome> resolve_registry_auth(const auth_chain_input& in, const credential_helper_fn& run_helper);

} // namespace stevedore
