// The env-file reader, without a daemon.
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/testenv.hpp"

namespace stevedore::testenv {
namespace {

std::string complete_file() {
  std::string text = "# written by tools/testenv.sh\n\n";
  for (const auto& key : required_keys())
    text += key + "=value-of-" + key + "\n";
  return text;
}

TEST(TestenvParse, ReadsEveryKeyIntoItsField) {
  auto r = parse(complete_file(), "env");
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_EQ(r->docker_host, "value-of-STEVEDORE_DOCKER_HOST");
  EXPECT_EQ(r->docker_socket, "value-of-STEVEDORE_DOCKER_SOCKET");
  EXPECT_EQ(r->docker_tls_host, "value-of-STEVEDORE_DOCKER_TLS_HOST");
  EXPECT_EQ(r->docker_cert_path, "value-of-STEVEDORE_DOCKER_CERT_PATH");
  EXPECT_EQ(r->registry, "value-of-STEVEDORE_REGISTRY");
  EXPECT_EQ(r->registry_user, "value-of-STEVEDORE_REGISTRY_USER");
  EXPECT_EQ(r->registry_password, "value-of-STEVEDORE_REGISTRY_PASSWORD");
  EXPECT_EQ(r->registry_log, "value-of-STEVEDORE_REGISTRY_LOG");
  EXPECT_EQ(r->image, "value-of-STEVEDORE_IMAGE");
  EXPECT_EQ(r->image_full, "value-of-STEVEDORE_IMAGE_FULL");
  EXPECT_EQ(r->registry_image, "value-of-STEVEDORE_REGISTRY_IMAGE");
  EXPECT_EQ(r->image_tar, "value-of-STEVEDORE_IMAGE_TAR");
  EXPECT_EQ(r->image_tar_ref, "value-of-STEVEDORE_IMAGE_TAR_REF");
  EXPECT_EQ(r->dir, "value-of-STEVEDORE_TESTENV_DIR");
}

TEST(TestenvParse, ValueKeepsEverythingAfterTheFirstEquals) {
  auto text = complete_file() + "STEVEDORE_REGISTRY_PASSWORD=a=b=c\n";
  auto r = parse(text, "env");
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_EQ(r->registry_password, "a=b=c");
}

TEST(TestenvParse, MissingKeysAreNamed) {
  auto r = parse("STEVEDORE_DOCKER_HOST=unix:///x.sock\nSTEVEDORE_REGISTRY=\n", "/some/env");
  ASSERT_FALSE(r.ok());
  auto line = to_string(r.error());
  EXPECT_NE(line.find("/some/env"), std::string::npos) << line;
  EXPECT_NE(line.find("STEVEDORE_REGISTRY "), std::string::npos) << line; // empty counts as missing
  EXPECT_NE(line.find("STEVEDORE_TESTENV_DIR"), std::string::npos) << line;
  EXPECT_EQ(line.find("STEVEDORE_DOCKER_HOST "), std::string::npos) << line;
}

TEST(TestenvParse, LineWithoutEqualsIsAnError) {
  auto r = parse(complete_file() + "garbage\n", "env");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(to_string(r.error()).find("line 17"), std::string::npos) << to_string(r.error());
}

TEST(TestenvLoad, MissingFileIsAnError) {
  auto r = load_file("/nonexistent/stevedore/env");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, errc::not_found);
}

TEST(TestenvLoad, UnsetVariableIsAnError) {
  const char* old = std::getenv("STEVEDORE_TESTENV");
  std::string saved = old ? old : "";
  ::unsetenv("STEVEDORE_TESTENV");
  auto r = load();
  if (old)
    ::setenv("STEVEDORE_TESTENV", saved.c_str(), 1);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(to_string(r.error()).find("STEVEDORE_TESTENV is not set"), std::string::npos);
}

} // namespace
} // namespace stevedore::testenv
