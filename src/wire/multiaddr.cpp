#include "wire/multiaddr.hpp"

#include <arpa/inet.h>

#include <charconv>

#include "wire/base58.hpp"
#include "wire/peer_id.hpp"
#include "wire/varint.hpp"

namespace aipg::wire {
namespace {

// Value size: > 0 fixed, 0 none, -1 uvarint-length-prefixed.
struct Protocol {
  uint64_t code;
  std::string_view name;
  int size;
};

constexpr Protocol kProtocols[] = {
    {4, "ip4", 4},     {6, "tcp", 2},         {273, "udp", 2},     {41, "ip6", 16},
    {53, "dns", -1},   {54, "dns4", -1},      {55, "dns6", -1},    {56, "dnsaddr", -1},
    {421, "p2p", -1},  {0x01cd, "quic-v1", 0}, {477, "ws", 0},     {478, "wss", 0},
    {448, "tls", 0},   {454, "noise", 0},
};
constexpr uint64_t kP2p = 421;
constexpr size_t kMaxDnsName = 255;

const Protocol* by_code(uint64_t code) {
  for (const auto& p : kProtocols) {
    if (p.code == code) return &p;
  }
  return nullptr;
}

const Protocol* by_name(std::string_view name) {
  if (name == "ipfs") return by_code(kP2p);  // the old name of p2p
  for (const auto& p : kProtocols) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

Error bad(std::string_view component, const std::string& why) {
  return make_error(Errc::malformed, "multiaddr /" + std::string(component) + ": " + why);
}

Status check_dns(std::string_view name, std::string_view proto) {
  if (name.empty() || name.size() > kMaxDnsName) {
    return bad(proto, "name must be 1 to " + std::to_string(kMaxDnsName) + " bytes");
  }
  for (char c : name) {
    if (c == '/' || static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) {
      return bad(proto, "name contains a character that is not allowed");
    }
  }
  return ok();
}

// Appends the binary value of one component given its text.
Status value_from_text(const Protocol& p, std::string_view text, Bytes& out) {
  switch (p.code) {
    case 4: {
      uint8_t a[4];
      if (inet_pton(AF_INET, std::string(text).c_str(), a) != 1) return bad(p.name, "'" + std::string(text) + "' is not an IPv4 address");
      out.insert(out.end(), a, a + 4);
      return ok();
    }
    case 41: {
      uint8_t a[16];
      if (inet_pton(AF_INET6, std::string(text).c_str(), a) != 1) return bad(p.name, "'" + std::string(text) + "' is not an IPv6 address");
      out.insert(out.end(), a, a + 16);
      return ok();
    }
    case 6:
    case 273: {
      unsigned v = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
        return bad(p.name, "port '" + std::string(text) + "' is not a number");
      }
      if (v > 65535) return bad(p.name, "port " + std::string(text) + " out of range");
      out.push_back(uint8_t(v >> 8));
      out.push_back(uint8_t(v));
      return ok();
    }
    case 53:
    case 54:
    case 55:
    case 56:
      AIPG_TRY(check_dns(text, p.name));
      put_uvarint(out, text.size());
      append(out, as_bytes(text));
      return ok();
    case kP2p: {
      auto id = PeerId::parse(text);
      if (!id) return bad(p.name, id.error().message);
      put_uvarint(out, id->multihash().size());
      append(out, id->multihash());
      return ok();
    }
  }
  return bad(p.name, "takes no value");
}

// Reads one component from the front of `in`.
struct Decoded {
  const Protocol* proto;
  BytesView value;
  size_t size;
};

Result<Decoded> read_component(BytesView in) {
  auto code = read_uvarint(in);
  if (!code) return make_error(Errc::malformed, "multiaddr: bad protocol code: " + code.error().message);
  if (!*code) return make_error(Errc::malformed, "multiaddr: truncated protocol code");
  const Protocol* p = by_code((*code)->value);
  if (!p) {
    return make_error(Errc::unsupported,
                      "multiaddr: unknown protocol code " + std::to_string((*code)->value));
  }
  size_t off = (*code)->size;
  size_t len;
  if (p->size >= 0) {
    len = size_t(p->size);
  } else {
    auto l = read_uvarint(in.subspan(off));
    if (!l || !*l) return bad(p->name, "bad value length");
    off += (*l)->size;
    if ((*l)->value > in.size()) return bad(p->name, "value longer than the address");
    len = size_t((*l)->value);
  }
  if (in.size() - off < len) return bad(p->name, "truncated value");
  BytesView value = in.subspan(off, len);
  if (p->code >= 53 && p->code <= 56) AIPG_TRY(check_dns(as_chars(value), p->name));
  if (p->code == kP2p) {
    auto id = PeerId::from_multihash(value);
    if (!id) return bad(p->name, id.error().message);
  }
  return Decoded{p, value, off + len};
}

std::string value_to_text(const Protocol& p, BytesView v) {
  char buf[INET6_ADDRSTRLEN];
  switch (p.code) {
    case 4:
      inet_ntop(AF_INET, v.data(), buf, sizeof buf);
      return buf;
    case 41:
      inet_ntop(AF_INET6, v.data(), buf, sizeof buf);
      return buf;
    case 6:
    case 273:
      return std::to_string(get_be16(v.data()));
    case kP2p:
      return base58_encode(v);
    default:
      return std::string(as_chars(v));
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
    return make_error(Errc::malformed, "multiaddr: must start with '/'");
  }
  if (text.size() > 4 * kMaxMultiaddrSize) return make_error(Errc::too_large, "multiaddr: text too long");
  Multiaddr m;
  size_t pos = 1;
  while (pos < text.size()) {
    size_t end = text.find('/', pos);
    std::string_view name = text.substr(pos, end == std::string_view::npos ? end : end - pos);
    if (name.empty()) return make_error(Errc::malformed, "multiaddr: empty component");
    const Protocol* p = by_name(name);
    if (!p) return make_error(Errc::unsupported, "multiaddr: unknown protocol '" + std::string(name) + "'");
    put_uvarint(m.bytes_, p->code);
    pos = end == std::string_view::npos ? text.size() : end + 1;
    if (p->size == 0) continue;
    if (end == std::string_view::npos) return bad(p->name, "missing value");
    end = text.find('/', pos);
    std::string_view value = text.substr(pos, end == std::string_view::npos ? end : end - pos);
    AIPG_TRY(value_from_text(*p, value, m.bytes_));
    pos = end == std::string_view::npos ? text.size() : end + 1;
  }
  if (text.back() == '/' && text.size() > 1) return make_error(Errc::malformed, "multiaddr: trailing '/'");
  if (m.bytes_.empty()) return make_error(Errc::malformed, "multiaddr: empty");
  if (m.bytes_.size() > kMaxMultiaddrSize) return make_error(Errc::too_large, "multiaddr: too long");
  return m;
}

std::vector<MultiaddrComponent> Multiaddr::components() const {
  std::vector<MultiaddrComponent> out;
  size_t off = 0;
  while (off < bytes_.size()) {
    auto d = read_component(BytesView(bytes_).subspan(off));
    if (!d) break;  // cannot happen: bytes_ was validated
    out.push_back({d->proto->code, d->proto->name, d->value});
    off += d->size;
  }
  return out;
}

std::string Multiaddr::to_string() const {
  std::string s;
  size_t off = 0;
  while (off < bytes_.size()) {
    auto d = read_component(BytesView(bytes_).subspan(off));
    if (!d) break;
    s += '/';
    s += d->proto->name;
    if (d->proto->size != 0) {
      s += '/';
      s += value_to_text(*d->proto, d->value);
    }
    off += d->size;
  }
  return s;
}

Multiaddr Multiaddr::encapsulate(const Multiaddr& inner) const {
  Multiaddr m = *this;
  append(m.bytes_, inner.bytes_);
  return m;
}

std::optional<Bytes> Multiaddr::p2p_multihash() const {
  auto cs = components();
  if (cs.empty() || cs.back().code != kP2p) return std::nullopt;
  return Bytes(cs.back().value.begin(), cs.back().value.end());
}

Multiaddr Multiaddr::decapsulate_p2p() const {
  Multiaddr m;
  size_t off = 0;
  while (off < bytes_.size()) {
    auto d = read_component(BytesView(bytes_).subspan(off));
    if (!d) break;
    if (d->proto->code == kP2p && off + d->size == bytes_.size()) break;
    m.bytes_.insert(m.bytes_.end(), bytes_.begin() + off, bytes_.begin() + off + d->size);
    off += d->size;
  }
  return m;
}

Multiaddr Multiaddr::with_p2p(BytesView multihash) const {
  Multiaddr m = decapsulate_p2p();
  put_uvarint(m.bytes_, kP2p);
  put_uvarint(m.bytes_, multihash.size());
  append(m.bytes_, multihash);
  return m;
}

std::optional<std::string> Multiaddr::ip() const {
  for (const auto& c : components()) {
    if (c.code == 4 || c.code == 41) return value_to_text(*by_code(c.code), c.value);
  }
  return std::nullopt;
}

std::optional<std::string> Multiaddr::dns_name() const {
  for (const auto& c : components()) {
    if (c.code >= 53 && c.code <= 56) return std::string(as_chars(c.value));
  }
  return std::nullopt;
}

std::optional<uint16_t> Multiaddr::tcp_port() const {
  for (const auto& c : components()) {
    if (c.code == 6) return get_be16(c.value.data());
  }
  return std::nullopt;
}

}  // namespace aipg::wire
