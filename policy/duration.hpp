// Go's duration syntax (time.ParseDuration), which Nomad's job files and
// client settings use everywhere: "3m", "1h30m", "250ms", "1.5s", "-1s".
// Units: ns, us, µs (U+00B5 or U+03BC), ms, s, m, h. A bare "0" needs no
// unit. Values are nanoseconds in an int64, as in Go.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "messages/result.hpp"

namespace stevedore::policy {

// Nanoseconds, or an error whose message is one of (TEXT quoted as written):
//   invalid duration "TEXT"
//   missing unit in duration "TEXT"
//   unknown unit "UNIT" in duration "TEXT"
//   duration "TEXT" is out of range
result<std::int64_t> parse_duration(std::string_view text);

// parse_duration for settings where a negative value makes no sense
// (timeouts, delays, periods); adds: duration "TEXT" must not be negative
result<std::int64_t> parse_nonnegative_duration(std::string_view text);

// Nanoseconds to the milliseconds that messages/ structs carry. A positive
// remainder rounds up, so "1us" never turns into "no delay at all".
std::int64_t nanos_to_millis(std::int64_t ns) noexcept;

// Go's Duration.String: "1h30m0s", "250ms", "1.5µs", "0s", "-1s".
std::string format_duration(std::int64_t ns);

// format_duration of a millisecond value.
std::string format_millis(std::int64_t ms);

} // namespace stevedore::policy
