// `stevedore job run FILE`, `job stop NAME`, `job status NAME` against a
// running agent: a job file submitted as it is (the agent reads, checks and
// plans it), and every task of a job stopped or listed.
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include <CLI/CLI.hpp>

#include "tools/stevedore/client.hpp"
#include "tools/stevedore/command.hpp"

namespace stevedore::cli {
namespace {

struct job_args {
  client_options client;
  std::string file;
  std::string name;
};

int run_job(const job_args& a) {
  std::ifstream in(a.file, std::ios::binary);
  if (!in)
    return fail("job run", a.file + ": cannot read the job file");
  std::stringstream ss;
  ss << in.rdbuf();
  auto c = agent_client::make(a.client);
  if (!c)
    return fail("job run", to_string(c.error()));
  auto r = c->call("POST", "/v1/jobs", ss.str());
  if (!r)
    return fail("job run", to_string(r.error()));
  if (a.client.json)
    return std::printf("%s\n", r->body.c_str()), 0;
  auto tree = parse_answer(r->body);
  if (!tree)
    return fail("job run", to_string(tree.error()));
  if (const auto* w = member(*tree, "warnings"))
    for (const auto& x : w->items)
      std::fprintf(stderr, "warning: %s\n", x.text.c_str());
  if (const auto* ids = member(*tree, "task_ids"))
    for (const auto& x : ids->items)
      std::printf("started %s\n", x.text.c_str());
  return 0;
}

// The tasks of job `name` in GET /v1/tasks (ended ones too).
result<std::vector<const policy::node*>> tasks_of(const policy::node& tree, const std::string& name) {
  std::vector<const policy::node*> out;
  if (const auto* list = member(tree, "tasks"))
    for (const auto& t : list->items)
      if (text_of(t, "job") == name)
        out.push_back(&t);
  if (out.empty())
    return make_error(errc::not_found, "job " + name, "the agent has no task of this job");
  return out;
}

int job_tasks(const job_args& a, bool stop) {
  const char* cmd = stop ? "job stop" : "job status";
  auto c = agent_client::make(a.client);
  if (!c)
    return fail(cmd, to_string(c.error()));
  auto r = c->call("GET", "/v1/tasks");
  auto tree = r ? parse_answer(r->body) : result<policy::node>(r.error());
  if (!tree)
    return fail(cmd, to_string(tree.error()));
  auto tasks = tasks_of(*tree, a.name);
  if (!tasks)
    return fail(cmd, to_string(tasks.error()));
  std::vector<std::vector<std::string>> rows = {{"TASK", "STATE"}};
  int failures = 0;
  for (const auto* t : *tasks) {
    const std::string id = text_of(*t, "id"), state = text_of(*t, "state");
    if (stop && state != "cleaned" && state != "failed") {
      auto s = c->call("POST", "/v1/tasks/" + path_escape(id) + "/stop");
      failures += !s;
      rows.push_back({id, s ? "stopping" : "stop failed: " + to_string(s.error())});
    } else {
      rows.push_back({id, state});
    }
  }
  if (a.client.json && !stop)
    std::printf("%s\n", r->body.c_str());
  else
    print_table(rows);
  return failures ? 1 : 0;
}

const bool registered = add_command({"job", "Run, stop or show a job on a running agent", [](CLI::App& app) {
  auto a = std::make_shared<job_args>();
  app.require_subcommand(1);
  auto* run = app.add_subcommand("run", "Submit a job file (HCL or JSON)");
  add_client_options(*run, a->client);
  run->add_option("FILE", a->file, "the job file")->required();
  auto* stop = app.add_subcommand("stop", "Stop every task of a job");
  add_client_options(*stop, a->client);
  stop->add_option("NAME", a->name, "the job's name")->required();
  auto* status = app.add_subcommand("status", "Show every task of a job");
  add_client_options(*status, a->client);
  status->add_option("NAME", a->name, "the job's name")->required();
  return std::function<int()>([a, run, stop] {
    if (run->parsed())
      return run_job(*a);
    return job_tasks(*a, stop->parsed());
  });
}});

} // namespace
} // namespace stevedore::cli
