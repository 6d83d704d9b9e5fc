// The HCL2 evaluator: variables and locals, expressions, templates, dynamic
// blocks, and parse_hcl2, which turns the file into the tree the decoders
// read (hcl2.hpp).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "policy/hcl2.hpp"
#include "policy/hcl2_ast.hpp"
#include "policy/hcl2_values.hpp"

namespace stevedore::policy {

namespace hcl2 {

namespace {

// Iterators of for expressions and dynamic blocks, innermost first.
struct scope {
  const scope* parent = nullptr;
  std::vector<std::pair<std::string, node>> names;

  const node* find(std::string_view name) const {
    for (const scope* s = this; s; s = s->parent)
      for (const auto& [n, v] : s->names)
        if (n == name)
          return &v;
    return nullptr;
  }
};

// Evaluation steps one file may take: a hostile file must not spin forever.
constexpr std::size_t max_steps = 100'000;

struct variable_decl {
  std::string name;
  position pos;
  std::optional<type_constraint> type;
  std::optional<node> value;
  std::vector<std::pair<const expr*, const expr*>> validations; // condition, error_message
};

class evaluator {
public:
  evaluator(const hcl2_inputs& inputs) : inputs_(inputs) {}

  node run(const body& file);

  node eval(const expr& e, const scope& s);

private:
  node eval_inner(const expr& e, const scope& s);
  node reference(const expr& root, const scope& s, bool& known);
  node apply_steps(node v, const std::vector<step>& steps, const scope& s);
  node apply_step(const node& v, const step& st, const scope& s);
  node eval_traverse(const expr& e, const scope& s);
  node eval_splat(const expr& e, const scope& s);
  node eval_call(const expr& e, const scope& s);
  node eval_object(const expr& e, const scope& s);
  node eval_unary(const expr& e, const scope& s);
  node eval_binary(const expr& e, const scope& s);
  node eval_for(const expr& e, const scope& s);
  node eval_template(const expr& e, const scope& s);
  void render(const std::vector<template_part>& parts, const scope& s, std::string& out);
  bool runtime_reference(const expr& e, const scope& s) const;
  node local_value(const std::string& name, const position& pos);

  // Bodies
  node eval_body(const body& b, const scope& s, const position& pos);
  void expand_dynamic(const item& it, const scope& s, node& out);

  // Variables
  void declare(const item& it);
  void declare_defaults(const item& it);
  void assign(const std::string& name, const node& value, const position& pos,
              std::string_view source);
  void assign_text(const std::string& name, const std::string& text, std::string_view source);
  void read_var_file(const std::string& file, const std::string& text);
  void finish_variables();

