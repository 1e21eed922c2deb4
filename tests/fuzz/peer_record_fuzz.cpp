// Fuzzes opening signed peer record envelopes (RFC 0002/0003), as identify and PX will hand
// them to us from any peer. Nothing may crash; what opens must be the signer's and its
// addresses must round-trip.
#include <cstdlib>

#include "wire/peer_record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace aipg;
  using namespace aipg::wire;
  auto r = open_peer_record(BytesView(data, size));
  if (!r) return 0;
  if (!r->peer_id.public_key()) abort();  // Ed25519 ids carry their key: it signed this
  for (const Multiaddr& a : r->addrs) {
    auto again = Multiaddr::from_bytes(a.bytes());
    if (!again || *again != a) abort();
  }
  return 0;
}
