// api::ResponseWriter — how a handler answers its request: one response, or one event stream.
//
//   idle ──send()──────────────────────────────────────────▶ sent
//     │                                                       ▲
//     └──start_events()──▶ streaming ──finish_events()────────┘
//                           │  ▲ send_event()
//                           └──┘
//
// send() sets the request's HTTP version, Content-Length, keep-alive (the request's wish, unless
// the handler set "Connection: close" or the server is closing) and the CORS headers; a second
// send() or a send() after start_events() is a handler bug: logged and dropped. To a HEAD request
// only the head is sent.
//
// Server-Sent Events: start_events() sends the head (200, text/event-stream, Cache-Control:
// no-cache), chunked for HTTP/1.1 (so the connection can be kept alive and a cut stream is told
// from a finished one) and close-delimited for HTTP/1.0. send_event(data) sends one event, each
// line of data (split at CR, LF or CRLF) as "data: <line>\n", then "\n". finish_events() ends the
// stream; the server calls it if the handler returns without doing so.
//
// Every write is bounded by HttpLimits::write_timeout. A failed write (the client went away, or
// did not read in time) makes client_gone() true, later writes no-ops, and the connection
// closes after the handler returns. Nothing here throws: errors are Status values.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <string_view>

#include "api/cors.hpp"
#include "api/http_types.hpp"
#include "base/result.hpp"

namespace aipg::api {

namespace detail {
struct ConnectionIo;
}  // namespace detail

class ResponseWriter {
 public:
  // Made by the server for each request; `allow_keep_alive` is false when the server closes.
  ResponseWriter(detail::ConnectionIo& io, const Request& req, const CorsConfig& cors,
                 bool allow_keep_alive);
  ResponseWriter(const ResponseWriter&) = delete;
  ResponseWriter& operator=(const ResponseWriter&) = delete;

  boost::asio::awaitable<void> send(Response r);

  // Errors: a response was already sent (invalid_argument), the client is gone (closed).
  boost::asio::awaitable<Status> start_events();
  // Errors: no start_events() before (invalid_argument), the client is gone (closed).
  boost::asio::awaitable<Status> send_event(std::string_view data);
  boost::asio::awaitable<void> finish_events();

  // True once a write failed. (The server does not read while the handler runs, so a client
  // that left is noticed at the next write.)
  bool client_gone() const { return client_gone_; }

  // ---- for the server, after the handler returned ----
  bool responded() const { return state_ != State::idle; }
  bool streaming() const { return state_ == State::streaming; }
  // The connection may read the next request.
  bool keep_alive() const { return keep_alive_ && !client_gone_; }
  unsigned status() const { return status_; }
  size_t body_bytes() const { return body_bytes_; }
  // The handler failed mid-stream: end without the last chunk, and close the connection, so
  // the client sees a cut stream rather than a finished one.
  void abandon();

 private:
  enum class State { idle, streaming, sent };

  boost::asio::awaitable<bool> write_bytes(std::string_view bytes);
  boost::asio::awaitable<bool> write_response(Response& r, bool head_only);

  detail::ConnectionIo& io_;
  const Request& req_;
  const CorsConfig& cors_;
  const bool allow_keep_alive_;
  State state_ = State::idle;
  bool chunked_ = false;
  bool keep_alive_ = false;
  bool client_gone_ = false;
  unsigned status_ = 0;
  size_t body_bytes_ = 0;
};

}  // namespace aipg::api
