// libFuzzer entry for parse_hcl and parse_hcl2 (see CMakeLists.txt for the
// two builds). HCL2 must answer every input with a tree or one error line
// naming the file and a position inside it, within its step budget.
// Besides the shared invariants, every tree that parses is printed back as
// HCL and parsed again: the second tree must equal the first. That holds the
// lexer's escapes, heredocs and interpolation handling to one another.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "policy/ast.hpp"
#include "policy/hcl2.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/policy/parse_helpers.hpp"

namespace {

using stevedore::policy::node;

// Every byte that could mean something else is escaped: '$' as \x24 so that
// no "${" starts an interpolation (whose text would be taken verbatim).
void quote(std::string& out, std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u >= 0x7F || c == '$') {
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 0xF];
    } else {
      out += c;
    }
  }
  out += '"';
}

void print(std::string& out, const node& n);

void print_members(std::string& out, const node& n) {
  for (const auto& [key, value] : n.fields) {
    quote(out, key);
    if (value.block) {
      for (const auto& label : value.labels) {
        out += ' ';
        quote(out, label);
      }
      out += ' ';
    } else {
      out += " = ";
    }
    print(out, value);
    out += '\n';
  }
}

void print(std::string& out, const node& n) {
  switch (n.type) {
    case node::kind::null: out += "null_cannot_happen"; break;
    case node::kind::boolean: out += n.boolean ? "true" : "false"; break;
    case node::kind::number: out += n.text; break;
    case node::kind::string: quote(out, n.text); break;
    case node::kind::list:
      out += '[';
      for (const auto& item : n.items) {
        print(out, item);
        out += ", ";
      }
      out += ']';
      break;
    case node::kind::object:
      out += "{\n";
      print_members(out, n);
      out += '}';
      break;
  }
}

void check_hcl2(std::string_view text, int lines) {
  using namespace stevedore;
  policy::hcl2_inputs in;
  in.vars = {{"v", "1"}};
  in.read_file = [](const std::string& path) -> result<std::string> { return path; };
  auto r = policy::parse_hcl2(text, "fuzz.hcl", in);
  if (!r.ok()) {
    // A problem of the -var value itself has no place in the file.
    if (r.error().message.rfind("fuzz.hcl: -var v: ", 0) != 0)
      fuzz::check_error(r.error(), "fuzz.hcl", lines);
    return;
  }
  if (r->type != policy::node::kind::object) fuzz::violated("hcl2 root", "not an object");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stevedore;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  int lines = fuzz::count_lines(text);
  check_hcl2(text, lines);
  auto r = policy::parse_hcl(text, "fuzz.hcl");
  if (!r.ok()) {
    fuzz::check_error(r.error(), "fuzz.hcl", lines);
    return 0;
  }
  if (r->type != policy::node::kind::object) fuzz::violated("root", "not an object");
  fuzz::check_positions(*r, lines);

  std::string printed;
  print_members(printed, *r);
  auto again = policy::parse_hcl(printed, "printed.hcl");
  if (!again.ok()) fuzz::violated("printed tree does not parse", again.error().message + "\n" + printed);
  std::string first = policy::testing::render(*r), second = policy::testing::render(*again);
  if (first != second) fuzz::violated("printed tree parses differently", first + "\n" + second);
  return 0;
}
