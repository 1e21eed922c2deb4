// Made-up peers and a time origin for the tests of the router's parts (no keys needed: the
// parts only compare and hash peer ids).
#pragma once

#include "base/time.hpp"
#include "protocol/gossipsub/types.hpp"

namespace aipg::gossipsub::testing {

// A distinct sha2-256 peer id for each n.
inline PeerId peer(uint8_t n) {
  Bytes mh{0x12, 0x20};
  mh.resize(34, n);
  return PeerId::from_multihash(mh).value();
}

inline const Instant kT0 = Instant{} + std::chrono::hours(1);
inline constexpr Duration kNs = std::chrono::nanoseconds(1);

}  // namespace aipg::gossipsub::testing
