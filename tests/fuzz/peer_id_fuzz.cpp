// Fuzzes peer id parsing from text (base58 / CID) and from multihash bytes, and the key
// protobuf parsers. Whatever parses must round-trip.
#include <cstdlib>

#include "wire/keys.hpp"
#include "wire/peer_id.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace aipg;
  using namespace aipg::wire;
  BytesView in(data, size);
  if (auto id = PeerId::from_multihash(in)) {
    auto again = PeerId::parse(id->to_base58());
    if (!again || *again != *id) abort();
    auto via_cid = PeerId::parse(id->to_cid());
    if (!via_cid || *via_cid != *id) abort();
  }
  if (auto id = PeerId::parse(as_chars(in))) {
    if (!PeerId::from_multihash(id->multihash())) abort();
  }
  if (auto k = PublicKey::from_protobuf(in)) {
    if (!PublicKey::from_protobuf(k->to_protobuf())) abort();
  }
  (void)KeyPair::from_protobuf(in);
  return 0;
}
