// PRUNE backoff (libp2p/specs pubsub/gossipsub v1.1, "PRUNE Backoff and Peer Exchange"):
// "both the pruned and the pruning peer add a backoff period from each other, within which they
// will not try to regraft. Both the pruning and the pruned peer will immediately prune a GRAFT
// within the backoff period and extend it. When a peer tries to regraft too early, the pruning
// peer may apply a behavioural penalty for the action, and penalize the peer through P7."
// "The peer has to wait the full backoff period before attempting to graft again — plus some
// slack to account for the offset until the next heartbeat that clears the backoff."
//
// So two questions with two answers:
// - A GRAFT *received* from a peer: `check_graft` uses the exact backoff (now < expiry) and says
//   how many P7 penalties it earns — one for grafting during the backoff, and one more when the
//   GRAFT comes within `graft_flood_threshold` of the PRUNE (go and rust compute that cutoff as
//   expiry - prune_backoff + graft_flood_threshold; we do the same so peers see the same policy
//   from us as from them). The router then refreshes the backoff and answers with PRUNE.
// - A GRAFT we *send*: `is_backing_off_with_slack` stays true until expiry + slack (default two
//   heartbeats, go's clearBackoff slack), so clock offset and heartbeat phase cannot make our
//   GRAFT land early at the peer.
//
// Times: a backoff set at `now` for `d` covers [now, now + d). `update` keeps the later of the
// old and new expiry. Durations from the wire are clamped to `max_backoff` (a peer's u64 seconds
// must not overflow a time point). Entries are kept until `prune_expired` sees expiry + slack
// pass. One entry per (topic, peer) pair the router recorded; the router only records topics it
// is in, which bounds the map.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>

#include "base/result.hpp"
#include "base/time.hpp"
#include "protocol/gossipsub/types.hpp"

namespace aipg::gossipsub {

struct BackoffConfig {
  // The spec's PruneBackoff: what we put in our PRUNE, and what a PRUNE without a backoff
  // field (or with 0) means.
  Duration prune_backoff = std::chrono::minutes(1);
  // Extra wait before we GRAFT a peer whose backoff ran out (two heartbeats of 1 s).
  Duration slack = std::chrono::seconds(2);
  // A GRAFT within this long of the PRUNE earns a second P7 penalty (go GraftFloodThreshold).
  Duration graft_flood_threshold = std::chrono::seconds(10);
  // Longest backoff a peer's PRUNE can impose on us.
  Duration max_backoff = std::chrono::hours(1);

  // Refuses zero or negative prune_backoff, negative slack or threshold, and
  // max_backoff < prune_backoff.
  Result<void> validate() const;
};

// What a received GRAFT earns, from `Backoff::check_graft`.
enum class GraftCheck {
  kAllowed,   // no backoff in force: the GRAFT may be accepted (other rules permitting)
  kTooEarly,  // during the backoff: refuse with PRUNE, refresh the backoff, one P7 penalty
  kFlood,     // also within graft_flood_threshold of the PRUNE: two P7 penalties
};

// The P7 penalty count a GraftCheck stands for (0, 1 or 2).
int graft_penalty(GraftCheck check);

class Backoff {
 public:
  // `config` must validate (it is ours, not a peer's).
  explicit Backoff(BackoffConfig config = {});

  // Records that we must not graft `peer` in `topic` (nor accept its GRAFT) for `backoff` from
  // `now`. An existing longer backoff is kept. Negative durations count as zero; longer than
  // max_backoff is clamped.
  void update(const TopicId& topic, const PeerId& peer, Duration backoff, Instant now);

  // The backoff a PRUNE's `backoff` field (seconds, 0 or absent = unset) asks for, clamped to
  // max_backoff without overflowing.
  Duration from_prune_field(std::optional<uint64_t> seconds) const;

  // now < expiry: a GRAFT from the peer now is too early.
  bool is_backing_off(const TopicId& topic, const PeerId& peer, Instant now) const;
  // now < expiry + slack: we must not GRAFT the peer yet.
  bool is_backing_off_with_slack(const TopicId& topic, const PeerId& peer, Instant now) const;
  // Time left until expiry (zero when none or over).
  Duration remaining(const TopicId& topic, const PeerId& peer, Instant now) const;
  std::optional<Instant> expiry(const TopicId& topic, const PeerId& peer) const;

  // Classifies a GRAFT received from `peer` at `now`; changes nothing (the router calls
  // `update(topic, peer, prune_backoff, now)` when it refuses).
  GraftCheck check_graft(const TopicId& topic, const PeerId& peer, Instant now) const;

  // Forgets backoffs whose expiry + slack is at or before `now`. Call from the heartbeat; it
  // walks every entry (go clears every 15 heartbeats for that reason; the map is small).
  void prune_expired(Instant now);

  // (topic, peer) pairs held.
  size_t size() const;
  const BackoffConfig& config() const { return config_; }

 private:
  const Instant* find(const TopicId& topic, const PeerId& peer) const;

  BackoffConfig config_;
  std::unordered_map<TopicId, std::unordered_map<PeerId, Instant>> expiries_;
};

}  // namespace aipg::gossipsub
