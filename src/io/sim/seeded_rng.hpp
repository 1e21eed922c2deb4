// SeededRng — deterministic randomness for the simulator and tests (xoshiro256**, seeded by
// splitmix64). Not for keys on a real network: the real runtime uses the OS CSPRNG.
#pragma once

#include <array>
#include <cstdint>

#include "runtime/rng.hpp"

namespace aipg::io::sim {

class SeededRng final : public runtime::Rng {
 public:
  explicit SeededRng(uint64_t seed);
  void fill(MutBytesView out) override;
  uint64_t next();

 private:
  std::array<uint64_t, 4> s_;
};

}  // namespace aipg::io::sim
