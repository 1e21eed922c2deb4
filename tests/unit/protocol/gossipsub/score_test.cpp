#include <gtest/gtest.h>

#include <string>
#include <unordered_map>

#include "protocol/gossipsub/score/peer_score.hpp"
#include "test_ids.hpp"

namespace aipg::gossipsub {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

using testing::kNs;
using testing::kT0;
using testing::peer;
const TopicId kTopic = "t";

// Everything off: each test enables the parameter it is about.
PeerScoreParams params_with(const TopicScoreParams& t) {
  PeerScoreParams p;
  p.topics[kTopic] = t;
  return p;
}

TopicScoreParams p2_topic(double cap = 100) {
  TopicScoreParams t;
  t.first_message_deliveries_weight = 1;
  t.first_message_deliveries_decay = 0.5;
  t.first_message_deliveries_cap = cap;
  return t;
}

TopicScoreParams p3_topic() {
  TopicScoreParams t;
  t.mesh_message_deliveries_weight = -1;
  t.mesh_message_deliveries_decay = 0.5;
  t.mesh_message_deliveries_cap = 10;
  t.mesh_message_deliveries_threshold = 4;
  t.mesh_message_deliveries_window = milliseconds(10);
  t.mesh_message_deliveries_activation = seconds(5);
  return t;
}

TopicScoreParams p4_topic() {
  TopicScoreParams t;
  t.invalid_message_deliveries_weight = -1;
  t.invalid_message_deliveries_decay = 0.5;
  return t;
}

// `from` sends message `id` first and it validates at once.
void first_delivery(PeerScore& s, const PeerId& from, const MessageId& id, Instant now,
                    const TopicId& topic = kTopic) {
  s.validate_message(from, id, topic, now);
  s.deliver_message(from, id, topic, now);
}

TEST(ScorePeer, UnknownPeersScoreZeroAndEventsAboutThemAreIgnored) {
  PeerScore s(params_with(p2_topic()));
  first_delivery(s, peer(1), "m", kT0);
  s.add_penalty(peer(1), 5);
  s.graft(peer(1), kTopic, kT0);
  EXPECT_EQ(s.score(peer(1), kT0), 0);
  EXPECT_EQ(s.peer_count(), 0u);
  s.add_peer(peer(1));
  EXPECT_EQ(s.score(peer(1), kT0 + seconds(10)), 0);
  EXPECT_EQ(s.peer_count(), 1u);
}

TEST(ScoreP1, QuantaAndCap) {
  TopicScoreParams t;
  t.time_in_mesh_weight = 0.5;
  t.time_in_mesh_quantum = seconds(2);
  t.time_in_mesh_cap = 10;
  PeerScore s(params_with(t));
  s.add_peer(peer(1));
  EXPECT_EQ(s.score(peer(1), kT0), 0);  // not in the mesh
  s.graft(peer(1), kTopic, kT0);
  EXPECT_EQ(s.score(peer(1), kT0), 0);
  EXPECT_EQ(s.score(peer(1), kT0 + seconds(2) - kNs), 0);  // whole quanta only
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0 + seconds(2)), 0.5);
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0 + seconds(7)), 1.5);  // 3 quanta
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0 + seconds(20)), 5);   // 10 quanta = cap
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0 + seconds(1000)), 5);
  // A second GRAFT does not restart the clock.
  s.graft(peer(1), kTopic, kT0 + seconds(1000));
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0 + seconds(1000)), 5);
  // Out of the mesh, P1 is gone; a new GRAFT starts from zero.
  s.prune(peer(1), kTopic, kT0 + seconds(1000));
  EXPECT_EQ(s.score(peer(1), kT0 + seconds(1000)), 0);
  s.graft(peer(1), kTopic, kT0 + seconds(1000));
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0 + seconds(1004)), 1);
  // A `now` before the GRAFT counts as no time.
  EXPECT_EQ(s.score(peer(1), kT0), 0);
}

