// docker.auth.config lookup (docker/docker_config.hpp): every form an entry
// takes, the CLI's key matching, the auths -> credHelpers -> credsStore order,
// and one readable line for each way the file can be wrong.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>

#include "docker/docker_config.hpp"
#include "docker/registry_auth.hpp"

namespace stevedore::docker {
namespace {

class DockerConfig : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/stevedore-dockercfg-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::string cmd = "rm -rf '" + dir_ + "'";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
  }

  std::string write(const std::string& text, const std::string& name = "config.json") {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  auth_source lookup_ok(const std::string& text, const std::string& registry) {
    auto r = lookup_docker_config(write(text), registry);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : to_string(r.error()));
    return r.ok() ? *r : auth_source{};
  }

  std::string dir_;
};

TEST_F(DockerConfig, InlineAuthIsDecodedAtTheFirstColon) {
  auto s = lookup_ok(R"({"auths":{"127.0.0.1:5000":{"auth":")" + base64_encode("user:pa:ss") + R"("}}})",
                     "127.0.0.1:5000");
  ASSERT_EQ(s.from, auth_source::kind::credentials);
  EXPECT_EQ(s.credentials.username, "user");
  EXPECT_EQ(s.credentials.password, "pa:ss");
  EXPECT_EQ(s.credentials.server_address, "127.0.0.1:5000");
  EXPECT_EQ(s.origin, R"(auths["127.0.0.1:5000"])");
}

TEST_F(DockerConfig, UsernameAndPasswordFields) {
  auto s = lookup_ok(R"({"auths":{"r:5000":{"username":"u","password":"p","email":"e@x"}}})", "r:5000");
  ASSERT_EQ(s.from, auth_source::kind::credentials);
  EXPECT_EQ(s.credentials.username, "u");
  EXPECT_EQ(s.credentials.password, "p");
  EXPECT_EQ(s.credentials.email, "e@x");
}

TEST_F(DockerConfig, AuthWinsOverTheFields) {
  auto s = lookup_ok(R"({"auths":{"r:5000":{"username":"old","password":"old","auth":")" +
                       base64_encode("new:pw") + R"("}}})",
                     "r:5000");
  EXPECT_EQ(s.credentials.username, "new");
  EXPECT_EQ(s.credentials.password, "pw");
}

TEST_F(DockerConfig, IdentityToken) {
  auto s = lookup_ok(R"({"auths":{"r:5000":{"identitytoken":"tok"}}})", "r:5000");
  ASSERT_EQ(s.from, auth_source::kind::credentials);
  EXPECT_EQ(s.credentials.identity_token, "tok");
  EXPECT_TRUE(s.credentials.username.empty());
}

TEST_F(DockerConfig, KeysWithSchemeAndPathMatchTheHost) {
  const char* keys[] = {"https://r:5000", "http://r:5000", "https://r:5000/v1/", "r:5000/v2/"};
  for (const char* key : keys) {
    auto s = lookup_ok(std::string(R"({"auths":{")") + key + R"(":{"auth":")" + base64_encode("u:p") +
                         R"("}}})",
                       "r:5000");
    ASSERT_EQ(s.from, auth_source::kind::credentials) << key;
    EXPECT_EQ(s.credentials.server_address, key) << "the key as written is the server address";
  }
}

