// An image reference, parsed: what the planner decided an image is
// (policy::parse_image_ref reads the text), carried with a task's plan to
// the image manager and the registry-auth lookup so that nobody parses the
// text again. The grammar and the normalisation are in policy/image_ref.hpp.
#pragma once

#include <string>
#include <string_view>

#include <caf/meta/type_name.hpp>

namespace stevedore {

inline constexpr std::string_view docker_hub_registry = "docker.io";

struct image_ref {
  std::string registry;   // "docker.io", "127.0.0.1:5000", "quay.io"
  std::string repository; // path inside the registry: "library/redis", "app/web"
  std::string tag;        // as written; "latest" when neither tag nor digest was given
  std::string digest;     // "sha256:<64 hex>" or empty

  // A default-constructed reference: nothing was parsed.
  bool empty() const noexcept { return repository.empty(); }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, image_ref& x) {
  return f(caf::meta::type_name("stevedore::image_ref"), x.registry, x.repository, x.tag,
           x.digest);
}

} // namespace stevedore
