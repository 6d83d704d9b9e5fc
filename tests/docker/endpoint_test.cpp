// resolve_endpoint: the configuration, then the Docker CLI's environment,
// then the default socket; errors name the setting and the value.
#include <map>

#include <gtest/gtest.h>

#include "docker/transport.hpp"

namespace stevedore::docker {
namespace {

struct endpoint_case {
  const char* name;
  std::string configured;                 // docker.endpoint
  std::string cert, key, ca;              // docker.tls.cert, .key, .ca
  std::map<std::string, std::string> env;
  std::string expect;                     // describe() of the endpoint, or "error: <line>"
};

// One line per endpoint: where, then the TLS files and whether verified.
std::string describe(const endpoint& ep) {
  std::string out = to_string(ep);
  if (ep.kind == endpoint::scheme::tls)
    out += " cert=" + ep.tls_cert + " key=" + ep.tls_key + " ca=" + ep.tls_ca +
           (ep.tls_verify ? " verify" : " no-verify");
  return out;
}

const endpoint_case cases[] = {
    {"default socket", "", "", "", "", {}, "unix:///var/run/docker.sock"},
    {"configured unix", "unix:///run/user/docker.sock", "", "", "", {}, "unix:///run/user/docker.sock"},
    {"configured tcp", "tcp://127.0.0.1:2375", "", "", "", {}, "tcp://127.0.0.1:2375"},
    {"configured tcp default port", "tcp://docker.internal", "", "", "", {}, "tcp://docker.internal:2375"},
    {"configured tcp trailing slash", "tcp://10.0.0.2:2375/", "", "", "", {}, "tcp://10.0.0.2:2375"},
    {"http is tcp", "http://127.0.0.1:2375", "", "", "", {}, "tcp://127.0.0.1:2375"},
    {"bare host and port is tcp", "127.0.0.1:2375", "", "", "", {}, "tcp://127.0.0.1:2375"},
    {"ipv6 in brackets", "tcp://[::1]:2375", "", "", "", {}, "tcp://::1:2375"},
    {"configured tls", "tcp://127.0.0.1:2376", "/etc/d/cert.pem", "/etc/d/key.pem", "/etc/d/ca.pem", {},
     "tcp://127.0.0.1:2376 (tls) cert=/etc/d/cert.pem key=/etc/d/key.pem ca=/etc/d/ca.pem verify"},
    {"configured tls default port", "tcp://docker.internal", "c.pem", "k.pem", "ca.pem", {},
     "tcp://docker.internal:2376 (tls) cert=c.pem key=k.pem ca=ca.pem verify"},
    {"cert and key without ca: no verification (as Nomad)", "tcp://h:2376", "c.pem", "k.pem", "", {},
     "tcp://h:2376 (tls) cert=c.pem key=k.pem ca= no-verify"},
    {"ca only: verified, no client certificate", "tcp://h:2376", "", "", "ca.pem", {},
     "tcp://h:2376 (tls) cert= key= ca=ca.pem verify"},
    {"https alone: system CAs", "https://h:2376", "", "", "", {}, "tcp://h:2376 (tls) cert= key= ca= verify"},
    {"tls files ignored on a socket", "unix:///x.sock", "c.pem", "k.pem", "ca.pem", {}, "unix:///x.sock"},
    {"configuration wins over the environment", "unix:///cfg.sock", "", "", "",
     {{"DOCKER_HOST", "tcp://127.0.0.1:1"}, {"DOCKER_TLS_VERIFY", "1"}}, "unix:///cfg.sock"},
    {"tls settings without endpoint are ignored", "", "c.pem", "k.pem", "ca.pem", {},
     "unix:///var/run/docker.sock"},
    {"DOCKER_HOST unix", "", "", "", "", {{"DOCKER_HOST", "unix:///tmp/d.sock"}}, "unix:///tmp/d.sock"},
    {"DOCKER_HOST tcp", "", "", "", "", {{"DOCKER_HOST", "tcp://127.0.0.1:2375"}}, "tcp://127.0.0.1:2375"},
    {"DOCKER_HOST empty means default", "", "", "", "", {{"DOCKER_HOST", ""}}, "unix:///var/run/docker.sock"},
    {"DOCKER_TLS_VERIFY with DOCKER_CERT_PATH", "", "", "", "",
     {{"DOCKER_HOST", "tcp://127.0.0.1:2376"}, {"DOCKER_TLS_VERIFY", "1"}, {"DOCKER_CERT_PATH", "/certs"}},
     "tcp://127.0.0.1:2376 (tls) cert=/certs/cert.pem key=/certs/key.pem ca=/certs/ca.pem verify"},
    {"DOCKER_TLS_VERIFY any non-empty value", "", "", "", "",
     {{"DOCKER_HOST", "tcp://h"}, {"DOCKER_TLS_VERIFY", "0"}, {"DOCKER_CERT_PATH", "/certs/"}},
     "tcp://h:2376 (tls) cert=/certs/cert.pem key=/certs/key.pem ca=/certs/ca.pem verify"},
    {"DOCKER_TLS_VERIFY defaults to ~/.docker", "", "", "", "",
     {{"DOCKER_HOST", "tcp://h:1"}, {"DOCKER_TLS_VERIFY", "yes"}, {"HOME", "/home/u"}},
     "tcp://h:1 (tls) cert=/home/u/.docker/cert.pem key=/home/u/.docker/key.pem ca=/home/u/.docker/ca.pem verify"},
    {"DOCKER_CERT_PATH alone does not mean TLS", "", "", "", "",
     {{"DOCKER_HOST", "tcp://h:2375"}, {"DOCKER_CERT_PATH", "/certs"}}, "tcp://h:2375"},
    {"DOCKER_TLS_VERIFY on a socket is moot", "", "", "", "",
     {{"DOCKER_HOST", "unix:///d.sock"}, {"DOCKER_TLS_VERIFY", "1"}}, "unix:///d.sock"},

    {"npipe is unsupported", "npipe:////./pipe/docker_engine", "", "", "", {},
     "error: docker.endpoint: unsupported scheme 'npipe' in 'npipe:////./pipe/docker_engine'"},
    {"ssh is unsupported", "ssh://me@host", "", "", "", {},
     "error: docker.endpoint: unsupported scheme 'ssh' in 'ssh://me@host'"},
    {"empty socket path", "unix://", "", "", "", {}, "error: docker.endpoint: empty socket path in 'unix://'"},
    {"missing host", "tcp://:2375", "", "", "", {}, "error: docker.endpoint: missing host in 'tcp://:2375'"},
    {"bad port", "tcp://h:port", "", "", "", {}, "error: docker.endpoint: bad port 'port' in 'tcp://h:port'"},
    {"port out of range", "tcp://h:70000", "", "", "", {},
     "error: docker.endpoint: bad port '70000' in 'tcp://h:70000'"},
    {"empty port", "tcp://h:", "", "", "", {}, "error: docker.endpoint: bad port '' in 'tcp://h:'"},
    {"path after host", "tcp://h:2375/v1.41", "", "", "", {},
     "error: docker.endpoint: unexpected path '/v1.41' in 'tcp://h:2375/v1.41'"},
    {"ipv6 without brackets", "tcp://::1:2375", "", "", "", {},
     "error: docker.endpoint: IPv6 address without brackets in 'tcp://::1:2375'"},
    {"cert without key", "tcp://h:2376", "c.pem", "", "ca.pem", {},
     "error: docker.tls.key: missing while docker.tls.cert is set ('c.pem')"},
    {"key without cert", "tcp://h:2376", "", "k.pem", "ca.pem", {},
     "error: docker.tls.cert: missing while docker.tls.key is set ('k.pem')"},
    {"bad DOCKER_HOST", "", "", "", "", {{"DOCKER_HOST", "fd://"}},
     "error: DOCKER_HOST: unsupported scheme 'fd' in 'fd://'"},
    {"DOCKER_TLS_VERIFY without a place for certificates", "", "", "", "",
     {{"DOCKER_HOST", "tcp://h:2376"}, {"DOCKER_TLS_VERIFY", "1"}},
     "error: DOCKER_CERT_PATH: not set, and no HOME to find ~/.docker in"},
};

class ResolveEndpoint : public testing::TestWithParam<endpoint_case> {};

TEST_P(ResolveEndpoint, Resolves) {
  const auto& c = GetParam();
  getenv_fn getenv = [&c](const char* name) -> const char* {
    auto it = c.env.find(name);
    return it == c.env.end() ? nullptr : it->second.c_str();
  };
  auto r = resolve_endpoint(c.configured, c.cert, c.key, c.ca, getenv);
  if (r.ok())
    EXPECT_EQ(describe(*r), c.expect);
  else {
    EXPECT_EQ(r.error().kind, errc::invalid_input);
    EXPECT_EQ("error: " + to_string(r.error()), c.expect);
  }
}

std::string case_name(const testing::TestParamInfo<endpoint_case>& info) {
  std::string out;
  for (const char* p = info.param.name; *p; ++p)
    out += std::isalnum(static_cast<unsigned char>(*p)) ? *p : '_';
  return out;
}

INSTANTIATE_TEST_SUITE_P(Cases, ResolveEndpoint, testing::ValuesIn(cases), case_name);

TEST(ResolveEndpointEnv, NoGetenvMeansNoEnvironment) {
  auto r = resolve_endpoint("", "", "", "", getenv_fn());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(to_string(*r), "unix:///var/run/docker.sock");
}

} // namespace
} // namespace stevedore::docker
