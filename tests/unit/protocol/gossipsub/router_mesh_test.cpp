// Mesh maintenance: JOIN grafts up to D, the heartbeat fills below D_lo and trims above D_hi,
// the outbound quota, and what peers of each protocol version get.
#include "router_fixture.hpp"

namespace aipg::gossipsub::testing {
namespace {

TEST_F(RouterTest, SubscribeAnnouncesToEveryPeerAndGraftsD) {
  add_many(1, 10);
  drain();
  router->subscribe(kTopic, now);
  auto out = drain();
  ASSERT_EQ(out.size(), 10u);
  size_t grafts = 0;
  for (auto& [p, rpc] : out) {
    ASSERT_EQ(rpc.subscriptions.size(), 1u);
    EXPECT_TRUE(rpc.subscriptions[0].subscribe);
    EXPECT_EQ(rpc.subscriptions[0].topic, kTopic);
    if (rpc.control) grafts += rpc.control->graft.size();
  }
  EXPECT_EQ(grafts, 6u);
  EXPECT_EQ(mesh_size(), 6u);
}

TEST_F(RouterTest, NewPeerIsToldOurSubscriptions) {
  router->subscribe(kTopic, now);
  router->subscribe("results", now);
  router->add_peer(peer_of(1), PeerKind::kGossipsubV11, false, now);
  auto out = drain();
  ASSERT_EQ(out[peer_of(1)].subscriptions.size(), 2u);
}

// Peers that subscribe after we joined are grafted as their subscription comes, up to D, not at
// the next heartbeat: a message relayed before the heartbeat would reach nobody, and gossip
// would not repair it for a peer that is in the mesh by then.
TEST_F(RouterTest, APeerThatSubscribesIsGraftedAtOnceWhileTheMeshIsBelowD) {
  router->subscribe(kTopic, now);
  drain();
  add_many(1, 3);
  EXPECT_EQ(mesh_size(), 3u);
  auto out = drain();
  size_t grafts = 0;
  for (auto& [p, rpc] : out) {
    if (rpc.control) grafts += rpc.control->graft.size();
  }
  EXPECT_EQ(grafts, 3u);
  add_many(4, 10);
  EXPECT_EQ(mesh_size(), 6u) << "filled to D, not to the number of peers";
}

TEST_F(RouterTest, HeartbeatFillsMeshBelowDlo) {
  router->subscribe(kTopic, now);
  add_many(1, 10);
  ASSERT_EQ(mesh_size(), 6u);
  // Four mesh peers leave: two are left, below D_lo.
  size_t gone = 0;
  for (uint8_t i = 1; i <= 10 && gone < 4; ++i) {
    if (!in_mesh(i)) continue;
    router->remove_peer(peer_of(i), now);
    ++gone;
  }
  ASSERT_EQ(mesh_size(), 2u);
  heartbeat();
  EXPECT_EQ(mesh_size(), 6u) << "filled to D from the topic peers left";
}

TEST_F(RouterTest, HeartbeatTrimsMeshAboveDhiKeepingOutboundQuota) {
  router->subscribe(kTopic, now);
  add_many(1, 20);
  add_many(30, 2, /*outbound=*/true);
  // Everyone grafts us: inbound peers are accepted up to D_hi (12), the rest refused with
  // PRUNE; outbound peers are still accepted while the outbound quota (D_out = 2) is unmet.
  for (uint8_t i :
       {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 30, 31}) {
    ControlMessage c;
    c.graft.push_back({kTopic});
    receive_control(i, c);
  }
  EXPECT_EQ(mesh_size(), 14u);
  drain();
  heartbeat();
  EXPECT_EQ(mesh_size(), 6u);
  EXPECT_TRUE(in_mesh(30) && in_mesh(31)) << "the outbound quota survives the trim";
  auto out = drain();
  size_t pruned = 0;
  for (auto& [p, rpc] : out) {
    if (!rpc.control) continue;
    for (auto& pr : rpc.control->prune) {
      ++pruned;
      EXPECT_EQ(pr.backoff_seconds, 60u);
      EXPECT_FALSE(pr.peers.empty()) << "pruned for oversubscription: with PX";
    }
  }
  EXPECT_EQ(pruned, 8u);
}

TEST_F(RouterTest, OutboundQuotaGraftsOutboundPeers) {
  router->subscribe(kTopic, now);
  add_many(1, 8, /*outbound=*/false);
  heartbeat();
  ASSERT_EQ(mesh_size(), 6u);
  add_many(20, 3, /*outbound=*/true);
  heartbeat();
  size_t outbound = 0;
  for (uint8_t i = 20; i < 23; ++i) outbound += in_mesh(i) ? 1 : 0;
  EXPECT_GE(outbound, 2u) << "D_out = 2 outbound peers must be in the mesh";
}

TEST_F(RouterTest, GossipOnlyNodeNeverKeepsAMesh) {
  GossipsubConfig cfg;
  cfg.d = cfg.d_lo = cfg.d_hi = cfg.d_score = cfg.d_out = 0;
  make(cfg);
  router->subscribe(kTopic, now);
  add(1, {kTopic}, PeerKind::kGossipsubV12, /*outbound=*/true);
  ControlMessage c;
  c.graft.push_back({kTopic});
  receive_control(1, c);
  heartbeat();
  EXPECT_EQ(mesh_size(), 0u);
  auto out = drain();
  ASSERT_TRUE(out[peer_of(1)].control);
  EXPECT_EQ(out[peer_of(1)].control->prune.size(), 1u);
}

TEST_F(RouterTest, UnsubscribePrunesMeshWithUnsubscribeBackoff) {
  router->subscribe(kTopic, now);
  add_many(1, 4);
  heartbeat();
  ASSERT_EQ(mesh_size(), 4u);
  drain();
  router->unsubscribe(kTopic, now);
  auto out = drain();
  size_t prunes = 0;
  for (auto& [p, rpc] : out) {
    ASSERT_EQ(rpc.subscriptions.size(), 1u);
    EXPECT_FALSE(rpc.subscriptions[0].subscribe);
    if (rpc.control) {
      for (auto& pr : rpc.control->prune) {
        EXPECT_EQ(pr.backoff_seconds, 10u);
        ++prunes;
      }
    }
  }
  EXPECT_EQ(prunes, 4u);
  EXPECT_EQ(mesh_size(), 0u);
}

TEST_F(RouterTest, PeerUnsubscribingLeavesMeshAndTopic) {
  router->subscribe(kTopic, now);
  add_many(1, 4);
  heartbeat();
  ASSERT_TRUE(in_mesh(1));
  Rpc rpc;
  rpc.subscriptions.push_back({false, kTopic});
  router->handle_rpc(peer_of(1), std::move(rpc), now);
  EXPECT_FALSE(in_mesh(1));
  EXPECT_EQ(router->topic_peers(kTopic).size(), 3u);
}

TEST_F(RouterTest, RemovedPeerLeavesEverythingAndGetsNothing) {
  router->subscribe(kTopic, now);
  add_many(1, 4);
  heartbeat();
  drain();
  router->publish(kTopic, to_bytes("x"), now);
  router->remove_peer(peer_of(1), now);
  auto out = drain();
  EXPECT_EQ(out.count(peer_of(1)), 0u);
  EXPECT_FALSE(in_mesh(1));
  EXPECT_FALSE(router->has_peer(peer_of(1)));
}

TEST_F(RouterTest, FloodsubPeerGetsMessagesButNoControl) {
  router->subscribe(kTopic, now);
  add(1, {kTopic}, PeerKind::kFloodsub);
  add(2);
  heartbeat();
  EXPECT_FALSE(in_mesh(1)) << "floodsub peers are never grafted";
  drain();
  receive(2, message(9, "hello", 1));
  auto out = drain();
  ASSERT_EQ(out[peer_of(1)].publish.size(), 1u);
  EXPECT_FALSE(out[peer_of(1)].control);
}

TEST_F(RouterTest, V10PeerGetsPruneWithoutBackoffOrPx) {
  router->subscribe(kTopic, now);
  add(1, {kTopic}, PeerKind::kGossipsubV10);
  heartbeat();
  ASSERT_TRUE(in_mesh(1));
  drain();
  router->unsubscribe(kTopic, now);
  auto out = drain();
  ASSERT_TRUE(out[peer_of(1)].control);
  ASSERT_EQ(out[peer_of(1)].control->prune.size(), 1u);
  EXPECT_FALSE(out[peer_of(1)].control->prune[0].backoff_seconds);
}

TEST(GossipsubConfig, RejectsNonsense) {
  GossipsubConfig c;
  EXPECT_TRUE(c.validate());
  c.d_lo = 7;
  EXPECT_FALSE(c.validate());
  c = {};
  c.d_out = 4;  // >= d_lo
  EXPECT_FALSE(c.validate());
  c = {};
  c.heartbeat_interval = 0s;
  EXPECT_FALSE(c.validate());
  c = {};
  c.gossip_factor = 1.5;
  EXPECT_FALSE(c.validate());
  c = {};
  c.max_transmit_size = 10;
  EXPECT_FALSE(c.validate());
  c = {};
  c.message_id = nullptr;
  EXPECT_FALSE(c.validate());
}

}  // namespace
}  // namespace aipg::gossipsub::testing
