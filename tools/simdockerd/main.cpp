// stevedore-simd: the simulated Docker daemon as a program. Runs until
// SIGINT or SIGTERM.
#include <csignal>
#include <cstdio>

#include <CLI/CLI.hpp>

#include "tools/simdockerd/sim_daemon.hpp"

int main(int argc, char** argv) {
  using namespace stevedore;
  CLI::App app{"stevedore-simd: a simulated Docker daemon (Engine API 1.41) on a Unix socket"};
  sim::options opts;
  opts.images.clear();
  std::vector<std::string> faults, latencies, images;
  long latency_ms = 0;
  bool list_routes = false;
  app.add_option("--socket", opts.socket_path, "Unix socket to listen on")->required();
  app.add_option("--latency-ms", latency_ms, "Delay before every answer")->check(CLI::NonNegativeNumber);
  app.add_option("--latency", latencies, "Per-route delay ROUTE:MS or ROUTE:MS~JITTER (repeatable)");
  app.add_option("--fault", faults, "ROUTE:KIND:RATE, KIND one of 500 reset truncate stall garbage (repeatable)");
  app.add_option("--seed", opts.seed, "Seed of fault and jitter draws");
  app.add_option("--threads", opts.threads, "I/O threads")->check(CLI::Range(1, 64));
  app.add_option("--time-scale", opts.time_scale, "Real seconds per simulated second (sleep N, stop timeouts)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--image", images, "Image present at start (repeatable; default busybox:latest)");
  app.add_option("--registry-user", opts.registry_user, "Require this user in X-Registry-Auth for pulls");
  app.add_option("--registry-password", opts.registry_password, "... and this password");
  app.add_option("--pull-layers", opts.pull_layers, "Layers reported by a pull");
  app.add_flag("--list-routes", list_routes, "Print the route names and exit");
  CLI11_PARSE(app, argc, argv);

  if (list_routes) {
    for (auto& r : sim::route_names())
      std::printf("%s\n", r.c_str());
    return 0;
  }
  opts.images = images.empty() ? std::vector<std::string>{"busybox:latest"} : images;
  if (latency_ms > 0)
    opts.latency.push_back({"*", std::chrono::milliseconds(latency_ms), {}});
  for (auto& l : latencies) {
    auto r = sim::parse_latency(l);
    if (!r.ok()) {
      std::fprintf(stderr, "stevedore-simd: %s\n", to_string(r.error()).c_str());
      return 2;
    }
    opts.latency.push_back(*r);
  }
  for (auto& f : faults) {
    auto r = sim::parse_fault(f);
    if (!r.ok()) {
      std::fprintf(stderr, "stevedore-simd: %s\n", to_string(r.error()).c_str());
      return 2;
    }
    opts.faults.push_back(*r);
  }

  // Block the signals before any thread starts, so that only sigwait sees them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  auto sim = sim::sim_daemon::start(std::move(opts));
  if (!sim.ok()) {
    std::fprintf(stderr, "stevedore-simd: %s\n", to_string(sim.error()).c_str());
    return 1;
  }
  std::printf("stevedore-simd listening on unix://%s\n", (*sim)->socket_path().c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  (*sim)->stop();
  // What the run asked of it, for benchmarks: calls per route.
  std::string counts;
  for (const auto& [route, n] : (*sim)->calls())
    counts += " " + route + "=" + std::to_string(n);
  std::printf("stevedore-simd calls:%s\n", counts.c_str());
  // And what it injected, and what the clients left on it (fault runs).
  std::string injected;
  for (const auto& [kind, n] : (*sim)->faults_injected())
    injected += " " + kind + "=" + std::to_string(n);
  std::printf("stevedore-simd faults:%s\n", injected.empty() ? " none" : injected.c_str());
  std::printf("stevedore-simd containers left: %zu (running %zu)\n", (*sim)->containers(),
              (*sim)->running());
  return 0;
}
