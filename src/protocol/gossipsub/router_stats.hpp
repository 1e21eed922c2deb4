// Counters of what a router did, for /metrics, the simulator's reports and tests. Every message
// or control item the router refuses is counted once, under a short snake_case reason.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace aipg::gossipsub {

struct RouterStats {
  uint64_t rpcs_received = 0;
  uint64_t messages_received = 0;    // publish entries received (every copy)
  uint64_t messages_first_seen = 0;  // first copies that passed the signature check
  uint64_t duplicates = 0;
  uint64_t messages_delivered = 0;  // to our application
  uint64_t messages_published = 0;  // by our application
  uint64_t messages_forwarded = 0;  // copies queued to peers (relay and own)
  uint64_t ihave_sent = 0, iwant_sent = 0, iwant_served = 0, idontwant_sent = 0;
  uint64_t graft_sent = 0, prune_sent = 0, graft_received = 0, prune_received = 0;
  uint64_t px_learned = 0;
  uint64_t subscriptions_received = 0;  // (peer, topic) subscriptions learnt
  uint64_t broken_promises = 0;
  // Refusals by reason: "graylisted", "not_subscribed", "invalid_signature", "validation_reject",
  // "validation_ignore", "self_origin", "ihave_flood", "iwant_unknown", "graft_backoff",
  // "graft_unknown_topic", "graft_negative_score", "px_low_score", ...
  std::map<std::string, uint64_t> rejected;

  uint64_t rejected_total() const {
    uint64_t n = 0;
    for (const auto& [reason, count] : rejected) n += count;
    return n;
  }
};

}  // namespace aipg::gossipsub
