// The functions of HCL2's standard library that Nomad job files use, as
// Nomad (go-cty's stdlib) defines them. Each takes evaluated arguments and
// fails naming itself. try() and can() are in the evaluator: they need their
// arguments unevaluated.
#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>

#include "messages/json.hpp"
#include "policy/hcl2_values.hpp"

namespace stevedore::policy {

namespace hcl2 {

namespace {

using args_t = std::vector<node>;
using fn = std::function<node(args_t&, const position&, const hcl2_inputs&)>;

struct call_context {
  const std::string& name;
  const position& pos;
  [[noreturn]] void fail(const std::string& why) const {
    throw failure{pos, name + "(): " + why};
  }
  void arity(const args_t& a, std::size_t min, std::size_t max) const {
    if (a.size() < min || a.size() > max) {
      std::string n = min == max ? std::to_string(min)
                                 : std::to_string(min) + (max == SIZE_MAX ? " or more" : " to " + std::to_string(max));
      fail("takes " + n + " arguments, got " + std::to_string(a.size()));
    }
  }
  std::string str(const node& v, int i) const { return to_text(v, pos, name + "() argument " + std::to_string(i + 1)); }
  double num(const node& v, int i) const { return to_number(v, pos, name + "() argument " + std::to_string(i + 1)); }
  long long integer(const node& v, int i) const {
    double d = num(v, i);
    if (d != std::floor(d) || std::fabs(d) > 9e15)
      fail("argument " + std::to_string(i + 1) + " must be a whole number, got " + format_number(d));
    return static_cast<long long>(d);
  }
  const node& list(const node& v, int i) const {
    if (v.type != node::kind::list)
      fail("argument " + std::to_string(i + 1) + " must be a list, got " + type_name(v));
    return v;
  }
  const node& object(const node& v, int i) const {
    if (v.type != node::kind::object)
      fail("argument " + std::to_string(i + 1) + " must be a map or an object, got " + type_name(v));
    return v;
  }
};

// ---- format ---------------------------------------------------------------------

std::string pad(std::string s, int width, bool left, char fill) {
  if (width <= 0 || static_cast<int>(s.size()) >= width)
    return s;
  std::string padding(static_cast<std::size_t>(width) - s.size(), fill);
  if (left)
    return s + std::string(padding.size(), ' ');
  if (fill == '0' && !s.empty() && (s[0] == '-' || s[0] == '+'))
    return s[0] + padding + s.substr(1);
  return padding + s;
}

std::string in_base(long long v, int base, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  bool neg = v < 0;
  unsigned long long u = neg ? 0ULL - static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v);
  std::string out;
  do {
    out.insert(out.begin(), digits[u % static_cast<unsigned>(base)]);
    u /= static_cast<unsigned>(base);
  } while (u > 0);
  return neg ? "-" + out : out;
}

std::string quoted(const std::string& s) {
  return encode_json(make_string(s));
}

std::string format_verb(const call_context& c, char verb, const node& v, int precision, bool plus) {
  switch (verb) {
    case 'v':
      return v.type == node::kind::list || v.type == node::kind::object ? encode_json(v) : c.str(v, 0);
    case 's': return c.str(v, 0);
    case 'q': return quoted(c.str(v, 0));
    case 't': return to_bool(v, c.pos, c.name + "() %t") ? "true" : "false";
    case 'd': {
      auto n = c.integer(v, 0);
      return (plus && n >= 0 ? "+" : "") + std::to_string(n);
    }
    case 'b': return in_base(c.integer(v, 0), 2, false);
    case 'o': return in_base(c.integer(v, 0), 8, false);
    case 'x': return v.type == node::kind::string ? [&] {
        std::string out;
        for (unsigned char ch : v.text) out += in_base(ch, 16, false).insert(0, ch < 16 ? "0" : "");
        return out; }() : in_base(c.integer(v, 0), 16, false);
    case 'X': return in_base(c.integer(v, 0), 16, true);
    case 'f':
    case 'e':
    case 'g': {
      char fmt[16];
      std::snprintf(fmt, sizeof fmt, "%%%s.%d%c", plus ? "+" : "", precision < 0 ? 6 : precision, verb);
      if (verb == 'g' && precision < 0)
        return format_number(c.num(v, 0));
      char buf[512];
      std::snprintf(buf, sizeof buf, fmt, c.num(v, 0));
      return buf;
    }
    default: c.fail(std::string("unsupported verb %") + verb);
  }
}

node fn_format(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"format", pos};
  c.arity(a, 1, SIZE_MAX);
  std::string f = c.str(a[0], 0), out;
  std::size_t next = 1;
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%') {
      out += f[i];
      continue;
    }
    if (++i < f.size() && f[i] == '%') {
      out += '%';
      continue;
    }
    bool left = false, plus = false;
    char fill = ' ';
    for (; i < f.size() && (f[i] == '-' || f[i] == '+' || f[i] == '0' || f[i] == ' '); ++i) {
      left = left || f[i] == '-';
      plus = plus || f[i] == '+';
      if (f[i] == '0') fill = '0';
    }
    int width = 0, precision = -1;
    for (; i < f.size() && std::isdigit(static_cast<unsigned char>(f[i])); ++i)
      width = std::min(width * 10 + (f[i] - '0'), 4096);
    if (i < f.size() && f[i] == '.')
      for (precision = 0, ++i; i < f.size() && std::isdigit(static_cast<unsigned char>(f[i])); ++i)
        precision = std::min(precision * 10 + (f[i] - '0'), 100);
    if (i >= f.size())
      c.fail("the format ends inside a verb");
    if (next >= a.size())
      c.fail("not enough arguments for the format");
    std::string s = format_verb(c, f[i], a[next++], precision, plus);
    if (f[i] == 's' && precision >= 0 && static_cast<int>(s.size()) > precision)
      s.resize(static_cast<std::size_t>(precision));
    out += pad(std::move(s), width, left, left ? ' ' : fill);
  }
  if (next < a.size())
    c.fail("too many arguments for the format (" + std::to_string(a.size() - next) + " left over)");
  return make_string(std::move(out), pos);
}

