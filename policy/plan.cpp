#include "policy/plan.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <random>

#include "policy/create_body.hpp"
#include "policy/image_ref.hpp"
#include "policy/interpolate.hpp"
#include "policy/ports.hpp"
#include "policy/task_env.hpp"

namespace stevedore::policy {

namespace {

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir.back() == '/')
    return dir + name;
  return dir + "/" + name;
}

std::string uuid_from(std::uint64_t hi, std::uint64_t lo) {
  hi = (hi & ~0xf000ULL) | 0x4000ULL;                              // version 4
  lo = (lo & ~0xc000000000000000ULL) | 0x8000000000000000ULL;     // RFC 4122 variant
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx",
                static_cast<unsigned long long>(hi >> 32),
                static_cast<unsigned long long>((hi >> 16) & 0xffff),
                static_cast<unsigned long long>(hi & 0xffff),
                static_cast<unsigned long long>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

// Appends `e` unless an identical problem is already there (count > 1 finds
// the same problem in every instance).
void add_unique(std::vector<error_info>& out, const error_info& e) {
  auto same = [&](const error_info& x) {
    return x.kind == e.kind && x.what == e.what && x.message == e.message;
  };
  if (std::none_of(out.begin(), out.end(), same))
    out.push_back(e);
}

void add_unique(std::vector<std::string>& out, const std::string& w) {
  if (std::find(out.begin(), out.end(), w) == out.end())
    out.push_back(w);
}

// The image reference and how it gets onto the node.
void decide_image(task_instance& inst, const path_resolver& resolve, const std::string& path,
                  std::vector<error_info>& problems) {
  const auto& c = inst.task->config;
  auto ref = parse_image_ref(c.image);
  if (!ref) {
    problems.push_back(make_error(errc::invalid_input, path + ".image", ref.error().message));
    return;
  }
  inst.image = canonical_string(*ref);
  inst.parsed_image = cow<image_ref>(*ref);
  if (!c.load.empty()) {
    inst.pull = pull_policy::load_from_tar;
    // Go's filepath.Join semantics: a leading '/' does not escape local/.
    auto name = c.load;
    name.erase(0, name.find_first_not_of('/'));
    auto archive = resolve(inst.task_dir(), join_path("local", name));
    if (archive)
      inst.image_archive = *archive;
    else
      problems.push_back(make_error(errc::not_permitted, path + ".load",
                                    quote_value(c.load) + ": " + archive.error().message));
  } else if (!ref->digest.empty()) {
    inst.pull = pull_policy::digest;
  } else if (c.force_pull || always_pull(*ref)) {
    inst.pull = pull_policy::always_pull;
  } else {
    inst.pull = pull_policy::pull_if_missing;
  }
}

// Everything about one allocation that its tasks share.
struct allocation {
  std::string id;
  std::int64_t index = 0;
  std::string name;
  std::string dir;
  std::vector<task_port> group_ports; // the group network's, allocated once
};

std::string group_path(const job_spec& job, const group_spec& group) {
  return "job." + job.name + ".group." + group.name;
}

// The group network's ports for one allocation: `to` (when above 0) is the
// container side, else the host port, as Nomad's docker driver maps them.
std::vector<task_port> allocate_group_ports(const job_spec& job, const group_spec& group,
                                            const std::string& alloc_id, port_pool& pool,
                                            std::vector<error_info>& problems) {
  if (!group.has_network)
    return {};
  std::map<std::string, std::int64_t> to;
  for (const auto& p : group.network.ports)
    if (p.to > 0)
      to[p.label] = p.to;
  return allocate_ports(group.network.ports, to, pool, seed_of(alloc_id + "/network"),
                        group_path(job, group) + ".network", problems);
}

// What a task publishes: its own (resources.network) ports, then the group
// ports its config.ports names. A group port published by two tasks would
// bind the same host port twice.
std::vector<task_port> published_ports(const task_spec& task, std::vector<task_port> own,
                                       const std::vector<task_port>& group_ports,
                                       std::map<std::string, std::string>& publisher,
                                       const std::string& path, std::vector<error_info>& problems) {
  for (const auto& label : task.config.ports) {
    for (const auto& p : group_ports) {
      if (p.label != label)
        continue;
      auto [it, fresh] = publisher.emplace(label, task.name);
      if (!fresh && it->second != task.name)
        problems.push_back(make_error(errc::conflict, path + ".config.ports",
                                      "port " + quote_value(label) + " is published by task " +
                                        quote_value(it->second) + " of this group already"));
      else
        own.push_back(p);
    }
  }
  return own;
}

// The instance of `task` in `alloc` with identity, folders and ports set.
task_instance make_instance(const job_spec& job, const group_spec& group, const cow<task_spec>& task,
                            const allocation& alloc, std::vector<task_port> ports) {
  task_instance inst;
  inst.alloc_id = alloc.id;
  inst.alloc_index = alloc.index;
  inst.alloc_name = alloc.name;
  inst.job_name = job.name;
  inst.group_name = group.name;
  inst.task = task;
  inst.container_name = task->name + "-" + alloc.id;
  inst.ports = std::move(ports);
  inst.alloc_dir = alloc.dir;
  return inst;
}

// Env, interpolation, rules, labels, image, volumes and body of one instance.
void complete_instance(task_instance& inst, const job_spec& job, const group_spec& group,
                       const client_config& client, const plan_options& options,
                       const sibling_ports& siblings, const std::vector<task_port>& group_ports,
                       const std::string& path, std::vector<error_info>& problems,
                       std::vector<std::string>& warnings, std::vector<json>& bodies) {
  auto node = node_values(client, options.node);
  auto builtin = builtin_env(inst, job, group, client, siblings, group_ports);
  // A group network in mode "none": the task has no network unless it says.
  if (group.has_network && group.network.mode == "none" && inst.task->config.network_mode.empty())
    inst.task.edit().config.network_mode = "none";
  inst.env = final_env(builtin, inst.task->env, node, path, warnings);
  interpolation_scope scope{&inst.env, &node};
  // A config without a '$' stays shared with the group's other instances.
  if (mentions_interpolation(inst.task->config))
    interpolate_config(inst.task.edit().config, scope, path + ".config", warnings);
  check_task_rules(*inst.task, client, path, rule_stage::interpolated, problems);

  auto ours = stevedore_labels(inst, client);
  inst.labels = inst.task->config.labels;
  for (const auto& [k, v] : ours) {
    auto given = inst.labels.find(k);
    if (given != inst.labels.end() && given->second != v)
      warnings.push_back(path + ".config.labels." + k + ": reserved for stevedore; replaced");
    inst.labels[k] = v;
  }

  decide_image(inst, options.resolve, path + ".config", problems);
  auto volumes = plan_volumes(inst, client, options.resolve, path + ".config", problems);
  auto body = to_create_body(inst, volumes, client, options.node, path + ".config", problems);
  inst.create_body_text = body.dump();
  inst.create_body_text.shrink_to_fit(); // kept for as long as the task runs
  if (options.keep_create_body) {
    bodies.push_back(std::move(body));
  } else {
    // The text carries them: a job of 10,000 instances would hold 10,000
    // environments until the supervisor takes the instances.
    inst.env = {};
    inst.labels = {};
  }
}

} // namespace

