// The message path: delivery, forwarding, duplicates, signatures, validation, publishing.
#include "router_fixture.hpp"

namespace aipg::gossipsub::testing {
namespace {

class RouterMessageTest : public RouterTest {
 protected:
  void SetUp() override {
    RouterTest::SetUp();
    router->subscribe(kTopic, now);
    add_many(1, 4);
    heartbeat();
    ASSERT_EQ(mesh_size(), 4u);
    drain();
  }
};

TEST_F(RouterMessageTest, ValidMessageIsDeliveredOnceAndForwardedToMeshButNotBack) {
  MessagePtr m = message(9, "hello", 1);
  receive(1, m);
  auto d = router->take_deliveries();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].source, peer_of(1));
  EXPECT_EQ(*d[0].message, *m);
  EXPECT_EQ(d[0].id, default_message_id(*m));
  auto out = drain();
  EXPECT_EQ(out.count(peer_of(1)), 0u) << "not back to the source";
  for (uint8_t i = 2; i <= 4; ++i) ASSERT_EQ(out[peer_of(i)].publish.size(), 1u);

  receive(2, m);  // a duplicate
  EXPECT_TRUE(router->take_deliveries().empty());
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(router->stats().duplicates, 1u);
}

TEST_F(RouterMessageTest, NeverForwardedToItsAuthor) {
  MessagePtr m = message(3, "from three", 1);
  receive(1, m);
  auto out = drain();
  EXPECT_EQ(out.count(peer_of(3)), 0u);
  EXPECT_EQ(out[peer_of(2)].publish.size(), 1u);
}

TEST_F(RouterMessageTest, BadSignatureIsRejectedAndDoesNotShadowTheRealMessage) {
  MessagePtr good = message(9, "real", 5);
  auto forged = std::make_shared<Message>(*good);
  forged->data = to_bytes("forged");  // same from and seqno, so the same id
  receive(1, forged);
  EXPECT_TRUE(router->take_deliveries().empty());
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(rejected("invalid_signature"), 1u);

  receive(2, good);
  auto d = router->take_deliveries();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(*d[0].message->data, to_bytes("real"));
}

TEST_F(RouterMessageTest, UnsignedMessageIsRejectedUnderStrictSign) {
  auto m = std::make_shared<Message>();
  m->topic = kTopic;
  m->data = to_bytes("anonymous");
  receive(1, m);
  EXPECT_TRUE(router->take_deliveries().empty());
  EXPECT_EQ(router->stats().rejected_total(), 1u);
}

TEST_F(RouterMessageTest, MessagesInTopicsWeAreNotInAreDropped) {
  receive(1, message(9, "elsewhere", 1, "other"));
  EXPECT_TRUE(router->take_deliveries().empty());
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(rejected("not_subscribed"), 1u);
}

TEST_F(RouterMessageTest, OurOwnMessageComingBackIsIgnored) {
  receive(1, message(0, "mine", 77));
  EXPECT_TRUE(router->take_deliveries().empty());
  EXPECT_EQ(rejected("self_origin"), 1u);
}

TEST_F(RouterMessageTest, RejectAndIgnoreFromTheValidator) {
  router->set_validator([](const PeerId&, const MessageId&, const Message& m) {
    std::string s(m.data->begin(), m.data->end());
    return s == "bad"   ? ValidationResult::kReject
           : s == "meh" ? ValidationResult::kIgnore
                        : ValidationResult::kAccept;
  });
  receive(1, message(9, "bad", 1));
  receive(1, message(9, "meh", 2));
  receive(1, message(9, "ok", 3));
  auto d = router->take_deliveries();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(rejected("validation_reject"), 1u);
  EXPECT_EQ(rejected("validation_ignore"), 1u);
  auto out = drain();
  EXPECT_EQ(out[peer_of(2)].publish.size(), 1u) << "only the accepted one is relayed";
}

TEST_F(RouterMessageTest, AsynchronousValidation) {
  router->set_validator(
      [](const PeerId&, const MessageId&, const Message&) { return ValidationResult::kPending; });
  MessagePtr m = message(9, "later", 1);
  receive(1, m);
  receive(2, m);  // a copy while pending: remembered, so it is not sent back to 2
  EXPECT_TRUE(router->take_deliveries().empty());
  EXPECT_TRUE(drain().empty());
  router->report_validation(default_message_id(*m), ValidationResult::kAccept, now);
  EXPECT_EQ(router->take_deliveries().size(), 1u);
  auto out = drain();
  EXPECT_EQ(out.count(peer_of(1)), 0u);
  EXPECT_EQ(out.count(peer_of(2)), 0u);
  EXPECT_EQ(out[peer_of(3)].publish.size(), 1u);
  // A second answer for the same id changes nothing.
  router->report_validation(default_message_id(*m), ValidationResult::kAccept, now);
  EXPECT_TRUE(router->take_deliveries().empty());
}

TEST_F(RouterMessageTest, UnansweredValidationIsDroppedWithTheCache) {
  router->set_validator(
      [](const PeerId&, const MessageId&, const Message&) { return ValidationResult::kPending; });
  receive(1, message(9, "forgotten", 1));
  for (int i = 0; i < 6; ++i) heartbeat();
  EXPECT_EQ(rejected("validation_timeout"), 1u);
}

