#include "wire/multiaddr.hpp"

#include <arpa/inet.h>

#include <cassert>
#include <charconv>

#include "wire/base58.hpp"
#include "wire/varint.hpp"

namespace aipg::wire {
namespace {

// Value size in bytes: > 0 fixed, 0 none, kVariable uvarint-length-prefixed.
constexpr int kVariable = -1;

struct Protocol {
  uint64_t code;
  std::string_view name;
  int size;
};

constexpr Protocol kProtocols[] = {
    {kMaIp4, "ip4", 4},
    {kMaTcp, "tcp", 2},
    {kMaUdp, "udp", 2},
    {kMaIp6, "ip6", 16},
    {kMaDns, "dns", kVariable},
    {kMaDns4, "dns4", kVariable},
    {kMaDns6, "dns6", kVariable},
    {kMaDnsaddr, "dnsaddr", kVariable},
    {kMaP2p, "p2p", kVariable},
    {kMaP2pCircuit, "p2p-circuit", 0},
    {kMaTls, "tls", 0},
    {kMaNoise, "noise", 0},
    {kMaQuic, "quic", 0},
    {kMaQuicV1, "quic-v1", 0},
    {kMaWebtransport, "webtransport", 0},
    {kMaWs, "ws", 0},
    {kMaWss, "wss", 0},
};

// Multihash codes a peer id may use (libp2p/specs peer-ids).
constexpr uint64_t kMultihashIdentity = 0x00;
constexpr uint64_t kMultihashSha256 = 0x12;
constexpr size_t kMaxIdentityDigest = 42;
constexpr uint64_t kCidV1 = 1;
constexpr uint64_t kCidLibp2pKey = 0x72;
// Longer than any base58 or base32 form of the multihashes above (about 80 characters).
constexpr size_t kMaxP2pText = 128;

const Protocol* by_code(uint64_t code) {
  for (const auto& p : kProtocols) {
    if (p.code == code) return &p;
  }
  return nullptr;
}

const Protocol* by_name(std::string_view name) {
  if (name == "ipfs") return by_code(kMaP2p);  // the old name of p2p, still in bootstrap lists
  for (const auto& p : kProtocols) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

bool is_dns(uint64_t code) { return code >= kMaDns && code <= kMaDnsaddr; }

// An error that names the component: "multiaddr /tcp: port 70000 out of range".
Error bad(std::string_view component, const std::string& why, Errc code = Errc::malformed) {
  return make_error(code, "multiaddr /" + std::string(component) + ": " + why);
}

// Quoted text for a message, cut short so a hostile input cannot bloat the log.
std::string shown(std::string_view text) {
  constexpr size_t kMax = 48;
  std::string s = "'";
  for (char c : text.substr(0, kMax)) {
    s += (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f) ? c : '?';
  }
  s += text.size() > kMax ? "…'" : "'";
  return s;
}

Status check_dns(std::string_view name, std::string_view proto) {
  if (name.empty() || name.size() > kMaxDnsNameSize) {
    return bad(proto, "name of " + std::to_string(name.size()) + " bytes; must be 1 to " +
                          std::to_string(kMaxDnsNameSize));
  }
  // '/' would end the component in the text form; control and non-ASCII bytes have no agreed
  // text form, so refusing them keeps binary → text → binary exact.
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '/' || u < 0x21 || u > 0x7e) {
      return bad(proto, "name " + shown(name) + " contains a byte that is not allowed");
    }
  }
  return ok();
}

// `code ‖ len ‖ digest` with an exact length, code identity (≤ 42 bytes) or sha2-256 (32 bytes).
Status check_multihash(BytesView mh) {
  auto code = read_uvarint(mh);
  if (!code || !*code) return bad("p2p", "bad multihash code");
  BytesView rest = mh.subspan((*code)->size);
  auto len = read_uvarint(rest);
  if (!len || !*len) return bad("p2p", "bad multihash length");
  const size_t digest = rest.size() - (*len)->size;
  if ((*len)->value != digest) {
    return bad("p2p", "multihash says " + std::to_string((*len)->value) + " digest bytes, has " +
                          std::to_string(digest));
  }
  switch ((*code)->value) {
    case kMultihashIdentity:
      if (digest == 0 || digest > kMaxIdentityDigest) {
        return bad("p2p", "identity multihash of " + std::to_string(digest) +
                              " bytes; must be 1 to " + std::to_string(kMaxIdentityDigest));
      }
      return ok();
    case kMultihashSha256:
      if (digest != 32)
        return bad("p2p", "sha2-256 multihash of " + std::to_string(digest) + " bytes");
      return ok();
    default:
      return bad("p2p", "multihash code " + std::to_string((*code)->value) + " is not a peer id",
                 Errc::unsupported);
  }
}

// The multihash inside a CIDv1 `version ‖ codec ‖ multihash`.
Result<Bytes> multihash_from_cid(BytesView cid) {
  auto ver = read_uvarint(cid);
  if (!ver || !*ver || (*ver)->value != kCidV1) return bad("p2p", "CID is not version 1");
  cid = cid.subspan((*ver)->size);
  auto codec = read_uvarint(cid);
  if (!codec || !*codec || (*codec)->value != kCidLibp2pKey) {
    return bad("p2p", "CID codec is not libp2p-key (0x72)");
  }
  cid = cid.subspan((*codec)->size);
  return Bytes(cid.begin(), cid.end());
}

Result<Bytes> p2p_from_text(std::string_view text) {
  if (text.size() > kMaxP2pText) {
    return bad("p2p", "peer id of " + std::to_string(text.size()) + " characters is too long");
  }
  Bytes mh;
  // A base58btc multihash of an allowed code starts with '1' (identity) or 'Q' (sha2-256), so a
  // leading 'b' or 'z' can only be a multibase prefix.
  if (!text.empty() && (text[0] == 'b' || text[0] == 'z')) {
    auto cid = text[0] == 'b' ? base32_decode(text.substr(1)) : base58_decode(text.substr(1));
    if (!cid) return bad("p2p", "CID " + shown(text) + ": " + cid.error().message);
    AIPG_TRY_ASSIGN(mh, multihash_from_cid(*cid));
  } else {
    auto raw = base58_decode(text);
    if (!raw) return bad("p2p", shown(text) + " is not base58btc: " + raw.error().message);
    mh = std::move(*raw);
  }
  AIPG_TRY(check_multihash(mh));
  return mh;
}

Status port_from_text(const Protocol& p, std::string_view text, Bytes& out) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || end != text.data() + text.size() ||
      (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    return bad(p.name, "port " + shown(text) + " is not a number");
  }
  if (ec == std::errc::result_out_of_range || v > 65535) {
    return bad(p.name, "port " + std::string(text) + " out of range (0-65535)");
  }
  out.push_back(uint8_t(v >> 8));
  out.push_back(uint8_t(v));
  return ok();
}

