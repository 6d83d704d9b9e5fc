#include "tools/simdockerd/routes.hpp"

#include <cstdlib>
#include <mutex>

namespace stevedore::sim {

namespace {

bool ieq(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

reply error_reply(int status, std::string_view message) { return {status, error_body(message)}; }

reply from(answer a) { return {a.status, std::move(a.body)}; }

// httputils.BoolValue: "", "0", "no", "false" and "none" are false.
bool bool_value(const sim_request& req, std::string_view key, bool absent = false) {
  auto* v = req.param(key);
  if (!v)
    return absent;
  std::string s;
  for (char c : *v)
    s.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return !(s.empty() || s == "0" || s == "no" || s == "false" || s == "none");
}

// An integer query value, as strconv.Atoi reads it.
bool int_value(const sim_request& req, std::string_view key, std::int64_t& out, std::string& err) {
  auto* v = req.param(key);
  if (!v || v->empty())
    return true;
  char* end = nullptr;
  long long n = std::strtoll(v->c_str(), &end, 10);
  if (*end != '\0') {
    err = "strconv.Atoi: parsing \"" + *v + "\": invalid syntax";
    return false;
  }
  out = n;
  return true;
}

// Unix seconds with an optional fraction ("1700000000.5") to nanoseconds.
bool unix_time(const std::string* v, std::int64_t& ns) {
  if (!v || v->empty())
    return true;
  char* end = nullptr;
  long long secs = std::strtoll(v->c_str(), &end, 10);
  if (end == v->c_str())
    return false;
  std::int64_t frac = 0;
  if (*end == '.') {
    std::string digits(end + 1);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
      return false;
    digits.resize(9, '0');
    frac = std::atoll(digits.substr(0, 9).c_str());
  } else if (*end != '\0') {
    return false;
  }
  ns = static_cast<std::int64_t>(secs) * 1000000000 + frac;
  return true;
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Where a stream's producer writes before the server has attached the sink
// (a model callback can fire between handle() and start()).
class sink_slot {
public:
  void write(std::string bytes) {
    std::lock_guard lock(mu_);
    if (sink_) sink_->write(std::move(bytes));
    else pending_.push_back(std::move(bytes));
  }
  void end() {
    std::lock_guard lock(mu_);
    if (sink_) sink_->end();
    else ended_ = true;
  }
  void attach(std::shared_ptr<stream_sink> s) {
    std::lock_guard lock(mu_);
    sink_ = std::move(s);
    for (auto& p : pending_)
      sink_->write(std::move(p));
    pending_.clear();
    if (ended_)
      sink_->end();
  }
  std::shared_ptr<stream_sink> sink() {
    std::lock_guard lock(mu_);
    return sink_;
  }

private:
  std::mutex mu_;
  std::shared_ptr<stream_sink> sink_;
  std::vector<std::string> pending_;
  bool ended_ = false;
};

std::string frame(bool err, bool tty, std::string_view text) {
  if (tty)
    return std::string(text);
  auto n = static_cast<std::uint32_t>(text.size());
  std::string out = {static_cast<char>(err ? 2 : 1), 0, 0, 0, static_cast<char>(n >> 24),
                     static_cast<char>(n >> 16), static_cast<char>(n >> 8), static_cast<char>(n)};
  out.append(text.data(), text.size());
  return out;
}

std::string log_text(const log_line& l, bool timestamps) {
  if (!timestamps)
    return l.text;
  std::time_t secs = static_cast<std::time_t>(l.time_ns / 1000000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(l.time_ns % 1000000000));
  return buf + l.text;
}

std::chrono::nanoseconds scaled(const options& o, std::chrono::nanoseconds d) {
  return std::chrono::nanoseconds(static_cast<std::int64_t>(static_cast<double>(d.count()) * o.time_scale));
}

//----------------------------------------------------------------------------

action pull(route_context& ctx, sim_request& req) {
  auto* from_image = req.param("fromImage");
  auto* tag = req.param("tag");
  std::vector<std::string> lines;
  std::string ref;
  auto a = ctx.engine.pull_check(from_image ? *from_image : "", tag ? *tag : "",
                                 req.header("X-Registry-Auth"), lines, ref);
  if (a.status != 200)
    return from(std::move(a));
  streamed s;
  auto step = scaled(ctx.opts, ctx.opts.pull_step);
  auto& engine = ctx.engine;
  auto shared = std::make_shared<std::vector<std::string>>(std::move(lines));
  s.start = [shared, ref, step, &engine](std::shared_ptr<stream_sink> sink) {
    // One line per chunk, `step` apart; the image exists once the last is out.
    auto next = std::make_shared<std::function<void(std::size_t)>>();
    std::weak_ptr<std::function<void(std::size_t)>> weak = next;
    *next = [shared, ref, step, sink, weak, &engine](std::size_t i) {
      if (i == shared->size()) {
        if (!ref.empty())
          engine.finish_pull(ref);
        sink->end();
        return;
      }
      sink->write((*shared)[i]);
      if (auto self = weak.lock())
        sink->after(step, [self, i] { (*self)(i + 1); });
    };
    // The first call holds `next` alive through the after() chain.
    sink->after(std::chrono::nanoseconds(0), [next] { (*next)(0); });
  };
  return s;
}

action logs(route_context& ctx, const std::string& id, sim_request& req) {
  bool out = bool_value(req, "stdout"), err = bool_value(req, "stderr");
  if (!out && !err)
    return error_reply(400, "Bad parameters: you must choose at least one stream");
  std::int64_t since = 0;
  if (!unix_time(req.param("since"), since))
    return error_reply(400, "invalid value for since: " + *req.param("since"));
  std::int64_t tail = -1;
  if (auto* t = req.param("tail"); t && *t != "all" && !t->empty()) {
    std::string e;
    if (!int_value(req, "tail", tail, e))
      return error_reply(400, e);
  }
  bool follow = bool_value(req, "follow"), timestamps = bool_value(req, "timestamps");
  auto slot = std::make_shared<sink_slot>();
  bool tty = false;
  std::vector<log_line> lines;
  std::uint64_t watch_id = 0;
  std::string full_id;
  model::watch_fn fn;
  if (follow)
    fn = [slot, out, err, timestamps, tty_flag = std::make_shared<bool>(false)](const model::notice& n) {
      if (n.what == model::notice::kind::log) {
        if ((n.line->err && err) || (!n.line->err && out))
          slot->write(frame(n.line->err, *tty_flag, log_text(*n.line, timestamps)));
      } else {
        slot->end();
      }
    };
  auto a = ctx.engine.logs(id, out, err, since, tail, lines, tty, fn, watch_id, full_id);
  if (a.status != 200)
    return from(std::move(a));
  if (tty && watch_id) { // the follower was made before tty was known: make a tty one
    ctx.engine.unwatch(full_id, watch_id);
    watch_id = 0;
    lines.clear();
    fn = [slot, out, err, timestamps](const model::notice& n) {
      if (n.what == model::notice::kind::log) {
        if ((n.line->err && err) || (!n.line->err && out))
          slot->write(frame(n.line->err, true, log_text(*n.line, timestamps)));
      } else {
        slot->end();
      }
    };
    a = ctx.engine.logs(id, out, err, since, tail, lines, tty, fn, watch_id, full_id);
  }
  std::string first;
  for (auto& l : lines)
    first += frame(l.err, tty, log_text(l, timestamps));
  streamed s;
  s.content_type = "application/vnd.docker.raw-stream";
  auto& engine = ctx.engine;
  bool live = watch_id != 0;
  s.start = [slot, first = std::move(first), live](std::shared_ptr<stream_sink> sink) {
    if (!first.empty())
      sink->write(first);
    slot->attach(sink);
    if (!live)
      sink->end();
  };
  s.cancel = [&engine, full_id, watch_id] {
    if (watch_id)
      engine.unwatch(full_id, watch_id);
  };
  return s;
}

action wait(route_context& ctx, const std::string& id, sim_request& req) {
  auto slot = std::make_shared<sink_slot>();
  std::uint64_t watch_id = 0;
  std::string full_id;
  auto* cond = req.param("condition");
  auto now = ctx.engine.wait(id, cond ? *cond : "", [slot](answer a) {
    slot->write(std::move(a.body));
    slot->end();
  }, watch_id, full_id);
  if (now && now->status != 200)
    return from(std::move(*now));
  if (now) {
    slot->write(std::move(now->body));
    slot->end();
  }
  // dockerd sends the head at once and the body when the condition is met.
  streamed s;
  s.start = [slot](std::shared_ptr<stream_sink> sink) { slot->attach(std::move(sink)); };
  auto& engine = ctx.engine;
  s.cancel = [&engine, full_id, watch_id] {
    if (watch_id)
      engine.unwatch(full_id, watch_id);
  };
  return s;
}

action events(route_context& ctx, sim_request& req) {
  auto* f = req.param("filters");
  auto filters = parse_filters(f ? *f : "");
  if (!filters.ok())
    return error_reply(400, filters.error().message);
  std::int64_t since = 0, until = 0;
  if (!unix_time(req.param("since"), since))
    return error_reply(400, "invalid value for since: " + *req.param("since"));
  if (!unix_time(req.param("until"), until))
    return error_reply(400, "invalid value for until: " + *req.param("until"));
  auto slot = std::make_shared<sink_slot>();
  std::vector<std::string> backlog;
  auto sub = ctx.engine.subscribe(*filters, since, until, backlog,
                                  [slot](const std::string& line) { slot->write(line); });
  streamed s;
  auto& engine = ctx.engine;
  s.start = [slot, backlog = std::move(backlog), sub, until](std::shared_ptr<stream_sink> sink) {
    for (auto& b : backlog)
      sink->write(b);
    slot->attach(sink);
    if (sub == 0)
      sink->end();
    else if (until != 0)
      sink->after(std::chrono::nanoseconds(std::max<std::int64_t>(0, until - now_ns())),
                  [sink] { sink->end(); });
  };
  s.cancel = [&engine, sub] {
    if (sub)
      engine.unsubscribe(sub);
  };
  return s;
}

action stats(route_context& ctx, const std::string& id, sim_request& req) {
  auto first = ctx.engine.stats(id);
  if (first.status != 200 || !bool_value(req, "stream", true) || bool_value(req, "one-shot"))
    return from(std::move(first));
  streamed s;
  auto& engine = ctx.engine;
  auto period = scaled(ctx.opts, std::chrono::seconds(1));
  s.start = [&engine, id, period, first = std::move(first.body)](std::shared_ptr<stream_sink> sink) {
    sink->write(first + "\n");
    auto tick = std::make_shared<std::function<void()>>();
    std::weak_ptr<std::function<void()>> weak = tick;
    *tick = [&engine, id, period, sink, weak] {
      auto a = engine.stats(id);
      if (a.status != 200)
        return sink->end();
      sink->write(a.body + "\n");
      if (auto self = weak.lock())
        sink->after(period, [self] { (*self)(); });
    };
    sink->after(period, [tick] { (*tick)(); });
  };
  return s;
}

action exec_start(route_context& ctx, const std::string& id, sim_request& req) {
  bool detach = req.body.find("\"Detach\":true") != std::string::npos;
  std::string output;
  auto a = ctx.engine.exec_start(id, output);
  if (a.status != 200)
    return from(std::move(a));
  if (detach)
    return reply{200, ""};
  streamed s;
  s.hijack = true;
  s.status = req.header("Upgrade").empty() ? 200 : 101;
  s.content_type = "application/vnd.docker.raw-stream";
  s.start = [output = std::move(output)](std::shared_ptr<stream_sink> sink) {
    if (!output.empty())
      sink->write(output);
    sink->end();
  };
  return s;
}

} // namespace

//----------------------------------------------------------------------------

const std::string* sim_request::param(std::string_view key) const {
  for (auto& [k, v] : query)
    if (k == key)
      return &v;
  return nullptr;
}

std::string sim_request::header(std::string_view name) const {
  for (auto& [k, v] : headers)
    if (ieq(k, name))
      return v;
  return {};
}

bool percent_decode(std::string_view in, std::string& out, bool plus_is_space) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size() || !std::isxdigit(static_cast<unsigned char>(in[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(in[i + 2])))
        return false;
      out.push_back(static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

bool parse_query(std::string_view text, std::vector<std::pair<std::string, std::string>>& out) {
  while (!text.empty()) {
    auto amp = text.find('&');
    auto part = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (part.empty())
      continue;
    auto eq = part.find('=');
    std::string k, v;
    if (!percent_decode(part.substr(0, eq), k, true))
      return false;
    if (eq != std::string_view::npos && !percent_decode(part.substr(eq + 1), v, true))
      return false;
    out.emplace_back(std::move(k), std::move(v));
  }
  return true;
}

std::string match_route(const std::string& method, const std::string& path,
                        std::vector<std::string>& args) {
  auto starts = [&](std::string_view p) { return path.rfind(p, 0) == 0; };
  auto ends = [&](std::string_view s) {
    return path.size() >= s.size() && path.compare(path.size() - s.size(), s.size(), s) == 0;
  };
  // /containers/{id}/{verb}: the id has no '/'.
  auto split = [&](std::string_view prefix, std::string& id, std::string& verb) {
    auto rest = path.substr(prefix.size());
    auto slash = rest.find('/');
    id = rest.substr(0, slash);
    verb = slash == std::string::npos ? "" : rest.substr(slash + 1);
    return !id.empty() && verb.find('/') == std::string::npos;
  };
  bool get = method == "GET" || method == "HEAD", post = method == "POST", del = method == "DELETE";
  if (path == "/_ping" && get) return "ping";
  if (path == "/version" && get) return "version";
  if (path == "/info" && get) return "info";
  if (path == "/events" && get) return "events";
  if (starts("/networks/") && get && path.size() > 10 && path.find('/', 10) == std::string::npos) {
    args.push_back(path.substr(10));
    return "networks.inspect";
  }
  if (path == "/images/json" && get) return "images.list";
  if (path == "/images/create" && post) return "images.create";
  if (path == "/images/load" && post) return "images.load";
  if (starts("/images/") && ends("/json") && get && path.size() > 13) {
    args.push_back(path.substr(8, path.size() - 13)); // names carry '/' ("127.0.0.1:5000/app:1")
    return "images.inspect";
  }
  if (starts("/images/") && del && path.size() > 8) {
    args.push_back(path.substr(8));
    return "images.delete";
  }
  if (path == "/containers/create" && post) return "containers.create";
  if (path == "/containers/json" && get) return "containers.list";
  std::string id, verb;
  if (starts("/containers/") && split("/containers/", id, verb)) {
    args.push_back(id);
    if (verb.empty() && del) return "containers.delete";
    if (post && (verb == "start" || verb == "stop" || verb == "kill" || verb == "wait" || verb == "exec"))
      return "containers." + verb;
    if (get && (verb == "json" || verb == "logs" || verb == "stats"))
      return "containers." + std::string(verb == "json" ? "inspect" : verb);
    args.pop_back();
  }
  if (starts("/exec/") && split("/exec/", id, verb)) {
    args.push_back(id);
    if (post && verb == "start") return "exec.start";
    if (get && verb == "json") return "exec.inspect";
    args.pop_back();
  }
  return "unknown";
}

const std::vector<std::string>& route_names() {
  static const std::vector<std::string> names = {
      "ping", "version", "info", "networks.inspect", "images.inspect", "images.create",
      "images.load", "images.delete", "images.list", "containers.create", "containers.start",
      "containers.inspect", "containers.wait", "containers.stop", "containers.kill",
      "containers.delete", "containers.list", "containers.logs", "containers.stats",
      "containers.exec", "exec.start", "exec.inspect", "events"};
  return names;
}

action handle(route_context& ctx, const std::string& route, const std::vector<std::string>& args,
              sim_request& req) {
  auto& m = ctx.engine;
  const std::string& arg = args.empty() ? std::string() : args[0];
  std::string err;
  if (route == "ping") {
    reply r{200, "OK", "text/plain; charset=utf-8", {}};
    r.headers = {{"Builder-Version", "2"}, {"Cache-Control", "no-cache, no-store, must-revalidate"},
                 {"Pragma", "no-cache"}};
    return r;
  }
  if (route == "version") return from(m.version());
  if (route == "info") return from(m.info());
  if (route == "networks.inspect") return from(m.network(arg));
  if (route == "images.list") return from(m.image_list());
  if (route == "images.inspect") return from(m.image_inspect(arg));
  if (route == "images.create") return pull(ctx, req);
  if (route == "images.load") return from(m.image_load(req.body));
  if (route == "images.delete") return from(m.image_remove(arg, bool_value(req, "force")));
  if (route == "containers.create") {
    auto spec = parse_create_body(req.body);
    if (!spec.ok())
      return error_reply(400, spec.error().message);
    auto* name = req.param("name");
    return from(m.create(name ? *name : "", std::move(spec).value()));
  }
  if (route == "containers.start") return from(m.start(arg));
  if (route == "containers.inspect") return from(m.inspect(arg));
  if (route == "containers.list") {
    auto* f = req.param("filters");
    auto filters = parse_filters(f ? *f : "");
    if (!filters.ok())
      return error_reply(400, filters.error().message);
    return from(m.list(bool_value(req, "all"), *filters));
  }
  if (route == "containers.stop") {
    std::int64_t t = -1;
    if (!int_value(req, "t", t, err))
      return error_reply(400, err);
    auto slot = std::make_shared<std::pair<std::mutex, std::function<void(reply)>>>();
    auto pending = std::make_shared<std::optional<reply>>();
    auto now = m.stop(arg, t, [slot, pending](answer a) {
      std::lock_guard lock(slot->first);
      if (slot->second) slot->second(from(std::move(a)));
      else *pending = from(std::move(a));
    });
    if (now)
      return from(std::move(*now));
    deferred d;
    d.start = [slot, pending](std::function<void(reply)> done) {
      std::lock_guard lock(slot->first);
      if (*pending) done(std::move(**pending));
      else slot->second = std::move(done);
    };
    return d;
  }
  if (route == "containers.kill") {
    auto* sig = req.param("signal");
    return from(m.kill(arg, sig ? *sig : ""));
  }
  if (route == "containers.delete") return from(m.remove(arg, bool_value(req, "force")));
  if (route == "containers.wait") return wait(ctx, arg, req);
  if (route == "containers.logs") return logs(ctx, arg, req);
  if (route == "containers.stats") return stats(ctx, arg, req);
  if (route == "containers.exec") {
    auto spec = parse_exec_body(req.body);
    if (!spec.ok())
      return error_reply(400, spec.error().message);
    return from(m.exec_create(arg, std::move(spec).value()));
  }
  if (route == "exec.start") return exec_start(ctx, arg, req);
  if (route == "exec.inspect") return from(m.exec_inspect(arg));
  if (route == "events") return events(ctx, req);
  return error_reply(404, "page not found");
}

} // namespace stevedore::sim
