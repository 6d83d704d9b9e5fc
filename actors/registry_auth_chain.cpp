#include "actors/registry_auth_chain.hpp"

#include <future>
#include <optional>

#include "docker/credential_helper.hpp"
#include "docker/docker_config.hpp"
#include "docker/registry_auth.hpp"

namespace stevedore {

credential_helper_fn runner_helper(std::shared_ptr<docker::credential_helper_runner> runner) {
  return [runner](const std::string& helper, const std::string& registry)
           -> result<std::optional<registry_credentials>> {
    using answer = docker::credential_helper_runner::answer;
    auto done = std::make_shared<std::promise<answer>>();
    auto got = done->get_future();
    runner->get(helper, registry, [done](answer a) { done->set_value(std::move(a)); });
    return got.get();  // the runner's own deadline bounds this
  };
}

result<auth_outcome> resolve_registry_auth(const auth_chain_input& in, const credential_helper_fn& run_helper) {
  auto registry = docker::registry_key(in.image);
  auto from_helper = [&](const std::string& helper, std::string origin) -> result<std::optional<auth_outcome>> {
    auto c = run_helper(helper, registry);
    if (!c)
      return std::move(c).error();
    if (!*c)
      return std::optional<auth_outcome>{};
    return std::optional<auth_outcome>{auth_outcome{docker::encode_registry_auth(**c), std::move(origin)}};
  };

  // 1. the task's own auth block
  if (in.has_auth) {
    registry_credentials c;
    c.username = in.task_auth.username;
    c.password = in.task_auth.password;
    c.email = in.task_auth.email;
    c.server_address = in.task_auth.server_address.empty() ? registry : in.task_auth.server_address;
    return auth_outcome{docker::encode_registry_auth(c), "task auth block"};
  }
  // 2. docker.auth.config: auths, credHelpers, credsStore
  if (!in.config_file.empty()) {
    auto src = docker::lookup_docker_config(in.config_file, registry);
    if (!src)
      return std::move(src).error();
    using kind = docker::auth_source::kind;
    if (src->from == kind::credentials)
      return auth_outcome{docker::encode_registry_auth(src->credentials),
                          "docker.auth.config " + src->origin};
    if (src->from == kind::helper) {
      auto r = from_helper(src->helper, "docker.auth.config " + src->origin + " (docker-credential-" +
                                          src->helper + ")");
      if (!r)
        return std::move(r).error();
      if (*r)
        return std::move(**r);
    }
  }
  // 3. docker.auth.helper
  if (!in.helper.empty()) {
    auto r = from_helper(in.helper, "docker.auth.helper (docker-credential-" + in.helper + ")");
    if (!r)
      return std::move(r).error();
    if (*r)
      return std::move(**r);
  }
  return auth_outcome{{}, "anonymous"};
}

} // namespace stevedore
