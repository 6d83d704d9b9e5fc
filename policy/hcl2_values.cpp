// HCL2 values: constructors, the automatic conversions, equality and type
// constraints.
#include <charconv>
#include <cmath>

#include "policy/hcl2_values.hpp"

namespace stevedore::policy::hcl2 {

node make_null(const position& pos) {
  node n;
  n.pos = pos;
  return n;
}

node make_bool(bool b, const position& pos) {
  node n;
  n.type = node::kind::boolean;
  n.boolean = b;
  n.pos = pos;
  return n;
}

std::string format_number(double d) {
  if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.007199254740992e15) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<long long>(d));
    return ec == std::errc() ? std::string(buf, end) : std::string("0");
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return ec == std::errc() ? std::string(buf, end) : std::string("0");
}

node make_number(double d, const position& pos) {
  node n;
  n.type = node::kind::number;
  n.number = d;
  n.text = format_number(d);
  n.pos = pos;
  return n;
}

node make_string(std::string s, const position& pos) {
  if (s.size() > max_string)
    throw failure{pos, "a string longer than " + std::to_string(max_string) + " bytes"};
  node n;
  n.type = node::kind::string;
  n.text = std::move(s);
  n.pos = pos;
  return n;
}

node make_list(std::vector<node> items, const position& pos) {
  if (items.size() > max_elements)
    throw failure{pos, "a list of more than " + std::to_string(max_elements) + " elements"};
  node n;
  n.type = node::kind::list;
  n.items = std::move(items);
  n.pos = pos;
  return n;
}

node make_object(std::vector<std::pair<std::string, node>> fields, const position& pos) {
  node n;
  n.type = node::kind::object;
  n.fields = std::move(fields);
  n.pos = pos;
  return n;
}

std::string type_name(const node& v) {
  switch (v.type) {
    case node::kind::null: return "null";
    case node::kind::boolean: return "bool";
    case node::kind::number: return "number";
    case node::kind::string: return "string";
    case node::kind::list: return "list";
    case node::kind::object: return "object";
  }
  return "value";
}

double to_number(const node& v, const position& pos, std::string_view what) {
  if (v.type == node::kind::number)
    return v.number;
  if (v.type == node::kind::string) {
    double d = 0;
    const char* first = v.text.data();
    const char* last = first + v.text.size();
    if (first != last && *first == '+')
      ++first;
    auto [end, ec] = std::from_chars(first, last, d);
    if (ec == std::errc() && end == last && first != last)
      return d;
  }
  throw failure{pos, std::string(what) + ": a number is required, got " +
                       (v.type == node::kind::string ? quote_value(v.text) : type_name(v))};
}

bool to_bool(const node& v, const position& pos, std::string_view what) {
  if (v.type == node::kind::boolean)
    return v.boolean;
  if (v.type == node::kind::string && (v.text == "true" || v.text == "false"))
    return v.text == "true";
  throw failure{pos, std::string(what) + ": a bool is required, got " + type_name(v)};
}

std::string to_text(const node& v, const position& pos, std::string_view what) {
  switch (v.type) {
    case node::kind::string: return v.text;
    case node::kind::number: return format_number(v.number);
    case node::kind::boolean: return v.boolean ? "true" : "false";
    case node::kind::null:
      throw failure{pos, std::string(what) + ": the value is null"};
    default:
      throw failure{pos, std::string(what) + ": a string is required, got " + type_name(v)};
  }
}

bool equal(const node& a, const node& b) {
  if (a.type != b.type)
    return false;
  switch (a.type) {
    case node::kind::null: return true;
    case node::kind::boolean: return a.boolean == b.boolean;
    case node::kind::number: return a.number == b.number;
    case node::kind::string: return a.text == b.text;
    case node::kind::list:
      if (a.items.size() != b.items.size())
        return false;
      for (std::size_t i = 0; i < a.items.size(); ++i)
        if (!equal(a.items[i], b.items[i]))
          return false;
      return true;
    case node::kind::object:
      if (a.fields.size() != b.fields.size())
        return false;
      for (const auto& [k, v] : a.fields) {
        const node* o = member(b, k);
        if (!o || !equal(v, *o))
          return false;
      }
      return true;
  }
  return false;
}

const node* member(const node& obj, std::string_view key) {
  for (const auto& [k, v] : obj.fields)
    if (k == key)
      return &v;
  return nullptr;
}

