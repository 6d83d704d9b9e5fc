#include "policy/interpolate.hpp"

#include <type_traits>

#include <cctype>

namespace stevedore::policy {

namespace {

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

bool is_name(std::string_view s) {
  if (s.empty())
    return false;
  for (char c : s)
    if (!is_name_char(c))
      return false;
  return true;
}

const std::string* find(const string_map* m, const std::string& key) {
  if (m == nullptr)
    return nullptr;
  auto i = m->find(key);
  return i == m->end() ? nullptr : &i->second;
}

// The value of the reference `inner` (between "${" and "}"), or nullptr.
const std::string* resolve(std::string_view inner, const interpolation_scope& scope) {
  // env["NAME"]: the environment only.
  constexpr std::string_view env_open = "env[\"";
  constexpr std::string_view env_close = "\"]";
  if (inner.size() > env_open.size() + env_close.size() && inner.substr(0, env_open.size()) == env_open
      && inner.substr(inner.size() - env_close.size()) == env_close) {
    auto name = inner.substr(env_open.size(), inner.size() - env_open.size() - env_close.size());
    return is_name(name) ? find(scope.env, std::string(name)) : nullptr;
  }
  if (!is_name(inner))
    return nullptr;
  std::string key(inner);
  if (const auto* v = find(scope.env, key))
    return v;
  return find(scope.node, key);
}

// Applies interpolate() to the fields of one task config, naming each in the
// warnings it produces.
class config_interpolator {
public:
  config_interpolator(const interpolation_scope& scope, const std::string& path,
                      std::vector<std::string>& warnings)
    : scope_(scope), path_(path), warnings_(warnings) {}

  void str(const std::string& field, std::string& value) {
    if (value.find('$') == std::string::npos)
      return;
    std::vector<std::string> unresolved;
    value = interpolate(value, scope_, unresolved);
    // A registry credential is a secret even where it holds "${": the
    // reference (or, unterminated, the rest of the value) is not shown.
    const bool secret = field.compare(0, 5, "auth.") == 0;
    for (const auto& ref : unresolved)
      warnings_.push_back(path_ + "." + field + ": " +
                          (secret ? std::string("a ${...} reference (not shown: auth values are "
                                                "secret)")
                                  : ref) +
                          " resolves to nothing; left as written");
  }

  void list(const std::string& field, std::vector<std::string>& values) {
    for (size_t i = 0; i < values.size(); ++i)
      str(field + "[" + std::to_string(i) + "]", values[i]);
  }

  void values(const std::string& field, string_map& m) {
    for (auto& [k, v] : m)
      str(field + "." + k, v);
  }

