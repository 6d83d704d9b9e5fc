// fake_engine: an in-memory docker::client for actor tests. No sockets, no
// daemon: images, containers, the event stream, logs, stats and exec live in
// one mutex-guarded model, and every call is answered from it.
//
// Asynchrony. Like the real client, a call returns at once and its callback
// runs later, exactly once, never on the caller's thread:
//   - mode::threaded (default): one worker thread of the fake runs every
//     callback, after `latency` (default 0) in real time. Calls are served in
//     the order they were made.
//   - mode::manual: nothing runs until the test calls run_pending() (what is
//     due now) or advance(d) (moves a virtual clock by d, running what falls
//     due in time order). Callbacks then run on the test's thread; tests are
//     deterministic and sleep-free. Every scripted delay (pull steps, a
//     container's run time, a stop's grace) uses the same clock.
// State changes happen when a call is served, not when it is made: a create
// followed at once by an inspect sees the container.
//
// Call handles. call_handle's state is private to the real transport, so the
// handles returned here are inert (cancel() does nothing). A caller that
// cancels (a pull past its total timeout) must stop listening by itself; the
// fake then finishes the call as scripted. end_in_flight() ends every
// pending pull, events subscription, logs stream and wait with a chosen
// error, and shutdown() ends them cancelled.
//
// Model:
//   images      add_image(ref, info) makes an image present under a tag;
//               add_registry_image(ref, info, required_auth) makes it
//               pullable (a pull whose X-Registry-Auth differs from a
//               non-empty required_auth fails unauthorized; a reference the
//               registry lacks fails not_found). script_pull(ref, ...) adds
//               progress steps, a delay between them and a failure. A step
//               delay longer than the request's activity_timeout ends the
//               pull with timeout, as the real client does. add_tar(path, ...)
//               makes image_load of that path load images.
//               image_remove by id removes every tag, by reference one tag;
//               an image used by a container (not removed) is a conflict
//               unless forced.
//   containers  container_create parses the body (Image, Labels, StopSignal,
//               Tty); a taken name is conflict, a missing image not_found.
//               Behaviour per container name or image reference with
//               script_container(): run time then exit code, OOM, ignoring
//               SIGTERM. stop: SIGTERM (or the container's StopSignal), then
//               SIGKILL after the grace when ignored. kill: SIGKILL/KILL/9
//               kills (137); SIGTERM/TERM/15 kills (143) unless ignored; other
//               signals are only recorded (signals_of()).
//               wait: "not-running", "next-exit", "removed".
//   events      every subscriber (filters: "type", "label", "container")
//               hears create, start, kill, die (exitCode), oom, stop, destroy
//               for containers; pull, load, tag, untag, delete for images.
//   logs        append_logs(id_or_name, stream, text): stored, and pushed to
//               followers; a follower's stream ends when the container exits
//               or is removed.
//   stats       script_stats(id_or_name, samples): each call answers the next
//               sample, the last one repeating; default all zero.
//   exec        script_exec(cmd0, output, exit_code): exec_start delivers the
//               output, exec_inspect the exit code; default: no output, 0.
//   daemon      set_version / set_info / set_network; defaults describe a
//               dockerd 20.10 with runtimes runc, a bridge with gateway
//               192.0.2.1 (a documentation address).
//
// Faults: fail_next(call, n, kind) makes the next n calls of `call` (the
// method name: "image_pull", "container_start", ...) fail with kind;
// set_down(true) makes every call fail daemon_unreachable and ends every
// events subscription (as a dying daemon closes the stream). calls(name)
// counts the calls made of each method (failed ones included).
//
// Thread safety: every public member may be called from any thread, and from
// inside a callback.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "docker/client.hpp"

namespace stevedore::testing {

class fake_engine final : public docker::client {
public:
  enum class mode { threaded, manual };
  using duration = std::chrono::milliseconds;

  // How a pull of one reference goes.
  struct pull_script {
    std::vector<pull_progress> steps;  // progress messages, in order (default: two layer lines)
    duration step_delay{0};            // before each step and before the end
    errc fail = errc::ok;              // ok: the pull succeeds after the steps
    std::string fail_message = "pull failed (scripted)";
  };

