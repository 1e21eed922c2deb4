// Made-up peers, jobs and a time origin for the grid tests (no keys needed: the grid's parts
// only compare and hash peer ids).
#pragma once

#include <string>

#include "base/time.hpp"
#include "protocol/grid/types.hpp"

namespace aipg::grid::testing {

// A distinct sha2-256 peer id for each n.
inline PeerId peer(uint8_t n) {
  Bytes mh{0x12, 0x20};
  mh.resize(34, n);
  return PeerId::from_multihash(mh).value();
}

// A distinct 16-byte job id for each n.
inline JobId job(uint8_t n) { return JobId(kJobIdSize, static_cast<char>(n)); }

inline const Instant kT0 = Instant{} + std::chrono::hours(1);
inline const WallTime kWall0 = WallTime{} + std::chrono::milliseconds(1'700'000'000'000);
// The wall clock keeps step with the monotonic one.
inline WallTime wall(Instant now) { return kWall0 + (now - kT0); }
inline constexpr Duration kNs = std::chrono::nanoseconds(1);

}  // namespace aipg::grid::testing
