// The fake daemon itself: the listening socket, the accept loop, and one
// thread per connection playing its script with blocking I/O.
#include "tests/docker/fake_server.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace stevedore::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
using socket_type = net::generic::stream_protocol::socket;

//----------------------------------------------------------------------------

namespace {

enum class server_kind { unix_socket, tcp, tls };

// One accepted connection. The fd is closed and shut down only under `m`, so
// stop() never shuts down a number the kernel already gave to someone else.
struct connection_record {
  std::size_t index = 0;
  std::mutex m;
  int fd = -1;
  std::thread thread;
};

template <class Stream>
bool read_request(Stream& s, beast::flat_buffer& buf, captured_request& out, error_code& ec) {
  http::request_parser<http::buffer_body> p;
  p.body_limit(std::numeric_limits<std::uint64_t>::max()); // boost::none breaks Content-Length in Beast 1.74
  p.header_limit(1u << 20);
  http::read_header(s, buf, p, ec);
  if (ec)
    return false;
  auto& m = p.get();
  out.method = std::string(m.method_string());
  out.target = std::string(m.target());
  for (const auto& f : m)
    out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  out.body_hash = fnv1a("");
  std::vector<char> tmp(64 * 1024);
  while (!p.is_done()) {
    m.body().data = tmp.data();
    m.body().size = tmp.size();
    http::read(s, buf, p, ec);
    if (ec == http::error::need_buffer)
      ec = {};
    if (ec)
      return false;
    std::string_view got(tmp.data(), tmp.size() - m.body().size);
    out.body_size += got.size();
    out.body_hash = fnv1a(got, out.body_hash);
    std::size_t room = captured_request::capture_limit - std::min(captured_request::capture_limit, out.body.size());
    out.body.append(got.substr(0, room));
  }
  return true;
}

bool quiet_end(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::ssl::error::stream_truncated;
}

} // namespace

struct fake_server::impl {
  server_kind kind = server_kind::tcp;
  std::filesystem::path dir;         // unix: the temp dir holding the socket
  std::string path;                  // unix: the socket
  std::uint16_t port = 0;            // tcp, tls
  int listen_fd = -1;
  int wake[2] = {-1, -1};            // written by stop() to end the accept loop
  std::optional<net::ssl::context> tls;
  net::io_context ioc;               // owns the sockets; all I/O here is blocking
  std::thread acceptor;

  mutable std::mutex m;
  mutable std::condition_variable cv;
  std::deque<script> queued;
  std::optional<script> always;
  std::vector<std::shared_ptr<connection_record>> conns;
  std::vector<captured_request> reqs;
  std::vector<std::string> probs;
  std::vector<std::shared_ptr<gate>> gates; // waited on: stop() opens them
  std::size_t accepted = 0;
  std::size_t finished = 0;
  bool stopping = false;
  bool stopped = false;

  ~impl() {
    for (int fd : {listen_fd, wake[0], wake[1]})
      if (fd >= 0)
        ::close(fd);
    if (!dir.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  }

  void problem(std::size_t conn, const std::string& text) {
    std::lock_guard<std::mutex> lock(m);
    probs.push_back("connection " + std::to_string(conn) + ": " + text);
  }

  void accept_loop() {
    for (;;) {
      pollfd p[2] = {{listen_fd, POLLIN, 0}, {wake[0], POLLIN, 0}};
      if (::poll(p, 2, -1) < 0) {
        if (errno == EINTR)
          continue;
        return;
      }
      if (p[1].revents != 0)
        return;
      int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0)
        continue;
      std::lock_guard<std::mutex> lock(m);
      if (stopping) {
        ::close(fd);
        return;
      }
      auto rec = std::make_shared<connection_record>();
      rec->index = accepted++;
      rec->fd = fd;
      script s;
      if (!queued.empty()) {
        s = std::move(queued.front());
        queued.pop_front();
      } else if (always) {
        s = *always;
      }
      conns.push_back(rec);
      rec->thread = std::thread([this, rec, s = std::move(s)] { run(*rec, s); });
      cv.notify_all();
    }
  }

