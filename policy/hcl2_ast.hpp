// HCL2's syntax tree inside policy/: bodies of attributes and blocks, and
// expressions with their templates. The parser (hcl2_parser.cpp) builds it,
// the evaluator (hcl2_eval.cpp) walks it. Internal to the HCL2 reader.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "policy/ast.hpp"

namespace stevedore::policy::hcl2 {

// Every problem of the HCL2 reader: where and what. Thrown inside the reader
// only (parse_hcl2 turns it into an error value), so that the deep recursion
// of parsing and evaluation needs no error plumbing at every level.
struct failure {
  failure(position p, std::string w, std::string f = {})
      : pos(p), what(std::move(w)), file(std::move(f)) {}
  position pos;
  std::string what;
  std::string file; // empty: the job file (else a -var-file)
  bool verbatim = false; // `what` is a whole message already ("FILE:LINE:COL: ...")
};

struct expr;
struct template_part;

// .name or [index] after a term (also inside a splat).
struct step {
  bool is_index = false;
  std::string name;            // attribute name
  std::shared_ptr<expr> index; // index expression
  position pos;
};

enum class expr_kind {
  literal,    // value
  templ,      // parts: "..." or a heredoc
  variable,   // name: a root reference (var, local, an iterator, NOMAD_*, ...)
  traverse,   // args[0] then steps
  splat,      // args[0], each element through steps ([*] or .*)
  call,       // name(args...), expand_last: f(list...)
  tuple,      // [args...]
  object,     // keys[i] = args[i]
  unary,      // name ("-", "!") args[0]
  binary,     // args[0] name args[1]
  conditional,// args[0] ? args[1] : args[2]
  for_tuple,  // [for key_var, value_var in args[0] : args[1] if args[2]]
  for_object, // {for ... : args[1] => args[3] (...) if args[2]}
};

struct expr {
  expr_kind kind = expr_kind::literal;
  position pos;
  node value;                        // literal
  std::string name;                  // variable, call, operator
  std::vector<expr> args;
  std::vector<expr> keys;            // object keys (a bare word is a literal)
  std::vector<step> steps;           // traverse, splat
  std::vector<template_part> parts;  // templ
  std::string key_var, value_var;    // for: `for key_var, value_var in`
  bool has_cond = false;             // for: `if` given
  bool group = false;                // for_object: `...`
  bool expand_last = false;          // call: last argument followed by `...`
  std::string source;                // the text as written (runtime references keep it)
};

struct template_part {
  enum class kind { text, interpolation, if_, for_ } type = kind::text;
  std::string text;                     // text: the literal
  std::vector<expr> exprs;              // interpolation / if condition / for collection
  std::vector<template_part> body;      // if: then-part; for: the repeated part
  std::vector<template_part> else_body; // if: else-part
  std::string key_var, value_var;       // for
  std::string source;                   // interpolation: "${...}" as written
  position pos;
};

struct body;

struct item {
  bool is_block = false;
  std::string name;
  std::vector<std::string> labels;
  position pos;
  expr value;                  // attribute
  std::shared_ptr<body> block; // block
};

struct body {
  std::vector<item> items;
};

// The parser: the whole file, or one expression (a -var value of a complex
// type). Throws failure.
body parse_body(std::string_view text);
expr parse_expression(std::string_view text);

} // namespace stevedore::policy::hcl2
