#include "policy/ast.hpp"

namespace stevedore::policy {

std::string where(std::string_view file_name, const position& pos) {
  std::string out(file_name);
  if (pos.line > 0) {
    out += ':';
    out += std::to_string(pos.line);
    out += ':';
    out += std::to_string(pos.column);
  }
  return out;
}

} // namespace stevedore::policy
