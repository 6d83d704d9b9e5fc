#include "tools/simdockerd/request_body.hpp"

#include <algorithm>

#include <simdjson.h>

namespace stevedore::sim {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

error_info bad(std::string message) {
  return make_error(errc::invalid_input, "request", std::move(message), 400);
}

result<element> parse_json(simdjson::dom::parser& parser, std::string_view text, const char* what) {
  element root;
  if (auto err = parser.parse(text.data(), text.size()).get(root))
    return bad(std::string("invalid JSON in ") + what + ": " + simdjson::error_message(err));
  return root;
}

// A string or an array of strings (Cmd and Entrypoint take both; a string
// means ["/bin/sh", "-c", s] only to the real daemon's shell form, which the
// API does not do: it is a one-element list).
result<std::vector<std::string>> string_list(element e, std::string_view field) {
  std::vector<std::string> out;
  if (e.is_null())
    return out;
  std::string_view s;
  if (!e.get(s)) {
    out.emplace_back(s);
    return out;
  }
  simdjson::dom::array arr;
  if (e.get(arr))
    return bad("json: cannot unmarshal " + std::string(field) + ": expected a string or an array of strings");
  for (auto item : arr) {
    if (item.get(s))
      return bad("json: cannot unmarshal " + std::string(field) + ": array item is not a string");
    out.emplace_back(s);
  }
  return out;
}

result<label_list> string_map(element e, std::string_view field) {
  label_list out;
  if (e.is_null())
    return out;
  simdjson::dom::object obj;
  if (e.get(obj))
    return bad("json: cannot unmarshal " + std::string(field) + ": expected an object of strings");
  for (auto f : obj) {
    std::string_view v;
    if (f.value.get(v))
      return bad("json: cannot unmarshal " + std::string(field) + "." + std::string(f.key) +
                 ": expected a string");
    out.emplace_back(std::string(f.key), std::string(v));
  }
  std::sort(out.begin(), out.end());
  return out;
}

result<bool> boolean(element e, std::string_view field) {
  bool b = false;
  if (e.is_null())
    return false;
  if (e.get(b))
    return bad("json: cannot unmarshal " + std::string(field) + ": expected a boolean");
  return b;
}

result<std::string> string_field(element e, std::string_view field) {
  std::string_view s;
  if (e.is_null())
    return std::string();
  if (e.get(s))
    return bad("json: cannot unmarshal " + std::string(field) + ": expected a string");
  return std::string(s);
}

result<std::vector<port_binding>> port_bindings(element e) {
  std::vector<port_binding> out;
  if (e.is_null())
    return out;
  simdjson::dom::object obj;
  if (e.get(obj))
    return bad("json: cannot unmarshal HostConfig.PortBindings: expected an object");
  for (auto f : obj) {
    if (f.value.is_null()) {
      out.push_back({std::string(f.key), "", ""});
      continue;
    }
    simdjson::dom::array arr;
    if (f.value.get(arr))
      return bad("json: cannot unmarshal HostConfig.PortBindings." + std::string(f.key) +
                 ": expected an array");
    for (auto b : arr) {
      simdjson::dom::object bo;
      if (b.get(bo))
        return bad("json: cannot unmarshal HostConfig.PortBindings." + std::string(f.key) +
                   ": expected objects");
      port_binding pb{std::string(f.key), "", ""};
      for (auto bf : bo) {
        std::string_view v;
        if (bf.value.get(v))
          continue;
        if (bf.key == "HostIp")
          pb.host_ip = std::string(v);
        else if (bf.key == "HostPort")
          pb.host_port = std::string(v);
      }
      out.push_back(std::move(pb));
    }
  }
  return out;
}

template <class T>
bool take(result<T>&& r, T& into, error_info& err) {
  if (!r.ok()) {
    err = std::move(r).error();
    return false;
  }
  into = std::move(r).value();
  return true;
}

} // namespace

