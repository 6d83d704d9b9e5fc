// Decoding of the daemon-level and image answers: /version, /info,
// /networks/{name}, /images/{name}/json, /images/json.
#include <algorithm>
#include <cstdio>

#include "docker/decode_support.hpp"

namespace stevedore::docker::decode {

using namespace detail;

result<engine_version> version(std::string_view body, std::string_view what) {
  return parse<engine_version>(body, what, [](od::value root, engine_version& v, trail& tr) {
    return each_field(root, tr, [&](std::string_view k, od::value x) -> error_code {
      if (k == "Version") return read(x, v.version);
      if (k == "ApiVersion") return read(x, v.api_version);
      if (k == "MinAPIVersion") return read(x, v.min_api_version);
      if (k == "Os") return read(x, v.os);
      if (k == "Arch") return read(x, v.arch);
      if (k == "KernelVersion") return read(x, v.kernel_version);
      return simdjson::SUCCESS;
    });
  });
}

result<engine_info> info(std::string_view body, std::string_view what) {
  return parse<engine_info>(body, what, [](od::value root, engine_info& v, trail& tr) {
    return each_field(root, tr, [&](std::string_view k, od::value x) -> error_code {
      if (k == "ID") return read(x, v.id);
      if (k == "Name") return read(x, v.name);
      if (k == "ServerVersion") return read(x, v.server_version);
      if (k == "OSType") return read(x, v.os_type);
      if (k == "OperatingSystem") return read(x, v.operating_system);
      if (k == "Architecture") return read(x, v.architecture);
      if (k == "Driver") return read(x, v.driver);
      if (k == "CgroupDriver") return read(x, v.cgroup_driver);
      if (k == "NCPU") return read(x, v.ncpu);
      if (k == "MemTotal") return read(x, v.mem_total);
      if (k == "Containers") return read(x, v.containers);
      if (k == "ContainersRunning") return read(x, v.containers_running);
      if (k == "Images") return read(x, v.images);
      if (k == "DefaultRuntime") return read(x, v.default_runtime);
      if (k == "SecurityOptions") return read(x, v.security_options);
      if (k == "Runtimes") {
        error_code e = each_field(x, tr, [&](std::string_view name, od::value) -> error_code {
          v.runtimes.emplace_back(name);
          return simdjson::SUCCESS;
        });
        std::sort(v.runtimes.begin(), v.runtimes.end());
        return e;
      }
      return simdjson::SUCCESS;
    });
  });
}

namespace {

// The first host address of an IPv4 subnet ("172.17.0.0/16" -> "172.17.0.1"),
// empty for anything else.
std::string first_host(const std::string& subnet) {
  unsigned a, b, c, d, bits;
  char tail;
  if (std::sscanf(subnet.c_str(), "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, &bits, &tail) != 5 ||
      a > 255 || b > 255 || c > 255 || d > 255 || bits > 30)
    return {};
  std::uint32_t ip = (a << 24) | (b << 16) | (c << 8) | d;
  std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t(0) << (32 - bits);
  ip = (ip & mask) + 1;
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 255) + "." +
         std::to_string((ip >> 8) & 255) + "." + std::to_string(ip & 255);
}

// The inspect as the daemon wrote it.
result<network_info> parse_network(std::string_view body, std::string_view what);

} // namespace

result<network_info> network(std::string_view body, std::string_view what) {
  auto r = parse_network(body, what);
  // dockerd leaves Gateway out of the default bridge's IPAM config when
  // docker0 already had its address as the daemon started (seen with 20.10
  // on a fresh data root); its IPAM then gave the bridge the subnet's first
  // host address, which is what the gateway is.
  if (r && r.value().gateway.empty())
    r.value().gateway = first_host(r.value().subnet);
  return r;
}

namespace {

result<network_info> parse_network(std::string_view body, std::string_view what) {
  return parse<network_info>(body, what, [](od::value root, network_info& v, trail& tr) {
    return each_field(root, tr, [&](std::string_view k, od::value x) -> error_code {
      if (k == "Name") return read(x, v.name);
      if (k == "Id") return read(x, v.id);
      if (k == "Driver") return read(x, v.driver);
      if (k != "IPAM")
        return simdjson::SUCCESS;
      return each_field(x, tr, [&](std::string_view ik, od::value ix) -> error_code {
        if (ik != "Config")
          return simdjson::SUCCESS;
        bool first = true; // the first IPAM entry is the bridge's IPv4 one
        return each_element(ix, tr, [&](od::value entry) -> error_code {
          if (!first)
            return simdjson::SUCCESS;
          first = false;
          return each_field(entry, tr, [&](std::string_view ck, od::value cx) -> error_code {
            if (ck == "Subnet") return read(cx, v.subnet);
            if (ck == "Gateway") return read(cx, v.gateway);
            return simdjson::SUCCESS;
          });
        });
      });
    });
  });
}

} // namespace

namespace {

// ExposedPorts / Labels maps; ports keep their keys only.
error_code read_keys(od::value x, trail& tr, std::vector<std::string>& out) {
  return each_field(x, tr, [&](std::string_view key, od::value) -> error_code {
    out.emplace_back(key);
    return simdjson::SUCCESS;
  });
}

} // namespace

result<image_info> image(std::string_view body, std::string_view what) {
  return parse<image_info>(body, what, [](od::value root, image_info& v, trail& tr) {
    return each_field(root, tr, [&](std::string_view k, od::value x) -> error_code {
      if (k == "Id") return read(x, v.id);
      if (k == "RepoTags") return read(x, v.repo_tags);
      if (k == "RepoDigests") return read(x, v.repo_digests);
      if (k == "Created") return read(x, v.created);
      if (k == "Os") return read(x, v.os);
      if (k == "Size") return read(x, v.size);
      if (k != "Config")
        return simdjson::SUCCESS;
      return each_field(x, tr, [&](std::string_view ck, od::value cx) -> error_code {
        if (ck == "User") return read(cx, v.user);
        if (ck == "ExposedPorts") return read_keys(cx, tr, v.exposed_ports);
        if (ck == "Env") return read(cx, v.env);
        if (ck == "Cmd") return read(cx, v.cmd);
        if (ck == "WorkingDir") return read(cx, v.working_dir);
        if (ck == "Entrypoint") return read(cx, v.entrypoint);
        if (ck == "Labels") return read(cx, v.labels);
        if (ck == "StopSignal") return read(cx, v.stop_signal);
        return simdjson::SUCCESS;
      });
    });
  });
}

result<std::vector<image_summary>> image_list(std::string_view body, std::string_view what) {
  using list = std::vector<image_summary>;
  return parse<list>(body, what, [](od::value root, list& out, trail& tr) {
    return each_element(root, tr, [&](od::value item) -> error_code {
      image_summary& v = out.emplace_back();
      return each_field(item, tr, [&](std::string_view k, od::value x) -> error_code {
        if (k == "Id") return read(x, v.id);
        if (k == "RepoTags") return read(x, v.repo_tags);
        if (k == "RepoDigests") return read(x, v.repo_digests);
        if (k == "Size") return read(x, v.size);
        if (k == "Created") return read(x, v.created);
        if (k == "Containers") return read(x, v.containers);
        return simdjson::SUCCESS;
      });
    });
  });
}

} // namespace stevedore::docker::decode
