// 10,000 containers created, started and listed through our transport. The
// count is asserted; the time and the sim's RSS are printed as information.
#include <atomic>
#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/tools/simd_test_util.hpp"

namespace stevedore::testing {
namespace {

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::atol(line.c_str() + 6);
  return 0;
}

// Runs `n` calls built by `make`, at most `window` in flight; returns the
// number answered with `status`.
std::size_t run_all(simd_fixture& f, std::size_t n, std::size_t window, int status,
                    const std::function<docker::request(std::size_t)>& make) {
  std::mutex m;
  std::condition_variable cv;
  std::size_t next = 0, done = 0, good = 0, in_flight = 0;
  std::unique_lock lock(m);
  while (done < n) {
    while (next < n && in_flight < window) {
      ++in_flight;
      auto req = make(next++);
      lock.unlock();
      f.t->send(std::move(req), [&, status](result<docker::response> r) {
        std::lock_guard g(m);
        --in_flight;
        ++done;
        if (r.ok() && r->status == status)
          ++good;
        cv.notify_all();
      });
      lock.lock();
    }
    cv.wait_for(lock, 1s);
  }
  return good;
}

TEST(SimdScale, TenThousandContainersCreateStartList) {
  constexpr std::size_t n = 10000;
  simd_fixture f;
  auto rss_before = rss_kib();
  auto began = std::chrono::steady_clock::now();
  auto created = run_all(f, n, 64, 201, [](std::size_t i) {
    return simd_request("POST", "/v1.41/containers/create?name=task-" + std::to_string(i),
                        R"({"Image":"busybox","Cmd":["sleep","100000"],"Labels":{"com.stevedore.alloc":"a)" +
                            std::to_string(i) + R"(","com.stevedore.node":"n1"}})");
  });
  auto started = run_all(f, n, 64, 204, [](std::size_t i) {
    return simd_request("POST", "/v1.41/containers/task-" + std::to_string(i) + "/start");
  });
  auto took = std::chrono::steady_clock::now() - began;
  EXPECT_EQ(created, n);
  EXPECT_EQ(started, n);
  EXPECT_EQ(f.sim->running(), n);

  auto list = simd_request("GET", "/v1.41/containers/json?filters=%7B%22label%22%3A%5B%22com.stevedore.node%3Dn1%22%5D%7D");
  list.body_limit = 64u << 20;
  auto listed_at = std::chrono::steady_clock::now();
  auto r = f.send(list);
  auto list_took = std::chrono::steady_clock::now() - listed_at;
  ASSERT_TRUE(r.ok()) << to_string(r.error());
  std::size_t count = 0;
  for (auto at = r->body.find("\"Names\""); at != std::string::npos; at = r->body.find("\"Names\"", at + 1))
    ++count;
  EXPECT_EQ(count, n);
  auto info = f.call("GET", "/info");
  EXPECT_NE(info.find("\"ContainersRunning\":10000"), std::string::npos);

  auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  long rss = rss_kib();
  std::printf("[simd scale] %zu creates + %zu starts in %lld ms (%.0f calls/s), list of %zu (%zu bytes) in %lld ms\n"
              "[simd scale] process RSS %ld KiB before, %ld KiB after (%.1f KiB per container; test client included)\n",
              n, n, static_cast<long long>(ms(took)), 2.0 * n * 1000.0 / std::max<long long>(1, ms(took)), count,
              r->body.size(), static_cast<long long>(ms(list_took)), rss_before, rss,
              static_cast<double>(rss - rss_before) / n);
}

} // namespace
} // namespace stevedore::testing
