#include "actors/task_dir.hpp"

#include <sys/stat.h>

#include <cerrno>

#include <filesystem>
#include <system_error>

namespace stevedore {

namespace fs = std::filesystem;

namespace {

error_info dir_error(const task_instance& inst, const std::string& what, const std::string& why) {
  return make_error(errc::invalid_input, "task " + inst.task->name + ": " + what, why);
}

// `path` with every symlink resolved as far as it exists; the rest appended.
fs::path resolved(const fs::path& path) {
  std::error_code ec;
  auto r = fs::weakly_canonical(path, ec);
  return ec ? path.lexically_normal() : r;
}

bool inside(const fs::path& root, const fs::path& p) {
  auto rel = p.lexically_relative(root);
  return !rel.empty() && *rel.begin() != "..";
}

// mkdir -p with the fewest calls: one mkdir per new folder, parents made only
// when the kernel says they are missing (create_directories stats every
// component first). Every task start makes nine folders.
int mkdir_p(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) == 0)
    return 0;
  int err = errno;
  if (err == EEXIST) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
  }
  auto slash = path.find_last_of('/');
  if (err != ENOENT || slash == std::string::npos || slash == 0)
    return err;
  if (int parent = mkdir_p(path.substr(0, slash)); parent != 0)
    return parent;
  if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST)
    return 0;
  return errno;
}

// mode 0: as mkdir_p makes it (0755 less the umask); else made so by chmod.
result<unit> make_dir(const task_instance& inst, const fs::path& dir, mode_t mode = 0) {
  auto path = dir.string();
  while (path.size() > 1 && path.back() == '/')
    path.pop_back();
  if (int err = mkdir_p(path); err != 0)
    return dir_error(inst, "create " + dir.string(), std::generic_category().message(err));
  if (mode != 0 && ::chmod(dir.c_str(), mode) != 0)
    return dir_error(inst, "chmod " + dir.string(), std::generic_category().message(errno));
  return unit{};
}

} // namespace

result<std::vector<std::string>> fetch_artifact(const task_instance& inst,
                                                const artifact_spec& artifact, std::size_t index) {
  const std::string what = "artifact[" + std::to_string(index) + "] " + artifact.source;
  std::string source = artifact.source;
  if (source.rfind("file://", 0) == 0)
    source.erase(0, 7);
  else if (source.find("://") != std::string::npos || source.find("::") != std::string::npos)
    return dir_error(inst, what, "only local files are supported (absolute path or file://), "
                                 "stevedore fetches nothing over the network");
  if (source.empty() || source.front() != '/')
    return dir_error(inst, what, "a local source must be an absolute path");
  std::error_code ec;
  auto status = fs::status(source, ec);
  if (ec || !fs::exists(status))
    return dir_error(inst, what, "no such file");

  const fs::path root = resolved(inst.task_dir());
  const fs::path dest_dir = resolved(root / (artifact.destination.empty() ? "local" : artifact.destination));
  if (dest_dir != root && !inside(root, dest_dir))
    return dir_error(inst, what, "destination " + artifact.destination +
                                 " escapes the task directory");
  if (auto made = make_dir(inst, dest_dir); !made)
    return std::move(made).error();

  const fs::path target = dest_dir / fs::path(source).filename();
  std::vector<std::string> fetched;
  if (fs::is_directory(status)) {
    fs::copy(source, target,
             fs::copy_options::recursive | fs::copy_options::overwrite_existing |
               fs::copy_options::copy_symlinks, ec);
    if (ec)
      return dir_error(inst, what, "copy to " + target.string() + ": " + ec.message());
    for (auto it = fs::recursive_directory_iterator(target, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      if (it->is_regular_file())
        fetched.push_back(it->path().string());
  } else {
    fs::copy_file(source, target, fs::copy_options::overwrite_existing, ec);
    if (ec)
      return dir_error(inst, what, "copy to " + target.string() + ": " + ec.message());
    fetched.push_back(target.string());
  }
  return fetched;
}

result<std::vector<std::string>> prepare_task_dir(const task_instance& inst) {
  if (inst.alloc_dir.empty() || inst.task->name.empty())
    return make_error(errc::internal, "task " + inst.task->name + ": task directory",
                      "the plan gave no allocation directory");
  const fs::path shared = inst.shared_dir();
  const fs::path task = inst.task_dir();
  struct folder { fs::path path; mode_t mode; };
  // Parents before children: each mkdir succeeds at the first try. The
  // allocation and task folders are closed to other local users (what a task
  // prints lands in alloc/logs): the folders mounted into the container keep
  // 0755 so that a task running as another user still reaches /alloc,
  // /local and /tmp, which a container sees without the host's parents.
  const folder folders[] = {
    {inst.alloc_dir, 0750}, {shared, 0},
    {shared / "logs", 0}, {shared / "tmp", 0}, {shared / "data", 0},
    {task, 0750}, {inst.local_dir(), 0}, {inst.secrets_dir(), 0700}, {task / "tmp", 0},
  };
  for (const auto& f : folders)
    if (auto made = make_dir(inst, f.path, f.mode); !made)
      return std::move(made).error();
  std::vector<std::string> fetched;
  for (std::size_t i = 0; i < inst.task->artifacts.size(); ++i) {
    auto got = fetch_artifact(inst, inst.task->artifacts[i], i);
    if (!got)
      return std::move(got).error();
    fetched.insert(fetched.end(), got->begin(), got->end());
  }
  return fetched;
}

} // namespace stevedore