  const hcl2_inputs& inputs_;
  std::vector<variable_decl> variables_;
  node var_object_;
  bool variables_ready_ = false;
  std::map<std::string, const expr*> locals_;
  std::map<std::string, node> local_values_;
  std::set<std::string> local_in_progress_;
  std::size_t steps_ = 0;
};

// ---- references --------------------------------------------------------------

bool evaluator::runtime_reference(const expr& e, const scope& s) const {
  const expr* root = &e;
  if (e.kind == expr_kind::traverse) {
    for (const auto& st : e.steps)
      if (st.is_index)
        return false;
    root = &e.args[0];
  }
  if (root->kind != expr_kind::variable)
    return false;
  return root->name != "var" && root->name != "local" && !s.find(root->name);
}

node evaluator::local_value(const std::string& name, const position& pos) {
  if (auto it = local_values_.find(name); it != local_values_.end())
    return it->second;
  auto decl = locals_.find(name);
  if (decl == locals_.end())
    throw failure{pos, "no local value " + quote_value(name) + " is defined in a locals block"};
  if (!local_in_progress_.insert(name).second)
    throw failure{pos, "local." + name + " refers to itself"};
  node v = eval(*decl->second, scope{});
  local_in_progress_.erase(name);
  local_values_[name] = v;
  return v;
}

node evaluator::reference(const expr& root, const scope& s, bool& known) {
  known = true;
  if (const node* v = s.find(root.name))
    return *v;
  if (root.name == "var") {
    if (!variables_ready_)
      throw failure{root.pos, "a variable's default or validation cannot refer to other variables"};
    return var_object_;
  }
  if (root.name == "local") {
    std::vector<std::pair<std::string, node>> all;
    for (const auto& [name, e] : locals_)
      all.emplace_back(name, local_value(name, e->pos));
    return make_object(std::move(all), root.pos);
  }
  known = false;
  return {};
}

node evaluator::apply_step(const node& v, const step& st, const scope& s) {
  if (!st.is_index) {
    if (v.type != node::kind::object)
      throw failure{st.pos, "cannot read attribute \"" + st.name + "\" of a " + type_name(v)};
    const node* m = member(v, st.name);
    if (!m)
      throw failure{st.pos, "no attribute \"" + st.name + "\" in this object"};
    return *m;
  }
  node key = eval(*st.index, s);
  if (v.type == node::kind::list) {
    double d = to_number(key, st.pos, "index");
    if (d < 0 || d != std::floor(d) || d >= static_cast<double>(v.items.size()))
      throw failure{st.pos, "index " + format_number(d) + " is out of range for a list of " +
                              std::to_string(v.items.size()) + " elements"};
    return v.items[static_cast<std::size_t>(d)];
  }
  if (v.type == node::kind::object) {
    std::string k = to_text(key, st.pos, "key");
    const node* m = member(v, k);
    if (!m)
      throw failure{st.pos, "no key " + quote_value(k) + " in this map"};
    return *m;
  }
  throw failure{st.pos, "cannot index a " + type_name(v)};
}

node evaluator::apply_steps(node v, const std::vector<step>& steps, const scope& s) {
  for (const auto& st : steps)
    v = apply_step(v, st, s);
  return v;
}

node evaluator::eval_traverse(const expr& e, const scope& s) {
  const expr& root = e.args[0];
  // local.x evaluates that one local only (locals may refer to each other).
  if (root.kind == expr_kind::variable && root.name == "local" && !s.find("local") &&
      !e.steps.empty() && !e.steps[0].is_index) {
    node v = local_value(e.steps[0].name, e.steps[0].pos);
    return apply_steps(std::move(v), std::vector<step>(e.steps.begin() + 1, e.steps.end()), s);
  }
  return apply_steps(eval(root, s), e.steps, s);
}

node evaluator::eval_splat(const expr& e, const scope& s) {
  node src = eval(e.args[0], s);
  if (src.type == node::kind::null)
    return make_list({}, e.pos);
  std::vector<node> out;
  if (src.type != node::kind::list) {
    out.push_back(apply_steps(src, e.steps, s));
  } else {
    for (const auto& item : src.items)
      out.push_back(apply_steps(item, e.steps, s));
  }
  return make_list(std::move(out), e.pos);
}

// ---- operators -----------------------------------------------------------------

node evaluator::eval_unary(const expr& e, const scope& s) {
  node v = eval(e.args[0], s);
  if (e.name == "-")
    return make_number(-to_number(v, e.pos, "operand of '-'"), e.pos);
  return make_bool(!to_bool(v, e.pos, "operand of '!'"), e.pos);
}

node evaluator::eval_binary(const expr& e, const scope& s) {
  const std::string& op = e.name;
  std::string what = "operand of '" + op + "'";
  if (op == "&&" || op == "||") {
    bool a = to_bool(eval(e.args[0], s), e.args[0].pos, what);
    if (op == "&&" && !a)
      return make_bool(false, e.pos);
    if (op == "||" && a)
      return make_bool(true, e.pos);
    return make_bool(to_bool(eval(e.args[1], s), e.args[1].pos, what), e.pos);
  }
  node a = eval(e.args[0], s);
  node b = eval(e.args[1], s);
  if (op == "==" || op == "!=")
    return make_bool(equal(a, b) == (op == "=="), e.pos);
  double x = to_number(a, e.args[0].pos, what);
  double y = to_number(b, e.args[1].pos, what);
  if (op == "<") return make_bool(x < y, e.pos);
  if (op == ">") return make_bool(x > y, e.pos);
  if (op == "<=") return make_bool(x <= y, e.pos);
  if (op == ">=") return make_bool(x >= y, e.pos);
  if (op == "+") return make_number(x + y, e.pos);
  if (op == "-") return make_number(x - y, e.pos);
  if (op == "*") return make_number(x * y, e.pos);
  if (y == 0)
    throw failure{e.args[1].pos, op == "/" ? "division by zero" : "modulo by zero"};
  if (op == "/") return make_number(x / y, e.pos);
  return make_number(std::fmod(x, y), e.pos);
}

// ---- collections ---------------------------------------------------------------

node evaluator::eval_object(const expr& e, const scope& s) {
  std::vector<std::pair<std::string, node>> fields;
  for (std::size_t i = 0; i < e.keys.size(); ++i) {
    std::string key = to_text(eval(e.keys[i], s), e.keys[i].pos, "object key");
    node v = eval(e.args[i], s);
    auto same = [&](const auto& f) { return f.first == key; };
    auto it = std::find_if(fields.begin(), fields.end(), same);
    if (it != fields.end())
      throw failure{e.keys[i].pos, "key " + quote_value(key) + " is given more than once"};
    fields.emplace_back(std::move(key), std::move(v));
  }
  return make_object(std::move(fields), e.pos);
}

// (key, value) pairs of a list (index, element) or an object (key, member).
std::vector<std::pair<node, node>> elements_of(const node& coll, const position& pos) {
  std::vector<std::pair<node, node>> out;
  if (coll.type == node::kind::list) {
    for (std::size_t i = 0; i < coll.items.size(); ++i)
      out.emplace_back(make_number(static_cast<double>(i), pos), coll.items[i]);
  } else if (coll.type == node::kind::object) {
    for (const auto& [k, v] : coll.fields)
      out.emplace_back(make_string(k, pos), v);
  } else {
    throw failure{pos, "a for needs a list or a map, got " + type_name(coll)};
  }
  return out;
}

node evaluator::eval_for(const expr& e, const scope& s) {
  node coll = eval(e.args[0], s);
  std::vector<node> items;
  std::vector<std::pair<std::string, node>> fields;
  for (auto& [k, v] : elements_of(coll, e.args[0].pos)) {
    scope inner{&s, {}};
    if (!e.key_var.empty())
      inner.names.emplace_back(e.key_var, k);
    inner.names.emplace_back(e.value_var, v);
    if (e.has_cond && !to_bool(eval(e.args[2], inner), e.args[2].pos, "for condition"))
      continue;
    if (e.kind == expr_kind::for_tuple) {
      items.push_back(eval(e.args[1], inner));
      if (items.size() > max_elements)
        throw failure{e.pos, "a for building more than " + std::to_string(max_elements) + " elements"};
      continue;
    }
    std::string key = to_text(eval(e.args[1], inner), e.args[1].pos, "for key");
    node value = eval(e.args[3], inner);
    auto it = std::find_if(fields.begin(), fields.end(), [&](const auto& f) { return f.first == key; });
    if (e.group) {
      if (it == fields.end())
        it = fields.insert(fields.end(), {key, make_list({}, e.pos)});
      it->second.items.push_back(std::move(value));
    } else if (it != fields.end()) {
      throw failure{e.args[1].pos, "key " + quote_value(key) + " is produced twice (group with '...')"};
    } else {
      fields.emplace_back(std::move(key), std::move(value));
    }
  }
  if (e.kind == expr_kind::for_tuple)
    return make_list(std::move(items), e.pos);
  return make_object(std::move(fields), e.pos);
}

// ---- templates and calls -------------------------------------------------------

void evaluator::render(const std::vector<template_part>& parts, const scope& s, std::string& out) {
  for (const auto& p : parts) {
    switch (p.type) {
      case template_part::kind::text:
        out += p.text;
        break;
      case template_part::kind::interpolation:
        if (runtime_reference(p.exprs[0], s))
          out += p.source; // for the runtime: ${NOMAD_PORT_db}, ${attr.x}, ...
        else
          out += to_text(eval(p.exprs[0], s), p.pos, "interpolation");
        break;
      case template_part::kind::if_:
        render(to_bool(eval(p.exprs[0], s), p.pos, "%{ if } condition") ? p.body : p.else_body, s, out);
        break;
      case template_part::kind::for_: {
        node coll = eval(p.exprs[0], s);
        for (auto& [k, v] : elements_of(coll, p.pos)) {
          scope inner{&s, {}};
          if (!p.key_var.empty())
            inner.names.emplace_back(p.key_var, k);
          inner.names.emplace_back(p.value_var, v);
          render(p.body, inner, out);
        }
        break;
      }
    }
    if (out.size() > max_string)
      throw failure{p.pos, "a string longer than " + std::to_string(max_string) + " bytes"};
  }
}

node evaluator::eval_template(const expr& e, const scope& s) {
  // "${x}" alone keeps x's type, as in HCL2 (a number stays a number).
  if (e.parts.size() == 1 && e.parts[0].type == template_part::kind::interpolation &&
      !runtime_reference(e.parts[0].exprs[0], s))
    return eval(e.parts[0].exprs[0], s);
  std::string out;
  render(e.parts, s, out);
  return make_string(std::move(out), e.pos);
}

node evaluator::eval_call(const expr& e, const scope& s) {
  if (e.name == "try" || e.name == "can") {
    for (const auto& arg : e.args) {
      try {
        node v = eval(arg, s);
        if (e.name == "can")
          return make_bool(true, e.pos);
        return v;
      } catch (const failure&) {
        if (e.name == "can")
          return make_bool(false, e.pos);
      }
    }
    throw failure{e.pos, "try(): no argument could be evaluated"};
  }
  std::vector<node> args;
  for (const auto& a : e.args)
    args.push_back(eval(a, s));
  if (e.expand_last) {
    if (args.empty() || args.back().type != node::kind::list)
      throw failure{e.pos, e.name + "(): '...' needs a list as the last argument"};
    node last = std::move(args.back());
    args.pop_back();
    for (auto& item : last.items)
      args.push_back(std::move(item));
  }
  return call_function(e.name, args, e.pos, inputs_);
}

node evaluator::eval_inner(const expr& e, const scope& s) {
  switch (e.kind) {
    case expr_kind::literal: return e.value;
    case expr_kind::templ: return eval_template(e, s);
    case expr_kind::variable: {
      bool known = false;
      node v = reference(e, s, known);
      if (!known)
        throw failure{e.pos, "unknown variable \"" + e.name +
                               "\" (a job file refers to var.<name>, local.<name> and the "
                               "iterators of for and dynamic; runtime values such as ${" +
                               e.name + "...} belong in a string)"};
      return v;
    }
    case expr_kind::traverse: return eval_traverse(e, s);
    case expr_kind::splat: return eval_splat(e, s);
    case expr_kind::call: return eval_call(e, s);
    case expr_kind::tuple: {
      std::vector<node> items;
      for (const auto& a : e.args)
        items.push_back(eval(a, s));
      return make_list(std::move(items), e.pos);
    }
    case expr_kind::object: return eval_object(e, s);
    case expr_kind::unary: return eval_unary(e, s);
    case expr_kind::binary: return eval_binary(e, s);
    case expr_kind::conditional:
      return eval(e.args[to_bool(eval(e.args[0], s), e.args[0].pos, "condition") ? 1 : 2], s);
    case expr_kind::for_tuple:
    case expr_kind::for_object: return eval_for(e, s);
  }
  throw failure{e.pos, "cannot evaluate this expression"};
}

node evaluator::eval(const expr& e, const scope& s) {
  if (++steps_ > max_steps)
    throw failure{e.pos, "the job file's expressions take too many steps to evaluate"};
  node v = eval_inner(e, s);
  if (v.pos.line == 0)
    v.pos = e.pos;
  return v;
}

// ---- bodies --------------------------------------------------------------------

void evaluator::expand_dynamic(const item& it, const scope& s, node& out) {
  if (it.labels.size() != 1)
    throw failure{it.pos, "a dynamic block has one label: the name of the blocks it makes"};
  const std::string& name = it.labels[0];
  const expr* for_each = nullptr;
  const expr* labels = nullptr;
  const body* content = nullptr;
  std::string iterator = name;
  for (const auto& sub : it.block->items) {
    if (!sub.is_block && sub.name == "for_each") for_each = &sub.value;
    else if (!sub.is_block && sub.name == "labels") labels = &sub.value;
    else if (!sub.is_block && sub.name == "iterator" && sub.value.kind == expr_kind::variable)
      iterator = sub.value.name;
    else if (sub.is_block && sub.name == "content") content = sub.block.get();
    else throw failure{sub.pos, "unexpected \"" + sub.name + "\" in a dynamic block "
                                "(for_each, iterator, labels, content)"};
  }
  if (!for_each || !content)
    throw failure{it.pos, "a dynamic block needs for_each and a content block"};
  node coll = eval(*for_each, s);
  for (auto& [k, v] : elements_of(coll, for_each->pos)) {
    scope inner{&s, {}};
    inner.names.emplace_back(iterator, make_object({{"key", k}, {"value", v}}, it.pos));
    node block = eval_body(*content, inner, it.pos);
    block.block = true;
    if (labels) {
      node l = eval(*labels, inner);
      if (l.type != node::kind::list)
        throw failure{labels->pos, "labels: a list is required, got " + type_name(l)};
      for (const auto& label : l.items)
        block.labels.push_back(to_text(label, labels->pos, "label"));
    }
    out.fields.emplace_back(name, std::move(block));
  }
}

node evaluator::eval_body(const body& b, const scope& s, const position& pos) {
  node out = make_object({}, pos);
  for (const auto& it : b.items) {
    if (it.is_block && it.name == "dynamic") {
      expand_dynamic(it, s, out);
    } else if (it.is_block) {
      node block = eval_body(*it.block, s, it.pos);
      block.block = true;
      block.labels = it.labels;
      out.fields.emplace_back(it.name, std::move(block));
    } else {
      node v = eval(it.value, s);
      v.pos = it.value.pos;
      out.fields.emplace_back(it.name, std::move(v));
    }
  }
  return out;
}

// ---- variables -------------------------------------------------------------------

// A user's sentence in a message: escaped as values are, without quotes.
std::string unquoted(const std::string& s) {
  return printable(s, max_value_bytes);
}

// Where a value came from, for messages: "-var port", "NOMAD_VAR_port".
std::string origin(std::string_view source, const std::string& name) {
  return source == "NOMAD_VAR" ? "NOMAD_VAR_" + unquoted(name) : std::string(source) + " " + unquoted(name);
}

node constant(evaluator& ev, const expr& e) {
  return ev.eval(e, scope{});
}

void evaluator::declare(const item& it) {
  if (it.labels.size() != 1)
    throw failure{it.pos, "a variable block has one label: its name"};
  for (const auto& v : variables_)
    if (v.name == it.labels[0])
      throw failure{it.pos, "variable " + quote_value(v.name) + " is declared more than once (first at " +
                              std::to_string(v.pos.line) + ":" + std::to_string(v.pos.column) + ")"};
  variable_decl d;
  d.name = it.labels[0];
  d.pos = it.pos;
  const expr* def = nullptr;
  for (const auto& sub : it.block->items) {
    if (!sub.is_block && sub.name == "type") {
      d.type = parse_type(sub.value);
    } else if (!sub.is_block && sub.name == "default") {
      def = &sub.value;
    } else if (!sub.is_block && (sub.name == "description" || sub.name == "sensitive" ||
                                 sub.name == "nullable")) {
      continue;
    } else if (sub.is_block && sub.name == "validation") {
      const expr* cond = nullptr;
      const expr* msg = nullptr;
      for (const auto& v : sub.block->items) {
        if (!v.is_block && v.name == "condition") cond = &v.value;
        else if (!v.is_block && v.name == "error_message") msg = &v.value;
        else throw failure{v.pos, "unexpected \"" + v.name + "\" in a validation block (condition, error_message)"};
      }
      if (!cond || !msg)
        throw failure{sub.pos, "a validation block needs condition and error_message"};
      d.validations.emplace_back(cond, msg);
    } else {
      throw failure{sub.pos, "unexpected \"" + sub.name + "\" in variable " + quote_value(d.name) +
                               "\" (type, default, description, validation)"};
    }
  }
  if (def) {
    node v = constant(*this, *def);
    d.value = d.type ? convert(v, *d.type, def->pos, "variable " + quote_value(d.name) + " default") : v;
  }
  variables_.push_back(std::move(d));
}

// `variables { a = 1 }`: variables of any type with these defaults.
void evaluator::declare_defaults(const item& it) {
  for (const auto& sub : it.block->items) {
    if (sub.is_block)
      throw failure{sub.pos, "a variables block holds attributes (name = default)"};
    for (const auto& v : variables_)
      if (v.name == sub.name)
        throw failure{sub.pos, "variable " + quote_value(sub.name) + " is declared more than once"};
    variable_decl d;
    d.name = sub.name;
    d.pos = sub.pos;
    d.value = constant(*this, sub.value);
    variables_.push_back(std::move(d));
  }
}

void evaluator::assign(const std::string& name, const node& value, const position& pos,
                       std::string_view source) {
  for (auto& d : variables_)
    if (d.name == name) {
      d.value = d.type ? convert(value, *d.type, pos, origin(source, name)) : value;
      return;
    }
  throw failure{pos, origin(source, name) + ": no variable " + quote_value(name) +
                       " is declared in the job file"};
}

// -var and NOMAD_VAR_ values are text: a string as it is, a number or a
// bool read, a collection written as an HCL expression.
void evaluator::assign_text(const std::string& name, const std::string& text,
                            std::string_view source) {
  for (auto& d : variables_) {
    if (d.name != name)
      continue;
    if (!d.type || d.type->k == type_constraint::kind::any || is_primitive(*d.type)) {
      assign(name, make_string(text), {}, source);
      return;
    }
    try {
      expr e = parse_expression(text);
      assign(name, constant(*this, e), {}, source);
    } catch (const failure& f) {
      throw failure{{}, origin(source, name) + ": " + f.what};
    }
    return;
  }
  throw failure{{}, origin(source, name) + ": no variable " + quote_value(name) +
                      " is declared in the job file"};
}

void evaluator::read_var_file(const std::string& file, const std::string& text) {
  try {
    if (auto first = text.find_first_not_of(" \t\r\n"); first != std::string::npos && text[first] == '{') {
      auto tree = parse_json(text, file); // a variables file may be JSON
      if (!tree) {
        failure f{{}, tree.error().message, file};
        f.verbatim = true;
        throw f;
      }
      for (const auto& [name, value] : tree->fields)
        assign(name, value, value.pos, "variable");
      return;
    }
    body b = parse_body(text);
    for (const auto& it : b.items) {
      if (it.is_block)
        throw failure{it.pos, "a variables file holds attributes (name = value), found block \"" +
                                it.name + "\""};
      assign(it.name, constant(*this, it.value), it.value.pos, "variable");
    }
  } catch (failure& f) {
    if (f.file.empty())
      f.file = file;
    throw;
  }
}

void evaluator::finish_variables() {
  std::vector<std::pair<std::string, node>> fields;
  for (const auto& d : variables_) {
    if (!d.value)
      throw failure{d.pos, "variable " + quote_value(d.name) + " has no value: give it a default, or set "
                           "it with -var " + d.name + "=..., -var-file or NOMAD_VAR_" + d.name};
    fields.emplace_back(d.name, *d.value);
  }
  var_object_ = make_object(std::move(fields));
  variables_ready_ = true;
  for (const auto& d : variables_) {
    for (const auto& [cond, msg] : d.validations) {
      if (!to_bool(eval(*cond, scope{}), cond->pos, "validation condition"))
        throw failure{cond->pos, "variable " + quote_value(d.name) + ": " +
                                   unquoted(to_text(eval(*msg, scope{}), msg->pos, "error_message"))};
    }
  }
}

node evaluator::run(const body& file) {
  body rest;
  for (const auto& it : file.items) {
    if (it.is_block && it.name == "variable") {
      declare(it);
    } else if (it.is_block && it.name == "variables") {
      declare_defaults(it);
    } else if (it.is_block && it.name == "locals") {
      for (const auto& l : it.block->items) {
        if (l.is_block)
          throw failure{l.pos, "a locals block holds attributes (name = value)"};
        if (!locals_.emplace(l.name, &l.value).second)
          throw failure{l.pos, "local " + quote_value(l.name) + " is defined more than once"};
      }
    } else {
      rest.items.push_back(it);
    }
  }
  for (const auto& [name, value] : inputs_.env)
    for (const auto& d : variables_)
      if (d.name == name)
        assign_text(name, value, "NOMAD_VAR");
  for (const auto& [var_file, text] : inputs_.var_files)
    read_var_file(var_file, text);
  for (const auto& [name, value] : inputs_.vars)
    assign_text(name, value, "-var");
  finish_variables();
  return eval_body(rest, scope{}, position{1, 1});
}

} // namespace

} // namespace hcl2

// ---- the public face -------------------------------------------------------------

result<std::pair<std::string, std::string>> parse_var_argument(std::string_view arg) {
  auto eq = arg.find('=');
  if (eq == std::string_view::npos || eq == 0)
    return make_error(errc::invalid_input, "-var",
                      "-var " + std::string(arg) + ": expected name=value");
  return std::pair<std::string, std::string>(std::string(arg.substr(0, eq)),
                                             std::string(arg.substr(eq + 1)));
}

namespace {

// `word` where no identifier character comes before it ("var." in
// "x = var.a", not in "my.var.a").
bool has_word(std::string_view text, std::string_view word) {
  for (auto at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1)) {
    char before = at == 0 ? ' ' : text[at - 1];
    if (!(std::isalnum(static_cast<unsigned char>(before)) || before == '_' || before == '.' ||
          before == '-'))
      return true;
  }
  return false;
}

// A line that starts (after blanks) with `keyword`, then blanks, then `next`.
bool has_block(std::string_view text, std::string_view keyword, char next) {
  for (std::size_t line = 0; line < text.size();) {
    auto first = text.find_first_not_of(" \t", line);
    if (first != std::string_view::npos && text.substr(first, keyword.size()) == keyword) {
      auto after = text.find_first_not_of(" \t", first + keyword.size());
      if (after != std::string_view::npos && text[after] == next)
        return true;
    }
    auto nl = text.find('\n', line);
    if (nl == std::string_view::npos)
      break;
    line = nl + 1;
  }
  return false;
}

} // namespace

bool looks_like_hcl2(std::string_view text) {
  return text.find("%{") != std::string_view::npos || has_word(text, "var.") ||
         has_word(text, "local.") || has_block(text, "variable", '"') ||
         has_block(text, "variables", '{') || has_block(text, "locals", '{') ||
         has_block(text, "dynamic", '"');
}

result<node> parse_hcl2(std::string_view text, std::string_view file_name, const hcl2_inputs& inputs) {
  try {
    hcl2::body file = hcl2::parse_body(text);
    hcl2::evaluator ev(inputs);
    return ev.run(file);
  } catch (const hcl2::failure& f) {
    if (f.verbatim)
      return make_error(errc::invalid_input, f.file, f.what);
    std::string_view in = f.file.empty() ? file_name : std::string_view(f.file);
    std::string place = f.pos.line > 0 ? where(in, f.pos) : std::string(in);
    return make_error(errc::invalid_input, std::string(in), place + ": " + f.what);
  }
}

} // namespace stevedore::policy
