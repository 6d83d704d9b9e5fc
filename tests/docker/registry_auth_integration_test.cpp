// The X-Registry-Auth header against the test environment's daemon and its
// htpasswd registry (tools/testenv.sh), through the raw transport: the right
// password pulls, a wrong one and none are refused as unauthorized.
#include <chrono>
#include <future>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "docker/registry_auth.hpp"
#include "docker/transport.hpp"
#include "policy/image_ref.hpp"
#include "tests/support/integration_test.hpp"

namespace stevedore::docker {
namespace {

image_ref parsed(const std::string& text) {
  auto ref = policy::parse_image_ref(text);
  EXPECT_TRUE(ref) << text;
  return ref ? *ref : image_ref{};
}

class RegistryAuthIntegration : public testenv::integration_test {
protected:
  void SetUp() override {
    testenv::integration_test::SetUp();
    if (HasFatalFailure())
      return;
    auto ep = resolve_endpoint(env_.docker_host, "", "", "", getenv_fn());
    ASSERT_TRUE(ep.ok()) << to_string(ep.error());
    transport_ = transport::make(*ep);
  }
  void TearDown() override {
    if (transport_)
      transport_->shutdown();
  }

  // POST /images/create for the registry's busybox:1 with this header value.
  result<response> pull(const std::string& registry_auth) {
    request req;
    req.method = "POST";
    req.target = "/v1.41/images/create?fromImage=" + env_.registry + "/stevedore/busybox&tag=1";
    req.headers.emplace_back("X-Registry-Auth", registry_auth);
    req.timeout = std::chrono::seconds(120);
    req.what = "pull " + env_.registry + "/stevedore/busybox:1";
    auto done = std::make_shared<std::promise<result<response>>>();
    auto answer = done->get_future();
    transport_->send(std::move(req), [done](result<response> r) { done->set_value(std::move(r)); });
    if (answer.wait_for(std::chrono::seconds(150)) != std::future_status::ready)
      return make_error(errc::timeout, "test", "no answer to the pull within 150 s");
    return answer.get();
  }

  registry_credentials credentials(const std::string& password) {
    registry_credentials c;
    c.username = env_.registry_user;
    c.password = password;
    c.server_address = registry_key(parsed(env_.registry_image));
    return c;
  }

  // The daemon refuses a pull the registry denied before streaming: a
  // non-2xx answer (dockerd 20.10 uses 500) whose message says why, in
  // `phrase`: "unauthorized: authentication required" for a wrong password,
  // "no basic auth credentials" for none.
  void expect_refused(const result<response>& r, const std::string& phrase) {
    ASSERT_TRUE(r.ok()) << to_string(r.error());
    EXPECT_GE(r->status, 400) << r->body;
    error_info e = status_error("pull", r->status, r->body);
    EXPECT_NE(e.message.find(phrase), std::string::npos) << to_string(e);
    EXPECT_EQ(r->body.find(env_.registry_password), std::string::npos);
  }

  std::shared_ptr<transport> transport_;
};

TEST_F(RegistryAuthIntegration, RegistryKeyOfTheImageIsTheEnvironmentsRegistry) {
  EXPECT_EQ(registry_key(parsed(env_.registry_image)), env_.registry);
}

TEST_F(RegistryAuthIntegration, RightPasswordPulls) {
  auto r = pull(encode_registry_auth(credentials(env_.registry_password)));
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body.find("\"error\""), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("Digest: sha256:"), std::string::npos) << r->body;
}

TEST_F(RegistryAuthIntegration, WrongPasswordIsUnauthorized) {
  expect_refused(pull(encode_registry_auth(credentials(env_.registry_password + "-wrong"))),
                 "unauthorized");
}

TEST_F(RegistryAuthIntegration, AnonymousIsRefused) {
  // Shows the registry demands credentials, so the two tests above mean something.
  expect_refused(pull(encode_anonymous_auth()), "no basic auth credentials");
}

} // namespace
} // namespace stevedore::docker
