// X-Registry-Auth encoding and registry keys (docker/registry_auth.hpp).
#include <string>

#include <gtest/gtest.h>

#include "docker/registry_auth.hpp"
#include "policy/image_ref.hpp"

namespace stevedore::docker {
namespace {

// base64url back to the JSON text, for reading what a header carries.
std::string header_json(std::string header) {
  for (char& c : header) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
  }
  auto plain = base64_decode(header);
  EXPECT_TRUE(plain.has_value()) << header;
  return plain.value_or("");
}

struct vector_case {
  const char* name;
  std::string plain;
  std::string std_form;
  std::string url_form;
};

TEST(Base64, Rfc4648Vectors) {
  const vector_case cases[] = {
    {"empty", "", "", ""},
    {"one byte", "f", "Zg==", "Zg=="},
    {"two bytes", "fo", "Zm8=", "Zm8="},
    {"three bytes", "foo", "Zm9v", "Zm9v"},
    {"four bytes", "foob", "Zm9vYg==", "Zm9vYg=="},
    {"five bytes", "fooba", "Zm9vYmE=", "Zm9vYmE="},
    {"six bytes", "foobar", "Zm9vYmFy", "Zm9vYmFy"},
    {"url-only digits", "\xfb\xff\xbe", "+/++", "-_--"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(base64_encode(c.plain), c.std_form) << c.name;
    EXPECT_EQ(base64url_encode(c.plain), c.url_form) << c.name;
    auto back = base64_decode(c.std_form);
    ASSERT_TRUE(back.has_value()) << c.name;
    EXPECT_EQ(*back, c.plain) << c.name;
  }
}

TEST(Base64, DecodeAcceptsMissingPaddingAndLineBreaks) {
  EXPECT_EQ(base64_decode("Zg").value_or("?"), "f");
  EXPECT_EQ(base64_decode("Zm8").value_or("?"), "fo");
  EXPECT_EQ(base64_decode("Zm9v\nYmFy\r\n").value_or("?"), "foobar");
}

TEST(Base64, DecodeRejectsWhatIsNotBase64) {
  EXPECT_FALSE(base64_decode("Zm9v!").has_value()) << "stray character";
  EXPECT_FALSE(base64_decode("Z").has_value()) << "dangling digit";
  EXPECT_FALSE(base64_decode("Zg=a").has_value()) << "digit after padding";
  EXPECT_FALSE(base64_decode("Zg=").has_value()) << "short padding";
  EXPECT_FALSE(base64_decode("-_--").has_value()) << "url alphabet is not the config file's";
}

TEST(RegistryAuthHeader, PasswordCredentialsAreTheFourFieldsInDockerOrder) {
  registry_credentials c;
  c.username = "u";
  c.password = "p?w>";
  c.server_address = "r:5000";
  std::string header = encode_registry_auth(c);
  EXPECT_EQ(header,
            "eyJ1c2VybmFtZSI6InUiLCJwYXNzd29yZCI6InA_dz4iLCJlbWFpbCI6IiIsInNlcnZlcmFkZHJlc3MiOiJy"
            "OjUwMDAifQ==");
  EXPECT_EQ(header.find_first_of("+/"), std::string::npos) << "must be the URL-safe alphabet";
  EXPECT_EQ(header_json(header),
            R"({"username":"u","password":"p?w>","email":"","serveraddress":"r:5000"})");
}

TEST(RegistryAuthHeader, EmailIsCarried) {
  registry_credentials c;
  c.username = "u";
  c.password = "p";
  c.email = "u@example.com";
  EXPECT_EQ(header_json(encode_registry_auth(c)),
            R"({"username":"u","password":"p","email":"u@example.com","serveraddress":""})");
}

TEST(RegistryAuthHeader, IdentityTokenReplacesUserAndPassword) {
  registry_credentials c;
  c.username = "ignored";
  c.password = "ignored";
  c.identity_token = "tok";
  c.server_address = std::string(docker_hub_key);
  EXPECT_EQ(encode_registry_auth(c),
            "eyJpZGVudGl0eXRva2VuIjoidG9rIiwic2VydmVyYWRkcmVzcyI6Imh0dHBzOi8vaW5kZXguZG9ja2VyLmlv"
            "L3YxLyJ9");
  c.server_address.clear();
  EXPECT_EQ(header_json(encode_registry_auth(c)), R"({"identitytoken":"tok"})");
}

TEST(RegistryAuthHeader, JsonSpecialCharactersAreEscaped) {
  registry_credentials c;
  c.username = "a\"b";
  c.password = "c\\d\ne\x01";
  EXPECT_EQ(header_json(encode_registry_auth(c)),
            R"({"username":"a\"b","password":"c\\d\ne\u0001","email":"","serveraddress":""})");
}

TEST(RegistryAuthHeader, AnonymousIsAnEmptyObject) {
  EXPECT_EQ(encode_anonymous_auth(), "e30=");
  EXPECT_EQ(header_json(encode_anonymous_auth()), "{}");
}

// The reference is parsed once (policy::parse_image_ref, by the planner);
// the key comes from the parsed struct.
std::string key_of(std::string_view text) {
  auto ref = policy::parse_image_ref(text);
  EXPECT_TRUE(ref) << text;
  return ref ? registry_key(*ref) : std::string("(not parsed)");
}

TEST(RegistryHost, KeyOfAParsedReference) {
  EXPECT_EQ(registry_key(image_ref{"docker.io", "library/busybox", "1", ""}), docker_hub_key);
  EXPECT_EQ(registry_key(image_ref{"127.0.0.1:5000", "app", "1", ""}), "127.0.0.1:5000");
  EXPECT_EQ(registry_key(image_ref{}), docker_hub_key) << "nothing parsed: Docker Hub, as Docker defaults";
}

TEST(RegistryHost, AsDockerKeysIt) {
  const std::pair<const char*, const char*> cases[] = {
    {"busybox", "https://index.docker.io/v1/"},
    {"busybox:1.36", "https://index.docker.io/v1/"},
    {"library/busybox", "https://index.docker.io/v1/"},
    {"grafana/grafana:10", "https://index.docker.io/v1/"},
    {"docker.io/library/busybox", "https://index.docker.io/v1/"},
    {"index.docker.io/x/y:1", "https://index.docker.io/v1/"},
    {"127.0.0.1:5000/app:1", "127.0.0.1:5000"},
    {"127.0.0.1:5000/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "127.0.0.1:5000"},
    {"localhost/app", "localhost"},
    {"localhost:5000/app", "localhost:5000"},
    {"registry.example.com/team/app", "registry.example.com"},
    {"quay.io/coreos/etcd", "quay.io"},
    {"Upper/app", "Upper"},
    {"busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "https://index.docker.io/v1/"},
  };
  for (const auto& [ref, want] : cases)
    EXPECT_EQ(key_of(ref), want) << ref;
}

TEST(RegistryHost, HostnamesCompareAsTheCliDoes) {
  const std::pair<const char*, const char*> cases[] = {
    {"https://index.docker.io/v1/", "index.docker.io"},
    {"index.docker.io", "index.docker.io"},
    {"docker.io", "index.docker.io"},
    {"registry-1.docker.io", "index.docker.io"},
    {"http://127.0.0.1:5000", "127.0.0.1:5000"},
    {"https://127.0.0.1:5000/v1/", "127.0.0.1:5000"},
    {"127.0.0.1:5000", "127.0.0.1:5000"},
    {"Registry.Example.com/v2/", "registry.example.com"},
  };
  for (const auto& [key, want] : cases)
    EXPECT_EQ(registry_hostname(key), want) << key;
}

} // namespace
} // namespace stevedore::docker
