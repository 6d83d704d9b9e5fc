// Every route of the agent's API over real loopback sockets, against the fake
// backend: answers, every error status, and the JSON they carry.
#include <thread>
#include <chrono>

#include <simdjson.h>

#include "tests/tools/agent_test_fixture.hpp"

namespace stevedore::agent::test {
namespace {

const char* const good_hcl = R"(job "web" {
  group "g" {
    task "t" {
      driver = "docker"
      config {
        image = "busybox:1"
        command = "sleep"
        args = ["100"]
      }
    }
  }
}
)";

class routes : public agent_fixture {
protected:
  // The body as JSON (the parser keeps it alive until the next call).
  simdjson::dom::element js(const std::string& body) {
    simdjson::dom::element e;
    auto err = parser_.parse(body).get(e);
    EXPECT_FALSE(err) << "not JSON: " << body;
    return e;
  }
  std::string error_of(const http_reply& r) {
    std::string_view s;
    if (js(r.body)["error"].get(s))
      return "<no error field in " + r.body + ">";
    return std::string(s);
  }

  task_status running_task(const std::string& id) {
    task_status t;
    t.task_id = id;
    t.task_name = "t";
    t.job_name = "web";
    t.group_name = "g";
    t.container_id = "c0ffee";
    t.state = task_state::running;
    t.history = {{task_state::pending, 1000, ""}, {task_state::running, 2000, ""}};
    t.ports = {{"http", 20001, 8080}};
    return t;
  }

  simdjson::dom::parser parser_;
};

TEST_F(routes, list_tasks_shows_each_with_its_state) {
  backend_->add_task(running_task("a1/t"));
  auto r = get("/v1/tasks");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type"), "application/json");
  auto tasks = js(r->body)["tasks"];
  ASSERT_EQ(tasks.get_array().size(), 1u);
  EXPECT_EQ(std::string_view(tasks.at(0)["id"]), "a1/t");
  EXPECT_EQ(std::string_view(tasks.at(0)["state"]), "running");
}

TEST_F(routes, task_status_has_history_ports_and_no_exit_while_running) {
  backend_->add_task(running_task("a1/t"));
  for (const char* target : {"/v1/tasks/a1/t", "/v1/tasks/a1%2Ft"}) {
    auto r = get(target);
    ASSERT_TRUE(r) << target;
    ASSERT_EQ(r->status, 200) << target << " " << r->body;
    auto t = js(r->body);
    EXPECT_EQ(std::string_view(t["id"]), "a1/t");
    EXPECT_EQ(t["history"].get_array().size(), 2u);
    EXPECT_EQ(std::string_view(t["history"].at(1)["state"]), "running");
    EXPECT_EQ(int64_t(t["ports"].at(0)["host_port"]), 20001);
    EXPECT_TRUE(t["exit"].is_null());
  }
}

TEST_F(routes, exited_task_status_carries_the_exit) {
  auto t = running_task("a1/t");
  t.state = task_state::exited;
  t.exit.exit_code = 3;
  t.exit.finished_at_ms = 5000;
  backend_->add_task(t);
  auto r = get("/v1/tasks/a1/t");
  ASSERT_TRUE(r);
  EXPECT_EQ(int64_t(js(r->body)["exit"]["exit_code"]), 3);
}

TEST_F(routes, unknown_task_is_404_on_every_task_route) {
  for (auto [method, target, body] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
         {"GET", "/v1/tasks/nope/t", ""},
         {"POST", "/v1/tasks/nope/t/stop", ""},
         {"POST", "/v1/tasks/nope/t/signal", R"({"signal":"SIGHUP"})"},
         {"POST", "/v1/tasks/nope/t/exec", R"({"cmd":["true"]})"},
         {"GET", "/v1/tasks/nope/t/logs", ""},
         {"GET", "/v1/tasks/nope/t/stats", ""}}) {
    auto r = request(port_, method, target, body);
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 404) << method << " " << target;
    EXPECT_NE(error_of(*r).find("nope/t"), std::string::npos) << r->body;
  }
}

