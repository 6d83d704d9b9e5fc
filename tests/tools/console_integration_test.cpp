// The inspection API and the command-line client against `stevedore agent`
// on the test environment's real daemon, one busybox task: GET /v1/actors
// (filters, sort, a bad key), one actor with what its kind adds, a task's
// message trace, the recent events; and every client subcommand as a user
// runs it (job run, status, logs with --tail, --stderr and -f, exec with its
// exit code, signal, node, actors, trace, stop, job status and stop), its
// one-line errors, and the token from --token-file or STEVEDORE_TOKEN.
#include <poll.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <simdjson.h>

#include "tests/support/integration_test.hpp"
#include "tests/tools/agent_http.hpp"
#include "tests/tools/agent_process.hpp"
#include "tests/tools/program.hpp"

namespace stevedore::agent::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class console_live : public testenv::integration_test {
protected:
  void start_agent(std::vector<std::string> extra = {}) {
    char tmpl[] = "/tmp/stevedore-console-it-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    job_ = "consoleit" + std::to_string(::getpid());
    std::ofstream(dir_ / "client.hcl")
      << "client {\n  options {\n    \"docker.endpoint\" = \"" << env_.docker_host
      << "\"\n    \"docker.cleanup.image\" = \"false\"\n  }\n}\n";
    std::vector<std::string> args = {"agent", "--config", (dir_ / "client.hcl").string(), "--listen",
                                     "127.0.0.1:0", "--state-dir", (dir_ / "state").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    ASSERT_TRUE(agent_.start(args));
    ASSERT_TRUE(agent_.wait_for("listening on http://", 30s)) << agent_.output();
    port_ = agent_.port();
    ASSERT_NE(port_, 0) << agent_.output();
    addr_ = " --addr 127.0.0.1:" + std::to_string(port_);
  }

  void TearDown() override {
    agent_.kill();
    if (!env_.docker_host.empty() && !job_.empty())
      std::system(("DOCKER_HOST=" + env_.docker_host + " docker rm -f $(DOCKER_HOST=" +
                 env_.docker_host + " docker ps -aq --filter label=com.stevedore.job=" + job_ +
                 ") >/dev/null 2>&1")
                    .c_str());
    std::error_code ec;
    if (!dir_.empty())
      fs::remove_all(dir_, ec);
  }

  // `stevedore ARGS --addr ...` in the scratch folder.
  testing::outcome cli(const std::string& args, const std::string& prefix = "") {
    return scratch_.run_under(prefix, args + addr_);
  }
  // The same in another folder (its output files apart), for a second
  // command running meanwhile.
  testing::outcome cli_beside(const std::string& args, const std::string& prefix = "") {
    return beside_.run_under(prefix, args + addr_);
  }

  std::string job_file() {
    return scratch_.write("job.nomad",
      "job \"" + job_ + "\" {\n  group \"g\" {\n    task \"echo\" {\n      driver = \"docker\"\n"
      "      kill_timeout = \"2s\"\n      config {\n        image = \"" + env_.image + "\"\n"
      "        command = \"sh\"\n        args = [\"-c\", \"echo hello-from-console; echo oops >&2; "
      "trap 'exit 0' TERM; trap 'echo got-usr1' USR1; while true; do sleep 1; done\"]\n      }\n    }\n  }\n}\n");
  }

  // The body of GET target once its JSON has `needle`, else the last body.
  std::string wait_body(const std::string& target, const std::string& needle, std::chrono::seconds timeout) {
    std::string last;
    for (auto until = std::chrono::steady_clock::now() + timeout; std::chrono::steady_clock::now() < until;
         std::this_thread::sleep_for(200ms)) {
      auto r = request(port_, "GET", target);
      last = r ? r->body : "";
      if (last.find(needle) != std::string::npos)
        break;
    }
    return last;
  }

  testing::scratch scratch_, beside_;
  fs::path dir_;
  std::string job_, addr_;
  agent_process agent_;
  std::uint16_t port_ = 0;
  simdjson::dom::parser parser_;
};

TEST_F(console_live, inspection_api_and_every_client_subcommand_on_one_task) {
  start_agent();
  auto run = cli("job run " + job_file());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_EQ(run.out.rfind("started ", 0), 0u) << run.out;
  const std::string id = run.out.substr(8, run.out.find('\n') - 8);
  const std::string alloc = id.substr(0, 6); // an alloc id prefix names the task
  ASSERT_NE(wait_body("/v1/actors?kind=task&state=running", "\"total\":1", 20s).find("\"total\":1"),
            std::string::npos);

  // The API: the list filtered and sorted, one actor by kind, by task id and by CAF id.
  auto list = request(port_, "GET", "/v1/actors?sort=messages&order=desc&limit=50");
  ASSERT_TRUE(list && list->status == 200);
  simdjson::dom::element e;
  ASSERT_FALSE(parser_.parse(list->body).get(e));
  std::set<std::string> kinds;
  for (auto a : e["actors"].get_array()) {
    kinds.insert(std::string(a["kind"].get_string().value()));
    EXPECT_GE(a["mailbox"].get_int64().value(), 0);
    EXPECT_GT(a["age_ms"].get_int64().value(), 0);
  }
  EXPECT_EQ(kinds.size(), 7u) << list->body;
  auto bad = request(port_, "GET", "/v1/actors?limit=0");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(bad->body, "{\"error\":\"limit: must be between 1 and 10000\"}");
  auto task = request(port_, "GET", "/v1/actors/" + id);
  ASSERT_TRUE(task && task->status == 200) << (task ? task->body : "");
  ASSERT_FALSE(parser_.parse(task->body).get(e));
  EXPECT_EQ(std::string(e["task"]["state"].get_string().value()), "running");
  const auto caf_id = e["actor"]["id"].get_int64().value();
  auto by_id = request(port_, "GET", "/v1/actors/" + std::to_string(caf_id));
  ASSERT_TRUE(by_id && by_id->status == 200);
  EXPECT_NE(by_id->body.find(id), std::string::npos);
  auto images = request(port_, "GET", "/v1/actors/image_manager");
  ASSERT_TRUE(images && images->status == 200);
  EXPECT_NE(images->body.find("\"images\":[{"), std::string::npos) << images->body;
  auto fp = request(port_, "GET", "/v1/actors/fingerprinter");
  ASSERT_TRUE(fp && fp->status == 200);
  EXPECT_NE(fp->body.find("\"node\":{\"health\":\"healthy\""), std::string::npos) << fp->body;
  EXPECT_NE(wait_body("/v1/events/recent", "\"state\":\"running\"", 5s).find(id), std::string::npos);

  // status, logs, exec, signal, node, actors.
  auto all = cli("status");
  EXPECT_EQ(all.exit_code, 0) << all.err;
  EXPECT_NE(all.out.find("echo  " + job_ + "  running"), std::string::npos) << all.out;
  auto one = cli("status " + alloc);
  EXPECT_NE(one.out.find("State:      running"), std::string::npos) << one.out;
  EXPECT_NE(one.out.find("State history:"), std::string::npos);
  auto json_one = cli("status --json " + alloc + "/echo");
  ASSERT_FALSE(parser_.parse(json_one.out).get(e)) << json_one.out;
  EXPECT_EQ(std::string(e["id"].get_string().value()), id);
  wait_body("/v1/tasks/" + id + "/logs", "hello-from-console", 10s);
  auto logs = cli("logs --tail 1 " + alloc);
  EXPECT_EQ(logs.out, "hello-from-console\n");
  auto err = cli("logs --stderr echo");
  EXPECT_EQ(err.out, "oops\n");
  auto ex = scratch_.run("exec" + addr_ + " " + alloc + " -- sh -c 'echo to-out; echo to-err >&2; exit 7'");
  EXPECT_EQ(ex.exit_code, 7);
  EXPECT_EQ(ex.out, "to-out\n");
  EXPECT_EQ(ex.err, "to-err\n");
  testing::outcome followed;
  std::thread follower([&] { followed = cli_beside("logs -f --tail 0 " + alloc, "timeout -s TERM 4"); });
  std::this_thread::sleep_for(1500ms);
  auto sig = cli("signal " + alloc + " SIGUSR1");
  EXPECT_EQ(sig.exit_code, 0) << sig.err;
  follower.join();
  EXPECT_EQ(followed.out, "got-usr1\n") << "-f prints what comes after --tail 0";
  auto node = cli("node");
  EXPECT_NE(node.out.find("Health:  healthy"), std::string::npos) << node.out;
  auto actors = cli("actors task");
  EXPECT_NE(actors.out.find(id + "  running"), std::string::npos) << actors.out;

  // trace: the task's messages while something asks it.
  testing::outcome traced;
  std::thread tracer([&] { traced = cli_beside("trace " + alloc + " --for 2s"); });
  std::this_thread::sleep_for(700ms);
  cli("status " + alloc);
  tracer.join();
  EXPECT_EQ(traced.exit_code, 0) << traced.err;
  EXPECT_NE(traced.out.find("  in   get"), std::string::npos) << traced.out;

  // stop, job status, job stop; then the errors.
  auto stop = cli("stop " + alloc);
  EXPECT_EQ(stop.out, id + " stopping\n");
  EXPECT_NE(wait_body("/v1/tasks/" + id, "\"state\":\"cleaned\"", 20s).find("cleaned"), std::string::npos);
  auto js = cli("job status " + job_);
  EXPECT_NE(js.out.find(id + "  cleaned"), std::string::npos) << js.out;
  EXPECT_EQ(cli("job stop " + job_).exit_code, 0);
  auto none = cli("status nosuch");
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_EQ(none.err, "stevedore status: task nosuch: no task of the agent has this id, alloc id prefix or name\n");
  auto down = scratch_.run("node --addr 127.0.0.1:1");
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_EQ(down.err, "stevedore node: agent 127.0.0.1:1: connect: Connection refused\n");
}

TEST_F(console_live, the_client_sends_the_token_from_a_file_or_the_environment) {
  char tmpl[] = "/tmp/stevedore-console-token-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const fs::path tf = fs::path(tmpl) / "token";
  std::ofstream(tf) << "s3cret-console\n";
  ::chmod(tf.c_str(), 0600);
  start_agent({"--token-file", tf.string()});
  auto without = cli("node");
  EXPECT_EQ(without.exit_code, 1);
  EXPECT_EQ(without.err.rfind("stevedore node: ", 0), 0u) << without.err;
  EXPECT_EQ(std::count(without.err.begin(), without.err.end(), '\n'), 1);
  auto with_file = cli("node --token-file " + tf.string());
  EXPECT_EQ(with_file.exit_code, 0) << with_file.err;
  auto with_env = cli("node", "env STEVEDORE_TOKEN=s3cret-console");
  EXPECT_EQ(with_env.exit_code, 0) << with_env.err;
  std::error_code ec;
  fs::remove_all(tmpl, ec);
}

// The page in Debian's headless chromium (tests/tools/console_browser.js,
// playwright-core): two ticking tasks; the screenshots stay in the build folder.
TEST_F(console_live, the_page_in_a_real_browser_follows_tasks_and_stops_one) {
  const char* skip = ::access("/usr/bin/chromium", X_OK) != 0 ? "Debian's chromium is not installed"
                     : std::system("node -e 0 >/dev/null 2>&1") != 0 ? "node is not installed"
                     : std::system("NODE_PATH=$(npm root -g) node -e 'require(\"playwright-core\")' >/dev/null 2>&1") != 0
                       ? "playwright-core is not installed (tools/install-deps.sh installs it from the npm registry)"
                       : nullptr;
  if (skip)
    GTEST_SKIP() << skip;
  start_agent();
  const std::string file = scratch_.write("tick.nomad",
    "job \"" + job_ + "\" {\n  group \"g\" {\n    count = 2\n    task \"tick\" {\n      driver = \"docker\"\n"
    "      kill_timeout = \"2s\"\n      config {\n        image = \"" + env_.image + "\"\n"
    "        command = \"sh\"\n        args = [\"-c\", \"trap 'exit 0' TERM; i=0; while true; do echo tick-$i; "
    "i=$((i+1)); sleep 1; done\"]\n      }\n    }\n  }\n}\n");
  auto run = cli("job run " + file);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<std::string> ids;
  for (std::size_t at = 0; (at = run.out.find("started ", at)) != std::string::npos; at += 8)
    ids.push_back(run.out.substr(at + 8, run.out.find('\n', at) - at - 8));
  ASSERT_EQ(ids.size(), 2u) << run.out;
  ASSERT_NE(wait_body("/v1/actors?kind=task&state=running", "\"total\":2", 20s).find("\"total\":2"),
            std::string::npos);
  fs::create_directories(CONSOLE_ARTEFACTS);
  const std::string cmd = "NODE_PATH=$(npm root -g) timeout 60 node '" CONSOLE_BROWSER_JS "' http://127.0.0.1:" +
                          std::to_string(port_) + "/ '" CONSOLE_ARTEFACTS "' " + ids[0] + " " + ids[1] + " 2>&1";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, p))
      out += buf;
    EXPECT_EQ(::pclose(p), 0) << out;
  }
  EXPECT_NE(out.find("\nok\n"), std::string::npos) << out;
  EXPECT_TRUE(fs::exists(fs::path(CONSOLE_ARTEFACTS) / "console-stopped.png"));
}

