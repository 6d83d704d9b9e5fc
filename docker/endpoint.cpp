// Where the daemon listens, read the way Nomad reads it: `docker.endpoint`
// (with `docker.tls.*`, which only count with it) when set; otherwise the
// Docker CLI's environment (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH);
// otherwise the default socket. Pure: no file is opened here (the transport
// reports a TLS file it cannot load, naming it, on every call).
#include <optional>

#include "docker/transport.hpp"

namespace stevedore::docker {

namespace {

constexpr const char* default_socket = "/var/run/docker.sock";
constexpr std::uint16_t plain_port = 2375; // Docker's defaults when the address has none
constexpr std::uint16_t tls_port = 2376;

struct address {
  enum class kind { unix_socket, tcp, https };
  kind scheme = kind::tcp;
  std::string path;                  // unix
  std::string host;                  // tcp, https
  std::optional<std::uint16_t> port; // tcp, https, when given
};

error_info bad_setting(const char* setting, std::string message) {
  return make_error(errc::invalid_input, setting, std::move(message));
}

// unix:///path, tcp://host[:port][/], http:// (same as tcp), https:// (TLS),
// [::1] for IPv6, and a bare host:port taken as tcp as the Docker CLI does.
result<address> parse_address(const char* setting, const std::string& value) {
  auto bad = [&](const std::string& why) { return bad_setting(setting, why + " in '" + value + "'"); };
  std::string_view scheme = "tcp";
  std::string_view rest = value;
  if (auto sep = rest.find("://"); sep != std::string_view::npos) {
    scheme = rest.substr(0, sep);
    rest = rest.substr(sep + 3);
  }
  address a;
  if (scheme == "unix") {
    if (rest.empty())
      return bad("empty socket path");
    a.scheme = address::kind::unix_socket;
    a.path = std::string(rest);
    return a;
  }
  if (scheme == "tcp" || scheme == "http")
    a.scheme = address::kind::tcp;
  else if (scheme == "https")
    a.scheme = address::kind::https;
  else
    return bad("unsupported scheme '" + std::string(scheme) + "'");

  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    if (rest.substr(slash) != "/")
      return bad("unexpected path '" + std::string(rest.substr(slash)) + "'");
    rest = rest.substr(0, slash);
  }
  std::string_view host = rest;
  std::optional<std::string_view> port;
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos)
      return bad("unclosed '[' in host");
    host = rest.substr(1, close - 1);
    auto after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return bad("unexpected '" + std::string(after) + "' after host");
      port = after.substr(1);
    }
  } else if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return bad("IPv6 address without brackets");
  }
  if (host.empty())
    return bad("missing host");
  a.host = std::string(host);
  if (port) {
    unsigned long n = 0;
    bool digits = !port->empty() && port->size() <= 5;
    for (char c : *port) {
      digits = digits && c >= '0' && c <= '9';
      if (digits)
        n = n * 10 + static_cast<unsigned long>(c - '0');
    }
    if (!digits || n == 0 || n > 65535)
      return bad("bad port '" + std::string(*port) + "'");
    a.port = static_cast<std::uint16_t>(n);
  }
  return a;
}

endpoint to_endpoint(const address& a, bool tls) {
  endpoint ep;
  if (a.scheme == address::kind::unix_socket) {
    ep.kind = endpoint::scheme::unix_socket;
    ep.path = a.path;
    return ep;
  }
  ep.kind = tls ? endpoint::scheme::tls : endpoint::scheme::tcp;
  ep.host = a.host;
  ep.port = a.port ? *a.port : (tls ? tls_port : plain_port);
  return ep;
}

// `docker.endpoint` set: only the configuration counts. As in Nomad (whose
// Docker client skips verification when no CA is given), cert and key without
// a CA mean TLS without verifying the daemon. TLS files with a unix socket
// are ignored, as Nomad ignores them.
result<endpoint> from_config(const std::string& configured, const std::string& cert,
                             const std::string& key, const std::string& ca) {
  auto a = parse_address("docker.endpoint", configured);
  if (!a)
    return std::move(a).error();
  if (a->scheme == address::kind::unix_socket)
    return to_endpoint(*a, false);
  if (cert.empty() && !key.empty())
    return bad_setting("docker.tls.cert", "missing while docker.tls.key is set ('" + key + "')");
  if (key.empty() && !cert.empty())
    return bad_setting("docker.tls.key", "missing while docker.tls.cert is set ('" + cert + "')");
  bool files = !cert.empty() || !ca.empty();
  endpoint ep = to_endpoint(*a, files || a->scheme == address::kind::https);
  if (ep.kind == endpoint::scheme::tls) {
    ep.tls_cert = cert;
    ep.tls_key = key;
    ep.tls_ca = ca;
    ep.tls_verify = !ca.empty() || !files; // https alone: the system's CAs
  }
  return ep;
}

std::string env(const getenv_fn& getenv, const char* name) {
  const char* v = getenv ? getenv(name) : nullptr;
  return v ? std::string(v) : std::string();
}

// No `docker.endpoint`: the Docker CLI's variables. Any non-empty
// DOCKER_TLS_VERIFY means TLS verified with DOCKER_CERT_PATH's ca.pem,
// cert.pem and key.pem (~/.docker when unset). On a unix socket TLS is moot.
result<endpoint> from_environment(const getenv_fn& getenv) {
  std::string host = env(getenv, "DOCKER_HOST");
  if (host.empty()) {
    endpoint ep;
    ep.path = default_socket;
    return ep;
  }
  auto a = parse_address("DOCKER_HOST", host);
  if (!a)
    return std::move(a).error();
  bool verify = !env(getenv, "DOCKER_TLS_VERIFY").empty();
  if (a->scheme == address::kind::unix_socket)
    return to_endpoint(*a, false);
  endpoint ep = to_endpoint(*a, verify || a->scheme == address::kind::https);
  if (!verify)
    return ep;
  std::string dir = env(getenv, "DOCKER_CERT_PATH");
  if (dir.empty()) {
    std::string home = env(getenv, "HOME");
    if (home.empty())
      return bad_setting("DOCKER_CERT_PATH", "not set, and no HOME to find ~/.docker in");
    dir = home + "/.docker";
  }
  if (dir.back() != '/')
    dir += '/';
  ep.tls_ca = dir + "ca.pem";
  ep.tls_cert = dir + "cert.pem";
  ep.tls_key = dir + "key.pem";
  ep.tls_verify = true;
  return ep;
}

} // namespace

result<endpoint> resolve_endpoint(const std::string& configured, const std::string& tls_cert,
                                  const std::string& tls_key, const std::string& tls_ca,
                                  const getenv_fn& getenv) {
  if (!configured.empty())
    return from_config(configured, tls_cert, tls_key, tls_ca);
  return from_environment(getenv);
}

} // namespace stevedore::docker
