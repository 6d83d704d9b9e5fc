// `stevedore info [--endpoint URL] [--config CLIENT] [--json]`: what the
// Docker daemon stevedore would drive says about itself: its version, the
// API version negotiated with it, OS, runtimes and the bridge gateway.
//
// The endpoint is found as the driver finds it: --endpoint, else the client
// settings' docker.endpoint (and docker.tls.*), else DOCKER_HOST,
// DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, else unix:///var/run/docker.sock.
// Exit 0 with the report on stdout; exit 1 with one line on stderr when the
// settings are bad or the daemon cannot be reached.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>

#include "docker/client.hpp"
#include "messages/json.hpp"
#include "policy/rules.hpp"
#include "tools/stevedore/command.hpp"

namespace {

using namespace stevedore;

struct info_args {
  std::string endpoint;
  std::string config_file;
  bool json = false;
  int timeout_s = 10;
};

int fail(const std::string& line) {
  std::fprintf(stderr, "stevedore info: %s\n", line.c_str());
  return 1;
}

// The endpoint the driver would use; false (and printed why) when the
// settings say something wrong.
bool find_endpoint(const info_args& args, docker::endpoint& out) {
  client_config settings;
  if (!args.config_file.empty()) {
    std::ifstream in(args.config_file, std::ios::binary);
    if (!in) {
      fail(args.config_file + ": cannot read the client settings");
      return false;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    auto decoded = policy::read_client_config(ss.str(), args.config_file);
    for (const auto& w : decoded.warnings)
      std::fprintf(stderr, "warning: %s\n", w.c_str());
    if (!decoded.ok()) {
      for (const auto& p : decoded.problems)
        std::fprintf(stderr, "%s\n", to_string(p).c_str());
      return false;
    }
    settings = std::move(decoded.value);
  }
  if (!args.endpoint.empty())
    settings.endpoint = args.endpoint;
  auto ep = docker::resolve_endpoint(settings.endpoint, settings.tls_cert, settings.tls_key,
                                     settings.tls_ca, [](const char* name) { return std::getenv(name); });
  if (!ep.ok()) {
    fail(to_string(ep.error()));
    return false;
  }
  out = std::move(*ep);
  return true;
}

// Runs one client call and waits for it (this is a command line tool; the
// wait is bounded by the client's own deadline).
template <class T, class Start>
result<T> ask(Start&& start) {
  auto p = std::make_shared<std::promise<result<T>>>();
  auto f = p->get_future();
  start([p](result<T> r) { p->set_value(std::move(r)); });
  return f.get();
}

std::string joined(const std::vector<std::string>& xs) {
  std::string out;
  for (const auto& x : xs)
    out += (out.empty() ? "" : ", ") + x;
  return out;
}

int run_info(const info_args& args) {
  docker::endpoint ep;
  if (!find_endpoint(args, ep))
    return 1;
  docker::client::options opts;
  opts.timeout = std::chrono::seconds(args.timeout_s);
  opts.connection.connect_timeout = std::chrono::seconds(args.timeout_s);
  auto c = docker::client::make(ep, opts);
  std::string where = docker::to_string(ep);

  auto version = ask<engine_version>([&](auto cb) { c->version(cb); });
  if (!version.ok())
    return fail(where + ": " + to_string(version.error()));
  auto info = ask<engine_info>([&](auto cb) { c->info(cb); });
  if (!info.ok())
    return fail(where + ": " + to_string(info.error()));
  auto bridge = ask<network_info>([&](auto cb) { c->network_inspect("bridge", cb); });
  std::string gateway = bridge.ok() ? bridge->gateway : "";
  std::string api = c->api_version();
  c->shutdown();

  if (args.json) {
    json out = json::object();
    out.set("endpoint", where);
    out.set("daemon_version", version->version);
    out.set("api_version", api);
    out.set("daemon_api_version", version->api_version);
    out.set("daemon_min_api_version", version->min_api_version);
    out.set("os", info->operating_system);
    out.set("os_type", version->os);
    out.set("arch", version->arch);
    out.set("kernel_version", version->kernel_version);
    out.set("storage_driver", info->driver);
    out.set("cgroup_driver", info->cgroup_driver);
    out.set("ncpu", info->ncpu);
    out.set("mem_total", info->mem_total);
    out.set("runtimes", json::array_of(info->runtimes));
    out.set("default_runtime", info->default_runtime);
    out.set("bridge_gateway", gateway);
    if (!bridge.ok())
      out.set("bridge_error", to_string(bridge.error()));
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::printf("endpoint:        %s\n", where.c_str());
  std::printf("daemon version:  %s\n", version->version.c_str());
  std::printf("API version:     %s (daemon speaks %s, oldest %s)\n", api.c_str(),
              version->api_version.c_str(), version->min_api_version.c_str());
  std::printf("OS:              %s (%s/%s, kernel %s)\n", info->operating_system.c_str(),
              version->os.c_str(), version->arch.c_str(), version->kernel_version.c_str());
  std::printf("storage driver:  %s, cgroup driver %s\n", info->driver.c_str(),
              info->cgroup_driver.c_str());
  std::printf("runtimes:        %s (default %s)\n", joined(info->runtimes).c_str(),
              info->default_runtime.c_str());
  std::printf("bridge gateway:  %s\n",
              bridge.ok() ? (gateway.empty() ? "(none)" : gateway.c_str())
                          : ("(unknown: " + to_string(bridge.error()) + ")").c_str());
  return 0;
}

const bool registered = stevedore::cli::add_command(
  {"info", "Show what the Docker daemon says about itself (version, API, OS, runtimes, bridge)",
   [](CLI::App& app) {
     auto args = std::make_shared<info_args>();
     app.add_option("--endpoint", args->endpoint,
                    "Daemon endpoint (unix:///path or tcp://host:port); default: the client "
                    "settings' docker.endpoint, then DOCKER_HOST");
     app.add_option("--config", args->config_file,
                    "Client settings file (HCL or JSON): docker.endpoint and docker.tls.*");
     app.add_flag("--json", args->json, "Print the report as JSON");
     app.add_option("--timeout", args->timeout_s, "Seconds to wait for the daemon (default 10)")
       ->check(CLI::Range(1, 3600));
     return [args] { return run_info(*args); };
   }});

} // namespace
