// Tokens of HCL version 1 as Nomad 0.8 reads job files and client settings.
// Newlines and comments carry no meaning in HCL1's grammar, so the lexer drops
// them; strings and heredocs come out already decoded (escapes resolved,
// heredoc indentation removed), with `${...}` kept literally.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "policy/ast.hpp"
#include "policy/source_lines.hpp"

namespace stevedore::policy::hcl {

enum class tok {
  eof,
  ident,   // bare key or label: letters, digits, _ - . : (not first)
  string,  // "..." with escapes resolved
  heredoc, // <<EOF ... EOF, <<-EOF ... EOF
  number,  // text: the literal; value: its value
  boolean, // true / false
  lbrace,
  rbrace,
  lbrack,
  rbrack,
  assign,
  comma,
  error, // text: what is wrong; pos: where
};

struct token {
  tok type = tok::eof;
  position pos;
  std::string text;
  double number = 0;
  bool boolean = false;
};

// "string", "identifier 'foo'", "'{'", "end of file": for "found ..." in errors.
std::string describe(const token& t);

// Shared by hcl_lexer.cpp, hcl_text.cpp and hcl2_parser.cpp.
namespace detail {
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
inline bool is_octal(char c) { return c >= '0' && c <= '7'; }
inline bool is_ascii_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
// Length of the well-formed UTF-8 sequence of two to four bytes at s[i], or 0.
std::size_t utf8_length(std::string_view s, std::size_t i);
// A byte as an error message shows it: 'x' when printable, else "byte 0x01".
std::string show_byte(char c);
// Appends the code point cp as UTF-8.
void append_utf8(std::string& out, std::uint32_t cp);
} // namespace detail

class lexer {
public:
  explicit lexer(std::string_view src) : src_(src), lines_(src) {}

  // The next token; after an error or the end, the same kind again.
  token next();


private:
  // Each scans from off_ (on the token's first byte) and leaves off_ after it.
  token scan_string();
  token scan_heredoc();
  token scan_number();
  token scan_word();
  bool skip_blank(token& err); // whitespace, newlines, comments; false on error
  // One escape after the backslash at off_; appends its bytes to out (or,
  // verbatim, the escape text itself). False with err set when invalid.
  bool scan_escape(std::string& out, bool verbatim, token& err);

  // Bytes of the character at offset that strings and heredocs may hold
  // (well-formed UTF-8, no NUL), or 0.
  std::size_t text_length(std::size_t offset) const;

  token make(tok type, std::size_t start, std::string text = {}) const;
  token fail(std::size_t offset, std::string what) const;

  std::string_view src_;
  policy::detail::source_lines lines_;
  std::size_t off_ = 0;
  bool failed_ = false;
  token last_error_;
};

} // namespace stevedore::policy::hcl
