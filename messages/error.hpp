// Errors as values, shared by every layer. Each says what failed (the call or
// the field), on which object, and why; `kind` tells whether a retry can help.
// actors/ registers errc as a CAF error category; docker/ and policy/ use the
// plain struct and never see CAF.
#pragma once

#include <cstdint>
#include <cstddef>
#include <string>
#include <string_view>

#include <caf/meta/type_name.hpp>

namespace stevedore {

enum class errc : std::uint8_t {
  ok = 0,
  daemon_unreachable, // connect refused, reset or closed before an answer
  not_found,          // 404, "no such image / container"
  conflict,           // 409: name in use, container running
  unauthorized,       // 401 / 403, registry denied the credentials
  timeout,            // a deadline or an inactivity limit passed
  malformed_answer,   // undecodable JSON, bad chunk or frame, body over the cap
  daemon_error,       // any other non-2xx, or an error line inside a stream
  cancelled,          // the caller cancelled the call or stream
  invalid_input,      // bad job file, option, or API request
  not_permitted,      // policy refused it (privileged, capability, volume)
  unavailable,        // the daemon is unhealthy; new starts are refused
  internal,           // a broken invariant of our own
};

// One error: `kind` for decisions, `what` names the step and object
// ("pull 127.0.0.1:5000/app:1", "job.web.group.cache.task.redis.config.image"),
// `message` is the cause in words (the daemon's own message where it gave one).
struct error_info {
  errc kind = errc::ok;
  int status = 0;       // HTTP status where one was received, else 0
  std::string what;     // the step and object that failed
  std::string message;  // why
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, error_info& x) {
  return f(caf::meta::type_name("stevedore::error_info"), x.kind, x.status,
           x.what, x.message);
}

// "daemon_unreachable", "not_found", ...
const char* to_string(errc kind) noexcept;

// One readable line: "<what>: <message>" (status in the message where useful),
// made printable (below) and cut to max_line_bytes.
std::string to_string(const error_info& e);

// The longest line to_string gives: a value repeated in a message (a 4 MB
// image name) must not make a 4 MB line.
inline constexpr std::size_t max_line_bytes = 2000;
// The longest part of a value quote_value keeps.
inline constexpr std::size_t max_value_bytes = 200;

// text safe to print on a terminal, on one line: control characters (C0, DEL
// and C1: ESC, CR, LF, CSI ...) become escapes as in JSON ("\u001b", "\r",
// "\n"), bytes that are not UTF-8 become "\xNN"; cut after max bytes with
// "... (N more bytes)". Text that is printable already comes back unchanged,
// so applying it twice changes nothing.
std::string printable(std::string_view text, std::size_t max = max_line_bytes);

// A value of the user's quoted for a message: "\"" + printable(v) + "\"", with
// '"' and '\\' escaped and at most max_value_bytes of it kept.
std::string quote_value(std::string_view v, std::size_t max = max_value_bytes);

// True where trying again later can succeed: unreachable, timeout, 5xx daemon
// errors. False for not_found, unauthorized, invalid_input, not_permitted.
bool retryable(const error_info& e) noexcept;

inline error_info make_error(errc kind, std::string what, std::string message,
                             int status = 0) {
  return error_info{kind, status, std::move(what), std::move(message)};
}

} // namespace stevedore
