#include "api/response_writer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <exception>

#include "api/connection_io.hpp"
#include "api/log_safe.hpp"
#include "base/log.hpp"

namespace aipg::api {

namespace asio = boost::asio;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// The event as the SSE wire format wants it: one "data: " line per line of `data`.
std::string format_event(std::string_view data) {
  std::string out;
  out.reserve(data.size() + 16);
  size_t i = 0;
  for (;;) {
    const size_t end = data.find_first_of("\r\n", i);
    out += "data: ";
    out += data.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
    out += '\n';
    if (end == std::string_view::npos) break;
    i = end + 1;
    if (data[end] == '\r' && i < data.size() && data[i] == '\n') ++i;
  }
  out += '\n';
  return out;
}

std::string chunk(std::string_view payload) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string size;
  for (size_t n = payload.size(); n > 0; n >>= 4) size.insert(size.begin(), kHex[n & 15]);
  std::string out;
  out.reserve(size.size() + payload.size() + 4);
  out += size;
  out += "\r\n";
  out += payload;
  out += "\r\n";
  return out;
}

bool body_forbidden(http::status s) {
  return http::to_status_class(s) == http::status_class::informational ||
         s == http::status::no_content || s == http::status::not_modified;
}

template <class Message>
void set_common_headers(Message& m) {
  m.set(http::field::server, "aipg");
}

}  // namespace

ResponseWriter::ResponseWriter(detail::ConnectionIo& io, const Request& req, const CorsConfig& cors,
                               bool allow_keep_alive)
    : io_(io), req_(req), cors_(cors), allow_keep_alive_(allow_keep_alive) {}

asio::awaitable<bool> ResponseWriter::write_bytes(std::string_view bytes) {
  if (client_gone_) co_return false;
  bool ok = false;
  // The connection's coroutine may have been cancelled (server close): then co_await throws,
  // and a handler must not see that exception.
  try {
    io_.stream.expires_after(io_.write_timeout);
    auto [ec, n] = co_await asio::async_write(io_.stream, asio::buffer(bytes), kTuple);
    io_.stream.expires_never();
    ok = !ec;
  } catch (const std::exception&) {
  }
  if (!ok) client_gone_ = true;
  co_return ok;
}

asio::awaitable<bool> ResponseWriter::write_response(Response& r, bool head_only) {
  if (client_gone_) co_return false;
  bool ok = false;
  try {
    io_.stream.expires_after(io_.write_timeout);
    if (head_only) {
      http::response_serializer<http::string_body> sr(r);
      auto [ec, n] = co_await http::async_write_header(io_.stream, sr, kTuple);
      ok = !ec;
    } else {
      auto [ec, n] = co_await http::async_write(io_.stream, r, kTuple);
      ok = !ec;
    }
    io_.stream.expires_never();
  } catch (const std::exception&) {
  }
  if (!ok) client_gone_ = true;
  co_return ok;
}

asio::awaitable<void> ResponseWriter::send(Response r) {
  if (state_ != State::idle) {
    log::error("http: handler for {} {} answered twice; the second response is dropped",
               std::string_view(req_.method_string()), detail::log_safe(req_.target()));
    co_return;
  }
  state_ = State::sent;
  // Asked before the version changes: keep_alive() reads the Connection field per version.
  const bool handler_keeps = r.keep_alive();
  r.version(req_.version());
  keep_alive_ = allow_keep_alive_ && req_.keep_alive() && handler_keeps;
  r.keep_alive(keep_alive_);
  if (body_forbidden(r.result())) {
    // prepare_payload() would throw on a body here, and would add "Content-Length: 0", which
    // RFC 9110 forbids on 204.
    r.body().clear();
    r.erase(http::field::content_length);
    r.chunked(false);
  } else {
    r.prepare_payload();
  }
  add_cors_headers(cors_, req_, r);
  set_common_headers(r);
  status_ = r.result_int();
  body_bytes_ = r.body().size();
  co_await write_response(r, req_.method() == http::verb::head);
}

asio::awaitable<Status> ResponseWriter::start_events() {
  if (state_ != State::idle) {
    co_return make_error(Errc::invalid_argument, "start_events: a response was already sent");
  }
  state_ = State::streaming;
  status_ = 200;
  http::response<http::empty_body> head(http::status::ok, req_.version());
  head.set(http::field::content_type, "text/event-stream");
  head.set(http::field::cache_control, "no-cache");
  // Stops nginx-style proxies from buffering the stream.
  head.set("X-Accel-Buffering", "no");
  add_cors_headers(cors_, req_, head);
  set_common_headers(head);
  chunked_ = req_.version() >= 11;
  keep_alive_ = chunked_ && allow_keep_alive_ && req_.keep_alive();
  head.keep_alive(keep_alive_);
  if (chunked_) head.chunked(true);
  bool ok = false;
  if (!client_gone_) {
    try {
      io_.stream.expires_after(io_.write_timeout);
      http::response_serializer<http::empty_body> sr(head);
      auto [ec, n] = co_await http::async_write_header(io_.stream, sr, kTuple);
      io_.stream.expires_never();
      ok = !ec;
    } catch (const std::exception&) {
    }
    if (!ok) client_gone_ = true;
  }
  if (!ok) co_return make_error(Errc::closed, "start_events: the client went away");
  co_return aipg::ok();
}

asio::awaitable<Status> ResponseWriter::send_event(std::string_view data) {
  if (state_ != State::streaming) {
    co_return make_error(Errc::invalid_argument, "send_event: no event stream (start_events)");
  }
  if (client_gone_) co_return make_error(Errc::closed, "send_event: the client went away");
  std::string payload = format_event(data);
  body_bytes_ += payload.size();
  // Named, not a ?: temporary inside the co_await: g++ 12 destroys those twice.
  const std::string frame = chunked_ ? chunk(payload) : std::move(payload);
  const bool ok = co_await write_bytes(frame);
  if (!ok) co_return make_error(Errc::closed, "send_event: the client went away");
  co_return aipg::ok();
}

asio::awaitable<void> ResponseWriter::finish_events() {
  if (state_ != State::streaming) co_return;
  state_ = State::sent;
  if (chunked_) co_await write_bytes("0\r\n\r\n");
}

void ResponseWriter::abandon() {
  if (state_ == State::streaming) state_ = State::sent;
  keep_alive_ = false;
}

}  // namespace aipg::api
