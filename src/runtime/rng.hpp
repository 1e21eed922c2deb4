// runtime::Rng — randomness is a dependency: the real runtime draws from the OS CSPRNG, the
// simulator from a seeded generator so that a run replays exactly.
#pragma once

#include <cstdint>

#include "base/bytes.hpp"

namespace aipg::runtime {

class Rng {
 public:
  virtual ~Rng() = default;
  virtual void fill(MutBytesView out) = 0;

  uint64_t next_u64() {
    uint8_t b[8];
    fill(MutBytesView(b, 8));
    return get_be64(b);
  }
  // Uniform in [0, n); n > 0.
  uint64_t uniform(uint64_t n) {
    // Rejection sampling: no modulo bias.
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do v = next_u64();
    while (v >= limit);
    return v % n;
  }
};

}  // namespace aipg::runtime
