#include "policy/decode.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>

#include "policy/duration.hpp"
#include "policy/ranges.hpp"

namespace stevedore::policy {

// ---- problems ---------------------------------------------------------------

std::string decode_context::location(const position& pos) const {
  if (file_.empty() && pos.line <= 0)
    return {};
  return where(file_, pos);
}

void decode_context::problem(std::string_view path, const position& pos, std::string why) {
  std::string loc = location(pos);
  std::string message = loc.empty() ? std::move(why) : loc + ": " + why;
  // A path names a user's labels (a job or task name of any bytes): printed
  // as it is, so escaped and cut like the values in the message.
  // Each gets under half a line, so that "path: message" stays one line
  // (the cut's own "... (N more bytes)" included).
  constexpr std::size_t half = max_line_bytes / 2 - 40;
  problems_.emplace_back(pos, make_error(errc::invalid_input, printable(path, half),
                                         printable(message, half)));
}

void decode_context::warning(std::string_view path, const position& pos, std::string why) {
  std::string line = location(pos);
  if (!path.empty())
    line += (line.empty() ? "" : ": ") + std::string(path);
  line += (line.empty() ? "" : ": ") + why;
  // Printed as they are: values in them are escaped and the line is cut.
  warnings_.emplace_back(pos, printable(line));
}

void decode_context::add(error_info e, const position& pos) {
  problems_.emplace_back(pos, std::move(e));
}

namespace {
template <class T>
std::vector<T> in_source_order(std::vector<std::pair<position, T>>& entries) {
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return std::pair(a.first.line, a.first.column) < std::pair(b.first.line, b.first.column);
  });
  std::vector<T> out;
  for (auto& e : entries)
    out.push_back(std::move(e.second));
  entries.clear();
  return out;
}
} // namespace

std::vector<error_info> decode_context::take_problems() {
  return in_source_order(problems_);
}

std::vector<std::string> decode_context::take_warnings() {
  return in_source_order(warnings_);
}

namespace {

// to_string(e) before it is made printable (format_problem does that once).
std::string plain_line(const error_info& e) {
  if (e.what.empty())
    return e.message;
  return e.what + ": " + (e.message.empty() ? std::string(to_string(e.kind)) : e.message);
}

std::string format_problem_raw(const error_info& e, std::string_view file_name) {
  if (file_name.empty())
    return plain_line(e);
  std::string_view msg = e.message;
  std::string prefix = std::string(file_name) + ":";
  if (msg.substr(0, prefix.size()) == prefix && msg.size() > prefix.size()) {
    char next = msg[prefix.size()];
    if (next >= '0' && next <= '9') {
      auto end = msg.find(": ", prefix.size());
      if (end != std::string_view::npos) {
        std::string out(msg.substr(0, end));
        if (!e.what.empty())
          out += ": " + e.what;
        out += ": ";
        out.append(msg.substr(end + 2));
        return out;
      }
    } else if (next == ' ') {
      std::string out(file_name);
      if (!e.what.empty())
        out += ": " + e.what;
      out += ":";
      out.append(msg.substr(prefix.size()));
      return out;
    }
  }
  return std::string(file_name) + ": " + plain_line(e);
}

} // namespace

std::string format_problem(const error_info& e, std::string_view file_name) {
  // Every line goes to a terminal: values in it escaped, and cut.
  return printable(format_problem_raw(e, file_name));
}

// ---- paths ------------------------------------------------------------------

namespace {

bool plain_identifier(std::string_view key) {
  if (key.empty())
    return false;
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok)
      return false;
  }
  return true;
}

// Escaped ('"', '\\' and control characters) and cut: a key is part of the
// path printed with every problem.
std::string quote(std::string_view s) {
  return quote_value(s);
}

std::string at_text(const position& pos) {
  if (pos.line <= 0)
    return {};
  return " (first at " + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ")";
}

} // namespace

std::string field_path(std::string_view parent, std::string_view key) {
  std::string out(parent);
  if (plain_identifier(key)) {
    if (!out.empty())
      out += '.';
    out.append(key);
  } else {
    out += '[';
    out += quote(key);
    out += ']';
  }
  return out;
}

