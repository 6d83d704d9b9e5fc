// ${...} interpolation of task options, as Nomad 0.8 does it (helper/args
// ReplaceEnv): a reference names a task environment variable (NOMAD_* and the
// task's own env) or a node value; one that resolves to nothing stays as
// written and is reported back as a warning.
//
//   ${NOMAD_PORT_http}  ${MY_ENV}         environment (NOMAD_*, meta, task env)
//   ${env["MY_ENV"]}                      the same, Nomad 0.9+ spelling (0.8 left it literal)
//   ${node.unique.id} ${node.unique.name} ${node.datacenter} ${node.region} ${node.class}
//   ${attr.<name>}                        fingerprint attributes
//   ${meta.<key>}                         node meta
//   ${nomad.datacenter} ${nomad.region}   aliases the specification's example uses
//   $${x}                                 the literal text ${x} (HCL/HIL escape)
//
// Names are [A-Za-z0-9_.-]+ as in Nomad; anything else between ${ and } is
// left as written (and reported).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "messages/client_config.hpp"
#include "messages/task_instance.hpp"
#include "messages/task_spec.hpp"

namespace stevedore::policy {

// What a reference can resolve to. Environment first, then node values.
struct interpolation_scope {
  const string_map* env = nullptr;  // the task's environment
  const string_map* node = nullptr; // node.*, attr.*, meta.*, nomad.* (node_values())
};

// The node values interpolation knows, keyed as written in a reference
// ("node.unique.id", "attr.kernel.name", "meta.rack", "nomad.region").
string_map node_values(const client_config& client, const node_facts& node);

// True when `text` holds "${" (a reference, or an escaped one): a value
// whose meaning is known only after interpolation.
inline bool has_reference(std::string_view text) noexcept {
  return text.find("${") != std::string_view::npos;
}

// `text` with every resolvable ${...} replaced and $${ turned into ${. Each
// reference left as written is appended to `unresolved` ("${meta.rack}").
std::string interpolate(std::string_view text, const interpolation_scope& scope,
                        std::vector<std::string>& unresolved);

// Interpolates every string option of a task's docker config in place (see
// the list in interpolate.cpp). Unresolved references become warnings of the
// form "<path>.<field>: ${x} resolves to nothing; left as written".
void interpolate_config(docker_config& config, const interpolation_scope& scope,
                        const std::string& path, std::vector<std::string>& warnings);

// Whether any option interpolate_config reaches holds a '$': without one,
// interpolation leaves the config as it is for every instance.
bool mentions_interpolation(const docker_config& config);

} // namespace stevedore::policy
