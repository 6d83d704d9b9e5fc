// The Docker credential helper protocol: `docker-credential-<name> get`, the
// server address on stdin, {"ServerURL","Username","Secret"} on stdout.
// Helpers can be slow (a cloud API behind them) or hang, so they never run on
// the caller's thread: a credential_helper_runner owns one worker thread that
// spawns helpers, watches their pipes with poll(2), enforces a deadline per
// call (the child's process group is killed after it) and caps what they
// write. Several helpers run at once, so one slow registry does not hold up
// the others. Nothing here logs, and no error carries a secret.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "messages/registry_auth.hpp"
#include "messages/result.hpp"

namespace stevedore::docker {

class credential_helper_runner {
public:
  // nullopt: the helper has no credentials for the address ("credentials not
  // found" and a non-zero exit), which is not an error: pull anonymously.
  using answer = result<std::optional<registry_credentials>>;
  using callback = std::function<void(answer)>;

  struct options {
    std::chrono::milliseconds timeout{10000}; // per call, from spawn; the child is killed after it
    std::size_t max_output = 64u << 10;       // stdout beyond this: the child is killed, malformed_answer
    std::size_t max_running = 4;              // helpers running at once; others wait in line
    std::size_t max_queued = 1024;            // calls waiting beyond this are refused (unavailable)
    std::string search_path;                  // directories to look in; empty: $PATH when the runner is made
  };

  explicit credential_helper_runner(options opts);
  credential_helper_runner() : credential_helper_runner(options{}) {}
  ~credential_helper_runner(); // shutdown()

  credential_helper_runner(const credential_helper_runner&) = delete;
  credential_helper_runner& operator=(const credential_helper_runner&) = delete;

  // Asks docker-credential-<helper> for `server_address`. `done` runs exactly
  // once, on the worker thread, and must not block or throw (an actor
  // forwards it with anon_send). Errors:
  //   invalid_input  helper name empty or not [A-Za-z0-9._-], address with a newline
  //   not_found      "docker-credential-foo not found on PATH"
  //   timeout        no answer within options.timeout (child killed)
  //   malformed_answer  output not the protocol's JSON, or over max_output
  //   daemon_error   exit status non-zero (its first stderr line, capped)
  //   unavailable    too many calls waiting
  //   cancelled      the runner shut down first
  // Two refusals run `done` at once, on the caller's thread: a call made
  // after shutdown (cancelled) and one beyond max_queued (unavailable).
  void get(std::string helper, std::string server_address, callback done);

  // Kills running helpers, ends every pending call with cancelled (their
  // callbacks run before this returns) and joins the worker. Idempotent.
  // Must not be called from a callback (the worker cannot join itself).
  void shutdown();

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

// The helper protocol's answer, decoded: Username "<token>" means Secret is an
// identity token. `program` names the helper in errors; the output is never
// quoted in them. Exposed for tests.
credential_helper_runner::answer decode_helper_output(const std::string& output,
                                                      const std::string& server_address,
                                                      const std::string& program);

} // namespace stevedore::docker
