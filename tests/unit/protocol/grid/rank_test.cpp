#include "protocol/grid/rank.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "test_ids.hpp"

namespace aipg::grid {
namespace {

using testing::job;
using testing::peer;

JobId counting_job() {  // 00 01 … 0f
  JobId id(kJobIdSize, '\0');
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<char>(i);
  return id;
}

Bytes counting_nonce() {  // 20 21 … 3f
  Bytes n(kNonceSize);
  for (size_t i = 0; i < n.size(); ++i) n[i] = static_cast<uint8_t>(0x20 + i);
  return n;
}

std::string hex(const Rank& r) { return to_hex(r); }

// Known answers computed with Python's hashlib, not libsodium:
//   python3 -c "import hashlib; print(hashlib.sha256(bytes(range(16))+bytes(range(0x20,0x40))
//     +bytes([1,2,3,4])+bytes([0x12,0x20])+bytes([7]*32)).hexdigest())"
// The attempt 0x01020304 shows the byte order: big-endian.
TEST(GridRank, ClaimRankKnownAnswer) {
  EXPECT_EQ(hex(claim_rank(counting_job(), counting_nonce(), 0x01020304, peer(7))),
            "d975c1c33448a48512642219b6137e402778abc8e1b26e7563e4685e6bd13768");
  // Slot 0 is the same claim as before slots existed.
  EXPECT_EQ(hex(claim_rank(counting_job(), counting_nonce(), 0x01020304, peer(7), 0)),
            "d975c1c33448a48512642219b6137e402778abc8e1b26e7563e4685e6bd13768");
}

// A worker's further claims on an attempt append their slot (4 bytes, big-endian):
//   … +bytes([7]*32)+bytes([0,0,0,2])
TEST(GridRank, ClaimRankOfAFurtherSlotKnownAnswer) {
  EXPECT_EQ(hex(claim_rank(counting_job(), counting_nonce(), 0x01020304, peer(7), 2)),
            "34c8f3f39c532547061a36fc50e7dbb6a0ea2615ed8f0420dad226cedcd93291");
}

//   python3 -c "import hashlib; print(hashlib.sha256(bytes(range(16))+bytes([0x12,0x20])
//     +bytes([7]*32)).hexdigest())"
TEST(GridRank, TakeoverRankKnownAnswer) {
  EXPECT_EQ(hex(takeover_rank(counting_job(), peer(7))),
            "349b90b7a2d35f4eddfcf8e79dc774647d8854f49a588820e27a40836144d985");
}

TEST(GridRank, ClaimRankDependsOnEveryInput) {
  const Bytes nonce = counting_nonce();
  const Rank base = claim_rank(job(1), nonce, 0, peer(1));
  EXPECT_EQ(claim_rank(job(1), nonce, 0, peer(1)), base);  // deterministic
  EXPECT_NE(claim_rank(job(2), nonce, 0, peer(1)), base);
  Bytes other_nonce = nonce;
  other_nonce.back() ^= 1;
  EXPECT_NE(claim_rank(job(1), other_nonce, 0, peer(1)), base);
  EXPECT_NE(claim_rank(job(1), nonce, 1, peer(1)), base);
  EXPECT_NE(claim_rank(job(1), nonce, 0x01000000, peer(1)), base);
  EXPECT_NE(claim_rank(job(1), nonce, 0, peer(2)), base);
}

TEST(GridRank, TakeoverRankDependsOnEveryInput) {
  const Rank base = takeover_rank(job(1), peer(1));
  EXPECT_EQ(takeover_rank(job(1), peer(1)), base);
  EXPECT_NE(takeover_rank(job(2), peer(1)), base);
  EXPECT_NE(takeover_rank(job(1), peer(2)), base);
  // Not the claim rank of anything obvious: a different preimage.
  EXPECT_NE(takeover_rank(job(1), peer(1)), claim_rank(job(1), {}, 0, peer(1)));
}

// Ranks compare as 32-byte big-endian numbers: the first differing byte decides.
TEST(GridRank, OrderingIsByteOrder) {
  Rank low{}, high{};
  low.fill(0xff);
  low[0] = 0x00;
  high[0] = 0x01;
  EXPECT_LT(low, high);
  Rank a{}, b{};
  a[31] = 0x01;
  b[30] = 0x01;
  EXPECT_LT(a, b);

  std::vector<Rank> ranks;
  for (uint8_t w = 0; w < 50; ++w)
    ranks.push_back(claim_rank(job(3), counting_nonce(), 2, peer(w)));
  std::vector<Rank> by_memcmp = ranks;
  std::sort(by_memcmp.begin(), by_memcmp.end(), [](const Rank& x, const Rank& y) {
    return std::memcmp(x.data(), y.data(), x.size()) < 0;
  });
  std::sort(ranks.begin(), ranks.end());
  EXPECT_EQ(ranks, by_memcmp);
}

}  // namespace
}  // namespace aipg::grid