TEST(ScoreP2, FirstDeliveryAndCap) {
  PeerScore s(params_with(p2_topic(/*cap=*/3)));
  s.add_peer(peer(1));
  s.add_peer(peer(2));
  s.validate_message(peer(1), "m1", kTopic, kT0);
  s.duplicate_message(peer(2), "m1", kTopic, kT0);  // a copy while pending: not first
  EXPECT_EQ(s.score(peer(1), kT0), 0);              // nothing before validation succeeds
  s.deliver_message(peer(1), "m1", kTopic, kT0);
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), 1);
  EXPECT_EQ(s.score(peer(2), kT0), 0);
  // A second verdict for the same message pays nothing.
  s.deliver_message(peer(1), "m1", kTopic, kT0);
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), 1);
  // P2 does not need the mesh; it is capped at 3.
  for (const char* id : {"m2", "m3", "m4", "m5"}) first_delivery(s, peer(1), id, kT0);
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), 3);
  // Without validate_message the deliverer still gets the credit.
  s.deliver_message(peer(2), "m6", kTopic, kT0);
  EXPECT_DOUBLE_EQ(s.score(peer(2), kT0), 1);
}

TEST(ScoreP3, DeficitOnlyAfterActivation) {
  PeerScore s(params_with(p3_topic()));
  s.add_peer(peer(1));
  s.graft(peer(1), kTopic, kT0);
  // Activation 5 s: time in mesh must exceed it.
  EXPECT_EQ(s.score(peer(1), kT0 + seconds(5)), 0);
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0 + seconds(5) + kNs), -16);  // (4 - 0)²
  first_delivery(s, peer(1), "m1", kT0 + seconds(6));
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0 + seconds(6)), -9);  // (4 - 1)²
  for (const char* id : {"m2", "m3", "m4"}) first_delivery(s, peer(1), id, kT0 + seconds(6));
  EXPECT_EQ(s.score(peer(1), kT0 + seconds(6)), 0);  // at the threshold
  const auto b = s.breakdown(peer(1), kT0 + seconds(6));
  EXPECT_EQ(b.p3, 0);
  // Deliveries outside the mesh do not count for P3.
  s.add_peer(peer(2));
  first_delivery(s, peer(2), "m5", kT0);
  s.graft(peer(2), kTopic, kT0);
  EXPECT_DOUBLE_EQ(s.score(peer(2), kT0 + seconds(6)), -16);
}

TEST(ScoreP3, CounterIsCapped) {
  TopicScoreParams t = p3_topic();
  t.mesh_message_deliveries_cap = 5;
  PeerScore s(params_with(t));
  s.add_peer(peer(1));
  s.graft(peer(1), kTopic, kT0);
  for (int i = 0; i < 20; ++i) first_delivery(s, peer(1), "m" + std::to_string(i), kT0);
  // 20 deliveries, counter capped at 5; two refreshes (×0.25) take it to 1.25: deficit 2.75.
  s.refresh(kT0 + seconds(1));
  s.refresh(kT0 + seconds(2));
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0 + seconds(6)), -(2.75 * 2.75));
}

TEST(ScoreP3, NearFirstWindowCredit) {
  TopicScoreParams t = p3_topic();
  t.mesh_message_deliveries_threshold = 2;
  t.mesh_message_deliveries_activation = seconds(1);
  PeerScore s(params_with(t));
  for (uint8_t n = 1; n <= 6; ++n) s.add_peer(peer(n));
  for (uint8_t n = 1; n <= 5; ++n) s.graft(peer(n), kTopic, kT0);  // peer 6 is not in the mesh
  const Instant first = kT0 + seconds(2);
  const Instant validated = first + milliseconds(100);
  s.validate_message(peer(1), "m", kTopic, first);
  s.duplicate_message(peer(2), "m", kTopic, first + milliseconds(50));  // while pending
  s.duplicate_message(peer(1), "m", kTopic, first + milliseconds(60));  // the sender's repeat
  s.deliver_message(peer(1), "m", kTopic, validated);
  // The window (10 ms) runs from validation, inclusive.
  s.duplicate_message(peer(3), "m", kTopic, validated + milliseconds(10));
  s.duplicate_message(peer(4), "m", kTopic, validated + milliseconds(10) + kNs);
  s.duplicate_message(peer(6), "m", kTopic, validated);
  // Repeats of a credited copy earn nothing more.
  s.duplicate_message(peer(2), "m", kTopic, validated);
  s.duplicate_message(peer(3), "m", kTopic, validated);

  const Instant at = kT0 + seconds(3);
  EXPECT_DOUBLE_EQ(s.score(peer(1), at), -1);  // first: counter 1, deficit 1
  EXPECT_DOUBLE_EQ(s.score(peer(2), at), -1);  // during validation
  EXPECT_DOUBLE_EQ(s.score(peer(3), at), -1);  // at the window's edge
  EXPECT_DOUBLE_EQ(s.score(peer(4), at), -4);  // too late: could be our own forward
  EXPECT_DOUBLE_EQ(s.score(peer(5), at), -4);  // sent nothing
  EXPECT_EQ(s.score(peer(6), at), 0);          // not in the mesh: no P3 at all
}

