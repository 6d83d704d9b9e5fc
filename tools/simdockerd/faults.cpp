// Fault and latency rules as the command line and tests write them.
#include <cstdlib>

#include "tools/simdockerd/sim_daemon.hpp"

namespace stevedore::sim {

namespace {

error_info bad(std::string_view text, std::string message) {
  return make_error(errc::invalid_input, "fault or latency rule '" + std::string(text) + "'",
                    std::move(message));
}

bool known_route(const std::string& r) {
  if (r == "*")
    return true;
  for (auto& n : route_names())
    if (n == r)
      return true;
  return false;
}

bool parse_ms(const std::string& s, std::chrono::milliseconds& out) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
    return false;
  out = std::chrono::milliseconds(std::strtoll(s.c_str(), nullptr, 10));
  return true;
}

} // namespace

const char* to_string(fault_kind k) noexcept {
  switch (k) {
    case fault_kind::status_500: return "500";
    case fault_kind::reset: return "reset";
    case fault_kind::truncate: return "truncate";
    case fault_kind::stall: return "stall";
    case fault_kind::garbage: return "garbage";
  }
  return "?";
}

result<fault_rule> parse_fault(std::string_view text) {
  auto first = text.find(':');
  auto second = first == std::string_view::npos ? first : text.find(':', first + 1);
  if (second == std::string_view::npos)
    return bad(text, "expected ROUTE:KIND:RATE");
  fault_rule r;
  r.route = std::string(text.substr(0, first));
  if (!known_route(r.route))
    return bad(text, "unknown route '" + r.route + "' (see --list-routes)");
  auto kind = std::string(text.substr(first + 1, second - first - 1));
  bool found = false;
  for (auto k : {fault_kind::status_500, fault_kind::reset, fault_kind::truncate, fault_kind::stall,
                 fault_kind::garbage})
    if (kind == to_string(k)) {
      r.kind = k;
      found = true;
    }
  if (!found)
    return bad(text, "unknown kind '" + kind + "' (500, reset, truncate, stall, garbage)");
  auto rate = std::string(text.substr(second + 1));
  char* end = nullptr;
  r.rate = std::strtod(rate.c_str(), &end);
  if (rate.empty() || *end != '\0' || r.rate < 0 || r.rate > 1)
    return bad(text, "rate '" + rate + "' is not a number from 0 to 1");
  return r;
}

result<latency_rule> parse_latency(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos)
    return bad(text, "expected ROUTE:MS or ROUTE:MS~JITTER");
  latency_rule r;
  r.route = std::string(text.substr(0, colon));
  if (!known_route(r.route))
    return bad(text, "unknown route '" + r.route + "' (see --list-routes)");
  auto value = std::string(text.substr(colon + 1));
  auto tilde = value.find('~');
  if (!parse_ms(value.substr(0, tilde), r.fixed) ||
      (tilde != std::string::npos && !parse_ms(value.substr(tilde + 1), r.jitter)))
    return bad(text, "'" + value + "' is not MS or MS~JITTER in whole milliseconds");
  return r;
}

} // namespace stevedore::sim
