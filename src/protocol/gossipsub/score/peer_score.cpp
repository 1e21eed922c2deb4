#include "protocol/gossipsub/score/peer_score.hpp"

#include <algorithm>
#include <cassert>
#include <utility>

namespace aipg::gossipsub {
namespace {

// One refresh of a counter. A decay outside (0, 1) only passes validation for a disabled
// parameter; zeroing its counter keeps it from growing into an infinity that 0 × ∞ would
// turn into a NaN score.
void decay(double& value, double factor, double decay_to_zero) {
  if (!(factor > 0 && factor < 1)) {
    value = 0;
    return;
  }
  value *= factor;
  if (value < decay_to_zero) value = 0;
}

Duration time_in_mesh(Instant graft_time, Instant now) {
  // A `now` before the GRAFT (a caller's clock mix-up) counts as no time.
  return std::max(now - graft_time, Duration::zero());
}

}  // namespace

PeerScore::PeerScore(PeerScoreParams params, AppScore app_score)
    : params_(std::move(params)), app_score_(std::move(app_score)) {
  assert(params_.validate().has_value());
  ip_whitelist_.insert(params_.ip_colocation_factor_whitelist.begin(),
                       params_.ip_colocation_factor_whitelist.end());
}

// --- peers ---

void PeerScore::add_peer(const PeerId& peer) {
  auto [it, inserted] = peers_.try_emplace(peer);
  if (inserted) return;
  it->second.connected = true;
  it->second.expire = Instant{};
}

void PeerScore::remove_peer(const PeerId& peer, Instant now) {
  auto it = peers_.find(peer);
  if (it == peers_.end() || !it->second.connected) return;
  if (params_.retain_score <= Duration::zero() || score(peer, now) >= 0) {
    remove_ips(peer, it->second.ips);
    peers_.erase(it);
    return;
  }
  PeerStats& ps = it->second;
  for (auto& [topic, ts] : ps.topics) {
    const TopicScoreParams& tp = *topic_params(topic);
    ts.first_message_deliveries = 0;
    const double deficit = p3_deficit(ts, tp, now);
    ts.mesh_failure_penalty += deficit * deficit;
    ts.in_mesh = false;
  }
  ps.connected = false;
  ps.expire = now + params_.retain_score;
}

bool PeerScore::is_retained(const PeerId& peer) const {
  auto it = peers_.find(peer);
  return it != peers_.end() && !it->second.connected;
}

void PeerScore::set_ips(const PeerId& peer, std::vector<std::string> ips) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return;
  std::sort(ips.begin(), ips.end());
  ips.erase(std::unique(ips.begin(), ips.end()), ips.end());
  remove_ips(peer, it->second.ips);
  for (const auto& ip : ips) peers_by_ip_[ip].insert(peer);
  it->second.ips = std::move(ips);
}

void PeerScore::remove_ips(const PeerId& peer, const std::vector<std::string>& ips) {
  for (const auto& ip : ips) {
    auto it = peers_by_ip_.find(ip);
    if (it == peers_by_ip_.end()) continue;
    it->second.erase(peer);
    if (it->second.empty()) peers_by_ip_.erase(it);
  }
}

// --- mesh ---

const TopicScoreParams* PeerScore::topic_params(const TopicId& topic) const {
  return params_.find_topic(topic);
}

PeerScore::TopicStats* PeerScore::topic_stats(const PeerId& peer, const TopicId& topic) {
  auto it = peers_.find(peer);
  if (it == peers_.end() || topic_params(topic) == nullptr) return nullptr;
  return &it->second.topics[topic];
}

double PeerScore::p3_deficit(const TopicStats& ts, const TopicScoreParams& tp, Instant now) {
  if (!ts.in_mesh) return 0;
  if (time_in_mesh(ts.graft_time, now) <= tp.mesh_message_deliveries_activation) return 0;
  if (ts.mesh_message_deliveries >= tp.mesh_message_deliveries_threshold) return 0;
  return tp.mesh_message_deliveries_threshold - ts.mesh_message_deliveries;
}

void PeerScore::graft(const PeerId& peer, const TopicId& topic, Instant now) {
  auto it = peers_.find(peer);
  // A disconnected peer cannot be in our mesh.
  if (it == peers_.end() || !it->second.connected) return;
  TopicStats* ts = topic_stats(peer, topic);
  if (ts == nullptr || ts->in_mesh) return;
  ts->in_mesh = true;
  ts->graft_time = now;
}

void PeerScore::prune(const PeerId& peer, const TopicId& topic, Instant now) {
  TopicStats* ts = topic_stats(peer, topic);
  if (ts == nullptr || !ts->in_mesh) return;
  // Sticky: the peer leaves the mesh, the failure to deliver stays on record (spec, P3b).
  const double deficit = p3_deficit(*ts, *topic_params(topic), now);
  ts->mesh_failure_penalty += deficit * deficit;
  ts->in_mesh = false;
}