TEST_F(routes, job_in_hcl_starts_its_tasks) {
  auto r = post("/v1/jobs", good_hcl);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  auto ids = js(r->body)["task_ids"];
  ASSERT_EQ(ids.get_array().size(), 1u);
  EXPECT_EQ(std::string_view(ids.at(0)), "alloc1/t");
  ASSERT_EQ(backend_->jobs().size(), 1u);
  EXPECT_EQ(backend_->jobs()[0].name, "web");
  EXPECT_EQ(backend_->jobs()[0].groups[0].tasks[0].config.image, "busybox:1");
}

TEST_F(routes, hcl2_job_takes_its_variables_from_the_query) {
  const std::string job = R"(variable "image" {
  type = string
}
job "web" {
  group "g" {
    task "t" {
      driver = "docker"
      config { image = var.image }
    }
  }
})";
  auto r = post("/v1/jobs?var=image%3Dbusybox%3A2", job);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  ASSERT_EQ(backend_->jobs().size(), 1u);
  EXPECT_EQ(backend_->jobs()[0].groups[0].tasks[0].config.image, "busybox:2");
  auto missing = post("/v1/jobs", job);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 400);
  EXPECT_NE(error_of(*missing).find("variable \"image\" has no value"), std::string::npos)
    << missing->body;
  auto malformed = post("/v1/jobs?var=image", job);
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400);
  EXPECT_EQ(error_of(*malformed), "var: \"image\" is not name=value");
}

TEST_F(routes, job_in_nomad_json_starts_its_tasks) {
  const std::string job = R"({"Job": {"ID": "api", "TaskGroups": [{"Name": "g", "Count": 2,
    "Tasks": [{"Name": "srv", "Driver": "docker", "Config": {"image": "busybox:1"}}]}]}})";
  auto r = post("/v1/jobs", job);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  ASSERT_EQ(backend_->jobs().size(), 1u);
  EXPECT_EQ(backend_->jobs()[0].groups[0].count, 2);
}

TEST_F(routes, malformed_hcl_is_400_with_the_place) {
  auto r = post("/v1/jobs", "job \"web\" {\n  group \"g\" {\n    task \"t\" {\n      driver = \n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  const std::string e = error_of(*r);
  EXPECT_NE(e.find("body:"), std::string::npos) << e;
  EXPECT_TRUE(backend_->jobs().empty());
}

TEST_F(routes, malformed_json_job_is_400) {
  auto r = post("/v1/jobs", R"({"Job": {"ID": "x", "TaskGroups": [}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_FALSE(error_of(*r).empty());
}

TEST_F(routes, job_with_a_wrong_field_type_names_the_field_and_lists_all_problems) {
  std::string hcl = good_hcl;
  hcl.replace(hcl.find("args = [\"100\"]"), 14, "args = 5\n        force_pull = \"x\"");
  auto r = post("/v1/jobs", hcl);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 400) << r->body;
  EXPECT_NE(error_of(*r).find("config.args"), std::string::npos) << r->body;
  EXPECT_GE(js(r->body)["problems"].get_array().size(), 2u) << r->body;
}

TEST_F(routes, empty_job_body_is_400) {
  auto r = post("/v1/jobs", "  \n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(error_of(*r).find("body"), std::string::npos);
}

TEST_F(routes, job_refused_by_the_client_settings_is_403) {
  std::string hcl = good_hcl;
  hcl.replace(hcl.find("command"), 7, "privileged = true\n        command");
  auto r = post("/v1/jobs", hcl);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403) << r->body;
  EXPECT_NE(error_of(*r).find("privileged"), std::string::npos) << r->body;
  EXPECT_TRUE(backend_->jobs().empty());
}

TEST_F(routes, job_over_the_node_limits_is_refused_in_one_line_before_any_work) {
  std::string hcl = good_hcl;
  hcl.replace(hcl.find("    task"), 0, "    count = 100000000\n");
  auto started = std::chrono::steady_clock::now();
  auto r = post("/v1/jobs", hcl);
  ASSERT_TRUE(r);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  EXPECT_EQ(r->status, 403) << r->body;
  EXPECT_EQ(error_of(*r),
            "body: job.web.group.g.count: count 100000000 is over this node's limit of 1000 "
            "(stevedore.job.max_count)");
  EXPECT_TRUE(backend_->jobs().empty());
}

TEST_F(routes, job_while_the_daemon_is_unhealthy_is_503) {
  backend_->set_health(daemon_health::unhealthy, "ping: connection refused");
  auto r = post("/v1/jobs", good_hcl);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(error_of(*r).find("connection refused"), std::string::npos) << r->body;
  EXPECT_TRUE(backend_->jobs().empty());
}

// Right after the agent starts the daemon has not been polled yet: the job
// goes to the supervisor, which waits for the first fingerprint and decides.
TEST_F(routes, job_before_the_first_poll_is_left_to_the_supervisor) {
  backend_->set_health(daemon_health::undetected, "not polled yet", 0);
  auto r = post("/v1/jobs", good_hcl);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
  EXPECT_EQ(backend_->jobs().size(), 1u);
}

TEST_F(routes, supervisor_refusals_keep_their_status_and_line) {
  const std::vector<std::pair<error_info, int>> cases = {
    {make_error(errc::unavailable, "task t", "docker daemon unhealthy"), 503},
    {make_error(errc::conflict, "task t", "container name in use by another owner"), 409},
    {make_error(errc::daemon_error, "pull busybox:1", "registry answered 500", 500), 502},
  };
  for (const auto& [e, status] : cases) {
    backend_->fail_next_start(e);
    auto r = post("/v1/jobs", good_hcl);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, status) << r->body;
    EXPECT_EQ(error_of(*r), to_string(e));
  }
}