node fn_formatlist(args_t& a, const position& pos, const hcl2_inputs& in) {
  call_context c{"formatlist", pos};
  c.arity(a, 1, SIZE_MAX);
  std::size_t n = SIZE_MAX;
  for (std::size_t i = 1; i < a.size(); ++i)
    if (a[i].type == node::kind::list) {
      if (n != SIZE_MAX && n != a[i].items.size())
        c.fail("list arguments differ in length");
      n = a[i].items.size();
    }
  if (n == SIZE_MAX)
    n = 1;
  std::vector<node> out;
  for (std::size_t k = 0; k < n; ++k) {
    args_t row{a[0]};
    for (std::size_t i = 1; i < a.size(); ++i)
      row.push_back(a[i].type == node::kind::list ? a[i].items[k] : a[i]);
    out.push_back(fn_format(row, pos, in));
  }
  return make_list(std::move(out), pos);
}

// ---- strings -------------------------------------------------------------------

node string_fn(const std::string& name, args_t& a, const position& pos,
               const std::function<std::string(const std::string&)>& f) {
  call_context c{name, pos};
  c.arity(a, 1, 1);
  return make_string(f(c.str(a[0], 0)), pos);
}

std::string trim_set(const std::string& s, const std::string& set) {
  auto b = s.find_first_not_of(set);
  if (b == std::string::npos)
    return {};
  return s.substr(b, s.find_last_not_of(set) - b + 1);
}

node fn_split(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"split", pos};
  c.arity(a, 2, 2);
  std::string sep = c.str(a[0], 0), s = c.str(a[1], 1);
  std::vector<node> out;
  if (sep.empty()) {
    for (char ch : s)
      out.push_back(make_string(std::string(1, ch), pos));
    return make_list(std::move(out), pos);
  }
  for (std::size_t start = 0;;) {
    auto at = s.find(sep, start);
    out.push_back(make_string(s.substr(start, at == std::string::npos ? std::string::npos : at - start), pos));
    if (at == std::string::npos)
      break;
    start = at + sep.size();
  }
  return make_list(std::move(out), pos);
}