std::string task_path(const job_spec& job, const group_spec& group, const task_spec& task) {
  // The path the user wrote: a task outside any group has no group in it.
  if (group.implicit)
    return "job." + job.name + ".task." + task.name;
  return "job." + job.name + ".group." + group.name + ".task." + task.name;
}

std::string random_alloc_id() {
  std::random_device rd;
  auto word = [&] { return (std::uint64_t(rd()) << 32) | rd(); };
  auto hi = word();
  return uuid_from(hi, word());
}

std::string derived_alloc_id(const std::string& seed, const std::string& group,
                             std::int64_t index, bool first_group) {
  if (first_group && index == 0)
    return seed;
  auto key = seed + "/" + group + "/" + std::to_string(index);
  return uuid_from(seed_of(key), seed_of(key + "/lo"));
}

bool valid_alloc_id(const std::string& id) {
  if (id.empty() || !std::isalnum(static_cast<unsigned char>(id.front())))
    return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

bool glob_match(std::string_view pattern, std::string_view text) {
  auto star = pattern.find('*');
  if (star == std::string_view::npos)
    return pattern == text;
  auto head = pattern.substr(0, star);
  if (text.substr(0, head.size()) != head)
    return false;
  auto rest = pattern.substr(star + 1);
  for (std::size_t i = head.size(); i <= text.size(); ++i)
    if (glob_match(rest, text.substr(i)))
      return true;
  return false;
}

string_map stevedore_labels(const task_instance& inst, const client_config& client) {
  string_map out = {
    {"com.stevedore.alloc_id", inst.alloc_id},
    {"com.stevedore.group", inst.group_name},
    {"com.stevedore.job", inst.job_name},
    {"com.stevedore.node", client.node_id},
    {"com.stevedore.task", inst.task->name},
  };
  if (client.extra_labels.empty())
    return out;
  // Nomad 1.x's extra_labels: these names, matched by the client's globs.
  const std::pair<const char*, std::string> extra[] = {
    {"job_name", inst.job_name},        {"job_id", inst.job_name},
    {"task_group_name", inst.group_name}, {"task_name", inst.task->name},
    {"namespace", "default"},           {"node_name", client.node_name},
    {"node_id", client.node_id}};
  for (const auto& [name, value] : extra)
    for (const auto& pattern : client.extra_labels)
      if (glob_match(pattern, name))
        out[std::string("com.hashicorp.nomad.") + name] = value;
  return out;
}

plan_result plan_job(const job_spec& job, const client_config& client, const plan_options& options) {
  plan_result out;
  if (!options.alloc_id.empty() && !valid_alloc_id(options.alloc_id)) {
    out.problems.push_back(make_error(errc::invalid_input, "alloc_id",
                                      quote_value(options.alloc_id)
                                        + " cannot be part of a container name "
                                          "([A-Za-z0-9][A-Za-z0-9_.-]*)"));
    return out;
  }
  port_pool pool{client.min_dynamic_port, client.max_dynamic_port, options.taken_ports};
  auto root = client.alloc_root.empty() ? std::string(default_alloc_root) : client.alloc_root;
  std::vector<error_info> problems;
  std::vector<std::string> warnings;
  // One parsed reference for all the plan's instances of an image.
  std::map<std::string, cow<image_ref>> parsed_images;
  for (size_t g = 0; g < job.groups.size(); ++g) {
    const auto& group = job.groups[g];
    // One copy of each task for all the group's instances (see complete_instance).
    const std::vector<cow<task_spec>> shared(group.tasks.begin(), group.tasks.end());
    for (std::int64_t index = 0; index < group.count; ++index) {
      allocation alloc;
      alloc.id = options.alloc_id.empty()
                   ? random_alloc_id()
                   : derived_alloc_id(options.alloc_id, group.name, index, g == 0);
      alloc.index = index;
      alloc.name = job.name + "." + group.name + "[" + std::to_string(index) + "]";
      alloc.dir = join_path(root, alloc.id);
      // Ports first for every task: each task's env names its siblings' ports.
      alloc.group_ports = allocate_group_ports(job, group, alloc.id, pool, problems);
      sibling_ports siblings;
      for (const auto& task : group.tasks)
        siblings[task.name] =
          allocate_ports(task.resources.ports, task.config.port_map, pool,
                         seed_of(alloc.id + "/" + task.name),
                         task_path(job, group, task) + ".resources.network", problems);
      std::map<std::string, std::string> publisher; // group port label -> task
      for (size_t t = 0; t < group.tasks.size(); ++t) {
        const auto& task = group.tasks[t];
        auto path = task_path(job, group, task);
        auto ports = published_ports(task, siblings[task.name], alloc.group_ports, publisher,
                                     path, problems);
        auto inst = make_instance(job, group, shared[t], alloc, std::move(ports));
        complete_instance(inst, job, group, client, options, siblings, alloc.group_ports, path,
                          problems, warnings, out.create_bodies);
        if (auto [seen, fresh] = parsed_images.try_emplace(inst.image, inst.parsed_image); !fresh)
          inst.parsed_image = seen->second;
        out.instances.push_back(std::move(inst));
      }
    }
  }
  for (const auto& p : problems)
    add_unique(out.problems, p);
  for (const auto& w : warnings)
    add_unique(out.warnings, w);
  return out;
}

} // namespace stevedore::policy

