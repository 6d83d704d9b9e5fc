#include "policy/constraints.hpp"

#include "messages/error.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <regex>
#include <set>

namespace stevedore::policy {

namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos)
    return {};
  auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    auto at = s.find(sep, start);
    out.push_back(trim(s.substr(start, at == std::string::npos ? std::string::npos : at - start)));
    if (at == std::string::npos)
      return out;
    start = at + 1;
  }
}

const std::string* find_in(const std::map<std::string, std::string>& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? nullptr : &it->second;
}

// The value a side of a constraint names; nullptr when it is not set.
std::optional<std::string> resolve(const std::string& text, const constraint_target& t) {
  auto s = trim(text);
  if (s.size() < 3 || s.compare(0, 2, "${") != 0 || s.back() != '}')
    return s;  // a literal
  auto name = s.substr(2, s.size() - 3);
  auto starts = [&](const char* p) { return name.rfind(p, 0) == 0; };
  const std::string* v = nullptr;
  if (starts("attr.")) {
    auto key = name.substr(5);
    v = find_in(t.node, key);
    if (!v)
      v = find_in(t.fingerprint, key);
  } else if (starts("driver.")) {
    v = find_in(t.fingerprint, name);
  } else if (starts("node.")) {
    v = find_in(t.node_fields, name.substr(5));
  } else if (starts("meta.")) {
    v = find_in(t.meta, name.substr(5));
  } else {
    v = find_in(t.fingerprint, name);
    if (!v)
      v = find_in(t.node, name);
  }
  if (!v)
    return std::nullopt;
  return *v;
}

std::optional<double> number(const std::string& s) {
  if (s.empty())
    return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size())
    return std::nullopt;
  return d;
}

struct version {
  std::vector<long> segments;
  std::string pre;  // prerelease ("rc1"); metadata after '+' is dropped
};

std::optional<version> parse_version(std::string s) {
  s = trim(s);
  if (!s.empty() && (s[0] == 'v' || s[0] == 'V'))
    s.erase(0, 1);
  if (auto plus = s.find('+'); plus != std::string::npos)
    s.erase(plus);
  version v;
  if (auto dash = s.find('-'); dash != std::string::npos) {
    v.pre = s.substr(dash + 1);
    s.erase(dash);
  }
  if (s.empty())
    return std::nullopt;
  for (const auto& part : split(s, '.')) {
    if (part.empty() || !std::all_of(part.begin(), part.end(), [](unsigned char c) { return std::isdigit(c); }))
      return std::nullopt;
    v.segments.push_back(std::strtol(part.c_str(), nullptr, 10));
  }
  return v;
}

int compare(const version& a, const version& b) {
  auto n = std::max(a.segments.size(), b.segments.size());
  for (std::size_t i = 0; i < n; ++i) {
    long x = i < a.segments.size() ? a.segments[i] : 0;
    long y = i < b.segments.size() ? b.segments[i] : 0;
    if (x != y)
      return x < y ? -1 : 1;
  }
  if (a.pre == b.pre)
    return 0;
  if (a.pre.empty())
    return 1;   // a release is newer than its prereleases
  if (b.pre.empty())
    return -1;
  return a.pre < b.pre ? -1 : 1;
}

// One go-version clause (">= 1.2") against `have`; nullopt when the clause does not parse.
std::optional<bool> version_clause(const version& have, const std::string& clause) {
  static const char* ops[] = {">=", "<=", "!=", "~>", "=", ">", "<"};
  std::string op = "=";
  std::string rest = trim(clause);
  for (const char* o : ops) {
    if (rest.rfind(o, 0) == 0) {
      op = o;
      rest = trim(rest.substr(std::string(o).size()));
      break;
    }
  }
  auto want = parse_version(rest);
  if (!want)
    return std::nullopt;
  int c = compare(have, *want);
  if (op == "=")
    return c == 0;
  if (op == "!=")
    return c != 0;
  if (op == ">")
    return c > 0;
  if (op == ">=")
    return c >= 0;
  if (op == "<")
    return c < 0;
  if (op == "<=")
    return c <= 0;
  // ~> 1.2.3 means >= 1.2.3 and < 1.3; ~> 1.2 means >= 1.2 and < 2
  if (c < 0)
    return false;
  auto upper = *want;
  upper.pre.clear();
  if (upper.segments.size() > 1)
    upper.segments.pop_back();
  ++upper.segments.back();
  version cut{{}, {}};
  cut.segments.assign(have.segments.begin(),
                      have.segments.begin() + std::min(have.segments.size(), upper.segments.size()));
  return compare(cut, upper) < 0;
}