Status ip_from_text(const Protocol& p, std::string_view text, Bytes& out) {
  const int family = p.code == kMaIp4 ? AF_INET : AF_INET6;
  // inet_pton reads a C string: an embedded NUL would hide whatever follows it.
  uint8_t a[16];
  if (text.size() >= INET6_ADDRSTRLEN || text.find('\0') != std::string_view::npos ||
      inet_pton(family, std::string(text).c_str(), a) != 1) {
    return bad(p.name, shown(text) + " is not an " +
                           std::string(family == AF_INET ? "IPv4" : "IPv6") + " address");
  }
  out.insert(out.end(), a, a + p.size);
  return ok();
}

// Appends the binary value of one component given its text.
Status value_from_text(const Protocol& p, std::string_view text, Bytes& out) {
  switch (p.code) {
    case kMaIp4:
    case kMaIp6:
      return ip_from_text(p, text, out);
    case kMaTcp:
    case kMaUdp:
      return port_from_text(p, text, out);
    case kMaDns:
    case kMaDns4:
    case kMaDns6:
    case kMaDnsaddr:
      AIPG_TRY(check_dns(text, p.name));
      put_uvarint(out, text.size());
      append(out, as_bytes(text));
      return ok();
    case kMaP2p: {
      AIPG_TRY_ASSIGN(Bytes mh, p2p_from_text(text));
      put_uvarint(out, mh.size());
      append(out, mh);
      return ok();
    }
  }
  assert(false && "a protocol with a value but no text codec");
  return bad(p.name, "no text form", Errc::internal);
}

std::string value_to_text(const Protocol& p, BytesView v) {
  char buf[INET6_ADDRSTRLEN];
  switch (p.code) {
    case kMaIp4:
      return inet_ntop(AF_INET, v.data(), buf, sizeof buf) ? buf : "";
    case kMaIp6:
      return inet_ntop(AF_INET6, v.data(), buf, sizeof buf) ? buf : "";
    case kMaTcp:
    case kMaUdp:
      return std::to_string(get_be16(v.data()));
    case kMaP2p:
      return base58_encode(v);
    default:
      return std::string(as_chars(v));
  }
}