node fn_join(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"join", pos};
  c.arity(a, 2, SIZE_MAX);
  std::string sep = c.str(a[0], 0), out;
  bool first = true;
  for (std::size_t i = 1; i < a.size(); ++i)
    for (const auto& item : c.list(a[i], static_cast<int>(i)).items) {
      out += (first ? "" : sep) + c.str(item, static_cast<int>(i));
      first = false;
      if (out.size() > max_string)
        c.fail("the result is too long");
    }
  return make_string(std::move(out), pos);
}

node fn_replace(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"replace", pos};
  c.arity(a, 3, 3);
  std::string s = c.str(a[0], 0), from = c.str(a[1], 1), to = c.str(a[2], 2);
  if (from.size() > 1 && from.front() == '/' && from.back() == '/')
    c.fail("regular expressions (\"/.../\") are not supported; give the text to replace");
  if (from.empty())
    return make_string(s, pos);
  std::string out;
  for (std::size_t start = 0;;) {
    auto at = s.find(from, start);
    if (at == std::string::npos) {
      out += s.substr(start);
      break;
    }
    out += s.substr(start, at - start) + to;
    if (out.size() > max_string)
      c.fail("the result is too long");
    start = at + from.size();
  }
  return make_string(std::move(out), pos);
}

node fn_substr(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"substr", pos};
  c.arity(a, 3, 3);
  std::string s = c.str(a[0], 0);
  long long off = c.integer(a[1], 1), len = c.integer(a[2], 2);
  long long size = static_cast<long long>(s.size());
  if (off < 0)
    off = std::max(0LL, size + off);
  if (off > size)
    c.fail("offset " + std::to_string(off) + " is beyond the string's length");
  if (len < 0 || off + len > size)
    len = size - off;
  return make_string(s.substr(static_cast<std::size_t>(off), static_cast<std::size_t>(len)), pos);
}

node fn_indent(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"indent", pos};
  c.arity(a, 2, 2);
  long long n = c.integer(a[0], 0);
  if (n < 0 || n > 1024)
    c.fail("the indentation must be between 0 and 1024");
  std::string s = c.str(a[1], 1), out;
  for (char ch : s) {
    out += ch;
    if (ch == '\n')
      out += std::string(static_cast<std::size_t>(n), ' ');
  }
  return make_string(std::move(out), pos);
}

// ---- collections -----------------------------------------------------------------

node fn_length(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"length", pos};
  c.arity(a, 1, 1);
  const node& v = a[0];
  if (v.type == node::kind::list) return make_number(static_cast<double>(v.items.size()), pos);
  if (v.type == node::kind::object) return make_number(static_cast<double>(v.fields.size()), pos);
  if (v.type == node::kind::string) {
    std::size_t n = 0; // characters, not bytes
    for (unsigned char ch : v.text)
      n += (ch & 0xC0) != 0x80;
    return make_number(static_cast<double>(n), pos);
  }
  c.fail("needs a list, a map or a string, got " + type_name(v));
}

node fn_concat(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"concat", pos};
  std::vector<node> out;
  for (std::size_t i = 0; i < a.size(); ++i)
    for (const auto& item : c.list(a[i], static_cast<int>(i)).items)
      out.push_back(item);
  return make_list(std::move(out), pos);
}

node fn_merge(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"merge", pos};
  std::vector<std::pair<std::string, node>> out;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].type == node::kind::null)
      continue;
    for (const auto& field : c.object(a[i], static_cast<int>(i)).fields) {
      auto it = std::find_if(out.begin(), out.end(), [&](const auto& f) { return f.first == field.first; });
      if (it != out.end())
        it->second = field.second;
      else
        out.push_back(field);
    }
  }
  return make_object(std::move(out), pos);
}

