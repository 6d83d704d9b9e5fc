// An exec attached both ways: POST /exec/{id}/start taken over ("hijacked",
// Connection: Upgrade, Upgrade: tcp) as the docker CLI does for `docker exec
// -i`, so that the command's stdin can be written while its output is read,
// and POST /exec/{id}/resize for its TTY's size. The pooled transport serves
// request/answer calls and one-way streams only; an attached exec keeps its
// own connection (unix or tcp; TLS endpoints are refused) on its own I/O
// thread, for as long as the command runs.
//
// Create the exec first (client::exec_create with attach_stdin, and tty as
// wanted), then open the stream; once it ends, client::exec_inspect tells the
// exit code. This header keeps Asio/Beast out of its includers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "docker/client.hpp"
#include "docker/transport.hpp"
#include "messages/result.hpp"

namespace stevedore::docker {

class exec_stream {
public:
  // Starts the exec `exec_id` (made with `tty` as given) on a connection of
  // its own to `ep`, with API `version` ("1.41"). on_output gets the output
  // in order (raw for a TTY, else stdout and stderr apart), and `end` runs
  // once: ok when the command closed its output, else the error naming the
  // step (connect, start, read). Both run on the stream's I/O thread.
  static std::shared_ptr<exec_stream> open(const endpoint& ep, std::string version,
                                           std::string exec_id, bool tty, output_fn on_output,
                                           callback<unit> end);
  virtual ~exec_stream() = default;
  // Bytes for the command's stdin, written in order (any thread).
  virtual void write(std::string bytes) = 0;
  // The command's stdin ends once what was written is sent (any thread).
  virtual void close_input() = 0;
  // The TTY's size (rows, columns), sent on a connection of its own (any
  // thread). Best effort, as in the docker CLI: a failed resize is dropped
  // (the command may have ended meanwhile) and the next one tries again.
  virtual void resize(int height, int width) = 0;
  // Closes the connection; `end` runs with cancelled unless it already ran.
  virtual void cancel() = 0;
};

} // namespace stevedore::docker
