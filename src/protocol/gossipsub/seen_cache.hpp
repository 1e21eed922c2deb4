// The seen cache (libp2p/specs pubsub/gossipsub v1.0, "Router state"): "the timed message id
// cache ... tracks the message ids of seen messages for the last couple of minutes". It is the
// router's flow control: a message whose id is in the cache is a duplicate and is neither
// delivered nor forwarded again.
//
// Contract:
// - An id inserted at `t` is remembered for the half-open interval [t, t + ttl); from t + ttl on
//   it is forgotten and inserting it again counts as new ("first seen" semantics, go's
//   default TimeCacheStrategy; seeing the id again does not extend its life).
// - Memory is bounded by the ids inserted within one TTL: `insert` and `prune` drop expired ids
//   from the front of an insertion-ordered queue, O(1) amortised per id. Because the TTL is one
//   constant, insertion order is expiry order, so no heap is needed.
// - `now` must not go backwards; if it does, the cache uses the latest `now` it has seen so the
//   queue stays ordered.
// - The insertion time is kept, so the router can ask when a message was first seen (the score's
//   P3 "near-first" delivery window starts there).
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <unordered_map>

#include "base/time.hpp"
#include "protocol/gossipsub/types.hpp"

namespace aipg::gossipsub {

class SeenCache {
 public:
  // The spec's "last couple of minutes"; go's TimeCacheDuration and rust's
  // duplicate_cache_time are both 120 s.
  static constexpr Duration kDefaultTtl = std::chrono::minutes(2);

  // ttl > 0.
  explicit SeenCache(Duration ttl = kDefaultTtl);

  SeenCache(const SeenCache&) = delete;  // the queue points into the map
  SeenCache& operator=(const SeenCache&) = delete;
  SeenCache(SeenCache&&) = default;
  SeenCache& operator=(SeenCache&&) = default;

  // Records `id` as seen at `now`. Returns false when it was already seen within the TTL (a
  // duplicate); its first-seen time is then left unchanged. Also prunes expired ids.
  bool insert(const MessageId& id, Instant now);

  // True when `id` was inserted within [now - ttl, now].
  bool contains(const MessageId& id, Instant now) const;

  // When `id` was first seen, if it is still remembered at `now`.
  std::optional<Instant> first_seen(const MessageId& id, Instant now) const;

  // Forgets every id whose TTL has run out at `now`. `insert` does this too; call it from the
  // heartbeat so an idle cache also shrinks.
  void prune(Instant now);

  // Ids held, including expired ones not yet pruned.
  size_t size() const { return first_seen_.size(); }
  Duration ttl() const { return ttl_; }

 private:
  struct Expiry {
    Instant at;
    const MessageId* id;  // the key in first_seen_; unordered_map nodes do not move
  };

  Instant clamp(Instant now);

  Duration ttl_;
  std::unordered_map<MessageId, Instant> first_seen_;
  std::deque<Expiry> expiries_;  // insertion order == expiry order
  Instant latest_{};
};

}  // namespace aipg::gossipsub
