// Mutual TLS against a fake daemon on 127.0.0.1: a CA, a server certificate
// for IP 127.0.0.1 and DNS localhost, a client certificate, and a second CA
// that signed nothing here, all made once by the openssl command.
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <gtest/gtest.h>

#include "docker/transport.hpp"
#include "tests/docker/callback_probe.hpp"
#include "tests/docker/fake_server.hpp"

namespace stevedore::docker {
namespace {

using namespace stevedore::testing;
namespace fs = std::filesystem;

class TransportTls : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("stevedore-tls-test-" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    std::ofstream(*dir_ / "server.ext") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                           "extendedKeyUsage=serverAuth\n";
    std::ofstream(*dir_ / "elsewhere.ext") << "subjectAltName=DNS:elsewhere.test\n"
                                              "extendedKeyUsage=serverAuth\n";
    std::ofstream(*dir_ / "client.ext") << "extendedKeyUsage=clientAuth\n";
    const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    auto ca = [&](const std::string& name) {
      return "openssl req -x509 " + key + " -keyout " + name + ".key -out " + name +
             ".pem -days 2 -subj /CN=" + name +
             " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign";
    };
    auto leaf = [&](const std::string& name, const std::string& cn) {
      return "openssl req -new " + key + " -keyout " + name + ".key -out " + name + ".csr -subj /CN=" + cn +
             " && openssl x509 -req -in " + name + ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out " +
             name + ".pem -extfile " + name + ".ext";
    };
    std::string cmd = "cd '" + dir_->string() + "' && (" + ca("ca") + " && " + ca("other-ca") + " && " +
                      leaf("server", "127.0.0.1") + " && " + leaf("elsewhere", "elsewhere.test") + " && " +
                      leaf("client", "stevedore-client") + ") >openssl.log 2>&1";
    ready_ = std::system(cmd.c_str()) == 0;
  }

  static void TearDownTestSuite() {
    std::error_code ignored;
    fs::remove_all(*dir_, ignored);
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override {
    if (!ready_)
      GTEST_SKIP() << "could not make certificates with the openssl command (see openssl.log)";
  }

  static std::string file(const std::string& name) { return (*dir_ / name).string(); }

  std::unique_ptr<fake_server> server(const std::string& cert = "server") {
    return fake_server::tls({file(cert + ".pem"), file(cert + ".key"), file("ca.pem")});
  }

  static endpoint client_of(const fake_server& s, const std::string& ca = "ca.pem") {
    endpoint ep = s.where();
    ep.tls_cert = file("client.pem");
    ep.tls_key = file("client.key");
    ep.tls_ca = file(ca);
    return ep;
  }

  static result<response> call(transport& t, std::string target = "/_ping") {
    auto p = std::make_shared<probe<result<response>>>();
    request req;
    req.target = std::move(target);
    t.send(req, [p](result<response> r) { p->callback()(std::move(r)); });
    if (!p->wait())
      return make_error(errc::internal, "test", "no answer within 5 s");
    return p->value();
  }

  static fs::path* dir_;
  static bool ready_;
};

fs::path* TransportTls::dir_ = nullptr;
bool TransportTls::ready_ = false;

std::string error_line(const result<response>& r) { return r.ok() ? "ok" : to_string(r.error()); }

TEST_F(TransportTls, MutualTlsRequestSucceedsAndKeepsItsConnection) {
  auto s = server();
  s->play(script().serve([](const captured_request& req) { return http_answer(200, req.target); }));
  auto t = transport::make(client_of(*s));

  for (int i = 0; i < 3; ++i) {
    auto r = call(*t, "/call/" + std::to_string(i));
    ASSERT_TRUE(r.ok()) << error_line(r);
    EXPECT_EQ(r->body, "/call/" + std::to_string(i));
  }
  EXPECT_EQ(s->accepted(), 1u);
  EXPECT_EQ(s->requests().at(0).header("Host"), "127.0.0.1:" + std::to_string(s->where().port));
  t->shutdown();
  s->stop();
  EXPECT_TRUE(s->problems().empty()) << s->problems().at(0);
}

TEST_F(TransportTls, StreamsOverTls) {
  auto s = server();
  s->play(script().expect_request().write(chunked_head(200) + chunk("a\n") + chunk("b\n") + last_chunk()));
  stream_probe probe;
  auto t = transport::make(client_of(*s));
  request req;
  req.target = "/v1.41/events";
  t->stream(req, probe.handler());
  ASSERT_TRUE(probe.wait_end());
  ASSERT_TRUE(probe.end().ok()) << to_string(probe.end().error());
  EXPECT_EQ(probe.data(), "a\nb\n");
}

TEST_F(TransportTls, HostNameIsCheckedAgainstTheCertificate) {
  auto s = server();
  s->play(script().expect_request().answer(200, "OK"));
  endpoint ep = client_of(*s);
  ep.host = "localhost"; // a DNS name in the certificate, sent as SNI too
  auto t = transport::make(ep);
  auto r = call(*t);
  ASSERT_TRUE(r.ok()) << error_line(r);
}

TEST_F(TransportTls, WrongCaFailsTheHandshake) {
  auto s = server();
  auto t = transport::make(client_of(*s, "other-ca.pem"));
  auto r = call(*t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::daemon_unreachable);
  EXPECT_EQ(r.error().message.rfind("handshake: certificate verify failed", 0), 0u) << r.error().message;
}

TEST_F(TransportTls, CertificateForAnotherHostFailsTheHandshake) {
  auto s = server("elsewhere");
  auto t = transport::make(client_of(*s));
  auto r = call(*t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::daemon_unreachable);
  EXPECT_EQ(r.error().message.rfind("handshake: certificate verify failed", 0), 0u) << r.error().message;
}

TEST_F(TransportTls, DaemonRefusesAClientWithoutCertificate) {
  auto s = server();
  s->play(script().expect_request().answer(200, "must not be reached"));
  endpoint ep = client_of(*s);
  ep.tls_cert.clear();
  ep.tls_key.clear();
  auto t = transport::make(ep);
  auto r = call(*t);
  ASSERT_FALSE(r.ok());
  // TLS 1.3 finishes the client's side of the handshake before the daemon
  // has judged the certificate: the refusal may arrive at the first read.
  EXPECT_EQ(r.error().kind, errc::daemon_unreachable) << error_line(r);
  EXPECT_TRUE(s->requests().empty());
}

TEST_F(TransportTls, UnreadableCaFileIsNamedOnEveryCall) {
  endpoint ep;
  ep.kind = endpoint::scheme::tls;
  ep.host = "127.0.0.1";
  ep.port = 1;
  ep.tls_ca = file("missing-ca.pem");
  auto t = transport::make(ep);
  for (int i = 0; i < 2; ++i) {
    auto r = call(*t);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, errc::invalid_input);
    EXPECT_EQ(r.error().message,
              "tls setup: cannot read CA file '" + file("missing-ca.pem") + "': No such file or directory");
  }
}

TEST_F(TransportTls, KeyNotMatchingTheCertificateIsNamed) {
  endpoint ep;
  ep.kind = endpoint::scheme::tls;
  ep.host = "127.0.0.1";
  ep.port = 1;
  ep.tls_ca = file("ca.pem");
  ep.tls_cert = file("client.pem");
  ep.tls_key = file("server.key");
  auto t = transport::make(ep);
  auto r = call(*t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::invalid_input);
  EXPECT_EQ(r.error().message.rfind("tls setup: ", 0), 0u) << r.error().message;
  EXPECT_NE(r.error().message.find(file("server.key")), std::string::npos) << r.error().message;
}

} // namespace
} // namespace stevedore::docker
