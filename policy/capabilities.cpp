#include "policy/capabilities.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "policy/interpolate.hpp"

namespace stevedore::policy {

namespace {

bool contains(const std::vector<std::string>& names, std::string_view wanted) {
  return std::any_of(names.begin(), names.end(),
                     [&](const std::string& n) { return normalize_capability(n) == wanted; });
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty())
      out += ", ";
    out += n;
  }
  return out;
}

} // namespace

const std::vector<std::string>& all_capabilities() {
  static const std::vector<std::string> caps = {
    "AUDIT_CONTROL", "AUDIT_READ", "AUDIT_WRITE", "BLOCK_SUSPEND", "BPF",
    "CHECKPOINT_RESTORE", "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER",
    "FSETID", "IPC_LOCK", "IPC_OWNER", "KILL", "LEASE", "LINUX_IMMUTABLE",
    "MAC_ADMIN", "MAC_OVERRIDE", "MKNOD", "NET_ADMIN", "NET_BIND_SERVICE",
    "NET_BROADCAST", "NET_RAW", "PERFMON", "SETFCAP", "SETGID", "SETPCAP", "SETUID",
    "SYS_ADMIN", "SYS_BOOT", "SYS_CHROOT", "SYS_MODULE", "SYS_NICE", "SYS_PACCT",
    "SYS_PTRACE", "SYS_RAWIO", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG",
    "SYSLOG", "WAKE_ALARM"};
  return caps;
}

std::string normalize_capability(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name)
    if (!std::isspace(static_cast<unsigned char>(c)))
      out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  if (out.rfind("CAP_", 0) == 0)
    out.erase(0, 4);
  return out;
}

bool is_known_capability(std::string_view name) {
  auto n = normalize_capability(name);
  if (n == "ALL")
    return true;
  const auto& all = all_capabilities();
  return std::find(all.begin(), all.end(), n) != all.end();
}

std::vector<std::string> effective_capabilities(const std::vector<std::string>& cap_add,
                                                const std::vector<std::string>& cap_drop) {
  std::set<std::string> caps;
  if (contains(cap_add, "ALL")) {
    for (const auto& c : all_capabilities())
      if (!contains(cap_drop, c))
        caps.insert(c);
    return {caps.begin(), caps.end()};
  }
  if (!contains(cap_drop, "ALL")) {
    for (const auto& c : default_capabilities())
      if (!contains(cap_drop, c))
        caps.insert(c);
  }
  // Docker applies additions after drops: naming a capability in both keeps it.
  for (const auto& c : cap_add)
    caps.insert(normalize_capability(c));
  return {caps.begin(), caps.end()};
}

std::vector<std::string> disallowed_capabilities(const std::vector<std::string>& effective,
                                                 const std::vector<std::string>& whitelist) {
  if (contains(whitelist, "ALL"))
    return {};
  std::vector<std::string> out;
  for (const auto& c : effective) {
    auto n = normalize_capability(c);
    if (!contains(whitelist, n))
      out.push_back(n);
  }
  return out;
}

void check_capabilities(const docker_config& config, const client_config& client,
                        const std::string& path, std::vector<error_info>& problems,
                        bool defer_references) {
  if (defer_references)
    for (const auto* field : {&config.cap_add, &config.cap_drop})
      for (const auto& c : *field)
        if (has_reference(c))
          return;
  bool known = true;
  for (const auto* field : {&config.cap_add, &config.cap_drop}) {
    const char* name = field == &config.cap_add ? "cap_add" : "cap_drop";
    for (const auto& c : *field)
      if (!is_known_capability(c)) {
        known = false;
        problems.push_back(make_error(errc::invalid_input, path + "." + name,
                                      "unknown capability \"" + c + "\""));
      }
  }
  if (!known)
    return;
  auto denied = disallowed_capabilities(effective_capabilities(config.cap_add, config.cap_drop),
                                        client.caps_whitelist);
  if (denied.empty())
    return;
  std::string message = denied.size() == 1 ? "capability " : "capabilities ";
  message += joined(denied);
  message += denied.size() == 1 ? " is" : " are";
  message += " not allowed by docker.caps.whitelist on this node";
  problems.push_back(make_error(errc::not_permitted, path + ".cap_add", std::move(message)));
}

} // namespace stevedore::policy
