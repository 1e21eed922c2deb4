#include "io/asio/tcp_address.hpp"

#include <charconv>
#include <vector>

namespace aipg::io {

namespace {

std::vector<std::string_view> split_components(std::string_view s) {
  std::vector<std::string_view> parts;
  if (!s.empty() && s.front() == '/') s.remove_prefix(1);
  while (!s.empty()) {
    const size_t slash = s.find('/');
    parts.push_back(s.substr(0, slash));
    if (slash == std::string_view::npos) break;
    s.remove_prefix(slash + 1);
  }
  return parts;
}

}  // namespace

// Works on the canonical text form so that only parse()/to_string() of Multiaddr are relied on.
Result<TcpTarget> parse_tcp_target(const wire::Multiaddr& addr) {
  const std::string text = addr.to_string();
  const auto parts = split_components(text);
  auto bad = [&](std::string_view why) {
    return make_error(Errc::unsupported, "tcp: " + text + ": " + std::string(why));
  };
  // <net> <host> tcp <port> [p2p <id>]
  if (parts.size() != 4 && !(parts.size() == 6 && parts[4] == "p2p")) {
    return bad("expected /ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>[/p2p/<id>]");
  }
  TcpTarget t{};
  if (parts[0] == "ip4") {
    t.kind = TcpTarget::Kind::ip4;
  } else if (parts[0] == "ip6") {
    t.kind = TcpTarget::Kind::ip6;
  } else if (parts[0] == "dns") {
    t.kind = TcpTarget::Kind::dns;
  } else if (parts[0] == "dns4") {
    t.kind = TcpTarget::Kind::dns4;
  } else if (parts[0] == "dns6") {
    t.kind = TcpTarget::Kind::dns6;
  } else {
    return bad("not an ip4/ip6/dns address");
  }
  if (parts[2] != "tcp") return bad("not a tcp address");
  unsigned port = 0;
  const auto p = parts[3];
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
  if (ec != std::errc() || end != p.data() + p.size() || port > 65535) return bad("bad tcp port");
  t.host = std::string(parts[1]);
  t.port = static_cast<uint16_t>(port);
  if (t.host.empty()) return bad("empty host");
  return t;
}

Result<wire::Multiaddr> multiaddr_of(const boost::asio::ip::tcp::endpoint& ep) {
  namespace ip = boost::asio::ip;
  ip::address a = ep.address();
  std::string text;
  if (a.is_v6() && a.to_v6().is_v4_mapped()) a = ip::make_address_v4(ip::v4_mapped, a.to_v6());
  if (a.is_v4()) {
    text = "/ip4/" + a.to_v4().to_string();
  } else {
    text = "/ip6/" + ip::address_v6(a.to_v6().to_bytes()).to_string();  // without the zone
  }
  text += "/tcp/" + std::to_string(ep.port());
  return wire::Multiaddr::parse(text);
}

Error io_error(std::string_view what, std::string_view addr, const boost::system::error_code& ec) {
  std::string msg(what);
  msg += ' ';
  msg += addr;
  msg += ": ";
  msg += ec.message();
  return make_error(ec == boost::asio::error::timed_out ? Errc::timeout : Errc::io, std::move(msg));
}

}  // namespace aipg::io