std::string item_path(std::string_view parent, std::size_t i) {
  return std::string(parent) + "[" + std::to_string(i) + "]";
}

const char* describe_value(const node& n) {
  switch (n.type) {
    case node::kind::null: return "null";
    case node::kind::boolean: return "a bool";
    case node::kind::number: return "a number";
    case node::kind::string: return "a string";
    case node::kind::list: return "a list";
    case node::kind::object: return n.block ? "a block" : "a map";
  }
  return "a value";
}

bool is_empty_value(const node& n) {
  switch (n.type) {
    case node::kind::null: return true;
    case node::kind::boolean: return !n.boolean;
    case node::kind::number: return n.number == 0;
    case node::kind::string: return n.text.empty();
    case node::kind::list: return n.items.empty();
    case node::kind::object: return n.fields.empty();
  }
  return false;
}

// ---- conversions ------------------------------------------------------------

namespace {

// Go's strconv.ParseInt(s, 0, 64), as HCL1 reads integer literals and
// mapstructure reads integers written as strings: sign, then 0x / 0o / 0b /
// leading-0 octal or decimal, "_" between digits allowed only with a prefix.
std::optional<std::int64_t> parse_go_int(std::string_view s) {
  if (s.empty())
    return std::nullopt;
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 1 && s[0] == '0') {
    char p = char(s[1] | 0x20);
    if (p == 'x') {
      base = 16;
      s.remove_prefix(2);
    } else if (p == 'o') {
      base = 8;
      s.remove_prefix(2);
    } else if (p == 'b') {
      base = 2;
      s.remove_prefix(2);
    } else {
      base = 8;
      s.remove_prefix(1);
    }
  }
  if (s.empty())
    return std::nullopt;
  unsigned long long value = 0;
  const unsigned long long cap =
    negative ? 1ull << 63 : static_cast<unsigned long long>(std::numeric_limits<std::int64_t>::max());
  for (char c : s) {
    int digit;
    if (c >= '0' && c <= '9')
      digit = c - '0';
    else if (c >= 'a' && c <= 'f')
      digit = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      digit = c - 'A' + 10;
    else
      return std::nullopt;
    if (digit >= base)
      return std::nullopt;
    if (value > (cap - unsigned(digit)) / unsigned(base))
      return std::nullopt;
    value = value * unsigned(base) + unsigned(digit);
  }
  if (negative)
    return value == (1ull << 63) ? std::numeric_limits<std::int64_t>::min()
                                 : -static_cast<std::int64_t>(value);
  return static_cast<std::int64_t>(value);
}

bool looks_fractional(std::string_view s) {
  if (s.substr(0, 2) == "0x" || s.substr(0, 2) == "0X")
    return false;
  return s.find_first_of(".eE") != std::string_view::npos;
}

} // namespace

std::optional<std::string> to_string_value(decode_context& ctx, const node& n,
                                           std::string_view path) {
  if (n.type == node::kind::string)
    return n.text;
  if (n.type == node::kind::number) {
    if (!n.text.empty())
      return n.text;
    double whole;
    if (std::modf(n.number, &whole) == 0 && std::fabs(n.number) < 1e15)
      return std::to_string(static_cast<long long>(n.number));
    return std::to_string(n.number);
  }
  ctx.problem(path, n.pos, std::string("expected a string, got ") + describe_value(n));
  return std::nullopt;
}

