// Credentials for one registry, as the image manager hands them to a pull:
// from a task's `auth` block, a docker.auth.config file, or a credential
// helper. Never log these fields; say where credentials came from instead.
#pragma once

#include <string>

#include <caf/meta/type_name.hpp>

namespace stevedore {

struct registry_credentials {
  std::string username;
  std::string password;
  std::string email;
  std::string server_address; // the registry as Docker keys it ("127.0.0.1:5000", "https://index.docker.io/v1/")
  std::string identity_token; // an OAuth refresh token; when set, username and password are not sent
};

// Lists the secrets too (serialisation needs them): never print a message
// carrying this with deep_to_string or a logger.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, registry_credentials& x) {
  return f(caf::meta::type_name("stevedore::registry_credentials"), x.username, x.password,
           x.email, x.server_address, x.identity_token);
}

} // namespace stevedore
