// The agent client's HTTP (client.hpp): blocking Beast over TCP, one
// connection per request, bearer token, deadlines on connect and on each read.
#include <chrono>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "tools/stevedore/client.hpp"

namespace stevedore::cli {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

constexpr auto call_timeout = std::chrono::seconds(120);

error_info io_error(const std::string& addr, const std::string& step, const beast::error_code& ec) {
  return make_error(errc::daemon_unreachable, "agent " + addr, step + ": " + ec.message());
}

// A connected stream, or an error naming the step.
result<std::unique_ptr<beast::tcp_stream>> connect(net::io_context& io, const std::string& host,
                                                    const std::string& port, const std::string& addr) {
  beast::error_code ec;
  tcp::resolver resolver(io);
  auto found = resolver.resolve(host, port, ec);
  if (ec)
    return io_error(addr, "resolve", ec);
  auto s = std::make_unique<beast::tcp_stream>(io);
  s->expires_after(std::chrono::seconds(5));
  s->socket().close(ec);
  net::connect(s->socket(), found, ec);
  if (ec)
    return io_error(addr, "connect", ec);
  return s;
}

http::request<http::string_body> make_request(const std::string& method, const std::string& target,
                                              const std::string& host, const std::string& token,
                                              const std::string& body) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, host);
  req.set(http::field::user_agent, "stevedore-cli");
  if (!token.empty())
    req.set(http::field::authorization, "Bearer " + token);
  if (!body.empty() || method == "POST") {
    req.body() = body;
    req.prepare_payload();
  }
  return req;
}

} // namespace

error_info answer_error(int status, const std::string& body) {
  auto tree = parse_answer(body);
  std::string line = tree ? text_of(*tree, "error") : "";
  if (line.empty())
    line = "the agent answered " + std::to_string(status);
  const errc kind = status == 404 ? errc::not_found
                    : status == 409 ? errc::conflict
                    : status == 400 ? errc::invalid_input
                    : status == 401 || status == 403 ? errc::not_permitted
                                                     : errc::unavailable;
  return error_info{kind, status, "", line};
}

result<http_answer> agent_client::call(const std::string& method, const std::string& target,
                                       const std::string& body) const {
  net::io_context io;
  auto s = connect(io, host_, port_, addr_);
  if (!s)
    return std::move(s).error();
  auto& stream = **s;
  beast::error_code ec;
  stream.expires_after(call_timeout);
  http::write(stream.socket(), make_request(method, target, host_, token_, body), ec);
  if (ec)
    return io_error(addr_, "send " + target, ec);
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64u << 20);
  http::read(stream, buf, parser, ec);
  if (ec)
    return io_error(addr_, "read the answer to " + target, ec);
  http_answer a{static_cast<int>(parser.get().result_int()), std::move(parser.get().body())};
  if (a.status < 200 || a.status > 299)
    return answer_error(a.status, a.body);
  return a;
}

result<unit> agent_client::stream(const std::string& target,
                                  const std::function<bool(std::string_view)>& on_data) const {
  net::io_context io;
  auto s = connect(io, host_, port_, addr_);
  if (!s)
    return std::move(s).error();
  auto& stream = (*s)->socket();
  beast::error_code ec;
  http::write(stream, make_request("GET", target, host_, token_, {}), ec);
  if (ec)
    return io_error(addr_, "send " + target, ec);
  beast::flat_buffer buf;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  http::read_header(stream, buf, parser, ec);
  if (ec)
    return io_error(addr_, "read the answer to " + target, ec);
  const int status = static_cast<int>(parser.get().result_int());
  std::string errors;
  char chunk[16384];
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    // read_some: each piece as it comes (read would wait for a full buffer).
    http::read_some(stream, buf, parser, ec);
    if (ec && ec != http::error::need_buffer)
      return io_error(addr_, "read the answer to " + target, ec);
    std::string_view got(chunk, sizeof chunk - parser.get().body().size);
    if (status < 200 || status > 299)
      errors += got;
    else if (!got.empty() && !on_data(got))
      return unit{};
  }
  if (status < 200 || status > 299)
    return answer_error(status, errors);
  return unit{};
}

} // namespace stevedore::cli