// One component read from the front of `in`, value checked.
struct Decoded {
  const Protocol* proto;
  BytesView value;
  size_t size;  // bytes of `in` it takes, code and length prefix included
};

Result<Decoded> read_component(BytesView in) {
  auto code = read_uvarint(in);
  if (!code)
    return make_error(Errc::malformed, "multiaddr: bad protocol code: " + code.error().message);
  if (!*code) return make_error(Errc::malformed, "multiaddr: truncated protocol code");
  const Protocol* p = by_code((*code)->value);
  if (!p) {
    return make_error(Errc::unsupported,
                      "multiaddr: unknown protocol code " + std::to_string((*code)->value));
  }
  size_t off = (*code)->size;
  size_t len;
  if (p->size != kVariable) {
    len = size_t(p->size);
  } else {
    auto l = read_uvarint(in.subspan(off));
    if (!l || !*l) return bad(p->name, "bad value length");
    off += (*l)->size;
    if ((*l)->value > in.size() - off) {
      return bad(p->name, "value of " + std::to_string((*l)->value) + " bytes but only " +
                              std::to_string(in.size() - off) + " left");
    }
    len = size_t((*l)->value);
  }
  if (in.size() - off < len) return bad(p->name, "truncated value");
  BytesView value = in.subspan(off, len);
  if (is_dns(p->code)) AIPG_TRY(check_dns(as_chars(value), p->name));
  if (p->code == kMaP2p) AIPG_TRY(check_multihash(value));
  return Decoded{p, value, off + len};
}

// Walks the components of bytes that were validated when the Multiaddr was built.
template <class F>
void for_each(const Bytes& bytes, F&& f) {
  size_t off = 0;
  while (off < bytes.size()) {
    auto d = read_component(BytesView(bytes).subspan(off));
    assert(d && "Multiaddr holds only well-formed components");
    if (!d) return;
    if (!f(*d, off)) return;
    off += d->size;
  }
}

}  // namespace

Result<Multiaddr> Multiaddr::from_bytes(BytesView bytes) {
  if (bytes.empty()) return make_error(Errc::malformed, "multiaddr: empty");
  if (bytes.size() > kMaxMultiaddrSize) {
    return make_error(Errc::too_large, "multiaddr: " + std::to_string(bytes.size()) +
                                           " bytes exceed " + std::to_string(kMaxMultiaddrSize));
  }
  size_t off = 0;
  while (off < bytes.size()) {
    AIPG_TRY_ASSIGN(Decoded d, read_component(bytes.subspan(off)));
    off += d.size;
  }
  Multiaddr m;
  m.bytes_.assign(bytes.begin(), bytes.end());
  return m;
}

Result<Multiaddr> Multiaddr::parse(std::string_view text) {
  if (text.empty() || text[0] != '/') {
    return make_error(Errc::malformed, "multiaddr: " + shown(text) + " does not start with '/'");
  }
  // Every binary byte takes at least one character, base58 under 1.4 and '/' separators aside.
  if (text.size() > 4 * kMaxMultiaddrSize) {
    return make_error(Errc::too_large, "multiaddr: text of " + std::to_string(text.size()) +
                                           " characters is too long");
  }
  if (text.size() > 1 && text.back() == '/') {
    return make_error(Errc::malformed, "multiaddr: trailing '/'");
  }
  // Splits off the next '/'-separated part, moving `pos` past it.
  size_t pos = 1;
  auto next_part = [&]() {
    const size_t end = std::min(text.find('/', pos), text.size());
    std::string_view part = text.substr(pos, end - pos);
    pos = end + 1;
    return part;
  };
  Multiaddr m;
  while (pos < text.size()) {
    std::string_view name = next_part();
    if (name.empty()) return make_error(Errc::malformed, "multiaddr: empty component (\"//\")");
    const Protocol* p = by_name(name);
    if (!p) {
      return make_error(Errc::unsupported, "multiaddr: unknown protocol " + shown(name));
    }
    put_uvarint(m.bytes_, p->code);
    if (p->size == 0) continue;
    if (pos >= text.size()) return bad(p->name, "missing value");
    AIPG_TRY(value_from_text(*p, next_part(), m.bytes_));
    if (m.bytes_.size() > kMaxMultiaddrSize) break;
  }
  if (m.bytes_.empty()) return make_error(Errc::malformed, "multiaddr: empty");
  if (m.bytes_.size() > kMaxMultiaddrSize) {
    return make_error(Errc::too_large,
                      "multiaddr: over " + std::to_string(kMaxMultiaddrSize) + " bytes");
  }
  return m;
}

