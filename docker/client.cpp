// The real client: construction, the API version negotiated once, the ops
// that make every call wait for it and end exactly once, and shutdown.
#include <algorithm>
#include <cctype>
#include <cstdio>

#include "docker/client_impl.hpp"
#include "docker/decode.hpp"

namespace stevedore::docker {

std::shared_ptr<client> client::make(endpoint ep, options opts) {
  auto tr = transport::make(std::move(ep), opts.connection);
  return std::make_shared<detail::client_impl>(std::move(tr), std::move(opts), true);
}

std::shared_ptr<client> client::make(std::shared_ptr<transport> tr, options opts) {
  return std::make_shared<detail::client_impl>(std::move(tr), std::move(opts), false);
}

namespace detail {

// -- op --

bool op::claim() {
  start_fn start; // what the callbacks hold goes outside the lock
  std::function<void(error_info)> fail;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_)
      return false;
    finished_ = true;
    // The name stays: what() may be read meanwhile (negotiation's failure).
    if (before_) {
      start = std::move(before_->start);
      fail = std::move(before_->fail);
    }
  }
  if (auto c = core.lock())
    c->forget(id);
  return true;
}

void op::launch(transport& tr, const std::string& prefix) {
  std::unique_ptr<unlaunched> before;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_ || launched_ || cancelled_)
      return;
    launched_ = true;
    before = std::move(before_);
  }
  // Outside the lock: the transport may call back on this thread.
  call_handle h = before->start(shared_from_this(), tr, prefix);
  before.reset();
  bool cancel_now;
  {
    std::lock_guard<std::mutex> lock(mu_);
    inner_ = h;
    cancel_now = cancelled_;
  }
  if (cancel_now) // cancelled while going out
    h.cancel();
}

void op::fail(error_info e) {
  std::function<void(error_info)> f;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (launched_ || !before_)
      return;
    f = before_->fail;
  }
  if (f && claim())
    f(std::move(e));
}

void op::cancel() {
  call_handle h;
  bool out;
  std::string what;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_ || cancelled_)
      return;
    cancelled_ = true;
    out = launched_;
    h = inner_;
    if (!out && before_)
      what = before_->what;
  }
  if (!out)
    return fail(make_error(errc::cancelled, what, "cancelled"));
  h.cancel(); // invalid until launch() stored it: launch() then cancels it
}

// -- negotiation --

namespace {

struct api_level {
  int major = 0, minor = 0;
  bool operator<(const api_level& o) const {
    return major != o.major ? major < o.major : minor < o.minor;
  }
};

bool parse_level(std::string_view s, api_level& out) {
  int consumed = 0;
  std::string text(s);
  if (std::sscanf(text.c_str(), "%d.%d%n", &out.major, &out.minor, &consumed) != 2)
    return false;
  return consumed == static_cast<int>(text.size());
}

const std::string* find_header(const header_list& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() &&
        std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        }))
      return &v;
  }
  return nullptr;
}

const char* negotiation_what = "negotiate the Engine API version";

// The version to speak with a daemon that speaks `daemon`.
result<std::string> choose(std::string_view daemon) {
  api_level theirs, max, min;
  parse_level(max_api_version, max);
  parse_level(minimum_api_version, min);
  if (!parse_level(daemon, theirs))
    return make_error(errc::malformed_answer, negotiation_what,
                      "the daemon reports API version '" + std::string(daemon) + "'");
  if (theirs < min)
    return make_error(errc::daemon_error, negotiation_what,
                      "the daemon speaks Engine API " + std::string(daemon) +
                        ", older than " + std::string(minimum_api_version) +
                        ", the oldest stevedore supports; upgrade Docker");
  return max < theirs ? std::string(max_api_version) : std::string(daemon);
}

} // namespace

std::string client_core::api_version() const {
  std::lock_guard<std::mutex> lock(mu_);
  return phase_ == phase::done ? version_ : std::string();
}

call_handle client_core::run(std::shared_ptr<op> o) {
  call_handle handle{std::weak_ptr<call_handle::target>(o)};
  bool refuse = false, go_now = false, start_negotiation = false;
  std::string prefix;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) {
      refuse = true;
    } else {
      o->id = next_id_++;
      o->core = weak_from_this();
      live_[o->id] = o;
      if (phase_ == phase::done) {
        go_now = true;
        prefix = "/v" + version_;
      } else {
        waiting_.push_back(o);
        if (phase_ == phase::idle) {
          phase_ = phase::running;
          start_negotiation = true;
        }
      }
    }
  }
  if (refuse) {
    o->fail(make_error(errc::cancelled, o->what(), "client shut down"));
    return call_handle();
  }
  if (go_now)
    o->launch(*tr_, prefix);
  else if (start_negotiation)
    negotiate();
  return handle;
}

void client_core::forget(std::uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  live_.erase(id);
}

void client_core::negotiate() {
  request req;
  req.method = "GET";
  req.target = "/_ping";
  req.timeout = opts_.timeout;
  req.body_limit = 64 * 1024;
  req.what = negotiation_what;
  auto self = shared_from_this();
  call_handle h = tr_->send(std::move(req), [self](result<response> r) {
    if (!r.ok())
      return self->negotiated(std::move(r).error());
    if (const std::string* v = find_header(r->headers, "API-Version"); v && !v->empty())
      return self->negotiated(choose(*v));
    if (r->status < 200 || r->status > 299)
      return self->negotiated(status_error(negotiation_what, r->status, r->body));
    self->ask_version_endpoint(); // a daemon (or proxy) that does not say it in /_ping
  });
  std::lock_guard<std::mutex> lock(mu_);
  negotiation_ = h;
}

