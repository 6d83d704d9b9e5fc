// libFuzzer entry for what the agent reads of a request (tools/agent): the
// bytes a client sends go through Beast's request parser with the server's
// limits (server_options' defaults), the Authorization header through the
// bearer check, the target through split_target and split_path, and a whole
// body through each request body reader (signal, exec, task). No crash, no
// undefined behaviour under the sanitizers, every refusal a printable line,
// and what is accepted keeps the readers' promises.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/beast/http.hpp>

#include "tests/fuzz/fuzz_messages.hpp"
#include "tools/agent/request_json.hpp"
#include "tools/agent/request_target.hpp"

namespace {

using namespace stevedore;
namespace http = boost::beast::http;

constexpr std::string_view token = "t0ken";

template <class T>
void check_refusal(const result<T>& r, const char* what) {
  if (r)
    return;
  if (r.error().kind != errc::invalid_input)
    fuzz::violated(what, "error kind " + std::string(to_string(r.error().kind)));
  fuzz::check_line(to_string(r.error()), what);
}

void check_bodies(std::string_view body) {
  auto sig = agent::read_signal_request(body);
  check_refusal(sig, "signal request");
  if (sig && (sig->empty() || sig->size() > 32))
    fuzz::violated("signal accepted with a bad length", *sig);
  auto ex = agent::read_exec_request(body);
  check_refusal(ex, "exec request");
  if (ex && (ex->cmd.empty() || ex->cmd.front().empty() || ex->timeout.count() <= 0 ||
             ex->timeout > agent::max_exec_timeout))
    fuzz::violated("exec request accepted out of its range", std::to_string(ex->timeout.count()));
  auto task = agent::read_task_body(body);
  check_refusal(task, "task body");
  if (task && task->name.empty())
    fuzz::violated("task accepted without a name", "");
}

// The bearer check against a plain reading of the rule.
void check_token(std::string_view auth) {
  std::string scheme(auth.substr(0, 7));
  for (auto& c : scheme)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool bearer = auth.size() > 7 && scheme == "bearer ";
  const auto want = !bearer ? agent::bearer_check::missing
                    : auth.substr(7) == token ? agent::bearer_check::ok
                                              : agent::bearer_check::wrong;
  if (agent::check_bearer(auth, token) != want)
    fuzz::violated("bearer check", std::string(auth));
}

void check_target(std::string_view target) {
  agent::http_request r;
  agent::split_target(target, r);
  if (r.path.find('?') != std::string::npos || target.substr(0, r.path.size()) != r.path)
    fuzz::violated("path of the target", std::string(target));
  for (const auto& [k, v] : r.query)
    if (k.size() + v.size() > target.size())
      fuzz::violated("query parameter longer than the target", k);
  auto segs = agent::split_path(r.path);
  if (!segs)
    return;
  std::size_t total = 0;
  for (const auto& s : *segs) {
    if (s.empty())
      fuzz::violated("empty path segment", r.path);
    total += s.size();
  }
  if (total > r.path.size())
    fuzz::violated("segments longer than the path", r.path);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const agent::server_options limits;
  http::request_parser<http::string_body> p;
  p.header_limit(static_cast<std::uint32_t>(limits.header_limit));
  p.body_limit(limits.body_limit);
  p.eager(true);
  boost::asio::const_buffer in(data, size);
  boost::beast::error_code ec;
  while (in.size() > 0 && !p.is_done()) {
    const std::size_t used = p.put(in, ec);
    in += used;
    if (ec || used == 0)
      break;
  }
  if (!p.is_header_done())
    return 0;
  const auto& req = p.get();
  auto auth = req[http::field::authorization];
  check_token(std::string_view(auth.data(), auth.size()));
  check_target(std::string_view(req.target().data(), req.target().size()));
  if (p.is_done())
    check_bodies(req.body());
  return 0;
}
