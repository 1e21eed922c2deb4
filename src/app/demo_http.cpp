#include "app/demo_http.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>

namespace aipg::app {
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

Result<Url> parse_url(const std::string& text) {
  constexpr std::string_view scheme = "http://";
  auto bad = [&](const std::string& why) {
    return make_error(Errc::invalid_argument, "URL " + text + ": " + why);
  };
  if (text.rfind(scheme, 0) != 0) return bad("expected http://HOST[:PORT][/PATH]");
  std::string rest = text.substr(scheme.size());
  Url u;
  const size_t slash = rest.find('/');
  if (slash != std::string::npos) {
    u.path = rest.substr(slash);
    rest.resize(slash);
    while (!u.path.empty() && u.path.back() == '/') u.path.pop_back();
  }
  const size_t colon = rest.rfind(':');
  if (colon != std::string::npos && rest.find(']', colon) == std::string::npos) {
    const std::string port = rest.substr(colon + 1);
    char* end = nullptr;
    const unsigned long p = std::strtoul(port.c_str(), &end, 10);
    if (port.empty() || *end != '\0' || p == 0 || p > 65535) return bad("bad port " + port);
    u.port = static_cast<uint16_t>(p);
    rest.resize(colon);
  }
  if (rest.size() > 2 && rest.front() == '[' && rest.back() == ']') {
    rest = rest.substr(1, rest.size() - 2);
  }
  if (rest.empty()) return bad("no host");
  u.host = rest;
  return u;
}

Result<HttpReply> http_call(const Url& url, const std::string& method, const std::string& target,
                            const std::string& body, Duration timeout,
                            const Interrupted& interrupted) {
  const std::string where =
      method + " http://" + url.host + ":" + std::to_string(url.port) + url.path + target;
  // Async operations on a private io_context: only they honour the stream's deadline.
  boost::asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  http::request<http::string_body> req{http::string_to_verb(method), url.path + target, 11};
  req.set(http::field::host, url.host);
  req.set(http::field::user_agent, "aipg-demo");
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(16 << 20);
  boost::system::error_code failure;
  std::string step;
  tcp::resolver resolver(ioc);
  stream.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout));
  auto fail = [&](beast::error_code ec, const char* what) {
    failure = ec;
    step = what;
  };
  auto on_read = [&](beast::error_code ec, size_t) {
    if (ec) fail(ec, "read");
  };
  auto on_write = [&](beast::error_code ec, size_t) {
    if (ec) return fail(ec, "write");
    http::async_read(stream, buffer, parser, on_read);
  };
  auto on_connect = [&](beast::error_code ec, const tcp::endpoint&) {
    if (ec) return fail(ec, "connect");
    http::async_write(stream, req, on_write);
  };
  resolver.async_resolve(url.host, std::to_string(url.port),
                         [&](beast::error_code ec, tcp::resolver::results_type results) {
                           if (ec) return fail(ec, "resolve");
                           stream.async_connect(results, on_connect);
                         });
  while (!ioc.stopped()) {
    ioc.run_for(100ms);
    if (!ioc.stopped() && interrupted && interrupted()) {
      stream.close();  // completes the pending operation with an error
      ioc.run();
      return make_error(Errc::closed, where + ": interrupted");
    }
  }
  if (failure) {
    const std::string why =
        failure == beast::error::timeout ? std::string("timed out") : failure.message();
    return make_error(failure == beast::error::timeout ? Errc::timeout : Errc::io,
                      where + ": " + step + ": " + why);
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  HttpReply reply;
  reply.status = parser.get().result_int();
  reply.body = std::move(parser.get().body());
  return reply;
}

Result<boost::json::value> http_json(const Url& url, const std::string& method,
                                     const std::string& target, const std::string& body,
                                     Duration timeout, const Interrupted& interrupted) {
  AIPG_TRY_ASSIGN(HttpReply r, http_call(url, method, target, body, timeout, interrupted));
  const std::string where = method + " " + url.path + target;
  if (r.status < 200 || r.status >= 300) {
    return make_error(Errc::io,
                      where + ": HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 300));
  }
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.body, ec);
  if (ec) return make_error(Errc::malformed, where + ": the answer is not JSON: " + ec.message());
  return v;
}

}  // namespace aipg::app
