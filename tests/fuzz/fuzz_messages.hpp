// Invariants of what a decoder tells a user, checked by the fuzz entries of
// the readers above the syntax layer (job files, client settings): every
// problem and warning line is one printable line of bounded length, however
// hostile the input (issue 18: terminal injection, 4 MB error lines).
#pragma once

#include <string>
#include <string_view>

#include "messages/error.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace stevedore::fuzz {

inline void check_line(std::string_view line, const char* what) {
  // printable()'s own cut may add its "... (N more bytes)" after the limit.
  if (line.size() > max_line_bytes + 64)
    violated(what, "a line of " + std::to_string(line.size()) + " bytes");
  for (char c : line) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f)
      violated(what, "a control character in: " + printable(line));
  }
  if (printable(line) != line)
    violated(what, "not printable as it is: " + printable(line));
}

} // namespace stevedore::fuzz
