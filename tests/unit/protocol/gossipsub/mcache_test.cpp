#include "protocol/gossipsub/mcache.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace aipg::gossipsub {
namespace {

PeerId peer(uint8_t n) {
  Bytes mh{0x12, 0x20};
  mh.resize(34, n);
  return PeerId::from_multihash(mh).value();
}

using Ids = std::vector<MessageId>;

TEST(MessageCache, ConfigValidation) {
  EXPECT_TRUE(MessageCacheConfig{}.validate().has_value());
  EXPECT_EQ(MessageCacheConfig{}.history, 5u);
  EXPECT_EQ(MessageCacheConfig{}.gossip, 3u);
  EXPECT_EQ(MessageCacheConfig{}.max_iwant_transmissions, 3u);
  EXPECT_FALSE((MessageCacheConfig{.history = 2, .gossip = 3}).validate().has_value());
  EXPECT_FALSE((MessageCacheConfig{.history = 5, .gossip = 0}).validate().has_value());
  EXPECT_FALSE((MessageCacheConfig{.max_iwant_transmissions = 0}).validate().has_value());
  EXPECT_TRUE((MessageCacheConfig{.history = 3, .gossip = 3}).validate().has_value());
}

TEST(MessageCache, PutGet) {
  MessageCache<std::string> mc;
  EXPECT_EQ(mc.get("a"), nullptr);
  EXPECT_TRUE(mc.put("a", "t", "hello"));
  ASSERT_NE(mc.get("a"), nullptr);
  EXPECT_EQ(*mc.get("a"), "hello");
  ASSERT_NE(mc.topic("a"), nullptr);
  EXPECT_EQ(*mc.topic("a"), "t");
  EXPECT_EQ(mc.get("b"), nullptr);
  EXPECT_EQ(mc.size(), 1u);
}

TEST(MessageCache, DuplicatePutChangesNothing) {
  MessageCache<std::string> mc;
  ASSERT_TRUE(mc.put("a", "t", "first"));
  EXPECT_FALSE(mc.put("a", "u", "second"));
  EXPECT_EQ(*mc.get("a"), "first");
  EXPECT_EQ(mc.gossip_ids("t"), Ids{"a"});
  EXPECT_TRUE(mc.gossip_ids("u").empty());
}

TEST(MessageCache, MoveOnlyMessages) {
  MessageCache<std::unique_ptr<int>> mc;
  ASSERT_TRUE(mc.put("a", "t", std::make_unique<int>(7)));
  EXPECT_EQ(**mc.get("a"), 7);
  auto out = mc.remove("a");
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(**out, 7);
}

TEST(MessageCache, GossipIdsAreTheLastGossipWindowsOfTheTopic) {
  MessageCache<int> mc({.history = 5, .gossip = 3});
  mc.put("a0", "a", 0);
  mc.put("b0", "b", 0);
  mc.shift();
  mc.put("a1", "a", 1);
  mc.shift();
  mc.put("a2", "a", 2);
  mc.put("a2'", "a", 2);
  // Newest window first, arrival order within a window.
  EXPECT_EQ(mc.gossip_ids("a"), (Ids{"a2", "a2'", "a1", "a0"}));
  EXPECT_EQ(mc.gossip_ids("b"), Ids{"b0"});
  EXPECT_TRUE(mc.gossip_ids("c").empty());
  mc.shift();  // a0 and b0 now in window 3: no longer advertised, still served
  EXPECT_EQ(mc.gossip_ids("a"), (Ids{"a2", "a2'", "a1"}));
  EXPECT_TRUE(mc.gossip_ids("b").empty());
  EXPECT_NE(mc.get("a0"), nullptr);
  EXPECT_NE(mc.get_for_peer("b0", peer(1)), nullptr);
}

TEST(MessageCache, ShiftDropsAfterHistoryWindows) {
  MessageCache<int> mc({.history = 5, .gossip = 3});
  mc.put("m", "t", 1);
  for (int i = 0; i < 4; ++i) {
    mc.shift();
    ASSERT_NE(mc.get("m"), nullptr) << "after shift " << i + 1;
  }
  mc.shift();  // the fifth shift drops the window it was put in
  EXPECT_EQ(mc.get("m"), nullptr);
  EXPECT_EQ(mc.size(), 0u);
}

TEST(MessageCache, EachWindowExpiresOnItsOwnShift) {
  MessageCache<int> mc({.history = 3, .gossip = 1});
  for (int w = 0; w < 6; ++w) {
    mc.put("m" + std::to_string(w), "t", w);
    EXPECT_EQ(mc.gossip_ids("t"), Ids{"m" + std::to_string(w)});
    mc.shift();
    EXPECT_LE(mc.size(), 2u);
  }
  EXPECT_EQ(mc.get("m3"), nullptr);
  EXPECT_NE(mc.get("m4"), nullptr);
  EXPECT_NE(mc.get("m5"), nullptr);
}

TEST(MessageCache, HistoryEqualToGossip) {
  MessageCache<int> mc({.history = 1, .gossip = 1});
  mc.put("m", "t", 1);
  EXPECT_EQ(mc.gossip_ids("t"), Ids{"m"});
  mc.shift();
  EXPECT_EQ(mc.get("m"), nullptr);
  EXPECT_TRUE(mc.gossip_ids("t").empty());
}

TEST(MessageCache, IwantFloodLimitPerPeerAndMessage) {
  MessageCache<int> mc;  // max_iwant_transmissions 3
  mc.put("m", "t", 42);
  mc.put("n", "t", 43);
  for (uint32_t i = 1; i <= 3; ++i) {
    const int* got = mc.get_for_peer("m", peer(1));
    ASSERT_NE(got, nullptr) << "request " << i;
    EXPECT_EQ(*got, 42);
    EXPECT_EQ(mc.iwant_count("m", peer(1)), i);
  }
  EXPECT_EQ(mc.get_for_peer("m", peer(1)), nullptr);  // the fourth is refused
  EXPECT_EQ(mc.get_for_peer("m", peer(1)), nullptr);
  EXPECT_EQ(mc.iwant_count("m", peer(1)), 5u);
  // Other peers and other messages have their own counts.
  EXPECT_NE(mc.get_for_peer("m", peer(2)), nullptr);
  EXPECT_NE(mc.get_for_peer("n", peer(1)), nullptr);
  EXPECT_EQ(mc.iwant_count("n", peer(2)), 0u);
  EXPECT_EQ(mc.get_for_peer("absent", peer(1)), nullptr);
  EXPECT_EQ(mc.iwant_count("absent", peer(1)), 0u);
}

TEST(MessageCache, IwantLimitIsConfigurable) {
  MessageCache<int> mc({.max_iwant_transmissions = 1});
  mc.put("m", "t", 1);
  EXPECT_NE(mc.get_for_peer("m", peer(1)), nullptr);
  EXPECT_EQ(mc.get_for_peer("m", peer(1)), nullptr);
}

TEST(MessageCache, IwantCountsGoWithTheMessage) {
  MessageCache<int> mc({.history = 1, .gossip = 1, .max_iwant_transmissions = 1});
  mc.put("m", "t", 1);
  ASSERT_NE(mc.get_for_peer("m", peer(1)), nullptr);
  mc.shift();
  mc.put("m", "t", 2);  // the same id again after it left the cache
  EXPECT_EQ(mc.iwant_count("m", peer(1)), 0u);
  EXPECT_NE(mc.get_for_peer("m", peer(1)), nullptr);
}

TEST(MessageCache, UnvalidatedIsNeitherGossipedNorServed) {
  MessageCache<int> mc;
  mc.put("m", "t", 1, /*validated=*/false);
  EXPECT_NE(mc.get("m"), nullptr);
  EXPECT_FALSE(mc.is_validated("m"));
  EXPECT_TRUE(mc.gossip_ids("t").empty());
  EXPECT_EQ(mc.get_for_peer("m", peer(1)), nullptr);
  EXPECT_EQ(mc.iwant_count("m", peer(1)), 0u);  // not counted either
  ASSERT_TRUE(mc.validate("m").has_value());
  EXPECT_TRUE(mc.is_validated("m"));
  EXPECT_EQ(mc.gossip_ids("t"), Ids{"m"});
  EXPECT_NE(mc.get_for_peer("m", peer(1)), nullptr);
  EXPECT_FALSE(mc.validate("absent").has_value());
}

TEST(MessageCache, DuplicatesSeenDuringValidationAreReturnedOnce) {
  MessageCache<int> mc;
  mc.put("m", "t", 1, /*validated=*/false);
  mc.observe_duplicate("m", peer(1));
  mc.observe_duplicate("m", peer(2));
  mc.observe_duplicate("m", peer(1));
  mc.observe_duplicate("absent", peer(3));
  auto sources = mc.validate("m");
  ASSERT_TRUE(sources.has_value());
  EXPECT_EQ(*sources, (std::vector<PeerId>{peer(1), peer(2)}));
  // After validation duplicates are not recorded (the message has been forwarded).
  mc.observe_duplicate("m", peer(3));
  EXPECT_TRUE(mc.validate("m")->empty());
}

TEST(MessageCache, RemoveDropsAndLeavesNoGhostInItsWindow) {
  MessageCache<int> mc({.history = 3, .gossip = 3});
  mc.put("m", "t", 1);
  mc.shift();
  auto out = mc.remove("m");
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(*out, 1);
  EXPECT_FALSE(mc.remove("m").has_value());
  EXPECT_TRUE(mc.gossip_ids("t").empty());
  // Put again: it belongs to the current window only, and the old window's expiry (two shifts
  // from now) must not drop it, nor may it be advertised twice.
  mc.put("m", "t", 2);
  EXPECT_EQ(mc.gossip_ids("t"), Ids{"m"});
  mc.shift();
  mc.shift();  // the window of the first put is dropped here
  ASSERT_NE(mc.get("m"), nullptr);
  EXPECT_EQ(*mc.get("m"), 2);
  EXPECT_EQ(mc.gossip_ids("t"), Ids{"m"});
  mc.shift();
  EXPECT_EQ(mc.get("m"), nullptr);
}

}  // namespace
}  // namespace aipg::gossipsub