node fn_lookup(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"lookup", pos};
  c.arity(a, 2, 3);
  std::string key = c.str(a[1], 1);
  if (const node* v = member(c.object(a[0], 0), key))
    return *v;
  if (a.size() == 3)
    return a[2];
  c.fail("no key " + quote_value(key) + " and no default");
}

node fn_element(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"element", pos};
  c.arity(a, 2, 2);
  const node& l = c.list(a[0], 0);
  if (l.items.empty())
    c.fail("cannot take an element of an empty list");
  long long i = c.integer(a[1], 1);
  if (i < 0)
    c.fail("the index must not be negative");
  return l.items[static_cast<std::size_t>(i) % l.items.size()];
}

node fn_contains(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"contains", pos};
  c.arity(a, 2, 2);
  for (const auto& item : c.list(a[0], 0).items)
    if (equal(item, a[1]))
      return make_bool(true, pos);
  return make_bool(false, pos);
}

node fn_keys_values(const std::string& name, args_t& a, const position& pos) {
  call_context c{name, pos};
  c.arity(a, 1, 1);
  auto fields = c.object(a[0], 0).fields;
  std::sort(fields.begin(), fields.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<node> out;
  for (auto& [k, v] : fields)
    out.push_back(name == "keys" ? make_string(k, pos) : v);
  return make_list(std::move(out), pos);
}

node fn_coalesce(args_t& a, const position& pos, const hcl2_inputs&) {
  for (const auto& v : a)
    if (v.type != node::kind::null && !(v.type == node::kind::string && v.text.empty()))
      return v;
  throw failure{pos, "coalesce(): no argument is neither null nor an empty string"};
}

node fn_coalescelist(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"coalescelist", pos};
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!c.list(a[i], static_cast<int>(i)).items.empty())
      return a[i];
  return make_list({}, pos);
}

node fn_range(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"range", pos};
  c.arity(a, 1, 3);
  double start = 0, limit = 0, step = 1;
  if (a.size() == 1) {
    limit = c.num(a[0], 0);
  } else {
    start = c.num(a[0], 0);
    limit = c.num(a[1], 1);
    step = a.size() == 3 ? c.num(a[2], 2) : (limit < start ? -1 : 1);
  }
  if (step == 0)
    c.fail("the step must not be 0");
  if ((step > 0 && limit < start) || (step < 0 && limit > start))
    c.fail("the step goes away from the limit");
  std::vector<node> out;
  for (double v = start; step > 0 ? v < limit : v > limit; v += step) {
    if (out.size() >= 1024)
      c.fail("more than 1024 elements");
    out.push_back(make_number(v, pos));
  }
  return make_list(std::move(out), pos);
}

node fn_distinct(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"distinct", pos};
  c.arity(a, 1, 1);
  std::vector<node> out;
  for (const auto& item : c.list(a[0], 0).items)
    if (std::none_of(out.begin(), out.end(), [&](const node& o) { return equal(o, item); }))
      out.push_back(item);
  return make_list(std::move(out), pos);
}

void flatten_into(const node& v, std::vector<node>& out, int depth, const call_context& c) {
  if (depth > 64)
    c.fail("lists nested too deeply");
  for (const auto& item : v.items) {
    if (item.type == node::kind::list)
      flatten_into(item, out, depth + 1, c);
    else
      out.push_back(item);
  }
}

node fn_flatten(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"flatten", pos};
  c.arity(a, 1, 1);
  std::vector<node> out;
  flatten_into(c.list(a[0], 0), out, 0, c);
  return make_list(std::move(out), pos);
}

node fn_slice(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"slice", pos};
  c.arity(a, 3, 3);
  const auto& items = c.list(a[0], 0).items;
  long long from = c.integer(a[1], 1), to = c.integer(a[2], 2);
  if (from < 0 || to < from || to > static_cast<long long>(items.size()))
    c.fail("indexes " + std::to_string(from) + ".." + std::to_string(to) +
           " are out of range for a list of " + std::to_string(items.size()));
  return make_list(std::vector<node>(items.begin() + from, items.begin() + to), pos);
}

