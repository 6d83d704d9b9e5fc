// The lexer's dispatch, blanks and comments, words and numbers (strings and
// heredocs are in hcl_text.cpp).
#include "policy/hcl_lexer.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <system_error>

namespace stevedore::policy::hcl {

namespace {

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

namespace detail {

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

// A byte as an error message shows it: 'x' when printable, else its code.
std::string show_byte(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7F) return std::string("'") + c + "'";
  static const char digits[] = "0123456789abcdef";
  return std::string("byte 0x") + digits[u >> 4] + digits[u & 0xF];
}

} // namespace detail

using namespace detail;

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
