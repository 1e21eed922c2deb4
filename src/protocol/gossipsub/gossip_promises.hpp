// Gossip promises (libp2p/specs pubsub/gossipsub v1.1, "Spam Protection Measures"):
// "In flight IWANT requests, sent as a response to an IHAVE advertisement, are probabilistically
// tracked. For each IHAVE advertisement which elicits an IWANT request, the router tracks a
// random message ID within the advertised set. If the message is not received (from any peer)
// within a period of time, then a behavioural penalty is applied to the advertising peer through
// P7."
//
// Contract:
// - `add_promise(peer, ids, now)` is called once per IWANT we send after an IHAVE from `peer`,
//   with the ids we asked for. One id is drawn at random from them (the spec's and go's rule, not
//   rust's track-them-all): the penalty is per unanswered IWANT rather than per id, and a peer
//   that answers only some ids is still caught with proportional probability. The promise
//   expires at now + iwant_followup_time (3 s, go GossipSubIWantFollowupTime); an existing
//   promise by the same peer for the same id keeps its earlier expiry.
// - `message_delivered(id)` — the message arrived from anyone (it began validation): all
//   promises for `id` are kept.
// - `message_rejected(id, kind)` — validation refused it. The promise counts as kept, and P4
//   punishes the invalid message, except when the message was obviously bogus (bad or missing
//   signature, malformed, our own): then the promise stays, so advertising junk still costs P7.
// - `get_broken_promises(now)` — heartbeat: every promise whose expiry is at or before `now`
//   counts one broken promise for its peer and is forgotten. The result feeds P7.
// Memory is bounded by the IWANTs sent within one follow-up time, provided the router calls
// `get_broken_promises` each heartbeat (the router caps IHAVE/IWANT per peer per heartbeat).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <unordered_map>

#include "base/time.hpp"
#include "protocol/gossipsub/types.hpp"

namespace aipg::gossipsub {

// Why a message failed validation, as far as promises care.
enum class PromiseRejection {
  kObviouslyInvalid,  // missing/invalid signature, malformed fields, self origin: promise stays
  kValidation,        // the application validator rejected or ignored it: promise kept
  kNotValidated,      // dropped before validation (queue full, throttled): promise kept
};

class GossipPromises {
 public:
  // go and rust IWantFollowupTime.
  static constexpr Duration kDefaultFollowupTime = std::chrono::seconds(3);

  // `random` returns uniformly distributed 64-bit values (the node's Rng, a seeded one in the
  // simulator); it picks the tracked id.
  explicit GossipPromises(std::function<uint64_t()> random,
                          Duration iwant_followup_time = kDefaultFollowupTime);

  // One IWANT sent to `peer` for `ids` (ignored when `ids` is empty). Returns the id tracked.
  const MessageId* add_promise(const PeerId& peer, std::span<const MessageId> ids, Instant now);

  // True when some peer owes us `id` (the router may skip asking another peer for it).
  bool contains(const MessageId& id) const { return promises_.count(id) != 0; }
  bool contains(const MessageId& id, const PeerId& peer) const;

  void message_delivered(const MessageId& id);
  void message_rejected(const MessageId& id, PromiseRejection why);

  // Peer → number of promises it broke (expiry <= now); those promises are forgotten.
  std::unordered_map<PeerId, size_t> get_broken_promises(Instant now);

  // Promises held (id, peer pairs).
  size_t size() const;
  Duration iwant_followup_time() const { return followup_; }

 private:
  std::function<uint64_t()> random_;
  Duration followup_;
  // id → (peer → expiry); one id is usually owed by one peer.
  std::unordered_map<MessageId, std::unordered_map<PeerId, Instant>> promises_;
};

}  // namespace aipg::gossipsub
