// A task's environment as Nomad 0.8 builds it (client/driver/env): the
// NOMAD_* variables of its allocation, ports, limits and meta, then the
// task's own `env` interpolated against them and the node's values.
//
// Ports (Nomad 0.8 semantics, kept exactly):
//   NOMAD_PORT_<label>       the port the task binds inside its container:
//                            port_map[label] when mapped, else the host port
//   NOMAD_HOST_PORT_<label>  the port on the node
//   NOMAD_IP_<label>         the node address ports are published on
//   NOMAD_ADDR_<label>       NOMAD_IP:NOMAD_HOST_PORT (always the host side)
//   NOMAD_{ADDR,IP,PORT}_<task>_<label>  the same, host side, for the other
//                            tasks of the same group instance
// Group network ports (Nomad 1.x, every task of the allocation gets them):
//   NOMAD_PORT_<label>, NOMAD_ALLOC_PORT_<label>  `to` when set, else the host port
//   NOMAD_HOST_PORT_<label>                       the port on the node
//   NOMAD_IP_<label>, NOMAD_HOST_IP_<label>       the node address
//   NOMAD_ADDR_<label>, NOMAD_HOST_ADDR_<label>   IP:host port
// Meta: job, group and task meta merged (task wins), each key both as
// written and upper-cased: NOMAD_META_foo and NOMAD_META_FOO.
// Keys are cleaned as Nomad does: characters other than [A-Za-z0-9_] (or a
// leading digit) become '_' ("NOMAD_META_rack-id" -> "NOMAD_META_rack_id").
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "messages/client_config.hpp"
#include "messages/task_instance.hpp"
#include "messages/task_spec.hpp"

namespace stevedore::policy {

// Ports of the other tasks of the same group instance, by task name.
using sibling_ports = std::map<std::string, std::vector<task_port>>;

// "rack-id" -> "rack_id", "1x" -> "_x" (Nomad's helper.CleanEnvVar).
std::string clean_env_key(std::string_view key);

// The NOMAD_* variables of one task instance. Reads the identity, the task
// (name, resources, meta) and the ports of `inst`; job and group give their
// meta; the client gives datacenter, region and the published address.
string_map builtin_env(const task_instance& inst, const job_spec& job, const group_spec& group,
                       const client_config& client, const sibling_ports& siblings = {},
                       const std::vector<task_port>& group_ports = {});

// The final environment: `builtin` plus the task's own env, whose values are
// interpolated against `builtin` and `node` (node_values()); task entries
// override builtin ones as in Nomad. Each key is cleaned. Unresolved
// references become warnings naming `path`.env.<key>.
string_map final_env(const string_map& builtin, const string_map& task_env, const string_map& node,
                     const std::string& path, std::vector<std::string>& warnings);

} // namespace stevedore::policy
