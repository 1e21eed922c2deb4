#include "protocol/gossipsub/config.hpp"

#include <string>

namespace aipg::gossipsub {

namespace {

Result<void> invalid(const std::string& what) {
  return make_error(Errc::invalid_argument, "gossipsub config: " + what);
}

Result<void> prefixed(const Result<void>& r, const char* part) {
  if (r) return {};
  return invalid(std::string(part) + ": " + r.error().message);
}

}  // namespace

Result<void> GossipsubConfig::validate() const {
  if (!(d_lo <= d && d <= d_hi)) {
    return invalid("need d_lo <= d <= d_hi, got d_lo=" + std::to_string(d_lo) +
                   " d=" + std::to_string(d) + " d_hi=" + std::to_string(d_hi));
  }
  if (d_score > d_hi) {
    return invalid("d_score=" + std::to_string(d_score) + " must not exceed d_hi");
  }
  // The outbound quota must leave room for inbound peers, or a node behind NAT could never be
  // in anyone's mesh (v1.1: "D_out < D_lo and D_out <= D/2").
  if (d_out > 0 && (d_out >= d_lo || d_out > d / 2)) {
    return invalid("d_out=" + std::to_string(d_out) + " must be < d_lo and <= d/2");
  }
  if (!(gossip_factor >= 0.0 && gossip_factor <= 1.0)) {
    return invalid("gossip_factor must be within [0, 1]");
  }
  if (heartbeat_interval <= Duration::zero()) return invalid("heartbeat_interval must be > 0");
  if (fanout_ttl <= Duration::zero()) return invalid("fanout_ttl must be > 0");
  if (seen_ttl <= Duration::zero()) return invalid("seen_ttl must be > 0");
  if (unsubscribe_backoff <= Duration::zero()) return invalid("unsubscribe_backoff must be > 0");
  if (iwant_followup_time <= Duration::zero()) return invalid("iwant_followup_time must be > 0");
  if (opportunistic_graft_ticks == 0) return invalid("opportunistic_graft_ticks must be > 0");
  if (max_ihave_messages == 0 || max_ihave_length == 0) {
    return invalid("max_ihave_messages and max_ihave_length must be > 0");
  }
  if (max_transmit_size < 1024) return invalid("max_transmit_size must be >= 1024");
  if (!message_id) return invalid("message_id function missing");
  if (auto r = prefixed(mcache.validate(), "mcache"); !r) return r;
  if (auto r = prefixed(backoff.validate(), "backoff"); !r) return r;
  if (auto r = prefixed(idontwant.validate(), "idontwant"); !r) return r;
  if (score) {
    if (auto r = prefixed(score->validate(), "score"); !r) return r;
    if (auto r = prefixed(thresholds.validate(), "thresholds"); !r) return r;
  }
  return {};
}

}  // namespace aipg::gossipsub
