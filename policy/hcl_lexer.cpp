#include "policy/hcl_lexer.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <system_error>

namespace stevedore::policy::hcl {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_octal(char c) { return c >= '0' && c <= '7'; }
bool is_ascii_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
// HCL1's [[:space:]] in the heredoc closing line.
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// Length of the well-formed UTF-8 sequence of two to four bytes at s[i], or
// 0. Non-ASCII letters are allowed in identifiers, as HCL1 allows them; any
// other non-ASCII byte outside strings and comments is an error.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  unsigned char c = b(0);
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0; // overlong
    if (c == 0xED && b(1) > 0x9F) return 0; // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0; // overlong
    if (c == 0xF4 && b(1) > 0x8F) return 0; // above U+10FFFF
    return 4;
  }
  return 0;
}

void append_utf8(std::string& out, std::uint32_t cp) {
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

// A byte as an error message shows it: 'x' when printable, else its code.
std::string show_byte(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7F) return std::string("'") + c + "'";
  static const char digits[] = "0123456789abcdef";
  return std::string("byte 0x") + digits[u >> 4] + digits[u & 0xF];
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

// Whether a well-formed decimal float literal is less than 1 in magnitude
// (its first significant digit after the point, exponent included).
bool below_one(std::string_view lit) {
  auto e = lit.find_first_of("eE");
  std::string_view mantissa = lit.substr(0, e);
  long long exponent = 0;
  bool minus = false;
  if (e != std::string_view::npos) {
    std::string_view digits = lit.substr(e + 1);
    minus = !digits.empty() && digits[0] == '-';
    if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
    for (char c : digits) exponent = std::min(exponent * 10 + (c - '0'), 1'000'000'000'000LL);
  }
  if (minus) exponent = -exponent;
  if (!mantissa.empty() && mantissa[0] == '-') mantissa.remove_prefix(1);
  auto point = mantissa.find('.');
  long long whole = static_cast<long long>(point == std::string_view::npos ? mantissa.size() : point);
  std::string digits(mantissa.substr(0, whole));
  if (point != std::string_view::npos) digits += mantissa.substr(point + 1);
  auto first = digits.find_first_not_of('0');
  if (first == std::string::npos) return true;
  return whole - static_cast<long long>(first) + exponent <= 0;
}

} // namespace

std::string describe(const token& t) {
  switch (t.type) {
    case tok::eof: return "end of file";
    case tok::ident: return "identifier '" + t.text + "'";
    case tok::string: return "string";
    case tok::heredoc: return "heredoc";
    case tok::number: return "number " + t.text;
    case tok::boolean: return t.boolean ? "'true'" : "'false'";
    case tok::lbrace: return "'{'";
    case tok::rbrace: return "'}'";
    case tok::lbrack: return "'['";
    case tok::rbrack: return "']'";
    case tok::assign: return "'='";
    case tok::comma: return "','";
    case tok::error: return "invalid input";
  }
  return "token";
}

token lexer::make(tok type, std::size_t start, std::string text) const {
  token t;
  t.type = type;
  t.pos = lines_.at(start);
  t.text = std::move(text);
  return t;
}

token lexer::fail(std::size_t offset, std::string what) const {
  return make(tok::error, offset, std::move(what));
}

token lexer::next() {
  if (failed_) return last_error_;
  token t;
  if (!skip_blank(t)) {
    // fallthrough to error handling below
  } else if (off_ >= src_.size()) {
    return make(tok::eof, src_.size());
  } else {
    char c = src_[off_];
    std::size_t start = off_;
    switch (c) {
      case '{': ++off_; return make(tok::lbrace, start);
      case '}': ++off_; return make(tok::rbrace, start);
      case '[': ++off_; return make(tok::lbrack, start);
      case ']': ++off_; return make(tok::rbrack, start);
      case '=': ++off_; return make(tok::assign, start);
      case ',': ++off_; return make(tok::comma, start);
      case '"': t = scan_string(); break;
      default:
        if (c == '<' && off_ + 1 < src_.size() && src_[off_ + 1] == '<')
          t = scan_heredoc();
        else if (is_digit(c) || (c == '-' && off_ + 1 < src_.size() && is_digit(src_[off_ + 1])))
          t = scan_number();
        else if (is_ascii_letter(c) || utf8_length(src_, off_) > 0)
          t = scan_word();
        else
          t = fail(off_, "unexpected " + show_byte(c));
    }
  }
  if (t.type == tok::error) {
    failed_ = true;
    last_error_ = t;
  }
  return t;
}

