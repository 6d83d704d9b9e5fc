// A scripted fake HTTP server for tests of the transport and of the Engine
// API client: it listens on a Unix socket in a fresh temp dir, or on
// 127.0.0.1:<free port> (plain or TLS), and each accepted connection plays a
// script (read a request, write raw bytes, pause, wait for the test, close,
// reset...) on its own thread. Every request read is recorded for assertions.
//
//   auto server = fake_server::unix_socket();
//   server->play(script().expect_request().answer(200, R"({"ok":true})"));
//   auto t = docker::transport::make(server->where());
//   ...
//   EXPECT_EQ(server->requests().at(0).target, "/_ping");
//
// Connections take the scripts given to play() in order of acceptance; later
// ones play the script given to play_always() (by default they are closed at
// once). When its steps run out a connection is closed. Nothing here sleeps
// to synchronise: use gates and the wait_* functions, which are all bounded.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "docker/transport.hpp"

namespace stevedore::testing {

using docker::header_list;
using namespace std::chrono_literals;

struct captured_request {
  std::size_t connection = 0;   // index of the accepted connection it came on (0-based)
  std::string method;
  std::string target;
  header_list headers;
  std::string body;             // the first capture_limit bytes of the body
  std::size_t body_size = 0;    // every body byte received (chunked bodies decoded)
  std::uint64_t body_hash = 0;  // fnv1a() of every body byte
  static constexpr std::size_t capture_limit = 1u << 20;

  // The value of header `name` (any case), "" when absent.
  std::string header(std::string_view name) const;
};

// FNV-1a, to compare a large body with what was sent without keeping it.
std::uint64_t fnv1a(std::string_view bytes, std::uint64_t h = 14695981039346656037ull);

// A one-shot latch: a script waits at it until the test opens it (or 10 s
// pass, or the server stops).
class gate {
public:
  gate();
  ~gate();
  void open();
  bool is_open() const;
  bool wait(std::chrono::milliseconds limit);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// Answers in wire form, for script::write() and script::serve().
std::string http_answer(int status, std::string_view body, const header_list& headers = {},
                        bool keep_alive = true);
std::string chunked_head(int status, const header_list& headers = {});
std::string chunk(std::string_view data);
std::string last_chunk();

// What one connection plays, step by step.
class script {
public:
  using responder = std::function<std::string(const captured_request&)>;

  script();
  ~script();
  script(const script&);
  script& operator=(const script&);
  script(script&&) noexcept;
  script& operator=(script&&) noexcept;

  script& expect_request();                   // read one whole request and record it
  script& write(std::string bytes);           // raw bytes, as given
  script& answer(int status, std::string body = "", header_list headers = {}); // Content-Length answer, keep-alive
  script& pause(std::chrono::milliseconds d); // pacing only, never synchronisation
  script& wait_for(std::shared_ptr<gate> g);  // until the test opens `g`
  script& hold();                             // say nothing until the client closes (or stop())
  script& close();                            // orderly close (FIN)
  script& reset();                            // abortive close (RST)
  script& serve(responder r);                 // read a request, write r(request); again until the client closes

  struct step {
    enum class kind { expect_request, write, pause, wait_for, hold, close, reset, serve };
    kind what;
    std::string bytes;
    std::chrono::milliseconds duration{0};
    std::shared_ptr<gate> g;
    responder respond;
  };
  const std::vector<step>& steps() const noexcept { return steps_; }

private:
  std::vector<step> steps_;
};

class fake_server {
public:
  struct tls_files {
    std::string cert;      // the server's certificate (PEM)
    std::string key;       // its key
    std::string client_ca; // CA that client certificates must chain to
  };

  static std::unique_ptr<fake_server> unix_socket();
  static std::unique_ptr<fake_server> tcp();
  static std::unique_ptr<fake_server> tls(tls_files files);
  ~fake_server(); // stop()

  void play(script s);
  void play_always(script s);

  // unix:///<tmp>/docker.sock or tcp://127.0.0.1:<port> (kind tls for a TLS
  // server; the client's certificate files are the test's to fill in).
  docker::endpoint where() const;

  std::size_t accepted() const;
  std::size_t finished() const; // connections whose script has ended
  std::vector<captured_request> requests() const;
  // Script steps that went wrong ("connection 0: expect_request: end of stream").
  std::vector<std::string> problems() const;

  bool wait_accepted(std::size_t n, std::chrono::milliseconds limit = 5s) const;
  bool wait_requests(std::size_t n, std::chrono::milliseconds limit = 5s) const;
  bool wait_finished(std::size_t n, std::chrono::milliseconds limit = 5s) const;

  // Stops accepting, wakes every connection (holds, pauses, gates) and joins
  // the threads. Idempotent.
  void stop();

  struct impl;

private:
  explicit fake_server(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace stevedore::testing
