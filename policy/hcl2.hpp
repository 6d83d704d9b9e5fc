// HCL2 as Nomad 1.x reads job files, on top of the tree of ast.hpp: the file
// is parsed into expressions, its `variable` and `locals` blocks are
// resolved, every expression is evaluated, `dynamic` blocks are expanded, and
// what remains is the same tree the HCL1 reader gives, for the same decoders.
//
//   variable "n" { type default description validation { condition error_message } }
//   locals { a = ... }          var.n, local.a
//   arithmetic, comparison, logic, a ? b : c, [for ...], {for ...}, splat
//   "${...}" templates with %{ if } / %{ for } directives, heredocs (<<-)
//   dynamic "x" { for_each iterator labels content { } }
//   functions: hcl2_function_names()
//
// Runtime interpolation stays for the runtime: an interpolation that is only
// a reference to anything but var, local or an iterator ("${NOMAD_PORT_db}",
// "${attr.kernel.name}", "${node.unique.id}", "${meta.rack}") is kept as
// written. Values come from, weakest first: the default, NOMAD_VAR_<name>,
// -var-file files in order, -var in order.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "messages/result.hpp"
#include "policy/ast.hpp"

namespace stevedore::policy {

struct hcl2_inputs {
  std::vector<std::pair<std::string, std::string>> vars;      // -var name=value, in order
  std::vector<std::pair<std::string, std::string>> var_files; // -var-file: (file name, text)
  std::map<std::string, std::string> env;                     // NOMAD_VAR_<name>: name -> value
  // file(path): the text of a file relative to the job file; empty: file()
  // is refused (the agent's API has no job file to be relative to).
  std::function<result<std::string>(const std::string& path)> read_file;
};

// "name=value" -> {name, value}; an error naming the argument otherwise.
result<std::pair<std::string, std::string>> parse_var_argument(std::string_view arg);

// True when the text needs HCL2: variable or locals blocks, var./local.
// references, template directives or dynamic blocks.
bool looks_like_hcl2(std::string_view text);

// The evaluated tree, `variable` and `locals` blocks removed. Errors are one
// line: "FILE:LINE:COL: what".
result<node> parse_hcl2(std::string_view text, std::string_view file_name,
                        const hcl2_inputs& inputs = {});

// The functions job files may call, sorted (README lists them).
const std::vector<std::string>& hcl2_function_names();

} // namespace stevedore::policy
