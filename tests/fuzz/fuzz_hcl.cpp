// libFuzzer entry for parse_hcl (see CMakeLists.txt for the two builds).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/ast.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stevedore;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  int lines = fuzz::count_lines(text);
  auto r = policy::parse_hcl(text, "fuzz.hcl");
  if (r.ok()) {
    if (r->type != policy::node::kind::object) fuzz::violated("root", "not an object");
    fuzz::check_positions(*r, lines);
  } else {
    fuzz::check_error(r.error(), "fuzz.hcl", lines);
  }
  return 0;
}