TEST(ScoreP3b, PenaltyOnPruneOnlyWhenActive) {
  TopicScoreParams t = p3_topic();
  t.mesh_message_deliveries_threshold = 3;
  t.mesh_message_deliveries_activation = seconds(1);
  t.mesh_failure_penalty_weight = -2;
  t.mesh_failure_penalty_decay = 0.5;
  PeerScore s(params_with(t));
  s.add_peer(peer(1));
  // Pruned before activation: no penalty.
  s.graft(peer(1), kTopic, kT0);
  s.prune(peer(1), kTopic, kT0 + seconds(1));
  EXPECT_EQ(s.score(peer(1), kT0 + seconds(1)), 0);
  // Pruned after activation with a deficit of 2: 2² into P3b, weight -2.
  s.graft(peer(1), kTopic, kT0 + seconds(2));
  first_delivery(s, peer(1), "m", kT0 + seconds(3));
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0 + seconds(4)), -4);  // P3 while in the mesh
  s.prune(peer(1), kTopic, kT0 + seconds(4));
  auto b = s.breakdown(peer(1), kT0 + seconds(4));
  EXPECT_EQ(b.p3, 0);           // out of the mesh P3 stops…
  EXPECT_DOUBLE_EQ(b.p3b, -8);  // …and P3b remembers
  EXPECT_DOUBLE_EQ(b.total, -8);
  // Sticky but decaying: 4 × 0.5 = 2.
  s.refresh(kT0 + seconds(5));
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0 + seconds(5)), -4);
  // A prune while not in the mesh adds nothing.
  s.prune(peer(1), kTopic, kT0 + seconds(6));
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0 + seconds(6)), -4);
}

TEST(ScoreP4, SquaredForInvalidMessages) {
  PeerScore s(params_with(p4_topic()));
  for (uint8_t n = 1; n <= 4; ++n) s.add_peer(peer(n));
  s.validate_message(peer(1), "bad", kTopic, kT0);
  s.duplicate_message(peer(2), "bad", kTopic, kT0);  // pending copy
  s.reject_message(peer(1), "bad", kTopic, RejectReason::kValidationFailed, kT0);
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), -1);
  EXPECT_DOUBLE_EQ(s.score(peer(2), kT0), -1);
  // A copy after the verdict is penalised too, once per peer.
  s.duplicate_message(peer(3), "bad", kTopic, kT0);
  s.duplicate_message(peer(3), "bad", kTopic, kT0);
  s.duplicate_message(peer(1), "bad", kTopic, kT0);
  EXPECT_DOUBLE_EQ(s.score(peer(3), kT0), -1);
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), -1);
  // A second invalid message: counter 2, P4 = 4. A third: 9.
  s.validate_message(peer(1), "bad2", kTopic, kT0);
  s.reject_message(peer(1), "bad2", kTopic, RejectReason::kValidationFailed, kT0);
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), -4);
  s.reject_message(peer(1), "bad3", kTopic, RejectReason::kValidationFailed, kT0);
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), -9);
  // Only the first verdict counts.
  s.reject_message(peer(1), "bad3", kTopic, RejectReason::kValidationFailed, kT0);
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), -9);
  EXPECT_EQ(s.score(peer(4), kT0), 0);
}

TEST(ScoreP4, SignatureFailuresPenaliseOnlyTheSenderAndLeaveTheRecord) {
  TopicScoreParams t = p4_topic();
  t.first_message_deliveries_weight = 1;
  t.first_message_deliveries_decay = 0.5;
  t.first_message_deliveries_cap = 10;
  PeerScore s(params_with(t));
  for (uint8_t n = 1; n <= 3; ++n) s.add_peer(peer(n));
  s.validate_message(peer(1), "m", kTopic, kT0);
  s.duplicate_message(peer(2), "m", kTopic, kT0);
  // peer 3 sends a copy with a bad signature: its fault alone, and the id is untrusted.
  s.reject_message(peer(3), "m", kTopic, RejectReason::kInvalidSignature, kT0);
  s.reject_message(peer(3), "x", kTopic, RejectReason::kMissingSignature, kT0);
  s.reject_message(peer(3), "y", kTopic, RejectReason::kSelfOrigin, kT0);
  EXPECT_DOUBLE_EQ(s.score(peer(3), kT0), -9);  // three invalid: 3²
  EXPECT_EQ(s.delivery_record_count(), 1u);     // "x" and "y" made no record
  // The honest message still validates normally.
  s.deliver_message(peer(1), "m", kTopic, kT0);
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), 1);
  EXPECT_EQ(s.score(peer(2), kT0), 0);
}

