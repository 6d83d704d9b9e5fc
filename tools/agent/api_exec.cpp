// The interactive exec route of the agent's API (api.hpp):
//   GET /v1/tasks/{id}/exec  WebSocket ?command=["sh","-c","..."]&tty=1&stdin=1
// with the frames of Nomad's alloc exec stream, each a JSON text message:
//   client -> agent  {"stdin": {"data": BASE64}}, {"stdin": {"close": true}},
//                    {"tty_size": {"height": ROWS, "width": COLUMNS}}
//   agent -> client  {"stdout": {"data": BASE64}}, {"stderr": {"data": BASE64}},
//                    {"exited": true, "result": {"exit_code": N}}, or {"error": LINE};
//                    then the agent closes the socket.
// A task that does not run, an unknown task or a bad command are answered
// before the upgrade, as ordinary errors (409, 404, 400).
#include <atomic>
#include <mutex>

#include "docker/registry_auth.hpp"
#include "policy/ast.hpp"
#include "tools/agent/answer.hpp"
#include "tools/agent/request_json.hpp"

namespace stevedore::agent {

namespace {

// Output frames waiting for a client that reads slower than the command
// writes; past it the exec is cut off rather than held in memory.
constexpr std::size_t max_backlog = 1024;

json data_frame(const char* stream, std::string_view bytes) {
  json inner = json::object();
  inner.set("data", docker::base64_encode(bytes));
  json frame = json::object();
  frame.set(stream, std::move(inner));
  return frame;
}

// One socket's exec: what the client sent before the command ran is kept
// and handed over once it does.
struct exec_link : std::enable_shared_from_this<exec_link> {
  std::shared_ptr<responder> res;
  std::mutex mu;
  std::shared_ptr<exec_channel> ch;          // under mu: once started
  std::vector<std::string> early;            // under mu: messages before it
  std::atomic<std::size_t> backlog{0};
  std::atomic<bool> ended{false};

  void send(const json& frame) {
    if (ended.load())
      return;
    if (backlog.fetch_add(1) >= max_backlog) {
      end_with_error("the client reads slower than the command writes: cut off");
      return;
    }
    res->write(frame.dump(), [self = shared_from_this()](bool) { self->backlog.fetch_sub(1); });
  }

  void end_with_error(const std::string& line) {
    if (ended.exchange(true))
      return;
    json frame = json::object();
    frame.set("error", line);
    res->write(frame.dump(), {});
    res->end_stream();
    if (auto c = channel())
      c->cancel();
  }

  void exited(result<std::int64_t> r) {
    if (!r)
      return end_with_error(to_string(r.error()));
    if (ended.exchange(true))
      return;
    json code = json::object();
    code.set("exit_code", *r);
    json frame = json::object();
    frame.set("exited", true);
    frame.set("result", std::move(code));
    res->write(frame.dump(), {});
    res->end_stream();
  }

  std::shared_ptr<exec_channel> channel() {
    std::lock_guard<std::mutex> lock(mu);
    return ch;
  }

  void started(std::shared_ptr<exec_channel> c) {
    std::vector<std::string> pending;
    {
      std::lock_guard<std::mutex> lock(mu);
      ch = c;
      pending.swap(early);
    }
    for (auto& m : pending)
      apply(*c, m);
    if (ended.load())
      c->cancel();
  }

  void on_message(std::string text) {
    std::shared_ptr<exec_channel> c;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!ch) {
        early.push_back(std::move(text));
        return;
      }
      c = ch;
    }
    apply(*c, text);
  }

  // One client frame; a malformed one ends the exec with its reason.
  void apply(exec_channel& c, const std::string& text) {
    auto tree = policy::parse_json(text, "message");
    if (!tree || tree->type != policy::node::kind::object)
      return end_with_error("message: expected a JSON object");
    for (const auto& [key, v] : tree->fields) {
      if (key == "stdin") {
        for (const auto& [k, x] : v.fields) {
          if (k == "data" && x.type == policy::node::kind::string) {
            auto bytes = docker::base64_decode(x.text);
            if (!bytes)
              return end_with_error("stdin.data: not valid base64");
            c.input(std::move(*bytes));
          } else if (k == "close" && x.type == policy::node::kind::boolean && x.boolean) {
            c.close_input();
          }
        }
      } else if (key == "tty_size") {
        int h = 0, w = 0;
        for (const auto& [k, x] : v.fields) {
          if (x.type != policy::node::kind::number)
            continue;
          if (k == "height")
            h = static_cast<int>(x.number);
          else if (k == "width")
            w = static_cast<int>(x.number);
        }
        if (h > 0 && w > 0 && h <= 10000 && w <= 10000)
          c.resize(h, w);
      }
    }
  }
};

} // namespace

void api::exec_socket(const std::string& id, http_request& req, std::shared_ptr<responder> res) {
  answer a(metrics_, res);
  const std::string* command = req.param("command");
  if (!command)
    return a.error(400, errc::invalid_input,
                   "command: missing; expected a JSON list of strings, e.g. [\"sh\"]");
  auto cmd = read_exec_request("{\"cmd\":" + *command + "}");
  if (!cmd)
    return a.error(400, errc::invalid_input,
                   "command: " + quote_value(*command) + " is not a JSON list of strings");
  auto tty = flag(req, "tty", a);
  if (!tty)
    return;
  auto in = flag(req, "stdin", a);
  if (!in)
    return;
  auto link = std::make_shared<exec_link>();
  link->res = res;
  exec_start what{std::move(cmd->cmd), *tty, *in};
  exec_sink sink;
  std::weak_ptr<exec_link> weak = link;
  sink.output = [weak](bool is_stderr, std::string_view bytes) {
    if (auto l = weak.lock())
      l->send(data_frame(is_stderr ? "stderr" : "stdout", bytes));
  };
  sink.exited = [weak](result<std::int64_t> r) {
    if (auto l = weak.lock())
      l->exited(std::move(r));
  };
  // The link lives as long as the socket: the responder's callbacks hold it.
  res->on_message([link](std::string text) { link->on_message(std::move(text)); });
  backend_->exec_attached(id, std::move(what), std::move(sink),
                          [a, link](result<std::shared_ptr<exec_channel>> ch) {
    if (!ch)
      return a.error(ch.error());
    a.m()->observe_http(101);
    a.res()->on_close([link] {
      link->ended.store(true);
      if (auto c = link->channel())
        c->cancel();
    });
    a.res()->begin_stream(101, "");
    link->started(*ch);
  });
}

} // namespace stevedore::agent
