#include "policy/volumes.hpp"

#include <filesystem>
#include <map>
#include <set>

#include "policy/interpolate.hpp"

namespace stevedore::policy {

namespace fs = std::filesystem;

namespace {

const std::set<std::string_view>& mode_tokens() {
  static const std::set<std::string_view> tokens = {
    "ro", "rw", "z", "Z", "shared", "rshared", "slave", "rslave", "private", "rprivate",
    "nocopy", "consistent", "cached", "delegated"};
  return tokens;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    auto at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos)
      return out;
    start = at + 1;
  }
}

bool has_selinux_token(std::string_view mode) {
  for (auto t : split(mode, ','))
    if (t == "z" || t == "Z")
      return true;
  return false;
}

// "ro" + "z" -> "ro,z"; "" + "z" -> "z"; a mode that already relabels keeps its own.
std::string with_label(const std::string& mode, const std::string& label) {
  if (label.empty() || has_selinux_token(mode))
    return mode;
  return mode.empty() ? label : mode + "," + label;
}

std::string bind_string(const std::string& source, const std::string& target,
                        const std::string& mode) {
  return mode.empty() ? source + ":" + target : source + ":" + target + ":" + mode;
}

// Container paths seen so far, to reject a second mount on the same one.
class target_set {
public:
  target_set(const std::string& path, std::vector<error_info>& problems)
    : path_(path), problems_(problems) {
    for (const char* implicit : {"/alloc", "/local", "/secrets"})
      seen_.emplace(implicit, "the task's own folders");
  }

  void add(const std::string& target, const std::string& field) {
    if (target.empty() || target.front() != '/') {
      problems_.push_back(make_error(errc::invalid_input, path_ + "." + field,
                                     "container path \"" + target + "\" must be absolute"));
      return;
    }
    auto clean = clean_container_path(target);
    auto [at, fresh] = seen_.emplace(clean, path_ + "." + field);
    if (!fresh)
      problems_.push_back(make_error(errc::invalid_input, path_ + "." + field,
                                     "container path " + clean + " is already mounted by "
                                       + at->second));
  }

private:
  const std::string& path_;
  std::vector<error_info>& problems_;
  std::map<std::string, std::string> seen_; // clean target -> who mounts it
};

void check_host_source(std::string_view source, source_kind kind, const client_config& client,
                       const std::string& what, std::vector<error_info>& problems) {
  switch (kind) {
    case source_kind::host_path:
      if (!client.volumes_enabled)
        problems.push_back(make_error(errc::not_permitted, what,
                                      "docker.volumes.enabled is false on this node: cannot bind host path "
                                        + std::string(source)));
      break;
    case source_kind::named_volume:
      if (!client.volumes_enabled)
        problems.push_back(make_error(errc::not_permitted, what,
                                      "docker.volumes.enabled is false on this node: cannot use volume "
                                        + std::string(source)));
      if (source.find('/') != std::string_view::npos)
        problems.push_back(make_error(errc::invalid_input, what,
                                      "volume name \"" + std::string(source)
                                        + "\" cannot contain '/'"));
      break;
    case source_kind::task_relative:
      if (!stays_inside(source))
        problems.push_back(make_error(errc::not_permitted, what,
                                      "relative path " + std::string(source)
                                        + " leaves the task directory"));
      break;
  }
}

void check_mount(const mount_config& m, const client_config& client, const std::string& what,
                 std::vector<error_info>& problems) {
  if (m.type == "volume") {
    if (!client.volumes_enabled)
      problems.push_back(make_error(errc::not_permitted, what,
                                    "docker.volumes.enabled is false on this node: cannot mount volume "
                                      + (m.source.empty() ? std::string("(anonymous)") : m.source)));
  } else if (m.type == "bind") {
    if (m.source.empty())
      problems.push_back(make_error(errc::invalid_input, what + ".source",
                                    "a bind mount needs a source"));
    else
      check_host_source(m.source, classify_source(m.source, false), client, what + ".source",
                        problems);
  } else if (m.type != "tmpfs") {
    problems.push_back(make_error(errc::invalid_input, what + ".type",
                                  "unknown mount type \"" + m.type
                                    + "\" (volume, bind or tmpfs)"));
  }
}

} // namespace

result<volume_entry> parse_volume(std::string_view spec) {
  auto parts = split(spec, ':');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty())
    return make_error(errc::invalid_input, std::string(spec),
                      "expected \"host_path:container_path\" or \"host_path:container_path:mode\"");
  volume_entry v{std::string(parts[0]), std::string(parts[1]), ""};
  if (parts.size() == 3) {
    v.mode = std::string(parts[2]);
    for (auto token : split(parts[2], ','))
      if (mode_tokens().count(token) == 0)
        return make_error(errc::invalid_input, std::string(spec),
                          "unknown volume mode \"" + std::string(token) + "\"");
  }
  return v;
}