TEST(ScoreP4, IgnoredAndQueueFullAreNotPenalised) {
  PeerScore s(params_with(p4_topic()));
  for (uint8_t n = 1; n <= 3; ++n) s.add_peer(peer(n));
  s.validate_message(peer(1), "ign", kTopic, kT0);
  s.duplicate_message(peer(2), "ign", kTopic, kT0);
  s.reject_message(peer(1), "ign", kTopic, RejectReason::kValidationIgnored, kT0);
  s.duplicate_message(peer(3), "ign", kTopic, kT0);
  // A later "failed" verdict for an ignored message is a second verdict: ignored.
  s.reject_message(peer(1), "ign", kTopic, RejectReason::kValidationFailed, kT0);
  s.reject_message(peer(1), "full", kTopic, RejectReason::kQueueFull, kT0);
  for (uint8_t n = 1; n <= 3; ++n) EXPECT_EQ(s.score(peer(n), kT0), 0) << int(n);
  EXPECT_EQ(s.delivery_record_count(), 1u);  // no record for the queue-full message
}

TEST(ScoreP5, ApplicationScoreTimesWeight) {
  std::unordered_map<PeerId, double> app{{peer(1), 3}, {peer(2), -4}};
  PeerScoreParams p;
  p.app_specific_weight = 0.5;
  PeerScore s(p, [&](const PeerId& id) { return app.count(id) ? app.at(id) : 0.0; });
  for (uint8_t n = 1; n <= 3; ++n) s.add_peer(peer(n));
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), 1.5);
  EXPECT_DOUBLE_EQ(s.score(peer(2), kT0), -2);
  EXPECT_EQ(s.score(peer(3), kT0), 0);
  // Asked at scoring time: a change shows at once.
  app[peer(3)] = 10;
  EXPECT_DOUBLE_EQ(s.score(peer(3), kT0), 5);
  EXPECT_DOUBLE_EQ(s.breakdown(peer(3), kT0).p5, 5);
  // Never asked about unknown peers.
  EXPECT_EQ(s.score(peer(9), kT0), 0);
  // No hook: 0.
  PeerScore none(p);
  none.add_peer(peer(1));
  EXPECT_EQ(none.score(peer(1), kT0), 0);
}

TEST(ScoreP6, ColocationThresholdAndWhitelist) {
  PeerScoreParams p;
  p.ip_colocation_factor_weight = -1;
  p.ip_colocation_factor_threshold = 2;
  p.ip_colocation_factor_whitelist = {"10.0.0.9"};
  PeerScore s(p);
  for (uint8_t n = 1; n <= 6; ++n) s.add_peer(peer(n));
  s.set_ips(peer(1), {"1.2.3.4"});
  s.set_ips(peer(2), {"1.2.3.4", "1.2.3.4"});  // duplicates count once
  EXPECT_EQ(s.score(peer(1), kT0), 0);         // 2 peers: at the threshold
  s.set_ips(peer(3), {"1.2.3.4"});
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), -1);  // 3 peers: surplus 1
  s.set_ips(peer(4), {"1.2.3.4", "5.6.7.8"});
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), -4);  // 4 peers: surplus 2, squared
  EXPECT_DOUBLE_EQ(s.score(peer(4), kT0), -4);  // its other IP is alone
  EXPECT_DOUBLE_EQ(s.breakdown(peer(4), kT0).p6, -4);
  // A peer moving away frees its slot.
  s.set_ips(peer(3), {"5.6.7.8"});
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), -1);
  EXPECT_DOUBLE_EQ(s.score(peer(4), kT0), -1);  // 3 on 1.2.3.4, 2 on 5.6.7.8
  // Whitelisted IPs never count, however crowded.
  for (uint8_t n = 1; n <= 6; ++n) s.set_ips(peer(n), {"10.0.0.9"});
  for (uint8_t n = 1; n <= 6; ++n) EXPECT_EQ(s.score(peer(n), kT0), 0) << int(n);
  // Surplus over the threshold per IP, summed over the peer's IPs.
  for (uint8_t n = 1; n <= 3; ++n) s.set_ips(peer(n), {"a", "b"});
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), -2);  // 1² + 1²
  // A removed (non-retained) peer leaves the count; unknown peers cannot set IPs.
  s.remove_peer(peer(3), kT0);
  s.set_ips(peer(9), {"a"});
  EXPECT_EQ(s.score(peer(1), kT0), 0);
}

