// libFuzzer entry for read_client_config (HCL or JSON client settings): no
// crash, no undefined behaviour under the sanitizers, and every problem and
// warning a printable line naming the file.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/decode.hpp"
#include "policy/rules.hpp"
#include "tests/fuzz/fuzz_messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stevedore;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = policy::read_client_config(text, "client.hcl");
  for (const auto& p : r.problems) {
    auto line = policy::format_problem(p, "client.hcl");
    fuzz::check_line(line, "client settings problem");
    if (line.rfind("client.hcl", 0) != 0)
      fuzz::violated("problem does not start with the file", line);
  }
  for (const auto& w : r.warnings)
    fuzz::check_line(w, "client settings warning");
  if (r.ok()) {
    // What the settings hold stays inside the ranges the decoder promises.
    const auto& c = r.value;
    if (c.max_concurrent_pulls < 1 || c.max_group_count < 1 || c.max_job_instances < 1 ||
        c.min_dynamic_port > c.max_dynamic_port)
      fuzz::violated("settings out of range", "");
    fuzz::check_line(policy::root_equivalent_settings(c), "agent warning");
  }
  return 0;
}