bool lexer::skip_blank(token& err) {
  // A UTF-8 byte order mark is not part of the file's text.
  if (off_ == 0 && src_.substr(0, 3) == "\xEF\xBB\xBF") off_ = 3;
  while (off_ < src_.size()) {
    char c = src_[off_];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++off_;
    } else if (c == '#' || src_.substr(off_, 2) == "//") {
      auto nl = src_.find('\n', off_);
      off_ = nl == std::string_view::npos ? src_.size() : nl + 1;
    } else if (src_.substr(off_, 2) == "/*") {
      auto close = src_.find("*/", off_ + 2);
      if (close == std::string_view::npos) {
        err = fail(off_, "unterminated comment: '/*' is never closed by '*/'");
        return false;
      }
      off_ = close + 2;
    } else {
      break;
    }
  }
  return true;
}

token lexer::scan_word() {
  std::size_t start = off_;
  bool first = true;
  while (off_ < src_.size()) {
    char c = src_[off_];
    if (is_ascii_letter(c) || (!first && (is_digit(c) || c == '-' || c == '.' || c == ':'))) {
      ++off_;
    } else if (auto n = utf8_length(src_, off_); n > 0) {
      off_ += n;
    } else {
      break;
    }
    first = false;
  }
  std::string_view word = src_.substr(start, off_ - start);
  if (word == "true" || word == "false") {
    token t = make(tok::boolean, start, std::string(word));
    t.boolean = word == "true";
    return t;
  }
  return make(tok::ident, start, std::string(word));
}

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

token lexer::scan_number() {
  std::size_t start = off_;
  std::size_t i = off_;
  bool negative = src_[i] == '-';
  if (negative) ++i;
  std::size_t digits = i;
  int base = 10;
  bool is_float = false;
  auto run = [&](bool (*pred)(char)) {
    std::size_t from = i;
    while (i < src_.size() && pred(src_[i])) ++i;
    return i > from;
  };
  bool ok = true;
  if (src_[i] == '0' && i + 1 < src_.size() && (src_[i + 1] == 'x' || src_[i + 1] == 'X')) {
    i += 2;
    digits = i;
    base = 16;
    ok = run(is_hex);
  } else {
    run(is_digit);
    if (i < src_.size() && src_[i] == '.') {
      ++i;
      is_float = true;
      run(is_digit); // "1." is a float in HCL1 too
    }
    if (ok && i < src_.size() && (src_[i] == 'e' || src_[i] == 'E')) {
      ++i;
      is_float = true;
      if (i < src_.size() && (src_[i] == '+' || src_[i] == '-')) ++i;
      ok = run(is_digit);
    }
    // A leading zero makes an integer octal (0644), as in HCL1 and Go.
    if (!is_float && i - digits > 1 && src_[digits] == '0') base = 8;
  }
  // Whatever else would continue a word belongs to a malformed literal
  // ("10s", "1.2.3"), reported whole rather than as a stray key after it.
  while (i < src_.size() && (is_ascii_letter(src_[i]) || is_digit(src_[i]) || src_[i] == '.' ||
                             src_[i] == '-' || src_[i] == ':')) {
    ++i;
    ok = false;
  }
  off_ = i;
  std::string literal(src_.substr(start, i - start));
  if (!ok) return fail(start, "invalid number '" + literal + "'");
  token t = make(tok::number, start, literal);
  const char* first = src_.data() + digits;
  const char* last = src_.data() + i;
  if (is_float) {
    auto [end, ec] = std::from_chars(src_.data() + start, last, t.number);
    if (ec == std::errc::result_out_of_range && below_one(literal)) {
      t.number = negative ? -0.0 : 0.0; // too small for a double: zero, as Go reads it
      return t;
    }
    if (ec == std::errc::result_out_of_range)
      return fail(start, "number '" + literal + "' is out of range");
    if (ec != std::errc() || end != last) return fail(start, "invalid number '" + literal + "'");
    return t;
  }
  if (base == 8) {
    for (const char* p = first; p != last; ++p)
      if (!is_octal(*p)) return fail(start, "invalid octal number '" + literal + "'");
  }
  std::uint64_t magnitude = 0;
  auto [end, ec] = std::from_chars(first, last, magnitude, base);
  constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (ec == std::errc::result_out_of_range || magnitude > max + (negative ? 1 : 0))
    return fail(start, "number '" + literal + "' is out of range (integers are 64-bit)");
  if (ec != std::errc() || end != last) return fail(start, "invalid number '" + literal + "'");
  t.number = negative ? -static_cast<double>(magnitude) : static_cast<double>(magnitude);
  return t;
}

} // namespace stevedore::policy::hcl
