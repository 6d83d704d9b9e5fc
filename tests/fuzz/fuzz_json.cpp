// libFuzzer entry for parse_json (see CMakeLists.txt for the two builds).
// Besides the shared invariants, it holds On-Demand to the verdict of
// simdjson's fully validating DOM parser: On-Demand only checks what it is
// asked to read, so a value we forgot to visit would show up as a document
// the DOM rejects but parse_json accepts.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "policy/ast.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

// An integer literal beyond 64 bits: valid JSON, read as a double by
// On-Demand's get_double, refused by the DOM parser (NUMBER_ERROR).
bool has_big_integer(const stevedore::policy::node& n) {
  if (n.type == stevedore::policy::node::kind::number &&
      n.text.find_first_of(".eE") == std::string::npos &&
      n.text.size() - (n.text[0] == '-') > 18)
    return true;
  for (const auto& item : n.items)
    if (has_big_integer(item)) return true;
  for (const auto& field : n.fields)
    if (has_big_integer(field.second)) return true;
  return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stevedore;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  int lines = fuzz::count_lines(text);
  auto r = policy::parse_json(text, "fuzz.json");
  if (r.ok())
    fuzz::check_positions(*r, lines);
  else
    fuzz::check_error(r.error(), "fuzz.json", lines);

  static simdjson::dom::parser dom;
  simdjson::padded_string padded(text);
  simdjson::dom::element root;
  auto dom_error = dom.parse(padded).get(root);
  bool too_deep = !r.ok() && r.error().message.find("nesting deeper than") != std::string::npos;
  if (r.ok() && dom_error && !(dom_error == simdjson::NUMBER_ERROR && has_big_integer(*r)))
    fuzz::violated("parse_json accepted what the DOM parser rejects",
                   simdjson::error_message(dom_error));
  if (!r.ok() && !dom_error && !too_deep)
    fuzz::violated("parse_json rejected valid JSON", r.error().message);
  return 0;
}
