// The agent client's interactive exec (client.hpp, agent_client::exec_attached):
// a Beast WebSocket to GET /v1/tasks/{id}/exec speaking the frames of
// tools/agent/api_exec.cpp. One I/O thread (ours) reads the agent's frames,
// writes ours in order and hears SIGWINCH; a second thread reads our stdin
// (a blocking read: stdin may be a file, which Asio cannot wait on) and hands
// each piece over. With a TTY our terminal is raw while the command runs, so
// that every key goes to it (Ctrl-C included), and is restored after.
#include <termios.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <memory>
#include <mutex>
#include <deque>
#include <optional>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "docker/registry_auth.hpp"
#include "messages/json.hpp"
#include "tools/stevedore/client.hpp"

namespace stevedore::cli {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// Our terminal in raw mode for as long as it lives (when stdin is one).
class raw_terminal {
public:
  raw_terminal() {
    if (!::isatty(STDIN_FILENO) || ::tcgetattr(STDIN_FILENO, &saved_) != 0)
      return;
    termios raw = saved_;
    ::cfmakeraw(&raw);
    if (::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
      active_ = true;
  }
  ~raw_terminal() {
    if (active_)
      ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  raw_terminal(const raw_terminal&) = delete;
  raw_terminal& operator=(const raw_terminal&) = delete;

private:
  termios saved_{};
  bool active_ = false;
};

// Our terminal's rows and columns, if there is one.
std::optional<std::pair<int, int>> terminal_size() {
  for (int fd : {STDIN_FILENO, STDOUT_FILENO}) {
    winsize ws{};
    if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
      return std::make_pair(static_cast<int>(ws.ws_row), static_cast<int>(ws.ws_col));
  }
  return std::nullopt;
}

std::string size_frame(int height, int width) {
  json size = json::object();
  size.set("height", height);
  size.set("width", width);
  json frame = json::object();
  frame.set("tty_size", std::move(size));
  return frame.dump();
}

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n <= 0)
      return;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

// One exec session on the I/O thread: the socket, the frames waiting to be
// written, and how it ended.
class session {
public:
  session(net::io_context& io, websocket::stream<beast::tcp_stream>& ws, std::string addr)
    : io_(io), ws_(ws), addr_(std::move(addr)), winch_(io, SIGWINCH) {}

  void run(bool tty) {
    if (tty) {
      if (auto s = terminal_size())
        send(size_frame(s->first, s->second));
      wait_winch();
    }
    read();
  }

  // Any thread.
  void post_send(std::string frame) {
    net::post(io_, [this, f = std::move(frame)]() mutable { send(std::move(f)); });
  }

  result<std::int64_t> outcome() {
    if (error_)
      return *error_;
    if (!exit_code_)
      return make_error(errc::unavailable, "agent " + addr_,
                        "the exec ended without an exit code (the connection was closed)");
    return *exit_code_;
  }

private:
  void wait_winch() {
    winch_.async_wait([this](beast::error_code ec, int) {
      if (ec || done_)
        return;
      if (auto s = terminal_size())
        send(size_frame(s->first, s->second));
      wait_winch();
    });
  }

  void send(std::string frame) {
    if (done_)
      return;
    out_.push_back(std::move(frame));
    pump();
  }

  void pump() {
    if (writing_ || out_.empty() || done_)
      return;
    writing_ = true;
    ws_.async_write(net::buffer(out_.front()), [this](beast::error_code ec, std::size_t) {
      writing_ = false;
      out_.pop_front();
      if (ec)
        return end();
      pump();
    });
  }

  void read() {
    ws_.async_read(in_, [this](beast::error_code ec, std::size_t) {
      if (ec) {
        if (ec != websocket::error::closed && !exit_code_ && !error_)
          error_ = make_error(errc::daemon_unreachable, "agent " + addr_, "exec: " + ec.message());
        return end();
      }
      const std::string text = beast::buffers_to_string(in_.data());
      in_.consume(in_.size());
      on_frame(text);
      read();
    });
  }

