// The transport against the real private dockerd of the test environment
// (tools/testenv.sh): its Unix socket and its mutual-TLS endpoint, reached
// through docker.endpoint settings and through the DOCKER_* variables.
//
// The environment comes from tests/support (integration_test FAILs when it
// is missing, never skips).
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <map>

#include <gtest/gtest.h>

#include "docker/transport.hpp"
#include "tests/docker/transport_test_util.hpp"
#include "tests/support/integration_test.hpp"

namespace stevedore::docker {
namespace {

using namespace stevedore::testing;

class TransportIntegration : public testenv::integration_test {
protected:
  endpoint socket_endpoint() {
    auto ep = resolve_endpoint(env_.docker_host, "", "", "", getenv_fn());
    EXPECT_TRUE(ep.ok());
    return *ep;
  }

  endpoint tls_endpoint(const std::string& ca_file = "ca.pem") {
    std::string dir = env_.docker_cert_path + "/";
    auto ep = resolve_endpoint(env_.docker_tls_host, dir + "cert.pem", dir + "key.pem",
                               dir + ca_file, getenv_fn());
    EXPECT_TRUE(ep.ok());
    return *ep;
  }

};

TEST_F(TransportIntegration, PingOverTheUnixSocket) {
  auto t = transport::make(socket_endpoint());
  for (int i = 0; i < 3; ++i) {
    auto r = call(*t, get("/_ping"));
    ASSERT_TRUE(r.ok()) << error_line(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "OK");
  }
}

TEST_F(TransportIntegration, PingOverMutualTls) {
  endpoint ep = tls_endpoint();
  ASSERT_EQ(ep.kind, endpoint::scheme::tls);
  auto t = transport::make(ep);
  for (int i = 0; i < 3; ++i) {
    auto r = call(*t, get("/_ping"));
    ASSERT_TRUE(r.ok()) << error_line(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "OK");
  }
}

TEST_F(TransportIntegration, PingOverTlsFoundThroughDockerVariables) {
  std::map<std::string, std::string> vars = {{"DOCKER_HOST", env_.docker_tls_host},
                                             {"DOCKER_TLS_VERIFY", "1"},
                                             {"DOCKER_CERT_PATH", env_.docker_cert_path}};
  auto ep = resolve_endpoint("", "", "", "", [&vars](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
  ASSERT_TRUE(ep.ok()) << to_string(ep.error());
  auto t = transport::make(*ep);
  auto r = call(*t, get("/_ping"));
  ASSERT_TRUE(r.ok()) << error_line(r);
  EXPECT_EQ(r->body, "OK");
}

TEST_F(TransportIntegration, DaemonCertificateFromAnotherCaIsRefused) {
  // The client certificate is no CA of the daemon's: verification must fail.
  auto t = transport::make(tls_endpoint("cert.pem"));
  auto r = call(*t, get("/_ping"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::daemon_unreachable);
  EXPECT_EQ(r.error().message.rfind("handshake: certificate verify failed", 0), 0u) << r.error().message;
}

TEST_F(TransportIntegration, MissingContainerIsNotFoundWithTheDaemonsMessage) {
  auto t = transport::make(socket_endpoint());
  auto r = call(*t, get("/v1.41/containers/stevedore-no-such-container/json"));
  ASSERT_TRUE(r.ok()) << error_line(r);
  EXPECT_EQ(r->status, 404);
  auto e = status_error("inspect stevedore-no-such-container", r->status, r->body);
  EXPECT_EQ(e.kind, errc::not_found);
  EXPECT_EQ(to_string(e), "inspect stevedore-no-such-container: No such container: stevedore-no-such-container");
}

TEST_F(TransportIntegration, BoundedEventStreamEnds) {
  stream_probe s; // before the transport, whose shutdown may still call it
  auto t = transport::make(socket_endpoint());
  auto now = std::time(nullptr);
  t->stream(get("/v1.41/events?since=" + std::to_string(now - 60) + "&until=" + std::to_string(now)),
            s.handler());
  ASSERT_TRUE(s.wait_end(std::chrono::seconds(10)));
  EXPECT_TRUE(s.end().ok()) << to_string(s.end().error());
  EXPECT_EQ(s.status(), 200);
}

} // namespace
} // namespace stevedore::docker
