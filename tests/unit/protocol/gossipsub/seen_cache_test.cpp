#include "protocol/gossipsub/seen_cache.hpp"

#include <gtest/gtest.h>

#include <string>

namespace aipg::gossipsub {
namespace {

const Instant kT0 = Instant{} + std::chrono::hours(1);

TEST(SeenCache, InsertReportsFirstSightingOnly) {
  SeenCache seen(std::chrono::seconds(120));
  EXPECT_TRUE(seen.insert("a", kT0));
  EXPECT_FALSE(seen.insert("a", kT0));
  EXPECT_FALSE(seen.insert("a", kT0 + std::chrono::seconds(60)));
  EXPECT_TRUE(seen.insert("b", kT0));
  EXPECT_TRUE(seen.contains("a", kT0));
  EXPECT_FALSE(seen.contains("c", kT0));
  EXPECT_EQ(seen.size(), 2u);
}

TEST(SeenCache, DefaultTtlIsTwoMinutes) {
  SeenCache seen;
  EXPECT_EQ(seen.ttl(), std::chrono::minutes(2));
  EXPECT_TRUE(seen.insert("a", kT0));
  EXPECT_TRUE(seen.contains("a", kT0 + std::chrono::minutes(2) - std::chrono::nanoseconds(1)));
  EXPECT_FALSE(seen.contains("a", kT0 + std::chrono::minutes(2)));
}

TEST(SeenCache, ExpiresExactlyAtTtl) {
  const Duration ttl = std::chrono::seconds(10);
  SeenCache seen(ttl);
  ASSERT_TRUE(seen.insert("a", kT0));
  const Instant last = kT0 + ttl - std::chrono::nanoseconds(1);
  EXPECT_TRUE(seen.contains("a", last));
  EXPECT_FALSE(seen.insert("a", last));
  EXPECT_FALSE(seen.contains("a", kT0 + ttl));
  // Forgotten at t + ttl: seeing it again is a first sighting with a new first-seen time.
  EXPECT_TRUE(seen.insert("a", kT0 + ttl));
  EXPECT_EQ(seen.first_seen("a", kT0 + ttl), kT0 + ttl);
  EXPECT_TRUE(seen.contains("a", kT0 + 2 * ttl - std::chrono::nanoseconds(1)));
  EXPECT_EQ(seen.size(), 1u);
}

TEST(SeenCache, DuplicateDoesNotExtendLife) {
  const Duration ttl = std::chrono::seconds(10);
  SeenCache seen(ttl);
  ASSERT_TRUE(seen.insert("a", kT0));
  ASSERT_FALSE(seen.insert("a", kT0 + std::chrono::seconds(9)));
  EXPECT_FALSE(seen.contains("a", kT0 + ttl));
}

TEST(SeenCache, FirstSeenIsTheFirstInsertion) {
  SeenCache seen(std::chrono::seconds(10));
  ASSERT_TRUE(seen.insert("a", kT0));
  ASSERT_FALSE(seen.insert("a", kT0 + std::chrono::seconds(3)));
  EXPECT_EQ(seen.first_seen("a", kT0 + std::chrono::seconds(5)), kT0);
  EXPECT_EQ(seen.first_seen("a", kT0 + std::chrono::seconds(10)), std::nullopt);
  EXPECT_EQ(seen.first_seen("b", kT0), std::nullopt);
}

TEST(SeenCache, PruneDropsOnlyExpired) {
  const Duration ttl = std::chrono::seconds(10);
  SeenCache seen(ttl);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(seen.insert("m" + std::to_string(i), kT0 + std::chrono::seconds(i)));
  }
  EXPECT_EQ(seen.size(), 10u);
  seen.prune(kT0 + std::chrono::seconds(14));  // m0..m4 expired (at 10..14)
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_FALSE(seen.contains("m4", kT0 + std::chrono::seconds(14)));
  EXPECT_TRUE(seen.contains("m5", kT0 + std::chrono::seconds(14)));
  seen.prune(kT0 + std::chrono::seconds(100));
  EXPECT_EQ(seen.size(), 0u);
}

TEST(SeenCache, InsertPrunesSoMemoryIsBoundedByTtl) {
  const Duration ttl = std::chrono::seconds(10);
  SeenCache seen(ttl);
  // One message a second for ten minutes: never more than ttl's worth held.
  for (int i = 0; i < 600; ++i) {
    ASSERT_TRUE(seen.insert("m" + std::to_string(i), kT0 + std::chrono::seconds(i)));
    ASSERT_LE(seen.size(), 10u);
  }
}

TEST(SeenCache, ClockSteppingBackDoesNotCorruptOrder) {
  const Duration ttl = std::chrono::seconds(10);
  SeenCache seen(ttl);
  ASSERT_TRUE(seen.insert("a", kT0 + std::chrono::seconds(5)));
  // An earlier `now` is treated as the latest one seen, so "b" expires after "a".
  ASSERT_TRUE(seen.insert("b", kT0));
  seen.prune(kT0 + std::chrono::seconds(15));
  EXPECT_EQ(seen.size(), 0u);
}

TEST(SeenCache, MovedCacheKeepsWorking) {
  SeenCache a(std::chrono::seconds(10));
  ASSERT_TRUE(a.insert("x", kT0));
  SeenCache b(std::move(a));
  EXPECT_FALSE(b.insert("x", kT0 + std::chrono::seconds(1)));
  b.prune(kT0 + std::chrono::seconds(10));
  EXPECT_EQ(b.size(), 0u);
}

}  // namespace
}  // namespace aipg::gossipsub