result<create_spec> parse_create_body(std::string_view body) {
  simdjson::dom::parser parser;
  if (body.empty())
    return bad("config cannot be empty in order to create a container");
  auto root = parse_json(parser, body, "container create body");
  if (!root.ok())
    return std::move(root).error();
  simdjson::dom::object obj;
  if (root->get(obj))
    return bad("invalid JSON in container create body: expected an object");
  create_spec spec;
  error_info err;
  for (auto f : obj) {
    bool ok = true;
    if (f.key == "Image") ok = take(string_field(f.value, "Image"), spec.image, err);
    else if (f.key == "Cmd") ok = take(string_list(f.value, "Cmd"), spec.cmd, err);
    else if (f.key == "Entrypoint") ok = take(string_list(f.value, "Entrypoint"), spec.entrypoint, err);
    else if (f.key == "Env") ok = take(string_list(f.value, "Env"), spec.env, err);
    else if (f.key == "Labels") ok = take(string_map(f.value, "Labels"), spec.labels, err);
    else if (f.key == "Tty") ok = take(boolean(f.value, "Tty"), spec.tty, err);
    else if (f.key == "StopSignal") ok = take(string_field(f.value, "StopSignal"), spec.stop_signal, err);
    else if (f.key == "WorkingDir") ok = take(string_field(f.value, "WorkingDir"), spec.working_dir, err);
    else if (f.key == "User") ok = take(string_field(f.value, "User"), spec.user, err);
    else if (f.key == "Hostname") ok = take(string_field(f.value, "Hostname"), spec.hostname, err);
    else if (f.key == "StopTimeout") {
      std::int64_t t = -1;
      if (!f.value.is_null() && f.value.get(t))
        return bad("json: cannot unmarshal StopTimeout: expected an integer");
      spec.stop_timeout = t;
    } else if (f.key == "HostConfig") {
      simdjson::dom::object hc;
      if (f.value.is_null())
        continue;
      if (f.value.get(hc))
        return bad("json: cannot unmarshal HostConfig: expected an object");
      spec.host_config = simdjson::minify(f.value);
      for (auto h : hc)
        if (h.key == "PortBindings")
          ok = take(port_bindings(h.value), spec.ports, err);
    }
    if (!ok)
      return err;
  }
  if (spec.image.empty())
    return bad("invalid reference format: Image is empty");
  return spec;
}

result<exec_spec> parse_exec_body(std::string_view body) {
  simdjson::dom::parser parser;
  auto root = parse_json(parser, body.empty() ? std::string_view("{}") : body, "exec create body");
  if (!root.ok())
    return std::move(root).error();
  simdjson::dom::object obj;
  if (root->get(obj))
    return bad("invalid JSON in exec create body: expected an object");
  exec_spec spec;
  error_info err;
  for (auto f : obj) {
    bool ok = true;
    if (f.key == "Cmd") ok = take(string_list(f.value, "Cmd"), spec.cmd, err);
    else if (f.key == "Env") ok = take(string_list(f.value, "Env"), spec.env, err);
    else if (f.key == "User") ok = take(string_field(f.value, "User"), spec.user, err);
    else if (f.key == "WorkingDir") ok = take(string_field(f.value, "WorkingDir"), spec.working_dir, err);
    else if (f.key == "Tty") ok = take(boolean(f.value, "Tty"), spec.tty, err);
    else if (f.key == "AttachStdout") ok = take(boolean(f.value, "AttachStdout"), spec.attach_stdout, err);
    else if (f.key == "AttachStderr") ok = take(boolean(f.value, "AttachStderr"), spec.attach_stderr, err);
    if (!ok)
      return err;
  }
  if (spec.cmd.empty())
    return bad("No exec command specified");
  return spec;
}

result<filter_map> parse_filters(std::string_view text) {
  filter_map out;
  if (text.empty())
    return out;
  simdjson::dom::parser parser;
  auto root = parse_json(parser, text, "filters");
  if (!root.ok())
    return std::move(root).error();
  simdjson::dom::object obj;
  if (root->get(obj))
    return bad("invalid filter: expected a JSON object");
  for (auto f : obj) {
    auto& values = out[std::string(f.key)];
    simdjson::dom::array arr;
    simdjson::dom::object map;
    if (!f.value.get(arr)) {
      for (auto item : arr) {
        std::string_view s;
        if (item.get(s))
          return bad("invalid filter '" + std::string(f.key) + "': values must be strings");
        values.emplace_back(s);
      }
    } else if (!f.value.get(map)) {
      for (auto item : map)
        values.emplace_back(item.key);
    } else {
      return bad("invalid filter '" + std::string(f.key) + "': expected a list of strings");
    }
  }
  return out;
}

namespace {

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

} // namespace

result<registry_auth> decode_registry_auth(std::string_view header) {
  std::string raw;
  unsigned acc = 0;
  int bits = 0;
  for (char c : header) {
    if (c == '=' || c == ' ' || c == '\n' || c == '\r')
      continue;
    int v = base64_value(c);
    if (v < 0)
      return bad("invalid X-Registry-Auth header: not base64");
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      raw.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  registry_auth out;
  if (raw.empty())
    return out;
  simdjson::dom::parser parser;
  auto root = parse_json(parser, raw, "X-Registry-Auth");
  if (!root.ok())
    return std::move(root).error();
  simdjson::dom::object obj;
  if (root->get(obj))
    return bad("invalid X-Registry-Auth header: expected a JSON object");
  for (auto f : obj) {
    std::string_view s;
    if (f.value.get(s))
      continue;
    if (f.key == "username")
      out.username = std::string(s);
    else if (f.key == "password")
      out.password = std::string(s);
  }
  return out;
}

} // namespace stevedore::sim
