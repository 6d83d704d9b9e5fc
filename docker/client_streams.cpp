// The streamed calls: answers read as they arrive and cut into messages
// (JSON lines for pull, load and events; 8-byte frames for logs and execs),
// and container wait, whose answer may take as long as the container runs.
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "docker/client_impl.hpp"
#include "docker/decode.hpp"

namespace stevedore::docker::detail {

namespace {

// A JSON line is never this long; the daemon's own lines are far shorter.
constexpr std::size_t max_line = 1u << 20;

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// What a stream decoding step leaves for the end callback: the first error
// met inside the body (a bad line, an {"error"} line), which wins over how
// the transport ended.
struct stream_failure {
  std::mutex mu;
  std::optional<error_info> error;
  void set(error_info e) {
    std::lock_guard<std::mutex> lock(mu);
    if (!error)
      error = std::move(e);
  }
  std::optional<error_info> get() {
    std::lock_guard<std::mutex> lock(mu);
    return error;
  }
};

bool is_layer_status(std::string_view status) {
  return !starts_with(status, "Pulling from") && !starts_with(status, "Digest:") &&
         !starts_with(status, "Status:");
}

// The pull's state between chunks (all on one I/O thread).
struct pull_state {
  line_splitter lines{max_line};
  pull_summary summary;
  std::set<std::string> layers;
  std::map<std::string, std::int64_t> totals; // layer -> its download size
  stream_failure failure;
};

} // namespace

call_handle client_impl::image_pull(pull_request req,
                                    std::function<void(const pull_progress&)> on_progress,
                                    callback<pull_summary> done) {
  bool digest = starts_with(req.tag, "sha256:");
  std::string ref = req.image + (req.tag.empty() ? ":latest" : (digest ? "@" : ":") + req.tag);
  std::string target = "/images/create?fromImage=";
  if (digest)
    target += query_escape(req.image + "@" + req.tag);
  else // without a tag the daemon would pull every tag of the repository
    target += query_escape(req.image) + "&tag=" + query_escape(req.tag.empty() ? "latest" : req.tag);
  request r = make_request("POST", std::move(target), "image pull " + ref);
  r.timeout = req.activity_timeout;
  if (!req.registry_auth.empty())
    r.headers.emplace_back("X-Registry-Auth", req.registry_auth);

  auto st = std::make_shared<pull_state>();
  std::string what = r.what;
  stream_handler h;
  h.on_data = [st, on_progress, what](std::string_view bytes) {
    bool ok = st->lines.feed(bytes, [&](std::string_view line) {
      if (line.empty())
        return true;
      auto msg = decode::progress_line(line, what);
      if (!msg.ok()) {
        st->failure.set(std::move(msg).error());
        return false;
      }
      if (!msg->error.empty()) {
        st->failure.set(make_error(classify_registry_error(msg->error, errc::daemon_error), what,
                                   msg->error));
        return false;
      }
      const pull_progress& p = msg->progress;
      if (starts_with(p.status, "Digest: "))
        st->summary.digest = p.status.substr(8);
      else if (starts_with(p.status, "Status: "))
        st->summary.status = p.status;
      else if (!p.id.empty() && is_layer_status(p.status)) {
        st->layers.insert(p.id);
        if (p.status == "Downloading" && p.total > 0)
          st->totals[p.id] = p.total;
      }
      if (on_progress)
        on_progress(p);
      return true;
    });
    if (st->lines.over_limit())
      st->failure.set(make_error(errc::malformed_answer, what,
                                 "a progress line is over " + std::to_string(max_line) + " bytes"));
    return ok;
  };
  h.on_end = [st, done, what](result<unit> r) {
    if (!done)
      return;
    if (auto e = st->failure.get())
      return done(std::move(*e));
    if (!r.ok()) {
      error_info e = std::move(r).error();
      if (e.status >= 400) // refused before streaming: the daemon's words tell why
        e.kind = classify_registry_error(e.message, e.kind);
      return done(std::move(e));
    }
    st->summary.layers = static_cast<std::int64_t>(st->layers.size());
    for (const auto& [layer, total] : st->totals)
      st->summary.bytes += total;
    done(std::move(st->summary));
  };
  return streamed(std::move(r), std::move(h));
}

namespace {

struct load_state {
  line_splitter lines{max_line};
  std::vector<std::string> loaded;
  stream_failure failure;
};

} // namespace

call_handle client_impl::image_load(std::string tar_path, callback<std::vector<std::string>> done) {
  request r = make_request("POST", "/images/load?quiet=1", "image load " + tar_path);
  r.body_file = tar_path;
  auto st = std::make_shared<load_state>();
  std::string what = r.what;
  stream_handler h;
  h.on_data = [st, what](std::string_view bytes) {
    bool ok = st->lines.feed(bytes, [&](std::string_view line) {
      if (line.empty())
        return true;
      auto msg = decode::progress_line(line, what);
      if (!msg.ok()) {
        st->failure.set(std::move(msg).error());
        return false;
      }
      if (!msg->error.empty()) {
        st->failure.set(make_error(errc::daemon_error, what, msg->error));
        return false;
      }
      // "Loaded image: x\n" or "Loaded image ID: sha256:...\n", maybe several.
      std::string_view text = msg->stream;
      while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view one = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        for (std::string_view p : {"Loaded image ID: ", "Loaded image: "})
          if (starts_with(one, p)) {
            st->loaded.emplace_back(one.substr(p.size()));
            break;
          }
      }
      return true;
    });
    if (st->lines.over_limit())
      st->failure.set(make_error(errc::malformed_answer, what, "an answer line is over the cap"));
    return ok;
  };
  h.on_end = [st, done](result<unit> r) {
    if (!done)
      return;
    if (auto e = st->failure.get())
      return done(std::move(*e));
    if (!r.ok())
      return done(std::move(r).error());
    done(std::move(st->loaded));
  };
  return streamed(std::move(r), std::move(h));
}

