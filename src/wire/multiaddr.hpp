// Multiaddr (multiformats/multiaddr): self-describing network addresses, binary form
// `uvarint(code) ‖ value` per component, text form `/name/value/…`. Supported: ip4, ip6, tcp,
// udp, dns, dns4, dns6, dnsaddr, p2p (also read as "ipfs"), quic-v1, ws, wss, tls, noise.
// The binary form is the canonical one; a Multiaddr always holds valid bytes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace aipg::wire {

inline constexpr size_t kMaxMultiaddrSize = 1024;

struct MultiaddrComponent {
  uint64_t code;
  std::string_view name;
  BytesView value;  // raw value bytes (without a length prefix)
};

class Multiaddr {
 public:
  Multiaddr() = default;
  static Result<Multiaddr> parse(std::string_view text);
  static Result<Multiaddr> from_bytes(BytesView bytes);

  std::string to_string() const;
  const Bytes& bytes() const { return bytes_; }
  bool empty() const { return bytes_.empty(); }
  std::vector<MultiaddrComponent> components() const;

  Multiaddr encapsulate(const Multiaddr& inner) const;
  // The raw multihash of a trailing /p2p component, if any.
  std::optional<Bytes> p2p_multihash() const;
  // Without a trailing /p2p component.
  Multiaddr decapsulate_p2p() const;
  // With a trailing /p2p/<multihash> (replacing one that is there).
  Multiaddr with_p2p(BytesView multihash) const;

  // Text of the first ip4/ip6 component, or the name of a dns/dns4/dns6 component.
  std::optional<std::string> ip() const;
  std::optional<std::string> dns_name() const;
  std::optional<uint16_t> tcp_port() const;

  bool operator==(const Multiaddr& o) const { return bytes_ == o.bytes_; }
  bool operator!=(const Multiaddr& o) const { return bytes_ != o.bytes_; }
  bool operator<(const Multiaddr& o) const { return bytes_ < o.bytes_; }

 private:
  Bytes bytes_;
};

}  // namespace aipg::wire

template <>
struct std::hash<aipg::wire::Multiaddr> {
  size_t operator()(const aipg::wire::Multiaddr& m) const noexcept {
    return std::hash<std::string_view>()(aipg::as_chars(m.bytes()));
  }
};
