// The transport against the real private dockerd of the test environment
// (tools/testenv.sh): its Unix socket and its mutual-TLS endpoint, reached
// through docker.endpoint settings and through the DOCKER_* variables.
//
// The environment is found through STEVEDORE_TESTENV, a KEY=VALUE file.
// tests/support/testenv.hpp is to read it for every integration test; until
// it exists this file reads the few keys it needs itself.
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "docker/transport.hpp"
#include "tests/docker/transport_test_util.hpp"

namespace stevedore::docker {
namespace {

using namespace stevedore::testing;

class TransportIntegration : public ::testing::Test {
protected:
  void SetUp() override {
    const char* file = std::getenv("STEVEDORE_TESTENV");
    std::ifstream in(file ? file : "");
    if (!in)
      GTEST_SKIP() << "no test environment (STEVEDORE_TESTENV=" << (file ? file : "") << ")";
    for (std::string line; std::getline(in, line);)
      if (auto eq = line.find('='); eq != std::string::npos)
        env_[line.substr(0, eq)] = line.substr(eq + 1);
    for (const char* key : {"STEVEDORE_DOCKER_HOST", "STEVEDORE_DOCKER_TLS_HOST", "STEVEDORE_DOCKER_CERT_PATH"})
      ASSERT_FALSE(env_[key].empty()) << key << " missing from " << file;
  }

  endpoint socket_endpoint() {
    auto ep = resolve_endpoint(env_["STEVEDORE_DOCKER_HOST"], "", "", "", getenv_fn());
    EXPECT_TRUE(ep.ok());
    return *ep;
  }

  endpoint tls_endpoint(const std::string& ca_file = "ca.pem") {
    std::string dir = env_["STEVEDORE_DOCKER_CERT_PATH"] + "/";
    auto ep = resolve_endpoint(env_["STEVEDORE_DOCKER_TLS_HOST"], dir + "cert.pem", dir + "key.pem",
                               dir + ca_file, getenv_fn());
    EXPECT_TRUE(ep.ok());
    return *ep;
  }

  std::map<std::string, std::string> env_;
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
  std::map<std::string, std::string> vars = {{"DOCKER_HOST", env_["STEVEDORE_DOCKER_TLS_HOST"]},
                                             {"DOCKER_TLS_VERIFY", "1"},
                                             {"DOCKER_CERT_PATH", env_["STEVEDORE_DOCKER_CERT_PATH"]}};
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