namespace stevedore::policy {

json plan_json(const plan_result& plan) {
  return plan_json(plan.instances, plan.create_bodies);
}

json plan_json(const std::vector<task_instance>& instances, const std::vector<json>& create_bodies) {
  json list = json::array();
  for (std::size_t i = 0; i < instances.size(); ++i) {
    const auto& inst = instances[i];
    json j = json::object();
    j.set("alloc_id", inst.alloc_id);
    j.set("alloc_name", inst.alloc_name);
    j.set("alloc_index", inst.alloc_index);
    j.set("job", inst.job_name);
    j.set("group", inst.group_name);
    j.set("task", inst.task->name);
    j.set("container_name", inst.container_name);
    j.set("image", inst.image);
    j.set("pull", to_string(inst.pull));
    if (!inst.image_archive.empty())
      j.set("image_archive", inst.image_archive);
    json ports = json::array();
    for (const auto& p : inst.ports) {
      json pj = json::object();
      pj.set("label", p.label);
      pj.set("host_port", p.host_port);
      pj.set("container_port", p.container_port);
      pj.set("static", p.is_static);
      ports.push(std::move(pj));
    }
    j.set("ports", std::move(ports));
    j.set("alloc_dir", inst.alloc_dir);
    j.set("task_dir", inst.task_dir());
    if (i < create_bodies.size())
      j.set("create_body", create_bodies[i]);
    else
      j.set("create_body", inst.create_body_text);
    list.push(std::move(j));
  }
  json out = json::object();
  out.set("instances", std::move(list));
  return out;
}

} // namespace stevedore::policy
