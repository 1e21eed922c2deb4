#include "protocol/gossipsub/score/params.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <utility>

namespace aipg::gossipsub {
namespace {

Error bad(const std::string& prefix, const char* field, const char* rule) {
  return make_error(Errc::invalid_argument,
                    "score: " + prefix + std::string(field) + " must be " + rule);
}

bool is_decay(double d) { return d > 0 && d < 1; }

// The first non-finite value among `fields`, by name; nullptr when all are finite. NaN slips
// through every comparison below, so it is refused up front.
const char* first_non_finite(std::initializer_list<std::pair<const char*, double>> fields) {
  for (const auto& [name, value] : fields) {
    if (!std::isfinite(value)) return name;
  }
  return nullptr;
}

Result<void> validate_topic(const TopicScoreParams& t, const std::string& prefix) {
  if (const char* f = first_non_finite({
          {"topic_weight", t.topic_weight},
          {"time_in_mesh_weight", t.time_in_mesh_weight},
          {"time_in_mesh_cap", t.time_in_mesh_cap},
          {"first_message_deliveries_weight", t.first_message_deliveries_weight},
          {"first_message_deliveries_decay", t.first_message_deliveries_decay},
          {"first_message_deliveries_cap", t.first_message_deliveries_cap},
          {"mesh_message_deliveries_weight", t.mesh_message_deliveries_weight},
          {"mesh_message_deliveries_decay", t.mesh_message_deliveries_decay},
          {"mesh_message_deliveries_cap", t.mesh_message_deliveries_cap},
          {"mesh_message_deliveries_threshold", t.mesh_message_deliveries_threshold},
          {"mesh_failure_penalty_weight", t.mesh_failure_penalty_weight},
          {"mesh_failure_penalty_decay", t.mesh_failure_penalty_decay},
          {"invalid_message_deliveries_weight", t.invalid_message_deliveries_weight},
          {"invalid_message_deliveries_decay", t.invalid_message_deliveries_decay},
      })) {
    return bad(prefix, f, "a finite number");
  }
  if (t.topic_weight < 0) return bad(prefix, "topic_weight", ">= 0");

  // P1
  if (t.time_in_mesh_weight < 0) return bad(prefix, "time_in_mesh_weight", ">= 0");
  if (t.time_in_mesh_quantum <= Duration::zero()) {
    return bad(prefix, "time_in_mesh_quantum", "positive");
  }
  if (t.time_in_mesh_cap < 0) return bad(prefix, "time_in_mesh_cap", ">= 0");
  if (t.time_in_mesh_weight != 0 && t.time_in_mesh_cap == 0) {
    return bad(prefix, "time_in_mesh_cap", "positive when time_in_mesh_weight is set");
  }

  // P2
  if (t.first_message_deliveries_weight < 0) {
    return bad(prefix, "first_message_deliveries_weight", ">= 0");
  }
  if (t.first_message_deliveries_cap < 0) {
    return bad(prefix, "first_message_deliveries_cap", ">= 0");
  }
  if (t.first_message_deliveries_weight != 0) {
    if (!is_decay(t.first_message_deliveries_decay)) {
      return bad(prefix, "first_message_deliveries_decay", "in (0, 1)");
    }
    if (t.first_message_deliveries_cap == 0) {
      return bad(prefix, "first_message_deliveries_cap",
                 "positive when first_message_deliveries_weight is set");
    }
  }

  // P3, and the P3 fields P3b relies on
  if (t.mesh_message_deliveries_weight > 0) {
    return bad(prefix, "mesh_message_deliveries_weight", "<= 0");
  }
  if (t.mesh_message_deliveries_cap < 0) {
    return bad(prefix, "mesh_message_deliveries_cap", ">= 0");
  }
  if (t.mesh_message_deliveries_threshold < 0) {
    return bad(prefix, "mesh_message_deliveries_threshold", ">= 0");
  }
  if (t.mesh_message_deliveries_window < Duration::zero()) {
    return bad(prefix, "mesh_message_deliveries_window", ">= 0");
  }
  if (t.mesh_message_deliveries_activation < Duration::zero()) {
    return bad(prefix, "mesh_message_deliveries_activation", ">= 0");
  }
  if (t.mesh_failure_penalty_weight > 0) return bad(prefix, "mesh_failure_penalty_weight", "<= 0");
  if (t.mesh_message_deliveries_weight != 0 || t.mesh_failure_penalty_weight != 0) {
    if (!is_decay(t.mesh_message_deliveries_decay)) {
      return bad(prefix, "mesh_message_deliveries_decay", "in (0, 1)");
    }
    if (t.mesh_message_deliveries_threshold == 0) {
      return bad(prefix, "mesh_message_deliveries_threshold", "positive when P3 or P3b is set");
    }
    // Below the threshold forever otherwise: every mesh peer would be penalised.
    if (t.mesh_message_deliveries_cap < t.mesh_message_deliveries_threshold) {
      return bad(prefix, "mesh_message_deliveries_cap", ">= mesh_message_deliveries_threshold");
    }
    // go's floor: a fresh GRAFT needs time to deliver anything.
    if (t.mesh_message_deliveries_activation < std::chrono::seconds(1)) {
      return bad(prefix, "mesh_message_deliveries_activation", "at least 1 s");
    }
  }

  // P3b
  if (t.mesh_failure_penalty_weight != 0 && !is_decay(t.mesh_failure_penalty_decay)) {
    return bad(prefix, "mesh_failure_penalty_decay", "in (0, 1)");
  }

  // P4
  if (t.invalid_message_deliveries_weight > 0) {
    return bad(prefix, "invalid_message_deliveries_weight", "<= 0");
  }
  if (t.invalid_message_deliveries_weight != 0 && !is_decay(t.invalid_message_deliveries_decay)) {
    return bad(prefix, "invalid_message_deliveries_decay", "in (0, 1)");
  }
  return {};
}

}  // namespace

Result<void> TopicScoreParams::validate() const { return validate_topic(*this, ""); }

const TopicScoreParams* PeerScoreParams::find_topic(const TopicId& topic) const {
  if (auto it = topics.find(topic); it != topics.end()) return &it->second;
  // Longest prefix first: the map is sorted, so a prefix sorts before every topic it starts,
  // and walking back from the topic's place meets the longer of two nested prefixes first.
  auto it = topic_prefixes.upper_bound(topic);
  while (it != topic_prefixes.begin()) {
    --it;
    if (topic.starts_with(it->first)) return &it->second;
  }
  return nullptr;
}

Result<void> PeerScoreParams::validate() const {
  // Sorted, so the same bad configuration always reports the same topic.
  std::vector<const TopicId*> names;
  names.reserve(topics.size());
  for (const auto& [name, t] : topics) names.push_back(&name);
  std::sort(names.begin(), names.end(), [](const auto* a, const auto* b) { return *a < *b; });
  for (const TopicId* name : names) {
    AIPG_TRY(validate_topic(topics.at(*name), "topic \"" + *name + "\": "));
  }
  for (const auto& [prefix, t] : topic_prefixes) {
    // An empty prefix would score every topic, which is what `topics` exists to say.
    if (prefix.empty()) return bad("", "topic_prefixes", "free of empty prefixes");
    AIPG_TRY(validate_topic(t, "topic prefix \"" + prefix + "\": "));
  }

  if (const char* f = first_non_finite({
          {"topic_score_cap", topic_score_cap},
          {"app_specific_weight", app_specific_weight},
          {"ip_colocation_factor_weight", ip_colocation_factor_weight},
          {"ip_colocation_factor_threshold", ip_colocation_factor_threshold},
          {"behaviour_penalty_weight", behaviour_penalty_weight},
          {"behaviour_penalty_threshold", behaviour_penalty_threshold},
          {"behaviour_penalty_decay", behaviour_penalty_decay},
          {"decay_to_zero", decay_to_zero},
      })) {
    return bad("", f, "a finite number");
  }
  if (topic_score_cap < 0) return bad("", "topic_score_cap", ">= 0 (0 = no cap)");
  if (app_specific_weight < 0) return bad("", "app_specific_weight", ">= 0");
  if (ip_colocation_factor_weight > 0) return bad("", "ip_colocation_factor_weight", "<= 0");
  if (ip_colocation_factor_threshold < 1) {
    return bad("", "ip_colocation_factor_threshold", ">= 1");
  }
  for (const auto& ip : ip_colocation_factor_whitelist) {
    if (ip.empty()) return bad("", "ip_colocation_factor_whitelist", "free of empty entries");
  }
  if (behaviour_penalty_weight > 0) return bad("", "behaviour_penalty_weight", "<= 0");
  if (behaviour_penalty_threshold < 0) return bad("", "behaviour_penalty_threshold", ">= 0");
  if (behaviour_penalty_weight != 0 && !is_decay(behaviour_penalty_decay)) {
    return bad("", "behaviour_penalty_decay", "in (0, 1)");
  }
  if (decay_interval < std::chrono::seconds(1)) return bad("", "decay_interval", "at least 1 s");
  if (!is_decay(decay_to_zero)) return bad("", "decay_to_zero", "in (0, 1)");
  if (retain_score < Duration::zero()) return bad("", "retain_score", ">= 0");
  if (delivery_record_ttl <= Duration::zero()) return bad("", "delivery_record_ttl", "positive");
  return {};
}

Result<void> PeerScoreThresholds::validate() const {
  if (const char* f = first_non_finite({
          {"gossip_threshold", gossip_threshold},
          {"publish_threshold", publish_threshold},
          {"graylist_threshold", graylist_threshold},
          {"accept_px_threshold", accept_px_threshold},
          {"opportunistic_graft_threshold", opportunistic_graft_threshold},
      })) {
    return bad("", f, "a finite number");
  }
  if (gossip_threshold > 0) return bad("", "gossip_threshold", "<= 0");
  if (publish_threshold > gossip_threshold) {
    return bad("", "publish_threshold", "<= gossip_threshold");
  }
  if (graylist_threshold > publish_threshold) {
    return bad("", "graylist_threshold", "<= publish_threshold");
  }
  if (accept_px_threshold < 0) return bad("", "accept_px_threshold", ">= 0");
  if (opportunistic_graft_threshold < 0) {
    return bad("", "opportunistic_graft_threshold", ">= 0");
  }
  return {};
}

double score_parameter_decay(Duration decay_time, Duration decay_interval, double decay_to_zero) {
  if (decay_interval <= Duration::zero()) return 0;
  // Whole ticks, as go: a decay time of 1.5 intervals decays in one tick.
  const auto ticks = decay_time / decay_interval;
  if (ticks <= 0) return 0;
  return std::pow(decay_to_zero, 1.0 / static_cast<double>(ticks));
}

// Tuning for a small application mesh, against the default thresholds (gossip -10, publish -50,
// graylist -80, accept PX 10, opportunistic graft 20):
// - Positive score comes only from topics, at most 30 per topic (P1 10 + P2 20) and 50 over all
//   topics (topic_score_cap), so no amount of good behaviour hides more than 50 of penalty: a
//   capped peer is still graylisted by -130 of P6/P7.
// - P5 passes the application's score through unweighted (weight 1).
// - P6 tolerates 3 peers per IP: small deployments put a few nodes on one host or behind one
//   NAT. A 4th costs each of them 10, a 6th graylists them all. Loopback is whitelisted: peers
//   there run on our own machine (local test networks, co-hosted nodes).
// - P7 forgives 6 penalties (a flaky link breaks the odd IWANT promise). 10 penalties mean
//   -160: with the counter decaying over 10 min, graylisted for ~15 s, below gossip for ~45 s,
//   clear after ~70 s, unless the peer keeps misbehaving.
// - Retention (1 h) is at least as long as every decay horizon here, so disconnecting is never
//   a faster way to shed a penalty than waiting it out.
PeerScoreParams default_peer_score_params() {
  PeerScoreParams p;
  p.topic_score_cap = 50;
  p.app_specific_weight = 1;
  p.ip_colocation_factor_weight = -10;
  p.ip_colocation_factor_threshold = 3;
  p.ip_colocation_factor_whitelist = {"127.0.0.1", "::1"};
  p.behaviour_penalty_weight = -10;
  p.behaviour_penalty_threshold = 6;
  p.behaviour_penalty_decay = score_parameter_decay(std::chrono::minutes(10));
  p.decay_interval = std::chrono::seconds(1);
  p.decay_to_zero = 0.01;
  p.retain_score = std::chrono::hours(1);
  return p;
}

// Per topic:
// - P1: an hour in the mesh is worth 10 (= accept_px_threshold), in 1 s steps, so a long-lived
//   mesh peer is not pruned for a newcomer when the mesh is oversubscribed.
// - P2: each first delivery is worth 1, up to 20, forgotten over an hour (mean life ~13 min): a
//   peer that is first with a message a minute holds about 13; with P1 that passes
//   opportunistic_graft_threshold.
// - P3 and P3b are off: their threshold is a message rate, which a generic application does
//   not know. Set too high for a quiet topic, it drives every mesh peer negative and churns the
//   mesh. An application that knows its rate sets the weight, decay, cap, threshold and
//   activation together.
// - P4: one invalid message costs 10, two cost 40 (below gossip), three cost 90 (graylisted for
//   ~20 s, below publish for ~2 min); the counter is forgotten over 30 minutes.
TopicScoreParams default_topic_score_params() {
  TopicScoreParams t;
  t.topic_weight = 1;
  t.time_in_mesh_weight = 10.0 / 3600;
  t.time_in_mesh_quantum = std::chrono::seconds(1);
  t.time_in_mesh_cap = 3600;
  t.first_message_deliveries_weight = 1;
  t.first_message_deliveries_decay = score_parameter_decay(std::chrono::hours(1));
  t.first_message_deliveries_cap = 20;
  t.invalid_message_deliveries_weight = -10;
  t.invalid_message_deliveries_decay = score_parameter_decay(std::chrono::minutes(30));
  return t;
}

}  // namespace aipg::gossipsub
