// The transport itself: N shards (io_context, thread, pool) handed calls in
// turn, and the shutdown rule.
//
// Shutdown rule. shutdown() (and the destructor) ends every call in flight
// with errc::cancelled ("transport shut down"); each callback runs on its I/O
// thread before shutdown() returns, and none runs after. A send() or stream()
// made once shutdown has begun gets its callback at once, on the calling
// thread, with cancelled, and an invalid handle. Called from one of the
// transport's own threads (inside a callback, or by dropping the last
// reference there), shutdown() cannot wait for that thread: it detaches it,
// and the calls still on it end (cancelled) right after the current callback
// returns.
#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "docker/http_call.hpp"

namespace stevedore::docker {

void call_handle::cancel() const {
  if (auto t = target_.lock())
    t->cancel_call();
}

namespace {

struct function_target final : call_handle::target {
  explicit function_target(std::function<void()> f) : fn(std::move(f)) {}
  void cancel_call() override {
    if (fn)
      fn();
  }
  std::function<void()> fn;
};

// Hands a stream_handler's callbacks on as a stream_sink.
struct handler_sink final : stream_sink {
  explicit handler_sink(stream_handler handler) : h(std::move(handler)) {}
  bool wants_head() const override { return static_cast<bool>(h.on_head); }
  void on_head(const response& head) override { h.on_head(head); }
  bool on_data(std::string_view bytes) override { return !h.on_data || h.on_data(bytes); }
  void on_end(result<unit> r, const std::string&) override {
    auto end = std::move(h.on_end);
    h = stream_handler{}; // what the callbacks hold goes now, not with the call
    if (end)
      end(std::move(r));
  }
  stream_handler h;
};

} // namespace

call_handle call_handle::from_function(std::function<void()> cancel) {
  auto t = std::make_shared<function_target>(std::move(cancel));
  call_handle h{std::weak_ptr<target>(t)};
  h.keep_ = std::move(t);
  return h;
}

namespace {

std::string name_of(const request& req) {
  return req.what.empty() ? req.method + " " + req.target : req.what;
}

std::shared_ptr<detail::link> make_link(endpoint ep, const transport::options& opts) {
  auto ln = std::make_shared<detail::link>();
  ln->host = detail::host_header(ep);
  ln->connect_timeout = opts.connect_timeout;
  if (ep.kind == endpoint::scheme::tls) {
    auto ctx = detail::make_tls_context(ep);
    if (ctx)
      ln->tls = std::move(*ctx);
    else
      ln->setup_error = to_string(ctx.error());
  }
  ln->ep = std::move(ep);
  return ln;
}

std::size_t share(std::size_t total, std::size_t parts) { return (total + parts - 1) / parts; }

class transport_impl final : public transport {
public:
  transport_impl(endpoint ep, const options& opts) : link_(make_link(std::move(ep), opts)) {
    std::size_t n = std::max<std::size_t>(1, opts.io_threads);
    for (std::size_t i = 0; i < n; ++i) {
      auto sh = std::make_shared<detail::shard>(share(opts.max_idle_connections, n),
                                                share(std::max<std::size_t>(1, opts.max_connections), n));
      shards_.push_back(sh);
      threads_.emplace_back([sh] { sh->run(); }); // the thread keeps its shard alive
    }
  }

  ~transport_impl() override { shutdown(); }

  call_handle send(request req, std::function<void(result<response>)> done) override {
    return submit(req, [&](auto sh) {
      return detail::make_send_call(std::move(sh), link_, std::move(req), std::move(done));
    }, [&](error_info e) {
      if (done)
        done(std::move(e));
    });
  }

  call_handle stream(request req, stream_handler handler) override {
    return stream(std::move(req), std::make_shared<handler_sink>(std::move(handler)));
  }

  call_handle stream(request req, std::shared_ptr<stream_sink> sink) override {
    return submit(req, [&](auto sh) {
      return detail::make_stream_call(std::move(sh), link_, std::move(req), sink);
    }, [&](error_info e) {
      sink->on_end(std::move(e), name_of(req));
    });
  }

  void shutdown() override {
    bool on_io = std::any_of(shards_.begin(), shards_.end(),
                             [](const auto& s) { return s->on_this_thread(); });
    std::vector<std::thread> threads;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (!stopped_) {
        stopped_ = true;
        for (auto& s : shards_)
          s->begin_close();
      }
      if (threads_.empty()) { // another caller is joining them (or has)
        if (!on_io)
          joined_cv_.wait(lock, [this] { return joined_; });
        return;
      }
      threads.swap(threads_);
    }
    for (auto& t : threads) {
      if (t.get_id() == std::this_thread::get_id())
        t.detach();
      else
        t.join();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      joined_ = true;
    }
    joined_cv_.notify_all();
  }

  const endpoint& where() const noexcept override { return link_->ep; }

private:
  template <class Make, class Refuse>
  call_handle submit(const request& req, Make&& make, Refuse&& refuse) {
    std::shared_ptr<detail::shard> sh;
    std::shared_ptr<detail::call_base> call;
    {
      // Under the lock, so that a call is either posted before shutdown
      // posts its close (and is then ended by it) or refused here.
      std::lock_guard<std::mutex> lock(mu_);
      if (!stopped_) {
        sh = shards_[next_++ % shards_.size()];
        call = make(sh);
        sh->post_start(call);
      }
    }
    if (!call) {
      refuse(make_error(errc::cancelled, name_of(req), "transport shut down"));
      return call_handle();
    }
    return call_handle(std::weak_ptr<call_handle::target>(call));
  }

  std::shared_ptr<const detail::link> link_;
  std::vector<std::shared_ptr<detail::shard>> shards_;
  std::mutex mu_;
  std::vector<std::thread> threads_;   // under mu_; emptied by the one shutdown that joins
  std::size_t next_ = 0;               // under mu_: the shard for the next call
  bool stopped_ = false;               // under mu_
  bool joined_ = false;                // under mu_
  std::condition_variable joined_cv_;
};

} // namespace

std::shared_ptr<transport> transport::make(endpoint ep, options opts) {
  return std::make_shared<transport_impl>(std::move(ep), opts);
}

} // namespace stevedore::docker
