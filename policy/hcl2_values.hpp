// Values of the HCL2 evaluator: the tree's node (null, bool, number, string,
// list, object), with HCL2's conversions between them and its function
// library. Internal to the HCL2 reader; every problem throws hcl2::failure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/ast.hpp"
#include "policy/hcl2.hpp"
#include "policy/hcl2_ast.hpp"

namespace stevedore::policy::hcl2 {

// The longest string an expression may build: a job file is at most a few
// MiB, and a hostile one must not make gigabytes out of a loop.
inline constexpr std::size_t max_string = 4u << 20;
// The most elements a collection built by range() or a for may hold.
inline constexpr std::size_t max_elements = 100000;

node make_null(const position& pos = {});
node make_bool(bool b, const position& pos = {});
node make_number(double d, const position& pos = {});
node make_string(std::string s, const position& pos = {});
node make_list(std::vector<node> items, const position& pos = {});
node make_object(std::vector<std::pair<std::string, node>> fields, const position& pos = {});

// "string", "number", "bool", "list", "object", "null".
std::string type_name(const node& v);
// A number as HCL2 prints it: integers without a fraction.
std::string format_number(double d);
// HCL2's automatic conversions, failing with `what` named.
double to_number(const node& v, const position& pos, std::string_view what);
bool to_bool(const node& v, const position& pos, std::string_view what);
std::string to_text(const node& v, const position& pos, std::string_view what);
// Deep equality with HCL2's rules (a number is never equal to a string).
bool equal(const node& a, const node& b);
// An object's member, or nullptr.
const node* member(const node& obj, std::string_view key);

// ---- type constraints (variable "x" { type = ... }) --------------------------

struct type_constraint {
  enum class kind { any, string, number, boolean, list, set, map, object, tuple } k = kind::any;
  std::vector<type_constraint> elems;                           // list/set/map: one; tuple: each
  std::vector<std::pair<std::string, type_constraint>> attrs;   // object
};

type_constraint parse_type(const expr& e);
// v converted to t (numbers from strings, strings from numbers and bools, ...).
node convert(const node& v, const type_constraint& t, const position& pos, std::string_view what);
bool is_primitive(const type_constraint& t);

// ---- functions -----------------------------------------------------------------

// Calls a function of the library (hcl2_function_names()) on evaluated
// arguments; an unknown name fails, naming it.
node call_function(const std::string& name, std::vector<node>& args, const position& pos,
                   const hcl2_inputs& inputs);

// JSON text of a value and back (jsonencode, jsondecode).
std::string encode_json(const node& v);

} // namespace stevedore::policy::hcl2
