// The test environment as integration tests see it: tools/testenv.sh writes a
// KEY=VALUE file, and STEVEDORE_TESTENV names it (ctest sets it for every test;
// the docker_env fixture brings the environment up). A missing variable, file
// or key is an error, never a reason to skip: an integration test that cannot
// find its daemon must fail loudly.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "messages/result.hpp"

namespace stevedore::testenv {

// One field per key of the env file (README.md, "Test environment").
struct environment {
  std::string docker_host;       // STEVEDORE_DOCKER_HOST: unix:///.../docker.sock
  std::string docker_socket;     // STEVEDORE_DOCKER_SOCKET: the socket's path
  std::string docker_tls_host;   // STEVEDORE_DOCKER_TLS_HOST: tcp://127.0.0.1:PORT (mutual TLS)
  std::string docker_cert_path;  // STEVEDORE_DOCKER_CERT_PATH: folder with ca.pem cert.pem key.pem
  std::string registry;          // STEVEDORE_REGISTRY: 127.0.0.1:PORT (plain HTTP, basic auth)
  std::string registry_user;     // STEVEDORE_REGISTRY_USER
  std::string registry_password; // STEVEDORE_REGISTRY_PASSWORD: never print it
  std::string registry_log;      // STEVEDORE_REGISTRY_LOG: the registry's log (access lines)
  std::string image;             // STEVEDORE_IMAGE: stevedore-test/busybox:1, present in the daemon
  std::string image_full;        // STEVEDORE_IMAGE_FULL: stevedore-test/full:1 (entrypoint, stop signal...)
  std::string registry_image;    // STEVEDORE_REGISTRY_IMAGE: REG/stevedore/busybox (tags 1, 2, latest)
  std::string image_tar;         // STEVEDORE_IMAGE_TAR: a `docker save` tar file
  std::string image_tar_ref;     // STEVEDORE_IMAGE_TAR_REF: its tag, not loaded in the daemon
  std::string dir;               // STEVEDORE_TESTENV_DIR: the state dir
};

// Every key the file must carry, in the order testenv.sh writes them.
const std::vector<std::string>& required_keys();

// Parses env-file text; `source` names it in errors. Blank lines and lines
// starting with '#' are ignored; a value is everything after the first '='.
result<environment> parse(const std::string& text, const std::string& source);

// Reads and parses the file at `path`.
result<environment> load_file(const std::string& path);

// Reads the file named by $STEVEDORE_TESTENV.
result<environment> load();

// How many times the registry was asked for the manifest `repo:reference`
// (e.g. "stevedore/busybox", "1"): HEAD and GET access-log lines. A pull by
// tag asks once by tag (then by digest), so the difference of two counts
// taken around a step is the number of pulls it made.
std::size_t manifest_requests(const environment& env, const std::string& repo,
                              const std::string& reference);

} // namespace stevedore::testenv
