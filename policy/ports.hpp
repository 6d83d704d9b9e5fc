// Port allocation for a task's `port "label" {}` blocks: static ports as
// given, dynamic ones drawn from the node's range, avoiding every port
// already taken on the node and the task's own static ports. Allocation is a
// pure function of its inputs and a seed, so a plan made with a fixed alloc
// id is the same every time.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "messages/error.hpp"
#include "messages/task_instance.hpp"
#include "messages/task_spec.hpp"

namespace stevedore::policy {

// The node's ports: the dynamic range and what is already in use. Allocation
// adds what it hands out to `taken`, so one pool serves a whole plan.
struct port_pool {
  std::int64_t min_dynamic = 20000;
  std::int64_t max_dynamic = 32000;
  std::set<std::int64_t> taken;
};

// A 64-bit seed from text (FNV-1a); plan seeds allocation with the alloc id
// and the task name.
std::uint64_t seed_of(std::string_view text);

// One task_port per entry of `ports`, in order: static ones as given,
// dynamic ones allocated (a few seeded random draws as Nomad does, then the
// first free port of the range). container_port is port_map[label] when
// mapped, else the host port. Problems (a static port already taken or
// given twice, an exhausted range) are appended with `what` = `path`.
std::vector<task_port> allocate_ports(const std::vector<port_spec>& ports,
                                      const std::map<std::string, std::int64_t>& port_map,
                                      port_pool& pool, std::uint64_t seed,
                                      const std::string& path, std::vector<error_info>& problems);

} // namespace stevedore::policy
