#include "tests/support/testenv.hpp"

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace stevedore::testenv {

namespace {

// Key -> field, in the order testenv.sh writes them.
using field_ptr = std::string environment::*;
const std::vector<std::pair<std::string, field_ptr>>& fields() {
  static const std::vector<std::pair<std::string, field_ptr>> f = {
    {"STEVEDORE_DOCKER_HOST", &environment::docker_host},
    {"STEVEDORE_DOCKER_SOCKET", &environment::docker_socket},
    {"STEVEDORE_DOCKER_TLS_HOST", &environment::docker_tls_host},
    {"STEVEDORE_DOCKER_CERT_PATH", &environment::docker_cert_path},
    {"STEVEDORE_REGISTRY", &environment::registry},
    {"STEVEDORE_REGISTRY_USER", &environment::registry_user},
    {"STEVEDORE_REGISTRY_PASSWORD", &environment::registry_password},
    {"STEVEDORE_REGISTRY_LOG", &environment::registry_log},
    {"STEVEDORE_IMAGE", &environment::image},
    {"STEVEDORE_IMAGE_FULL", &environment::image_full},
    {"STEVEDORE_REGISTRY_IMAGE", &environment::registry_image},
    {"STEVEDORE_IMAGE_TAR", &environment::image_tar},
    {"STEVEDORE_IMAGE_TAR_REF", &environment::image_tar_ref},
    {"STEVEDORE_TESTENV_DIR", &environment::dir},
  };
  return f;
}

const char* const hint = "run tools/testenv.sh up, or let ctest's docker_env fixture do it";

} // namespace

const std::vector<std::string>& required_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    for (const auto& [key, field] : fields())
      k.push_back(key);
    return k;
  }();
  return keys;
}

result<environment> parse(const std::string& text, const std::string& source) {
  std::map<std::string, std::string> vars;
  std::istringstream in(text);
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty() || line[0] == '#')
      continue;
    auto eq = line.find('=');
    if (eq == std::string::npos || eq == 0)
      return make_error(errc::invalid_input, "test environment " + source,
                        "line " + std::to_string(line_no) + " is not KEY=VALUE");
    vars[line.substr(0, eq)] = line.substr(eq + 1);
  }
  environment env;
  std::string missing;
  for (const auto& [key, field] : fields()) {
    auto it = vars.find(key);
    if (it == vars.end() || it->second.empty())
      missing += (missing.empty() ? "" : " ") + key;
    else
      env.*field = it->second;
  }
  if (!missing.empty())
    return make_error(errc::invalid_input, "test environment " + source,
                      "missing or empty: " + missing + " (" + hint + ")");
  return env;
}

result<environment> load_file(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return make_error(errc::not_found, "test environment " + path,
                      std::string("cannot read the env file (") + hint + ")");
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

result<environment> load() {
  const char* path = std::getenv("STEVEDORE_TESTENV");
  if (path == nullptr || *path == '\0')
    return make_error(errc::not_found, "test environment",
                      std::string("STEVEDORE_TESTENV is not set; it names the env file "
                                  "that tools/testenv.sh writes (") + hint + ")");
  return load_file(path);
}

std::size_t manifest_requests(const environment& env, const std::string& repo,
                              const std::string& reference) {
  // The access log's combined-format line: ... "HEAD /v2/<repo>/manifests/<ref> HTTP/1.1" ...
  const std::string head = "\"HEAD /v2/" + repo + "/manifests/" + reference + " ";
  const std::string get = "\"GET /v2/" + repo + "/manifests/" + reference + " ";
  std::ifstream in(env.registry_log);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);)
    if (line.find(head) != std::string::npos || line.find(get) != std::string::npos)
      ++n;
  return n;
}

} // namespace stevedore::testenv
