#include "tools/agent/request_target.hpp"

#include <algorithm>
#include <cctype>

namespace stevedore::agent {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool escape_at(std::string_view s, std::size_t i) {
  return s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0;
}

char escaped(std::string_view s, std::size_t i) {
  return static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
}

// Query-string decoding: %XX and '+' as a space; a broken escape stays as is.
std::string decode_query_part(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (escape_at(s, i)) {
      out += escaped(s, i);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

} // namespace

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  // Walk the longer input whole; a length mismatch still costs a full pass.
  const std::size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

void split_target(std::string_view target, http_request& r) {
  auto q = target.find('?');
  r.path = std::string(target.substr(0, q));
  if (q == std::string_view::npos)
    return;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view part = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (part.empty())
      continue;
    auto eq = part.find('=');
    r.query.emplace_back(decode_query_part(part.substr(0, eq)),
                         eq == std::string_view::npos ? std::string{}
                                                      : decode_query_part(part.substr(eq + 1)));
  }
}

std::optional<std::vector<std::string>> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty())
      out.push_back(std::move(cur));
    cur.clear();
  };
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '/') {
      flush();
    } else if (path[i] == '%') {
      if (!escape_at(path, i))
        return std::nullopt;
      cur += escaped(path, i);
      i += 2;
    } else {
      cur += path[i];
    }
  }
  flush();
  return out;
}

bearer_check check_bearer(std::string_view auth, std::string_view token) {
  constexpr std::string_view scheme = "bearer ";
  const bool has_bearer =
    auth.size() > scheme.size() &&
    std::equal(scheme.begin(), scheme.end(), auth.begin(), [](char a, char b) {
      return a == std::tolower(static_cast<unsigned char>(b));
    });
  if (!has_bearer)
    return bearer_check::missing;
  return constant_time_equal(auth.substr(scheme.size()), token) ? bearer_check::ok
                                                                : bearer_check::wrong;
}

} // namespace stevedore::agent
