#include "docker/transport.hpp"

namespace stevedore::docker {

std::string to_string(const endpoint& ep) {
  switch (ep.kind) {
    case endpoint::scheme::unix_socket:
      return "unix://" + ep.path;
    case endpoint::scheme::tcp:
      return "tcp://" + ep.host + ":" + std::to_string(ep.port);
    case endpoint::scheme::tls:
      return "tcp://" + ep.host + ":" + std::to_string(ep.port) + " (tls)";
  }
  return "?";
}

} // namespace stevedore::docker
