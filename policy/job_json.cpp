// Nomad's JSON job form (the API's, as `nomad job run -output` and `nomad job
// inspect` print it) into job_spec:
//
//   {"Job": {"ID", "Name", "Type", "Region", "Datacenters", "Priority", "Meta",
//     "Constraints": [{"LTarget", "RTarget", "Operand"}],
//     "TaskGroups": [{"Name", "Count", "RestartPolicy": {"Attempts", "Interval",
//       "Delay", "Mode"}, "Meta", "Constraints",
//       "Tasks": [{"Name", "Driver", "User", "Config": {...}, "Env", "Meta",
//         "Resources": {"CPU", "MemoryMB", "Networks": [{"MBits",
//           "ReservedPorts": [{"Label", "Value"}], "DynamicPorts": [{"Label"}]}]},
//         "KillTimeout", "KillSignal", "LogConfig": {"MaxFiles", "MaxFileSizeMB"},
//         "RestartPolicy", "Artifacts": [{"GetterSource", "RelativeDest"}],
//         "Constraints"}]}]}}
//
// The bare job object (without "Job") is accepted too. Durations are integer
// nanoseconds (a Go duration string is accepted as well). "Config" holds the
// driver options under the same keys as HCL and is decoded by the same code,
// so its problems have the same paths in both forms. Elsewhere a path names
// the job, group and task as HCL does ("job.web.group.cache.task.redis") and
// then the JSON key the user wrote ("...task.redis.KillTimeout").
//
// Fields Nomad writes for its own bookkeeping (indexes, status, versions) are
// skipped; features stevedore does not implement are warnings when set.
#include "policy/decode.hpp"
#include "policy/duration.hpp"

namespace stevedore::policy {

namespace {

constexpr std::string_view not_supported = "not supported by stevedore; ignored";
constexpr std::string_view unknown_field = "unknown field";

// Integer nanoseconds (or a Go duration string) into milliseconds.
bool get_nanos(object_reader& r, std::string_view key, std::int64_t& out_ms) {
  const node* n = r.one(key);
  if (!n)
    return false;
  decode_context& ctx = r.context();
  std::string path = r.path_of(key);
  if (n->type == node::kind::string) {
    auto v = to_duration_ms(ctx, *n, path);
    if (v)
      out_ms = *v;
    return v.has_value();
  }
  if (n->type != node::kind::number) {
    ctx.problem(path, n->pos,
                std::string("expected a duration in nanoseconds, got ") + describe_value(*n));
    return false;
  }
  auto ns = to_int(ctx, *n, path);
  if (!ns)
    return false;
  if (*ns < 0) {
    ctx.problem(path, n->pos, "must not be negative, got " + std::to_string(*ns));
    return false;
  }
  auto ms = nanos_to_millis(*ns);
  if (!duration_in_range(ctx, path, n->pos, ms))
    return false;
  out_ms = ms;
  return true;
}

// The entries of a list of objects ("TaskGroups", "Constraints", ...).
std::vector<const node*> list_of_objects(object_reader& r, std::string_view key) {
  const node* n = r.one(key);
  if (!n)
    return {};
  return to_objects(r.context(), *n, r.path_of(key));
}

void read_restart(decode_context& ctx, const node& body, const std::string& path,
                  restart_spec& out) {
  object_reader r(ctx, body, path);
  r.get("Attempts", out.attempts);
  get_nanos(r, "Interval", out.interval_ms);
  get_nanos(r, "Delay", out.delay_ms);
  r.get("Mode", out.mode);
  r.ignore("RenderTemplates", not_supported);
  r.finish(unknown_field);
  check_restart(ctx, out,
                locator(r, {{"attempts", "Attempts"}, {"interval", "Interval"},
                            {"delay", "Delay"}, {"mode", "Mode"}}));
}

std::vector<constraint_spec> read_constraints(object_reader& parent) {
  std::vector<constraint_spec> out;
  auto entries = list_of_objects(parent, "Constraints");
  std::string base = parent.path_of("Constraints");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    object_reader r(parent.context(), *entries[i], item_path(base, i));
    constraint_spec c;
    r.get("LTarget", c.attribute);
    r.get("RTarget", c.value);
    std::string op;
    if (r.get("Operand", op))
      c.op = normalize_operator(op);
    r.finish(unknown_field);
    check_constraint(parent.context(), c,
                     locator(r, {{"attribute", "LTarget"}, {"operator", "Operand"},
                                 {"value", "RTarget"}}));
    out.push_back(std::move(c));
  }
  return out;
}

void read_ports(object_reader& net, std::string_view key, bool reserved, bool group,
                std::vector<port_spec>& out, unique_names& labels, unique_names& statics) {
  auto entries = list_of_objects(net, key);
  std::string base = net.path_of(key);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    object_reader r(net.context(), *entries[i], item_path(base, i));
    port_spec p;
    r.get("Label", p.label);
    std::int64_t value = 0;
    r.get("Value", value);
    if (reserved) {
      p.static_port = value;
      if (value == 0) {
        auto at = r.at("Value");
        net.context().problem(at.path, at.pos, "a reserved port needs a Value");
      }
    }
    if (group) {
      r.get("To", p.to);
      r.get("HostNetwork", p.host_network);
    } else {
      r.ignore("To", not_supported);
      r.ignore("HostNetwork", not_supported);
    }
    r.finish(unknown_field);
    check_port(net.context(), p, {r.path(), r.pos()}, labels, statics);
    if (group)
      check_group_port(net.context(), p, r.at("To"), r.at("HostNetwork"));
    out.push_back(std::move(p));
  }
}