  void close_connection(connection_record& rec, socket_type& sock, bool abort) {
    std::lock_guard<std::mutex> lock(rec.m);
    if (rec.fd < 0)
      return;
    error_code ignored;
    if (abort) {
      linger l{1, 0}; // close with RST
      ::setsockopt(rec.fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    } else {
      sock.shutdown(net::socket_base::shutdown_send, ignored);
    }
    sock.close(ignored);
    rec.fd = -1;
  }

  void run(connection_record& rec, const script& s) {
    int family = kind == server_kind::unix_socket ? AF_UNIX : AF_INET;
    int protocol = kind == server_kind::unix_socket ? 0 : IPPROTO_TCP;
    socket_type sock(ioc);
    error_code ec;
    {
      std::lock_guard<std::mutex> lock(rec.m);
      sock.assign(net::generic::stream_protocol(family, protocol), rec.fd, ec);
    }
    if (!ec && kind == server_kind::tls) {
      net::ssl::stream<socket_type&> stream(sock, *tls);
      stream.handshake(net::ssl::stream_base::server, ec);
      if (ec)
        problem(rec.index, "handshake: " + ec.message());
      else
        play(rec, stream, sock, s);
    } else if (!ec) {
      play(rec, sock, sock, s);
    }
    close_connection(rec, sock, false);
    {
      std::lock_guard<std::mutex> lock(m);
      ++finished;
    }
    cv.notify_all();
  }

  template <class Stream>
  void play(connection_record& rec, Stream& stream, socket_type& sock, const script& s) {
    beast::flat_buffer buf;
    error_code ec;
    for (const auto& st : s.steps()) {
      using kind_t = script::step::kind;
      switch (st.what) {
        case kind_t::expect_request: {
          captured_request req;
          req.connection = rec.index;
          if (!read_request(stream, buf, req, ec))
            return problem(rec.index, "expect_request: " + ec.message());
          record(std::move(req));
          break;
        }
        case kind_t::write:
          net::write(stream, net::buffer(st.bytes), ec);
          if (ec)
            return problem(rec.index, "write: " + ec.message());
          break;
        case kind_t::pause: {
          std::unique_lock<std::mutex> lock(m);
          cv.wait_for(lock, st.duration, [this] { return stopping; });
          break;
        }
        case kind_t::wait_for:
          {
            std::lock_guard<std::mutex> lock(m);
            gates.push_back(st.g);
            if (stopping)
              st.g->open();
          }
          if (!st.g->wait(std::chrono::seconds(10)))
            return problem(rec.index, "wait_for: the gate was not opened within 10 s");
          break;
        case kind_t::hold: {
          char sink[4096];
          while (!ec)
            stream.read_some(net::buffer(sink), ec);
          return;
        }
        case kind_t::close:
          return close_connection(rec, sock, false);
        case kind_t::reset:
          return close_connection(rec, sock, true);
        case kind_t::serve:
          for (;;) {
            captured_request req;
            req.connection = rec.index;
            if (!read_request(stream, buf, req, ec)) {
              if (!quiet_end(ec))
                problem(rec.index, "serve: " + ec.message());
              return;
            }
            std::string answer = st.respond(req);
            record(std::move(req));
            net::write(stream, net::buffer(answer), ec);
            if (ec)
              return problem(rec.index, "serve: write: " + ec.message());
          }
      }
    }
  }

  void record(captured_request req) {
    {
      std::lock_guard<std::mutex> lock(m);
      reqs.push_back(std::move(req));
    }
    cv.notify_all();
  }

  template <class Pred>
  bool wait(std::chrono::milliseconds limit, Pred pred) const {
    std::unique_lock<std::mutex> lock(m);
    return cv.wait_for(lock, limit, pred);
  }
};

//----------------------------------------------------------------------------

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("fake_server: " + what + ": " + std::strerror(errno));
}

