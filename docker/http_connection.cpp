// The three kinds of connection to the daemon and how each one opens:
// unix (connect), tcp (resolve, connect) and TLS (resolve, connect, handshake
// with the client certificate, checking the daemon's certificate against the
// CA and the host name or IP address). Also the client TLS context.
#include "docker/http_connection.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace stevedore::docker::detail {

namespace {

using tcp = net::ip::tcp;
using local = net::local::stream_protocol;

bool is_ip_literal(const std::string& host) {
  error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

// The lean interface over a plain socket (or an ssl::stream, for writes).
// The handlers hold the waiter and the shared clock, never the connection.
template <class Stream>
void write_all(Stream& s, net::const_buffer bytes, const std::shared_ptr<clock::time_point>& activity,
               std::shared_ptr<io_waiter> waiter) {
  net::async_write(s, bytes, [activity, waiter = std::move(waiter)](error_code ec, std::size_t n) {
    *activity = clock::now();
    waiter->on_written(ec, n);
  });
}

// A plain socket: nearly always the whole request fits in the socket's
// buffer at once, so it is written here, with no write operation to keep.
template <class Socket>
void write_all_now(Socket& s, bool& non_blocking, net::const_buffer bytes,
                   const std::shared_ptr<clock::time_point>& activity, std::shared_ptr<io_waiter> waiter) {
  error_code ec;
  std::size_t n = 0;
  if (!non_blocking) {
    s.non_blocking(true, ec);
    non_blocking = !ec;
  }
  if (!ec)
    n = s.write_some(bytes, ec);
  if (ec == net::error::would_block || ec == net::error::try_again)
    ec = {};
  if (ec || n == bytes.size()) {
    if (n > 0)
      *activity = clock::now();
    net::post(s.get_executor(), [waiter = std::move(waiter), ec, n] { waiter->on_written(ec, n); });
    return;
  }
  net::async_write(s, bytes + n, [activity, waiter = std::move(waiter), n](error_code ec, std::size_t more) {
    *activity = clock::now();
    waiter->on_written(ec, n + more);
  });
}

template <class Socket>
void wait_readable(Socket& s, std::shared_ptr<io_waiter> waiter) {
  s.async_wait(net::socket_base::wait_read,
               [waiter = std::move(waiter)](error_code ec) { waiter->on_readable(ec); });
}

// A non-blocking read: the socket is switched to non-blocking mode on first
// use (Asio's own async operations work either way).
template <class Socket>
std::size_t read_from(Socket& s, bool& non_blocking, net::mutable_buffer b, error_code& ec) {
  if (!non_blocking) {
    s.non_blocking(true, ec);
    if (ec)
      return 0;
    non_blocking = true;
  }
  return s.read_some(b, ec);
}

//----------------------------------------------------------------------------

class unix_connection final : public connection {
public:
  unix_connection(net::io_context& ioc, const std::string& path)
      : connection(ioc), socket_(ioc), path_(&path) {}

  void async_open(connect_callback done) override {
    local::endpoint where;
    try {
      where = local::endpoint(*path_);
    } catch (const boost::system::system_error& e) { // path longer than sun_path
      net::post(get_executor(), [done = std::move(done), ec = e.code()] { done(ec, "connect", ""); });
      return;
    }
    socket_.async_connect(where, [this, done = std::move(done)](error_code ec) {
      touch();
      done(ec, "connect", "");
    });
  }

  void close() noexcept override {
    error_code ignored;
    socket_.close(ignored);
  }

  void async_write_all(net::const_buffer bytes, std::shared_ptr<io_waiter> waiter) override {
    write_all_now(socket_, non_blocking_, bytes, activity_clock(), std::move(waiter));
  }
  void async_wait_readable(std::shared_ptr<io_waiter> waiter) override {
    wait_readable(socket_, std::move(waiter));
  }
  std::size_t read_now(net::mutable_buffer b, error_code& ec) override {
    std::size_t n = read_from(socket_, non_blocking_, b, ec);
    if (n > 0)
      touch();
    return n;
  }

protected:
  void do_read_some(net::mutable_buffer b, io_callback done) override {
    socket_.async_read_some(b, std::move(done));
  }
  void do_write_some(const write_buffers& b, io_callback done) override {
    socket_.async_write_some(b, std::move(done));
  }
  int native_fd() const noexcept override {
    return const_cast<local::socket&>(socket_).native_handle();
  }

private:
  local::socket socket_;
  // The endpoint's, not a copy: thousands of streams each hold a connection.
  // Read only by async_open, while the call opening it holds the endpoint.
  const std::string* path_;
  bool non_blocking_ = false;
};

//----------------------------------------------------------------------------

// Plain tcp, and the transport under TLS: `Stream` is the socket itself or
// an ssl::stream over it.
template <class Stream>
class tcp_connection_base : public connection {
public:
  template <class... Args>
  tcp_connection_base(net::io_context& ioc, const endpoint& ep, Args&&... stream_args)
      : connection(ioc), resolver_(ioc), stream_(ioc, std::forward<Args>(stream_args)...),
        host_(ep.host), port_(std::to_string(ep.port)) {}

  void close() noexcept override {
    resolver_.cancel();
    error_code ignored;
    socket().close(ignored);
  }

protected:
  tcp::socket& socket() {
    if constexpr (std::is_same_v<Stream, tcp::socket>)
      return stream_;
    else
      return stream_.next_layer();
  }

  void resolve_and_connect(connect_callback next) {
    resolver_.async_resolve(host_, port_,
        [this, next = std::move(next)](error_code ec, tcp::resolver::results_type found) {
          if (ec)
            return next(ec, "resolve", "");
          net::async_connect(socket(), found, [this, next](error_code ec, const tcp::endpoint&) {
            touch();
            if (!ec)
              socket().set_option(tcp::no_delay(true), ec);
            next(ec, "connect", "");
          });
        });
  }

  void do_read_some(net::mutable_buffer b, io_callback done) override {
    stream_.async_read_some(b, std::move(done));
  }
  void do_write_some(const write_buffers& b, io_callback done) override {
    stream_.async_write_some(b, std::move(done));
  }
  int native_fd() const noexcept override {
    return const_cast<tcp_connection_base*>(this)->socket().native_handle();
  }

  tcp::resolver resolver_;
  Stream stream_;
  std::string host_;
  std::string port_;
};

class tcp_connection final : public tcp_connection_base<tcp::socket> {
public:
  tcp_connection(net::io_context& ioc, const endpoint& ep) : tcp_connection_base(ioc, ep) {}
  void async_open(connect_callback done) override { resolve_and_connect(std::move(done)); }

  void async_write_all(net::const_buffer bytes, std::shared_ptr<io_waiter> waiter) override {
    write_all_now(socket(), non_blocking_, bytes, activity_clock(), std::move(waiter));
  }
  void async_wait_readable(std::shared_ptr<io_waiter> waiter) override {
    wait_readable(socket(), std::move(waiter));
  }
  std::size_t read_now(net::mutable_buffer b, error_code& ec) override {
    std::size_t n = read_from(socket(), non_blocking_, b, ec);
    if (n > 0)
      touch();
    return n;
  }

private:
  bool non_blocking_ = false;
};

class tls_connection final : public tcp_connection_base<net::ssl::stream<tcp::socket>> {
public:
  tls_connection(net::io_context& ioc, const endpoint& ep, net::ssl::context& ctx)
      : tcp_connection_base(ioc, ep, ctx) {}

  void async_open(connect_callback done) override {
    resolve_and_connect([this, done](error_code ec, const char* step, std::string detail) {
      if (ec)
        return done(ec, step, std::move(detail));
      if (!prepare_verification(ec))
        return done(ec, "handshake", "cannot set the expected host name");
      stream_.async_handshake(net::ssl::stream_base::client, [this, done](error_code ec) {
        touch();
        done(ec, "handshake", ec ? verify_failure() : std::string());
      });
    });
  }

  void async_write_all(net::const_buffer bytes, std::shared_ptr<io_waiter> waiter) override {
    write_all(stream_, bytes, activity_clock(), std::move(waiter));
  }

  // Bytes wait inside OpenSSL where a socket wait cannot see them, so
  // waiting here is a real read into an inbox that read_now() then drains.
  // A TLS connection already holds OpenSSL's and Asio's record buffers;
  // the inbox adds little to that.
  void async_wait_readable(std::shared_ptr<io_waiter> waiter) override {
    if (inbox_->at < inbox_->size || inbox_->ec) {
      net::post(get_executor(), [waiter = std::move(waiter)] { waiter->on_readable({}); });
      return;
    }
    if (!inbox_->data)
      inbox_->data = std::make_unique<char[]>(inbox::capacity);
    stream_.async_read_some(net::buffer(inbox_->data.get(), inbox::capacity),
                            [in = inbox_, waiter = std::move(waiter)](error_code ec, std::size_t n) {
                              in->at = 0;
                              in->size = n;
                              in->ec = ec;
                              waiter->on_readable({});
                            });
  }

  std::size_t read_now(net::mutable_buffer b, error_code& ec) override {
    ec = {};
    if (inbox_->at < inbox_->size) {
      std::size_t n = std::min(b.size(), inbox_->size - inbox_->at);
      std::memcpy(b.data(), inbox_->data.get() + inbox_->at, n);
      inbox_->at += n;
      touch();
      return n;
    }
    ec = inbox_->ec ? inbox_->ec : error_code(net::error::would_block);
    return 0;
  }

private:
  // SNI only for names (RFC 6066 forbids IP literals there); the certificate
  // must name the host, as a DNS name or as an IP address SAN.
  bool prepare_verification(error_code& ec) {
    SSL* ssl = stream_.native_handle();
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (is_ip_literal(host_)) {
      if (X509_VERIFY_PARAM_set1_ip_asc(param, host_.c_str()) != 1) {
        ec = net::error::invalid_argument;
        return false;
      }
      return true;
    }
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (X509_VERIFY_PARAM_set1_host(param, host_.c_str(), host_.size()) != 1 ||
        SSL_set_tlsext_host_name(ssl, host_.c_str()) != 1) {
      ec = net::error::invalid_argument;
      return false;
    }
    return true;
  }

  // OpenSSL's own reason when the daemon's certificate was refused.
  std::string verify_failure() {
    long v = SSL_get_verify_result(stream_.native_handle());
    if (v == X509_V_OK)
      return "";
    return std::string("certificate verify failed: ") + X509_verify_cert_error_string(v);
  }

  struct inbox {
    static constexpr std::size_t capacity = 16 * 1024; // one TLS record
    std::unique_ptr<char[]> data;
    std::size_t at = 0;
    std::size_t size = 0;
    error_code ec; // how the last read ended, once its bytes are drained
  };
  std::shared_ptr<inbox> inbox_ = std::make_shared<inbox>();
};

} // namespace

//----------------------------------------------------------------------------

bool connection::idle_usable() const noexcept {
  int fd = native_fd();
  if (fd < 0)
    return false;
  char c;
  ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  // Nothing to read: alive. 0: the daemon closed it. Data: something we did
  // not ask for (a TLS close_notify, say); either way not reusable.
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

std::unique_ptr<connection> make_connection(net::io_context& ioc, const endpoint& ep,
                                            net::ssl::context* tls) {
  switch (ep.kind) {
    case endpoint::scheme::unix_socket:
      return std::make_unique<unix_connection>(ioc, ep.path);
    case endpoint::scheme::tcp:
      return std::make_unique<tcp_connection>(ioc, ep);
    case endpoint::scheme::tls:
      return std::make_unique<tls_connection>(ioc, ep, *tls);
  }
  return nullptr;
}

namespace {

// Loading a missing file through OpenSSL gives "system lib"; say what the
// system said instead.
std::string unreadable(const std::string& path) {
  if (::access(path.c_str(), R_OK) != 0)
    return std::strerror(errno);
  return "";
}

error_info setup_error(std::string message) {
  return make_error(errc::invalid_input, "tls setup", std::move(message));
}

} // namespace

result<std::shared_ptr<net::ssl::context>> make_tls_context(const endpoint& ep) {
  auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  error_code ec;
  if (ep.tls_verify) {
    ctx->set_verify_mode(net::ssl::verify_peer, ec);
    if (ep.tls_ca.empty()) {
      ctx->set_default_verify_paths(ec);
    } else {
      if (auto why = unreadable(ep.tls_ca); !why.empty())
        return setup_error("cannot read CA file '" + ep.tls_ca + "': " + why);
      ctx->load_verify_file(ep.tls_ca, ec);
      if (ec)
        return setup_error("bad CA file '" + ep.tls_ca + "': " + ec.message());
    }
  } else {
    ctx->set_verify_mode(net::ssl::verify_none, ec);
  }
  if (!ep.tls_cert.empty()) {
    if (auto why = unreadable(ep.tls_cert); !why.empty())
      return setup_error("cannot read client certificate '" + ep.tls_cert + "': " + why);
    ctx->use_certificate_chain_file(ep.tls_cert, ec);
    if (ec)
      return setup_error("bad client certificate '" + ep.tls_cert + "': " + ec.message());
  }
  if (!ep.tls_key.empty()) {
    if (auto why = unreadable(ep.tls_key); !why.empty())
      return setup_error("cannot read client key '" + ep.tls_key + "': " + why);
    ctx->use_private_key_file(ep.tls_key, net::ssl::context::pem, ec);
    if (ec)
      return setup_error("bad client key '" + ep.tls_key + "': " + ec.message());
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
      return setup_error("client key '" + ep.tls_key + "' does not match certificate '" +
                         ep.tls_cert + "'");
  }
  return ctx;
}

std::string host_header(const endpoint& ep) {
  if (ep.kind == endpoint::scheme::unix_socket)
    return "docker";
  std::string host = ep.host.find(':') != std::string::npos ? "[" + ep.host + "]" : ep.host;
  return host + ":" + std::to_string(ep.port);
}

} // namespace stevedore::docker::detail