node fn_index(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"index", pos};
  c.arity(a, 2, 2);
  const auto& items = c.list(a[0], 0).items;
  for (std::size_t i = 0; i < items.size(); ++i)
    if (equal(items[i], a[1]))
      return make_number(static_cast<double>(i), pos);
  c.fail("the value is not in the list");
}

node fn_zipmap(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"zipmap", pos};
  c.arity(a, 2, 2);
  const auto& keys = c.list(a[0], 0).items;
  const auto& values = c.list(a[1], 1).items;
  if (keys.size() != values.size())
    c.fail("the lists differ in length");
  std::vector<std::pair<std::string, node>> out;
  for (std::size_t i = 0; i < keys.size(); ++i)
    out.emplace_back(c.str(keys[i], 0), values[i]);
  return make_object(std::move(out), pos);
}

node fn_sort(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"sort", pos};
  c.arity(a, 1, 1);
  std::vector<std::string> s;
  for (const auto& item : c.list(a[0], 0).items)
    s.push_back(c.str(item, 0));
  std::sort(s.begin(), s.end());
  std::vector<node> out;
  for (auto& x : s)
    out.push_back(make_string(std::move(x), pos));
  return make_list(std::move(out), pos);
}

node fn_chunklist(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"chunklist", pos};
  c.arity(a, 2, 2);
  const auto& items = c.list(a[0], 0).items;
  long long size = c.integer(a[1], 1);
  if (size < 0)
    c.fail("the size must not be negative");
  std::vector<node> out;
  if (size == 0)
    return make_list({a[0]}, pos);
  for (std::size_t i = 0; i < items.size(); i += static_cast<std::size_t>(size)) {
    auto end = std::min(items.size(), i + static_cast<std::size_t>(size));
    out.push_back(make_list(std::vector<node>(items.begin() + static_cast<long>(i), items.begin() + static_cast<long>(end)), pos));
  }
  return make_list(std::move(out), pos);
}

node fn_truth(const std::string& name, args_t& a, const position& pos) {
  call_context c{name, pos};
  c.arity(a, 1, 1);
  bool all = name == "alltrue";
  for (const auto& item : c.list(a[0], 0).items) {
    bool b = to_bool(item, pos, name + "() element");
    if (all && !b) return make_bool(false, pos);
    if (!all && b) return make_bool(true, pos);
  }
  return make_bool(all, pos);
}

// ---- numbers ----------------------------------------------------------------------

node fn_minmax(const std::string& name, args_t& a, const position& pos) {
  call_context c{name, pos};
  c.arity(a, 1, SIZE_MAX);
  double best = c.num(a[0], 0);
  for (std::size_t i = 1; i < a.size(); ++i) {
    double v = c.num(a[i], static_cast<int>(i));
    best = name == "min" ? std::min(best, v) : std::max(best, v);
  }
  return make_number(best, pos);
}

node fn_parseint(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"parseint", pos};
  c.arity(a, 2, 2);
  std::string s = c.str(a[0], 0);
  long long base = c.integer(a[1], 1);
  if (base < 2 || base > 62)
    c.fail("the base must be between 2 and 62");
  bool neg = !s.empty() && s[0] == '-';
  double v = 0;
  for (std::size_t i = neg || (!s.empty() && s[0] == '+') ? 1 : 0; i < s.size(); ++i) {
    char ch = s[i];
    int d = std::isdigit(static_cast<unsigned char>(ch)) ? ch - '0'
            : (ch >= 'a' && ch <= 'z') ? ch - 'a' + 10
            : (ch >= 'A' && ch <= 'Z') ? ch - 'A' + (base > 36 ? 36 : 10) : 99;
    if (d >= base)
      c.fail(quote_value(s) + " is not a number in base " + std::to_string(base));
    v = v * static_cast<double>(base) + d;
  }
  if (s.empty() || s == "-" || s == "+")
    c.fail(quote_value(s) + " is not a number");
  return make_number(neg ? -v : v, pos);
}

