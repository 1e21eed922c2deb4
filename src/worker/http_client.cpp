// HttpCall: one request on one connection, as a coroutine on the io_context. Timeouts come from
// beast::tcp_stream's own timer (it closes the socket when a step overruns); cancel() closes
// the socket itself and sets a flag the coroutine checks after every wait, so nothing is called
// back after a cancel even though the wait it was in still completes.
#include "worker/http_client.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <exception>

namespace aipg::worker {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using boost::system::error_code;

struct HttpCall::State {
  explicit State(asio::io_context& io) : stream(io), resolver(io) {}
  beast::tcp_stream stream;
  tcp::resolver resolver;
  bool cancelled = false;
  BodyFn on_body;
  EndFn on_end;
};

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// How much of a failed answer's body goes into the error: enough for a server's error message.
constexpr size_t kErrorBodyBytes = 200;
constexpr size_t kReadPiece = 16 << 10;

long long to_ms(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

std::string host_port(const BaseUrl& base) {
  const bool v6 = base.host.find(':') != std::string::npos;
  return (v6 ? "[" + base.host + "]" : base.host) + ":" + std::to_string(base.port);
}

http::request<http::string_body> build_request(const BaseUrl& base, HttpRequest& req) {
  http::request<http::string_body> r;
  r.method(req.method == "POST" ? http::verb::post : http::verb::get);
  r.target(base.prefix + req.path);
  r.version(11);
  r.set(http::field::host, host_port(base));
  r.set(http::field::user_agent, "aipg-worker");
  r.set(http::field::accept, "application/json, text/event-stream, application/x-ndjson");
  // One request per connection: nothing to keep open for.
  r.set(http::field::connection, "close");
  if (!req.bearer.empty()) r.set(http::field::authorization, "Bearer " + req.bearer);
  if (!req.body.empty()) {
    r.set(http::field::content_type, "application/json");
    r.body() = std::move(req.body);
  }
  r.prepare_payload();
  return r;
}

// A failed read, in words that say where the exchange broke.
Status read_error(error_code ec, const std::string& where, const char* what,
                  const HttpLimits& limits) {
  if (ec == beast::error::timeout) {
    return make_error(Errc::timeout, "http: " + where + " sent nothing for " +
                                         std::to_string(to_ms(limits.idle_timeout)) +
                                         " ms while we read " + what);
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec == asio::error::eof || ec == asio::error::connection_reset) {
    return make_error(Errc::closed,
                      "http: " + where + " closed the connection before " + what + " ended");
  }
  if (ec == http::error::header_limit) {
    return make_error(Errc::too_large, "http: " + where + ": response head over the limit of " +
                                           std::to_string(limits.max_header_bytes) + " bytes");
  }
  if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
    return make_error(Errc::malformed,
                      "http: " + where + ": malformed " + what + ": " + ec.message());
  }
  return make_error(Errc::io, "http: " + where + ": reading " + what + ": " + ec.message());
}

Status status_error(unsigned status, const std::string& where, std::string body) {
  for (char& c : body) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';  // one line in a log
  }
  std::string msg = "http: " + where + " answered " + std::to_string(status);
  if (!body.empty()) msg += ": " + body;
  Errc code = Errc::invalid_argument;  // the request was refused
  if (status >= 500) code = Errc::io;
  if (status == 401 || status == 403) code = Errc::auth_failed;
  if (status == 404) code = Errc::not_found;  // Ollama: a model not pulled
  return make_error(code, std::move(msg));
}