  // How a container behaves once started.
  struct container_script {
    std::optional<duration> run_for;   // exits on its own after this; empty: runs until stopped
    std::int64_t exit_code = 0;        // when it exits on its own
    bool oom = false;                  // its own exit is an OOM kill (exit 137, oom event)
    bool ignores_sigterm = false;      // SIGTERM (and the stop signal) does nothing
    bool oom_in_inspect = true;        // false: inspect's OOMKilled stays false after the oom
                                       // event (dockerd sets it late, racing the exit)
    std::optional<duration> oom_after_die{}; // the oom event comes this long after the die
                                           // event, not before it (dockerd's order can be either)
  };

  struct exec_script {
    std::vector<std::pair<docker::output_stream, std::string>> output;
    std::int64_t exit_code = 0;
  };

  explicit fake_engine(mode m = mode::threaded);
  ~fake_engine() override;

  fake_engine(const fake_engine&) = delete;
  fake_engine& operator=(const fake_engine&) = delete;

  // -- setup --
  // Present image under `reference` (repo:tag). An empty info.id gets one
  // derived from the reference. Returns the image id.
  std::string add_image(const std::string& reference, image_info info = {});
  // Pullable from the fake registry; required_auth non-empty: the exact
  // X-Registry-Auth value the registry accepts.
  void add_registry_image(const std::string& reference, image_info info = {},
                          std::string required_auth = {});
  void script_pull(const std::string& reference, pull_script script);
  // image_load(path) loads `references` as one image.
  void add_tar(const std::string& path, std::vector<std::string> references, image_info info = {});
  // Behaviour of containers by name, else by image reference (Config.Image).
  void script_container(const std::string& name_or_image, container_script script);
  void append_logs(const std::string& id_or_name, docker::output_stream stream, std::string text);
  // Stored for later logs calls but not pushed to open followers: dockerd's
  // race where a follower ends at the container's exit before the last
  // (partial) line is written to the log file.
  void append_logs_unseen(const std::string& id_or_name, docker::output_stream stream,
                          std::string text);
  void script_stats(const std::string& id_or_name, std::vector<stats_sample> samples);
  void script_exec(const std::string& cmd0, exec_script script);
  void set_version(engine_version v);
  void set_info(engine_info i);
  void set_network(const std::string& name, network_info n);
  void remove_network(const std::string& name);
  void set_latency(duration d);

  // -- faults --
  void fail_next(const std::string& call, int n, errc kind, std::string message = "injected fault");
  void set_down(bool down);
  // Ends every pending pull, events subscription, logs follower and wait with `kind`.
  void end_in_flight(errc kind, std::string message = "ended by the test");

  // -- observation --
  std::int64_t calls(const std::string& name) const;
  std::vector<docker::pull_request> pull_requests() const; // every pull asked, in order
  bool has_image(const std::string& id_or_reference) const;
  std::vector<std::string> image_ids() const;
  std::optional<container_info> container(const std::string& id_or_name) const;
  std::vector<std::string> signals_of(const std::string& id_or_name) const;
  std::size_t subscribers() const;          // live events subscriptions
  std::size_t in_flight() const;            // queued callbacks + pending streams/waits

  // -- manual mode --
  // Runs everything due now (and what that schedules for now); returns how many ran.
  std::size_t run_pending();
  // Moves the virtual clock by d, running everything that falls due, in order.
  std::size_t advance(duration d);
  // Threaded mode: waits until nothing is queued that is due within `limit`.
  bool wait_idle(duration limit = std::chrono::seconds(5));

  // -- docker::client --
  std::string api_version() const override { return std::string(docker::max_api_version); }
  const docker::endpoint& where() const noexcept override { return endpoint_; }
  void shutdown() override;