node fn_math1(const std::string& name, args_t& a, const position& pos, double (*f)(double)) {
  call_context c{name, pos};
  c.arity(a, 1, 1);
  return make_number(f(c.num(a[0], 0)), pos);
}

// ---- conversion and encoding ---------------------------------------------------------

node fn_tonumber(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"tonumber", pos};
  c.arity(a, 1, 1);
  if (a[0].type == node::kind::null)
    return a[0];
  return make_number(c.num(a[0], 0), pos);
}

node fn_tostring(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"tostring", pos};
  c.arity(a, 1, 1);
  if (a[0].type == node::kind::null)
    return a[0];
  return make_string(c.str(a[0], 0), pos);
}

node fn_tobool(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"tobool", pos};
  c.arity(a, 1, 1);
  if (a[0].type == node::kind::null)
    return a[0];
  return make_bool(to_bool(a[0], pos, "tobool()"), pos);
}

node fn_jsondecode(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"jsondecode", pos};
  c.arity(a, 1, 1);
  std::string text = c.str(a[0], 0);
  auto tree = parse_json(text, "jsondecode");
  if (!tree)
    c.fail(tree.error().message);
  return *tree;
}

const char* b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(const std::string& in) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    for (int k = 18; k >= 0; k -= 6)
      out += b64[(v >> k) & 63];
  }
  if (i < in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (i + 1 < in.size() ? (unsigned char)in[i + 1] << 8 : 0);
    out += b64[(v >> 18) & 63];
    out += b64[(v >> 12) & 63];
    out += i + 1 < in.size() ? b64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

node fn_base64decode(args_t& a, const position& pos, const hcl2_inputs&) {
  call_context c{"base64decode", pos};
  c.arity(a, 1, 1);
  std::string in = c.str(a[0], 0), out;
  unsigned acc = 0;
  int bits = 0;
  std::size_t i = 0;
  for (; i < in.size() && in[i] != '='; ++i) {
    const char* p = std::strchr(b64, in[i]);
    if (!p || in[i] == '\0')
      c.fail("the text is not base64");
    acc = (acc << 6) | static_cast<unsigned>(p - b64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  for (; i < in.size(); ++i)
    if (in[i] != '=')
      c.fail("the text is not base64");
  if (in.size() % 4 != 0)
    c.fail("the text is not base64 (its length is not a multiple of 4)");
  return make_string(std::move(out), pos);
}

node fn_file(args_t& a, const position& pos, const hcl2_inputs& in) {
  call_context c{"file", pos};
  c.arity(a, 1, 1);
  std::string path = c.str(a[0], 0);
  if (!in.read_file)
    c.fail("reading files is not available here (no job file to be relative to)");
  auto text = in.read_file(path);
  if (!text)
    c.fail(text.error().message);
  return make_string(std::move(*text), pos);
}

node fn_tolist(args_t& a, const position& pos, bool set) {
  call_context c{set ? "toset" : "tolist", pos};
  c.arity(a, 1, 1);
  if (!set)
    return c.list(a[0], 0);
  args_t one{a[0]};
  return fn_distinct(one, pos, {});
}

using library_map = std::map<std::string, fn>;

void add_string_functions(library_map& m) {
  auto str1 = [&m](const char* name, std::function<std::string(const std::string&)> f) {
    m[name] = [name, f](args_t& a, const position& p, const hcl2_inputs&) { return string_fn(name, a, p, f); };
  };
  str1("lower", [](const std::string& s) { std::string o = s; for (auto& ch : o) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch))); return o; });
  str1("upper", [](const std::string& s) { std::string o = s; for (auto& ch : o) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch))); return o; });
  str1("title", [](const std::string& s) {
    std::string o = s;
    bool start = true;
    for (auto& ch : o) {
      if (start) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      start = std::isspace(static_cast<unsigned char>(ch)) != 0;
    }
    return o; });
  str1("trimspace", [](const std::string& s) { return trim_set(s, " \t\n\r\v\f"); });
  str1("chomp", [](const std::string& s) { std::string o = s; while (!o.empty() && (o.back() == '\n' || o.back() == '\r')) o.pop_back(); return o; });
  str1("strrev", [](const std::string& s) { return std::string(s.rbegin(), s.rend()); });
  str1("base64encode", base64_encode);
  m["format"] = fn_format;
  m["formatlist"] = fn_formatlist;
  m["split"] = fn_split;
  m["join"] = fn_join;
  m["replace"] = fn_replace;
  m["substr"] = fn_substr;
  m["indent"] = fn_indent;
  m["trim"] = [](args_t& a, const position& p, const hcl2_inputs&) {
    call_context c{"trim", p}; c.arity(a, 2, 2);
    return make_string(trim_set(c.str(a[0], 0), c.str(a[1], 1)), p); };
  for (const char* name : {"trimprefix", "trimsuffix", "startswith", "endswith"})
    m[name] = [name](args_t& a, const position& p, const hcl2_inputs&) {
      call_context c{name, p}; c.arity(a, 2, 2);
      std::string s = c.str(a[0], 0), x = c.str(a[1], 1);
      bool prefix = name[0] == 't' ? name[4] == 'p' : name[0] == 's';
      bool has = s.size() >= x.size() && (prefix ? s.compare(0, x.size(), x) == 0
                                                 : s.compare(s.size() - x.size(), x.size(), x) == 0);
      if (name[0] == 's' || name[0] == 'e') return make_bool(has, p);
      if (!has) return make_string(s, p);
      return make_string(prefix ? s.substr(x.size()) : s.substr(0, s.size() - x.size()), p); };
}

