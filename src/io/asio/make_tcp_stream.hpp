// Internal to io/asio: wraps a connected socket into a TcpStream (sets TCP_NODELAY, reads both
// endpoints). Fails when the socket is no longer connected (a peer that reset right away).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "base/result.hpp"
#include "io/asio/tcp_stream.hpp"

namespace aipg::io {

Result<std::unique_ptr<TcpStream>> make_tcp_stream(boost::asio::ip::tcp::socket socket);

}  // namespace aipg::io