TEST(ScoreP7, BehaviourPenaltyOverThreshold) {
  PeerScoreParams p;
  p.behaviour_penalty_weight = -1;
  p.behaviour_penalty_threshold = 2;
  p.behaviour_penalty_decay = 0.5;
  PeerScore s(p);
  s.add_peer(peer(1));
  s.add_penalty(peer(1), 2);
  EXPECT_EQ(s.score(peer(1), kT0), 0);  // at the threshold
  s.add_penalty(peer(1), 1);
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), -1);
  s.add_penalty(peer(1), 2);
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), -9);  // (5 - 2)²
  s.refresh(kT0 + seconds(1));                  // 2.5
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), -0.25);
  s.refresh(kT0 + seconds(2));  // 1.25
  EXPECT_EQ(s.score(peer(1), kT0), 0);
}

TEST(ScoreDecay, CountersDecayAndSnapToZero) {
  TopicScoreParams t = p2_topic();
  t.invalid_message_deliveries_weight = -1;
  t.invalid_message_deliveries_decay = 0.5;
  PeerScoreParams p = params_with(t);
  p.decay_to_zero = 0.3;
  PeerScore s(p);
  s.add_peer(peer(1));
  s.add_peer(peer(2));
  for (const char* id : {"a", "b", "c", "d"}) first_delivery(s, peer(1), id, kT0);
  s.reject_message(peer(2), "x", kTopic, RejectReason::kValidationFailed, kT0);
  s.reject_message(peer(2), "y", kTopic, RejectReason::kValidationFailed, kT0);
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), 4);
  EXPECT_DOUBLE_EQ(s.score(peer(2), kT0), -4);
  s.refresh(kT0 + seconds(1));
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0 + seconds(1)), 2);
  EXPECT_DOUBLE_EQ(s.score(peer(2), kT0 + seconds(1)), -1);  // counter 1, squared
  s.refresh(kT0 + seconds(2));
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0 + seconds(2)), 1);
  EXPECT_DOUBLE_EQ(s.score(peer(2), kT0 + seconds(2)), -0.25);  // counter 0.5
  s.refresh(kT0 + seconds(3));
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0 + seconds(3)), 0.5);
  EXPECT_EQ(s.score(peer(2), kT0 + seconds(3)), 0);  // 0.25 < decay_to_zero (0.3): zero
  s.refresh(kT0 + seconds(4));
  EXPECT_EQ(s.score(peer(1), kT0 + seconds(4)), 0);
}

TEST(ScoreRetain, NegativeScoreSurvivesReconnect) {
  TopicScoreParams t = p4_topic();
  t.first_message_deliveries_weight = 1;
  t.first_message_deliveries_decay = 0.5;
  t.first_message_deliveries_cap = 10;
  PeerScoreParams p = params_with(t);
  p.retain_score = seconds(10);
  PeerScore s(p);
  s.add_peer(peer(1));
  first_delivery(s, peer(1), "good", kT0);
  s.reject_message(peer(1), "b1", kTopic, RejectReason::kValidationFailed, kT0);
  s.reject_message(peer(1), "b2", kTopic, RejectReason::kValidationFailed, kT0);
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), -3);  // 1 - 2²
  s.remove_peer(peer(1), kT0);
  EXPECT_TRUE(s.is_retained(peer(1)));
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), -4);  // P2 does not survive the disconnect
  // Not decayed while away.
  s.refresh(kT0 + seconds(5));
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0 + seconds(5)), -4);
  s.add_peer(peer(1));
  EXPECT_FALSE(s.is_retained(peer(1)));
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0 + seconds(5)), -4);
  // Connected again, it decays: counter 1.
  s.refresh(kT0 + seconds(6));
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0 + seconds(6)), -1);
  // After retain_score away, the record is forgotten.
  s.remove_peer(peer(1), kT0 + seconds(6));
  s.refresh(kT0 + seconds(16) - kNs);
  EXPECT_TRUE(s.has_peer(peer(1)));
  s.refresh(kT0 + seconds(16));
  EXPECT_FALSE(s.has_peer(peer(1)));
  EXPECT_EQ(s.peer_count(), 0u);
}

