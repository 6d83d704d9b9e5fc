#include "messages/error.hpp"

namespace stevedore {

const char* to_string(errc kind) noexcept {
  switch (kind) {
    case errc::ok: return "ok";
    case errc::daemon_unreachable: return "daemon_unreachable";
    case errc::not_found: return "not_found";
    case errc::conflict: return "conflict";
    case errc::unauthorized: return "unauthorized";
    case errc::timeout: return "timeout";
    case errc::malformed_answer: return "malformed_answer";
    case errc::daemon_error: return "daemon_error";
    case errc::cancelled: return "cancelled";
    case errc::invalid_input: return "invalid_input";
    case errc::not_permitted: return "not_permitted";
    case errc::unavailable: return "unavailable";
    case errc::internal: return "internal";
  }
  return "unknown";
}

std::string to_string(const error_info& e) {
  if (e.what.empty())
    return e.message;
  if (e.message.empty())
    return e.what + ": " + to_string(e.kind);
  return e.what + ": " + e.message;
}

bool retryable(const error_info& e) noexcept {
  switch (e.kind) {
    case errc::daemon_unreachable:
    case errc::timeout:
    case errc::unavailable:
      return true;
    case errc::daemon_error:
      return e.status == 0 || e.status >= 500;
    default:
      return false;
  }
}

} // namespace stevedore
