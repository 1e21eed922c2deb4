// Internal to io/asio (includes Asio): Multiaddr <-> TCP endpoint conversions and the one way
// OS errors become Errors ("dial /ip4/10.0.0.1/tcp/4001: Connection refused").
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "wire/multiaddr.hpp"

namespace aipg::io {

// Where a /ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>[/p2p/<id>] address points.
struct TcpTarget {
  enum class Kind { ip4, ip6, dns, dns4, dns6 };
  Kind kind;
  std::string host;  // an address literal for ip4/ip6, a name for the dns kinds
  uint16_t port;
  bool is_name() const { return kind != Kind::ip4 && kind != Kind::ip6; }
};

Result<TcpTarget> parse_tcp_target(const wire::Multiaddr& addr);

// /ip4/a.b.c.d/tcp/p or /ip6/…/tcp/p; v4-mapped IPv6 addresses (from a dual-stack listener)
// come out as /ip4, and an IPv6 zone is dropped (a Multiaddr /ip6 has none).
Result<wire::Multiaddr> multiaddr_of(const boost::asio::ip::tcp::endpoint& ep);

Error io_error(std::string_view what, std::string_view addr, const boost::system::error_code& ec);

}  // namespace aipg::io
