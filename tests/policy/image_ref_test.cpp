// Image references (policy/image_ref.hpp): distribution/reference's grammar,
// Docker Hub defaults, the https:// prefix, and exact errors.
#include <string>

#include <gtest/gtest.h>

#include "policy/image_ref.hpp"

namespace stevedore::policy {
namespace {

const std::string sha = "sha256:" + std::string(64, 'a');

struct good_case {
  std::string name;
  std::string text;
  std::string registry, repository, tag, digest;
  std::string familiar;  // familiar_string
  std::string canonical; // canonical_string
};

TEST(image_ref, parses_valid_references) {
  const good_case cases[] = {
    {"official image", "redis", "docker.io", "library/redis", "latest", "",
     "redis:latest", "docker.io/library/redis:latest"},
    {"official image with tag", "redis:3.2", "docker.io", "library/redis", "3.2", "",
     "redis:3.2", "docker.io/library/redis:3.2"},
    {"user image", "bitnami/redis:6", "docker.io", "bitnami/redis", "6", "",
     "bitnami/redis:6", "docker.io/bitnami/redis:6"},
    {"explicit docker.io", "docker.io/library/redis:3.2", "docker.io", "library/redis", "3.2",
     "", "redis:3.2", "docker.io/library/redis:3.2"},
    {"legacy index.docker.io", "index.docker.io/redis", "docker.io", "library/redis",
     "latest", "", "redis:latest", "docker.io/library/redis:latest"},
    {"https prefix stripped", "https://hub.docker.internal/redis:3.2",
     "hub.docker.internal", "redis", "3.2", "", "hub.docker.internal/redis:3.2",
     "hub.docker.internal/redis:3.2"},
    {"registry with port", "127.0.0.1:5000/app:1", "127.0.0.1:5000", "app", "1", "",
     "127.0.0.1:5000/app:1", "127.0.0.1:5000/app:1"},
    {"localhost", "localhost/app", "localhost", "app", "latest", "", "localhost/app:latest",
     "localhost/app:latest"},
    {"localhost with port", "localhost:5000/team/app:v2", "localhost:5000", "team/app", "v2",
     "", "localhost:5000/team/app:v2", "localhost:5000/team/app:v2"},
    {"bare localhost is a Hub name", "localhost", "docker.io", "library/localhost", "latest",
     "", "localhost:latest", "docker.io/library/localhost:latest"},
    {"name:port without slash is a tag", "localhost:5000", "docker.io", "library/localhost",
     "5000", "", "localhost:5000", "docker.io/library/localhost:5000"},
    {"ipv6 registry", "[::1]:5000/app", "[::1]:5000", "app", "latest", "",
     "[::1]:5000/app:latest", "[::1]:5000/app:latest"},
    {"uppercase first component is a registry", "Registry/app", "Registry", "app", "latest",
     "", "Registry/app:latest", "Registry/app:latest"},
    {"digest only", "redis@" + sha, "docker.io", "library/redis", "", sha, "redis@" + sha,
     "docker.io/library/redis@" + sha},
    {"tag and digest", "redis:7@" + sha, "docker.io", "library/redis", "7", sha,
     "redis:7@" + sha, "docker.io/library/redis:7@" + sha},
    {"separators", "org/a.b_c__d---e:T_1.x-y", "docker.io", "org/a.b_c__d---e", "T_1.x-y", "",
     "org/a.b_c__d---e:T_1.x-y", "docker.io/org/a.b_c__d---e:T_1.x-y"},
    {"a dot in the first component makes it a registry", "my.reg/app", "my.reg", "app",
     "latest", "", "my.reg/app:latest", "my.reg/app:latest"},
    {"deep path", "quay.io/a/b/c:1", "quay.io", "a/b/c", "1", "", "quay.io/a/b/c:1",
     "quay.io/a/b/c:1"},
    {"tag of 128", "redis:" + std::string(128, 'x'), "docker.io", "library/redis",
     std::string(128, 'x'), "", "redis:" + std::string(128, 'x'),
     "docker.io/library/redis:" + std::string(128, 'x')},
    {"tag starting with underscore", "redis:_x", "docker.io", "library/redis", "_x", "",
     "redis:_x", "docker.io/library/redis:_x"},
    {"library path kept when nested", "library/a/b", "docker.io", "library/a/b", "latest", "",
     "library/a/b:latest", "docker.io/library/a/b:latest"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = parse_image_ref(c.text);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->registry, c.registry);
    EXPECT_EQ(r->repository, c.repository);
    EXPECT_EQ(r->tag, c.tag);
    EXPECT_EQ(r->digest, c.digest);
    EXPECT_EQ(familiar_string(*r), c.familiar);
    EXPECT_EQ(canonical_string(*r), c.canonical);
  }
}

struct bad_case {
  std::string name;
  std::string text;
  std::string why; // after `"TEXT" is not a valid image reference: `
};

TEST(image_ref, rejects_invalid_references) {
  const std::string tag_rule =
    " (up to 128 letters, digits, \"_\", \".\" or \"-\", not starting with \".\" or \"-\")";
  const std::string component_rule =
    " (lowercase letters and digits, separated by \".\", \"_\", \"__\" or \"-\")";
  const std::string digest_rule = " (expected algorithm:hex, e.g. sha256:<64 hex digits>)";
  const bad_case cases[] = {
    {"empty", "", "it is empty"},
    {"only https", "https://", "it is empty"},
    {"uppercase path", "Redis", "repository name must be lowercase"},
    {"uppercase later component", "quay.io/Team/app", "repository name must be lowercase"},
    {"http prefix",
     "http://registry.local/app",
     "drop \"http://\": the daemon itself chooses HTTPS, or plain HTTP for registries it "
     "trusts as insecure"},
    {"empty tag", "redis:", "invalid tag \"\"" + tag_rule},
    {"tag starting with dot", "redis:.x", "invalid tag \".x\"" + tag_rule},
    {"tag with bad character", "redis:a+b", "invalid tag \"a+b\"" + tag_rule},
    {"tag too long", "redis:" + std::string(129, 'x'),
     "invalid tag \"" + std::string(129, 'x') + "\"" + tag_rule},
    {"digest without algorithm", "redis@" + std::string(64, 'a'),
     "invalid digest \"" + std::string(64, 'a') + "\"" + digest_rule},
    {"digest too short", "redis@sha256:abc", "invalid digest \"sha256:abc\"" + digest_rule},
    {"digest not hex", "redis@sha256:" + std::string(64, 'g'),
     "invalid digest \"sha256:" + std::string(64, 'g') + "\"" + digest_rule},
    {"digest wrong length", "redis@sha256:" + std::string(40, 'a'),
     "invalid digest \"sha256:" + std::string(40, 'a') + "\": sha256 needs 64 lowercase hex digits"},
    {"digest uppercase hex", "redis@sha256:" + std::string(64, 'A'),
     "invalid digest \"sha256:" + std::string(64, 'A') + "\": sha256 needs 64 lowercase hex digits"},
    {"unknown digest algorithm", "redis@md5:" + std::string(32, 'a'),
     "unsupported digest algorithm \"md5\" (sha256, sha384 or sha512)"},
    {"empty digest", "redis@", "invalid digest \"\"" + digest_rule},
    {"trailing slash", "redis/", "invalid repository name component \"\"" + component_rule},
    {"double slash", "a//b", "invalid repository name component \"\"" + component_rule},
    {"leading separator", "-redis", "invalid repository name component \"-redis\"" + component_rule},
    {"trailing separator", "redis-", "invalid repository name component \"redis-\"" + component_rule},
    {"triple underscore", "a___b", "invalid repository name component \"a___b\"" + component_rule},
    {"space", "red is", "invalid repository name component \"red is\"" + component_rule},
    {"empty name with tag", ":3.2", "repository name must have at least one component"},
    {"bad registry label", "-bad.io/app", "invalid registry \"-bad.io\""},
    {"underscore in registry", "a_b.io/app", "invalid registry \"a_b.io\""},
    {"registry port not numeric", "host:abc/app", "invalid registry \"host:abc\""},
    {"registry empty port", "host:/app", "invalid registry \"host:\""},
    {"bad ipv6 registry", "[zz]:5000/app", "invalid registry \"[zz]:5000\""},
    {"image id", std::string(64, 'a'),
     "a 64-character hexadecimal image ID cannot be pulled; name a repository"},
    {"name too long", std::string(256, 'a'), "repository name must not be more than 255 characters"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = parse_image_ref(c.text);
    ASSERT_FALSE(r.ok()) << canonical_string(*r);
    EXPECT_EQ(r.error().message, "\"" + c.text + "\" is not a valid image reference: " + c.why);
  }
}

TEST(image_ref, familiar_name_is_what_the_engine_api_pulls) {
  EXPECT_EQ(familiar_name(*parse_image_ref("redis:3.2")), "redis");
  EXPECT_EQ(familiar_name(*parse_image_ref("docker.io/bitnami/redis")), "bitnami/redis");
  EXPECT_EQ(familiar_name(*parse_image_ref("127.0.0.1:5000/app:1")), "127.0.0.1:5000/app");
}

TEST(image_ref, always_pull_for_latest_unless_pinned) {
  EXPECT_TRUE(always_pull(*parse_image_ref("redis")));
  EXPECT_TRUE(always_pull(*parse_image_ref("redis:latest")));
  EXPECT_FALSE(always_pull(*parse_image_ref("redis:3.2")));
  EXPECT_FALSE(always_pull(*parse_image_ref("redis@" + sha)));
}

TEST(image_ref, strip_scheme_only_removes_https) {
  EXPECT_EQ(strip_image_scheme("https://a/b"), "a/b");
  EXPECT_EQ(strip_image_scheme("http://a/b"), "http://a/b");
  EXPECT_EQ(strip_image_scheme("redis"), "redis");
}

} // namespace
} // namespace stevedore::policy
