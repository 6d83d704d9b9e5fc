#include "tools/stress/system_usage.hpp"

#include <cctype>
#include <charconv>
#include <dirent.h>
#include <fstream>
#include <malloc.h>
#include <sstream>
#include <sys/resource.h>
#include <unistd.h>

namespace stevedore::stress {

namespace {

std::optional<std::string> read_small_file(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::optional<std::int64_t> leading_number(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t'))
    ++i;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data() + i, s.data() + s.size(), v);
  if (ec != std::errc{} || end == s.data() + i)
    return std::nullopt;
  return v;
}

} // namespace

std::int64_t process_cpu_us() {
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) != 0)
    return 0;
  auto us = [](const timeval& tv) { return std::int64_t(tv.tv_sec) * 1000000 + tv.tv_usec; };
  return us(ru.ru_utime) + us(ru.ru_stime);
}

std::optional<std::int64_t> status_field(std::string_view text, std::string_view key) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto eol = text.find('\n', pos);
    auto line = text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ':')
      return leading_number(line.substr(key.size() + 1));
    if (eol == std::string_view::npos)
      break;
    pos = eol + 1;
  }
  return std::nullopt;
}

std::optional<std::int64_t> stat_parent(std::string_view text) {
  auto close = text.rfind(')');
  if (close == std::string_view::npos)
    return std::nullopt;
  // After ") ": state, then ppid.
  auto rest = text.substr(close + 1);
  std::size_t i = 0;
  while (i < rest.size() && rest[i] == ' ')
    ++i;
  while (i < rest.size() && rest[i] != ' ')
    ++i; // the state letter
  return leading_number(rest.substr(i));
}

memory_now read_memory() {
  memory_now m;
  auto text = read_small_file("/proc/self/status");
  if (!text)
    return m;
  m.rss_kb = status_field(*text, "VmRSS").value_or(0);
  m.peak_kb = status_field(*text, "VmHWM").value_or(0);
  m.threads = status_field(*text, "Threads").value_or(0);
  return m;
}

bool reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  if (!out)
    return false;
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

// gperftools' C entry point, present when the program is linked with
// tcmalloc (the stevedore program is, see CMakeLists.txt STEVEDORE_MALLOC):
// weak, so this library links without it.
extern "C" void MallocExtension_ReleaseFreeMemory() __attribute__((weak));

void release_free_memory() {
  if (MallocExtension_ReleaseFreeMemory)
    MallocExtension_ReleaseFreeMemory(); // tcmalloc keeps freed pages otherwise
  else
    malloc_trim(0);
}

std::int64_t child_process_count() {
  DIR* dir = opendir("/proc");
  if (!dir)
    return 0;
  auto self = static_cast<std::int64_t>(getpid());
  std::int64_t n = 0;
  while (auto* e = readdir(dir)) {
    if (!std::isdigit(static_cast<unsigned char>(e->d_name[0])))
      continue;
    auto text = read_small_file(std::string("/proc/") + e->d_name + "/stat");
    if (text && stat_parent(*text) == self)
      ++n;
  }
  closedir(dir);
  return n;
}

} // namespace stevedore::stress