std::string quoted(const std::string& s) { return quote_value(s); }

} // namespace

std::optional<int> compare_versions(const std::string& a, const std::string& b) {
  auto x = parse_version(a);
  auto y = parse_version(b);
  if (!x || !y)
    return std::nullopt;
  return compare(*x, *y);
}

std::optional<std::string> check_constraint(const constraint_spec& c, const constraint_target& target) {
  auto head = "constraint " + c.attribute + " " + c.op + (c.value.empty() ? "" : " " + quoted(c.value)) + ": ";
  auto lhs = resolve(c.attribute, target);
  auto rhs = resolve(c.value, target);
  const auto& op = c.op;
  auto unset = [&] { return head + c.attribute + " is not set on this node"; };
  auto has = [&] { return head + "the node has " + quoted(*lhs); };

  if (op == "is_set")
    return lhs ? std::nullopt : std::optional<std::string>(unset());
  if (op == "is_not_set")
    return !lhs ? std::nullopt : std::optional<std::string>(has());
  if (op == "!=" || op == "not")
    return (!lhs || !rhs || *lhs != *rhs) ? std::nullopt : std::optional<std::string>(has());
  if (!lhs)
    return unset();
  if (!rhs)
    return head + c.value + " is not set on this node";
  if (op == "=" || op == "==" || op == "is")
    return *lhs == *rhs ? std::nullopt : std::optional<std::string>(has());
  if (op == "<" || op == "<=" || op == ">" || op == ">=") {
    int cmp;
    auto a = number(*lhs), b = number(*rhs);
    if (a && b)
      cmp = *a < *b ? -1 : (*a > *b ? 1 : 0);
    else
      cmp = lhs->compare(*rhs) < 0 ? -1 : (lhs->compare(*rhs) > 0 ? 1 : 0);
    bool ok = op == "<" ? cmp < 0 : op == "<=" ? cmp <= 0 : op == ">" ? cmp > 0 : cmp >= 0;
    return ok ? std::nullopt : std::optional<std::string>(has());
  }
  if (op == "version" || op == "semver") {
    auto have = parse_version(*lhs);
    if (!have)
      return head + quoted(*lhs) + " is not a version";
    for (const auto& clause : split(*rhs, ',')) {
      auto ok = version_clause(*have, clause);
      if (!ok)
        return head + quoted(clause) + " is not a version constraint";
      if (!*ok)
        return has();
    }
    return std::nullopt;
  }
  if (op == "regexp") {
    try {
      std::regex re(*rhs, std::regex::ECMAScript);
      return std::regex_search(*lhs, re) ? std::nullopt : std::optional<std::string>(has());
    } catch (const std::regex_error&) {
      return head + quoted(*rhs) + " is not a valid regular expression";
    }
  }
  if (op == "set_contains" || op == "set_contains_all") {
    std::set<std::string> have;
    for (const auto& item : split(*lhs, ','))
      have.insert(item);
    for (const auto& item : split(*rhs, ','))
      if (!have.count(item))
        return head + "the node's set " + quoted(*lhs) + " lacks " + quoted(item);
    return std::nullopt;
  }
  return head + "unknown operator " + quoted(op);
}

std::optional<std::string> first_violated(const std::vector<constraint_spec>& constraints,
                                          const constraint_target& target) {
  for (const auto& c : constraints)
    if (auto v = check_constraint(c, target))
      return v;
  return std::nullopt;
}

} // namespace stevedore::policy