namespace {

// Output of logs and attached execs: frames, or raw bytes for a TTY. One
// object per stream, the transport's receiver itself: a log follower's
// stream lasts as long as its container, thousands of them at once.
class output_sink final : public op_sink {
public:
  output_sink(output_fn out, callback<unit> end, bool tty)
      : out_(std::move(out)), end_(std::move(end)), tty_(tty) {}

  bool on_data(std::string_view bytes) override {
    if (tty_) {
      if (out_ && !out_(output_stream::raw, bytes)) {
        stopped_ = true;
        return false;
      }
      return true;
    }
    bool ok = frames_.feed(bytes, out_);
    if (!ok && frames_.error().kind == errc::ok)
      stopped_ = true;
    return ok;
  }

  void finish(result<unit> r, const std::string& what) override {
    auto end = std::move(end_);
    out_ = nullptr; // what the callbacks hold goes now
    if (!end)
      return;
    if (!tty_ && frames_.error().kind != errc::ok) {
      error_info e = frames_.error();
      e.what = what;
      return end(std::move(e));
    }
    if (!r.ok() || tty_ || stopped_)
      return end(std::move(r));
    auto fin = frames_.finish();
    if (!fin.ok()) {
      error_info e = fin.error();
      e.what = what;
      return end(std::move(e));
    }
    end(unit{});
  }

private:
  output_fn out_;
  callback<unit> end_;
  frame_decoder frames_;
  bool tty_;
  bool stopped_ = false; // the consumer said stop
};

} // namespace

call_handle client_impl::container_logs(std::string id, logs_request req, output_fn on_output,
                                        callback<unit> end) {
  auto flag = [](bool b) { return b ? "1" : "0"; };
  std::string target = "/containers/" + path_escape(id) + "/logs?follow=" + flag(req.follow) +
                       "&stdout=" + flag(req.stdout_stream) + "&stderr=" + flag(req.stderr_stream) +
                       "&timestamps=" + flag(req.timestamps) +
                       "&tail=" + query_escape(req.tail.empty() ? "all" : req.tail);
  if (!req.since.empty())
    target += "&since=" + query_escape(req.since);
  request r = make_request("GET", std::move(target), "container logs " + id);
  if (req.follow) {
    r.head_timeout = r.timeout; // the header comes at once; the output may not
    r.timeout = no_silence_limit;
  }
  return streamed(std::move(r), std::make_shared<output_sink>(std::move(on_output), std::move(end), req.tty));
}

