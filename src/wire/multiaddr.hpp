// Multiaddr (multiformats/multiaddr): "self-describing network addresses". Binary form: for each
// component `uvarint(code) ‖ value`, where the value has the protocol's fixed size or, for the
// variable-size ("V" in protocols.csv) ones, is `uvarint(len) ‖ bytes`. Text form: `/name/value…`,
// a zero-size protocol having no value (`/quic-v1`).
//
// Supported (code, text value): ip4 4 (dotted quad), tcp 6 and udp 273 (port 0–65535), ip6 41
// (canonical RFC 5952 text), dns 53 / dns4 54 / dns6 55 / dnsaddr 56 (a name of 1–255 printable
// ASCII bytes without '/'), p2p 421 (also read as its old name "ipfs"; the value is a multihash —
// identity of at most 42 bytes or sha2-256 — written base58btc, and read from base58btc or from a
// CIDv1 with codec libp2p-key 0x72 in multibase 'b' (base32) or 'z' (base58btc)), and the zero-size
// tls 448, noise 454, quic 460, quic-v1 461, webtransport 465, ws 477, wss 478, p2p-circuit 290.
// Anything else is refused, as is anything over kMaxMultiaddrSize bytes.
//
// The binary form is the canonical one: a Multiaddr always holds well-formed components, so
// to_string() then parse() gives back the same bytes. The p2p multihash is checked as a multihash
// only; whether it names a usable key is PeerId's business.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace aipg::wire {

// Our bound on the binary form of an address from outside; real ones are well under 100 bytes.
inline constexpr size_t kMaxMultiaddrSize = 1024;
inline constexpr size_t kMaxDnsNameSize = 255;

// Protocol codes (protocols.csv).
inline constexpr uint64_t kMaIp4 = 4;
inline constexpr uint64_t kMaTcp = 6;
inline constexpr uint64_t kMaIp6 = 41;
inline constexpr uint64_t kMaDns = 53;
inline constexpr uint64_t kMaDns4 = 54;
inline constexpr uint64_t kMaDns6 = 55;
inline constexpr uint64_t kMaDnsaddr = 56;
inline constexpr uint64_t kMaUdp = 273;
inline constexpr uint64_t kMaP2pCircuit = 290;
inline constexpr uint64_t kMaP2p = 421;
inline constexpr uint64_t kMaTls = 448;
inline constexpr uint64_t kMaNoise = 454;
inline constexpr uint64_t kMaQuic = 460;
inline constexpr uint64_t kMaQuicV1 = 461;
inline constexpr uint64_t kMaWebtransport = 465;
inline constexpr uint64_t kMaWs = 477;
inline constexpr uint64_t kMaWss = 478;

struct MultiaddrComponent {
  uint64_t code;
  std::string_view name;  // "ip4", "p2p", …
  BytesView value;        // the raw value, without a length prefix; empty for zero-size protocols
};

// What the first ip/dns component of an address is.
enum class HostKind { kNone, kIp4, kIp6, kDns, kDns4, kDns6, kDnsaddr };

class Multiaddr {
 public:
  Multiaddr() = default;  // the empty address (never produced by parse/from_bytes)

  // Text form. Errors name the component: "multiaddr /tcp: port 70000 out of range".
  static Result<Multiaddr> parse(std::string_view text);
  // Binary form; every byte must belong to a well-formed component (no trailing garbage).
  static Result<Multiaddr> from_bytes(BytesView bytes);

  std::string to_string() const;
  const Bytes& bytes() const { return bytes_; }
  bool empty() const { return bytes_.empty(); }
  // Views into bytes(): valid while this Multiaddr lives and is not changed.
  std::vector<MultiaddrComponent> components() const;

  // `this` followed by `inner`; refused when the result would exceed kMaxMultiaddrSize.
  Result<Multiaddr> encapsulate(const Multiaddr& inner) const;
  // The raw multihash of a trailing /p2p component, if any.
  std::optional<Bytes> p2p_multihash() const;
  // Without a trailing /p2p component (unchanged when there is none).
  Multiaddr decapsulate_p2p() const;
  // With a trailing /p2p/<multihash>, replacing one that is there. `multihash` must be a valid
  // peer id multihash (PeerId::multihash()); the size bound is not enforced here, so an address
  // near kMaxMultiaddrSize may come out over it.
  Multiaddr with_p2p(BytesView multihash) const;

  HostKind host_kind() const;
  // Text of the first ip4/ip6 component.
  std::optional<std::string> ip() const;
  // The name in the first dns/dns4/dns6/dnsaddr component.
  std::optional<std::string> dns_name() const;
  std::optional<uint16_t> tcp_port() const;
  std::optional<uint16_t> udp_port() const;

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
