#include "policy/duration.hpp"

#include <limits>

namespace stevedore::policy {

namespace {

constexpr std::uint64_t limit = std::uint64_t{1} << 63;

error_info duration_error(std::string message) {
  return make_error(errc::invalid_input, "", std::move(message));
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  out.append(s);
  out += '"';
  return out;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Consumes [0-9]* from s; false on overflow of 2^63 (as Go's leadingInt).
bool leading_int(std::string_view& s, std::uint64_t& value) {
  std::size_t i = 0;
  std::uint64_t x = 0;
  for (; i < s.size() && is_digit(s[i]); ++i) {
    if (x > (limit - 1) / 10)
      return false;
    x = x * 10 + std::uint64_t(s[i] - '0');
    if (x > limit)
      return false;
  }
  s.remove_prefix(i);
  value = x;
  return true;
}

// Consumes [0-9]* after a decimal point; digits past int64 precision are
// dropped, not an error (as Go's leadingFraction).
void leading_fraction(std::string_view& s, std::uint64_t& value, double& scale) {
  std::size_t i = 0;
  std::uint64_t x = 0;
  scale = 1;
  bool overflow = false;
  for (; i < s.size() && is_digit(s[i]); ++i) {
    if (overflow)
      continue;
    if (x > (limit - 1) / 10) {
      overflow = true;
      continue;
    }
    std::uint64_t y = x * 10 + std::uint64_t(s[i] - '0');
    if (y > limit) {
      overflow = true;
      continue;
    }
    x = y;
    scale *= 10;
  }
  s.remove_prefix(i);
  value = x;
}

bool unit_of(std::string_view u, std::uint64_t& out) {
  struct entry {
    std::string_view name;
    std::uint64_t nanos;
  };
  static constexpr entry units[] = {
    {"ns", 1},
    {"us", 1000},
    {"\xC2\xB5s", 1000}, // U+00B5 micro sign
    {"\xCE\xBCs", 1000}, // U+03BC Greek mu
    {"ms", 1000 * 1000},
    {"s", 1000 * 1000 * 1000},
    {"m", 60ull * 1000 * 1000 * 1000},
    {"h", 3600ull * 1000 * 1000 * 1000},
  };
  for (const auto& e : units)
    if (e.name == u) {
      out = e.nanos;
      return true;
    }
  return false;
}

} // namespace

result<std::int64_t> parse_duration(std::string_view text) {
  const std::string orig = quoted(text);
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0")
    return std::int64_t{0};
  if (s.empty())
    return duration_error("invalid duration " + orig);
  std::uint64_t total = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || is_digit(s[0])))
      return duration_error("invalid duration " + orig);
    std::uint64_t whole = 0;
    std::size_t before = s.size();
    if (!leading_int(s, whole))
      return duration_error("duration " + orig + " is out of range");
    bool pre = before != s.size();
    std::uint64_t frac = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      std::size_t at = s.size();
      leading_fraction(s, frac, scale);
      post = at != s.size();
    }
    if (!pre && !post)
      return duration_error("invalid duration " + orig);
    std::size_t i = 0;
    while (i < s.size() && !(s[i] == '.' || is_digit(s[i])))
      ++i;
    if (i == 0)
      return duration_error("missing unit in duration " + orig);
    std::string_view u = s.substr(0, i);
    s.remove_prefix(i);
    std::uint64_t unit = 0;
    if (!unit_of(u, unit))
      return duration_error("unknown unit " + quoted(u) + " in duration " + orig);
    if (whole > limit / unit)
      return duration_error("duration " + orig + " is out of range");
    whole *= unit;
    if (frac > 0) {
      whole += std::uint64_t(double(frac) * (double(unit) / scale));
      if (whole > limit)
        return duration_error("duration " + orig + " is out of range");
    }
    total += whole;
    if (total > limit)
      return duration_error("duration " + orig + " is out of range");
  }
  if (negative)
    return total == limit ? std::numeric_limits<std::int64_t>::min()
                          : -static_cast<std::int64_t>(total);
  if (total > limit - 1)
    return duration_error("duration " + orig + " is out of range");
  return static_cast<std::int64_t>(total);
}

result<std::int64_t> parse_nonnegative_duration(std::string_view text) {
  auto d = parse_duration(text);
  if (d && *d < 0)
    return duration_error("duration " + quoted(text) + " must not be negative");
  return d;
}

std::int64_t nanos_to_millis(std::int64_t ns) noexcept {
  constexpr std::int64_t per_ms = 1000 * 1000;
  std::int64_t ms = ns / per_ms;
  if (ns > 0 && ns % per_ms != 0)
    ++ms;
  return ms;
}

namespace {

// Writes v / 10^prec as ".ddd" without trailing zeros (nothing when the
// fraction is zero) in front of out; returns v / 10^prec.
std::uint64_t prepend_fraction(std::string& out, std::uint64_t v, int prec) {
  std::string digits;
  bool print = false;
  for (int i = 0; i < prec; ++i) {
    auto digit = char('0' + v % 10);
    print = print || digit != '0';
    if (print)
      digits.insert(digits.begin(), digit);
    v /= 10;
  }
  if (print)
    out.insert(0, "." + digits);
  return v;
}

void prepend_int(std::string& out, std::uint64_t v) {
  out.insert(0, std::to_string(v));
}

} // namespace

std::string format_duration(std::int64_t ns) {
  bool negative = ns < 0;
  std::uint64_t u = negative ? std::uint64_t(0) - std::uint64_t(ns) : std::uint64_t(ns);
  std::string out;
  if (u < 1000ull * 1000 * 1000) {
    if (u == 0)
      return "0s";
    int prec = 0;
    if (u < 1000) {
      out = "ns";
    } else if (u < 1000 * 1000) {
      out = "\xC2\xB5s";
      prec = 3;
    } else {
      out = "ms";
      prec = 6;
    }
    u = prepend_fraction(out, u, prec);
    prepend_int(out, u);
  } else {
    out = "s";
    u = prepend_fraction(out, u, 9);
    prepend_int(out, u % 60);
    u /= 60;
    if (u > 0) {
      out.insert(0, "m");
      prepend_int(out, u % 60);
      u /= 60;
      if (u > 0) {
        out.insert(0, "h");
        prepend_int(out, u);
      }
    }
  }
  if (negative)
    out.insert(0, "-");
  return out;
}

std::string format_millis(std::int64_t ms) {
  constexpr std::int64_t max_ms = std::numeric_limits<std::int64_t>::max() / 1000000;
  if (ms > max_ms || ms < -max_ms)
    return std::to_string(ms) + "ms";
  return format_duration(ms * 1000 * 1000);
}

} // namespace stevedore::policy
