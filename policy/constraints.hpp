// Job `constraint`s checked against the node before a task starts: pure,
// no actors. Attributes are looked up as Nomad writes them: "${attr.X}" (the
// node's attributes, then the fingerprint's), "${driver.docker...}" (the
// fingerprint), "${node.class}" and friends, "${meta.X}"; anything without
// "${...}" is a literal.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "messages/task_spec.hpp"

namespace stevedore::policy {

// Everything a constraint may name. `fingerprint`: the fingerprinter's
// attributes (driver.docker.*); `node`: attr.* without the prefix
// ("kernel.name"); `node_fields`: node.* without the prefix ("class",
// "datacenter", "unique.name"); `meta`: meta.* without the prefix.
struct constraint_target {
  std::map<std::string, std::string> fingerprint;
  std::map<std::string, std::string> node;
  std::map<std::string, std::string> node_fields;
  std::map<std::string, std::string> meta;
};

// Operators: =, ==, is, !=, not, <, <=, >, >= (numeric when both sides are
// numbers, else lexical), version (comma-separated go-version clauses:
// "= != > >= < <= ~>"), regexp, set_contains (every comma-separated item of
// the value is in the attribute's list), is_set, is_not_set.
// Returns nullopt when every constraint holds, else one line about the
// first that does not: `constraint ${driver.docker.version} version ">= 25":
// the node has "20.10.24"`.
std::optional<std::string> first_violated(const std::vector<constraint_spec>& constraints,
                                          const constraint_target& target);

// One constraint; exposed for tests.
std::optional<std::string> check_constraint(const constraint_spec& c, const constraint_target& target);

// go-version comparison of two versions ("20.10.24+dfsg1" vs "20.10"):
// <0, 0, >0; nullopt when either does not parse.
std::optional<int> compare_versions(const std::string& a, const std::string& b);

} // namespace stevedore::policy
