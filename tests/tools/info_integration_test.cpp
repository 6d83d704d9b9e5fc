// `stevedore info` asked of the test environment's dockerd over the Unix
// socket and over mutual TLS configured by the client settings.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/integration_test.hpp"
#include "tests/tools/program.hpp"

namespace {

namespace fs = std::filesystem;
using stevedore::testing::lines;
using stevedore::testing::scratch;

class info_live : public stevedore::testenv::integration_test {};

TEST_F(info_live, over_the_unix_socket_reports_the_daemon) {
  scratch s;
  ASSERT_TRUE(s.ok());
  auto o = s.run("info --json --endpoint " + env_.docker_host);
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("\"endpoint\": \"" + env_.docker_host + "\""), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("\"os_type\": \"linux\""), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("\"storage_driver\": \"vfs\""), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("\"api_version\": \"1."), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("\"runc\""), std::string::npos) << o.out;
  // The bridge gateway is reported, never contacted.
  EXPECT_EQ(o.out.find("bridge_error"), std::string::npos) << o.out;
}

TEST_F(info_live, over_mutual_tls_from_the_client_settings) {
  scratch s;
  ASSERT_TRUE(s.ok());
  const fs::path certs = env_.docker_cert_path;
  auto cfg = s.write("client.hcl", "client {\n  options {\n"
                                   "    \"docker.endpoint\" = \"" + env_.docker_tls_host + "\"\n"
                                   "    \"docker.tls.cert\" = \"" + (certs / "cert.pem").string() + "\"\n"
                                   "    \"docker.tls.key\"  = \"" + (certs / "key.pem").string() + "\"\n"
                                   "    \"docker.tls.ca\"   = \"" + (certs / "ca.pem").string() + "\"\n"
                                   "  }\n}\n");
  auto o = s.run("info --config " + cfg);
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("daemon version:"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("storage driver:  vfs"), std::string::npos) << o.out;
  // Without the client certificate the daemon refuses the connection.
  auto bare = s.run("info --timeout 5 --endpoint " + env_.docker_tls_host);
  EXPECT_EQ(bare.exit_code, 1) << bare.out;
  EXPECT_EQ(lines(bare.err), 1u) << bare.err;
}

} // namespace
