// The real docker::client, shared by client.cpp (negotiation, the call
// machinery), client_calls.cpp (buffered calls) and client_streams.cpp
// (streamed calls). Not for use outside docker/.
//
// Every call is an `op`: it waits for the API version (negotiated once, by
// the first call that needs it), then goes out as exactly one transport
// call with its target prefixed "/v<version>". The op makes sure the
// caller's callback runs exactly once, whichever comes first: the answer,
// a failed negotiation, a cancel before the call went out, or shutdown.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "docker/client.hpp"

namespace stevedore::docker::detail {

class client_core;

// A silence limit long enough to be none: follow-mode logs, events, waits,
// attached execs stay quiet as long as their container does.
inline constexpr std::chrono::milliseconds no_silence_limit{std::chrono::hours(24 * 365 * 10)};

class op : public std::enable_shared_from_this<op>, public call_handle::target {
public:
  // Makes the transport call, given the target prefix ("/v1.41").
  using start_fn = std::function<call_handle(const std::shared_ptr<op>& self, transport& tr,
                                             const std::string& prefix)>;

  op(std::string what, start_fn start, std::function<void(error_info)> fail)
      : before_(std::make_unique<unlaunched>(unlaunched{std::move(what), std::move(start), std::move(fail)})) {}

  // The call's name; empty once launched (run() and negotiation read it before).
  const std::string& what() const noexcept {
    static const std::string none;
    return before_ ? before_->what : none;
  }

  // True exactly once: the caller that gets true runs the caller's callback.
  bool claim();
  // Goes out with this prefix (unless cancelled or ended meanwhile).
  void launch(transport& tr, const std::string& prefix);
  // Ends with `e` unless already ended (a call that never went out).
  void fail(error_info e);
  // Any thread, any number of times.
  void cancel();
  void cancel_call() override { cancel(); }

  std::uint64_t id = 0;            // key in the core's table of live ops
  std::weak_ptr<client_core> core; // to leave that table when it ends

private:
  // What only a call not yet out needs; dropped once launched or ended, so
  // that a stream lasting for days keeps none of it (nor a second copy of
  // its name: the transport names it in its errors).
  struct unlaunched {
    std::string what;
    start_fn start;
    std::function<void(error_info)> fail;
  };

  std::mutex mu_;
  std::unique_ptr<unlaunched> before_;      // until launched or ended
  call_handle inner_;                       // the transport call, once out
  bool launched_ = false;
  bool cancelled_ = false;
  bool finished_ = false;
};

// Negotiation and the table of live ops; outlives the client while
// callbacks still refer to it.
class client_core : public std::enable_shared_from_this<client_core> {
public:
  client_core(std::shared_ptr<transport> tr, client::options opts, bool owns)
      : tr_(std::move(tr)), opts_(std::move(opts)), owns_transport_(owns) {
    if (!opts_.api_version.empty()) {
      version_ = opts_.api_version;
      phase_ = phase::done;
    }
  }

  transport& tr() noexcept { return *tr_; }
  const client::options& opts() const noexcept { return opts_; }
  std::string api_version() const;

  // Runs `o` now, or once the version is known; fails it at once after shutdown.
  call_handle run(std::shared_ptr<op> o);
  void forget(std::uint64_t id);
  void shutdown();

private:
  enum class phase { idle, running, done };
  void negotiate();
  void negotiated(result<std::string> version);
  void ask_version_endpoint();

  std::shared_ptr<transport> tr_;
  client::options opts_;
  bool owns_transport_;
  mutable std::mutex mu_;
  phase phase_ = phase::idle;                  // under mu_
  std::string version_;                        // under mu_: "1.41" once done
  std::vector<std::shared_ptr<op>> waiting_;   // under mu_: ops waiting for the version
  std::map<std::uint64_t, std::weak_ptr<op>> live_; // under mu_: ops not ended
  std::uint64_t next_id_ = 1;                  // under mu_
  bool stopped_ = false;                       // under mu_
  call_handle negotiation_;                    // under mu_
};

// A stream's receiver in the client: the transport's end reaches finish()
// only if the op ends with it (exactly once, whatever came first).
class op_sink : public stream_sink {
public:
  void on_end(result<unit> r, const std::string& what) final {
    auto o = std::move(op_);
    if (o && !o->claim())
      return;
    finish(std::move(r), what);
  }
  // The call's end: from the transport, or (never launched) from the op.
  virtual void finish(result<unit> r, const std::string& what) = 0;

private:
  friend class client_impl;
  std::shared_ptr<op> op_; // set as the call goes out
};

// -- helpers shared by the call files --

// Percent-encoding of a query value, and of a path segment (keeps '/', ':'
// and '@' so that image references read as the CLI sends them).
std::string query_escape(std::string_view s);
std::string path_escape(std::string_view s);
// A JSON string literal, quotes included.
std::string json_quote(std::string_view s);
// The kind a pull (or load) failure has by the daemon's text: unauthorized,
// not_found, else `otherwise`.
errc classify_registry_error(std::string_view text, errc otherwise);

class client_impl final : public client {
public:
  client_impl(std::shared_ptr<transport> tr, options opts, bool owns)
      : core_(std::make_shared<client_core>(tr, std::move(opts), owns)), where_(tr->where()) {}
  ~client_impl() override { shutdown(); }

