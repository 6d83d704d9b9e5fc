// The Prometheus text format of the agent's metrics, and the metered Engine
// API client that feeds them.
#include <sstream>

#include <gtest/gtest.h>

#include "tools/agent/metered_client.hpp"
#include "tools/agent/metrics.hpp"

namespace stevedore::agent {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (l == line)
      return true;
  return false;
}

TEST(agent_metrics, histogram_buckets_are_cumulative_with_sum_and_count) {
  metrics m;
  m.observe_call("container_create", 0.003, errc::ok);
  m.observe_call("container_create", 0.2, errc::ok);
  m.observe_call("container_create", 100, errc::timeout);
  const std::string t = m.render(nullptr);
  EXPECT_TRUE(has_line(t, "# TYPE stevedore_engine_api_call_duration_seconds histogram"));
  const std::string b = "stevedore_engine_api_call_duration_seconds_bucket{call=\"container_create\",le=";
  EXPECT_TRUE(has_line(t, b + "\"0.001\"} 0")) << t;
  EXPECT_TRUE(has_line(t, b + "\"0.005\"} 1"));
  EXPECT_TRUE(has_line(t, b + "\"0.1\"} 1"));
  EXPECT_TRUE(has_line(t, b + "\"0.25\"} 2"));
  EXPECT_TRUE(has_line(t, b + "\"30\"} 2"));
  EXPECT_TRUE(has_line(t, b + "\"+Inf\"} 3"));
  EXPECT_TRUE(has_line(t, "stevedore_engine_api_call_duration_seconds_count{call=\"container_create\"} 3"));
  const std::string sum = "stevedore_engine_api_call_duration_seconds_sum{call=\"container_create\"} ";
  const auto at = t.find(sum);
  ASSERT_NE(at, std::string::npos);
  EXPECT_NEAR(std::stod(t.substr(at + sum.size())), 100.203, 1e-9);
  EXPECT_TRUE(has_line(t, "stevedore_engine_api_errors_total{call=\"container_create\",kind=\"timeout\"} 1"));
  EXPECT_TRUE(has_line(t, "stevedore_errors_total{kind=\"timeout\"} 1"));
}

TEST(agent_metrics, every_family_has_help_and_type_and_every_sample_a_family) {
  metrics m;
  m.observe_call("ping", 0.01, errc::ok);
  m.observe_pull(true, 1234);
  m.observe_error(errc::not_found);
  m.observe_http(404);
  std::vector<task_status> tasks(2);
  tasks[0].state = task_state::running;
  const std::string t = m.render(&tasks);
  std::istringstream in(t);
  std::string family;
  int samples = 0;
  for (std::string l; std::getline(in, l);) {
    ASSERT_FALSE(l.empty());
    if (l.rfind("# HELP ", 0) == 0) {
      family = l.substr(7, l.find(' ', 7) - 7);
      continue;
    }
    if (l.rfind("# TYPE ", 0) == 0) {
      EXPECT_EQ(l.substr(7, family.size()), family) << l;
      continue;
    }
    ++samples;
    EXPECT_EQ(l.rfind(family, 0), 0u) << l << " outside " << family;
    const std::string value = l.substr(l.rfind(' ') + 1);
    EXPECT_NO_THROW(std::stod(value)) << l;
  }
  EXPECT_GT(samples, 20);
  EXPECT_TRUE(has_line(t, "stevedore_tasks{state=\"running\"} 1"));
  EXPECT_TRUE(has_line(t, "stevedore_tasks{state=\"pending\"} 1"));
  EXPECT_TRUE(has_line(t, "stevedore_image_pulls_total{result=\"ok\"} 1"));
  EXPECT_TRUE(has_line(t, "stevedore_image_pull_bytes_total 1234"));
  EXPECT_TRUE(has_line(t, "stevedore_http_responses_total{code=\"404\"} 1"));
  EXPECT_EQ(t.back(), '\n');
}

TEST(agent_metrics, without_tasks_the_gauge_is_left_out) {
  metrics m;
  EXPECT_EQ(m.render(nullptr).find("stevedore_tasks"), std::string::npos);
}