TEST_F(DockerConfig, DockerHubUnderAnyOfItsNames) {
  for (const char* key : {"https://index.docker.io/v1/", "index.docker.io", "docker.io"}) {
    auto s = lookup_ok(std::string(R"({"auths":{")") + key + R"(":{"username":"u","password":"p"}}})",
                       std::string(docker_hub_key));
    EXPECT_EQ(s.from, auth_source::kind::credentials) << key;
  }
}

TEST_F(DockerConfig, ExactKeyWinsOverAHostMatch) {
  auto s = lookup_ok(R"({"auths":{"https://r:5000/v1/":{"username":"by-host","password":"p"},)"
                     R"("r:5000":{"username":"exact","password":"p"}}})",
                     "r:5000");
  EXPECT_EQ(s.credentials.username, "exact");
}

TEST_F(DockerConfig, AnotherRegistrysEntryDoesNotMatch) {
  auto s = lookup_ok(R"({"auths":{"r:5001":{"username":"u","password":"p"},"rr:5000":{"username":"u","password":"p"}}})",
                     "r:5000");
  EXPECT_EQ(s.from, auth_source::kind::nothing);
}

TEST_F(DockerConfig, EmptyEntryFallsThroughToCredHelpers) {
  // What `docker login` writes when a store keeps the secret.
  auto s = lookup_ok(R"({"auths":{"r:5000":{}},"credHelpers":{"r:5000":"vault"},"credsStore":"pass"})",
                     "r:5000");
  ASSERT_EQ(s.from, auth_source::kind::helper);
  EXPECT_EQ(s.helper, "vault");
  EXPECT_EQ(s.origin, R"(credHelpers["r:5000"])");
}

TEST_F(DockerConfig, CredHelpersMatchKeysWithScheme) {
  auto s = lookup_ok(R"({"credHelpers":{"https://r:5000":"ecr-login"}})", "r:5000");
  ASSERT_EQ(s.from, auth_source::kind::helper);
  EXPECT_EQ(s.helper, "ecr-login");
}

TEST_F(DockerConfig, AuthsComeBeforeHelpers) {
  auto s = lookup_ok(R"({"credsStore":"pass","credHelpers":{"r:5000":"vault"},"auths":{"r:5000":{"username":"u","password":"p"}}})",
                     "r:5000");
  EXPECT_EQ(s.from, auth_source::kind::credentials);
}

TEST_F(DockerConfig, CredsStoreWhenNoHelperIsForThisRegistry) {
  auto s = lookup_ok(R"({"credHelpers":{"other:5000":"vault"},"credsStore":"secretservice"})", "r:5000");
  ASSERT_EQ(s.from, auth_source::kind::helper);
  EXPECT_EQ(s.helper, "secretservice");
  EXPECT_EQ(s.origin, "credsStore");
}

TEST_F(DockerConfig, NothingWhenTheFileSaysNothing) {
  for (const char* text : {"{}", R"({"auths":{},"credsStore":""})", R"({"auths":null,"credsStore":null})",
                           R"({"HttpHeaders":{"User-Agent":"x"},"currentContext":"default"})"}) {
    auto s = lookup_ok(text, "r:5000");
    EXPECT_EQ(s.from, auth_source::kind::nothing) << text;
  }
}

struct error_case {
  const char* name;
  std::string text;
  std::string field_and_why; // expected after "docker.auth.config <path>: "
};

TEST_F(DockerConfig, EachErrorIsOneLineNamingFileAndField) {
  const std::string secret = "c2VjcmV0IQ!!";
  const error_case cases[] = {
    {"bad json", R"({"auths": {)", "not valid JSON"},
    {"not an object", "[]", "not a JSON object"},
    {"trailing text", R"({"credsStore":"a"} {})", "not valid JSON"},
    {"extra brace", R"({"auths":{}}})", "not valid JSON"},
    {"auths not an object", R"({"auths":[]})", "auths: not an object"},
    {"entry not an object", R"({"auths":{"r:5000":"x"}})", R"(auths["r:5000"]: not an object)"},
    {"bad base64", R"({"auths":{"r:5000":{"auth":")" + secret + R"("}}})",
     R"(auths["r:5000"].auth: not valid base64)"},
    {"no colon", R"({"auths":{"r:5000":{"auth":")" + base64_encode("justuser") + R"("}}})",
     R"(auths["r:5000"].auth: decodes to no user:password pair)"},
    {"password not a string", R"({"auths":{"r:5000":{"username":"u","password":5}}})",
     R"(auths["r:5000"].password: not a string)"},
    {"broken entry of another registry", R"({"auths":{"other":{"auth":"!"},"r:5000":{"username":"u","password":"p"}}})",
     R"(auths["other"].auth: not valid base64)"},
    {"helper not a string", R"({"credHelpers":{"r:5000":true}})", R"(credHelpers["r:5000"]: not a string)"},
    {"credHelpers not an object", R"({"credHelpers":"vault"})", "credHelpers: not an object"},
    {"credsStore not a string", R"({"credsStore":{}})", "credsStore: not a string"},
  };
  for (const auto& c : cases) {
    std::string path = write(c.text);
    auto r = lookup_docker_config(path, "r:5000");
    ASSERT_FALSE(r.ok()) << c.name;
    std::string line = to_string(r.error());
    EXPECT_EQ(r.error().kind, errc::invalid_input) << c.name;
    EXPECT_EQ(line.rfind("docker.auth.config " + path + ": " + c.field_and_why, 0), 0u)
      << c.name << ": " << line;
    EXPECT_EQ(line.find('\n'), std::string::npos) << c.name;
    EXPECT_EQ(line.find(secret), std::string::npos) << c.name << ": leaks the value";
  }
}

TEST_F(DockerConfig, MissingFileNamesIt) {
  std::string path = dir_ + "/absent.json";
  auto r = lookup_docker_config(path, "r:5000");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(to_string(r.error()),
            "docker.auth.config " + path + ": cannot open: No such file or directory");
}

TEST_F(DockerConfig, DirectoryIsNotAFile) {
  auto r = lookup_docker_config(dir_, "r:5000");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(to_string(r.error()), "docker.auth.config " + dir_ + ": cannot read: Is a directory");
}

TEST_F(DockerConfig, OversizedFileIsRefusedUnread) {
  std::string big = R"({"x":")" + std::string(docker_config_max_bytes, 'a') + R"("})";
  std::string path = write(big);
  auto r = lookup_docker_config(path, "r:5000");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(to_string(r.error()), "docker.auth.config " + path + ": file larger than 1048576 bytes");
}

} // namespace
} // namespace stevedore::docker