  // Keys and values (labels): a renamed key moves its value.
  void keys_and_values(const std::string& field, string_map& m) {
    string_map out;
    for (auto [k, v] : m) {
      str(field + "." + k, v);
      std::string key = k;
      str(field + "." + k, key);
      out[key] = v;
    }
    m = std::move(out);
  }

private:
  const interpolation_scope& scope_;
  const std::string& path_;
  std::vector<std::string>& warnings_;
};

// The strings of one option, by its type: str, list, values (of a map) or
// keys_and_values (labels, whose keys are interpolated too), each with the
// field's path. A member of a type not listed here stops the build: say
// which of its strings are interpolated.
template <class Visitor, class T>
void option_strings(Visitor& in, const std::string& name, T& value) {
  using U = std::remove_const_t<T>;
  if constexpr (std::is_same_v<U, std::string>) {
    in.str(name, value);
  } else if constexpr (std::is_same_v<U, std::vector<std::string>>) {
    in.list(name, value);
  } else if constexpr (std::is_same_v<U, string_map>) {
    if (name == "labels")
      in.keys_and_values(name, value);
    else
      in.values(name, value);
  } else if constexpr (std::is_same_v<U, auth_config>) {
    in.str(name + ".username", value.username);
    in.str(name + ".password", value.password);
    in.str(name + ".email", value.email);
    in.str(name + ".server_address", value.server_address);
  } else if constexpr (std::is_same_v<U, logging_config>) {
    in.str(name + ".type", value.type);
    in.values(name + ".config", value.config);
  } else if constexpr (std::is_same_v<U, std::vector<mount_config>>) {
    for (size_t i = 0; i < value.size(); ++i) {
      auto& m = value[i];
      auto at = name + "[" + std::to_string(i) + "]";
      in.str(at + ".type", m.type);
      in.str(at + ".target", m.target);
      in.str(at + ".source", m.source);
      in.values(at + ".volume_options.labels", m.volume_options.labels);
      in.str(at + ".volume_options.driver_config.name", m.volume_options.driver_config.name);
      in.values(at + ".volume_options.driver_config.options",
                m.volume_options.driver_config.options);
      in.str(at + ".bind_options.propagation", m.bind_propagation);
    }
  } else if constexpr (std::is_same_v<U, std::vector<device_config>>) {
    for (size_t i = 0; i < value.size(); ++i) {
      auto& d = value[i];
      auto at = name + "[" + std::to_string(i) + "]";
      in.str(at + ".host_path", d.host_path);
      in.str(at + ".container_path", d.container_path);
      in.str(at + ".cgroup_permissions", d.cgroup_permissions);
    }
  } else {
    static_assert(std::is_arithmetic_v<U> || std::is_same_v<U, std::map<std::string, std::int64_t>>,
                  "a docker option of a new type: say which of its strings are interpolated");
  }
}

// Calls `in` for every string of every option of a docker config
// (messages/task_spec.hpp's one list), for interpolate_config and
// mentions_interpolation.
template <class Config, class Visitor>
void each_string_option(Config& c, Visitor& in) {
  each_docker_option(c, [&](const char* name, auto& value) { option_strings(in, name, value); });
}

// Whether any string it is shown holds a '$' (a reference or an escape).
struct dollar_finder {
  bool found = false;
  void str(const std::string&, const std::string& value) {
    found = found || value.find('$') != std::string::npos;
  }
  void list(const std::string& field, const std::vector<std::string>& values) {
    for (const auto& v : values)
      str(field, v);
  }
  void values(const std::string& field, const string_map& m) {
    for (const auto& kv : m)
      str(field, kv.second);
  }
  void keys_and_values(const std::string& field, const string_map& m) {
    for (const auto& [k, v] : m) {
      str(field, k);
      str(field, v);
    }
  }
};

} // namespace

string_map node_values(const client_config& client, const node_facts& node) {
  string_map out;
  out["node.unique.id"] = client.node_id;
  out["node.unique.name"] = client.node_name;
  out["node.datacenter"] = client.datacenter;
  out["node.region"] = client.region;
  out["node.class"] = client.node_class;
  out["nomad.datacenter"] = client.datacenter;
  out["nomad.region"] = client.region;
  for (const auto& [k, v] : node.attributes)
    out["attr." + k] = v;
  for (const auto& [k, v] : client.node_meta)
    out["meta." + k] = v;
  return out;
}

std::string interpolate(std::string_view text, const interpolation_scope& scope,
                        std::vector<std::string>& unresolved) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out.push_back(text[i++]);
      continue;
    }
    auto close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      // No closing brace: the rest is plain text.
      unresolved.emplace_back(text.substr(i));
      out.append(text.substr(i));
      break;
    }
    auto whole = text.substr(i, close + 1 - i);
    if (const auto* v = resolve(text.substr(i + 2, close - i - 2), scope)) {
      out += *v;
    } else {
      unresolved.emplace_back(whole);
      out.append(whole);
    }
    i = close + 1;
  }
  return out;
}

void interpolate_config(docker_config& c, const interpolation_scope& scope,
                        const std::string& path, std::vector<std::string>& warnings) {
  config_interpolator in(scope, path, warnings);
  each_string_option(c, in);
}

bool mentions_interpolation(const docker_config& c) {
  dollar_finder in;
  each_string_option(c, in);
  return in.found;
}

} // namespace stevedore::policy