TEST(agent_metrics, label_values_are_escaped) {
  EXPECT_EQ(prometheus_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

// A docker::client whose calls answer at once: ok, or the error set.
class instant_client final : public docker::client {
public:
  using call_handle = docker::call_handle;
  error_info fail;  // kind ok: every call succeeds
  int calls = 0;

  std::string api_version() const override { return "1.41"; }
  const docker::endpoint& where() const noexcept override { return ep_; }
  void shutdown() override {}
  call_handle ping(docker::callback<unit> d) override { return answer(d, unit{}); }
  call_handle version(docker::callback<engine_version> d) override { return answer(d, engine_version{}); }
  call_handle info(docker::callback<engine_info> d) override { return answer(d, engine_info{}); }
  call_handle network_inspect(std::string, docker::callback<network_info> d) override { return answer(d, network_info{}); }
  call_handle events(docker::events_request, std::function<bool(const engine_event&)>, docker::callback<unit> d) override { return answer(d, unit{}); }
  call_handle image_inspect(std::string, docker::callback<image_info> d) override { return answer(d, image_info{}); }
  call_handle image_list(docker::callback<std::vector<image_summary>> d) override { return answer(d, std::vector<image_summary>{}); }
  call_handle image_pull(docker::pull_request, std::function<void(const pull_progress&)> p, docker::callback<pull_summary> d) override {
    p(pull_progress{"l1", "Downloading", 10, 100});
    pull_summary s;
    s.bytes = 5000;
    return answer(d, s);
  }
  call_handle image_load(std::string, docker::callback<std::vector<std::string>> d) override { return answer(d, std::vector<std::string>{}); }
  call_handle image_remove(std::string, bool, docker::callback<unit> d) override { return answer(d, unit{}); }
  call_handle container_create(std::string, std::string, docker::callback<create_answer> d) override { return answer(d, create_answer{"c1", {}}); }
  call_handle container_start(std::string, docker::callback<unit> d) override { return answer(d, unit{}); }
  call_handle container_inspect(std::string, docker::callback<container_info> d) override { return answer(d, container_info{}); }
  call_handle container_wait(std::string, std::string, docker::callback<wait_answer> d) override { return answer(d, wait_answer{}); }
  call_handle container_stop(std::string, std::chrono::seconds, docker::callback<unit> d) override { return answer(d, unit{}); }
  call_handle container_kill(std::string, std::string, docker::callback<unit> d) override { return answer(d, unit{}); }
  call_handle container_remove(std::string, bool, bool, docker::callback<unit> d) override { return answer(d, unit{}); }
  call_handle container_list(std::vector<std::string>, bool, docker::callback<std::vector<container_summary>> d) override { return answer(d, std::vector<container_summary>{}); }
  call_handle container_logs(std::string, docker::logs_request, docker::output_fn, docker::callback<unit> d) override { return answer(d, unit{}); }
  call_handle container_stats(std::string, docker::callback<stats_sample> d) override { return answer(d, stats_sample{}); }
  call_handle exec_create(std::string, docker::exec_request, docker::callback<std::string> d) override { return answer(d, std::string("e1")); }
  call_handle exec_start(std::string, bool, docker::output_fn, docker::callback<unit> d) override { return answer(d, unit{}); }
  call_handle exec_inspect(std::string, docker::callback<exec_info> d) override { return answer(d, exec_info{}); }

private:
  template <class T>
  call_handle answer(docker::callback<T>& d, T value) {
    ++calls;
    if (fail.kind != errc::ok)
      d(result<T>(fail));
    else
      d(result<T>(std::move(value)));
    return {};
  }
  docker::endpoint ep_;
};

TEST(agent_metered_client, forwards_every_call_and_times_it) {
  auto inner = std::make_shared<instant_client>();
  auto m = std::make_shared<metrics>();
  auto c = make_metered_client(inner, m);
  std::string created;
  c->container_create("web", "{}", [&](result<create_answer> r) { created = r->id; });
  int progress = 0;
  std::int64_t bytes = 0;
  c->image_pull({}, [&](const pull_progress&) { ++progress; },
                [&](result<pull_summary> r) { bytes = r->bytes; });
  c->ping([](result<unit>) {});
  c->exec_start("e1", false, nullptr, [](result<unit>) {});
  EXPECT_EQ(inner->calls, 4);
  EXPECT_EQ(created, "c1");
  EXPECT_EQ(progress, 1);
  EXPECT_EQ(bytes, 5000);
  EXPECT_EQ(c->api_version(), "1.41");
  const std::string t = m->render(nullptr);
  for (const char* call : {"container_create", "image_pull", "ping", "exec_start"})
    EXPECT_TRUE(has_line(t, std::string("stevedore_engine_api_call_duration_seconds_count{call=\"") +
                              call + "\"} 1")) << call << "\n" << t;
  EXPECT_TRUE(has_line(t, "stevedore_image_pulls_total{result=\"ok\"} 1"));
  EXPECT_TRUE(has_line(t, "stevedore_image_pull_bytes_total 5000"));
}

TEST(agent_metered_client, counts_errors_by_call_and_kind) {
  auto inner = std::make_shared<instant_client>();
  inner->fail = make_error(errc::not_found, "image inspect x", "no such image");
  auto m = std::make_shared<metrics>();
  auto c = make_metered_client(inner, m);
  errc seen = errc::ok;
  c->image_inspect("x", [&](result<image_info> r) { seen = r.error().kind; });
  c->image_pull({}, [](const pull_progress&) {}, [](result<pull_summary>) {});
  EXPECT_EQ(seen, errc::not_found);
  const std::string t = m->render(nullptr);
  EXPECT_TRUE(has_line(t, "stevedore_engine_api_errors_total{call=\"image_inspect\",kind=\"not_found\"} 1")) << t;
  EXPECT_TRUE(has_line(t, "stevedore_errors_total{kind=\"not_found\"} 2"));
  EXPECT_TRUE(has_line(t, "stevedore_image_pulls_total{result=\"error\"} 1"));
  EXPECT_TRUE(has_line(t, "stevedore_image_pull_bytes_total 0"));
}

} // namespace
} // namespace stevedore::agent