call_handle client_impl::exec_start(std::string exec_id, bool tty, output_fn on_output,
                                    callback<unit> end) {
  request r = make_request("POST", "/exec/" + path_escape(exec_id) + "/start", "exec start " + exec_id);
  r.body = std::string("{\"Detach\":false,\"Tty\":") + (tty ? "true" : "false") + "}";
  r.head_timeout = r.timeout;
  r.timeout = no_silence_limit; // the command may be quiet for as long as it likes
  return streamed(std::move(r), std::make_shared<output_sink>(std::move(on_output), std::move(end), tty));
}

namespace {

struct event_state {
  line_splitter lines{max_line};
  stream_failure failure;
  bool stopped = false;
};

} // namespace

call_handle client_impl::events(events_request req, std::function<bool(const engine_event&)> on_event,
                                callback<unit> end) {
  std::string target = "/events";
  std::string sep = "?";
  if (!req.filters.empty()) {
    std::string f = "{";
    bool first = true;
    for (const auto& [key, values] : req.filters) {
      f += (first ? "" : ",") + json_quote(key) + ":[";
      first = false;
      for (std::size_t i = 0; i < values.size(); ++i)
        f += (i ? "," : "") + json_quote(values[i]);
      f += "]";
    }
    f += "}";
    target += sep + "filters=" + query_escape(f);
    sep = "&";
  }
  if (!req.since.empty()) {
    target += sep + "since=" + query_escape(req.since);
    sep = "&";
  }
  bool bounded = !req.until.empty();
  if (bounded)
    target += sep + "until=" + query_escape(req.until);
  request r = make_request("GET", std::move(target), "events");
  r.head_timeout = r.timeout; // dockerd sends the header at once, events when they come
  r.timeout = no_silence_limit;
  auto st = std::make_shared<event_state>();
  std::string what = r.what;
  stream_handler h;
  h.on_data = [st, on_event, what, attributes = req.with_attributes](std::string_view bytes) {
    bool ok = st->lines.feed(bytes, [&](std::string_view line) {
      if (line.empty())
        return true;
      auto ev = decode::event(line, what, attributes);
      if (!ev.ok()) {
        st->failure.set(std::move(ev).error());
        return false;
      }
      if (on_event && !on_event(*ev)) {
        st->stopped = true;
        return false;
      }
      return true;
    });
    if (st->lines.over_limit())
      st->failure.set(make_error(errc::malformed_answer, what, "an event line is over the cap"));
    return ok;
  };
  h.on_end = [st, end, what, bounded](result<unit> r) {
    if (!end)
      return;
    if (auto e = st->failure.get())
      return end(std::move(*e));
    if (!r.ok() || st->stopped || bounded)
      return end(std::move(r));
    end(make_error(errc::daemon_unreachable, what, "the daemon closed the event stream"));
  };
  return streamed(std::move(r), std::move(h));
}

call_handle client_impl::container_wait(std::string id, std::string condition,
                                        callback<wait_answer> done) {
  std::string target = "/containers/" + path_escape(id) + "/wait";
  if (!condition.empty())
    target += "?condition=" + query_escape(condition);
  request r = make_request("POST", std::move(target), "container wait " + id);
  r.timeout = no_silence_limit; // as long as the container runs (before API 1.30, the header too)
  // A stream, not send(): it holds no slot of the transport's budget of
  // buffered calls while the container runs.
  struct wait_state {
    std::string body;
    std::size_t limit;
    bool over = false;
  };
  auto st = std::make_shared<wait_state>(wait_state{{}, r.body_limit});
  std::string what = r.what;
  stream_handler h;
  h.on_data = [st](std::string_view bytes) {
    if (st->body.size() + bytes.size() > st->limit) {
      st->over = true;
      return false;
    }
    st->body.append(bytes);
    return true;
  };
  h.on_end = [st, done, what](result<unit> r) {
    if (!done)
      return;
    if (st->over)
      return done(make_error(errc::malformed_answer, what,
                             "answer over " + std::to_string(st->limit) + " bytes"));
    if (!r.ok())
      return done(std::move(r).error());
    done(decode::wait(st->body, what));
  };
  return streamed(std::move(r), std::move(h));
}

} // namespace stevedore::docker::detail
