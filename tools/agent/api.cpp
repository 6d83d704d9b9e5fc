#include "tools/agent/api.hpp"

#include <atomic>
#include <map>
#include <optional>

#include "policy/decode.hpp"
#include "policy/rules.hpp"
#include "tools/agent/answer.hpp"
#include "tools/agent/console_page.hpp"
#include "tools/agent/encode.hpp"
#include "tools/agent/request_json.hpp"
#include "tools/agent/request_target.hpp"

namespace stevedore::agent {

int http_status(errc kind) noexcept {
  switch (kind) {
    case errc::invalid_input: return 400;
    case errc::not_permitted: return 403;
    case errc::not_found: return 404;
    case errc::conflict: return 409;
    case errc::unavailable:
    case errc::daemon_unreachable:
    case errc::cancelled: return 503;
    case errc::timeout: return 504;
    case errc::unauthorized:
    case errc::daemon_error:
    case errc::malformed_answer: return 502;
    case errc::ok:
    case errc::internal: return 500;
  }
  return 500;
}

namespace {

// Which method each task action takes.
const std::map<std::string, std::string, std::less<>>& action_methods() {
  static const std::map<std::string, std::string, std::less<>> m = {
    {"stop", "POST"}, {"restart", "POST"}, {"signal", "POST"}, {"exec", "POST"}, {"logs", "GET"}, {"stats", "GET"}};
  return m;
}

std::string join(const std::vector<std::string>& parts, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to; ++i) {
    if (i > from)
      out += '/';
    out += parts[i];
  }
  return out;
}

} // namespace

struct api::task_route {
  std::string id;
  std::string action; // empty: the task's status
};

std::shared_ptr<api> api::make(std::shared_ptr<backend> b, std::shared_ptr<metrics> m,
                               api_options opts) {
  return std::shared_ptr<api>(new api(std::move(b), std::move(m), std::move(opts)));
}

api::api(std::shared_ptr<backend> b, std::shared_ptr<metrics> m, api_options opts)
  : backend_(std::move(b)), metrics_(std::move(m)), opts_(std::move(opts)),
    files_(std::make_shared<file_worker>()) {}

handler api::as_handler() {
  return [self = shared_from_this()](http_request req, std::shared_ptr<responder> res) {
    self->handle(std::move(req), std::move(res));
  };
}

void api::handle(http_request req, std::shared_ptr<responder> res) {
  answer a(metrics_, res);
  auto segs = split_path(req.path);
  if (!segs)
    return a.error(400, errc::invalid_input, "path " + req.path + ": broken percent escape");
  const auto& s = *segs;
  const std::size_t n = s.size();
  if (n == 0 || (n == 1 && s[0] == "console")) {
    if (method_is(req, a, {"GET"}))
      a.text(200, std::string(console_page()), "text/html; charset=utf-8");
    return;
  }
  if (n == 1 && s[0] == "metrics") {
    if (method_is(req, a, {"GET"}))
      get_metrics(res);
    return;
  }
  if (n >= 2 && s[0] == "v1") {
    if (n == 2 && s[1] == "jobs") {
      if (method_is(req, a, {"POST"}))
        post_job(req, res);
      return;
    }
    if (n == 2 && s[1] == "tasks") {
      if (!method_is(req, a, {"GET", "POST"}))
        return;
      if (req.method == "POST")
        return post_task(req, res);
      backend_->list_tasks([a](result<std::vector<task_status>> r) {
        a.then(r, [&](const std::vector<task_status>& tasks) {
          json list = json::array();
          for (const auto& t : tasks)
            list.push(task_summary_json(t));
          json body = json::object();
          body.set("tasks", std::move(list));
          a.json_body(200, body);
        });
      });
      return;
    }
    if (n >= 4 && s[1] == "tasks" && req.websocket && s.back() == "exec") {
      if (method_is(req, a, {"GET"}))
        exec_socket(join(s, 2, n - 1), req, res);
      return;
    }
    if (n >= 3 && s[1] == "tasks") {
      task_route route;
      auto it = action_methods().find(s.back());
      // "GET .../{alloc}/stop" with a task named "stop" is that task's status.
      const bool is_action = n >= 4 && it != action_methods().end() &&
                             !(req.method == "GET" && it->second != "GET");
      if (is_action) {
        route.id = join(s, 2, n - 1);
        route.action = s.back();
      } else {
        route.id = join(s, 2, n);
      }
      return task_action(route, req, res);
    }
    if (n == 2 && s[1] == "images") {
      if (!method_is(req, a, {"GET"}))
        return;
      backend_->images([a](result<std::vector<image_record>> r) {
        a.then(r, [&](const std::vector<image_record>& images) {
          json list = json::array();
          for (const auto& i : images)
            list.push(image_record_json(i));
          json body = json::object();
          body.set("images", std::move(list));
          a.json_body(200, body);
        });
      });
      return;
    }
    if (n == 3 && s[1] == "node" && s[2] == "drain") {
      if (method_is(req, a, {"POST"}))
        drain(res);
      return;
    }
    if (n == 2 && s[1] == "node") {
      if (!method_is(req, a, {"GET"}))
        return;
      backend_->node([a](result<fingerprint> r) {
        a.then(r, [&](const fingerprint& f) {
          json body = fingerprint_json(f);
          if (f.health == daemon_health::healthy)
            return a.json_body(200, body);
          std::string line = std::string("docker daemon ") + to_string(f.health) +
                             (f.reason.empty() ? "" : ": " + f.reason);
          json with_error = json::object();
          with_error.set("error", line);
          for (const auto& [k, v] : body.members())
            with_error.set(k, v);
          a.m()->observe_error(errc::unavailable);
          a.json_body(503, with_error);
        });
      });
      return;
    }
    if (n == 2 && s[1] == "events") {
      if (method_is(req, a, {"GET"}))
        get_events(res);
      return;
    }
    if (n == 3 && s[1] == "events" && s[2] == "recent") {
      if (method_is(req, a, {"GET"}))
        get_recent_events(res);
      return;
    }
    if (n == 2 && s[1] == "ws") {
      if (method_is(req, a, {"GET"}))
        actors_socket(req, res);
      return;
    }
    if (s[1] == "actors") {
      if (n > 2)
        return actor_route(s, req, res);
      if (method_is(req, a, {"GET"}))
        get_actors(req, res);
      return;
    }
  }
  a.error(404, errc::not_found, "no such route: " + req.path);
}

