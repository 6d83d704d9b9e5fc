// The syntax tree that both job-file forms and client-settings files are read
// into: HCL as Nomad users write it, and JSON. Decoding into messages/ structs
// works on this tree, so every error can carry the path and, for HCL, the
// line and column of the offending value.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "messages/result.hpp"

namespace stevedore::policy {

struct position {
  int line = 0;   // 1-based; 0: unknown
  int column = 0; // 1-based, in bytes
};

struct node {
  enum class kind { null, boolean, number, string, list, object };
  kind type = kind::null;
  position pos;                     // where the value starts
  bool boolean = false;
  double number = 0;
  std::string text;                 // a string's value; a number's literal as written ("16384", "0.5")
  std::vector<node> items;          // list elements
  // Object members in source order. A key repeats when a block is written
  // more than once (two `task "x" {}` blocks in a group: two "task" members).
  std::vector<std::pair<std::string, node>> fields;
  std::vector<std::string> labels;  // block labels: `task "web" {}` -> {"web"}
  bool block = false;               // written `key { }` / `key "l" { }` rather than `key = { }`
};

// HCL (version 1, as Nomad 0.8 reads it): comments (#, //, /* */), heredocs
// (<<EOF, <<-EOF), lists, nested and labelled blocks, objects, quoted keys and
// dotted or dashed bare keys. Errors: "FILE:LINE:COL: what was expected".
result<node> parse_hcl(std::string_view text, std::string_view file_name);

// JSON into the same tree (objects keep member order; line and column are set).
result<node> parse_json(std::string_view text, std::string_view file_name);

// "FILE:LINE:COL" (or "FILE" when the position is unknown).
std::string where(std::string_view file_name, const position& pos);

} // namespace stevedore::policy
