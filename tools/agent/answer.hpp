// How the API's handlers answer (api.cpp, api_actors.cpp): JSON bodies and
// one-line errors through a responder, every answer and error counted in the
// metrics; and the request checks they share (method, boolean flags).
#pragma once

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "messages/json.hpp"
#include "policy/decode.hpp"
#include "tools/agent/api.hpp"
#include "tools/agent/encode.hpp"

namespace stevedore::agent {

// Answers through `res`, counting every answer and error in `m`.
class answer {
public:
  answer(std::shared_ptr<metrics> m, std::shared_ptr<responder> res)
    : m_(std::move(m)), res_(std::move(res)) {}

  void json_body(int status, const json& body) const {
    m_->observe_http(status);
    res_->reply(status, body.dump());
  }
  void text(int status, std::string body, std::string content_type) const {
    m_->observe_http(status);
    res_->reply(status, std::move(body), std::move(content_type));
  }
  void error(const error_info& e, header_list headers = {}) const {
    error(http_status(e.kind), e.kind, to_string(e), std::move(headers));
  }
  void error(int status, errc kind, const std::string& message, header_list headers = {}) const {
    m_->observe_http(status);
    m_->observe_error(kind);
    res_->reply(status, error_json(message), "application/json", std::move(headers));
  }
  // Several problems (a job file): the first decides the status and the
  // line; all of them are listed.
  // Lines as `stevedore validate` prints them: "body:LINE:COL: path: why".
  void problems(const std::vector<error_info>& ps) const {
    const auto& first = ps.front();
    std::string line = policy::format_problem(first, "body");
    if (ps.size() > 1)
      line += " (and " + std::to_string(ps.size() - 1) + " more)";
    json body = json::object();
    body.set("error", line);
    json all = json::array();
    for (const auto& p : ps)
      all.push(policy::format_problem(p, "body"));
    body.set("problems", std::move(all));
    const int status = http_status(first.kind);
    m_->observe_http(status);
    m_->observe_error(first.kind);
    res_->reply(status, body.dump());
  }
  // The common case: an error answers the error, a value answers ok(value).
  template <class T, class F>
  void then(result<T>& r, F&& ok) const {
    if (!r)
      return error(r.error());
    ok(*r);
  }

  const std::shared_ptr<responder>& res() const { return res_; }
  const std::shared_ptr<metrics>& m() const { return m_; }

private:
  std::shared_ptr<metrics> m_;
  std::shared_ptr<responder> res_;
};

// Answers 405 unless the method is one of `allowed`.
inline bool method_is(const http_request& req, const answer& a, std::initializer_list<const char*> allowed) {
  std::string allow;
  for (const char* m : allowed) {
    if (req.method == m)
      return true;
    allow += allow.empty() ? "" : ", ";
    allow += m;
  }
  a.error(405, errc::invalid_input, "method " + req.method + " not allowed on " + req.path +
                                      " (allowed: " + allow + ")",
          {{"Allow", allow}});
  return false;
}

// "1", "true" -> true; "0", "false", absent -> false; anything else: an error.
inline std::optional<bool> flag(const http_request& req, std::string_view key, const answer& a) {
  const std::string* v = req.param(key);
  if (!v || *v == "0" || *v == "false")
    return false;
  if (v->empty() || *v == "1" || *v == "true")
    return true;
  a.error(400, errc::invalid_input,
          std::string(key) + ": expected 1, 0, true or false, got '" + *v + "'");
  return std::nullopt;
}

} // namespace stevedore::agent