  docker::call_handle ping(docker::callback<unit> done) override;
  docker::call_handle version(docker::callback<engine_version> done) override;
  docker::call_handle info(docker::callback<engine_info> done) override;
  docker::call_handle network_inspect(std::string name, docker::callback<network_info> done) override;
  docker::call_handle events(docker::events_request req,
                             std::function<bool(const engine_event&)> on_event,
                             docker::callback<unit> end) override;
  docker::call_handle image_inspect(std::string name, docker::callback<image_info> done) override;
  docker::call_handle image_list(docker::callback<std::vector<image_summary>> done) override;
  docker::call_handle image_pull(docker::pull_request req,
                                 std::function<void(const pull_progress&)> on_progress,
                                 docker::callback<pull_summary> done) override;
  docker::call_handle image_load(std::string tar_path,
                                 docker::callback<std::vector<std::string>> done) override;
  docker::call_handle image_remove(std::string name, bool force, docker::callback<unit> done) override;
  docker::call_handle container_create(std::string name, std::string body,
                                       docker::callback<create_answer> done) override;
  docker::call_handle container_start(std::string id, docker::callback<unit> done) override;
  docker::call_handle container_inspect(std::string id, docker::callback<container_info> done) override;
  docker::call_handle container_wait(std::string id, std::string condition,
                                     docker::callback<wait_answer> done) override;
  docker::call_handle container_stop(std::string id, std::chrono::seconds grace,
                                     docker::callback<unit> done) override;
  docker::call_handle container_kill(std::string id, std::string signal,
                                     docker::callback<unit> done) override;
  docker::call_handle container_remove(std::string id, bool force, bool remove_volumes,
                                       docker::callback<unit> done) override;
  docker::call_handle container_list(std::vector<std::string> label_filters, bool all,
                                     docker::callback<std::vector<container_summary>> done) override;
  docker::call_handle container_logs(std::string id, docker::logs_request req,
                                     docker::output_fn on_output, docker::callback<unit> end) override;
  docker::call_handle container_stats(std::string id, docker::callback<stats_sample> done) override;
  docker::call_handle exec_create(std::string container_id, docker::exec_request req,
                                  docker::callback<std::string> done) override;
  docker::call_handle exec_start(std::string exec_id, bool tty, docker::output_fn on_output,
                                 docker::callback<unit> end) override;
  docker::call_handle exec_inspect(std::string exec_id, docker::callback<exec_info> done) override;

  // Stop signals as the fake understands them: 9 (KILL), 15 (TERM), else 0 (other).
  static int signal_number(const std::string& signal);

private:
  struct model;
  using task = std::function<void()>;
  using clock = std::chrono::steady_clock;

  struct timed {
    clock::time_point due;
    std::uint64_t seq;
    task fn;
    bool operator>(const timed& o) const { return due != o.due ? due > o.due : seq > o.seq; }
  };

  // Queues fn to run after `delay` (plus the latency) on the fake's thread
  // (threaded) or at the next run_pending/advance (manual).
  void post(duration delay, task fn);
  void post_locked(duration delay, task fn); // mutex_ held
  clock::time_point now_locked() const;
  void worker();
  // Counts the call and returns the injected error, if any (mutex_ held).
  std::optional<error_info> fault_locked(const std::string& call, const std::string& what);
  // Model changes that tell subscribers, waiters and followers (mutex_ held).
  void emit_locked(engine_event ev);
  void start_locked(const std::string& id);
  void exit_locked(const std::string& id, std::int64_t code, bool oom, bool oom_in_inspect = true,
                   std::optional<duration> oom_after_die = {});
  void answer_waiters_locked(const std::string& id, bool removed);
  void end_followers_locked(const std::string& id);
  void end_in_flight_locked(errc kind, const std::string& message);
  std::string add_image_locked(const std::string& reference, image_info info);
  void remove_image_locked(const std::string& id);
  template <class T>
  docker::call_handle simple(const std::string& call, std::string what,
                             std::function<result<T>()> body, docker::callback<T> done);

  mode mode_;
  docker::endpoint endpoint_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::priority_queue<timed, std::vector<timed>, std::greater<timed>> queue_;
  std::uint64_t seq_ = 0;
  std::size_t running_ = 0;                 // tasks executing now (threaded)
  clock::time_point virtual_now_{};         // manual mode's clock
  duration latency_{0};
  bool stopping_ = false;
  std::unique_ptr<model> m_;
  std::thread thread_;
};

} // namespace stevedore::testing