void client_core::ask_version_endpoint() {
  request req;
  req.target = "/version";
  req.timeout = opts_.timeout;
  req.body_limit = opts_.body_limit;
  req.what = negotiation_what;
  auto self = shared_from_this();
  call_handle h = tr_->send(std::move(req), [self](result<response> r) {
    if (!r.ok())
      return self->negotiated(std::move(r).error());
    if (r->status < 200 || r->status > 299)
      return self->negotiated(status_error(negotiation_what, r->status, r->body));
    auto v = decode::version(r->body, negotiation_what);
    if (!v.ok())
      return self->negotiated(std::move(v).error());
    self->negotiated(choose(v->api_version));
  });
  std::lock_guard<std::mutex> lock(mu_);
  negotiation_ = h;
}

void client_core::negotiated(result<std::string> version) {
  std::vector<std::shared_ptr<op>> waiting;
  std::string prefix;
  {
    std::lock_guard<std::mutex> lock(mu_);
    waiting.swap(waiting_);
    negotiation_ = call_handle();
    if (version.ok() && !stopped_) {
      version_ = *version;
      phase_ = phase::done;
      prefix = "/v" + version_;
    } else {
      phase_ = phase::idle; // the next call tries again
    }
  }
  for (auto& o : waiting) {
    if (version.ok()) {
      o->launch(*tr_, prefix);
    } else {
      const error_info& e = version.error();
      o->fail(make_error(e.kind, o->what(), "negotiating the API version: " + e.message, e.status));
    }
  }
}

void client_core::shutdown() {
  std::vector<std::shared_ptr<op>> ops;
  call_handle negotiation;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_)
      return;
    stopped_ = true;
    for (auto& [id, weak] : live_)
      if (auto o = weak.lock())
        ops.push_back(std::move(o));
    negotiation = negotiation_;
  }
  for (auto& o : ops)
    o->cancel();
  negotiation.cancel();
  if (owns_transport_)
    tr_->shutdown(); // the cancelled calls' callbacks have run when it returns
}

// -- helpers --

namespace {

bool unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

std::string escape(std::string_view s, std::string_view keep) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (unreserved(c) || keep.find(ch) != std::string_view::npos) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

} // namespace

std::string query_escape(std::string_view s) { return escape(s, ""); }
std::string path_escape(std::string_view s) { return escape(s, "/:@"); }

std::string json_quote(std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20) {
      out += "\\u00";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
  return out;
}

// dockerd 20.10's words: "unauthorized: authentication required", "no basic
// auth credentials", "pull access denied for x, repository does not exist or
// may require 'docker login'" (credentials may help: unauthorized), "manifest
// for x not found: manifest unknown", "repository x not found".
errc classify_registry_error(std::string_view text, errc otherwise) {
  std::string t(text);
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  for (std::string_view w : {"unauthorized", "authentication required", "no basic auth credentials",
                             "access denied", "denied:", "incorrect username or password"})
    if (contains(t, w))
      return errc::unauthorized;
  for (std::string_view w : {"manifest unknown", "not found", "does not exist", "name unknown",
                             "no such image"})
    if (contains(t, w))
      return errc::not_found;
  return otherwise;
}

request client_impl::make_request(std::string method, std::string target, std::string what) const {
  request req;
  req.method = std::move(method);
  req.target = std::move(target);
  req.what = std::move(what);
  req.timeout = core_->opts().timeout;
  req.body_limit = core_->opts().body_limit;
  req.keep_headers = false; // no Engine call reads them (the negotiation's ping does, on its own request)
  return req;
}

call_handle client_impl::streamed(request req, stream_handler handler) {
  std::string what = req.what;
  auto end = handler.on_end;
  auto start = [req = std::move(req), handler = std::move(handler)](
                 const std::shared_ptr<op>& self, transport& tr, const std::string& prefix) mutable {
    req.target = prefix + req.target;
    auto on_end = std::move(handler.on_end);
    handler.on_end = [self, on_end](result<unit> r) {
      if (self->claim() && on_end)
        on_end(std::move(r));
    };
    return tr.stream(std::move(req), std::move(handler));
  };
  auto fail = [end](error_info e) {
    if (end)
      end(std::move(e));
  };
  return core_->run(std::make_shared<op>(std::move(what), std::move(start), std::move(fail)));
}

call_handle client_impl::streamed(request req, std::shared_ptr<op_sink> sink) {
  std::string what = req.what;
  auto start = [req = std::move(req), sink](const std::shared_ptr<op>& self, transport& tr,
                                             const std::string& prefix) mutable {
    req.target = prefix + req.target;
    sink->op_ = self;
    return tr.stream(std::move(req), std::move(sink));
  };
  auto fail = [sink](error_info e) {
    std::string what = e.what;
    sink->finish(std::move(e), what);
  };
  return core_->run(std::make_shared<op>(std::move(what), std::move(start), std::move(fail)));
}

} // namespace detail
} // namespace stevedore::docker