// POST /v1/node/drain: every task that has not ended is stopped (kill
// signal, kill timeout), as an agent with --stop-tasks-on-exit does before
// it exits; answered at once with the ids being stopped.
void api::drain(std::shared_ptr<responder> res) {
  answer a(metrics_, std::move(res));
  auto backend = backend_;
  backend_->list_tasks([a, backend](result<std::vector<task_status>> r) {
    a.then(r, [&](const std::vector<task_status>& tasks) {
      json ids = json::array();
      for (const auto& t : tasks) {
        if (is_terminal(t.state))
          continue;
        ids.push(json(t.task_id));
        backend->stop_task(t.task_id, [](result<unit>) {});
      }
      json body = json::object();
      body.set("stopping", std::move(ids));
      a.json_body(202, body);
    });
  });
}

// Read and checked here, so that every problem is listed with the status
// it deserves; the supervisor plans the job without checking it again
// (job_spec::checked).
policy::intake_options api::job_intake() const {
  policy::intake_options o;
  o.file_name = "body";
  o.client = opts_.client;
  o.last = policy::intake_step::check;
  return o;
}

void api::post_job(http_request& req, std::shared_ptr<responder> res) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos)
    return answer(metrics_, res).error(400, errc::invalid_input,
                                       "body: empty; expected a job in HCL or Nomad's JSON form");
  // ?var=name=value (repeatable): the -var of an HCL2 job file. Files
  // (-var-file, file()) are the caller's to read: there is none here.
  auto options = job_intake();
  for (const auto& [key, value] : req.query) {
    if (key != "var")
      continue;
    auto parsed = policy::parse_var_argument(value);
    if (!parsed)
      return answer(metrics_, res).error(400, errc::invalid_input,
                                         "var: " + quote_value(value) + " is not name=value");
    options.variables.vars.push_back(std::move(*parsed));
  }
  submit(policy::intake(req.body, options), std::move(res));
}

void api::post_task(http_request& req, std::shared_ptr<responder> res) {
  answer a(metrics_, res);
  auto task = read_task_body(req.body);
  if (!task)
    return a.error(task.error());
  std::string job = task->name;
  if (const std::string* j = req.param("job")) {
    if (j->empty())
      return a.error(400, errc::invalid_input, "job: empty; expected the job's name");
    job = *j;
  }
  // The task alone becomes a job of one group of one: the same decoding,
  // checks and planning as a job file, with the same field paths, on the
  // tree parsed once.
  auto tree = policy::job_of_task(std::move(task->tree), job, task->name);
  submit(policy::intake(tree, job_intake()), std::move(res));
}

void api::submit(policy::intake_result checked, std::shared_ptr<responder> res) {
  answer a(metrics_, res);
  if (!checked.ok())
    return a.problems(checked.problems);
  // A sick daemon refuses new work up front rather than half-starting a job.
  // Before the first poll nothing is known yet: the supervisor holds the
  // start until the first fingerprint (or its wait ends) and decides then.
  backend_->node([a, b = backend_, spec = std::move(checked.job),
                  warnings = std::move(checked.warnings)](result<fingerprint> f) mutable {
    if (!f)
      return a.error(f.error());
    if (f->polls > 0 && f->health != daemon_health::healthy)
      return a.error(503, errc::unavailable,
                     std::string("docker daemon ") + to_string(f->health) +
                       (f->reason.empty() ? "" : ": " + f->reason) + "; new tasks are refused");
    b->start_job(std::move(spec), [a, warnings = std::move(warnings)](
                                    result<std::vector<std::string>> ids) {
      a.then(ids, [&](const std::vector<std::string>& list) {
        json body = json::object();
        body.set("task_ids", json::array_of(list));
        body.set("warnings", json::array_of(warnings));
        a.json_body(201, body);
      });
    });
  });
}