  std::string api_version() const override { return core_->api_version(); }
  const endpoint& where() const noexcept override { return where_; }
  void shutdown() override { core_->shutdown(); }

  call_handle ping(callback<unit> done) override;
  call_handle version(callback<engine_version> done) override;
  call_handle info(callback<engine_info> done) override;
  call_handle network_inspect(std::string name, callback<network_info> done) override;
  call_handle events(events_request req, std::function<bool(const engine_event&)> on_event,
                     callback<unit> end) override;

  call_handle image_inspect(std::string name, callback<image_info> done) override;
  call_handle image_list(callback<std::vector<image_summary>> done) override;
  call_handle image_pull(pull_request req, std::function<void(const pull_progress&)> on_progress,
                         callback<pull_summary> done) override;
  call_handle image_load(std::string tar_path, callback<std::vector<std::string>> done) override;
  call_handle image_remove(std::string name, bool force, callback<unit> done) override;

  call_handle container_create(std::string name, std::string body, callback<create_answer> done) override;
  call_handle container_start(std::string id, callback<unit> done) override;
  call_handle container_inspect(std::string id, callback<container_info> done) override;
  call_handle container_wait(std::string id, std::string condition, callback<wait_answer> done) override;
  call_handle container_stop(std::string id, std::chrono::seconds grace, callback<unit> done) override;
  call_handle container_kill(std::string id, std::string signal, callback<unit> done) override;
  call_handle container_remove(std::string id, bool force, bool remove_volumes, callback<unit> done) override;
  call_handle container_list(std::vector<std::string> label_filters, bool all,
                             callback<std::vector<container_summary>> done) override;
  call_handle container_logs(std::string id, logs_request req, output_fn on_output,
                             callback<unit> end) override;
  call_handle container_stats(std::string id, callback<stats_sample> done) override;

  call_handle exec_create(std::string container_id, exec_request req, callback<std::string> done) override;
  call_handle exec_start(std::string exec_id, bool tty, output_fn on_output, callback<unit> end) override;
  call_handle exec_inspect(std::string exec_id, callback<exec_info> done) override;

  // A buffered call: `req.target` without the version prefix; 2xx (and 304
  // when `not_modified_ok`) answers go to `decode`, others become
  // status_error().
  template <class T>
  call_handle buffered(request req, bool not_modified_ok,
                       std::function<result<T>(const std::string& body, const std::string& what)> decode,
                       callback<T> done);

  // A streamed call; `end` maps the transport's end (and is the one
  // callback that reports the op's end).
  call_handle streamed(request req, stream_handler handler);
  // The same through one object: `sink`'s end is claimed from the op first.
  call_handle streamed(request req, std::shared_ptr<op_sink> sink);

  request make_request(std::string method, std::string target, std::string what) const;

private:
  std::shared_ptr<client_core> core_;
  endpoint where_;
};

template <class T>
call_handle client_impl::buffered(request req, bool not_modified_ok,
                                  std::function<result<T>(const std::string&, const std::string&)> decode,
                                  callback<T> done) {
  std::string what = req.what;
  auto start = [req = std::move(req), not_modified_ok, decode, done](
                 const std::shared_ptr<op>& self, transport& tr, const std::string& prefix) mutable {
    req.target = prefix + req.target;
    std::string what = req.what;
    return tr.send(std::move(req), [self, not_modified_ok, decode, done, what](result<response> r) {
      if (!self->claim() || !done)
        return;
      if (!r.ok())
        return done(std::move(r).error());
      int status = r->status;
      if ((status >= 200 && status <= 299) || (status == 304 && not_modified_ok))
        return done(decode(r->body, what));
      done(status_error(what, status, r->body));
    });
  };
  auto fail = [done](error_info e) {
    if (done)
      done(std::move(e));
  };
  return core_->run(std::make_shared<op>(std::move(what), std::move(start), std::move(fail)));
}

} // namespace stevedore::docker::detail
