// The error of a non-2xx answer. The daemon explains itself in
// {"message": "..."}; a proxy or a broken daemon may answer anything, so a
// body that is not such JSON is quoted raw, on one line and capped.
#include <string>

#include <ostream> // boost/beast/http/status.hpp needs it and does not include it

#include <boost/beast/http/status.hpp>
#include <simdjson.h>

#include "docker/transport.hpp"

namespace stevedore::docker {

namespace {

constexpr std::size_t raw_cap = 200;      // a non-JSON body quoted in an error
constexpr std::size_t message_cap = 2000; // the daemon's own message

errc kind_of(int status) {
  switch (status) {
    case 404: return errc::not_found;
    case 409: return errc::conflict;
    case 401:
    case 403: return errc::unauthorized;
    default: return errc::daemon_error;
  }
}

// One line: control characters and runs of white space become one space,
// both ends trimmed, at most `cap` bytes (cut on a UTF-8 boundary, "...").
std::string one_line(std::string_view text, std::size_t cap) {
  std::string out;
  out.reserve(std::min(text.size(), cap + 3));
  bool space = false;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space)
      out.push_back(' ');
    space = false;
    out.push_back(ch);
    if (out.size() > cap)
      break;
  }
  if (out.size() > cap) {
    std::size_t cut = cap;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80)
      --cut; // do not split a multi-byte character
    out.resize(cut);
    out += "...";
  }
  return out;
}

// The "message" of a JSON object body, or "" when the body is not one.
std::string json_message(std::string_view body) {
  if (body.empty() || body.size() > (1u << 20))
    return "";
  simdjson::padded_string input(body); // Beast bodies have no SIMDJSON_PADDING
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  if (parser.iterate(input).get(doc))
    return "";
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj))
    return "";
  std::string_view message;
  if (obj["message"].get_string().get(message))
    return "";
  return std::string(message);
}

std::string status_line(int status) {
  auto reason = boost::beast::http::obsolete_reason(boost::beast::http::int_to_status(status));
  std::string line = "answered " + std::to_string(status);
  if (!reason.empty() && reason != "<unknown-status>")
    line += " " + std::string(reason);
  return line;
}

} // namespace

error_info status_error(std::string_view what, int status, std::string_view body) {
  std::string message = one_line(json_message(body), message_cap);
  if (message.empty()) {
    message = status_line(status);
    std::string raw = one_line(body, raw_cap);
    if (!raw.empty())
      message += ": " + raw;
  }
  return make_error(kind_of(status), std::string(what), std::move(message), status);
}

} // namespace stevedore::docker