asio::awaitable<Status> exchange(HttpCall::State& st, const BaseUrl& base, HttpRequest req,
                                 HttpLimits limits) {
  const std::string where = host_port(base);
  auto [rec, endpoints] =
      co_await st.resolver.async_resolve(base.host, std::to_string(base.port), kTuple);
  if (st.cancelled) co_return ok();
  if (rec) {
    co_return make_error(Errc::io, "http: cannot resolve '" + base.host + "': " + rec.message());
  }
  st.stream.expires_after(limits.connect_timeout);
  auto [cec, ep] = co_await st.stream.async_connect(endpoints, kTuple);
  if (st.cancelled) co_return ok();
  if (cec == beast::error::timeout) {
    co_return make_error(Errc::timeout, "http: connecting to " + where + " took over " +
                                            std::to_string(to_ms(limits.connect_timeout)) + " ms");
  }
  if (cec)
    co_return make_error(Errc::io, "http: cannot connect to " + where + ": " + cec.message());
  error_code ignored;
  st.stream.socket().set_option(tcp::no_delay(true), ignored);

  http::request<http::string_body> request = build_request(base, req);
  st.stream.expires_after(limits.idle_timeout);
  auto [wec, written] = co_await http::async_write(st.stream, request, kTuple);
  if (st.cancelled) co_return ok();
  if (wec) co_return read_error(wec, where, "the request", limits);

  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(boost::none);  // counted below, with our own error
  st.stream.expires_after(limits.idle_timeout);
  auto [hec, head_bytes] = co_await http::async_read_header(st.stream, buffer, parser, kTuple);
  if (st.cancelled) co_return ok();
  if (hec) co_return read_error(hec, where, "the response head", limits);
  const unsigned status = parser.get().result_int();
  const bool success = status / 100 == 2;

  std::string error_body;
  size_t total = 0;
  std::array<char, kReadPiece> piece;
  while (!parser.is_done()) {
    parser.get().body().data = piece.data();
    parser.get().body().size = piece.size();
    st.stream.expires_after(limits.idle_timeout);
    // read_some, not read: read would wait until the piece buffer is full.
    auto [ec, n] = co_await http::async_read_some(st.stream, buffer, parser, kTuple);
    if (st.cancelled) co_return ok();
    const size_t got = piece.size() - parser.get().body().size;
    if (ec == http::error::need_buffer) ec = {};
    if (!success) {
      error_body.append(piece.data(), std::min(got, kErrorBodyBytes - error_body.size()));
      if (ec || error_body.size() >= kErrorBodyBytes) break;
      continue;
    }
    if (got > 0) {
      total += got;
      if (total > limits.max_body_bytes) {
        co_return make_error(Errc::too_large, "http: " + where +
                                                  ": response body over the limit of " +
                                                  std::to_string(limits.max_body_bytes) + " bytes");
      }
      Status s = st.on_body(std::string_view(piece.data(), got));
      if (st.cancelled) co_return ok();
      if (!s) co_return s;
    }
    if (ec) co_return read_error(ec, where, "the response body", limits);
  }
  if (!success) co_return status_error(status, where, std::move(error_body));
  co_return ok();
}

asio::awaitable<void> run(std::shared_ptr<HttpCall::State> st, BaseUrl base, HttpRequest req,
                          HttpLimits limits) {
  Status end;
  try {
    end = co_await exchange(*st, base, std::move(req), limits);
  } catch (const std::exception& e) {
    end = make_error(Errc::internal, std::string("http: ") + e.what());
  }
  st->stream.close();
  if (st->cancelled) co_return;
  st->cancelled = true;  // from here on, this call is over
  EndFn on_end = std::move(st->on_end);
  st->on_body = nullptr;
  if (on_end) on_end(std::move(end));
}

}  // namespace

std::shared_ptr<HttpCall> HttpCall::start(asio::io_context& io, const BaseUrl& base,
                                          HttpRequest request, HttpLimits limits, BodyFn on_body,
                                          EndFn on_end) {
  auto st = std::make_shared<State>(io);
  st->on_body = std::move(on_body);
  st->on_end = std::move(on_end);
  // co_spawn posts the coroutine's start, so no callback runs inside start().
  asio::co_spawn(io, run(st, base, std::move(request), limits), [](std::exception_ptr) {});
  return std::make_shared<HttpCall>(std::move(st));
}

void HttpCall::cancel() {
  if (state_->cancelled) return;
  state_->cancelled = true;
  state_->resolver.cancel();
  state_->stream.close();
}

}  // namespace aipg::worker
