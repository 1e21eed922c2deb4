// Fuzzes multiaddr decoding from bytes and parsing from text. Whatever is accepted must round-trip
// exactly: bytes → text → the same bytes, and text → bytes → text → the same bytes again.
#include <cstdlib>

#include "wire/multiaddr.hpp"

namespace {

using namespace aipg;
using namespace aipg::wire;

// Every accessor must work on an accepted address, and re-reading its text must give its bytes.
void check(const Multiaddr& m) {
  const std::string text = m.to_string();
  auto again = Multiaddr::parse(text);
  if (!again || again->bytes() != m.bytes()) abort();
  auto from_bytes = Multiaddr::from_bytes(m.bytes());
  if (!from_bytes || *from_bytes != m) abort();
  size_t n = 0;
  for (const auto& c : m.components()) n += c.value.size();
  if (n > m.bytes().size()) abort();
  (void)m.ip();
  (void)m.dns_name();
  (void)m.tcp_port();
  (void)m.udp_port();
  (void)m.host_kind();
  const Multiaddr bare = m.decapsulate_p2p();
  if (auto mh = m.p2p_multihash()) {
    if (bare.bytes().size() >= m.bytes().size()) abort();
    // with_p2p replaces a trailing /p2p, so it rebuilds m only when m did not end in two.
    if (!bare.p2p_multihash() && bare.with_p2p(*mh) != m) abort();
  } else if (bare != m) {
    abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  BytesView in(data, size);
  if (auto m = Multiaddr::from_bytes(in)) {
    if (m->bytes().size() != size) abort();
    check(*m);
  }
  if (auto m = Multiaddr::parse(as_chars(in))) check(*m);
  return 0;
}
