// Binds and mounts: which host paths and volumes a task may reach, and the
// exact bind strings and mounts its container gets.
//
// A `volumes` entry is "source:target[:mode]". Its source is, as in Nomad:
//   - absolute ("/srv/data"): a host path; needs docker.volumes.enabled;
//   - with a `volume_driver`, any other source: a named volume of that
//     driver; needs docker.volumes.enabled (as the driver itself does);
//   - otherwise relative ("data", "local/cache"): a path inside the task
//     directory, always allowed, never allowed to leave it (`..` or a
//     symlink pointing out). check_volumes() decides lexically before any
//     folder exists; plan_volumes() decides again on the real folder through
//     a path_resolver, which resolves symlinks.
// `mounts` follow the same rules by type: "volume" needs volumes enabled,
// "bind" is judged like a `volumes` source, "tmpfs" reaches no host path.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "messages/client_config.hpp"
#include "messages/error.hpp"
#include "messages/result.hpp"
#include "messages/task_instance.hpp"
#include "messages/task_spec.hpp"

namespace stevedore::policy {

// One `volumes` entry, split.
struct volume_entry {
  std::string source;
  std::string target;
  std::string mode; // "ro", "rw,z", ...; empty when not given
};

// "src:dst" or "src:dst:mode"; invalid_input for any other shape, an empty
// side or an unknown mode token.
result<volume_entry> parse_volume(std::string_view spec);

enum class source_kind { host_path, named_volume, task_relative };

source_kind classify_source(std::string_view source, bool has_volume_driver);

// Lexically, does `relative` stay inside the folder it is relative to?
// ("a/../b" does, "a/../../b" does not.)
bool stays_inside(std::string_view relative);

// A container path, lexically normalised: "/data/" -> "/data", "/a//b/." -> "/a/b".
std::string clean_container_path(std::string_view path);

// Maps a path relative to the task dir to the host path to bind, or fails
// (not_permitted) when it leaves the task dir. The one place policy/ touches
// the filesystem; tests pass their own or point the default at a temp dir.
using path_resolver =
  std::function<result<std::string>(const std::string& task_dir, const std::string& relative)>;

// The default resolver: weakly_canonical(canonical(task_dir) / relative) must
// stay under canonical(task_dir); symlinks are followed as far as the path
// exists. Returns the resolved path.
result<std::string> resolve_in_task_dir(const std::string& task_dir, const std::string& relative);

// Every volume / mount rule that needs no folder: the client settings, the
// shapes, lexical escapes, duplicate container paths (also against /alloc,
// /local and /secrets). `path` is the task's config path. With
// `defer_references`, an entry holding "${" is judged only after
// interpolation (its shape, source and target may all change).
void check_volumes(const docker_config& config, const client_config& client,
                   const std::string& path, std::vector<error_info>& problems,
                   bool defer_references = false);

// What goes into HostConfig.Binds and HostConfig.Mounts.
struct volume_plan {
  std::vector<std::string> binds;  // "host:container[:mode]", /alloc /local /secrets first
  std::vector<mount_config> mounts; // as configured, bind sources resolved
};

// The binds and mounts of one task instance: the folders of `inst`, its
// config's volumes and mounts with relative sources resolved by `resolve`,
// and docker.volumes.selinuxlabel appended to every bind ("ro" becomes
// "ro,z"). Problems (escapes found by the resolver) are appended.
volume_plan plan_volumes(const task_instance& inst, const client_config& client,
                         const path_resolver& resolve, const std::string& path,
                         std::vector<error_info>& problems);

} // namespace stevedore::policy
