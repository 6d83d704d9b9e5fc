#include "messages/error.hpp"

#include <algorithm>

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
    return printable(e.message);
  if (e.message.empty())
    return printable(e.what + ": " + to_string(e.kind));
  return printable(e.what + ": " + e.message);
}

namespace {

// Length of the UTF-8 sequence starting at s[i], 0 when it is not one
// (overlong forms and surrogates are not, as a terminal would see them).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xc0) == 0x80; };
  unsigned char c = b(0);
  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf)
    return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2))
      return 0;
    if ((c == 0xe0 && b(1) < 0xa0) || (c == 0xed && b(1) >= 0xa0))
      return 0;
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3))
      return 0;
    if ((c == 0xf0 && b(1) < 0x90) || (c == 0xf4 && b(1) >= 0x90))
      return 0;
    return 4;
  }
  return 0;
}

void append_escaped(std::string& out, std::string_view text, std::size_t max, bool quoting) {
  static const char hex[] = "0123456789abcdef";
  std::size_t i = 0;
  const std::size_t start = out.size();
  while (i < text.size()) {
    if (out.size() - start >= max) {
      out += "... (" + std::to_string(text.size() - i) + " more bytes)";
      return;
    }
    auto c = static_cast<unsigned char>(text[i]);
    std::size_t n = utf8_length(text, i);
    if (n == 0) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
      ++i;
      continue;
    }
    // C1 controls (U+0080..U+009F, "\xc2\x80".."\xc2\x9f") include CSI.
    bool c1 = n == 2 && c == 0xc2 && static_cast<unsigned char>(text[i + 1]) < 0xa0;
    if (n == 1 && (c < 0x20 || c == 0x7f)) {
      switch (c) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
      }
    } else if (c1) {
      auto v = static_cast<unsigned char>(text[i + 1]);
      out += "\\u00";
      out += hex[v >> 4];
      out += hex[v & 15];
    } else if (quoting && (c == '"' || c == '\\')) {
      out += '\\';
      out += static_cast<char>(c);
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
}

} // namespace

std::string printable(std::string_view text, std::size_t max) {
  std::string out;
  out.reserve(std::min(text.size(), max) + 16);
  append_escaped(out, text, max, false);
  return out;
}

std::string quote_value(std::string_view v, std::size_t max) {
  std::string out = "\"";
  std::size_t cut = 0;
  std::string_view kept = v;
  if (v.size() > max) {
    // Cut on a character boundary, and say how much was left out after the
    // closing quote so the value itself stays what the user wrote.
    std::size_t end = max;
    while (end > 0 && (static_cast<unsigned char>(v[end]) & 0xc0) == 0x80)
      --end;
    kept = v.substr(0, end);
    cut = v.size() - end;
  }
  append_escaped(out, kept, std::string::npos, true);
  out += '"';
  if (cut > 0)
    out += "... (" + std::to_string(cut) + " more bytes)";
  return out;
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