void read_resources(decode_context& ctx, const node& body, const std::string& path,
                    resources_spec& res) {
  object_reader r(ctx, body, path);
  r.get("CPU", res.cpu);
  r.get("MemoryMB", res.memory_mb);
  auto networks = list_of_objects(r, "Networks");
  for (std::size_t i = 1; i < networks.size(); ++i)
    ctx.problem(item_path(r.path_of("Networks"), i), networks[i]->pos,
                "only one network per task");
  if (!networks.empty()) {
    object_reader n(ctx, *networks[0], item_path(r.path_of("Networks"), 0));
    n.get("MBits", res.mbits);
    unique_names labels, statics;
    std::vector<port_spec> ports;
    read_ports(n, "ReservedPorts", true, false, ports, labels, statics);
    read_ports(n, "DynamicPorts", false, false, ports, labels, statics);
    res.ports = std::move(ports);
    for (auto key : {"Device", "CIDR", "IP", "Mode", "DNS", "Hostname"})
      n.ignore(key, not_supported);
    n.finish(unknown_field);
  }
  r.get("DiskMB", res.disk_mb);
  r.get("MemoryMaxMB", res.memory_max_mb);
  r.get("Cores", res.cores);
  if (res.cores > 0 && r.has("CPU") && !is_empty_value(*r.one("CPU"))) {
    auto at = r.at("Cores");
    ctx.problem(at.path, at.pos, "a task asks for CPU or for Cores, not both");
  }
  for (auto key : {"IOPS", "Devices", "NUMA", "SecretsMB"})
    r.ignore(key, not_supported);
  r.finish(unknown_field);
  check_resources(ctx, res,
                  locator(r, {{"cpu", "CPU"}, {"memory", "MemoryMB"}, {"mbits", "Networks"},
                              {"disk", "DiskMB"}, {"memory_max", "MemoryMaxMB"},
                              {"cores", "Cores"}}));
}

// TaskGroup.Networks[0]: {"Mode", "ReservedPorts", "DynamicPorts"}.
void read_group_networks(decode_context& ctx, object_reader& g, group_spec& out) {
  auto networks = list_of_objects(g, "Networks");
  for (std::size_t i = 1; i < networks.size(); ++i)
    ctx.problem(item_path(g.path_of("Networks"), i), networks[i]->pos,
                "only one network per group");
  if (networks.empty())
    return;
  out.has_network = true;
  object_reader n(ctx, *networks[0], item_path(g.path_of("Networks"), 0));
  std::string mode;
  if (n.get("Mode", mode) && !mode.empty())
    out.network.mode = mode;
  unique_names labels, statics;
  read_ports(n, "ReservedPorts", true, true, out.network.ports, labels, statics);
  read_ports(n, "DynamicPorts", false, true, out.network.ports, labels, statics);
  n.ignore("MBits", "deprecated by Nomad; ignored");
  for (auto key : {"Device", "CIDR", "IP", "DNS", "Hostname", "CNI"})
    n.ignore(key, not_supported);
  n.finish(unknown_field);
  check_network_mode(ctx, out.network, locator(n, {{"mode", "Mode"}}));
}