void add_collection_functions(library_map& m) {
  m["length"] = fn_length;
  m["concat"] = fn_concat;
  m["merge"] = fn_merge;
  m["lookup"] = fn_lookup;
  m["element"] = fn_element;
  m["contains"] = fn_contains;
  m["keys"] = [](args_t& a, const position& p, const hcl2_inputs&) { return fn_keys_values("keys", a, p); };
  m["values"] = [](args_t& a, const position& p, const hcl2_inputs&) { return fn_keys_values("values", a, p); };
  m["coalesce"] = fn_coalesce;
  m["coalescelist"] = fn_coalescelist;
  m["range"] = fn_range;
  m["distinct"] = fn_distinct;
  m["flatten"] = fn_flatten;
  m["reverse"] = [](args_t& a, const position& p, const hcl2_inputs&) {
    call_context c{"reverse", p}; c.arity(a, 1, 1);
    auto items = c.list(a[0], 0).items; std::reverse(items.begin(), items.end());
    return make_list(std::move(items), p); };
  m["slice"] = fn_slice;
  m["index"] = fn_index;
  m["compact"] = [](args_t& a, const position& p, const hcl2_inputs&) {
    call_context c{"compact", p}; c.arity(a, 1, 1);
    std::vector<node> out;
    for (const auto& item : c.list(a[0], 0).items)
      if (item.type != node::kind::null && !(item.type == node::kind::string && item.text.empty()))
        out.push_back(item);
    return make_list(std::move(out), p); };
  m["zipmap"] = fn_zipmap;
  m["sort"] = fn_sort;
  m["chunklist"] = fn_chunklist;
  m["one"] = [](args_t& a, const position& p, const hcl2_inputs&) {
    call_context c{"one", p}; c.arity(a, 1, 1);
    const auto& items = c.list(a[0], 0).items;
    if (items.size() > 1) c.fail("the list has more than one element");
    return items.empty() ? make_null(p) : items[0]; };
}

