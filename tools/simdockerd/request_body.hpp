// What the simulated daemon reads out of request bodies and query values:
// the container create body, the exec create body, `filters=` JSON and the
// X-Registry-Auth header. simdjson stays in request_body.cpp. Errors are the
// text of a 400 answer, worded like dockerd's.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "messages/result.hpp"

namespace stevedore::sim {

using label_list = std::vector<std::pair<std::string, std::string>>; // sorted by key

struct port_binding {
  std::string container_port; // "80/tcp"
  std::string host_ip;        // "" or "127.0.0.1"
  std::string host_port;      // "" means any: the sim picks one
};

// POST /containers/create, the fields the sim acts on or echoes back.
struct create_spec {
  std::string image;
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;
  label_list labels;
  bool tty = false;
  std::string stop_signal;      // empty: SIGTERM
  std::int64_t stop_timeout = -1; // seconds; -1: 10
  std::string working_dir;
  std::string user;
  std::string hostname;
  std::string host_config = "{}"; // HostConfig as sent (minified), echoed by inspect
  std::vector<port_binding> ports; // HostConfig.PortBindings
};

// POST /containers/{id}/exec
struct exec_spec {
  std::vector<std::string> cmd;
  std::vector<std::string> env;
  std::string user;
  std::string working_dir;
  bool tty = false;
  bool attach_stdout = false;
  bool attach_stderr = false;
};

// `filters` as the API takes it: {"label": ["a=b"], "type": ["container"]};
// the older map form {"label": {"a=b": true}} is accepted too.
using filter_map = std::map<std::string, std::vector<std::string>>;

result<create_spec> parse_create_body(std::string_view body);
result<exec_spec> parse_exec_body(std::string_view body);
result<filter_map> parse_filters(std::string_view text);

// X-Registry-Auth: base64url (or standard base64) of {"username","password",...}.
struct registry_auth {
  std::string username;
  std::string password;
};
result<registry_auth> decode_registry_auth(std::string_view header);

} // namespace stevedore::sim
