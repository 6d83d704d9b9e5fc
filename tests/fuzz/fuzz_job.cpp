// libFuzzer entry for the whole job intake: read_job (HCL or Nomad's JSON
// form), check_job with the node's limits, and, for a job that passes, the
// plan with every create body. No crash, no undefined behaviour (the
// overflows of issue 18 were found here under UBSan), bounded work (the
// limits refuse a huge count before planning), and every message a
// printable line.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/decode.hpp"
#include "policy/plan.hpp"
#include "policy/rules.hpp"
#include "tests/fuzz/fuzz_messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stevedore;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  client_config client;
  client.node_id = "fuzz-node";
  client.alloc_root = "/nonexistent/alloc";
  // Small limits keep each run fast whatever count the input asks.
  client.max_group_count = 20;
  client.max_job_instances = 40;
  auto job = policy::read_job(text, "job.hcl");
  for (const auto& p : job.problems)
    fuzz::check_line(policy::format_problem(p, "job.hcl"), "job problem");
  for (const auto& w : job.warnings)
    fuzz::check_line(w, "job warning");
  if (!job.ok())
    return 0;
  auto problems = policy::check_job(job.value, client);
  for (const auto& p : problems)
    fuzz::check_line(policy::format_problem(p, "job.hcl"), "client rule problem");
  if (!problems.empty())
    return 0;
  policy::plan_options options;
  options.alloc_id = "0f6c1a2e-5b7d-4c3a-9e1f-2a3b4c5d6e7f";
  options.keep_create_body = true;
  auto plan = policy::plan_job(job.value, client, options);
  for (const auto& p : plan.problems)
    fuzz::check_line(policy::format_problem(p, "job.hcl"), "plan problem");
  for (const auto& w : plan.warnings)
    fuzz::check_line(printable(w), "plan warning");
  if (plan.ok() && static_cast<std::int64_t>(plan.instances.size()) > client.max_job_instances)
    fuzz::violated("more instances than the limit", std::to_string(plan.instances.size()));
  return 0;
}
