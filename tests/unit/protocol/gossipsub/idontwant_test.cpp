#include "protocol/gossipsub/idontwant.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_ids.hpp"

namespace aipg::gossipsub {
namespace {

using std::chrono::seconds;
using Ids = std::vector<MessageId>;

using testing::kNs;
using testing::kT0;
using testing::peer;

Ids make_ids(const std::string& prefix, size_t n) {
  Ids out;
  for (size_t i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

TEST(Idontwant, ConfigDefaultsAndValidation) {
  const IdontwantConfig c;
  EXPECT_EQ(c.max_messages_per_heartbeat, 1000u);
  EXPECT_EQ(c.max_ids_per_message, 10u);
  EXPECT_EQ(c.max_ids_per_peer, 10000u);
  EXPECT_EQ(c.ttl, seconds(3));
  EXPECT_TRUE(c.validate().has_value());
  EXPECT_FALSE((IdontwantConfig{.max_messages_per_heartbeat = 0}).validate().has_value());
  EXPECT_FALSE((IdontwantConfig{.max_ids_per_message = 0}).validate().has_value());
  EXPECT_FALSE((IdontwantConfig{.max_ids_per_peer = 0}).validate().has_value());
  EXPECT_FALSE((IdontwantConfig{.ttl = seconds(0)}).validate().has_value());
}

TEST(Idontwant, SkipsOnlyThatPeerAndThoseIds) {
  IdontwantCache c;
  EXPECT_EQ(c.add(peer(1), Ids{"a", "b"}, kT0), 2u);
  EXPECT_FALSE(c.wants(peer(1), "a", kT0));
  EXPECT_FALSE(c.wants(peer(1), "b", kT0));
  EXPECT_TRUE(c.wants(peer(1), "c", kT0));
  EXPECT_TRUE(c.wants(peer(2), "a", kT0));
  EXPECT_EQ(c.size(peer(1)), 2u);
  EXPECT_EQ(c.size(peer(2)), 0u);
  EXPECT_EQ(c.add(peer(1), Ids{}, kT0), 0u);
}

TEST(Idontwant, ExpiresExactlyAtTtl) {
  IdontwantCache c;  // ttl 3 s
  c.add(peer(1), Ids{"a"}, kT0);
  EXPECT_FALSE(c.wants(peer(1), "a", kT0 + seconds(3) - kNs));
  // Expired but not yet pruned: the ttl decides.
  EXPECT_TRUE(c.wants(peer(1), "a", kT0 + seconds(3)));
  c.prune(kT0 + seconds(3) - kNs);
  EXPECT_EQ(c.size(peer(1)), 1u);
  c.prune(kT0 + seconds(3));
  EXPECT_EQ(c.size(peer(1)), 0u);
  EXPECT_EQ(c.size(), 0u);
}

TEST(Idontwant, RepeatedIdKeepsFirstExpiry) {
  IdontwantCache c;
  ASSERT_EQ(c.add(peer(1), Ids{"a"}, kT0), 1u);
  EXPECT_EQ(c.add(peer(1), Ids{"a"}, kT0 + seconds(2)), 0u);
  EXPECT_TRUE(c.wants(peer(1), "a", kT0 + seconds(3)));
  // Once expired, the same id is recorded afresh.
  EXPECT_EQ(c.add(peer(1), Ids{"a"}, kT0 + seconds(3)), 1u);
  EXPECT_FALSE(c.wants(peer(1), "a", kT0 + seconds(5)));
  EXPECT_EQ(c.size(peer(1)), 1u);
}

TEST(Idontwant, IdsPerMessageAreCapped) {
  IdontwantCache c;  // 10 ids per message
  const Ids ids = make_ids("m", 25);
  EXPECT_EQ(c.add(peer(1), ids, kT0), 10u);
  EXPECT_FALSE(c.wants(peer(1), "m9", kT0));
  EXPECT_TRUE(c.wants(peer(1), "m10", kT0));
}

TEST(Idontwant, MessagesPerHeartbeatAreCapped) {
  IdontwantCache c({.max_messages_per_heartbeat = 3});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(c.add(peer(1), Ids{"m" + std::to_string(i)}, kT0), 1u);
  }
  EXPECT_EQ(c.add(peer(1), Ids{"over"}, kT0), 0u);
  EXPECT_TRUE(c.wants(peer(1), "over", kT0));
  EXPECT_EQ(c.add(peer(2), Ids{"other"}, kT0), 1u);  // per peer
  c.prune(kT0 + seconds(1));                         // the next heartbeat restarts the budget
  EXPECT_EQ(c.add(peer(1), Ids{"over"}, kT0 + seconds(1)), 1u);
}

TEST(Idontwant, PerPeerCapDropsOldest) {
  IdontwantCache c(
      {.max_messages_per_heartbeat = 100, .max_ids_per_message = 10, .max_ids_per_peer = 25});
  c.add(peer(1), make_ids("a", 10), kT0);
  c.add(peer(1), make_ids("b", 10), kT0);
  c.add(peer(1), make_ids("c", 10), kT0);
  EXPECT_EQ(c.size(peer(1)), 25u);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(c.wants(peer(1), "a" + std::to_string(i), kT0));
  EXPECT_FALSE(c.wants(peer(1), "a5", kT0));
  EXPECT_FALSE(c.wants(peer(1), "c9", kT0));
  c.prune(kT0 + seconds(3));
  EXPECT_EQ(c.size(), 0u);
}

TEST(Idontwant, RemovePeer) {
  IdontwantCache c;
  c.add(peer(1), Ids{"a"}, kT0);
  c.add(peer(2), Ids{"a"}, kT0);
  c.remove_peer(peer(1));
  EXPECT_TRUE(c.wants(peer(1), "a", kT0));
  EXPECT_FALSE(c.wants(peer(2), "a", kT0));
  EXPECT_EQ(c.size(), 1u);
}

TEST(Idontwant, StaggeredExpiry) {
  IdontwantCache c;
  c.add(peer(1), Ids{"a"}, kT0);
  c.add(peer(1), Ids{"b"}, kT0 + seconds(1));
  c.add(peer(1), Ids{"c"}, kT0 + seconds(2));
  c.prune(kT0 + seconds(4));
  EXPECT_TRUE(c.wants(peer(1), "a", kT0 + seconds(4)));
  EXPECT_TRUE(c.wants(peer(1), "b", kT0 + seconds(4)));
  EXPECT_FALSE(c.wants(peer(1), "c", kT0 + seconds(4)));
  EXPECT_EQ(c.size(), 1u);
}

}  // namespace
}  // namespace aipg::gossipsub
