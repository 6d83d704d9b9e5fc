// Image references as Docker reads them (the grammar of
// github.com/distribution/reference):
//
//   reference := name [ ":" tag ] [ "@" digest ]
//   name      := [ domain "/" ] component ( "/" component )*
//   domain    := host [ ":" port ]     host: DNS labels joined by ".", or "[IPv6]"
//   component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
//   tag       := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
//   digest    := algorithm ":" hex     sha256 (64), sha384 (96), sha512 (128) lowercase hex
//
// The first component is a registry only when it contains "." or ":", is
// "localhost", or has an uppercase letter; otherwise the image is on Docker
// Hub ("docker.io", and single-component names get "library/").
//
// Scheme prefixes: Nomad's documentation says an image "should include
// https:// if required", so a leading "https://" is stripped. "http://" is
// rejected with an explanation: the scheme never chooses the protocol (the
// daemon pulls over HTTPS unless it lists the registry as insecure, as it does
// for 127.0.0.0/8), so accepting it would promise something it cannot keep.
#pragma once

#include <string>
#include <string_view>

#include "messages/image_ref.hpp"
#include "messages/result.hpp"

namespace stevedore::policy {

// The struct lives in messages/ (it travels to the image manager and the
// registry-auth lookup); its parser and normalisation live here.
using stevedore::docker_hub_registry;
using stevedore::image_ref;

// Parses TEXT (after stripping "https://"). Errors have the form
//   "TEXT" is not a valid image reference: <why>
// where <why> is e.g. "repository name must be lowercase", "invalid tag
// \"...\"", "invalid digest \"...\"".
result<image_ref> parse_image_ref(std::string_view text);

// "https://" removed when present; otherwise TEXT unchanged.
std::string_view strip_image_scheme(std::string_view text) noexcept;

// The repository as `docker pull` and the Engine API's fromImage take it,
// Docker Hub defaults left out: "redis", "bitnami/redis", "127.0.0.1:5000/app".
std::string familiar_name(const image_ref& ref);

// familiar_name plus ":tag" and/or "@digest": "redis:3.2".
std::string familiar_string(const image_ref& ref);

// Fully qualified: "docker.io/library/redis:3.2".
std::string canonical_string(const image_ref& ref);

// Nomad pulls when the tag is "latest" (or was omitted) even if the image is
// present locally; a digest pins the content, so never then.
bool always_pull(const image_ref& ref) noexcept;

} // namespace stevedore::policy
