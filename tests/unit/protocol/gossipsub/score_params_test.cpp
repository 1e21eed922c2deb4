#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "protocol/gossipsub/score/params.hpp"

namespace aipg::gossipsub {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// A topic with every parameter enabled and valid, for mutating one field at a time.
TopicScoreParams full_topic() {
  TopicScoreParams t;
  t.topic_weight = 0.5;
  t.time_in_mesh_weight = 0.1;
  t.time_in_mesh_quantum = seconds(1);
  t.time_in_mesh_cap = 100;
  t.first_message_deliveries_weight = 1;
  t.first_message_deliveries_decay = 0.9;
  t.first_message_deliveries_cap = 10;
  t.mesh_message_deliveries_weight = -1;
  t.mesh_message_deliveries_decay = 0.9;
  t.mesh_message_deliveries_cap = 10;
  t.mesh_message_deliveries_threshold = 5;
  t.mesh_message_deliveries_window = milliseconds(5);
  t.mesh_message_deliveries_activation = seconds(10);
  t.mesh_failure_penalty_weight = -1;
  t.mesh_failure_penalty_decay = 0.9;
  t.invalid_message_deliveries_weight = -1;
  t.invalid_message_deliveries_decay = 0.9;
  return t;
}

PeerScoreParams full_peer() {
  PeerScoreParams p;
  p.topics["t"] = full_topic();
  p.topic_score_cap = 10;
  p.app_specific_weight = 1;
  p.ip_colocation_factor_weight = -1;
  p.ip_colocation_factor_threshold = 2;
  p.ip_colocation_factor_whitelist = {"10.0.0.1"};
  p.behaviour_penalty_weight = -1;
  p.behaviour_penalty_threshold = 1;
  p.behaviour_penalty_decay = 0.9;
  p.retain_score = minutes(1);
  return p;
}

// The error message of `t` after `mutate`, or "" when it validates.
std::string topic_error(const std::function<void(TopicScoreParams&)>& mutate) {
  TopicScoreParams t = full_topic();
  mutate(t);
  auto r = t.validate();
  if (r) return "";
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  return r.error().message;
}

std::string peer_error(const std::function<void(PeerScoreParams&)>& mutate) {
  PeerScoreParams p = full_peer();
  mutate(p);
  auto r = p.validate();
  if (r) return "";
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  return r.error().message;
}

std::string threshold_error(const std::function<void(PeerScoreThresholds&)>& mutate) {
  PeerScoreThresholds t;
  mutate(t);
  auto r = t.validate();
  return r ? "" : r.error().message;
}

#define EXPECT_NAMES(error, field) EXPECT_NE((error).find(field), std::string::npos) << (error)

TEST(ScoreParams, ValidBaselines) {
  EXPECT_TRUE(full_topic().validate().has_value());
  EXPECT_TRUE(full_peer().validate().has_value());
  // Defaults of the structs: everything disabled, valid.
  EXPECT_TRUE(TopicScoreParams{}.validate().has_value());
  EXPECT_TRUE(PeerScoreParams{}.validate().has_value());
  EXPECT_TRUE(PeerScoreThresholds{}.validate().has_value());
}

TEST(ScoreParams, DefaultsAreValidAndAsDocumented) {
  const PeerScoreParams p = default_peer_score_params();
  EXPECT_TRUE(p.validate().has_value());
  EXPECT_TRUE(p.topics.empty());
  EXPECT_EQ(p.decay_interval, seconds(1));
  EXPECT_DOUBLE_EQ(p.decay_to_zero, 0.01);
  EXPECT_EQ(p.retain_score, std::chrono::hours(1));
  const TopicScoreParams t = default_topic_score_params();
  EXPECT_TRUE(t.validate().has_value());
  EXPECT_EQ(t.mesh_message_deliveries_weight, 0);  // P3 off: rate unknown
  EXPECT_EQ(t.mesh_failure_penalty_weight, 0);
  // An hour in the mesh is worth 10, P2 at most 20.
  EXPECT_NEAR(t.time_in_mesh_weight * t.time_in_mesh_cap, 10, 1e-9);
  EXPECT_DOUBLE_EQ(t.first_message_deliveries_weight * t.first_message_deliveries_cap, 20);
  // With a topic added it still validates.
  PeerScoreParams with_topic = p;
  with_topic.topics["chat"] = t;
  EXPECT_TRUE(with_topic.validate().has_value());

  const PeerScoreThresholds th;
  EXPECT_EQ(th.gossip_threshold, -10);
  EXPECT_EQ(th.publish_threshold, -50);
  EXPECT_EQ(th.graylist_threshold, -80);
  EXPECT_EQ(th.accept_px_threshold, 10);
  EXPECT_EQ(th.opportunistic_graft_threshold, 20);
}

TEST(ScoreParams, ScoreParameterDecay) {
  // 0.01^(1/10): ten refreshes take 1 to 0.01.
  const double d = score_parameter_decay(seconds(10), seconds(1), 0.01);
  EXPECT_DOUBLE_EQ(d, std::pow(0.01, 0.1));
  EXPECT_NEAR(std::pow(d, 10), 0.01, 1e-12);
  // Defaults: 1 s interval, 0.01.
  EXPECT_DOUBLE_EQ(score_parameter_decay(seconds(10)), d);
  // Whole ticks only (go): 10.9 s at 1 s is 10 ticks.
  EXPECT_DOUBLE_EQ(score_parameter_decay(milliseconds(10900)), d);
  // Other bases.
  EXPECT_DOUBLE_EQ(score_parameter_decay(minutes(1), seconds(6), 0.1), std::pow(0.1, 0.1));
  // Less than one tick, or no interval: 0, which no validate() accepts as a decay.
  EXPECT_EQ(score_parameter_decay(milliseconds(999)), 0);
  EXPECT_EQ(score_parameter_decay(seconds(10), Duration::zero()), 0);
  EXPECT_EQ(score_parameter_decay(seconds(-10)), 0);
  // One tick: straight to decay_to_zero.
  EXPECT_DOUBLE_EQ(score_parameter_decay(seconds(1)), 0.01);
}

TEST(ScoreParams, TopicWeightAndSigns) {
  EXPECT_NAMES(topic_error([](auto& t) { t.topic_weight = -0.1; }), "topic_weight");
  EXPECT_NAMES(topic_error([](auto& t) { t.time_in_mesh_weight = -1; }), "time_in_mesh_weight");
  EXPECT_NAMES(topic_error([](auto& t) { t.first_message_deliveries_weight = -1; }),
               "first_message_deliveries_weight");
  EXPECT_NAMES(topic_error([](auto& t) { t.mesh_message_deliveries_weight = 1; }),
               "mesh_message_deliveries_weight");
  EXPECT_NAMES(topic_error([](auto& t) { t.mesh_failure_penalty_weight = 1; }),
               "mesh_failure_penalty_weight");
  EXPECT_NAMES(topic_error([](auto& t) { t.invalid_message_deliveries_weight = 0.5; }),
               "invalid_message_deliveries_weight");
  // Zero weights are allowed (disabled).
  EXPECT_EQ(topic_error([](auto& t) { t.topic_weight = 0; }), "");
  EXPECT_EQ(topic_error([](auto& t) { t.invalid_message_deliveries_weight = 0; }), "");
}

TEST(ScoreParams, TopicDecaysMustBeInOpenUnitInterval) {
  for (double bad : {0.0, 1.0, -0.5, 1.5}) {
    EXPECT_NAMES(topic_error([&](auto& t) { t.first_message_deliveries_decay = bad; }),
                 "first_message_deliveries_decay");
    EXPECT_NAMES(topic_error([&](auto& t) { t.mesh_message_deliveries_decay = bad; }),
                 "mesh_message_deliveries_decay");
    EXPECT_NAMES(topic_error([&](auto& t) { t.mesh_failure_penalty_decay = bad; }),
                 "mesh_failure_penalty_decay");
    EXPECT_NAMES(topic_error([&](auto& t) { t.invalid_message_deliveries_decay = bad; }),
                 "invalid_message_deliveries_decay");
  }
}

TEST(ScoreParams, DisabledParametersAreNotChecked) {
  // Weight 0: the decay of that parameter does not matter (go's rule).
  EXPECT_EQ(topic_error([](auto& t) {
              t.first_message_deliveries_weight = 0;
              t.first_message_deliveries_decay = 0;
              t.first_message_deliveries_cap = 0;
            }),
            "");
  EXPECT_EQ(topic_error([](auto& t) {
              t.invalid_message_deliveries_weight = 0;
              t.invalid_message_deliveries_decay = 0;
            }),
            "");
  EXPECT_EQ(topic_error([](auto& t) {
              t.time_in_mesh_weight = 0;
              t.time_in_mesh_cap = 0;
            }),
            "");
  EXPECT_EQ(topic_error([](auto& t) {
              t.mesh_message_deliveries_weight = 0;
              t.mesh_failure_penalty_weight = 0;
              t.mesh_message_deliveries_decay = 0;
              t.mesh_message_deliveries_threshold = 0;
              t.mesh_message_deliveries_activation = Duration::zero();
              t.mesh_failure_penalty_decay = 0;
            }),
            "");
  // P3b alone still needs P3's fields: it adds P3's deficit.
  EXPECT_NAMES(topic_error([](auto& t) {
                 t.mesh_message_deliveries_weight = 0;
                 t.mesh_message_deliveries_threshold = 0;
               }),
               "mesh_message_deliveries_threshold");
}

TEST(ScoreParams, TopicCapsQuantumAndDurations) {
  EXPECT_NAMES(topic_error([](auto& t) { t.time_in_mesh_quantum = Duration::zero(); }),
               "time_in_mesh_quantum");
  EXPECT_NAMES(topic_error([](auto& t) { t.time_in_mesh_quantum = seconds(-1); }),
               "time_in_mesh_quantum");
  // The quantum is a divisor even when P1 is off.
  EXPECT_NAMES(topic_error([](auto& t) {
                 t.time_in_mesh_weight = 0;
                 t.time_in_mesh_quantum = Duration::zero();
               }),
               "time_in_mesh_quantum");
  EXPECT_NAMES(topic_error([](auto& t) { t.time_in_mesh_cap = 0; }), "time_in_mesh_cap");
  EXPECT_NAMES(topic_error([](auto& t) { t.time_in_mesh_cap = -1; }), "time_in_mesh_cap");
  EXPECT_NAMES(topic_error([](auto& t) { t.first_message_deliveries_cap = 0; }),
               "first_message_deliveries_cap");
  EXPECT_NAMES(topic_error([](auto& t) { t.first_message_deliveries_cap = -1; }),
               "first_message_deliveries_cap");
  EXPECT_NAMES(topic_error([](auto& t) { t.mesh_message_deliveries_cap = -1; }),
               "mesh_message_deliveries_cap");
  EXPECT_NAMES(topic_error([](auto& t) { t.mesh_message_deliveries_threshold = 0; }),
               "mesh_message_deliveries_threshold");
  EXPECT_NAMES(topic_error([](auto& t) { t.mesh_message_deliveries_threshold = -1; }),
               "mesh_message_deliveries_threshold");
  // Spec: the cap must be >= the threshold.
  EXPECT_NAMES(topic_error([](auto& t) { t.mesh_message_deliveries_cap = 4; }),
               "mesh_message_deliveries_cap");
  EXPECT_EQ(topic_error([](auto& t) { t.mesh_message_deliveries_cap = 5; }), "");
  EXPECT_NAMES(topic_error([](auto& t) { t.mesh_message_deliveries_window = milliseconds(-1); }),
               "mesh_message_deliveries_window");
  EXPECT_EQ(topic_error([](auto& t) { t.mesh_message_deliveries_window = Duration::zero(); }), "");
  EXPECT_NAMES(
      topic_error([](auto& t) { t.mesh_message_deliveries_activation = milliseconds(999); }),
      "mesh_message_deliveries_activation");
  EXPECT_EQ(topic_error([](auto& t) { t.mesh_message_deliveries_activation = seconds(1); }), "");
}

TEST(ScoreParams, TopicRefusesNonFiniteNumbers) {
  EXPECT_NAMES(topic_error([](auto& t) { t.topic_weight = kNaN; }), "topic_weight");
  EXPECT_NAMES(topic_error([](auto& t) { t.time_in_mesh_cap = kInf; }), "time_in_mesh_cap");
  EXPECT_NAMES(topic_error([](auto& t) { t.mesh_message_deliveries_threshold = kNaN; }),
               "mesh_message_deliveries_threshold");
  // Even for a disabled parameter.
  EXPECT_NAMES(topic_error([](auto& t) {
                 t.invalid_message_deliveries_weight = 0;
                 t.invalid_message_deliveries_decay = kNaN;
               }),
               "invalid_message_deliveries_decay");
}

TEST(ScoreParams, PeerParamsRefuseNonsense) {
  EXPECT_NAMES(peer_error([](auto& p) { p.topic_score_cap = -1; }), "topic_score_cap");
  EXPECT_NAMES(peer_error([](auto& p) { p.app_specific_weight = -1; }), "app_specific_weight");
  EXPECT_NAMES(peer_error([](auto& p) { p.ip_colocation_factor_weight = 1; }),
               "ip_colocation_factor_weight");
  EXPECT_NAMES(peer_error([](auto& p) { p.ip_colocation_factor_threshold = 0.5; }),
               "ip_colocation_factor_threshold");
  EXPECT_NAMES(peer_error([](auto& p) { p.ip_colocation_factor_whitelist.push_back(""); }),
               "ip_colocation_factor_whitelist");
  EXPECT_NAMES(peer_error([](auto& p) { p.behaviour_penalty_weight = 1; }),
               "behaviour_penalty_weight");
  EXPECT_NAMES(peer_error([](auto& p) { p.behaviour_penalty_threshold = -1; }),
               "behaviour_penalty_threshold");
  EXPECT_NAMES(peer_error([](auto& p) { p.behaviour_penalty_decay = 1; }),
               "behaviour_penalty_decay");
  EXPECT_EQ(peer_error([](auto& p) {
              p.behaviour_penalty_weight = 0;
              p.behaviour_penalty_decay = 0;
            }),
            "");
  EXPECT_NAMES(peer_error([](auto& p) { p.decay_interval = milliseconds(999); }), "decay_interval");
  EXPECT_NAMES(peer_error([](auto& p) { p.decay_to_zero = 0; }), "decay_to_zero");
  EXPECT_NAMES(peer_error([](auto& p) { p.decay_to_zero = 1; }), "decay_to_zero");
  EXPECT_NAMES(peer_error([](auto& p) { p.decay_to_zero = kNaN; }), "decay_to_zero");
  EXPECT_NAMES(peer_error([](auto& p) { p.retain_score = seconds(-1); }), "retain_score");
  EXPECT_EQ(peer_error([](auto& p) { p.retain_score = Duration::zero(); }), "");
  EXPECT_NAMES(peer_error([](auto& p) { p.delivery_record_ttl = Duration::zero(); }),
               "delivery_record_ttl");
  EXPECT_NAMES(peer_error([](auto& p) { p.app_specific_weight = kInf; }), "app_specific_weight");
}

TEST(ScoreParams, PeerParamsNameTheBadTopic) {
  const std::string e = peer_error([](auto& p) {
    p.topics["b"] = full_topic();
    p.topics["b"].first_message_deliveries_decay = 2;
    p.topics["c"] = full_topic();
    p.topics["c"].topic_weight = -1;
  });
  // Topics are checked in name order, so the report is stable.
  EXPECT_NAMES(e, "topic \"b\"");
  EXPECT_NAMES(e, "first_message_deliveries_decay");
}

TEST(ScoreParams, TopicPrefixesAreCheckedAndNamed) {
  EXPECT_EQ(peer_error([](auto& p) { p.topic_prefixes["jobs/"] = full_topic(); }), "");
  const std::string bad_params = peer_error([](auto& p) {
    p.topic_prefixes["jobs/"] = full_topic();
    p.topic_prefixes["jobs/"].invalid_message_deliveries_weight = 1;
  });
  EXPECT_NAMES(bad_params, "topic prefix \"jobs/\"");
  EXPECT_NAMES(bad_params, "invalid_message_deliveries_weight");
  EXPECT_NAMES(peer_error([](auto& p) { p.topic_prefixes[""] = full_topic(); }), "topic_prefixes");
}

TEST(ScoreParams, ThresholdsOrdering) {
  EXPECT_NAMES(threshold_error([](auto& t) { t.gossip_threshold = 1; }), "gossip_threshold");
  EXPECT_NAMES(threshold_error([](auto& t) { t.publish_threshold = -5; }), "publish_threshold");
  EXPECT_NAMES(threshold_error([](auto& t) { t.graylist_threshold = -40; }), "graylist_threshold");
  EXPECT_NAMES(threshold_error([](auto& t) { t.accept_px_threshold = -1; }), "accept_px_threshold");
  EXPECT_NAMES(threshold_error([](auto& t) { t.opportunistic_graft_threshold = -1; }),
               "opportunistic_graft_threshold");
  EXPECT_NAMES(threshold_error([](auto& t) { t.graylist_threshold = kNaN; }), "graylist_threshold");
  // Equal thresholds and zeros are allowed (≤, ≥).
  EXPECT_EQ(threshold_error([](auto& t) {
              t.gossip_threshold = 0;
              t.publish_threshold = 0;
              t.graylist_threshold = 0;
              t.accept_px_threshold = 0;
              t.opportunistic_graft_threshold = 0;
            }),
            "");
}

}  // namespace
}  // namespace aipg::gossipsub