// `stevedore console` in tmux: the table shows the task running, the filter
// and the stop key work, and the stopped task leaves "running" on screen.
TEST_F(console_live, the_terminal_console_shows_filters_and_stops_a_task) {
  if (std::system("tmux -V >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "tmux is not installed (tools/install-deps.sh installs it)";
  start_agent();
  auto run = cli("job run " + job_file());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string id = run.out.substr(8, run.out.find('\n') - 8);
  ASSERT_NE(wait_body("/v1/actors?kind=task&state=running", "\"total\":1", 20s).find("\"total\":1"),
            std::string::npos);
  const std::string session = "stevedore-console-it-" + std::to_string(::getpid());
  auto tmux = [&](const std::string& args) { return std::system(("tmux " + args + " >/dev/null 2>&1").c_str()); };
  auto screen = [&] {
    std::string out;
    if (FILE* p = ::popen(("tmux capture-pane -p -t " + session).c_str(), "r")) {
      char buf[512];
      while (std::fgets(buf, sizeof buf, p))
        out += buf;
      ::pclose(p);
    }
    return out;
  };
  auto wait_screen = [&](auto pred) {
    for (int i = 0; i < 50; ++i, std::this_thread::sleep_for(100ms))
      if (pred(screen()))
        return true;
    return false;
  };
  ASSERT_EQ(tmux("new-session -d -s " + session + " -x 200 -y 30 '" STEVEDORE_BIN " console --rate 200" + addr_ + "'"), 0);
  const bool shown = wait_screen([&](const std::string& s) {
    return s.find(id) != std::string::npos && s.find("running") != std::string::npos &&
           s.find("image_manager") != std::string::npos;
  });
  EXPECT_TRUE(shown) << screen();
  tmux("send-keys -t " + session + " / task Enter");
  EXPECT_TRUE(wait_screen([&](const std::string& s) {
    return s.find("filter 'task'") != std::string::npos && s.find("image_manager") == std::string::npos;
  })) << screen();
  tmux("send-keys -t " + session + " k");
  EXPECT_TRUE(wait_screen([&](const std::string& s) {
    const auto row = s.find(id + " ");
    const bool left = row == std::string::npos || s.compare(s.find_first_not_of(' ', row + id.size()), 7, "running") != 0;
    return s.find("stopping " + id) != std::string::npos && left;
  })) << screen();
  tmux("send-keys -t " + session + " q");
  std::this_thread::sleep_for(300ms);
  tmux("kill-session -t " + session);
}

// `stevedore restart`: the running task's container is stopped and a new one
// started at once, the restart counted in the task's status but not against
// its restart policy (mode "fail" with no attempts left would otherwise have
// failed it); a task that has ended refuses with a conflict.
TEST_F(console_live, restart_stops_the_run_and_starts_a_new_one) {
  start_agent();
  const std::string file = scratch_.write("once.nomad",
    "job \"" + job_ + "\" {\n  group \"g\" {\n    restart {\n      attempts = 0\n      mode = \"fail\"\n    }\n"
    "    task \"echo\" {\n      driver = \"docker\"\n      kill_timeout = \"2s\"\n      config {\n"
    "        image = \"" + env_.image + "\"\n        command = \"sh\"\n"
    "        args = [\"-c\", \"trap 'exit 1' TERM; while true; do sleep 1; done\"]\n      }\n    }\n  }\n}\n");
  auto run = cli("job run " + file);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string id = run.out.substr(8, run.out.find('\n') - 8);
  const std::string alloc = id.substr(0, 6);
  ASSERT_NE(wait_body("/v1/tasks/" + id, "\"state\":\"running\"", 20s).find("running"), std::string::npos);
  auto before = request(port_, "GET", "/v1/tasks/" + id);
  ASSERT_TRUE(before && before->status == 200);
  simdjson::dom::element e;
  ASSERT_FALSE(parser_.parse(before->body).get(e));
  const std::string first_container(e["container_id"].get_string().value());

  auto restart = cli("restart " + alloc);
  EXPECT_EQ(restart.exit_code, 0) << restart.err;
  EXPECT_EQ(restart.out, id + " restarting\n");
  const std::string after = wait_body("/v1/tasks/" + id, "\"restarts\":1", 30s);
  ASSERT_FALSE(parser_.parse(after).get(e)) << after;
  ASSERT_EQ(e["restarts"].get_int64().value(), 1) << after;
  EXPECT_NE(wait_body("/v1/tasks/" + id, "\"state\":\"running\"", 20s).find("\"restarts\":1"),
            std::string::npos) << "running again, in a new container, although the policy allows no attempt";
  auto now = request(port_, "GET", "/v1/tasks/" + id);
  ASSERT_TRUE(now && !parser_.parse(now->body).get(e));
  EXPECT_NE(std::string(e["container_id"].get_string().value()), first_container);
  EXPECT_NE(wait_body("/v1/events/recent", "restarted on request", 5s).find(id), std::string::npos);

  EXPECT_EQ(cli("stop " + alloc).exit_code, 0);
  EXPECT_NE(wait_body("/v1/tasks/" + id, "\"state\":\"cleaned\"", 20s).find("cleaned"), std::string::npos);
  auto refused = request(port_, "POST", "/v1/tasks/" + id + "/restart");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 409) << refused->body;
  EXPECT_EQ(refused->body.rfind("{\"error\":\"restart of task " + id + ": the task ", 0), 0u) << refused->body;
  auto again = cli("restart " + alloc);
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(again.err.rfind("stevedore restart: restart of task " + id + ": the task ", 0), 0u) << again.err;
  EXPECT_EQ(std::count(again.err.begin(), again.err.end(), '\n'), 1) << "one line";
}

// `stevedore exec -i -t` in a pseudo-terminal, as a person at a terminal
// runs it: a shell in the task's container, a command typed and its output
// read, the terminal resized and the new size seen inside, and the shell's
// exit code passed through. Then -i without -t: a pipe into the command.
TEST_F(console_live, exec_with_a_tty_is_interactive_resizes_and_passes_the_exit_code) {
  start_agent();
  auto run = cli("job run " + job_file());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string id = run.out.substr(8, run.out.find('\n') - 8);
  const std::string alloc = id.substr(0, 6);
  ASSERT_NE(wait_body("/v1/actors?kind=task&state=running", "\"total\":1", 20s).find("\"total\":1"),
            std::string::npos);

  int master = -1;
  winsize size{};
  size.ws_row = 24;
  size.ws_col = 80;
  const std::string port = "127.0.0.1:" + std::to_string(port_);
  const pid_t child = ::forkpty(&master, nullptr, nullptr, &size);
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::execl(STEVEDORE_BIN, STEVEDORE_BIN, "exec", "-i", "-t", "--addr", port.c_str(), alloc.c_str(),
            "--", "sh", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::string screen;
  // Reads what the terminal shows until `needle` appears after `from`, for at most `timeout`.
  auto wait_for = [&](const std::string& needle, std::size_t from, std::chrono::milliseconds timeout) {
    for (auto until = std::chrono::steady_clock::now() + timeout;
         std::chrono::steady_clock::now() < until;) {
      if (screen.find(needle, from) != std::string::npos)
        return true;
      pollfd p{master, POLLIN, 0};
      if (::poll(&p, 1, 100) > 0) {
        char buf[4096];
        const ssize_t n = ::read(master, buf, sizeof buf);
        if (n <= 0)
          return screen.find(needle, from) != std::string::npos;
        screen.append(buf, static_cast<std::size_t>(n));
      }
    }
    return false;
  };
  auto type = [&](const std::string& keys) {
    ASSERT_EQ(::write(master, keys.data(), keys.size()), static_cast<ssize_t>(keys.size()));
  };

  // The shell's prompt, then a command whose output differs from its echo.
  ASSERT_TRUE(wait_for("# ", 0, 20s)) << screen;
  std::size_t mark = screen.size();
  type("echo hi-$((6*7))\r");
  EXPECT_TRUE(wait_for("hi-42", mark, 10s)) << screen;
  mark = screen.size();
  type("stty size\r");
  EXPECT_TRUE(wait_for("24 80", mark, 10s)) << "the first size is our terminal's: " << screen;

  // Resized: SIGWINCH to the client, which passes the size on. The resize
  // travels apart from the typed keys, so the size is asked until it shows.
  size.ws_row = 40;
  size.ws_col = 100;
  ASSERT_EQ(::ioctl(master, TIOCSWINSZ, &size), 0);
  bool resized = false;
  for (int i = 0; i < 20 && !resized; ++i) {
    mark = screen.size();
    type("stty size\r");
    resized = wait_for("40 100", mark, 500ms);
  }
  EXPECT_TRUE(resized) << screen;

  // The shell's exit code is the client's.
  type("exit 3\r");
  int status = 0;
  pid_t done = 0;
  // Drains the terminal while the client ends (once it closed its side the
  // terminal reads fail at once: then the exit is polled for).
  for (auto until = std::chrono::steady_clock::now() + 15s;
       done == 0 && std::chrono::steady_clock::now() < until;) {
    pollfd p{master, POLLIN, 0};
    char buf[4096];
    if (::poll(&p, 1, 50) > 0 && ::read(master, buf, sizeof buf) <= 0)
      std::this_thread::sleep_for(20ms);
    done = ::waitpid(child, &status, WNOHANG);
  }
  if (done == 0) {
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
  }
  ::close(master);
  ASSERT_EQ(done, child) << "the client did not end after the shell exited: " << screen;
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3) << screen;

  // -i without -t: our stdin piped to the command, stdout and stderr apart.
  auto piped = scratch_.run_under("printf 'piped\\n' |", "exec -i" + addr_ + " " + alloc +
                                  " -- sh -c 'read line; echo got-$line; echo err >&2; exit 4'");
  EXPECT_EQ(piped.exit_code, 4) << piped.err;
  EXPECT_EQ(piped.out, "got-piped\n");
  EXPECT_EQ(piped.err, "err\n");
  // A task that is not running refuses before any upgrade, in one line.
  auto nosuch = scratch_.run("exec -i -t" + addr_ + " nosuch -- sh");
  EXPECT_EQ(nosuch.exit_code, 1);
  EXPECT_EQ(nosuch.err, "stevedore exec: task nosuch: no task of the agent has this id, alloc id prefix or name\n");
}

} // namespace
} // namespace stevedore::agent::test
