#include "protocol/gossipsub/rpc.hpp"

#include <gtest/gtest.h>

namespace aipg::gossipsub {
namespace {

MessagePtr msg(std::string topic, Bytes data) {
  return std::make_shared<const Message>(Message{std::nullopt, std::move(data), std::nullopt,
                                                 std::move(topic), std::nullopt, std::nullopt});
}

TEST(Rpc, SameRpcComparesMessagesByValue) {
  Rpc a, b;
  a.publish = {msg("t", {1})};
  b.publish = {msg("t", {1})};  // another pointer, equal message
  EXPECT_TRUE(same_rpc(a, b));
  b.publish = {msg("t", {2})};
  EXPECT_FALSE(same_rpc(a, b));
  b.publish = {msg("t", {1}), msg("t", {1})};
  EXPECT_FALSE(same_rpc(a, b));
  b.publish = {nullptr};
  EXPECT_FALSE(same_rpc(a, b));
  a.publish = {nullptr};
  EXPECT_TRUE(same_rpc(a, b));
}

TEST(Rpc, SameRpcComparesSubscriptionsAndControl) {
  Rpc a, b;
  a.subscriptions = {{true, "x"}};
  EXPECT_FALSE(same_rpc(a, b));
  b.subscriptions = {{false, "x"}};
  EXPECT_FALSE(same_rpc(a, b));
  b.subscriptions = {{true, "x"}};
  EXPECT_TRUE(same_rpc(a, b));
  // An empty control is not an absent one: the codec writes the first and not the second.
  a.ctrl();
  EXPECT_FALSE(same_rpc(a, b));
  b.ctrl();
  EXPECT_TRUE(same_rpc(a, b));
  a.ctrl().prune.push_back({"x", {}, 60});
  b.ctrl().prune.push_back({"x", {}, std::nullopt});
  EXPECT_FALSE(same_rpc(a, b));
}

TEST(Rpc, EmptyIgnoresAnEmptyControl) {
  Rpc r;
  EXPECT_TRUE(r.empty());
  r.ctrl();
  EXPECT_TRUE(r.empty());
  r.ctrl().graft.push_back({"t"});
  EXPECT_FALSE(r.empty());
}

}  // namespace
}  // namespace aipg::gossipsub
