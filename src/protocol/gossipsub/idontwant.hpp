// IDONTWANT bookkeeping (libp2p/specs pubsub/gossipsub v1.2): "a node maintains per-peer
// dont_send_message_ids set. Upon receiving IDONTWANT from a peer the messageId is added to the
// dont_send_message_ids set. When later relaying the messageId message to the mesh the peers
// found in dont_send_message_ids MUST be skipped. Old entries from dont_send_message_ids SHOULD
// be pruned during heartbeat processing." "To prevent DoS the number of IDONTWANT control
// messages is limited to max_idontwant_messages per heartbeat."
//
// The spec leaves the numbers open ("???"); we take go-libp2p-pubsub's, so a go or rust peer
// that stays within its own limits stays within ours:
// - at most `max_messages_per_heartbeat` IDONTWANT control messages per peer per heartbeat
//   (go GossipSubMaxIDontWantMessages, 1000); more are ignored until `prune` starts the next
//   heartbeat;
// - at most `max_ids_per_message` ids taken from one of them (go GossipSubMaxIDontWantLength, 10);
// - an id is remembered for `ttl` (go: 3 heartbeats), over [t, t + ttl);
// - at most `max_ids_per_peer` ids per peer (rust's cap, 10000); past it the oldest is dropped:
//   recent ids matter most, as they name messages still in flight.
// `now` must not go backwards (the per-peer queues are kept in expiry order).
// Ignoring an IDONTWANT is always safe: the spec says sending a message after it "should not be
// penalized"; the worst outcome is a duplicate on the wire.
#pragma once

#include <cstddef>
#include <deque>
#include <span>
#include <unordered_map>

#include "base/result.hpp"
#include "base/time.hpp"
#include "protocol/gossipsub/types.hpp"

namespace aipg::gossipsub {

struct IdontwantConfig {
  size_t max_messages_per_heartbeat = 1000;
  size_t max_ids_per_message = 10;
  size_t max_ids_per_peer = 10000;
  Duration ttl = std::chrono::seconds(3);

  // Refuses zero limits and a non-positive ttl.
  Result<void> validate() const;
};

class IdontwantCache {
 public:
  // `config` must validate (it is ours, not a peer's).
  explicit IdontwantCache(IdontwantConfig config = {});

  IdontwantCache(const IdontwantCache&) = delete;  // queues point into the sets
  IdontwantCache& operator=(const IdontwantCache&) = delete;
  IdontwantCache(IdontwantCache&&) = default;
  IdontwantCache& operator=(IdontwantCache&&) = default;

  // One received ControlMessage's IDONTWANT ids from `peer` (all its ControlIDontWant entries
  // together count as one message, as in go). Returns how many ids were recorded: 0 when the
  // peer is over its per-heartbeat message budget; ids past max_ids_per_message are ignored;
  // an id already recorded keeps its first expiry.
  size_t add(const PeerId& peer, std::span<const MessageId> ids, Instant now);

  // False when `peer` said IDONTWANT for `id` and that is still within its ttl at `now`.
  bool wants(const PeerId& peer, const MessageId& id, Instant now) const;

  // Heartbeat: forgets expired ids and restarts every peer's message budget.
  void prune(Instant now);

  void remove_peer(const PeerId& peer) { peers_.erase(peer); }

  // Ids held for `peer` (expired ones included until `prune`), and over all peers.
  size_t size(const PeerId& peer) const;
  size_t size() const;
  const IdontwantConfig& config() const { return config_; }

 private:
  struct Expiry {
    Instant at;
    const MessageId* id;  // the key in `ids`; unordered_map nodes do not move
  };
  struct PeerState {
    std::unordered_map<MessageId, Instant> ids;  // id → expiry
    std::deque<Expiry> order;                    // insertion order == expiry order (one ttl)
    size_t messages_this_heartbeat = 0;
  };

  static void pop_front(PeerState& s);

  IdontwantConfig config_;
  std::unordered_map<PeerId, PeerState> peers_;
};

}  // namespace aipg::gossipsub