TEST_F(routes, single_task_runs_as_a_job_of_its_own) {
  auto r = post("/v1/tasks?job=solo",
                R"({"Name": "one", "Driver": "docker", "Config": {"image": "busybox:1"}})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  ASSERT_EQ(backend_->jobs().size(), 1u);
  EXPECT_EQ(backend_->jobs()[0].name, "solo");
  EXPECT_EQ(backend_->jobs()[0].groups[0].tasks[0].name, "one");
}

TEST_F(routes, single_task_problems_name_the_field) {
  auto r = post("/v1/tasks", R"({"Driver": "docker"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(error_of(*r).rfind("Name:", 0), 0u) << r->body;

  r = post("/v1/tasks", R"({"Name": "one", "Driver": "docker", "Config": {"image": ["x"]}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(error_of(*r).find("config.image"), std::string::npos) << r->body;

  r = post("/v1/tasks", R"({"Name": "one",)");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(error_of(*r).rfind("body: not valid JSON", 0), 0u) << r->body;
}

// The API checks the job against the client settings and marks it, so that
// the supervisor plans it without checking it again.
TEST_F(routes, jobs_reach_the_backend_checked) {
  auto r = post("/v1/jobs", good_hcl);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  r = post("/v1/tasks", R"({"Name": "one", "Driver": "docker", "Config": {"image": "busybox:1"}})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  ASSERT_EQ(backend_->jobs().size(), 2u);
  EXPECT_TRUE(backend_->jobs()[0].checked);
  EXPECT_TRUE(backend_->jobs()[1].checked);
}

// The task's body is parsed once: problems point into it, not into a job
// text built around it.
TEST_F(routes, single_task_problems_point_into_the_body) {
  auto r = post("/v1/tasks", R"({"Name": "one", "Driver": "docker", "Config": {"image": ["x"]}})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(error_of(*r).find("body:1:57: job.one.group.one.task.one.config.image: expected a string"),
            std::string::npos)
    << r->body;

  r = post("/v1/tasks", "[1]");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(error_of(*r), "body: expected a JSON object, got array") << r->body;

  r = post("/v1/tasks", R"({"Name": 7})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(error_of(*r), "Name: expected a string, got number") << r->body;
  EXPECT_TRUE(backend_->jobs().empty());
}

TEST_F(routes, stop_is_accepted) {
  backend_->add_task(running_task("a1/t"));
  auto r = post("/v1/tasks/a1/t/stop", "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202) << r->body;
  EXPECT_EQ(backend_->stopped(), std::vector<std::string>{"a1/t"});
}

TEST_F(routes, signal_reaches_the_task) {
  backend_->add_task(running_task("a1/t"));
  auto r = post("/v1/tasks/a1/t/signal", R"({"signal":"SIGHUP"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  ASSERT_EQ(backend_->signals().size(), 1u);
  EXPECT_EQ(backend_->signals()[0].second, "SIGHUP");
}

TEST_F(routes, bad_signal_requests_are_400_naming_the_field) {
  backend_->add_task(running_task("a1/t"));
  const std::vector<std::pair<std::string, std::string>> cases = {
    {"", "body: empty"},
    {"{\"signal\":", "body: not valid JSON"},
    {"[1]", "body: expected a JSON object, got array"},
    {"{}", "signal: missing"},
    {"{\"signal\": 1}", "signal: expected a string, got number"},
    {"{\"signal\": \"HUP; rm\"}", "signal: 'HUP; rm' is not a signal name"},
    {"{\"signal\": \"SIGHUP\", \"x\": 1}", "x: unknown field"},
  };
  for (const auto& [body, want] : cases) {
    auto r = post("/v1/tasks/a1/t/signal", body);
    ASSERT_TRUE(r) << body;
    EXPECT_EQ(r->status, 400) << body;
    EXPECT_EQ(error_of(*r).rfind(want, 0), 0u) << body << " -> " << r->body;
  }
  EXPECT_TRUE(backend_->signals().empty());
}

TEST_F(routes, exec_answers_exit_code_and_output) {
  backend_->add_task(running_task("a1/t"));
  backend_->set_exec_answer({3, "out\n", "err\n", false});
  auto r = post("/v1/tasks/a1/t/exec", R"({"cmd":["sh","-c","exit 3"]})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto o = js(r->body);
  EXPECT_EQ(int64_t(o["exit_code"]), 3);
  EXPECT_EQ(std::string_view(o["stdout"]), "out\n");
  EXPECT_EQ(std::string_view(o["stderr"]), "err\n");
  ASSERT_EQ(backend_->execs().size(), 1u);
  EXPECT_EQ(backend_->execs()[0], (std::vector<std::string>{"sh", "-c", "exit 3"}));
  // No timeout given: a minute.
  ASSERT_EQ(backend_->exec_timeouts().size(), 1u);
  EXPECT_EQ(backend_->exec_timeouts()[0], std::chrono::milliseconds(60000));
}

TEST_F(routes, exec_takes_a_timeout_as_a_go_duration) {
  backend_->add_task(running_task("a1/t"));
  backend_->set_exec_answer({0, "", "", false});
  auto r = post("/v1/tasks/a1/t/exec", R"({"cmd":["true"],"timeout":"1m30s"})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto fine = post("/v1/tasks/a1/t/exec", R"({"cmd":["true"],"timeout":"1500us"})");
  ASSERT_TRUE(fine);
  ASSERT_EQ(fine->status, 200) << fine->body;
  ASSERT_EQ(backend_->exec_timeouts().size(), 2u);
  EXPECT_EQ(backend_->exec_timeouts()[0], std::chrono::milliseconds(90000));
  EXPECT_EQ(backend_->exec_timeouts()[1], std::chrono::milliseconds(2)); // rounded up, never 0
}

TEST_F(routes, exec_output_that_is_not_utf8_still_answers_json) {
  backend_->add_task(running_task("a1/t"));
  backend_->set_exec_answer({0, std::string("ok \xff\xfe end \xc3\xa9", 12), "", false});
  auto r = post("/v1/tasks/a1/t/exec", R"({"cmd":["cat","/bin/sh"]})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(std::string_view(js(r->body)["stdout"]), "ok \xEF\xBF\xBD\xEF\xBF\xBD end \xc3\xa9");
}

TEST_F(routes, bad_exec_requests_are_400_naming_the_field) {
  backend_->add_task(running_task("a1/t"));
  const std::vector<std::pair<std::string, std::string>> cases = {
    {"{}", "cmd: missing"},
    {"{\"cmd\": \"ls\"}", "cmd: expected a list of strings, got string"},
    {"{\"cmd\": []}", "cmd: empty"},
    {"{\"cmd\": [\"ls\", 2]}", "cmd[1]: expected a string, got number"},
    {"{\"cmd\": [\"\"]}", "cmd[0]: empty"},
    {"{\"cmd\": [\"ls\"], \"timeout\": 5}", "timeout: expected a duration string such as \"30s\", got number"},
    {"{\"cmd\": [\"ls\"], \"timeout\": \"5 parsecs\"}", "timeout: "},
    {"{\"cmd\": [\"ls\"], \"timeout\": \"0s\"}", "timeout: '0s' is out of range: 1ms to 1h"},
    {"{\"cmd\": [\"ls\"], \"timeout\": \"-1s\"}", "timeout: '-1s' is out of range: 1ms to 1h"},
    {"{\"cmd\": [\"ls\"], \"timeout\": \"2h\"}", "timeout: '2h' is out of range: 1ms to 1h"},
  };
  for (const auto& [body, want] : cases) {
    auto r = post("/v1/tasks/a1/t/exec", body);
    ASSERT_TRUE(r) << body;
    EXPECT_EQ(r->status, 400) << body;
    EXPECT_EQ(error_of(*r).rfind(want, 0), 0u) << body << " -> " << r->body;
  }
  EXPECT_TRUE(backend_->execs().empty());
}

TEST_F(routes, stats_of_a_task) {
  task_stats s;
  s.task_id = "a1/t";
  s.memory_rss = 4096;
  s.cpu_percent = 12.5;
  backend_->set_stats("a1/t", s);
  auto r = get("/v1/tasks/a1/t/stats");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(int64_t(js(r->body)["memory"]["rss"]), 4096);
  EXPECT_EQ(double(js(r->body)["cpu"]["percent"]), 12.5);
}

TEST_F(routes, images_show_leases_and_pending_cleanups) {
  backend_->set_images({{"sha256:aa", {"busybox:1"}, {"a1/t"}, 0, "present"},
                        {"sha256:bb", {"redis:7"}, {}, 99000, "present"}});
  auto r = get("/v1/images");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  auto imgs = js(r->body)["images"];
  EXPECT_EQ(std::string_view(imgs.at(0)["holders"].at(0)), "a1/t");
  EXPECT_TRUE(imgs.at(0)["cleanup_at_ms"].is_null());
  EXPECT_EQ(int64_t(imgs.at(1)["cleanup_at_ms"]), 99000);
}

TEST_F(routes, node_shows_attributes_and_is_503_when_unhealthy) {
  backend_->set_attributes({{"driver.docker", "1"}, {"driver.docker.version", "20.10.24"}});
  auto r = get("/v1/node");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(std::string_view(js(r->body)["health"]), "healthy");
  EXPECT_EQ(std::string_view(js(r->body)["attributes"]["driver.docker.version"]), "20.10.24");

  backend_->set_health(daemon_health::unhealthy, "info: timeout");
  r = get("/v1/node");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(error_of(*r), "docker daemon unhealthy: info: timeout");
  EXPECT_EQ(std::string_view(js(r->body)["health"]), "unhealthy");
}

TEST_F(routes, wrong_method_is_405_with_allow) {
  auto r = get("/v1/jobs");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->header("allow"), "POST");
  r = request(port_, "DELETE", "/v1/tasks");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->header("allow"), "GET, POST");
  backend_->add_task(running_task("a1/t"));
  r = post("/v1/tasks/a1/t/logs", "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->header("allow"), "GET");
}

TEST_F(routes, unknown_route_is_404) {
  auto r = get("/v2/everything");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(error_of(*r), "no such route: /v2/everything");
  r = get("/v1/tasks/a%zz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
}

TEST_F(routes, events_stream_as_json_lines_until_the_client_leaves) {
  http_conn c(port_);
  ASSERT_TRUE(c.send("GET", "/v1/events"));
  ASSERT_TRUE(c.read_until("\r\n\r\n", std::chrono::seconds(5)));
  EXPECT_NE(c.raw().find("application/x-ndjson"), std::string::npos);
  // The subscription is made as the stream begins.
  for (int i = 0; i < 200 && backend_->subscribers() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  task_event e;
  e.task_id = "a1/t";
  e.kind = "state";
  e.state = task_state::running;
  ASSERT_EQ(backend_->emit(e), 1u);
  EXPECT_TRUE(c.read_until(R"({"task_id":"a1/t","kind":"state")", std::chrono::seconds(5))) << c.raw();
  EXPECT_TRUE(c.read_until("\"state\":\"running\"}\n", std::chrono::seconds(5))) << c.raw();
  c.close();
  for (int i = 0; i < 200 && backend_->subscribers() != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(backend_->subscribers(), 0u) << "the subscription outlived its client";
}

TEST_F(routes, the_console_page_is_served_at_the_root_with_everything_in_it) {
  for (const char* path : {"/", "/console"}) {
    auto r = get(path);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << path;
    EXPECT_EQ(r->header("content-type"), "text/html; charset=utf-8");
    EXPECT_NE(r->body.find("<title>stevedore console</title>"), std::string::npos);
    EXPECT_NE(r->body.find("/v1/actors"), std::string::npos);
    EXPECT_EQ(r->body.find("src=\"http"), std::string::npos) << "nothing fetched from outside";
    EXPECT_EQ(r->body.find("href=\"http"), std::string::npos);
  }
}

TEST_F(routes, the_actor_socket_pushes_pages_and_pushes_changes) {
  using namespace std::chrono_literals;
  backend_->set_inspection(true);
  backend_->add_task(running_task("a1/t"));
  auto plain = get("/v1/ws");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 400);
  EXPECT_EQ(plain->body, "{\"error\":\"/v1/ws: expected a WebSocket upgrade\"}");
  http_conn c(port_);
  ASSERT_TRUE(c.send_raw("GET /v1/ws?rate=100 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
  ASSERT_TRUE(c.read_until("\r\n\r\n", 3s));
  EXPECT_EQ(c.raw().rfind("HTTP/1.1 101 Switching Protocols\r\n", 0), 0u) << c.raw();
  EXPECT_NE(c.raw().find("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), std::string::npos) << "RFC 6455's accept key";
  ASSERT_TRUE(c.read_until("\"name\":\"a1/t\",\"state\":\"running\"", 3s)) << c.raw();
  EXPECT_NE(c.raw().find("\"type\":\"actors\""), std::string::npos);
  // A change is pushed at the next period; an unchanged page is not sent again.
  backend_->set_state("a1/t", task_state::stopping);
  ASSERT_TRUE(c.read_until("\"state\":\"stopping\"", 3s)) << c.raw();
  const auto size = c.raw().size();
  std::this_thread::sleep_for(400ms);
  c.read_until("never", 100ms);
  EXPECT_EQ(c.raw().size(), size) << "nothing changed, nothing sent";
}

TEST_F(routes, actor_queries_are_checked_before_the_backend_is_asked) {
  const std::pair<const char*, const char*> bad[] = {
    {"/v1/actors?sort=size", "{\"error\":\"sort: unknown key 'size' (expected one of id, kind, name, state, messages, mailbox, rate, last, age)\"}"},
    {"/v1/actors?limit=x", "{\"error\":\"limit: expected a whole number, got 'x'\"}"},
    {"/v1/actors?order=up", "{\"error\":\"order: expected asc or desc, got 'up'\"}"},
    {"/v1/actors?offset=-2", "{\"error\":\"offset: must be 0 or more\"}"},
  };
  for (const auto& [path, error] : bad) {
    auto r = get(path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << path;
    EXPECT_EQ(r->body, error);
  }
  // This backend offers no inspection: the routes say so in one line.
  auto r = get("/v1/actors");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, "{\"error\":\"inspection: this backend offers none\"}");
}

TEST_F(routes, metrics_count_tasks_by_state_and_answers) {
  backend_->add_task(running_task("a1/t"));
  auto failed = running_task("a2/t");
  failed.state = task_state::failed;
  backend_->add_task(failed);
  ASSERT_TRUE(get("/v1/nowhere"));
  auto r = get("/metrics");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r->body.find("stevedore_tasks{state=\"running\"} 1\n"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("stevedore_tasks{state=\"failed\"} 1\n"), std::string::npos);
  EXPECT_NE(r->body.find("stevedore_tasks{state=\"pending\"} 0\n"), std::string::npos);
  EXPECT_NE(r->body.find("stevedore_http_responses_total{code=\"404\"} 1\n"), std::string::npos);
  EXPECT_NE(r->body.find("stevedore_errors_total{kind=\"not_found\"} 1\n"), std::string::npos);
}

} // namespace
} // namespace stevedore::agent::test
