#include "tools/agent/request_json.hpp"

#include <simdjson.h>

#include "policy/duration.hpp"

namespace stevedore::agent {

namespace {

error_info bad(std::string what, std::string message) {
  return make_error(errc::invalid_input, std::move(what), std::move(message));
}

const char* type_name(simdjson::dom::element_type t) {
  using simdjson::dom::element_type;
  switch (t) {
    case element_type::ARRAY: return "array";
    case element_type::OBJECT: return "object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE: return "number";
    case element_type::STRING: return "string";
    case element_type::BOOL: return "boolean";
    case element_type::NULL_VALUE: return "null";
  }
  return "value";
}

// The body as a JSON object, or why not.
result<simdjson::dom::object> parse_object(simdjson::dom::parser& parser, std::string_view body) {
  if (body.empty())
    return bad("body", "empty; expected a JSON object");
  simdjson::dom::element root;
  if (auto err = parser.parse(body.data(), body.size()).get(root))
    return bad("body", std::string("not valid JSON: ") + simdjson::error_message(err));
  simdjson::dom::object obj;
  if (root.get(obj))
    return bad("body", std::string("expected a JSON object, got ") + type_name(root.type()));
  return obj;
}

// Fails on any key outside `known`, naming it.
result<unit> only_keys(simdjson::dom::object obj, std::initializer_list<std::string_view> known) {
  for (auto field : obj) {
    bool ok = false;
    for (auto k : known)
      ok = ok || field.key == k;
    if (!ok)
      return bad(std::string(field.key), "unknown field");
  }
  return unit{};
}

bool signal_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '-';
}

} // namespace

result<std::string> read_signal_request(std::string_view body) {
  simdjson::dom::parser parser;
  auto obj = parse_object(parser, body);
  if (!obj)
    return std::move(obj).error();
  if (auto r = only_keys(*obj, {"signal"}); !r)
    return std::move(r).error();
  simdjson::dom::element v;
  if (obj->at_key("signal").get(v))
    return bad("signal", "missing; expected a signal name such as \"SIGHUP\"");
  std::string_view s;
  if (v.get(s))
    return bad("signal", std::string("expected a string, got ") + type_name(v.type()));
  if (s.empty() || s.size() > 32)
    return bad("signal", "expected a signal name such as \"SIGHUP\" (1 to 32 characters)");
  for (char c : s)
    if (!signal_char(c))
      return bad("signal", "'" + std::string(s) + "' is not a signal name");
  return std::string(s);
}

result<exec_request_body> read_exec_request(std::string_view body) {
  simdjson::dom::parser parser;
  auto obj = parse_object(parser, body);
  if (!obj)
    return std::move(obj).error();
  if (auto r = only_keys(*obj, {"cmd", "timeout"}); !r)
    return std::move(r).error();
  exec_request_body out;
  out.timeout = default_exec_timeout;
  simdjson::dom::element t;
  if (!obj->at_key("timeout").get(t)) {
    std::string_view text;
    if (t.get(text))
      return bad("timeout", std::string("expected a duration string such as \"30s\", got ") +
                              type_name(t.type()));
    auto ns = policy::parse_duration(text);
    if (!ns)
      return bad("timeout", ns.error().message);
    auto ms = std::chrono::milliseconds(policy::nanos_to_millis(*ns));
    if (*ns <= 0 || ms > max_exec_timeout)
      return bad("timeout", "'" + std::string(text) + "' is out of range: 1ms to 1h");
    out.timeout = ms;
  }
  simdjson::dom::element v;
  if (obj->at_key("cmd").get(v))
    return bad("cmd", "missing; expected a list of strings such as [\"ls\", \"-l\"]");
  simdjson::dom::array arr;
  if (v.get(arr))
    return bad("cmd", std::string("expected a list of strings, got ") + type_name(v.type()));
  std::vector<std::string> cmd;
  std::size_t i = 0;
  for (auto item : arr) {
    std::string_view s;
    if (item.get(s))
      return bad("cmd[" + std::to_string(i) + "]",
                 std::string("expected a string, got ") + type_name(item.type()));
    cmd.emplace_back(s);
    ++i;
  }
  if (cmd.empty())
    return bad("cmd", "empty; expected at least the program to run");
  if (cmd.front().empty())
    return bad("cmd[0]", "empty; expected the program to run");
  out.cmd = std::move(cmd);
  return out;
}

namespace {

const char* type_name(const policy::node& n) {
  using kind = policy::node::kind;
  switch (n.type) {
    case kind::null: return "null";
    case kind::boolean: return "boolean";
    case kind::number: return "number";
    case kind::string: return "string";
    case kind::list: return "array";
    case kind::object: return "object";
  }
  return "value";
}

} // namespace

result<task_body> read_task_body(std::string_view body) {
  if (body.empty())
    return bad("body", "empty; expected a JSON object");
  auto tree = policy::parse_json(body, "body");
  if (!tree) {
    // "body:LINE:COL: why" -> "LINE:COL: why"
    std::string_view why = tree.error().message;
    if (why.substr(0, 5) == "body:")
      why.remove_prefix(5);
    while (!why.empty() && why.front() == ' ')
      why.remove_prefix(1);
    return bad("body", "not valid JSON: " + std::string(why));
  }
  if (tree->type != policy::node::kind::object)
    return bad("body", std::string("expected a JSON object, got ") + type_name(*tree));
  const policy::node* name = nullptr;
  for (const auto& [key, value] : tree->fields)
    if (key == "Name" && name == nullptr)
      name = &value;
  if (name == nullptr)
    return bad("Name", "missing; a task needs a name");
  if (name->type != policy::node::kind::string)
    return bad("Name", std::string("expected a string, got ") + type_name(*name));
  if (name->text.empty())
    return bad("Name", "empty; a task needs a name");
  task_body out;
  out.name = name->text;
  out.tree = std::move(*tree);
  return out;
}

} // namespace stevedore::agent