TEST_F(RouterMessageTest, FloodPublishReachesEveryTopicPeer) {
  add_many(10, 6);  // not in the mesh
  drain();
  auto id = router->publish(kTopic, to_bytes("to all"), now);
  ASSERT_TRUE(id);
  auto out = drain();
  EXPECT_EQ(out.size(), 10u);
  for (auto& [p, rpc] : out) {
    ASSERT_EQ(rpc.publish.size(), 1u);
    EXPECT_FALSE(verify_strict_sign(*rpc.publish[0]));
    EXPECT_EQ(*rpc.publish[0]->from, router->local_peer().multihash());
  }
}

TEST_F(RouterTest, FanoutPublishWithoutFloodAndItsExpiry) {
  GossipsubConfig cfg;
  cfg.flood_publish = false;
  make(cfg);
  add_many(1, 10);
  drain();
  ASSERT_TRUE(router->publish(kTopic, to_bytes("via fanout"), now));
  auto out = drain();
  EXPECT_EQ(out.size(), 6u) << "D fanout peers";
  EXPECT_EQ(router->fanout_peers(kTopic).size(), 6u);
  heartbeat(61s);
  EXPECT_TRUE(router->fanout_peers(kTopic).empty()) << "fanout TTL 60 s";
}

TEST_F(RouterTest, PublishRefusesOversizedData) {
  add_many(1, 2);
  auto r = router->publish(kTopic, Bytes(2 << 20, 'x'), now);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("max_transmit_size"), std::string::npos);
}

TEST_F(RouterTest, SeqnoCountsUpFromTheSeed) {
  router->subscribe(kTopic, now);
  add(1);
  drain();
  router->publish(kTopic, to_bytes("a"), now);
  router->publish(kTopic, to_bytes("b"), now);
  auto out = drain();
  ASSERT_EQ(out[peer_of(1)].publish.size(), 2u);
  EXPECT_EQ(get_be64(out[peer_of(1)].publish[0]->seqno->data()), 1000u);
  EXPECT_EQ(get_be64(out[peer_of(1)].publish[1]->seqno->data()), 1001u);
}

TEST_F(RouterTest, LargeBatchesAreSplitUnderTheTransmitLimit) {
  router->subscribe(kTopic, now);
  add(1);
  drain();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(router->publish(kTopic, Bytes(300 << 10, 'a' + i), now));
  auto outs = router->take_outgoing();
  ASSERT_GE(outs.size(), 3u);
  size_t total = 0;
  for (auto& o : outs) {
    size_t bytes = 0;
    for (auto& m : o.rpc.publish) bytes += m->data->size();
    EXPECT_LE(bytes, router->config().max_transmit_size);
    total += o.rpc.publish.size();
  }
  EXPECT_EQ(total, 10u);
}

TEST_F(RouterTest, ContentAddressedIdsDeduplicateAcrossAuthors) {
  GossipsubConfig cfg;
  cfg.message_id = content_message_id;
  make(cfg);
  router->subscribe(kTopic, now);
  add_many(1, 2);
  receive(1, message(8, "same words", 1));
  receive(2, message(9, "same words", 1));
  EXPECT_EQ(router->take_deliveries().size(), 1u);
}

// The signature_check hook replaces the policy's own check: its answer is the router's.
TEST_F(RouterTest, SignatureCheckHookDecides) {
  GossipsubConfig cfg;
  size_t asked = 0;
  cfg.signature_check = [&](const Message& m) -> std::optional<SignatureError> {
    ++asked;
    if (m.data == to_bytes("vouched")) return std::nullopt;
    return SignatureError::kKeyMismatch;
  };
  make(cfg);
  router->subscribe(kTopic, now);
  add(1);
  receive(1, message(9, "honest but refused", 1));
  EXPECT_TRUE(router->take_deliveries().empty());
  EXPECT_EQ(rejected("key_mismatch"), 1u);
  auto unsigned_msg = std::make_shared<Message>();
  unsigned_msg->topic = kTopic;
  unsigned_msg->data = to_bytes("vouched");
  receive(1, unsigned_msg);
  EXPECT_EQ(router->take_deliveries().size(), 1u);
  EXPECT_EQ(asked, 2u);
}

TEST_F(RouterTest, AppScoreHookFeedsP5AndCanGraylist) {
  GossipsubConfig cfg = scored_config();
  cfg.score->app_specific_weight = 1;
  cfg.app_score = [](const PeerId& p) { return p == peer_of(2) ? -1000.0 : 0.0; };
  make(cfg);
  router->subscribe(kTopic, now);
  add(1);
  add(2);
  EXPECT_EQ(router->score(peer_of(1), now), 0);
  EXPECT_LT(router->score(peer_of(2), now), PeerScoreThresholds{}.graylist_threshold);
  receive(2, message(9, "ignored", 1));
  EXPECT_TRUE(router->take_deliveries().empty());
  EXPECT_EQ(rejected("graylisted"), 2u) << "its subscription and its message";
  heartbeat();
  EXPECT_FALSE(in_mesh(2));
  EXPECT_TRUE(in_mesh(1));
}

}  // namespace
}  // namespace aipg::gossipsub::testing
