// A simulated Docker daemon: an HTTP/1.1 server on a Unix socket speaking the
// part of Engine API v1.41 that stevedore uses, answering like dockerd 20.10
// (same JSON field names, statuses and {"message": ...} error bodies). It
// exists to push the supervisor far past what one machine's real daemon
// holds (tens of thousands of containers) and to inject faults; it never
// replaces the real daemon in functional tests.
//
// Containers are a few hundred bytes of state each: no thread, process or
// socket per container; everything that happens later (a `sleep N` ending,
// a stop's kill timeout) is an entry in one timer queue on the io_context.
//
//   auto sim = sim_daemon::start({});            // socket in a fresh temp dir
//   auto t = docker::transport::make(sim->where());
//   ...
//   EXPECT_EQ(sim->calls("containers.create"), 1u);
//
// Behaviour of a container, from its create body (see README.md here):
//   Cmd ["sleep","N"]          exits 0 after N simulated seconds
//   Cmd ["sh","-c","exit N"]   exits N at once; `sh -c` scripts of echo,
//                              sleep and exit steps run step by step
//   Cmd ["echo", ...]          prints its arguments, exits 0
//   anything else              runs until stopped or killed
//   label sim.ignore-sigterm=true or env SIM_IGNORE_SIGTERM=1: SIGTERM is
//                              ignored, so a stop waits its full timeout
//   label sim.oom=true         is OOM-killed right after start (exit 137)
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "docker/transport.hpp"
#include "messages/result.hpp"

namespace stevedore::sim {

// What an injected fault does to one answer.
enum class fault_kind : std::uint8_t {
  status_500, // a 500 answer with {"message": "simulated fault ..."}
  reset,      // the connection is reset (RST) after the request is read
  truncate,   // the answer stops half way: Content-Length promises more, or a
              // stream ends after its first chunk without the last chunk
  stall,      // no answer at all until the client gives up and closes
  garbage,    // a chunked answer whose first chunk size is not hex
};

// "500", "reset", "truncate", "stall", "garbage".
const char* to_string(fault_kind k) noexcept;

// ROUTE:KIND:RATE, route a name from route_names() or "*" for every route.
struct fault_rule {
  std::string route = "*";
  fault_kind kind = fault_kind::status_500;
  double rate = 1.0; // 0..1, the share of calls of that route that get it
};

// "containers.start:500:0.1" -> rule; errors name the part at fault.
result<fault_rule> parse_fault(std::string_view text);

// Delay before a route answers: fixed plus a uniform jitter in [0, jitter].
struct latency_rule {
  std::string route = "*";
  std::chrono::milliseconds fixed{0};
  std::chrono::milliseconds jitter{0};
};

// ROUTE:MS or ROUTE:MS~JITTER ("containers.create:5~3", "*:1").
result<latency_rule> parse_latency(std::string_view text);

struct options {
  std::string socket_path;            // empty: docker.sock in a fresh temp dir (removed at stop)
  std::size_t threads = 1;            // I/O threads
  std::uint64_t seed = 1;             // faults and jitter are a pure function of
                                      // (seed, route, n-th call of that route)
  std::vector<fault_rule> faults;
  std::vector<latency_rule> latency;  // the last rule naming a route wins over "*"
  double time_scale = 1.0;            // a simulated second lasts this many real seconds
                                      // (sleep N, stop timeouts, pull pacing, stats period)
  std::vector<std::string> images = {"busybox:latest"}; // present at start
  std::string registry_user;          // when set, pulls need a matching X-Registry-Auth
  std::string registry_password;
  std::size_t pull_layers = 2;        // layers reported by a pull
  std::chrono::milliseconds pull_step{0}; // simulated pause between progress lines
  std::size_t log_lines_kept = 1000;  // per container, oldest dropped first
  std::size_t events_kept = 1024;     // for /events?since=
  std::size_t body_limit = 64u << 20; // larger request bodies answer 413
};

class sim_daemon {
public:
  // Binds, listens and starts the I/O thread(s). Errors: the socket cannot be
  // bound (path too long, directory missing, in use), bad options.
  static result<std::unique_ptr<sim_daemon>> start(options opts);

  virtual ~sim_daemon() = default;

  // unix://<socket path>
  virtual docker::endpoint where() const = 0;
  virtual const std::string& socket_path() const = 0;

  // Calls answered (or faulted) per route name since start; "unknown" counts
  // requests no route matched.
  virtual std::map<std::string, std::uint64_t> calls() const = 0;
  virtual std::uint64_t calls(std::string_view route) const = 0;
  // Faults injected per kind name ("500", "reset", ...).
  virtual std::map<std::string, std::uint64_t> faults_injected() const = 0;
  // Replaces the fault rules from now on (call indexes keep counting).
  virtual void set_faults(std::vector<fault_rule> rules) = 0;

  // Live figures of the simulated engine.
  virtual std::size_t containers() const = 0;
  virtual std::size_t running() const = 0;
  virtual std::size_t images() const = 0;

  // Closes the listener and every connection, joins the threads, removes
  // the socket (and its temp dir when the sim made it). Idempotent.
  virtual void stop() = 0;
};

// Every route name, in the order of the API reference ("ping", "version",
// "info", "networks.inspect", "images.inspect", ...).
const std::vector<std::string>& route_names();

} // namespace stevedore::sim
