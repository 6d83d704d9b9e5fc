// Linux capabilities as Docker computes them from cap_add / cap_drop, and the
// judgement of that effective set against `docker.caps.whitelist`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "messages/client_config.hpp"
#include "messages/error.hpp"
#include "messages/task_spec.hpp"

namespace stevedore::policy {

// Every capability the Linux kernel defines (as Docker 20.10 knows them), in
// Docker's naming: upper case, no "CAP_" prefix. What "ALL" stands for.
const std::vector<std::string>& all_capabilities();

// "cap_sys_admin", "Sys_Admin", "SYS_ADMIN" -> "SYS_ADMIN"; "all" -> "ALL".
std::string normalize_capability(std::string_view name);

// True for "ALL" and for every name in all_capabilities() (after normalising).
bool is_known_capability(std::string_view name);

// The capabilities a container gets, computed as Docker (moby's
// TweakCapabilities) does: "ALL" in cap_add gives every capability minus
// cap_drop; otherwise "ALL" in cap_drop leaves only cap_add; otherwise the
// default set minus cap_drop plus cap_add. Normalised, sorted, no duplicates.
std::vector<std::string> effective_capabilities(const std::vector<std::string>& cap_add,
                                                const std::vector<std::string>& cap_drop);

// The members of `effective` that `whitelist` does not allow (none when the
// whitelist holds "ALL"). Both sides are compared normalised.
std::vector<std::string> disallowed_capabilities(const std::vector<std::string>& effective,
                                                 const std::vector<std::string>& whitelist);

// Appends a problem for unknown names in cap_add / cap_drop (invalid_input)
// and one naming every effective capability outside the whitelist
// (not_permitted, `what` = <path>.cap_add). `path` is the task's config path
// ("job.web.group.cache.task.redis.config"). With `defer_references`, a
// cap_add / cap_drop holding "${" is judged only after interpolation.
void check_capabilities(const docker_config& config, const client_config& client,
                        const std::string& path, std::vector<error_info>& problems,
                        bool defer_references = false);

} // namespace stevedore::policy