void add_number_functions(library_map& m) {
  m["alltrue"] = [](args_t& a, const position& p, const hcl2_inputs&) { return fn_truth("alltrue", a, p); };
  m["anytrue"] = [](args_t& a, const position& p, const hcl2_inputs&) { return fn_truth("anytrue", a, p); };
  m["sum"] = [](args_t& a, const position& p, const hcl2_inputs&) {
    call_context c{"sum", p}; c.arity(a, 1, 1);
    double s = 0;
    for (const auto& item : c.list(a[0], 0).items) s += c.num(item, 0);
    return make_number(s, p); };
  m["min"] = [](args_t& a, const position& p, const hcl2_inputs&) { return fn_minmax("min", a, p); };
  m["max"] = [](args_t& a, const position& p, const hcl2_inputs&) { return fn_minmax("max", a, p); };
  m["abs"] = [](args_t& a, const position& p, const hcl2_inputs&) { return fn_math1("abs", a, p, [](double d) { return std::fabs(d); }); };
  m["ceil"] = [](args_t& a, const position& p, const hcl2_inputs&) { return fn_math1("ceil", a, p, [](double d) { return std::ceil(d); }); };
  m["floor"] = [](args_t& a, const position& p, const hcl2_inputs&) { return fn_math1("floor", a, p, [](double d) { return std::floor(d); }); };
  m["signum"] = [](args_t& a, const position& p, const hcl2_inputs&) { return fn_math1("signum", a, p, [](double d) { return d > 0 ? 1.0 : d < 0 ? -1.0 : 0.0; }); };
  m["pow"] = [](args_t& a, const position& p, const hcl2_inputs&) {
    call_context c{"pow", p}; c.arity(a, 2, 2);
    return make_number(std::pow(c.num(a[0], 0), c.num(a[1], 1)), p); };
  m["parseint"] = fn_parseint;
}

void add_conversion_functions(library_map& m) {
  m["tonumber"] = fn_tonumber;
  m["tostring"] = fn_tostring;
  m["tobool"] = fn_tobool;
  m["tolist"] = [](args_t& a, const position& p, const hcl2_inputs&) { return fn_tolist(a, p, false); };
  m["toset"] = [](args_t& a, const position& p, const hcl2_inputs&) { return fn_tolist(a, p, true); };
  m["tomap"] = [](args_t& a, const position& p, const hcl2_inputs&) {
    call_context c{"tomap", p}; c.arity(a, 1, 1); return c.object(a[0], 0); };
  m["jsonencode"] = [](args_t& a, const position& p, const hcl2_inputs&) {
    call_context c{"jsonencode", p}; c.arity(a, 1, 1); return make_string(encode_json(a[0]), p); };
  m["jsondecode"] = fn_jsondecode;
  m["base64decode"] = fn_base64decode;
  m["file"] = fn_file;
}

const library_map& library() {
  static const library_map lib = [] {
    library_map m;
    add_string_functions(m);
    add_collection_functions(m);
    add_number_functions(m);
    add_conversion_functions(m);
    return m;
  }();
  return lib;
}

} // namespace

std::string encode_json(const node& v) {
  switch (v.type) {
    case node::kind::null: return "null";
    case node::kind::boolean: return v.boolean ? "true" : "false";
    case node::kind::number: return format_number(v.number);
    case node::kind::string: {
      std::string out;
      json_escape(out, v.text);
      return out;
    }
    case node::kind::list: {
      std::string out = "[";
      for (std::size_t i = 0; i < v.items.size(); ++i)
        out += (i ? "," : "") + encode_json(v.items[i]);
      return out + "]";
    }
    case node::kind::object: {
      auto fields = v.fields; // cty objects encode with sorted keys
      std::sort(fields.begin(), fields.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
      std::string out = "{";
      for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i)
          out += ",";
        json_escape(out, fields[i].first);
        out += ":" + encode_json(fields[i].second);
      }
      return out + "}";
    }
  }
  return "null";
}

node call_function(const std::string& name, std::vector<node>& args, const position& pos,
                   const hcl2_inputs& inputs) {
  const auto& lib = library();
  auto it = lib.find(name);
  if (it == lib.end())
    throw failure{pos, "unknown function \"" + name + "\" (the README lists the functions job files may call)"};
  return it->second(args, pos, inputs);
}

} // namespace hcl2

const std::vector<std::string>& hcl2_function_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out{"can", "try"};
    for (const auto& [name, f] : hcl2::library())
      out.push_back(name);
    std::sort(out.begin(), out.end());
    return out;
  }();
  return names;
}

} // namespace stevedore::policy