void api::task_action(const task_route& route, http_request& req, std::shared_ptr<responder> res) {
  answer a(metrics_, res);
  const std::string& id = route.id;
  if (route.action.empty()) {
    if (!method_is(req, a, {"GET"}))
      return;
    backend_->task(id, [a](result<task_status> r) {
      a.then(r, [&](const task_status& t) { a.json_body(200, task_status_json(t)); });
    });
    return;
  }
  if (!method_is(req, a, {action_methods().find(route.action)->second.c_str()}))
    return;
  if (route.action == "stop") {
    backend_->stop_task(id, [a, id](result<unit> r) {
      a.then(r, [&](unit) {
        json body = json::object();
        body.set("id", id);
        body.set("state", "stopping");
        a.json_body(202, body);
      });
    });
  } else if (route.action == "restart") {
    backend_->restart_task(id, [a, id](result<unit> r) {
      a.then(r, [&](unit) {
        json body = json::object();
        body.set("id", id);
        body.set("state", "restarting");
        a.json_body(202, body);
      });
    });
  } else if (route.action == "signal") {
    auto sig = read_signal_request(req.body);
    if (!sig)
      return a.error(sig.error());
    backend_->signal_task(id, *sig, [a, id, sig = *sig](result<unit> r) {
      a.then(r, [&](unit) {
        json body = json::object();
        body.set("id", id);
        body.set("signal", sig);
        a.json_body(200, body);
      });
    });
  } else if (route.action == "exec") {
    auto ex = read_exec_request(req.body);
    if (!ex)
      return a.error(ex.error());
    backend_->exec_task(id, std::move(ex->cmd), ex->timeout, [a](result<exec_output> r) {
      a.then(r, [&](const exec_output& o) { a.json_body(200, exec_output_json(o)); });
    });
  } else if (route.action == "stats") {
    backend_->task_stats(id, [a](result<task_stats> r) {
      a.then(r, [&](const task_stats& s) { a.json_body(200, task_stats_json(s)); });
    });
  } else if (route.action == "logs") {
    get_logs(id, req, std::move(res));
  }
}

void api::get_logs(const std::string& id, http_request& req, std::shared_ptr<responder> res) {
  answer a(metrics_, res);
  std::string stream = "stdout";
  if (const std::string* s = req.param("stream")) {
    if (*s != "stdout" && *s != "stderr")
      return a.error(400, errc::invalid_input, "stream: expected stdout or stderr, got '" + *s + "'");
    stream = *s;
  }
  auto follow = flag(req, "follow", a);
  if (!follow)
    return;
  backend_->task_logs(id, [a, id, stream, follow = *follow, b = backend_, w = files_,
                           opts = opts_.logs](result<log_files> r) {
    a.then(r, [&](const log_files& files) {
      a.m()->observe_http(200);
      ended_fn ended = [b, id](std::function<void(bool)> tell) {
        b->task(id, [tell = std::move(tell)](result<task_status> t) {
          tell(!t || is_terminal(t->state) || t->state == task_state::exited);
        });
      };
      stream_logs(w, files, stream, follow, a.res(), std::move(ended), opts);
    });
  });
}

void api::get_events(std::shared_ptr<responder> res) {
  metrics_->observe_http(200);
  res->begin_stream(200, "application/x-ndjson");
  // A client that reads slower than events come is cut off once its backlog
  // passes the limit, instead of holding memory without bound.
  auto backlog = std::make_shared<std::atomic<std::size_t>>(0);
  auto cut = std::make_shared<std::atomic<bool>>(false);
  const std::size_t limit = opts_.event_backlog;
  cancel_fn cancel = backend_->subscribe([res, backlog, cut, limit](const task_event& e) {
    if (cut->load())
      return;
    if (backlog->fetch_add(1) >= limit) {
      cut->store(true);
      res->end_stream();
      return;
    }
    res->write(task_event_json(e).dump() + "\n", [backlog](bool) { backlog->fetch_sub(1); });
  });
  res->on_close([cancel] { cancel(); });
}

void api::get_metrics(std::shared_ptr<responder> res) {
  backend_->list_tasks([m = metrics_, res](result<std::vector<task_status>> r) {
    const std::string text = m->render(r.ok() ? &r.value() : nullptr);
    m->observe_http(200);
    res->reply(200, text, "text/plain; version=0.0.4; charset=utf-8");
  });
}

} // namespace stevedore::agent
