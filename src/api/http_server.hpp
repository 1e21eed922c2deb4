// api::HttpServer — HTTP/1.1 over TCP (Boost.Beast), one coroutine per connection.
//
// Each accepted connection runs on its own coroutine on the io_context; its socket, buffer and
// parser live on that coroutine's frame, so a slow client or a handler that waits holds up no
// other connection. Requests on a connection are read and answered in turn (keep-alive and
// pipelining; a pipelined request waits in the buffer until the previous one is answered).
//
// The server answers by itself, always in the AI Horde error shape {"message", "rc"}:
//   unknown path                   404 NotFound (the message names the path)
//   known path, other method       405 MethodNotAllowed, with an Allow field
//   CORS preflight on a known path 204 (see cors.hpp)
//   body over max_body_bytes       413 BodyTooLarge (the message names the limit), then close
//   head over max_header_bytes     431 HeaderTooLarge, then close
//   malformed HTTP                 400 BadRequest, then close
//   head or body late              408 RequestTimeout, then close (see http_limits.hpp)
//   over max_connections(_per_ip)  503 TooManyConnections, then close, without reading
//   handler threw or sent nothing  500 InternalError (logged at error)
// After a "then close" answer the server stops sending and reads what the client still sends
// for a moment, so that the client gets the answer rather than a reset.
//
// Logs (aipg::log): one info line per request ("http request method=… target=… route=…
// status=… bytes=… duration_ms=… remote_ip=…") and one info line per rejection. Metrics in the
// given Registry: aipg_http_requests_total{route,code}, aipg_http_request_duration_seconds{route}
// (from the complete request to the end of the response; code "0" when no response went out
// because the server closed), aipg_http_connections, aipg_http_rejections_total{reason}
// (bad_request, header_too_large, body_too_large, header_timeout, body_timeout,
// too_many_connections, too_many_connections_per_ip). Rejections carry CORS only for "*": their
// request, if any, is not trusted.
//
// Threading and lifetime: the io_context must be run by one thread. The Router and the Registry
// (and whatever handlers use) must outlive the connections: after close() (or destroying the
// server, which closes) run the io_context until connections() is 0, or destroy the io_context,
// before destroying them.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "api/cors.hpp"
#include "api/http_limits.hpp"
#include "api/metrics.hpp"
#include "api/router.hpp"
#include "base/result.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace aipg::api {

namespace detail {
struct ServerCore;
}  // namespace detail

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, const Router& router, HttpLimits limits, CorsConfig cors,
             Registry& metrics);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds host (an IPv4 or IPv6 literal) and port (0: any free port) with SO_REUSEADDR and
  // starts accepting; returns the bound endpoint. Fails on invalid limits or CORS settings, a
  // host that is not an IP literal, or a bind error. May be called more than once (v4 and v6).
  Result<boost::asio::ip::tcp::endpoint> listen(const std::string& host, uint16_t port);

  // Stops accepting and ends every connection: their pending operations, including whatever a
  // handler is waiting on, are cancelled. Idempotent; listen() fails afterwards.
  void close();

  // Connections accepted and not yet ended (rejected ones are not counted).
  size_t connections() const;

 private:
  // Shared with the coroutines: they may outlive this object until the io_context runs them to
  // their end or is destroyed.
  std::shared_ptr<detail::ServerCore> core_;
};

}  // namespace aipg::api
