// Control messages: IHAVE/IWANT gossip and its limits, GRAFT/PRUNE with backoff and peer
// exchange, IDONTWANT.
#include "router_fixture.hpp"

namespace aipg::gossipsub::testing {
namespace {

ControlMessage ihave(const TopicId& t, std::vector<MessageId> ids) {
  ControlMessage c;
  c.ihave.push_back({t, std::move(ids)});
  return c;
}
ControlMessage iwant(std::vector<MessageId> ids) {
  ControlMessage c;
  c.iwant.push_back({std::move(ids)});
  return c;
}
ControlMessage graft(const TopicId& t) {
  ControlMessage c;
  c.graft.push_back({t});
  return c;
}

TEST_F(RouterTest, HeartbeatGossipsIhaveToNonMeshPeers) {
  router->subscribe(kTopic, now);
  add_many(1, 20);
  heartbeat();
  ASSERT_EQ(mesh_size(), 6u);
  drain();
  auto id = router->publish(kTopic, to_bytes("gossip me"), now);
  drain();
  heartbeat();
  auto out = drain();
  size_t ihaves = 0;
  for (auto& [p, rpc] : out) {
    if (!rpc.control) continue;
    for (auto& ih : rpc.control->ihave) {
      EXPECT_EQ(ih.topic, kTopic);
      ASSERT_EQ(ih.ids.size(), 1u);
      EXPECT_EQ(ih.ids[0], *id);
      for (const auto& m : router->mesh_peers(kTopic)) EXPECT_NE(m, p) << "no IHAVE to mesh";
      ++ihaves;
    }
  }
  EXPECT_EQ(ihaves, 6u) << "max(D_lazy, 0.25 × 14) peers";
}

TEST_F(RouterTest, IhaveOfUnseenIdsGetsIwantAndAKeptPromise) {
  router->subscribe(kTopic, now);
  add(1);
  MessagePtr m = message(9, "wanted", 1);
  MessageId id = default_message_id(*m);
  receive_control(1, ihave(kTopic, {id, "\x01unknown"}));
  auto out = drain();
  ASSERT_TRUE(out[peer_of(1)].control);
  ASSERT_EQ(out[peer_of(1)].control->iwant.size(), 1u);
  EXPECT_EQ(out[peer_of(1)].control->iwant[0].ids.size(), 2u);

  receive(1, m);  // the promise is kept for `id`; the other may or may not be tracked
  receive_control(1, ihave(kTopic, {id}));
  auto again = drain();
  EXPECT_FALSE(again[peer_of(1)].control && !again[peer_of(1)].control->iwant.empty())
      << "a seen id is not asked for again";
}

TEST_F(RouterTest, IhaveFloodIsCappedPerHeartbeat) {
  router->subscribe(kTopic, now);
  add(1);
  drain();
  for (int i = 0; i < 15; ++i) {
    receive_control(1, ihave(kTopic, {"id" + std::to_string(i)}));
  }
  auto out = drain();
  ASSERT_TRUE(out[peer_of(1)].control);
  EXPECT_EQ(out[peer_of(1)].control->iwant.size(), 10u) << "max_ihave_messages = 10";
  EXPECT_EQ(rejected("ihave_flood"), 5u);
  heartbeat();
  drain();
  receive_control(1, ihave(kTopic, {"fresh"}));
  EXPECT_TRUE(drain()[peer_of(1)].control) << "the budget is per heartbeat";
}

TEST_F(RouterTest, IwantIsServedFromTheCacheAtMostThreeTimesPerPeer) {
  router->subscribe(kTopic, now);
  add(1);
  add(2);
  drain();
  auto id = router->publish(kTopic, to_bytes("cached"), now);
  drain();
  for (int i = 0; i < 5; ++i) receive_control(1, iwant({*id}));
  auto out = drain();
  EXPECT_EQ(out[peer_of(1)].publish.size(), 3u);
  receive_control(2, iwant({*id, "unknown"}));
  EXPECT_EQ(drain()[peer_of(2)].publish.size(), 1u) << "the limit is per peer";
  for (int i = 0; i < 5; ++i) heartbeat();
  drain();
  receive_control(2, iwant({*id}));
  EXPECT_TRUE(drain().empty()) << "gone after the history of 5 heartbeats";
}

TEST_F(RouterTest, BrokenPromisePenalisesTheAdvertiser) {
  make(scored_config());
  router->subscribe(kTopic, now);
  add(1);
  receive_control(1, ihave(kTopic, {"never comes"}));
  drain();
  heartbeat(4s);  // past the 3 s follow-up time
  EXPECT_EQ(router->stats().broken_promises, 1u);
}

TEST_F(RouterTest, GraftForATopicWeAreNotInIsIgnored) {
  add(1, {"other"});
  receive_control(1, graft("other"));
  EXPECT_TRUE(drain().empty()) << "no answer: spam hardening";
  EXPECT_EQ(rejected("graft_unknown_topic"), 1u);
}

TEST_F(RouterTest, PruneBackoffHoldsOffOurGraftUntilExpiryPlusSlack) {
  router->subscribe(kTopic, now);
  add(1);
  heartbeat();
  ASSERT_TRUE(in_mesh(1));
  ControlMessage prune;
  prune.prune.push_back({kTopic, {}, 30});
  receive_control(1, prune);
  EXPECT_FALSE(in_mesh(1));
  heartbeat(29s);
  EXPECT_FALSE(in_mesh(1)) << "during the peer's backoff";
  heartbeat(2s);
  EXPECT_FALSE(in_mesh(1)) << "within the slack after it";
  heartbeat(2s);
  EXPECT_TRUE(in_mesh(1));
}

TEST_F(RouterTest, GraftDuringBackoffIsRefusedAndPenalised) {
  make(scored_config());
  router->subscribe(kTopic, now);
  add(1);
  heartbeat();
  ASSERT_TRUE(in_mesh(1));
  ControlMessage prune;
  prune.prune.push_back({kTopic, {}, 60});
  receive_control(1, prune);
  drain();
  for (int i = 0; i < 10; ++i) receive_control(1, graft(kTopic));
  EXPECT_FALSE(in_mesh(1));
  auto out = drain();
  ASSERT_TRUE(out[peer_of(1)].control);
  // Each GRAFT this soon after the PRUNE costs two P7 penalties; past the threshold the
  // squared penalty takes the peer below the graylist and the rest are not even read.
  const size_t refused = out[peer_of(1)].control->prune.size();
  EXPECT_EQ(rejected("graft_backoff"), refused);
  EXPECT_GE(refused, 2u);
  EXPECT_EQ(refused + rejected("graylisted"), 10u);
  EXPECT_LT(router->score(peer_of(1), now), PeerScoreThresholds{}.graylist_threshold);
}

TEST_F(RouterTest, PeerExchangeFromAPrune) {
  router->subscribe(kTopic, now);
  add(1);
  ControlMessage prune;
  prune.prune.push_back(
      {kTopic,
       {PxPeer{peer_of(50).multihash(), Bytes{9, 9, 9}}, PxPeer{Bytes{1, 2}, std::nullopt}},
       60});
  receive_control(1, prune);
  auto px = router->take_px_peers();
  ASSERT_EQ(px.size(), 1u);
  EXPECT_EQ(px[0].id, peer_of(50));
  // Its signed record goes along as it came (the service opens it and takes its addresses).
  EXPECT_EQ(px[0].signed_peer_record, (Bytes{9, 9, 9}));
  EXPECT_EQ(rejected("px_bad_peer_id"), 1u);
}

TEST_F(RouterTest, PeerExchangeRefusedBelowTheAcceptThreshold) {
  make(scored_config());  // a fresh peer scores 0 < accept_px_threshold (10)
  router->subscribe(kTopic, now);
  add(1);
  ControlMessage prune;
  prune.prune.push_back({kTopic, {PxPeer{peer_of(50).multihash(), std::nullopt}}, 60});
  receive_control(1, prune);
  EXPECT_TRUE(router->take_px_peers().empty());
  EXPECT_EQ(rejected("px_refused"), 1u);
}

TEST_F(RouterTest, OurPruneOffersPeers) {
  // Records for the peers we hold one of (here: every peer but 5).
  router->set_record_source([](const PeerId& p) -> std::optional<Bytes> {
    if (p == peer_of(5)) return std::nullopt;
    return Bytes(p.multihash().begin(), p.multihash().end());
  });
  router->subscribe(kTopic, now);
  add_many(1, 13);
  for (uint8_t i = 1; i <= 13; ++i) receive_control(i, graft(kTopic));
  auto out = drain();
  // The thirteenth GRAFT found the mesh full (D_hi = 12): PRUNE with PX.
  size_t with_px = 0;
  for (auto& [p, rpc] : out) {
    if (!rpc.control) continue;
    for (auto& pr : rpc.control->prune) {
      EXPECT_FALSE(pr.peers.empty());
      for (auto& px : pr.peers) {
        EXPECT_NE(*px.peer_id, p.multihash());
        if (*px.peer_id == peer_of(5).multihash()) {
          EXPECT_FALSE(px.signed_peer_record.has_value());
        } else {
          EXPECT_EQ(px.signed_peer_record, *px.peer_id);  // the record the source gave
        }
      }
      ++with_px;
    }
  }
  EXPECT_EQ(with_px, 1u);
}

TEST_F(RouterTest, IdontwantSuppressesForwardingAndIsSentForLargeMessages) {
  router->subscribe(kTopic, now);
  add(1);
  add(2);
  add(3, {kTopic}, PeerKind::kGossipsubV11);
  heartbeat();
  drain();
  MessagePtr big = message(9, std::string(2000, 'b'), 1);
  MessageId id = default_message_id(*big);
  ControlMessage dont;
  dont.idontwant.push_back({{id}});
  receive_control(2, dont);
  receive(1, big);
  auto out = drain();
  EXPECT_TRUE(out[peer_of(2)].publish.empty()) << "peer 2 said IDONTWANT";
  EXPECT_EQ(out[peer_of(3)].publish.size(), 1u);
  // We tell v1.2 mesh peers (not the source, not v1.1 ones) that we have it.
  ASSERT_TRUE(out[peer_of(2)].control);
  EXPECT_EQ(out[peer_of(2)].control->idontwant.size(), 1u);
  EXPECT_FALSE(out[peer_of(3)].control);

  MessagePtr small = message(9, "small", 2);
  receive(1, small);
  auto out2 = drain();
  EXPECT_FALSE(out2[peer_of(2)].control) << "no IDONTWANT under the size threshold";
}

}  // namespace
}  // namespace aipg::gossipsub::testing
