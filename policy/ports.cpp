#include "policy/ports.hpp"

namespace stevedore::policy {

namespace {

// splitmix64: small, fast, and the same on every platform (std::
// distributions are not specified bit-for-bit across library versions).
std::uint64_t next(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Nomad tries this many random picks before scanning the range.
constexpr int random_attempts = 20;

std::int64_t pick_dynamic(port_pool& pool, std::uint64_t& state) {
  auto span = static_cast<std::uint64_t>(pool.max_dynamic - pool.min_dynamic + 1);
  for (int i = 0; i < random_attempts; ++i) {
    auto port = pool.min_dynamic + static_cast<std::int64_t>(next(state) % span);
    if (pool.taken.count(port) == 0)
      return port;
  }
  for (auto port = pool.min_dynamic; port <= pool.max_dynamic; ++port)
    if (pool.taken.count(port) == 0)
      return port;
  return 0;
}

} // namespace

std::uint64_t seed_of(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::vector<task_port> allocate_ports(const std::vector<port_spec>& ports,
                                      const std::map<std::string, std::int64_t>& port_map,
                                      port_pool& pool, std::uint64_t seed,
                                      const std::string& path, std::vector<error_info>& problems) {
  std::vector<task_port> out(ports.size());
  // Static ports first, so dynamic picks avoid the task's own static ones.
  for (size_t i = 0; i < ports.size(); ++i) {
    out[i].label = ports[i].label;
    if (ports[i].static_port == 0)
      continue;
    out[i].host_port = ports[i].static_port;
    out[i].is_static = true;
    if (!pool.taken.insert(ports[i].static_port).second)
      problems.push_back(make_error(errc::conflict, path + ".port." + ports[i].label,
                                    "static port " + std::to_string(ports[i].static_port)
                                      + " is already taken on this node"));
  }
  std::uint64_t state = seed;
  for (size_t i = 0; i < ports.size(); ++i) {
    if (ports[i].static_port != 0)
      continue;
    auto port = pool.min_dynamic <= pool.max_dynamic ? pick_dynamic(pool, state) : 0;
    if (port == 0) {
      problems.push_back(make_error(errc::conflict, path + ".port." + ports[i].label,
                                    "no free dynamic port left in "
                                      + std::to_string(pool.min_dynamic) + "-"
                                      + std::to_string(pool.max_dynamic)));
      continue;
    }
    pool.taken.insert(port);
    out[i].host_port = port;
  }
  for (auto& p : out) {
    auto mapped = port_map.find(p.label);
    p.container_port = mapped != port_map.end() ? mapped->second : p.host_port;
  }
  return out;
}

} // namespace stevedore::policy