TEST(ScoreRetain, NonNegativeScoresAreDropped) {
  PeerScoreParams p = params_with(p2_topic());
  p.retain_score = seconds(10);
  PeerScore s(p);
  s.add_peer(peer(1));
  s.add_peer(peer(2));
  first_delivery(s, peer(1), "m", kT0);
  s.remove_peer(peer(1), kT0);  // positive
  s.remove_peer(peer(2), kT0);  // zero
  EXPECT_EQ(s.peer_count(), 0u);
  s.add_peer(peer(1));
  EXPECT_EQ(s.score(peer(1), kT0), 0);
  // retain_score 0: even a negative score is dropped.
  PeerScoreParams q = params_with(p4_topic());
  PeerScore r(q);
  r.add_peer(peer(1));
  r.reject_message(peer(1), "b", kTopic, RejectReason::kValidationFailed, kT0);
  r.remove_peer(peer(1), kT0);
  EXPECT_EQ(r.peer_count(), 0u);
}

TEST(ScoreRetain, DisconnectWithDeficitIsAPrune) {
  TopicScoreParams t = p3_topic();
  t.mesh_message_deliveries_activation = seconds(1);
  t.mesh_failure_penalty_weight = -1;
  t.mesh_failure_penalty_decay = 0.5;
  PeerScoreParams p = params_with(t);
  p.retain_score = seconds(10);
  PeerScore s(p);
  s.add_peer(peer(1));
  s.graft(peer(1), kTopic, kT0);
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0 + seconds(2)), -16);
  s.remove_peer(peer(1), kT0 + seconds(2));
  const auto b = s.breakdown(peer(1), kT0 + seconds(2));
  EXPECT_EQ(b.p3, 0);
  EXPECT_DOUBLE_EQ(b.p3b, -16);
  // Back again: not in the mesh until grafted.
  s.add_peer(peer(1));
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0 + seconds(100)), -16);
}

TEST(ScoreTopics, WeightCapAndUnscoredTopics) {
  TopicScoreParams a = p2_topic();
  a.topic_weight = 0.5;
  TopicScoreParams b = p2_topic();
  b.topic_weight = 2;
  PeerScoreParams p;
  p.topics["a"] = a;
  p.topics["b"] = b;
  p.topic_score_cap = 5;
  p.behaviour_penalty_weight = -1;
  p.behaviour_penalty_decay = 0.5;
  PeerScore s(p);
  s.add_peer(peer(1));
  first_delivery(s, peer(1), "a1", kT0, "a");
  first_delivery(s, peer(1), "a2", kT0, "a");
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), 1);  // 2 × 0.5
  first_delivery(s, peer(1), "b1", kT0, "b");
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), 3);  // + 1 × 2
  first_delivery(s, peer(1), "b2", kT0, "b");
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), 5);  // 5: at the cap
  first_delivery(s, peer(1), "b3", kT0, "b");
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), 5);  // 7 capped to 5
  const auto bd = s.breakdown(peer(1), kT0);
  EXPECT_DOUBLE_EQ(bd.p2, 7);
  EXPECT_DOUBLE_EQ(bd.total, 5);
  // The cap is on topics only: P7 still subtracts from it.
  s.add_penalty(peer(1), 2);
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), 1);
  // Messages in a topic that is not configured change nothing and leave no record.
  const size_t records = s.delivery_record_count();
  s.add_peer(peer(2));
  first_delivery(s, peer(2), "z", kT0, "unscored");
  s.reject_message(peer(2), "z2", "unscored", RejectReason::kValidationFailed, kT0);
  s.reject_message(peer(2), "z3", "unscored", RejectReason::kInvalidSignature, kT0);
  s.graft(peer(2), "unscored", kT0);
  EXPECT_EQ(s.score(peer(2), kT0 + seconds(100)), 0);
  EXPECT_EQ(s.delivery_record_count(), records);
}