source_kind classify_source(std::string_view source, bool has_volume_driver) {
  if (!source.empty() && source.front() == '/')
    return source_kind::host_path;
  return has_volume_driver ? source_kind::named_volume : source_kind::task_relative;
}

bool stays_inside(std::string_view relative) {
  int depth = 0;
  for (auto part : split(relative, '/')) {
    if (part.empty() || part == ".")
      continue;
    depth += part == ".." ? -1 : 1;
    if (depth < 0)
      return false;
  }
  return true;
}

std::string clean_container_path(std::string_view path) {
  auto clean = fs::path(std::string(path)).lexically_normal().string();
  while (clean.size() > 1 && clean.back() == '/')
    clean.pop_back();
  return clean;
}

result<std::string> resolve_in_task_dir(const std::string& task_dir, const std::string& relative) {
  std::error_code ec;
  auto root = fs::weakly_canonical(fs::path(task_dir), ec);
  if (ec)
    return make_error(errc::internal, task_dir, "cannot resolve the task directory: " + ec.message());
  auto full = fs::weakly_canonical(root / relative, ec);
  if (ec)
    return make_error(errc::not_permitted, relative, "cannot resolve: " + ec.message());
  auto inside = full.lexically_relative(root);
  if (inside.empty() || *inside.begin() == "..")
    return make_error(errc::not_permitted, relative,
                      "resolves to " + full.string() + ", outside the task directory");
  return full.lexically_normal().string();
}

void check_volumes(const docker_config& c, const client_config& client, const std::string& path,
                   std::vector<error_info>& problems, bool defer_references) {
  bool has_driver = !c.volume_driver.empty();
  if (has_driver && !client.volumes_enabled)
    problems.push_back(make_error(errc::not_permitted, path + ".volume_driver",
                                  "docker.volumes.enabled is false on this node: cannot use volume driver "
                                    + c.volume_driver));
  target_set targets(path, problems);
  for (size_t i = 0; i < c.volumes.size(); ++i) {
    auto field = "volumes[" + std::to_string(i) + "]";
    if (defer_references && has_reference(c.volumes[i]))
      continue;
    auto v = parse_volume(c.volumes[i]);
    if (!v) {
      problems.push_back(make_error(errc::invalid_input, path + "." + field,
                                    quote_value(c.volumes[i]) + ": " + v.error().message));
      continue;
    }
    check_host_source(v->source, classify_source(v->source, has_driver), client,
                      path + "." + field, problems);
    targets.add(v->target, field);
  }
  for (size_t i = 0; i < c.mounts.size(); ++i) {
    auto field = "mounts[" + std::to_string(i) + "]";
    const auto& m = c.mounts[i];
    if (defer_references && (has_reference(m.source) || has_reference(m.target)))
      continue;
    check_mount(c.mounts[i], client, path + "." + field, problems);
    targets.add(c.mounts[i].target, field + ".target");
  }
}

volume_plan plan_volumes(const task_instance& inst, const client_config& client,
                         const path_resolver& resolve, const std::string& path,
                         std::vector<error_info>& problems) {
  const auto& c = inst.task->config;
  const auto& label = client.volumes_selinuxlabel;
  volume_plan out;
  out.binds.push_back(bind_string(inst.shared_dir(), "/alloc", with_label("", label)));
  out.binds.push_back(bind_string(inst.local_dir(), "/local", with_label("", label)));
  out.binds.push_back(bind_string(inst.secrets_dir(), "/secrets", with_label("", label)));

  // Resolves a task-relative source, or reports and returns empty.
  auto resolved = [&](const std::string& source, const std::string& what) -> std::string {
    auto r = resolve(inst.task_dir(), source);
    if (r)
      return *r;
    problems.push_back(make_error(errc::not_permitted, what,
                                  "relative path " + source + ": " + r.error().message));
    return {};
  };

  bool has_driver = !c.volume_driver.empty();
  for (size_t i = 0; i < c.volumes.size(); ++i) {
    auto v = parse_volume(c.volumes[i]);
    if (!v)
      continue; // check_volumes reports it
    auto source = v->source;
    if (classify_source(source, has_driver) == source_kind::task_relative) {
      source = resolved(source, path + ".volumes[" + std::to_string(i) + "]");
      if (source.empty())
        continue;
    }
    out.binds.push_back(bind_string(source, v->target, with_label(v->mode, label)));
  }
  for (size_t i = 0; i < c.mounts.size(); ++i) {
    auto m = c.mounts[i];
    if (m.type == "bind" && !m.source.empty()
        && classify_source(m.source, false) == source_kind::task_relative) {
      m.source = resolved(m.source, path + ".mounts[" + std::to_string(i) + "].source");
      if (m.source.empty())
        continue;
    }
    out.mounts.push_back(std::move(m));
  }
  return out;
}

} // namespace stevedore::policy