std::unique_ptr<fake_server::impl> listening(server_kind kind) {
  auto p = std::make_unique<fake_server::impl>();
  p->kind = kind;
  if (::pipe2(p->wake, O_CLOEXEC) != 0)
    fail("pipe");
  if (kind == server_kind::unix_socket) {
    auto pattern = (std::filesystem::temp_directory_path() / "stevedore-fake-XXXXXX").string();
    if (!::mkdtemp(pattern.data()))
      fail("mkdtemp");
    p->dir = pattern;
    p->path = (p->dir / "docker.sock").string();
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (p->path.size() >= sizeof addr.sun_path)
      fail("socket path too long");
    std::memcpy(addr.sun_path, p->path.c_str(), p->path.size() + 1);
    p->listen_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (p->listen_fd < 0 || ::bind(p->listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      fail("bind " + p->path);
  } else {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    p->listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (p->listen_fd < 0 || ::bind(p->listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      fail("bind 127.0.0.1:0");
    socklen_t len = sizeof addr;
    ::getsockname(p->listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
    p->port = ntohs(addr.sin_port);
  }
  if (::listen(p->listen_fd, 512) != 0)
    fail("listen");
  return p;
}

} // namespace

fake_server::fake_server(std::unique_ptr<impl> p) : impl_(std::move(p)) {
  impl_->acceptor = std::thread([p = impl_.get()] { p->accept_loop(); });
}

fake_server::~fake_server() { stop(); }

std::unique_ptr<fake_server> fake_server::unix_socket() {
  return std::unique_ptr<fake_server>(new fake_server(listening(server_kind::unix_socket)));
}

std::unique_ptr<fake_server> fake_server::tcp() {
  return std::unique_ptr<fake_server>(new fake_server(listening(server_kind::tcp)));
}

std::unique_ptr<fake_server> fake_server::tls(tls_files files) {
  auto p = listening(server_kind::tls);
  auto& ctx = p->tls.emplace(net::ssl::context::tls_server);
  ctx.use_certificate_chain_file(files.cert);
  ctx.use_private_key_file(files.key, net::ssl::context::pem);
  ctx.load_verify_file(files.client_ca);
  ctx.set_verify_mode(net::ssl::verify_peer | net::ssl::verify_fail_if_no_peer_cert);
  return std::unique_ptr<fake_server>(new fake_server(std::move(p)));
}

void fake_server::play(script s) {
  std::lock_guard<std::mutex> lock(impl_->m);
  impl_->queued.push_back(std::move(s));
}

void fake_server::play_always(script s) {
  std::lock_guard<std::mutex> lock(impl_->m);
  impl_->always = std::move(s);
}

docker::endpoint fake_server::where() const {
  docker::endpoint ep;
  switch (impl_->kind) {
    case server_kind::unix_socket:
      ep.kind = docker::endpoint::scheme::unix_socket;
      ep.path = impl_->path;
      break;
    case server_kind::tcp:
    case server_kind::tls:
      ep.kind = impl_->kind == server_kind::tls ? docker::endpoint::scheme::tls
                                                : docker::endpoint::scheme::tcp;
      ep.host = "127.0.0.1";
      ep.port = impl_->port;
      break;
  }
  return ep;
}

std::size_t fake_server::accepted() const {
  std::lock_guard<std::mutex> lock(impl_->m);
  return impl_->accepted;
}

std::size_t fake_server::finished() const {
  std::lock_guard<std::mutex> lock(impl_->m);
  return impl_->finished;
}

std::vector<captured_request> fake_server::requests() const {
  std::lock_guard<std::mutex> lock(impl_->m);
  return impl_->reqs;
}

std::vector<std::string> fake_server::problems() const {
  std::lock_guard<std::mutex> lock(impl_->m);
  return impl_->probs;
}

bool fake_server::wait_accepted(std::size_t n, std::chrono::milliseconds limit) const {
  return impl_->wait(limit, [&] { return impl_->accepted >= n; });
}

bool fake_server::wait_requests(std::size_t n, std::chrono::milliseconds limit) const {
  return impl_->wait(limit, [&] { return impl_->reqs.size() >= n; });
}

bool fake_server::wait_finished(std::size_t n, std::chrono::milliseconds limit) const {
  return impl_->wait(limit, [&] { return impl_->finished >= n; });
}

void fake_server::stop() {
  auto& p = *impl_;
  {
    std::lock_guard<std::mutex> lock(p.m);
    if (p.stopped)
      return;
    p.stopping = true;
    for (auto& g : p.gates)
      g->open();
  }
  p.cv.notify_all();
  char x = 1;
  [[maybe_unused]] auto n = ::write(p.wake[1], &x, 1);
  if (p.acceptor.joinable())
    p.acceptor.join();
  // The acceptor is gone: conns no longer grows.
  for (auto& rec : p.conns) {
    std::lock_guard<std::mutex> lock(rec->m);
    if (rec->fd >= 0)
      ::shutdown(rec->fd, SHUT_RDWR); // wakes a blocked read or write
  }
  for (auto& rec : p.conns)
    if (rec->thread.joinable())
      rec->thread.join();
  std::lock_guard<std::mutex> lock(p.m);
  p.stopped = true;
}

} // namespace stevedore::testing
