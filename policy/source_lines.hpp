// Byte offset -> line and column, for the HCL lexer and the JSON reader. Both
// find offsets first and positions only where a node or an error needs one,
// so a table of line starts built once beats counting newlines as we go.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <vector>

#include "policy/ast.hpp"

namespace stevedore::policy::detail {

class source_lines {
public:
  explicit source_lines(std::string_view text) : size_(text.size()) {
    starts_.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n')
        starts_.push_back(i + 1);
  }

  // Offsets past the end clamp to the end, so "end of file" has a position.
  position at(std::size_t offset) const {
    offset = std::min(offset, size_);
    auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
    auto line = static_cast<std::size_t>(it - starts_.begin()); // >= 1: starts_[0] == 0
    return position{static_cast<int>(line), static_cast<int>(offset - starts_[line - 1] + 1)};
  }

private:
  std::size_t size_;
  std::vector<std::size_t> starts_; // offset of the first byte of each line
};

} // namespace stevedore::policy::detail
