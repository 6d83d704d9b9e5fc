// docker.auth.config: credentials for a registry from a file in the
// ~/.docker/config.json format, looked up the way the Docker CLI and Nomad
// do: `auths` first, then `credHelpers`, then `credsStore`.
#pragma once

#include <cstddef>
#include <string>

#include "messages/registry_auth.hpp"
#include "messages/result.hpp"

namespace stevedore::docker {

// What the file says about one registry.
struct auth_source {
  enum class kind {
    nothing,     // no entry: pull anonymously (or try the next source)
    credentials, // `credentials` holds them, from auths
    helper,      // run docker-credential-<helper> (credHelpers or credsStore)
  };
  kind from = kind::nothing;
  registry_credentials credentials;
  std::string helper; // the <name> of docker-credential-<name>
  std::string origin; // where in the file, for logs: `auths["host"]`, `credHelpers["host"]`, `credsStore`
};

// Files larger than this are refused rather than read.
inline constexpr std::size_t docker_config_max_bytes = 1u << 20;

// Reads the file at `path` and answers for `registry` (a key as
// registry_key gives it). In order:
//   1. auths: the entry whose key is `registry`, else the first whose
//      registry_hostname matches (keys with or without scheme, "/v1/" path);
//      its base64 `auth` ("user:pass"), else its username/password, and its
//      identitytoken. An entry with none of these (`{}`, written by
//      `docker login` when a store holds the secret) does not count.
//   2. credHelpers: the helper for the same key (same matching).
//   3. credsStore.
//   4. nothing.
// Every `auths` entry is decoded, as the CLI does, so a broken file fails
// whatever the registry. Errors are invalid_input, one line naming the file
// and the field, never a value: "docker.auth.config /etc/d.json:
// auths["r:5000"].auth: not valid base64".
result<auth_source> lookup_docker_config(const std::string& path, const std::string& registry);

// The same on text already read; `source` names it in errors.
result<auth_source> lookup_docker_config_text(const std::string& text, const std::string& source,
                                              const std::string& registry);

} // namespace stevedore::docker