// ---- type constraints ---------------------------------------------------------

namespace {

[[noreturn]] void bad_type(const expr& e) {
  throw failure{e.pos, "not a type: use string, number, bool, any, list(T), set(T), map(T), "
                       "object({...}) or tuple([...])"};
}

} // namespace

type_constraint parse_type(const expr& e) {
  using k = type_constraint::kind;
  type_constraint t;
  if (e.kind == expr_kind::variable) {
    if (e.name == "string") t.k = k::string;
    else if (e.name == "number") t.k = k::number;
    else if (e.name == "bool") t.k = k::boolean;
    else if (e.name == "any") t.k = k::any;
    else bad_type(e);
    return t;
  }
  if (e.kind != expr_kind::call || e.args.size() != 1)
    bad_type(e);
  const expr& arg = e.args[0];
  if (e.name == "list" || e.name == "set" || e.name == "map") {
    t.k = e.name == "list" ? k::list : e.name == "set" ? k::set : k::map;
    t.elems.push_back(parse_type(arg));
  } else if (e.name == "object" && arg.kind == expr_kind::object) {
    t.k = k::object;
    for (std::size_t i = 0; i < arg.keys.size(); ++i) {
      if (arg.keys[i].kind != expr_kind::literal || arg.keys[i].value.type != node::kind::string)
        bad_type(arg.keys[i]);
      t.attrs.emplace_back(arg.keys[i].value.text, parse_type(arg.args[i]));
    }
  } else if (e.name == "tuple" && arg.kind == expr_kind::tuple) {
    t.k = k::tuple;
    for (const auto& el : arg.args)
      t.elems.push_back(parse_type(el));
  } else {
    bad_type(e);
  }
  return t;
}

bool is_primitive(const type_constraint& t) {
  using k = type_constraint::kind;
  return t.k == k::string || t.k == k::number || t.k == k::boolean;
}

namespace {

node convert_collection(const node& v, const type_constraint& t, const position& pos,
                        std::string_view what) {
  using k = type_constraint::kind;
  if (t.k == k::list || t.k == k::set || t.k == k::tuple) {
    if (v.type != node::kind::list)
      throw failure{pos, std::string(what) + ": a list is required, got " + type_name(v)};
    if (t.k == k::tuple && t.elems.size() != v.items.size())
      throw failure{pos, std::string(what) + ": a tuple of " + std::to_string(t.elems.size()) +
                           " elements is required, got " + std::to_string(v.items.size())};
    std::vector<node> items;
    for (std::size_t i = 0; i < v.items.size(); ++i) {
      node item = convert(v.items[i], t.k == k::tuple ? t.elems[i] : t.elems[0], pos,
                          std::string(what) + "[" + std::to_string(i) + "]");
      bool dup = false;
      for (const auto& seen : items)
        dup = dup || (t.k == k::set && equal(seen, item));
      if (!dup)
        items.push_back(std::move(item));
    }
    return make_list(std::move(items), v.pos);
  }
  if (v.type != node::kind::object)
    throw failure{pos, std::string(what) + ": an object is required, got " + type_name(v)};
  std::vector<std::pair<std::string, node>> fields;
  if (t.k == k::map) {
    for (const auto& [key, val] : v.fields)
      fields.emplace_back(key, convert(val, t.elems[0], pos, std::string(what) + "." + key));
  } else {
    for (const auto& [key, at] : t.attrs) {
      const node* val = member(v, key);
      if (!val)
        throw failure{pos, std::string(what) + ": attribute " + quote_value(key) + " is required"};
      fields.emplace_back(key, convert(*val, at, pos, std::string(what) + "." + key));
    }
  }
  return make_object(std::move(fields), v.pos);
}

} // namespace

node convert(const node& v, const type_constraint& t, const position& pos, std::string_view what) {
  using k = type_constraint::kind;
  if (t.k == k::any || v.type == node::kind::null)
    return v;
  switch (t.k) {
    case k::string: return make_string(to_text(v, pos, what), v.pos);
    case k::number: return make_number(to_number(v, pos, what), v.pos);
    case k::boolean: return make_bool(to_bool(v, pos, what), v.pos);
    default: return convert_collection(v, t, pos, what);
  }
}

} // namespace stevedore::policy::hcl2