// Topics opened at run time (one per model) are scored by prefix: each is its own topic (its own
// counters), an exact entry wins over a prefix, and the longest prefix wins over a shorter one.
TEST(ScoreTopics, PrefixesScoreTopicsWithoutTheirOwnEntry) {
  TopicScoreParams jobs = p4_topic();
  TopicScoreParams special = p4_topic();
  special.topic_weight = 10;
  TopicScoreParams exact = p4_topic();
  exact.topic_weight = 100;
  PeerScoreParams p;
  p.topic_prefixes["jobs/"] = jobs;
  p.topic_prefixes["jobs/special/"] = special;
  p.topics["jobs/exact"] = exact;
  ASSERT_TRUE(p.validate().has_value());
  EXPECT_EQ(p.find_topic("jobs/a"), &p.topic_prefixes.at("jobs/"));
  EXPECT_EQ(p.find_topic("jobs/special/x"), &p.topic_prefixes.at("jobs/special/"));
  EXPECT_EQ(p.find_topic("jobs/exact"), &p.topics.at("jobs/exact"));
  EXPECT_EQ(p.find_topic("jobs"), nullptr);
  EXPECT_EQ(p.find_topic("other"), nullptr);

  PeerScore s(p);
  for (uint8_t n = 1; n <= 4; ++n) s.add_peer(peer(n));
  // Two topics under one prefix keep their own counters: 1² + 1², not 2².
  s.reject_message(peer(1), "a", "jobs/a", RejectReason::kValidationFailed, kT0);
  s.reject_message(peer(1), "b", "jobs/b", RejectReason::kValidationFailed, kT0);
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), -2);
  s.reject_message(peer(2), "c", "jobs/special/x", RejectReason::kValidationFailed, kT0);
  EXPECT_DOUBLE_EQ(s.score(peer(2), kT0), -10);
  s.reject_message(peer(3), "d", "jobs/exact", RejectReason::kValidationFailed, kT0);
  EXPECT_DOUBLE_EQ(s.score(peer(3), kT0), -100);
  // Decay applies to prefix-scored topics like any other.
  s.refresh(kT0 + seconds(1));
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0 + seconds(1)), -0.5);
  // Outside every prefix: unscored.
  s.reject_message(peer(4), "e", "jobsx", RejectReason::kValidationFailed, kT0);
  EXPECT_EQ(s.score(peer(4), kT0), 0);
}

TEST(ScoreTopics, NegativeTopicSumIsNotCapped) {
  PeerScoreParams p = params_with(p4_topic());
  p.topic_score_cap = 1;
  PeerScore s(p);
  s.add_peer(peer(1));
  for (const char* id : {"x", "y", "z"}) {
    s.reject_message(peer(1), id, kTopic, RejectReason::kValidationFailed, kT0);
  }
  EXPECT_DOUBLE_EQ(s.score(peer(1), kT0), -9);
}

TEST(ScoreDeliveries, RecordsExpireAfterTtl) {
  TopicScoreParams t = p3_topic();
  t.mesh_message_deliveries_threshold = 1;
  t.mesh_message_deliveries_window = std::chrono::hours(1);  // wide open, to isolate the TTL
  t.mesh_message_deliveries_activation = seconds(1);
  PeerScoreParams p = params_with(t);
  p.delivery_record_ttl = seconds(120);
  PeerScore s(p);
  s.add_peer(peer(1));
  s.add_peer(peer(2));
  s.graft(peer(2), kTopic, kT0);
  first_delivery(s, peer(1), "m", kT0);
  first_delivery(s, peer(1), "n", kT0 + seconds(60));
  EXPECT_EQ(s.delivery_record_count(), 2u);
  s.refresh(kT0 + seconds(120) - kNs);
  EXPECT_EQ(s.delivery_record_count(), 2u);
  s.refresh(kT0 + seconds(120));
  EXPECT_EQ(s.delivery_record_count(), 1u);
  // A copy of the forgotten message is a new pending record: no credit.
  s.duplicate_message(peer(2), "m", kTopic, kT0 + seconds(121));
  EXPECT_DOUBLE_EQ(s.score(peer(2), kT0 + seconds(121)), -1);
  // A copy of the remembered one (valid, inside the window) is credited.
  s.duplicate_message(peer(2), "n", kTopic, kT0 + seconds(121));
  EXPECT_EQ(s.score(peer(2), kT0 + seconds(121)), 0);
  s.refresh(kT0 + seconds(300));
  EXPECT_EQ(s.delivery_record_count(), 0u);
}

