// Cancellation from any thread, shutdown with calls in flight, callbacks
// that drop the transport or throw: every call ends exactly once.
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "docker/transport.hpp"
#include "tests/docker/transport_test_util.hpp"

namespace stevedore::docker {
namespace {

using namespace stevedore::testing;
using namespace std::chrono_literals;

TEST(TransportLifecycle, CancelEndsACallOnceWithCancelled) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().hold());
  auto p = std::make_shared<probe<result<response>>>();
  auto t = transport::make(server->where());

  auto handle = t->send(get("/v1.41/containers/x/wait"), [p](result<response> r) { p->callback()(std::move(r)); });
  ASSERT_TRUE(handle.valid());
  ASSERT_TRUE(server->wait_requests(1));
  std::thread other([&] { handle.cancel(); }); // from any thread, any number of times
  handle.cancel();
  other.join();
  ASSERT_TRUE(p->wait());
  ASSERT_FALSE(p->value().ok());
  EXPECT_EQ(p->value().error().kind, errc::cancelled);
  t->shutdown(); // would run anything still pending
  EXPECT_EQ(p->calls(), 1);
  handle.cancel(); // after the end, and after shutdown: harmless
}

TEST(TransportLifecycle, CancelBeforeTheCallStartsStillEndsItOnce) {
  auto server = fake_server::unix_socket();
  server->play_always(script().expect_request().hold());
  auto t = transport::make(server->where());
  std::vector<std::shared_ptr<probe<result<response>>>> probes;
  for (int i = 0; i < 20; ++i) {
    auto p = std::make_shared<probe<result<response>>>();
    probes.push_back(p);
    t->send(get("/x"), [p](result<response> r) { p->callback()(std::move(r)); }).cancel();
  }
  for (auto& p : probes) {
    ASSERT_TRUE(p->wait());
    EXPECT_EQ(p->value().error().kind, errc::cancelled);
  }
  t->shutdown();
  for (auto& p : probes)
    EXPECT_EQ(p->calls(), 1);
}

TEST(TransportLifecycle, ShutdownEndsCallsInFlightBeforeReturning) {
  auto server = fake_server::unix_socket();
  server->play_always(script().expect_request().hold());
  auto t = transport::make(server->where());
  std::vector<std::shared_ptr<probe<result<response>>>> probes;
  for (int i = 0; i < 5; ++i) {
    auto p = std::make_shared<probe<result<response>>>();
    probes.push_back(p);
    t->send(get("/held"), [p](result<response> r) { p->callback()(std::move(r)); });
  }
  ASSERT_TRUE(server->wait_requests(5));
  t->shutdown();
  for (auto& p : probes) {
    ASSERT_EQ(p->calls(), 1); // already: no waiting after shutdown returned
    EXPECT_EQ(p->value().error().kind, errc::cancelled);
    EXPECT_EQ(p->value().error().message, "transport shut down");
  }

  auto after = std::make_shared<probe<result<response>>>();
  auto handle = t->send(get("/late"), [after](result<response> r) { after->callback()(std::move(r)); });
  EXPECT_FALSE(handle.valid());
  ASSERT_EQ(after->calls(), 1); // at once, on this thread
  EXPECT_EQ(after->value().error().kind, errc::cancelled);
  t->shutdown(); // idempotent
}

TEST(TransportLifecycle, DroppingTheLastReferenceInsideACallbackIsSafe) {
  auto server = fake_server::unix_socket();
  server->play(script().expect_request().answer(200, "OK"));
  auto p = std::make_shared<probe<result<response>>>();
  auto gone = std::make_shared<probe<bool>>();
  // Owns the transport; destroyed with the callback on the I/O thread once
  // the callback has run, taking the last reference with it.
  struct owner {
    std::shared_ptr<transport> t;
    std::shared_ptr<probe<bool>> gone;
    ~owner() {
      t.reset(); // shutdown() from the transport's own thread
      gone->callback()(true);
    }
  };
  auto t = transport::make(server->where());
  std::shared_ptr<owner> own(new owner{t, gone});
  t->send(get("/_ping"), [p, own](result<response> r) { p->callback()(std::move(r)); });
  own.reset();
  t.reset();
  ASSERT_TRUE(p->wait());
  EXPECT_TRUE(p->value().ok());
  EXPECT_TRUE(gone->wait());
}

TEST(TransportLifecycle, CallbackThatThrowsDoesNotStopTheTransport) {
  auto server = fake_server::unix_socket();
  server->play_always(script().serve(echo_target));
  auto t = transport::make(server->where());

  t->send(get("/throws"), [](result<response>) { throw std::runtime_error("caller bug"); });
  auto r = call(*t, get("/after"));
  ASSERT_TRUE(r.ok()) << error_line(r);
  EXPECT_EQ(r->body, "/after");
}

} // namespace
} // namespace stevedore::docker