task_spec read_task(decode_context& ctx, const node& body, const std::string& group_path,
                    std::size_t index, const restart_spec& group_restart,
                    unique_names& names, const network_spec* group_net) {
  task_spec t;
  t.driver.clear();
  std::string provisional = item_path(field_path(group_path, "Tasks"), index);
  {
    object_reader peek(ctx, body, provisional);
    if (peek.has("Name"))
      peek.get("Name", t.name);
  }
  std::string path = t.name.empty() ? provisional
                                    : field_path(field_path(group_path, "task"), t.name);
  object_reader r(ctx, body, path);
  r.skip("Name");
  if (!t.name.empty())
    names.add(ctx, t.name, {path, body.pos}, "task");
  r.get("Driver", t.driver);
  r.get("User", t.user);
  r.get("Env", t.env);
  r.get("Meta", t.meta);
  get_nanos(r, "KillTimeout", t.kill_timeout_ms);
  if (r.get("KillSignal", t.kill_signal) && !normalize_signal(t.kill_signal).empty())
    t.kill_signal = normalize_signal(t.kill_signal);
  if (const node* logs = r.block("LogConfig")) {
    object_reader l(ctx, *logs, r.path_of("LogConfig"));
    l.get("MaxFiles", t.logs.max_files);
    l.get("MaxFileSizeMB", t.logs.max_file_size_mb);
    l.ignore("Disabled", not_supported);
    l.finish(unknown_field);
    check_logs(ctx, t.logs,
               locator(l, {{"max_files", "MaxFiles"}, {"max_file_size", "MaxFileSizeMB"}}));
  }
  if (const node* res = r.block("Resources"))
    read_resources(ctx, *res, r.path_of("Resources"), t.resources);
  t.restart = group_restart;
  if (const node* restart = r.block("RestartPolicy")) {
    t.has_restart = true;
    read_restart(ctx, *restart, r.path_of("RestartPolicy"), t.restart);
  }
  auto artifacts = list_of_objects(r, "Artifacts");
  for (std::size_t i = 0; i < artifacts.size(); ++i) {
    object_reader a(ctx, *artifacts[i], item_path(r.path_of("Artifacts"), i));
    artifact_spec art;
    art.destination = "local/";
    a.get("GetterSource", art.source);
    a.get("RelativeDest", art.destination);
    a.ignore("GetterOptions", "artifact options are not supported by stevedore; ignored");
    a.ignore("GetterHeaders", not_supported);
    a.ignore("GetterMode", not_supported);
    a.ignore("GetterInsecure", not_supported);
    a.finish(unknown_field);
    check_artifact(ctx, art,
                   locator(a, {{"source", "GetterSource"}, {"destination", "RelativeDest"}}));
    t.artifacts.push_back(std::move(art));
  }
  t.constraints = read_constraints(r);

  static const node no_config{};
  const node* config = nullptr;
  std::string config_path = field_path(path, "config");
  if (t.driver.empty() || t.driver == "docker") {
    config = r.block("Config");
    if (config)
      t.config = decode_docker_config(ctx, *config, config_path);
    else if (t.driver == "docker")
      ctx.problem(r.path_of("Config"), body.pos,
                  "required: the docker driver needs at least {\"image\": \"...\"}");
  } else {
    r.skip("Config");
  }
  for (auto key : {"Services", "Vault", "Templates", "DispatchPayload", "Leader",
                   "ShutdownDelay", "Affinities", "Lifecycle", "CSIPluginConfig",
                   "VolumeMounts", "ScalingPolicies", "Kind", "Identity", "Identities",
                   "Consul", "Actions", "Schedule"})
    r.ignore(key, not_supported);
  r.finish(unknown_field);

  object_reader cr(ctx, config ? *config : no_config, config_path);
  auto task_loc = [&](std::string_view key) -> field_ref {
    if (key == "name")
      return t.name.empty() ? r.at("Name") : field_ref{path, body.pos};
    static const std::pair<std::string_view, std::string_view> names[] = {
      {"driver", "Driver"}, {"kill_timeout", "KillTimeout"}, {"kill_signal", "KillSignal"}};
    for (const auto& [from, to] : names)
      if (from == key)
        return r.at(to);
    return r.at(key);
  };
  check_task(ctx, t, task_loc, locator(cr));
  check_task_ports(ctx, t, group_net, locator(cr));
  return t;
}

