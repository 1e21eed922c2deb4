#include "io/sim/seeded_rng.hpp"

#include <cstring>

namespace aipg::io::sim {
namespace {
uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

SeededRng::SeededRng(uint64_t seed) {
  for (auto& v : s_) v = splitmix64(seed);
}

uint64_t SeededRng::next() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

void SeededRng::fill(MutBytesView out) {
  size_t i = 0;
  while (i < out.size()) {
    uint64_t v = next();
    const size_t n = std::min<size_t>(8, out.size() - i);
    std::memcpy(out.data() + i, &v, n);
    i += n;
  }
}

}  // namespace aipg::io::sim
