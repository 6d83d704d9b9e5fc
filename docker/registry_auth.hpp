// Registry authentication as the Engine API takes it: the X-Registry-Auth
// header of a pull, and the registry key under which Docker files
// credentials for an image reference. Pure functions, no I/O; the config
// file is docker/docker_config.hpp, helpers docker/credential_helper.hpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "messages/image_ref.hpp"
#include "messages/registry_auth.hpp"

namespace stevedore::docker {

// Docker Hub's key in config files and credential helpers.
inline constexpr std::string_view docker_hub_key = "https://index.docker.io/v1/";

// The X-Registry-Auth value: base64url (RFC 4648 section 5, padded, as Go's
// base64.URLEncoding in the Docker CLI) of
//   {"username":..,"password":..,"email":..,"serveraddress":..}
// or, when identity_token is set, {"identitytoken":..,"serveraddress":..}
// (serveraddress left out when empty). Anonymous is encode_anonymous_auth().
std::string encode_registry_auth(const registry_credentials& creds);

// base64url of "{}": what a pull without credentials sends.
std::string encode_anonymous_auth();

// The registry an image is pulled from, keyed as Docker keys it: Docker
// Hub's images (registry "docker.io") give docker_hub_key, others their
// registry as written: "127.0.0.1:5000", "localhost", "quay.io". The
// reference was parsed once, by the planner (policy::parse_image_ref).
std::string registry_key(const image_ref& image);

// The host of a config-file key or server address, the way the Docker CLI
// compares them: scheme (http://, https://) and any path ("/v1/") dropped,
// and Docker Hub's names (docker.io, index.docker.io, registry-1.docker.io)
// all folded to "index.docker.io".
std::string registry_hostname(std::string_view key_or_address);

// RFC 4648 encodings, exposed for tests and the config file reader.
std::string base64url_encode(std::string_view bytes);     // section 5, padded
std::string base64_encode(std::string_view bytes);        // section 4, padded
// Section 4 alphabet; padding optional, line breaks ignored; nullopt on any
// other character or a dangling bit group.
std::optional<std::string> base64_decode(std::string_view text);

} // namespace stevedore::docker
