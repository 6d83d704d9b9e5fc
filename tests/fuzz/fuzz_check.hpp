// Invariants every parse must keep, whatever the input: checked by the fuzz
// entry points, which abort (so libFuzzer and the replay test report) when
// one breaks.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "policy/ast.hpp"

namespace stevedore::fuzz {

[[noreturn]] inline void violated(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz invariant violated: %s: %s\n", what, detail.c_str());
  std::abort();
}

inline int count_lines(std::string_view text) {
  int lines = 1;
  for (char c : text) lines += c == '\n';
  return lines;
}

// Every node has a position inside the input.
inline void check_positions(const policy::node& n, int lines) {
  if (n.pos.line < 1 || n.pos.line > lines || n.pos.column < 1)
    violated("position outside the input", std::to_string(n.pos.line) + ":" +
                                               std::to_string(n.pos.column));
  for (const auto& item : n.items) check_positions(item, lines);
  for (const auto& [key, value] : n.fields) check_positions(value, lines);
}

// A failure is invalid_input, names the file, and starts "FILE:LINE:COL: "
// with a line inside the input.
inline void check_error(const error_info& e, std::string_view file, int lines) {
  if (e.kind != errc::invalid_input) violated("error kind", to_string(e.kind));
  if (e.what != file) violated("error what", e.what);
  std::string_view m = e.message;
  if (m.substr(0, file.size() + 1) != std::string(file) + ":")
    violated("error message does not start with the file", e.message);
  m.remove_prefix(file.size() + 1);
  int line = 0, column = 0;
  std::size_t i = 0;
  while (i < m.size() && m[i] >= '0' && m[i] <= '9') line = line * 10 + (m[i++] - '0');
  if (i >= m.size() || m[i++] != ':') violated("error message has no line", e.message);
  while (i < m.size() && m[i] >= '0' && m[i] <= '9') column = column * 10 + (m[i++] - '0');
  if (m.substr(i, 2) != ": " || i + 2 >= m.size()) violated("error message has no column", e.message);
  if (line < 1 || line > lines || column < 1) violated("error position outside the input", e.message);
}

} // namespace stevedore::fuzz