// Runs one fixed scenario; the scores must come out bit-identical every time, and independent
// of the order a peer's topics were first touched.
std::vector<double> scenario(bool reverse_topics) {
  TopicScoreParams t = default_topic_score_params();
  t.mesh_message_deliveries_weight = -0.7;
  t.mesh_message_deliveries_decay = 0.93;
  t.mesh_message_deliveries_cap = 7;
  t.mesh_message_deliveries_threshold = 3.3;
  t.mesh_message_deliveries_window = milliseconds(3);
  t.mesh_message_deliveries_activation = seconds(4);
  t.mesh_failure_penalty_weight = -0.3;
  t.mesh_failure_penalty_decay = 0.97;
  PeerScoreParams p = default_peer_score_params();
  const std::vector<TopicId> topics{"alpha", "beta", "gamma"};
  for (size_t i = 0; i < topics.size(); ++i) {
    p.topics[topics[i]] = t;
    p.topics[topics[i]].topic_weight = 0.1 + 0.37 * static_cast<double>(i);
  }
  PeerScore s(p, [](const PeerId& id) { return 0.01 * id.multihash().back(); });
  for (uint8_t n = 1; n <= 8; ++n) {
    s.add_peer(peer(n));
    s.set_ips(peer(n), {"192.0.2." + std::to_string(n % 3)});
  }
  Instant now = kT0;
  for (int round = 0; round < 40; ++round) {
    for (size_t k = 0; k < topics.size(); ++k) {
      const TopicId& topic = topics[reverse_topics ? topics.size() - 1 - k : k];
      for (uint8_t n = 1; n <= 8; ++n) {
        if ((round + n) % 7 == 0) s.graft(peer(n), topic, now);
        if ((round + n) % 11 == 0) s.prune(peer(n), topic, now);
      }
      const MessageId id = topic + std::to_string(round);
      const PeerId from = peer(static_cast<uint8_t>(1 + round % 8));
      s.validate_message(from, id, topic, now);
      s.duplicate_message(peer(static_cast<uint8_t>(1 + (round + 3) % 8)), id, topic, now);
      if (round % 5 == 0) {
        s.reject_message(from, id, topic, RejectReason::kValidationFailed, now);
      } else {
        s.deliver_message(from, id, topic, now);
      }
      s.duplicate_message(peer(static_cast<uint8_t>(1 + (round + 5) % 8)), id, topic,
                          now + milliseconds(round % 6));
    }
    if (round % 9 == 0) s.add_penalty(peer(static_cast<uint8_t>(1 + round % 8)), 3);
    now += milliseconds(700);
    s.refresh(now);
  }
  std::vector<double> out;
  for (uint8_t n = 1; n <= 8; ++n) out.push_back(s.score(peer(n), now));
  return out;
}

TEST(ScoreDeterminism, SameEventsSameScores) {
  const auto a = scenario(false);
  const auto b = scenario(false);
  const auto c = scenario(true);
  ASSERT_EQ(a.size(), 8u);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i], b[i]) << i;  // exact: bit-identical
    EXPECT_EQ(a[i], c[i]) << i;
  }
  // The scenario exercises something: scores differ between peers.
  EXPECT_NE(a[0], a[1]);
}

TEST(ScoreBreakdownTest, PartsAddUpWithoutCap) {
  TopicScoreParams t = p4_topic();
  t.time_in_mesh_weight = 1;
  t.time_in_mesh_cap = 100;
  t.first_message_deliveries_weight = 2;
  t.first_message_deliveries_decay = 0.5;
  t.first_message_deliveries_cap = 10;
  PeerScoreParams p = params_with(t);
  p.app_specific_weight = 1;
  p.ip_colocation_factor_weight = -1;
  p.behaviour_penalty_weight = -1;
  p.behaviour_penalty_decay = 0.5;
  PeerScore s(p, [](const PeerId&) { return 0.5; });
  s.add_peer(peer(1));
  s.add_peer(peer(2));
  s.set_ips(peer(1), {"x"});
  s.set_ips(peer(2), {"x"});
  s.graft(peer(1), kTopic, kT0);
  first_delivery(s, peer(1), "m", kT0);
  s.reject_message(peer(1), "b", kTopic, RejectReason::kValidationFailed, kT0);
  s.add_penalty(peer(1), 2);
  const auto b = s.breakdown(peer(1), kT0 + seconds(3));
  EXPECT_DOUBLE_EQ(b.p1, 3);
  EXPECT_DOUBLE_EQ(b.p2, 2);
  EXPECT_EQ(b.p3, 0);
  EXPECT_EQ(b.p3b, 0);
  EXPECT_DOUBLE_EQ(b.p4, -1);
  EXPECT_DOUBLE_EQ(b.p5, 0.5);
  EXPECT_DOUBLE_EQ(b.p6, -1);  // 2 peers on "x", threshold 1
  EXPECT_DOUBLE_EQ(b.p7, -4);
  EXPECT_DOUBLE_EQ(b.total, 3 + 2 - 1 + 0.5 - 1 - 4);
  EXPECT_EQ(s.score(peer(1), kT0 + seconds(3)), b.total);
}

}  // namespace
}  // namespace aipg::gossipsub
