#include "protocol/gossipsub/types.hpp"

#include <gtest/gtest.h>

namespace aipg::gossipsub {
namespace {

TEST(GossipsubTypes, ProtocolIdsAreTheSpecs) {
  EXPECT_STREQ(kMeshsubV12, "/meshsub/1.2.0");
  EXPECT_STREQ(kMeshsubV11, "/meshsub/1.1.0");
  EXPECT_STREQ(kMeshsubV10, "/meshsub/1.0.0");
  EXPECT_STREQ(kFloodsub, "/floodsub/1.0.0");
}

}  // namespace
}  // namespace aipg::gossipsub

namespace aipg::gossipsub {
namespace {

TEST(GossipsubTypes, PeerKindRoundTrips) {
  for (auto k : {PeerKind::kFloodsub, PeerKind::kGossipsubV10, PeerKind::kGossipsubV11,
                 PeerKind::kGossipsubV12}) {
    EXPECT_EQ(peer_kind(protocol_id(k)), k);
  }
  EXPECT_EQ(peer_kind("/meshsub/2.0.0"), std::nullopt);
}

}  // namespace
}  // namespace aipg::gossipsub
