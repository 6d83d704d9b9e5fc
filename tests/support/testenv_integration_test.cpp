// The environment that ctest's docker_env fixture brought up is complete and
// live, read through the stevedore_testenv library only.
#include <sys/stat.h>

#include <string>

#include <gtest/gtest.h>

#include "tests/support/integration_test.hpp"

namespace stevedore::testenv {
namespace {

bool is_kind(const std::string& path, mode_t kind) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && (st.st_mode & S_IFMT) == kind;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

class TestenvLive : public integration_test {};

TEST_F(TestenvLive, SocketExistsAndMatchesTheHost) {
  EXPECT_TRUE(is_kind(env_.docker_socket, S_IFSOCK)) << env_.docker_socket;
  EXPECT_EQ(env_.docker_host, "unix://" + env_.docker_socket);
}

TEST_F(TestenvLive, TlsEndpointAndCertificatesExist) {
  EXPECT_TRUE(starts_with(env_.docker_tls_host, "tcp://127.0.0.1:")) << env_.docker_tls_host;
  for (const char* f : {"/ca.pem", "/cert.pem", "/key.pem"})
    EXPECT_TRUE(is_kind(env_.docker_cert_path + f, S_IFREG)) << env_.docker_cert_path << f;
}

TEST_F(TestenvLive, RegistryAndImagesAreDescribed) {
  EXPECT_TRUE(starts_with(env_.registry, "127.0.0.1:")) << env_.registry;
  EXPECT_EQ(env_.registry_image, env_.registry + "/stevedore/busybox");
  EXPECT_FALSE(env_.registry_user.empty());
  EXPECT_GE(env_.registry_password.size(), 16u); // generated, never printed
  EXPECT_TRUE(is_kind(env_.registry_log, S_IFREG)) << env_.registry_log;
  EXPECT_EQ(env_.image, "stevedore-test/busybox:1");
  EXPECT_EQ(env_.image_full, "stevedore-test/full:1");
  EXPECT_EQ(env_.image_tar_ref, "stevedore-test/tarred:1");
  EXPECT_TRUE(is_kind(env_.image_tar, S_IFREG)) << env_.image_tar;
  EXPECT_TRUE(is_kind(env_.dir, S_IFDIR)) << env_.dir;
}

} // namespace
} // namespace stevedore::testenv
