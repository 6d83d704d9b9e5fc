// The lexer's text tokens: quoted strings (escapes resolved, `${...}` kept
// as written) and heredocs (HCL1's indentation rule for `<<-`).
#include <cstdint>
#include <string>
#include <string_view>

#include "policy/hcl_lexer.hpp"

namespace stevedore::policy::hcl {

using namespace detail;

void detail::append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

namespace {

// HCL1's [[:space:]] in the heredoc closing line.
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// HCL1 decodes heredocs this way (hcl/token unindentHeredoc): with `<<-`, the
// closing line's indentation comes off every line, but only when every line
// starts with it; otherwise the text stays as written, minus trailing space.
std::string unindent(std::string_view body, std::string_view prefix) {
  std::string joined(body);
  joined += prefix;
  bool all_indented = true;
  for (std::size_t start = 0;;) {
    auto end = joined.find('\n', start);
    std::string_view line(joined.data() + start,
                          (end == std::string::npos ? joined.size() : end) - start);
    if (line.substr(0, prefix.size()) != prefix) all_indented = false;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (!all_indented) {
    auto last = body.find_last_not_of(" \t\n\r\v\f");
    return std::string(body.substr(0, last == std::string_view::npos ? 0 : last + 1));
  }
  std::string out;
  for (std::size_t start = 0;;) {
    auto end = body.find('\n', start);
    if (end == std::string_view::npos) break;
    out.append(body.substr(start + prefix.size(), end + 1 - start - prefix.size()));
    start = end + 1;
  }
  return out;
}

} // namespace

bool lexer::scan_escape(std::string& out, bool verbatim, token& err) {
  std::size_t b = off_; // the backslash; the caller made sure b + 1 is in range
  char c = src_[b + 1];
  std::size_t len = 2;
  auto digits_ok = [&](std::size_t n, bool (*pred)(char)) {
    if (b + 1 + n >= src_.size()) return false;
    for (std::size_t k = 0; k < n; ++k)
      if (!pred(src_[b + 2 + k])) return false;
    return true;
  };
  auto bad = [&](const std::string& why) {
    auto u = static_cast<unsigned char>(c);
    std::string seq = u > 0x20 && u < 0x7F ? "'\\" + std::string(1, c) + "'"
                      : c == '\n'          ? "'\\' at end of line"
                                          : "'\\' followed by " + show_byte(c);
    err = fail(b, "invalid escape sequence " + seq + " in string" + why);
    return false;
  };
  std::uint32_t value = 0;
  switch (c) {
    case 'a': value = '\a'; break;
    case 'b': value = '\b'; break;
    case 'f': value = '\f'; break;
    case 'n': value = '\n'; break;
    case 'r': value = '\r'; break;
    case 't': value = '\t'; break;
    case 'v': value = '\v'; break;
    case '\\': value = '\\'; break;
    case '"': value = '"'; break;
    case 'x':
    case 'u':
    case 'U': {
      std::size_t n = c == 'x' ? 2 : c == 'u' ? 4 : 8;
      len = 2 + n;
      if (!digits_ok(n, is_hex))
        return bad(std::string(": \\") + c + " needs " + std::to_string(n) + " hex digits");
      for (std::size_t k = 0; k < n; ++k)
        value = value * 16 + static_cast<std::uint32_t>(hex_value(src_[b + 2 + k]));
      if (c != 'x' && (value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)))
        return bad(": not a Unicode code point");
      break;
    }
    default:
      if (!is_octal(c)) return bad("");
      len = 4;
      if (!digits_ok(2, is_octal) || c > '3')
        return bad(": an octal escape is three digits from \\000 to \\377");
      value = static_cast<std::uint32_t>((c - '0') * 64 + (src_[b + 2] - '0') * 8 + (src_[b + 3] - '0'));
      break;
  }
  if (verbatim)
    out.append(src_.substr(b, len));
  else if (c == 'u' || c == 'U')
    append_utf8(out, value);
  else
    out += static_cast<char>(value); // \x and octal escapes are bytes, as in Go
  off_ = b + len;
  return true;
}

token lexer::scan_string() {
  std::size_t start = off_++;
  std::string out;
  int braces = 0;             // depth inside ${ }, copied as written
  std::size_t interp = 0;     // where the outermost ${ started
  for (;;) {
    if (off_ >= src_.size()) {
      if (braces > 0)
        return fail(interp, "unterminated interpolation: '${' is never closed by '}'");
      return fail(start, "unterminated string: no closing '\"' before end of file");
    }
    char c = src_[off_];
    if (c == '\\') {
      if (off_ + 1 >= src_.size()) {
        off_ = src_.size(); // reported as unterminated above
        continue;
      }
      token err;
      if (!scan_escape(out, braces > 0, err)) return err;
      continue;
    }
    if (braces == 0) {
      if (c == '"') {
        ++off_;
        return make(tok::string, start, std::move(out));
      }
      if (c == '\n')
        return fail(start, "unterminated string: no closing '\"' before end of line");
      if (c == '$' && off_ + 1 < src_.size() && src_[off_ + 1] == '{') {
        interp = off_;
        braces = 1;
        out += "${";
        off_ += 2;
        continue;
      }
    } else if (c == '{') {
      ++braces;
    } else if (c == '}') {
      --braces;
    }
    std::size_t n = text_length(off_);
    if (n == 0) return fail(off_, "invalid text in string: " + show_byte(c) + " is not UTF-8");
    out.append(src_.substr(off_, n));
    off_ += n;
  }
}

std::size_t lexer::text_length(std::size_t offset) const {
  auto c = static_cast<unsigned char>(src_[offset]);
  if (c == 0) return 0; // HCL1 refuses NUL anywhere
  return c < 0x80 ? 1 : utf8_length(src_, offset);
}

token lexer::scan_heredoc() {
  std::size_t start = off_;
  std::size_t i = off_ + 2;
  bool indented = i < src_.size() && src_[i] == '-';
  if (indented) ++i;
  std::size_t anchor_start = i;
  while (i < src_.size() && (is_ascii_letter(src_[i]) || is_digit(src_[i]))) ++i;
  std::string_view anchor = src_.substr(anchor_start, i - anchor_start);
  if (anchor.empty())
    return fail(start, "expected a heredoc anchor name after '<<'");
  std::string opener(src_.substr(start, i - start));
  if (i + 1 < src_.size() && src_[i] == '\r' && src_[i + 1] == '\n') ++i;
  if (i >= src_.size())
    return fail(start, "unterminated heredoc: no closing line '" + std::string(anchor) +
                           "' for '" + opener + "'");
  if (src_[i] != '\n')
    return fail(i, "expected end of line after heredoc anchor '" + opener + "', found " +
                       show_byte(src_[i]));
  std::size_t body_start = i + 1;
  for (std::size_t line_start = body_start;;) {
    auto nl = src_.find('\n', line_start);
    std::size_t line_end = nl == std::string_view::npos ? src_.size() : nl;
    std::string_view line = src_.substr(line_start, line_end - line_start);
    std::size_t lead = 0;
    while (lead < line.size() && is_space(line[lead])) ++lead;
    std::size_t tail = line.size();
    while (tail > lead && line[tail - 1] == '\r') --tail;
    if (line.substr(lead, tail - lead) == anchor) {
      std::string_view body = src_.substr(body_start, line_start - body_start);
      for (std::size_t i = body_start; i < line_start;) {
        std::size_t n = text_length(i);
        if (n == 0)
          return fail(i, "invalid text in heredoc: " + show_byte(src_[i]) + " is not UTF-8");
        i += n;
      }
      off_ = nl == std::string_view::npos ? src_.size() : nl + 1;
      return make(tok::heredoc, start,
                  indented ? unindent(body, line.substr(0, lead)) : std::string(body));
    }
    if (nl == std::string_view::npos)
      return fail(start, "unterminated heredoc: no closing line '" + std::string(anchor) +
                             "' for '" + opener + "'");
    line_start = nl + 1;
  }
}

} // namespace stevedore::policy::hcl