group_spec read_group(decode_context& ctx, const node& body, const std::string& job_path,
                      std::size_t index, const std::string& job_type, unique_names& names) {
  group_spec g;
  std::string provisional = item_path(field_path(job_path, "TaskGroups"), index);
  {
    object_reader peek(ctx, body, provisional);
    if (peek.has("Name"))
      peek.get("Name", g.name);
  }
  std::string path =
    g.name.empty() ? provisional : field_path(field_path(job_path, "group"), g.name);
  object_reader r(ctx, body, path);
  r.skip("Name");
  if (!g.name.empty())
    names.add(ctx, g.name, {path, body.pos}, "group");
  r.get("Count", g.count);
  g.restart = default_restart(job_type);
  if (const node* restart = r.block("RestartPolicy"))
    read_restart(ctx, *restart, r.path_of("RestartPolicy"), g.restart);
  r.get("Meta", g.meta);
  g.constraints = read_constraints(r);
  read_group_networks(ctx, r, g);
  unique_names task_names;
  auto tasks = list_of_objects(r, "Tasks");
  for (std::size_t i = 0; i < tasks.size(); ++i)
    g.tasks.push_back(read_task(ctx, *tasks[i], path, i, g.restart, task_names,
                                g.has_network ? &g.network : nullptr));
  for (auto key : {"EphemeralDisk", "Update", "Migrate", "ReschedulePolicy", "Affinities",
                   "Spreads", "Services", "Volumes", "ShutdownDelay",
                   "StopAfterClientDisconnect", "MaxClientDisconnect", "Scaling", "Consul",
                   "Disconnect", "PreventRescheduleOnLost"})
    r.ignore(key, not_supported);
  r.finish(unknown_field);
  check_group(ctx, g, locator(r, {{"name", "Name"}, {"count", "Count"}, {"task", "Tasks"}}));
  return g;
}

job_spec read_job_object(decode_context& ctx, const node& body) {
  job_spec job;
  std::string id, name;
  {
    object_reader peek(ctx, body, "job");
    if (peek.has("ID"))
      peek.get("ID", id);
    if (peek.has("Name"))
      peek.get("Name", name);
  }
  job.name = id.empty() ? name : id;
  std::string path = job.name.empty() ? "job" : field_path("job", job.name);
  object_reader r(ctx, body, path);
  r.skip("ID");
  r.skip("Name");
  r.get("Type", job.type);
  r.get("Region", job.region);
  r.get("Datacenters", job.datacenters);
  r.get("Priority", job.priority);
  r.get("Meta", job.meta);
  job.constraints = read_constraints(r);
  unique_names names;
  auto groups = list_of_objects(r, "TaskGroups");
  for (std::size_t i = 0; i < groups.size(); ++i)
    job.groups.push_back(read_group(ctx, *groups[i], path, i, job.type, names));
  // Features, warned about when set.
  for (auto key : {"Stop", "AllAtOnce", "Update", "Periodic", "ParameterizedJob", "Payload",
                   "VaultToken", "Namespace", "Spreads", "Affinities", "Reschedule", "Migrate",
                   "Multiregion", "ConsulToken", "VaultNamespace", "ConsulNamespace", "NodePool",
                   "UI"})
    r.ignore(key, not_supported);
  // Nomad's own bookkeeping.
  for (auto key : {"ParentID", "Dispatched", "DispatchIdempotencyToken", "Status",
                   "StatusDescription", "Stable", "Version", "VersionTag", "SubmitTime",
                   "CreateIndex", "ModifyIndex", "JobModifyIndex", "NomadTokenID"})
    r.skip(key);
  r.finish(unknown_field);
  auto loc = [&](std::string_view key) -> field_ref {
    if (key == "id")
      return r.at("ID");
    static const std::pair<std::string_view, std::string_view> names[] = {
      {"type", "Type"}, {"priority", "Priority"}, {"group", "TaskGroups"}};
    for (const auto& [from, to] : names)
      if (from == key)
        return r.at(to);
    return r.at(key);
  };
  check_job_shape(ctx, job, loc);
  return job;
}

} // namespace

job_spec decode_job_api(decode_context& ctx, const node& root) {
  if (root.type != node::kind::object) {
    ctx.problem("", root.pos, std::string("expected a JSON job object, got ") + describe_value(root));
    return {};
  }
  bool wrapped = false;
  for (const auto& [key, value] : root.fields)
    wrapped = wrapped || key == "Job";
  if (!wrapped)
    return read_job_object(ctx, root);
  // The body of a job registration: {"Job": {...}} and its request options.
  object_reader r(ctx, root, "");
  const node* job = r.one("Job");
  for (auto key : {"EnforceIndex", "JobModifyIndex", "PolicyOverride", "PreserveCounts",
                   "EvalPriority", "Region", "Namespace", "SecretID", "Submission"})
    r.skip(key);
  r.finish(unknown_field);
  if (!job) {
    ctx.problem("Job", root.pos, "expected a job object, got null");
    return {};
  }
  if (job->type != node::kind::object) {
    ctx.problem("Job", job->pos, std::string("expected a job object, got ") + describe_value(*job));
    return {};
  }
  return read_job_object(ctx, *job);
}

} // namespace stevedore::policy
