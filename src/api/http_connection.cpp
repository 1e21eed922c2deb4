// One HTTP connection's coroutine: read a request, dispatch it, answer, and again; the limits
// and the server's own answers of http_server.hpp.
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <exception>

#include "api/connection_io.hpp"
#include "api/log_safe.hpp"
#include "api/response_writer.hpp"
#include "api/responses.hpp"
#include "api/server_core.hpp"
#include "base/log.hpp"

namespace aipg::api::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr size_t kReadChunk = 4096;
// After a "then close" answer: how long, and how much, to read and drop what the client still
// sends, so that its kernel gets our answer before our close (closing with unread data sends a
// reset, and a reset can destroy the answer in the client's receive buffer).
constexpr Duration kLingerTime = 2s;
constexpr size_t kLingerMaxBytes = 1 << 20;

Instant now() { return Instant(Clock::now()); }

long long to_ms(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

struct ReadResult {
  error_code ec;
  size_t bytes = 0;
  bool timed_out = false;
};

// Runs a read operation against `deadline` (already set): whichever ends first cancels the
// other. Unlike tcp_stream's own timeout this leaves the socket open, so a 408 can still go out.
template <class Op>
asio::awaitable<ReadResult> read_until_deadline(Op op, asio::steady_timer& deadline) {
  auto [order, ec, n, timer_ec] =
      co_await asio::experimental::make_parallel_group(std::move(op),
                                                       deadline.async_wait(asio::deferred))
          .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
  if (order[0] == 1 && !timer_ec) co_return ReadResult{asio::error::timed_out, 0, true};
  co_return ReadResult{ec, n, false};
}

void set_deadline(asio::steady_timer& t, Instant at) {
  t.expires_at(std::chrono::time_point_cast<Clock::duration>(at));
}

// Shut our side, drop what still arrives for a moment, close.
asio::awaitable<void> linger_close(ConnectionIo& io) {
  error_code ec;
  io.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (!ec) {
    std::array<char, kReadChunk> sink;
    io.stream.expires_after(kLingerTime);
    size_t drained = 0;
    while (drained < kLingerMaxBytes) {
      auto [rec, n] = co_await io.stream.async_read_some(asio::buffer(sink), kTuple);
      if (rec) break;
      drained += n;
    }
  }
  io.stream.close();
}

// Logs, counts and answers a rejection; the caller then ends the connection.
asio::awaitable<void> reject(ServerCore& core, ConnectionIo& io, const Rejection& why,
                             std::string message, const std::string& ip) {
  if (!core.detached()) {
    core.count_rejection(why);
    log::info("http: rejected from {}: {} ({})", ip, why.reason, message);
  }
  // No request to answer (or a broken one): a blank one gives HTTP/1.1 and "*" CORS, if any.
  Request none;
  none.version(11);
  ResponseWriter writer(io, none, core.cors, /*allow_keep_alive=*/false);
  co_await writer.send(error_response(why.status, why.rc, std::move(message), none));
  if (!writer.client_gone()) co_await linger_close(io);
}

// A read error on the head or body: answer what deserves an answer; a client that just left
// (EOF, reset, a message cut short) gets nothing.
asio::awaitable<void> on_read_error(ServerCore& core, ConnectionIo& io, error_code ec,
                                    const std::string& ip) {
  const HttpLimits& limits = core.limits;
  if (ec == http::error::header_limit) {
    co_await reject(
        core, io, kHeaderTooLarge,
        "request head over the limit of " + std::to_string(limits.max_header_bytes) + " bytes", ip);
  } else if (ec == http::error::body_limit) {
    co_await reject(
        core, io, kBodyTooLarge,
        "request body over the limit of " + std::to_string(limits.max_body_bytes) + " bytes", ip);
  } else if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
             ec != http::error::end_of_stream && ec != http::error::partial_message) {
    co_await reject(core, io, kBadRequest, "malformed HTTP request: " + ec.message(), ip);
  }
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

std::string join_methods(const std::vector<http::verb>& methods) {
  std::string out;
  for (const auto m : methods) {
    if (!out.empty()) out += ", ";
    out += std::string_view(http::to_string(m));
  }
  return out;
}

asio::awaitable<void> dispatch(ServerCore& core, const Request& req, RequestContext& ctx,
                               ResponseWriter& writer) {
  const Router& router = *core.router;
  const std::string_view target = req.target();
  if (core.cors.enabled() && is_preflight(req)) {
    const auto methods = router.methods_for(target);
    if (!methods.empty()) {
      ctx.route = "preflight";
      co_await writer.send(preflight_response(core.cors, req, methods));
      co_return;
    }
  }
  RouteMatch m = router.match(req.method(), target);
  if (m.kind == RouteMatch::Kind::not_found) {
    co_await writer.send(error_response(http::status::not_found, "NotFound",
                                        "no route for " + std::string(path_of(target)), req));
    co_return;
  }
  if (m.kind == RouteMatch::Kind::method_not_allowed) {
    const std::string allowed = join_methods(m.allowed);
    Response res =
        error_response(http::status::method_not_allowed, "MethodNotAllowed",
                       std::string(std::string_view(req.method_string())) + " is not allowed on " +
                           std::string(path_of(target)) + "; allowed: " + allowed,
                       req);
    res.set(http::field::allow, allowed);
    co_await writer.send(std::move(res));
    co_return;
  }
  ctx.route = std::string(m.pattern);
  ctx.params = std::move(m.params);
  bool threw = false;
  std::string what;
  try {
    co_await (*m.handler)(req, ctx, writer);
  } catch (const std::exception& e) {
    threw = true;
    what = e.what();
  } catch (...) {
    threw = true;
    what = "an exception that is not a std::exception";
  }
  // close() cancels what the handler waits on, which may throw: not the handler's fault.
  if (core.closing) {
    writer.abandon();
    co_return;
  }
  if (threw) {
    log::error("http: handler for {} {} threw: {}", std::string_view(req.method_string()),
               ctx.route, log_safe(what));
  }
  if (writer.streaming()) {
    if (threw) {
      writer.abandon();
    } else {
      co_await writer.finish_events();
    }
    co_return;
  }
  if (!writer.responded()) {
    if (!threw) {
      log::error("http: handler for {} {} returned without a response",
                 std::string_view(req.method_string()), ctx.route);
    }
    co_await writer.send(error_response(http::status::internal_server_error, "InternalError",
                                        "internal error", req));
  }
}

void account(ServerCore& core, const Request& req, const RequestContext& ctx,
             const ResponseWriter& writer) {
  const double seconds = std::chrono::duration<double>(now() - ctx.started).count();
  Registry& reg = *core.registry;
  const std::string code = std::to_string(writer.status());
  Counter*& counter = core.request_counters[ctx.route + ' ' + code];
  if (counter == nullptr) {
    counter =
        &reg.counter("aipg_http_requests_total", "HTTP requests answered, by route and status code",
                     {{"route", ctx.route}, {"code", code}});
  }
  counter->inc();
  Histogram*& duration = core.request_durations[ctx.route];
  if (duration == nullptr) {
    duration =
        &reg.histogram("aipg_http_request_duration_seconds",
                       "Time from a complete HTTP request to the end of its response, by route",
                       duration_buckets(), {{"route", ctx.route}});
  }
  duration->observe(seconds);
  if (!spdlog::should_log(spdlog::level::info)) return;
  log::info(
      "http request method={} target={} route={} status={} bytes={} duration_ms={:.3f} "
      "remote_ip={}",
      log_safe(std::string_view(req.method_string()), 32), log_safe(req.target()), ctx.route,
      writer.status(), writer.body_bytes(), seconds * 1e3, ctx.remote_ip);
}

bool expects_continue(const Request& req) {
  const std::string_view v = req[http::field::expect];
  return v.size() == 12 && beast::iequals(v, "100-continue");
}

asio::awaitable<void> serve(ServerCore& core, ConnectionIo& io, const std::string& ip) {
  const HttpLimits& limits = core.limits;
  asio::steady_timer deadline(io.stream.get_executor());
  // The first head is due header_timeout after the accept, its first byte included.
  Instant head_due = now() + limits.header_timeout;
  for (bool first = true;; first = false) {
    if (core.closing) co_return;
    if (io.buffer.size() == 0) {
      set_deadline(deadline, first ? head_due : now() + limits.idle_timeout);
      auto r = co_await read_until_deadline(
          io.stream.async_read_some(io.buffer.prepare(kReadChunk), asio::deferred), deadline);
      // Idle, or the client left between requests: nothing to answer.
      if (r.timed_out || r.ec) co_return;
      io.buffer.commit(r.bytes);
    }
    if (!first) head_due = now() + limits.header_timeout;

    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    set_deadline(deadline, head_due);
    auto head = co_await read_until_deadline(
        http::async_read_header(io.stream, io.buffer, parser, asio::deferred), deadline);
    if (head.timed_out) {
      co_await reject(core, io, kHeaderTimeout,
                      "request head not complete within " +
                          std::to_string(to_ms(limits.header_timeout)) + " ms",
                      ip);
      co_return;
    }
    if (head.ec) {
      co_await on_read_error(core, io, head.ec, ip);
      co_return;
    }
    if (!parser.is_done()) {
      if (expects_continue(parser.get())) {
        io.stream.expires_after(limits.write_timeout);
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        auto [ec, n] = co_await asio::async_write(io.stream, asio::buffer(kContinue), kTuple);
        io.stream.expires_never();
        if (ec) co_return;
      }
      set_deadline(deadline, now() + limits.body_timeout);
      auto body = co_await read_until_deadline(
          http::async_read(io.stream, io.buffer, parser, asio::deferred), deadline);
      if (body.timed_out) {
        co_await reject(core, io, kBodyTimeout,
                        "request body not complete within " +
                            std::to_string(to_ms(limits.body_timeout)) + " ms",
                        ip);
        co_return;
      }
      if (body.ec) {
        co_await on_read_error(core, io, body.ec, ip);
        co_return;
      }
    }

    if (core.detached()) co_return;
    const Request req = parser.release();
    RequestContext ctx;
    ctx.remote_ip = ip;
    ctx.started = now();
    ResponseWriter writer(io, req, core.cors, /*allow_keep_alive=*/!core.closing);
    co_await dispatch(core, req, ctx, writer);
    if (core.detached()) co_return;
    account(core, req, ctx, writer);
    if (!writer.keep_alive() || core.closing) co_return;
  }
}

}  // namespace