// --- messages ---

PeerScore::DeliveryRecord& PeerScore::record(const MessageId& id, Instant now) {
  auto [it, inserted] = deliveries_.try_emplace(id);
  if (inserted) {
    it->second.first_seen = now;
    delivery_order_.push_back(id);
  }
  return it->second;
}

void PeerScore::mark_first_delivery(const PeerId& peer, const TopicId& topic) {
  TopicStats* ts = topic_stats(peer, topic);
  if (ts == nullptr) return;
  const TopicScoreParams& tp = *topic_params(topic);
  ts->first_message_deliveries =
      std::min(ts->first_message_deliveries + 1, tp.first_message_deliveries_cap);
  if (ts->in_mesh) {
    ts->mesh_message_deliveries =
        std::min(ts->mesh_message_deliveries + 1, tp.mesh_message_deliveries_cap);
  }
}

void PeerScore::mark_near_first_delivery(const PeerId& peer, const TopicId& topic) {
  TopicStats* ts = topic_stats(peer, topic);
  if (ts == nullptr || !ts->in_mesh) return;
  const TopicScoreParams& tp = *topic_params(topic);
  ts->mesh_message_deliveries =
      std::min(ts->mesh_message_deliveries + 1, tp.mesh_message_deliveries_cap);
}

void PeerScore::mark_invalid_delivery(const PeerId& peer, const TopicId& topic) {
  TopicStats* ts = topic_stats(peer, topic);
  if (ts == nullptr) return;
  // Uncapped (spec): P4 grows with the square of it.
  ts->invalid_message_deliveries += 1;
}

void PeerScore::validate_message(const PeerId& from, const MessageId& id, const TopicId& topic,
                                 Instant now) {
  if (topic_params(topic) == nullptr) return;
  // The first sender is counted now, so its own repeats are not taken for near-first copies.
  record(id, now).peers.insert(from);
}

void PeerScore::deliver_message(const PeerId& from, const MessageId& id, const TopicId& topic,
                                Instant now) {
  if (topic_params(topic) == nullptr) return;
  DeliveryRecord& rec = record(id, now);
  // Only the first verdict counts; a second one is a router bug and must not pay twice.
  if (rec.status != DeliveryStatus::kPending) return;
  rec.status = DeliveryStatus::kValid;
  rec.validated = now;
  mark_first_delivery(from, topic);
  // Copies that arrived while we validated were near-first by definition.
  for (const PeerId& p : rec.peers) {
    if (p != from) mark_near_first_delivery(p, topic);
  }
  rec.peers.insert(from);
}

void PeerScore::reject_message(const PeerId& from, const MessageId& id, const TopicId& topic,
                               RejectReason reason, Instant now) {
  if (topic_params(topic) == nullptr) return;
  switch (reason) {
    case RejectReason::kMissingSignature:
    case RejectReason::kInvalidSignature:
    case RejectReason::kSelfOrigin:
      // The sender is at fault whatever the id says; the id itself is not trusted, so it must
      // not decide the fate of a record an honest copy may share.
      mark_invalid_delivery(from, topic);
      return;
    case RejectReason::kQueueFull:
      // Never validated: neither the sender's fault nor known to be the message it claims.
      return;
    case RejectReason::kValidationIgnored:
    case RejectReason::kValidationFailed:
      break;
  }
  DeliveryRecord& rec = record(id, now);
  if (rec.status != DeliveryStatus::kPending) return;
  if (reason == RejectReason::kValidationIgnored) {
    rec.status = DeliveryStatus::kIgnored;
    rec.peers.clear();  // nothing more will be decided about them
    return;
  }
  rec.status = DeliveryStatus::kInvalid;
  mark_invalid_delivery(from, topic);
  // Everyone who forwarded it to us while pending forwarded an invalid message too.
  for (const PeerId& p : rec.peers) {
    if (p != from) mark_invalid_delivery(p, topic);
  }
  rec.peers.insert(from);
}

void PeerScore::duplicate_message(const PeerId& from, const MessageId& id, const TopicId& topic,
                                  Instant now) {
  if (topic_params(topic) == nullptr) return;
  DeliveryRecord& rec = record(id, now);
  if (rec.status == DeliveryStatus::kIgnored) return;
  // Counted already (as sender or earlier duplicate): one credit or penalty per peer.
  if (!rec.peers.insert(from).second) return;
  switch (rec.status) {
    case DeliveryStatus::kPending:
      // Decided at deliver/reject time.
      return;
    case DeliveryStatus::kValid:
      // Later than the window it could be our own forward echoed back (spec: "to avoid
      // allowing a mesh peer to build score by simply replaying back the messages").
      if (now - rec.validated <= topic_params(topic)->mesh_message_deliveries_window) {
        mark_near_first_delivery(from, topic);
      }
      return;
    case DeliveryStatus::kInvalid:
      mark_invalid_delivery(from, topic);
      return;
    case DeliveryStatus::kIgnored:
      return;
  }
}

