#include "actors/log_rotation.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace stevedore {

namespace {

namespace fs = std::filesystem;

error_info io_error(const std::string& what, int err) {
  return make_error(errc::internal, what, std::strerror(err));
}

} // namespace

std::string log_base_name(const std::string& task_name, bool stderr_stream) {
  return task_name + (stderr_stream ? ".stderr" : ".stdout");
}

std::string log_file_name(const std::string& base_name, std::int64_t index) {
  return base_name + "." + std::to_string(index);
}

std::int64_t log_file_index(const std::string& base_name, std::string_view file_name) {
  if (file_name.size() <= base_name.size() + 1 || file_name.compare(0, base_name.size(), base_name) != 0 ||
      file_name[base_name.size()] != '.')
    return -1;
  auto digits = file_name.substr(base_name.size() + 1);
  if (digits.size() > 18)
    return -1;
  std::int64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9')
      return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

rotating_file::rotating_file(rotation_config cfg) : cfg_(std::move(cfg)) {
  if (cfg_.max_files < 1)
    cfg_.max_files = 1;
  if (cfg_.max_file_size < 1)
    cfg_.max_file_size = 1;
}

rotating_file::~rotating_file() {
  close();
}

std::string rotating_file::path() const {
  return (fs::path(cfg_.dir) / log_file_name(cfg_.base_name, index_)).string();
}

result<std::vector<std::string>> rotating_file::list_folder(const std::string& dir) {
  std::error_code ec;
  // The folder is normally there (the task dir was laid out before the
  // container ran): made only when listing it says it is missing, which
  // spares create_directories' stat of every component per file.
  fs::directory_iterator first(dir, ec);
  if (ec == std::errc::no_such_file_or_directory) {
    ec.clear();
    fs::create_directories(dir, ec);
    if (!ec)
      first = fs::directory_iterator(dir, ec);
  }
  std::vector<std::string> names;
  for (fs::directory_iterator it = std::move(first), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec))
      names.push_back(it->path().filename().string());
  if (ec)
    return make_error(errc::internal, "log folder " + dir, ec.message());
  return names;
}

result<unit> rotating_file::open() {
  if (opened_)
    return open({});
  auto listing = list_folder(cfg_.dir);
  if (!listing)
    return std::move(listing).error();
  return open(*listing);
}

result<unit> rotating_file::open(const std::vector<std::string>& listing) {
  if (opened_ && fd_ >= 0)
    return unit{};
  if (opened_) // released: the same file again
    return open_index(index_);
  const std::int64_t keep = cfg_.resume_index;
  if (keep >= 0) {
    if (auto r = cut_back(listing); !r)
      return r;
  }
  indexes_.clear();
  std::int64_t highest = 0;
  for (const auto& name : listing) {
    auto n = log_file_index(cfg_.base_name, name);
    if (n < 0 || (keep >= 0 && n > keep))
      continue; // cut_back deleted it
    indexes_.insert(n);
    highest = std::max(highest, n);
  }
  if (auto r = open_index(highest); !r)
    return r;
  opened_ = true;
  purge();
  return unit{};
}

// Once, at the first open: back to the place the config names.
result<unit> rotating_file::cut_back(const std::vector<std::string>& listing) {
  const auto keep = cfg_.resume_index;
  cfg_.resume_index = -1;
  for (const auto& name : listing) {
    auto n = log_file_index(cfg_.base_name, name);
    if (n <= keep)
      continue;
    auto p = (fs::path(cfg_.dir) / name).string();
    if (::unlink(p.c_str()) != 0 && errno != ENOENT)
      return io_error("remove log file " + p + " written past the resume point", errno);
  }
  auto p = (fs::path(cfg_.dir) / log_file_name(cfg_.base_name, keep)).string();
  struct stat st {};
  if (::stat(p.c_str(), &st) == 0 && st.st_size > cfg_.resume_size && cfg_.resume_size >= 0 &&
      ::truncate(p.c_str(), cfg_.resume_size) != 0)
    return io_error("cut log file " + p + " back to the resume point", errno);
  return unit{};
}

result<unit> rotating_file::open_index(std::int64_t index) {
  index_ = index;
  auto p = path();
  // Not for other local users: a task's output can hold anything.
  int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0)
    return io_error("open log file " + p, errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return io_error("stat log file " + p, err);
  }
  fd_ = fd;
  size_ = st.st_size;
  indexes_.insert(index);
  return unit{};
}

void rotating_file::close() {
  release();
  opened_ = false;
}

void rotating_file::release() {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = -1;
}

result<unit> rotating_file::rotate() {
  ::close(fd_);
  fd_ = -1;
  // As Nomad: an existing next file that is already full is skipped.
  auto next = index_ + 1;
  for (;; ++next) {
    struct stat st {};
    auto p = (fs::path(cfg_.dir) / log_file_name(cfg_.base_name, next)).string();
    if (::stat(p.c_str(), &st) != 0 || (S_ISREG(st.st_mode) && st.st_size < cfg_.max_file_size))
      break;
  }
  if (auto r = open_index(next); !r) {
    opened_ = false;
    return r;
  }
  ++rotations_;
  purge();
  return unit{};
}

void rotating_file::purge() {
  while (static_cast<std::int64_t>(indexes_.size()) > cfg_.max_files) {
    auto oldest = *indexes_.begin();
    indexes_.erase(indexes_.begin());
    auto p = fs::path(cfg_.dir) / log_file_name(cfg_.base_name, oldest);
    ::unlink(p.c_str()); // already gone is as good as deleted
  }
}

result<unit> rotating_file::append(std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return io_error("write log file " + path(), errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
    size_ += n;
  }
  return unit{};
}

result<unit> rotating_file::write(std::string_view rest) {
  if (auto r = open(); !r)
    return r;
  const auto max = static_cast<std::size_t>(cfg_.max_file_size);
  while (!rest.empty()) {
    if (size_ >= cfg_.max_file_size) {
      if (auto r = rotate(); !r)
        return r;
    }
    auto space = max - static_cast<std::size_t>(size_);
    if (rest.size() <= space)
      return append(rest);
    // It does not all fit: end this file after its last whole line.
    auto nl = rest.substr(0, space).rfind('\n');
    if (nl != std::string_view::npos) {
      if (auto r = append(rest.substr(0, nl + 1)); !r)
        return r;
      rest.remove_prefix(nl + 1);
      if (auto r = rotate(); !r)
        return r;
      continue;
    }
    // The first line is longer than the room left: a fresh file takes it
    // whole when it can, else it is split at the size limit.
    auto first_nl = rest.find('\n');
    auto line = first_nl == std::string_view::npos ? rest.size() : first_nl + 1;
    if (size_ > 0 && line <= max) {
      if (auto r = rotate(); !r)
        return r;
      continue;
    }
    if (auto r = append(rest.substr(0, space)); !r)
      return r;
    rest.remove_prefix(space);
  }
  return unit{};
}

} // namespace stevedore
