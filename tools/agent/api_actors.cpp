// The inspection routes of the agent's API (api.hpp): pages of actors, one
// actor with what its kind adds, its message trace, the recent events.
#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>

#include "policy/actor_query.hpp"
#include "policy/ast.hpp"
#include "policy/duration.hpp"
#include "tools/agent/log_stream.hpp"
#include "tools/agent/answer.hpp"

namespace stevedore::agent {

namespace {

std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// An integer query parameter, `fallback` when absent; nullopt (answered
// 400) when it is not a whole number.
std::optional<std::int64_t> int_param(const http_request& req, std::string_view key,
                                      std::int64_t fallback, const answer& a) {
  const std::string* v = req.param(key);
  if (!v)
    return fallback;
  std::int64_t n = 0;
  const char* end = v->data() + v->size();
  if (v->empty() || std::from_chars(v->data(), end, n).ptr != end) {
    a.error(400, errc::invalid_input, std::string(key) + ": expected a whole number, got '" + *v + "'");
    return std::nullopt;
  }
  return n;
}

// The query of GET /v1/actors, or nullopt once a 400 has been answered.
std::optional<actor_query> read_query(const http_request& req, const answer& a) {
  actor_query q;
  if (const std::string* v = req.param("kind"))
    q.kind = *v;
  if (const std::string* v = req.param("state"))
    q.state = *v;
  if (const std::string* v = req.param("sort"))
    q.sort = *v;
  if (const std::string* v = req.param("order")) {
    if (*v != "asc" && *v != "desc") {
      a.error(400, errc::invalid_input, "order: expected asc or desc, got '" + *v + "'");
      return std::nullopt;
    }
    q.descending = *v == "desc";
  }
  auto offset = int_param(req, "offset", 0, a);
  if (!offset)
    return std::nullopt;
  auto limit = int_param(req, "limit", 100, a);
  if (!limit)
    return std::nullopt;
  q.offset = *offset;
  q.limit = *limit;
  if (auto ok = policy::check_actor_query(q); !ok) {
    a.error(ok.error());
    return std::nullopt;
  }
  return q;
}

json page_json(const actor_page& p, const actor_query& q) {
  json list = json::array();
  const auto now = wall_ms();
  for (const auto& st : p.actors)
    list.push(actor_status_json(st, now));
  json body = json::object();
  body.set("total", p.total);
  body.set("offset", q.offset);
  body.set("limit", q.limit);
  body.set("actors", std::move(list));
  return body;
}

} // namespace

void api::get_actors(http_request& req, std::shared_ptr<responder> res) {
  answer a(metrics_, res);
  auto q = read_query(req, a);
  if (!q)
    return;
  backend_->actors(*q, [a, q = *q](result<actor_page> r) {
    a.then(r, [&](const actor_page& p) { a.json_body(200, page_json(p, q)); });
  });
}

// /v1/actors/{id} and /v1/actors/{id}/trace; a task id holds a '/'.
void api::actor_route(const std::vector<std::string>& segs, http_request& req,
                      std::shared_ptr<responder> res) {
  answer a(metrics_, res);
  const std::size_t n = segs.size();
  const bool trace = n >= 4 && segs.back() == "trace";
  std::string who;
  for (std::size_t i = 2; i < (trace ? n - 1 : n); ++i)
    who += (who.empty() ? "" : "/") + segs[i];
  if (!trace) {
    if (method_is(req, a, {"GET"}))
      get_actor(who, res);
    return;
  }
  if (!method_is(req, a, {"GET", "POST"}))
    return;
  if (req.method == "POST")
    return post_trace(who, req, res);
  backend_->trace(who, [a](result<actor_trace> r) {
    a.then(r, [&](const actor_trace& t) { a.json_body(200, actor_trace_json(t)); });
  });
}

// The actor's status, with what its kind adds: a task's whole status, the
// image manager's images, the fingerprinter's fingerprint.
void api::get_actor(const std::string& who, std::shared_ptr<responder> res) {
  answer a(metrics_, res);
  backend_->actor(who, [a, b = backend_](result<actor_status> r) {
    a.then(r, [&](const actor_status& st) {
      json body = json::object();
      body.set("actor", actor_status_json(st, wall_ms()));
      auto send = [a, body](const char* key, json extra) mutable {
        body.set(key, std::move(extra));
        a.json_body(200, body);
      };
      if (st.kind == "task")
        return b->task(st.name, [send](result<task_status> t) mutable {
          send("task", t ? task_status_json(*t) : json());
        });
      if (st.kind == "image_manager")
        return b->images([send](result<std::vector<image_record>> i) mutable {
          json list = json::array();
          if (i)
            for (const auto& rec : *i)
              list.push(image_record_json(rec));
          send("images", std::move(list));
        });
      if (st.kind == "fingerprinter")
        return b->node([send](result<fingerprint> f) mutable {
          send("node", f ? fingerprint_json(*f) : json());
        });
      a.json_body(200, body);
    });
  });
}

void api::post_trace(const std::string& who, http_request& req, std::shared_ptr<responder> res) {
  answer a(metrics_, res);
  auto count = int_param(req, "count", 1000, a);
  if (!count)
    return;
  std::int64_t for_ms = 60000;
  if (const std::string* v = req.param("for")) {
    auto d = policy::parse_nonnegative_duration(*v);
    if (!d || *d == 0)
      return a.error(400, errc::invalid_input,
                     "for: " + (d ? std::string("must be more than 0") : d.error().message));
    for_ms = policy::nanos_to_millis(*d);
  }
  if (*count < 0)
    return a.error(400, errc::invalid_input, "count: must be 0 or more");
  backend_->trace_on(who, *count, for_ms, [a, who, count = *count, for_ms](result<unit> r) {
    a.then(r, [&](unit) {
      json body = json::object();
      body.set("id", who);
      body.set("tracing", count > 0);
      body.set("count", count);
      body.set("for_ms", for_ms);
      a.json_body(202, body);
    });
  });
}

void api::get_recent_events(std::shared_ptr<responder> res) {
  answer a(metrics_, res);
  backend_->recent_events([a](result<std::vector<task_event>> r) {
    a.then(r, [&](const std::vector<task_event>& events) {
      json list = json::array();
      for (const auto& e : events)
        list.push(task_event_json(e));
      json body = json::object();
      body.set("events", std::move(list));
      a.json_body(200, body);
    });
  });
}

namespace {

constexpr std::int64_t min_push_ms = 100, max_push_ms = 60000;

// One WebSocket's pushes: the query, the period the client chose, what was
// sent last (a page is sent again only when it changed).
struct actor_pusher : std::enable_shared_from_this<actor_pusher> {
  std::shared_ptr<backend> b;
  std::shared_ptr<file_worker> timers;
  std::shared_ptr<responder> res;
  actor_query q;
  std::atomic<std::int64_t> rate_ms{1000};
  std::atomic<bool> open{true};
  std::string last; // touched by one push at a time