// --- P7, decay, score ---

void PeerScore::add_penalty(const PeerId& peer, size_t count) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return;
  it->second.behaviour_penalty += static_cast<double>(count);
}

void PeerScore::refresh(Instant now) {
  const double zero = params_.decay_to_zero;
  for (auto it = peers_.begin(); it != peers_.end();) {
    PeerStats& ps = it->second;
    if (!ps.connected) {
      if (now >= ps.expire) {
        remove_ips(it->first, ps.ips);
        it = peers_.erase(it);
      } else {
        ++it;  // retained records do not decay (see the header)
      }
      continue;
    }
    for (auto& [topic, ts] : ps.topics) {
      const TopicScoreParams& tp = *topic_params(topic);
      decay(ts.first_message_deliveries, tp.first_message_deliveries_decay, zero);
      decay(ts.mesh_message_deliveries, tp.mesh_message_deliveries_decay, zero);
      decay(ts.mesh_failure_penalty, tp.mesh_failure_penalty_decay, zero);
      decay(ts.invalid_message_deliveries, tp.invalid_message_deliveries_decay, zero);
    }
    decay(ps.behaviour_penalty, params_.behaviour_penalty_decay, zero);
    ++it;
  }
  while (!delivery_order_.empty()) {
    auto rec = deliveries_.find(delivery_order_.front());
    if (rec != deliveries_.end()) {
      if (rec->second.first_seen + params_.delivery_record_ttl > now) break;
      deliveries_.erase(rec);
    }
    delivery_order_.pop_front();
  }
}

double PeerScore::colocation_factor(const PeerStats& ps) const {
  double result = 0;
  for (const auto& ip : ps.ips) {
    if (ip_whitelist_.count(ip) != 0) continue;
    auto it = peers_by_ip_.find(ip);
    if (it == peers_by_ip_.end()) continue;
    const double peers_on_ip = static_cast<double>(it->second.size());
    if (peers_on_ip > params_.ip_colocation_factor_threshold) {
      const double surplus = peers_on_ip - params_.ip_colocation_factor_threshold;
      result += surplus * surplus;
    }
  }
  return result;
}

ScoreBreakdown PeerScore::breakdown(const PeerId& peer, Instant now) const {
  ScoreBreakdown b;
  auto it = peers_.find(peer);
  if (it == peers_.end()) return b;
  const PeerStats& ps = it->second;

  // Terms with a zero weight are skipped rather than multiplied, so no counter value can make
  // a disabled parameter contribute.
  for (const auto& [topic, ts] : ps.topics) {
    const TopicScoreParams& tp = *topic_params(topic);
    const double w = tp.topic_weight;
    if (ts.in_mesh && tp.time_in_mesh_weight != 0) {
      const auto quanta = time_in_mesh(ts.graft_time, now) / tp.time_in_mesh_quantum;
      const double p1 = std::min(static_cast<double>(quanta), tp.time_in_mesh_cap);
      b.p1 += w * tp.time_in_mesh_weight * p1;
    }
    if (tp.first_message_deliveries_weight != 0) {
      b.p2 += w * tp.first_message_deliveries_weight * ts.first_message_deliveries;
    }
    if (tp.mesh_message_deliveries_weight != 0) {
      const double deficit = p3_deficit(ts, tp, now);
      b.p3 += w * tp.mesh_message_deliveries_weight * deficit * deficit;
    }
    if (tp.mesh_failure_penalty_weight != 0) {
      b.p3b += w * tp.mesh_failure_penalty_weight * ts.mesh_failure_penalty;
    }
    if (tp.invalid_message_deliveries_weight != 0) {
      const double n = ts.invalid_message_deliveries;
      b.p4 += w * tp.invalid_message_deliveries_weight * n * n;
    }
  }
  double topics = b.p1 + b.p2 + b.p3 + b.p3b + b.p4;
  // The cap limits what good behaviour in topics can earn; it never cuts a penalty.
  if (params_.topic_score_cap > 0 && topics > params_.topic_score_cap) {
    topics = params_.topic_score_cap;
  }

  if (app_score_ && params_.app_specific_weight != 0) {
    b.p5 = params_.app_specific_weight * app_score_(peer);
  }
  if (params_.ip_colocation_factor_weight != 0) {
    b.p6 = params_.ip_colocation_factor_weight * colocation_factor(ps);
  }
  if (params_.behaviour_penalty_weight != 0 &&
      ps.behaviour_penalty > params_.behaviour_penalty_threshold) {
    const double excess = ps.behaviour_penalty - params_.behaviour_penalty_threshold;
    b.p7 = params_.behaviour_penalty_weight * excess * excess;
  }
  b.total = topics + b.p5 + b.p6 + b.p7;
  return b;
}

double PeerScore::score(const PeerId& peer, Instant now) const {
  return breakdown(peer, now).total;
}

}  // namespace aipg::gossipsub