  void on_frame(const std::string& text) {
    auto tree = parse_answer(text);
    if (!tree)
      return;
    for (const auto& [key, v] : tree->fields) {
      if (key == "stdout" || key == "stderr") {
        auto bytes = docker::base64_decode(text_of(v, "data"));
        if (bytes)
          write_all(key == "stdout" ? STDOUT_FILENO : STDERR_FILENO, *bytes);
      } else if (key == "exited") {
        if (const auto* r = member(*tree, "result"))
          exit_code_ = int_of(*r, "exit_code");
      } else if (key == "error" && v.type == policy::node::kind::string) {
        error_ = make_error(errc::unavailable, "", v.text);
      }
    }
  }

  void end() {
    if (done_)
      return;
    done_ = true;
    beast::error_code ignored;
    winch_.cancel(ignored);
    beast::get_lowest_layer(ws_).close();
  }

  net::io_context& io_;
  websocket::stream<beast::tcp_stream>& ws_;
  std::string addr_;
  net::signal_set winch_;
  beast::flat_buffer in_;
  std::deque<std::string> out_;
  bool writing_ = false;
  bool done_ = false;
  std::optional<std::int64_t> exit_code_;
  std::optional<error_info> error_;
};

// The stdin reader's way to the session, cut when the session ends.
struct stdin_link {
  std::mutex mu;
  session* s = nullptr;
  void send(std::string frame) {
    std::lock_guard<std::mutex> lock(mu);
    if (s)
      s->post_send(std::move(frame));
  }
  void cut() {
    std::lock_guard<std::mutex> lock(mu);
    s = nullptr;
  }
};

// Reads our stdin until its end, each piece a frame; then closes the
// command's stdin. Runs detached: it may still wait in read() when the
// command has ended, and the process then exits under it.
void pump_stdin(std::shared_ptr<stdin_link> link) {
  std::thread([link] {
    char buf[8192];
    for (;;) {
      const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      json data = json::object();
      data.set("data", docker::base64_encode(std::string_view(buf, static_cast<std::size_t>(n))));
      json frame = json::object();
      frame.set("stdin", std::move(data));
      link->send(frame.dump());
    }
    link->send("{\"stdin\":{\"close\":true}}");
  }).detach();
}

} // namespace

result<std::int64_t> agent_client::exec_attached(const std::string& task_id,
                                                 const std::vector<std::string>& cmd, bool input,
                                                 bool tty) const {
  net::io_context io;
  beast::error_code ec;
  tcp::resolver resolver(io);
  auto found = resolver.resolve(host_, port_, ec);
  if (ec)
    return make_error(errc::daemon_unreachable, "agent " + addr_, "resolve: " + ec.message());
  websocket::stream<beast::tcp_stream> ws(io);
  beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(30));
  beast::get_lowest_layer(ws).connect(found, ec);
  if (ec)
    return make_error(errc::daemon_unreachable, "agent " + addr_, "connect: " + ec.message());
  const std::string token = token_;
  ws.set_option(websocket::stream_base::decorator([token](websocket::request_type& req) {
    req.set(http::field::user_agent, "stevedore-cli");
    if (!token.empty())
      req.set(http::field::authorization, "Bearer " + token);
  }));
  const std::string target = "/v1/tasks/" + path_escape(task_id) + "/exec?command=" +
                             path_escape(json::array_of(cmd).dump()) + "&tty=" + (tty ? "1" : "0") +
                             "&stdin=" + (input ? "1" : "0");
  websocket::response_type answer;
  ws.handshake(answer, host_, target, ec);
  if (ec == websocket::error::upgrade_declined)
    return answer_error(static_cast<int>(answer.result_int()), answer.body());
  if (ec)
    return make_error(errc::daemon_unreachable, "agent " + addr_, "exec: " + ec.message());
  beast::get_lowest_layer(ws).expires_never();
  ws.text(true);
  ws.read_message_max(4u << 20);

  std::optional<raw_terminal> raw;
  if (tty)
    raw.emplace();
  session s(io, ws, addr_);
  s.run(tty);
  auto link = std::make_shared<stdin_link>();
  link->s = &s;
  if (input)
    pump_stdin(link);
  io.run();
  link->cut();
  raw.reset();
  return s.outcome();
}

} // namespace stevedore::cli