  void push() {
    if (!open.load())
      return;
    b->actors(q, [self = shared_from_this()](result<actor_page> r) {
      if (r) {
        json body = page_json(*r, self->q);
        body.set("type", "actors");
        std::string text = body.dump();
        if (text != self->last && self->open.load()) {
          self->last = text;
          self->res->write(std::move(text), {});
        }
      }
      self->timers->after(std::chrono::milliseconds(self->rate_ms.load()), [self] { self->push(); });
    });
  }

  // {"rate": MS} from the client.
  void on_message(const std::string& text) {
    auto tree = policy::parse_json(text, "message");
    if (!tree)
      return;
    for (const auto& [k, v] : tree->fields)
      if (k == "rate" && v.type == policy::node::kind::number)
        rate_ms.store(std::clamp<std::int64_t>(static_cast<std::int64_t>(v.number), min_push_ms, max_push_ms));
  }
};

} // namespace

void api::actors_socket(http_request& req, std::shared_ptr<responder> res) {
  answer a(metrics_, res);
  if (!req.websocket)
    return a.error(400, errc::invalid_input, "/v1/ws: expected a WebSocket upgrade");
  auto q = read_query(req, a);
  if (!q)
    return;
  auto rate = int_param(req, "rate", 1000, a);
  if (!rate)
    return;
  if (*rate < min_push_ms || *rate > max_push_ms)
    return a.error(400, errc::invalid_input, "rate: must be between 100 and 60000 (ms)");
  auto p = std::make_shared<actor_pusher>();
  p->b = backend_;
  p->timers = files_;
  p->res = res;
  p->q = *q;
  p->rate_ms = *rate;
  res->on_message([p](std::string text) { p->on_message(text); });
  res->on_close([p] { p->open = false; });
  metrics_->observe_http(101);
  res->begin_stream(101, "");
  p->push();
}

} // namespace stevedore::agent
