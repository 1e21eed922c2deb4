#include "protocol/gossipsub/backoff.hpp"

#include <gtest/gtest.h>

#include "test_ids.hpp"

namespace aipg::gossipsub {
namespace {

using std::chrono::seconds;

using testing::kNs;
using testing::kT0;
using testing::peer;

TEST(Backoff, ConfigDefaultsAndValidation) {
  const BackoffConfig c;
  EXPECT_EQ(c.prune_backoff, seconds(60));
  EXPECT_EQ(c.slack, seconds(2));
  EXPECT_EQ(c.graft_flood_threshold, seconds(10));
  EXPECT_TRUE(c.validate().has_value());
  EXPECT_FALSE((BackoffConfig{.prune_backoff = seconds(0)}).validate().has_value());
  EXPECT_FALSE((BackoffConfig{.slack = seconds(-1)}).validate().has_value());
  EXPECT_FALSE((BackoffConfig{.graft_flood_threshold = seconds(-1)}).validate().has_value());
  EXPECT_FALSE((BackoffConfig{.prune_backoff = seconds(60), .max_backoff = seconds(59)})
                   .validate()
                   .has_value());
}

TEST(Backoff, NoEntryNoBackoff) {
  Backoff b;
  EXPECT_FALSE(b.is_backing_off("t", peer(1), kT0));
  EXPECT_FALSE(b.is_backing_off_with_slack("t", peer(1), kT0));
  EXPECT_EQ(b.remaining("t", peer(1), kT0), Duration::zero());
  EXPECT_EQ(b.expiry("t", peer(1)), std::nullopt);
  EXPECT_EQ(b.check_graft("t", peer(1), kT0), GraftCheck::kAllowed);
}

TEST(Backoff, ExactBoundaries) {
  Backoff b;
  b.update("t", peer(1), seconds(60), kT0);
  EXPECT_EQ(b.expiry("t", peer(1)), kT0 + seconds(60));
  EXPECT_TRUE(b.is_backing_off("t", peer(1), kT0 + seconds(60) - kNs));
  EXPECT_FALSE(b.is_backing_off("t", peer(1), kT0 + seconds(60)));
  EXPECT_EQ(b.remaining("t", peer(1), kT0 + seconds(15)), seconds(45));
  EXPECT_EQ(b.remaining("t", peer(1), kT0 + seconds(60)), Duration::zero());
  // Our own GRAFT waits for the slack (2 s) too.
  EXPECT_TRUE(b.is_backing_off_with_slack("t", peer(1), kT0 + seconds(62) - kNs));
  EXPECT_FALSE(b.is_backing_off_with_slack("t", peer(1), kT0 + seconds(62)));
}

TEST(Backoff, ScopedToTopicAndPeer) {
  Backoff b;
  b.update("t", peer(1), seconds(60), kT0);
  EXPECT_FALSE(b.is_backing_off("u", peer(1), kT0));
  EXPECT_FALSE(b.is_backing_off("t", peer(2), kT0));
  EXPECT_EQ(b.size(), 1u);
}

TEST(Backoff, UpdateKeepsTheLaterExpiry) {
  Backoff b;
  b.update("t", peer(1), seconds(60), kT0);
  b.update("t", peer(1), seconds(10), kT0 + seconds(5));  // shorter: ignored
  EXPECT_EQ(b.expiry("t", peer(1)), kT0 + seconds(60));
  b.update("t", peer(1), seconds(60), kT0 + seconds(5));  // later: extends
  EXPECT_EQ(b.expiry("t", peer(1)), kT0 + seconds(65));
  EXPECT_EQ(b.size(), 1u);
}

TEST(Backoff, DurationsAreClamped) {
  Backoff b({.max_backoff = std::chrono::hours(1)});
  b.update("t", peer(1), std::chrono::hours(1000), kT0);
  EXPECT_EQ(b.expiry("t", peer(1)), kT0 + std::chrono::hours(1));
  b.update("t", peer(2), seconds(-5), kT0);
  EXPECT_EQ(b.expiry("t", peer(2)), kT0);
  EXPECT_FALSE(b.is_backing_off("t", peer(2), kT0));
  EXPECT_TRUE(b.is_backing_off_with_slack("t", peer(2), kT0));
}

TEST(Backoff, PruneFieldFromTheWire) {
  Backoff b;
  EXPECT_EQ(b.from_prune_field(std::nullopt), seconds(60));
  EXPECT_EQ(b.from_prune_field(0), seconds(60));
  EXPECT_EQ(b.from_prune_field(10), seconds(10));
  EXPECT_EQ(b.from_prune_field(3599), seconds(3599));
  EXPECT_EQ(b.from_prune_field(3600), std::chrono::hours(1));
  EXPECT_EQ(b.from_prune_field(UINT64_MAX), std::chrono::hours(1));  // no overflow
}

TEST(Backoff, GraftDuringBackoffIsPenalisedAndFloodTwice) {
  Backoff b;                                 // prune_backoff 60 s, flood threshold 10 s
  b.update("t", peer(1), seconds(60), kT0);  // we pruned at kT0
  EXPECT_EQ(b.check_graft("t", peer(1), kT0), GraftCheck::kFlood);
  EXPECT_EQ(b.check_graft("t", peer(1), kT0 + seconds(10) - kNs), GraftCheck::kFlood);
  EXPECT_EQ(b.check_graft("t", peer(1), kT0 + seconds(10)), GraftCheck::kTooEarly);
  EXPECT_EQ(b.check_graft("t", peer(1), kT0 + seconds(60) - kNs), GraftCheck::kTooEarly);
  EXPECT_EQ(b.check_graft("t", peer(1), kT0 + seconds(60)), GraftCheck::kAllowed);
  EXPECT_EQ(graft_penalty(GraftCheck::kAllowed), 0);
  EXPECT_EQ(graft_penalty(GraftCheck::kTooEarly), 1);
  EXPECT_EQ(graft_penalty(GraftCheck::kFlood), 2);
}

TEST(Backoff, RefreshedBackoffMovesTheFloodCutoff) {
  Backoff b;
  b.update("t", peer(1), seconds(60), kT0);
  // The peer grafts at +30 s; the router refuses and refreshes the backoff.
  ASSERT_EQ(b.check_graft("t", peer(1), kT0 + seconds(30)), GraftCheck::kTooEarly);
  b.update("t", peer(1), b.config().prune_backoff, kT0 + seconds(30));
  EXPECT_EQ(b.check_graft("t", peer(1), kT0 + seconds(35)), GraftCheck::kFlood);
  EXPECT_EQ(b.check_graft("t", peer(1), kT0 + seconds(40)), GraftCheck::kTooEarly);
  EXPECT_EQ(b.check_graft("t", peer(1), kT0 + seconds(90)), GraftCheck::kAllowed);
}

TEST(Backoff, ShortBackoffFloodCutoffFollowsGoAndRust) {
  // The cutoff is expiry - prune_backoff + threshold, as go and rust compute it: after a 10 s
  // (unsubscribe) backoff that is already in the past, so an early GRAFT costs one penalty.
  Backoff b;
  b.update("t", peer(1), seconds(10), kT0);
  EXPECT_EQ(b.check_graft("t", peer(1), kT0 + seconds(1)), GraftCheck::kTooEarly);
}

TEST(Backoff, PruneExpiredHonoursSlack) {
  Backoff b;
  b.update("t", peer(1), seconds(60), kT0);
  b.update("t", peer(2), seconds(30), kT0);
  b.update("u", peer(1), seconds(10), kT0);
  b.prune_expired(kT0 + seconds(12) - kNs);
  EXPECT_EQ(b.size(), 3u);
  b.prune_expired(kT0 + seconds(12));  // u/peer1: 10 s + 2 s slack
  EXPECT_EQ(b.size(), 2u);
  EXPECT_EQ(b.expiry("u", peer(1)), std::nullopt);
  b.prune_expired(kT0 + seconds(32));
  EXPECT_EQ(b.size(), 1u);
  EXPECT_TRUE(b.is_backing_off("t", peer(1), kT0 + seconds(32)));
  b.prune_expired(kT0 + seconds(62));
  EXPECT_EQ(b.size(), 0u);
}

}  // namespace
}  // namespace aipg::gossipsub
