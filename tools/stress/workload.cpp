#include "tools/stress/workload.hpp"

#include <random>

#include "policy/plan.hpp"

namespace stevedore::stress {

std::vector<std::string> default_command() {
  return {"sh", "-c", "trap 'exit 0' TERM; sleep 2147483647 & wait"};
}

result<std::vector<std::string>> split_command(const std::string& text, const std::string& what) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word)
        words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\'') {
      auto end = text.find('\'', i + 1);
      if (end == std::string::npos)
        return make_error(errc::invalid_input, what, "unterminated single quote");
      word.append(text, i + 1, end - i - 1);
      i = end;
    } else if (c == '"') {
      std::size_t j = i + 1;
      for (; j < text.size() && text[j] != '"'; ++j) {
        if (text[j] == '\\' && j + 1 < text.size() && (text[j + 1] == '"' || text[j + 1] == '\\'))
          ++j;
        word += text[j];
      }
      if (j >= text.size())
        return make_error(errc::invalid_input, what, "unterminated double quote");
      i = j;
    } else if (c == '\\') {
      if (i + 1 < text.size())
        word += text[++i];
    } else {
      word += c;
    }
  }
  if (in_word)
    words.push_back(std::move(word));
  return words;
}

std::string random_run_id() {
  std::random_device rd;
  static const char hex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 8; ++i)
    id += hex[rd() % 16];
  return id;
}

std::string job_name(const stress_options& opts, const std::string& driver) {
  return "stress-" + opts.run_id + "-" + driver;
}

job_spec stress_job(const stress_options& opts, const std::string& driver) {
  task_spec task;
  task.name = "sleeper";
  task.config.image = opts.image;
  auto cmd = opts.command.empty() ? default_command() : opts.command;
  if (!cmd.empty()) {
    task.config.command = cmd.front();
    task.config.args.assign(cmd.begin() + 1, cmd.end());
  }
  task.kill_timeout_ms = opts.kill_timeout_ms;
  group_spec group;
  group.name = "stress";
  group.count = opts.tasks;
  group.tasks.push_back(std::move(task));
  job_spec job;
  job.name = job_name(opts, driver);
  job.datacenters = {opts.client.datacenter};
  job.groups.push_back(std::move(group));
  return job;
}

result<std::vector<task_instance>> plan_workload(const stress_options& opts,
                                                 const std::string& driver,
                                                 const std::string& alloc_root) {
  auto client = opts.client;
  client.alloc_root = alloc_root;
  auto plan = policy::plan_job(stress_job(opts, driver), client);
  if (!plan.ok()) {
    std::string msg;
    for (const auto& p : plan.problems)
      msg += (msg.empty() ? "" : "; ") + to_string(p);
    return make_error(errc::invalid_input, "stress plan " + job_name(opts, driver), msg);
  }
  return std::move(plan.instances);
}

} // namespace stevedore::stress
