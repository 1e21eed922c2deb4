// Real keys and a counting Rng for the grid tests whose messages must be signed as the router
// delivers them (replays, restores, catch-up).
#pragma once

#include "protocol/grid/types.hpp"
#include "runtime/rng.hpp"
#include "wire/keys.hpp"

namespace aipg::grid::testing {

// The same bytes every run, different from call to call.
class CountingRng final : public runtime::Rng {
 public:
  void fill(MutBytesView out) override {
    for (uint8_t& b : out) b = static_cast<uint8_t>(++n_ * 131);
  }

 private:
  uint64_t n_ = 0;
};

inline wire::KeyPair key(uint8_t n) { return *wire::KeyPair::from_seed(Bytes(32, n)); }
inline PeerId id_of(const wire::KeyPair& k) { return PeerId::from_public_key(k.public_key()); }

}  // namespace aipg::grid::testing