asio::awaitable<void> run_connection(ConnectionSlot slot, tcp::socket socket) {
  ServerCore& core = slot.core();
  ConnectionIo io(std::move(socket), core.limits.write_timeout);
  try {
    co_await serve(core, io, slot.ip());
  } catch (const std::exception& e) {
    // Handlers' exceptions are caught around them; what lands here is cancellation by close().
    if (!core.closing) log::debug("http: connection from {} ended: {}", slot.ip(), e.what());
  }
  error_code ignored;
  io.stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  io.stream.close();
}

asio::awaitable<void> refuse_connection(std::shared_ptr<ServerCore> core, tcp::socket socket,
                                        std::string ip, const Rejection& why) {
  struct Counted {
    explicit Counted(ServerCore& c) : core(c) { ++core.refusing; }
    ~Counted() { --core.refusing; }
    ServerCore& core;
  } counted(*core);
  ConnectionIo io(std::move(socket), core->limits.write_timeout);
  // Named, not a ?: temporary inside the co_await: g++ 12 destroys those twice.
  std::string message =
      &why == &kTooManyFromIp
          ? "over " + std::to_string(core->limits.max_connections_per_ip) + " connections from " +
                ip
          : "over " + std::to_string(core->limits.max_connections) + " connections";
  try {
    co_await reject(*core, io, why, std::move(message), ip);
  } catch (const std::exception&) {
  }
  io.stream.close();
}

}  // namespace aipg::api::detail