std::optional<bool> to_bool(decode_context& ctx, const node& n, std::string_view path) {
  if (n.type == node::kind::boolean)
    return n.boolean;
  if (n.type == node::kind::string) {
    static const std::string_view yes[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const std::string_view no[] = {"0", "f", "F", "FALSE", "false", "False"};
    for (auto y : yes)
      if (n.text == y)
        return true;
    for (auto x : no)
      if (n.text == x)
        return false;
    ctx.problem(path, n.pos, "expected a bool, got " + quote(n.text));
    return std::nullopt;
  }
  ctx.problem(path, n.pos, std::string("expected a bool, got ") + describe_value(n));
  return std::nullopt;
}

std::optional<std::int64_t> to_int(decode_context& ctx, const node& n, std::string_view path) {
  if (n.type == node::kind::number) {
    if (!n.text.empty() && !looks_fractional(n.text)) {
      if (auto v = parse_go_int(n.text))
        return v;
      ctx.problem(path, n.pos, "integer " + n.text + " is out of range");
      return std::nullopt;
    }
    double whole;
    if (std::modf(n.number, &whole) != 0) {
      ctx.problem(path, n.pos,
                  "expected an integer, got " + (n.text.empty() ? std::to_string(n.number) : n.text));
      return std::nullopt;
    }
    if (n.number >= 9.2233720368547758e18 || n.number < -9.2233720368547758e18) {
      ctx.problem(path, n.pos, "integer " + n.text + " is out of range");
      return std::nullopt;
    }
    return static_cast<std::int64_t>(n.number);
  }
  if (n.type == node::kind::string) {
    if (auto v = parse_go_int(n.text))
      return v;
    ctx.problem(path, n.pos, "expected an integer, got " + quote(n.text));
    return std::nullopt;
  }
  ctx.problem(path, n.pos, std::string("expected an integer, got ") + describe_value(n));
  return std::nullopt;
}

std::optional<std::vector<std::string>> to_string_list(decode_context& ctx, const node& n,
                                                       std::string_view path) {
  if (n.type != node::kind::list) {
    ctx.problem(path, n.pos, std::string("expected a list of strings, got ") + describe_value(n));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    auto v = to_string_value(ctx, n.items[i], item_path(path, i));
    if (v)
      out.push_back(std::move(*v));
    else
      ok = false;
  }
  if (!ok)
    return std::nullopt;
  return out;
}

namespace {

// Adds the members of map value n to out; `seen` remembers where each key was
// set so that a key given twice (in one block or across repeated blocks) is
// reported with both places. False when anything was wrong.
bool collect_map(decode_context& ctx, const node& n, std::string_view path, string_map& out,
                 std::map<std::string, position>& seen) {
  bool ok = true;
  for (const node* obj : to_objects(ctx, n, path)) {
    for (const auto& [key, value] : obj->fields) {
      std::string key_path = field_path(path, key);
      if (value.type == node::kind::null)
        continue;
      auto v = to_string_value(ctx, value, key_path);
      if (!v) {
        ok = false;
        continue;
      }
      auto [it, fresh] = seen.emplace(key, value.pos);
      if (!fresh) {
        ctx.problem(key_path, value.pos, "set more than once" + at_text(it->second));
        ok = false;
        continue;
      }
      out[key] = std::move(*v);
    }
  }
  return ok;
}

} // namespace

std::optional<string_map> to_string_map(decode_context& ctx, const node& n,
                                        std::string_view path) {
  string_map out;
  std::map<std::string, position> seen;
  if (n.type != node::kind::object && n.type != node::kind::list) {
    ctx.problem(path, n.pos, std::string("expected a map, got ") + describe_value(n));
    return std::nullopt;
  }
  if (!collect_map(ctx, n, path, out, seen))
    return std::nullopt;
  return out;
}

std::optional<std::int64_t> to_duration_ms(decode_context& ctx, const node& n,
                                           std::string_view path, bool allow_negative) {
  if (n.type != node::kind::string) {
    ctx.problem(path, n.pos,
                std::string("expected a duration such as \"30s\" or \"1h30m\", got ") + describe_value(n));
    return std::nullopt;
  }
  auto d = allow_negative ? parse_duration(n.text) : parse_nonnegative_duration(n.text);
  if (!d) {
    ctx.problem(path, n.pos, d.error().message);
    return std::nullopt;
  }
  auto ms = nanos_to_millis(*d);
  if (!duration_in_range(ctx, path, n.pos, ms))
    return std::nullopt;
  return ms;
}

bool duration_in_range(decode_context& ctx, std::string_view path, const position& pos,
                       std::int64_t ms) {
  if (ms <= ranges::max_duration_ms && ms >= -ranges::max_duration_ms)
    return true;
  ctx.problem(path, pos,
              "must be at most " + format_millis(ranges::max_duration_ms) + " (ten years), got " +
                format_millis(ms));
  return false;
}

namespace {
void collect_objects(decode_context& ctx, const node& n, std::string_view path,
                     std::vector<const node*>& out) {
  switch (n.type) {
    case node::kind::object:
      out.push_back(&n);
      return;
    case node::kind::null:
      return;
    case node::kind::list:
      for (std::size_t i = 0; i < n.items.size(); ++i) {
        const node& item = n.items[i];
        if (item.type == node::kind::object || item.type == node::kind::list ||
            item.type == node::kind::null)
          collect_objects(ctx, item, item_path(path, i), out);
        else
          ctx.problem(item_path(path, i), item.pos,
                      std::string("expected a block, got ") + describe_value(item));
      }
      return;
    default:
      ctx.problem(path, n.pos, std::string("expected a block, got ") + describe_value(n));
  }
}
} // namespace

std::vector<const node*> to_objects(decode_context& ctx, const node& n, std::string_view path) {
  std::vector<const node*> out;
  collect_objects(ctx, n, path, out);
  return out;
}

// ---- object_reader ----------------------------------------------------------

object_reader::object_reader(decode_context& ctx, const node& obj, std::string path)
  : ctx_(ctx), obj_(obj), path_(std::move(path)), used_(obj.fields.size(), false) {
}

bool object_reader::has(std::string_view key) const {
  for (const auto& [k, v] : obj_.fields)
    if (k == key && v.type != node::kind::null)
      return true;
  return false;
}

const node* object_reader::one(std::string_view key) {
  const node* first = nullptr;
  for (std::size_t i = 0; i < obj_.fields.size(); ++i) {
    const auto& [k, v] = obj_.fields[i];
    if (k != key)
      continue;
    used_[i] = true;
    if (v.type == node::kind::null)
      continue;
    if (first == nullptr)
      first = &v;
    else
      ctx_.problem(path_of(key), v.pos, "set more than once" + at_text(first->pos));
  }
  return first;
}

std::vector<const node*> object_reader::all(std::string_view key) {
  std::vector<const node*> out;
  for (std::size_t i = 0; i < obj_.fields.size(); ++i) {
    const auto& [k, v] = obj_.fields[i];
    if (k != key)
      continue;
    used_[i] = true;
    if (v.type != node::kind::null)
      out.push_back(&v);
  }
  return out;
}

bool object_reader::get(std::string_view key, std::string& out) {
  const node* n = one(key);
  if (!n)
    return false;
  auto v = to_string_value(ctx_, *n, path_of(key));
  if (v)
    out = std::move(*v);
  return v.has_value();
}

bool object_reader::get(std::string_view key, bool& out) {
  const node* n = one(key);
  if (!n)
    return false;
  auto v = to_bool(ctx_, *n, path_of(key));
  if (v)
    out = *v;
  return v.has_value();
}

bool object_reader::get(std::string_view key, std::int64_t& out) {
  const node* n = one(key);
  if (!n)
    return false;
  auto v = to_int(ctx_, *n, path_of(key));
  if (v)
    out = *v;
  return v.has_value();
}

bool object_reader::get(std::string_view key, std::vector<std::string>& out) {
  const node* n = one(key);
  if (!n)
    return false;
  auto v = to_string_list(ctx_, *n, path_of(key));
  if (v)
    out = std::move(*v);
  return v.has_value();
}

bool object_reader::get(std::string_view key, string_map& out) {
  auto values = all(key);
  if (values.empty())
    return false;
  std::string key_path = path_of(key);
  std::map<std::string, position> seen;
  bool ok = true;
  for (const node* n : values) {
    if (n->type != node::kind::object && n->type != node::kind::list) {
      ctx_.problem(key_path, n->pos, std::string("expected a map, got ") + describe_value(*n));
      ok = false;
      continue;
    }
    ok = collect_map(ctx_, *n, key_path, out, seen) && ok;
  }
  return ok;
}

bool object_reader::get_duration_ms(std::string_view key, std::int64_t& out,
                                    bool allow_negative) {
  const node* n = one(key);
  if (!n)
    return false;
  auto v = to_duration_ms(ctx_, *n, path_of(key), allow_negative);
  if (v)
    out = *v;
  return v.has_value();
}

std::vector<const node*> object_reader::blocks(std::string_view key) {
  std::vector<const node*> out;
  std::string key_path = path_of(key);
  for (const node* n : all(key))
    collect_objects(ctx_, *n, key_path, out);
  return out;
}

const node* object_reader::block(std::string_view key) {
  auto found = blocks(key);
  if (found.empty())
    return nullptr;
  for (std::size_t i = 1; i < found.size(); ++i)
    ctx_.problem(path_of(key), found[i]->pos, "given more than once" + at_text(found[0]->pos));
  return found[0];
}

std::vector<labelled_block> object_reader::labelled_blocks(std::string_view key) {
  std::vector<labelled_block> out;
  std::string key_path = path_of(key);
  const std::string usage = std::string(key) + " \"name\" { ... }";
  // HCL1's JSON form: {"name": {...}} or {"name": [{...}]}
  auto by_key = [&](const node& obj) {
    for (const auto& [label, body] : obj.fields) {
      for (const node* b : to_objects(ctx_, body, field_path(key_path, label)))
        out.push_back({label, b, b->pos});
    }
  };
  for (const node* n : all(key)) {
    if (n->type == node::kind::object && !n->labels.empty()) {
      if (n->labels.size() != 1) {
        ctx_.problem(key_path, n->pos,
                     "expected one name, got " + std::to_string(n->labels.size()) + ": " + usage);
        continue;
      }
      out.push_back({n->labels[0], n, n->pos});
    } else if (n->type == node::kind::object && n->block) {
      ctx_.problem(key_path, n->pos, "block needs a name: " + usage);
    } else if (n->type == node::kind::object) {
      by_key(*n);
    } else if (n->type == node::kind::list) {
      for (const node* item : to_objects(ctx_, *n, key_path)) {
        if (!item->labels.empty() && item->labels.size() == 1)
          out.push_back({item->labels[0], item, item->pos});
        else
          by_key(*item);
      }
    } else {
      ctx_.problem(key_path, n->pos,
                   std::string("expected a block, got ") + describe_value(*n) + ": " + usage);
    }
  }
  return out;
}

void object_reader::ignore(std::string_view key, std::string_view why) {
  bool warned = false;
  for (std::size_t i = 0; i < obj_.fields.size(); ++i) {
    const auto& [k, v] = obj_.fields[i];
    if (k != key)
      continue;
    used_[i] = true;
    if (!warned && !is_empty_value(v)) {
      ctx_.warning(path_of(key), v.pos, std::string(why));
      warned = true;
    }
  }
}

void object_reader::skip(std::string_view key) {
  for (std::size_t i = 0; i < obj_.fields.size(); ++i)
    if (obj_.fields[i].first == key)
      used_[i] = true;
}

void object_reader::finish(std::string_view message) {
  for (std::size_t i = 0; i < obj_.fields.size(); ++i) {
    if (used_[i])
      continue;
    used_[i] = true;
    const auto& [k, v] = obj_.fields[i];
    ctx_.problem(path_of(k), v.pos, std::string(message));
  }
}

field_ref object_reader::at(std::string_view key) const {
  for (const auto& [k, v] : obj_.fields)
    if (k == key && v.type != node::kind::null)
      return {path_of(key), v.pos};
  return {path_of(key), obj_.pos};
}

field_locator locator(const object_reader& r,
                      std::vector<std::pair<std::string_view, std::string_view>> names) {
  return [&r, names = std::move(names)](std::string_view hcl_key) {
    for (const auto& [from, to] : names)
      if (from == hcl_key)
        return r.at(to);
    return r.at(hcl_key);
  };
}

bool unique_names::add(decode_context& ctx, const std::string& name, const field_ref& at,
                       std::string_view what) {
  for (const auto& [seen, pos] : seen_) {
    if (seen == name) {
      ctx.problem(at.path, at.pos,
                  std::string(what) + " " + quote(name) + " is defined more than once" +
                    at_text(pos));
      return false;
    }
  }
  seen_.emplace_back(name, at.pos);
  return true;
}

} // namespace stevedore::policy
