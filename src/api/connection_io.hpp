// detail::ConnectionIo — one HTTP connection's socket and read buffer, on the connection's
// coroutine frame; the ResponseWriter of each request on it writes through it. Internal to api/.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "base/time.hpp"

namespace aipg::api::detail {

struct ConnectionIo {
  ConnectionIo(boost::asio::ip::tcp::socket socket, Duration write_timeout_)
      : stream(std::move(socket)), write_timeout(write_timeout_) {}

  // Its own timer bounds writes only (write_timeout): on expiry it closes the socket, which is
  // right for a client that does not read but would make a 408 impossible, so reads are bounded
  // by the connection's deadline timer instead.
  boost::beast::tcp_stream stream;
  // Bytes read past the current request (a pipelined next request) stay here.
  boost::beast::flat_buffer buffer;
  Duration write_timeout;
};

}  // namespace aipg::api::detail
