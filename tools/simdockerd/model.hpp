// The simulated engine's state: images, containers, execs and the event
// history, with every container's little program (sleep, echo, exit) run by
// one timer queue. No sockets and no Asio here: the server asks the model
// for answers, tells it the time (advance), and re-arms its one timer at
// next_deadline(). All public members lock; callbacks given to watch_*
// run with the lock held and must only hand work on (post), never call back
// into the model.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "tools/simdockerd/request_body.hpp"

namespace stevedore::sim {

// An answer from the model: status and JSON body ("" for 204/304).
struct answer {
  int status = 200;
  std::string body;
};

// {"message": text}
std::string error_body(std::string_view text);

// What a container's command does, compiled from its argv at create.
struct step {
  enum class kind : std::uint8_t { out, err, sleep, exit, forever };
  kind what = kind::forever;
  std::int64_t n = 0;        // sleep: milliseconds; exit: code
  std::string text;          // out / err: the bytes written
};
std::vector<step> compile_program(const std::vector<std::string>& argv);

struct log_line {
  std::int64_t time_ns = 0; // wall clock
  bool err = false;
  std::string text;
};

struct model_options {
  double time_scale = 1.0;
  std::size_t log_lines_kept = 1000;
  std::size_t events_kept = 1024;
  std::string registry_user;
  std::string registry_password;
  std::size_t pull_layers = 2;
};

class model {
public:
  using steady = std::chrono::steady_clock;
  struct notice {
    enum class kind { exited, removed, log } what;
    int exit_code = 0;
    const log_line* line = nullptr;
  };
  using watch_fn = std::function<void(const notice&)>;
  using event_fn = std::function<void(const std::string& line)>;

  explicit model(model_options opts);
  ~model();

  // -- images --
  void add_image(const std::string& reference);
  answer image_inspect(const std::string& name);
  answer image_list();
  answer image_remove(const std::string& name, bool force);
  // Checks a pull; on success fills the progress lines (each a JSON line
  // with "\n") to stream, the image is added by finish_pull.
  answer pull_check(const std::string& from_image, const std::string& tag,
                    const std::string& auth_header, std::vector<std::string>& lines,
                    std::string& reference);
  void finish_pull(const std::string& reference);
  answer image_load(std::string_view tar);

  // -- containers --
  answer create(const std::string& name, create_spec spec);
  answer start(const std::string& id);
  answer inspect(const std::string& id);
  answer list(bool all, const filter_map& filters);
  // Sends the stop signal; answers at once (304 / 404) or returns nullopt and
  // calls `done` with 204 once the container died (SIGKILL after `timeout_s`).
  std::optional<answer> stop(const std::string& id, std::int64_t timeout_s,
                             std::function<void(answer)> done);
  answer kill(const std::string& id, const std::string& signal);
  answer remove(const std::string& id, bool force);
  answer stats(const std::string& id);
  // Log lines to send now; fills `tty`. With `follow` set and the container
  // running, `follow` is registered in the same step (no line is lost in
  // between) and watch_id / full_id say how to unwatch it; watch_id stays 0
  // when the container is not running.
  answer logs(const std::string& id, bool out, bool err, std::int64_t since_ns,
              std::int64_t tail, std::vector<log_line>& lines, bool& tty, watch_fn follow,
              std::uint64_t& watch_id, std::string& full_id);
  // condition "not-running" (default), "next-exit", "removed". Answers at
  // once, or returns nullopt and calls `done` later with the wait body.
  std::optional<answer> wait(const std::string& id, const std::string& condition,
                             std::function<void(answer)> done, std::uint64_t& watch_id,
                             std::string& full_id);
  std::uint64_t watch(const std::string& id, watch_fn fn); // 0: no such container
  void unwatch(const std::string& id, std::uint64_t watch_id);

  // -- exec --
  answer exec_create(const std::string& id, exec_spec spec);
  // Runs the exec at once: its output (framed unless tty) or an error.
  answer exec_start(const std::string& exec_id, std::string& output);
  answer exec_inspect(const std::string& exec_id);

  // -- daemon --
  answer version();
  answer info();
  answer network(const std::string& name);

  // -- events --
  // Lines of the history matching `filters` with time in [since, until], then
  // (when live) every new one through `fn` until unsubscribe.
  std::uint64_t subscribe(const filter_map& filters, std::int64_t since_ns, std::int64_t until_ns,
                          std::vector<std::string>& backlog, event_fn fn);
  void unsubscribe(std::uint64_t id);

  // -- time --
  // Runs every timer due at `now`; returns the next deadline (or max).
  steady::time_point advance(steady::time_point now);
  steady::time_point next_deadline() const;

  std::size_t containers() const;
  std::size_t running() const;
  std::size_t images() const;

  struct state;

private:
  std::unique_ptr<state> s_;
  mutable std::mutex mu_;
};

} // namespace stevedore::sim
