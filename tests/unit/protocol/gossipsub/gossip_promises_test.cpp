#include "protocol/gossipsub/gossip_promises.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "test_ids.hpp"

namespace aipg::gossipsub {
namespace {

using std::chrono::seconds;

using testing::kNs;
using testing::kT0;
using testing::peer;

// A scripted random source: returns the queued values in turn, then 0.
struct Script {
  std::vector<uint64_t> values;
  size_t next = 0;
  uint64_t operator()() { return next < values.size() ? values[next++] : 0; }
};

TEST(GossipPromises, TracksOneRandomIdPerIwant) {
  auto script = std::make_shared<Script>(Script{{5, 1}});
  GossipPromises gp([script] { return (*script)(); });
  const std::vector<MessageId> ids{"a", "b", "c"};
  const MessageId* tracked = gp.add_promise(peer(1), ids, kT0);
  ASSERT_NE(tracked, nullptr);
  EXPECT_EQ(*tracked, "c");  // 5 % 3
  EXPECT_TRUE(gp.contains("c"));
  EXPECT_TRUE(gp.contains("c", peer(1)));
  EXPECT_FALSE(gp.contains("c", peer(2)));
  EXPECT_FALSE(gp.contains("a"));
  EXPECT_FALSE(gp.contains("b"));
  EXPECT_EQ(*gp.add_promise(peer(2), ids, kT0), "b");  // 1 % 3
  EXPECT_EQ(gp.size(), 2u);
  EXPECT_EQ(gp.add_promise(peer(1), {}, kT0), nullptr);
  EXPECT_EQ(gp.size(), 2u);
}

TEST(GossipPromises, BrokenAtExactlyTheFollowupTime) {
  GossipPromises gp([] { return uint64_t{0}; });
  EXPECT_EQ(gp.iwant_followup_time(), seconds(3));
  const std::vector<MessageId> ids{"a"};
  gp.add_promise(peer(1), ids, kT0);
  EXPECT_TRUE(gp.get_broken_promises(kT0 + seconds(3) - kNs).empty());
  auto broken = gp.get_broken_promises(kT0 + seconds(3));
  ASSERT_EQ(broken.size(), 1u);
  EXPECT_EQ(broken[peer(1)], 1u);
  // Counted once, then forgotten.
  EXPECT_TRUE(gp.get_broken_promises(kT0 + seconds(10)).empty());
  EXPECT_EQ(gp.size(), 0u);
}

TEST(GossipPromises, CountsPerPeer) {
  GossipPromises gp([] { return uint64_t{0}; }, seconds(5));
  const std::vector<MessageId> a{"a"}, b{"b"}, c{"c"};
  gp.add_promise(peer(1), a, kT0);
  gp.add_promise(peer(1), b, kT0);
  gp.add_promise(peer(2), a, kT0);
  gp.add_promise(peer(3), c, kT0 + seconds(1));  // not yet due
  auto broken = gp.get_broken_promises(kT0 + seconds(5));
  EXPECT_EQ(broken.size(), 2u);
  EXPECT_EQ(broken[peer(1)], 2u);
  EXPECT_EQ(broken[peer(2)], 1u);
  EXPECT_EQ(gp.size(), 1u);
  broken = gp.get_broken_promises(kT0 + seconds(6));
  EXPECT_EQ(broken[peer(3)], 1u);
}

TEST(GossipPromises, ReAdvertisingKeepsTheFirstDeadline) {
  GossipPromises gp([] { return uint64_t{0}; });
  const std::vector<MessageId> ids{"a"};
  gp.add_promise(peer(1), ids, kT0);
  gp.add_promise(peer(1), ids, kT0 + seconds(2));
  auto broken = gp.get_broken_promises(kT0 + seconds(3));
  EXPECT_EQ(broken[peer(1)], 1u);
}

TEST(GossipPromises, DeliveryFromAnyoneKeepsEveryPromise) {
  GossipPromises gp([] { return uint64_t{0}; });
  const std::vector<MessageId> ids{"a"};
  gp.add_promise(peer(1), ids, kT0);
  gp.add_promise(peer(2), ids, kT0);
  gp.message_delivered("a");
  EXPECT_FALSE(gp.contains("a"));
  EXPECT_TRUE(gp.get_broken_promises(kT0 + seconds(10)).empty());
  gp.message_delivered("never-promised");  // harmless
}

TEST(GossipPromises, RejectionKeepsThePromiseUnlessObviouslyInvalid) {
  GossipPromises gp([] { return uint64_t{0}; });
  const std::vector<MessageId> a{"a"}, b{"b"}, c{"c"};
  gp.add_promise(peer(1), a, kT0);
  gp.add_promise(peer(1), b, kT0);
  gp.add_promise(peer(1), c, kT0);
  gp.message_rejected("a", PromiseRejection::kValidation);
  gp.message_rejected("b", PromiseRejection::kNotValidated);
  gp.message_rejected("c", PromiseRejection::kObviouslyInvalid);
  EXPECT_FALSE(gp.contains("a"));
  EXPECT_FALSE(gp.contains("b"));
  EXPECT_TRUE(gp.contains("c"));
  auto broken = gp.get_broken_promises(kT0 + seconds(3));
  EXPECT_EQ(broken[peer(1)], 1u);
}

}  // namespace
}  // namespace aipg::gossipsub