std::vector<MultiaddrComponent> Multiaddr::components() const {
  std::vector<MultiaddrComponent> out;
  for_each(bytes_, [&](const Decoded& d, size_t) {
    out.push_back({d.proto->code, d.proto->name, d.value});
    return true;
  });
  return out;
}

std::string Multiaddr::to_string() const {
  std::string s;
  for_each(bytes_, [&](const Decoded& d, size_t) {
    s += '/';
    s += d.proto->name;
    if (d.proto->size != 0) {
      s += '/';
      s += value_to_text(*d.proto, d.value);
    }
    return true;
  });
  return s;
}

Result<Multiaddr> Multiaddr::encapsulate(const Multiaddr& inner) const {
  if (bytes_.size() + inner.bytes_.size() > kMaxMultiaddrSize) {
    return make_error(Errc::too_large, "multiaddr: encapsulating " + inner.to_string() + " in " +
                                           to_string() + " exceeds " +
                                           std::to_string(kMaxMultiaddrSize) + " bytes");
  }
  Multiaddr m = *this;
  append(m.bytes_, inner.bytes_);
  return m;
}

std::optional<Bytes> Multiaddr::p2p_multihash() const {
  std::optional<Bytes> mh;
  for_each(bytes_, [&](const Decoded& d, size_t off) {
    if (d.proto->code == kMaP2p && off + d.size == bytes_.size()) {
      mh.emplace(d.value.begin(), d.value.end());
    }
    return true;
  });
  return mh;
}

Multiaddr Multiaddr::decapsulate_p2p() const {
  Multiaddr m = *this;
  for_each(bytes_, [&](const Decoded& d, size_t off) {
    if (d.proto->code == kMaP2p && off + d.size == bytes_.size()) m.bytes_.resize(off);
    return true;
  });
  return m;
}

Multiaddr Multiaddr::with_p2p(BytesView multihash) const {
  assert(check_multihash(multihash) && "with_p2p needs a peer id multihash");
  Multiaddr m = decapsulate_p2p();
  put_uvarint(m.bytes_, kMaP2p);
  put_uvarint(m.bytes_, multihash.size());
  append(m.bytes_, multihash);
  return m;
}

HostKind Multiaddr::host_kind() const {
  HostKind kind = HostKind::kNone;
  for_each(bytes_, [&](const Decoded& d, size_t) {
    switch (d.proto->code) {
      case kMaIp4:
        kind = HostKind::kIp4;
        break;
      case kMaIp6:
        kind = HostKind::kIp6;
        break;
      case kMaDns:
        kind = HostKind::kDns;
        break;
      case kMaDns4:
        kind = HostKind::kDns4;
        break;
      case kMaDns6:
        kind = HostKind::kDns6;
        break;
      case kMaDnsaddr:
        kind = HostKind::kDnsaddr;
        break;
      default:
        return true;
    }
    return false;
  });
  return kind;
}

std::optional<std::string> Multiaddr::ip() const {
  std::optional<std::string> ip;
  for_each(bytes_, [&](const Decoded& d, size_t) {
    if (d.proto->code != kMaIp4 && d.proto->code != kMaIp6) return true;
    ip = value_to_text(*d.proto, d.value);
    return false;
  });
  return ip;
}

std::optional<std::string> Multiaddr::dns_name() const {
  std::optional<std::string> name;
  for_each(bytes_, [&](const Decoded& d, size_t) {
    if (!is_dns(d.proto->code)) return true;
    name.emplace(as_chars(d.value));
    return false;
  });
  return name;
}

namespace {
std::optional<uint16_t> first_port(const Bytes& bytes, uint64_t code) {
  std::optional<uint16_t> port;
  for_each(bytes, [&](const Decoded& d, size_t) {
    if (d.proto->code != code) return true;
    port = get_be16(d.value.data());
    return false;
  });
  return port;
}
}  // namespace

std::optional<uint16_t> Multiaddr::tcp_port() const { return first_port(bytes_, kMaTcp); }
std::optional<uint16_t> Multiaddr::udp_port() const { return first_port(bytes_, kMaUdp); }

}  // namespace aipg::wire
