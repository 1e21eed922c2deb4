// Peer score parameters (libp2p/specs pubsub/gossipsub v1.1, "Peer Scoring"):
// "Score(p) = TopicCap(Σtᵢ*(w₁(tᵢ)*P₁(tᵢ) + w₂(tᵢ)*P₂(tᵢ) + w₃(tᵢ)*P₃(tᵢ) + w₃b(tᵢ)*P₃b(tᵢ) +
// w₄(tᵢ)*P₄(tᵢ))) + w₅*P₅ + w₆*P₆ + w₇*P₇"
// "If a topic is not configured, a peer's behavior in that topic will not contribute to their
// score."
// A topic is configured by name (`topics`) or, for families of topics an application opens at
// run time (one per model, say), by prefix (`topic_prefixes`): a local extension, since the
// score is never shared.
//
// Contract:
// - The structs are plain values; `validate()` refuses what the spec's "Constraints" column and
//   go-libp2p-pubsub's checks refuse, with a message naming the field. A parameter whose weight
//   is 0 is disabled, and its decay/cap/threshold are then not checked (go's rule), so a
//   default-constructed TopicScoreParams is valid and inert. Checked always: no NaN or infinity
//   anywhere, no negative duration or cap, time_in_mesh_quantum > 0 (P1 divides by it).
// - P3b needs P3's threshold and activation to find a deficit, so enabling either P3 or P3b
//   checks the P3 fields.
// - Thresholds are js-libp2p's defaults; the spec orders them 0 ≥ gossip ≥ publish ≥ graylist.
// - `default_peer_score_params()` / `default_topic_score_params()` are our tuning for a small
//   application mesh; the reasoning is next to them in params.cpp.
#pragma once

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.hpp"
#include "base/time.hpp"
#include "protocol/gossipsub/types.hpp"

namespace aipg::gossipsub {

struct TopicScoreParams {
  // How much this topic's P1–P4 count in the sum (≥ 0).
  double topic_weight = 1.0;

  // P1, time in mesh: floor(time since GRAFT / quantum), capped. Weight ≥ 0.
  double time_in_mesh_weight = 0;
  Duration time_in_mesh_quantum = std::chrono::seconds(1);
  double time_in_mesh_cap = 0;

  // P2, first message deliveries: a decaying counter, capped when incremented. Weight ≥ 0.
  double first_message_deliveries_weight = 0;
  double first_message_deliveries_decay = 0;
  double first_message_deliveries_cap = 0;

  // P3, mesh message delivery rate: (threshold - counter)² while the counter is below the
  // threshold, once the peer has been in the mesh longer than `activation`. The counter counts
  // first and near-first deliveries (during validation, or within `window` after it) by a mesh
  // peer, capped at `cap` (≥ threshold). Weight ≤ 0.
  double mesh_message_deliveries_weight = 0;
  double mesh_message_deliveries_decay = 0;
  double mesh_message_deliveries_cap = 0;
  double mesh_message_deliveries_threshold = 0;
  Duration mesh_message_deliveries_window = Duration::zero();
  Duration mesh_message_deliveries_activation = Duration::zero();

  // P3b, mesh failure penalty: the P3 deficit² added at PRUNE, sticky and decaying. Weight ≤ 0.
  double mesh_failure_penalty_weight = 0;
  double mesh_failure_penalty_decay = 0;

  // P4, invalid messages: a decaying counter, squared. Weight ≤ 0.
  double invalid_message_deliveries_weight = 0;
  double invalid_message_deliveries_decay = 0;

  Result<void> validate() const;
};

struct PeerScoreParams {
  // Topics scored; a message or mesh event in any other topic changes nothing.
  std::unordered_map<TopicId, TopicScoreParams> topics;
  // Topics scored by prefix: a topic with no entry in `topics` takes the parameters of the
  // longest prefix here that it starts with. Prefixes are non-empty.
  std::map<std::string, TopicScoreParams> topic_prefixes;
  // Caps the positive sum over topics (0 = no cap); penalties below it are never cut.
  double topic_score_cap = 0;

  // P5: the application's own score for a peer, times this weight (≥ 0).
  double app_specific_weight = 0;

  // P6: for each IP of the peer not in the whitelist, (distinct peers on that IP - threshold)²
  // when positive, times the weight (≤ 0). Threshold ≥ 1. The whitelist holds exact IP strings
  // as the router passes them to `PeerScore::set_ips` (no prefixes).
  double ip_colocation_factor_weight = 0;
  double ip_colocation_factor_threshold = 1;
  std::vector<std::string> ip_colocation_factor_whitelist;

  // P7: (counter - threshold)² when the counter is above the threshold, times the weight (≤ 0).
  // The counter decays by `behaviour_penalty_decay` (in (0, 1) when the weight is not 0).
  double behaviour_penalty_weight = 0;
  double behaviour_penalty_threshold = 0;
  double behaviour_penalty_decay = 0;

  // How often `PeerScore::refresh` is meant to run (≥ 1 s, as go requires), and the value below
  // which a decayed counter becomes 0 (in (0, 1)).
  Duration decay_interval = std::chrono::seconds(1);
  double decay_to_zero = 0.01;
  // How long a disconnected peer's negative score is remembered (0 = not at all).
  Duration retain_score = Duration::zero();
  // How long a message's delivery record is kept after it was first seen (go's
  // TimeCacheDuration): duplicates arriving later earn neither P3 nor P4.
  Duration delivery_record_ttl = std::chrono::minutes(2);

  // The parameters that score `topic` (by name, else by the longest prefix), or nullptr when
  // the topic is not scored.
  const TopicScoreParams* find_topic(const TopicId& topic) const;

  Result<void> validate() const;
};

// When a peer's score is below a threshold, the router stops the corresponding interaction.
struct PeerScoreThresholds {
  double gossip_threshold = -10;
  double publish_threshold = -50;
  double graylist_threshold = -80;
  double accept_px_threshold = 10;
  double opportunistic_graft_threshold = 20;

  // gossip ≤ 0, publish ≤ gossip, graylist ≤ publish, accept_px ≥ 0, opportunistic_graft ≥ 0.
  Result<void> validate() const;
};

// The decay factor that takes a counter to `decay_to_zero` (from 1) in `decay_time`, refreshed
// every `decay_interval`: decay_to_zero^(1/ticks) with ticks = floor(decay_time /
// decay_interval), as go's ScoreParameterDecayWithBase. Fewer than one tick (or a non-positive
// interval) gives 0, which validate() refuses as a decay.
double score_parameter_decay(Duration decay_time, Duration decay_interval = std::chrono::seconds(1),
                             double decay_to_zero = 0.01);

// Our defaults for a small application mesh (D = 6, 1 s heartbeat, modest unknown message
// rate). `topics` is empty: the application adds `default_topic_score_params()` (or its own)
// under each topic it wants scored.
PeerScoreParams default_peer_score_params();
TopicScoreParams default_topic_score_params();

}  // namespace aipg::gossipsub
