#include "protocol/gossipsub/seen_cache.hpp"

#include <cassert>
#include <iterator>

namespace aipg::gossipsub {

SeenCache::SeenCache(Duration ttl) : ttl_(ttl) { assert(ttl > Duration::zero()); }

Instant SeenCache::clamp(Instant now) {
  // A clock that steps back would put a later expiry in front of an earlier one and stall the
  // front-only pruning; holding to the latest time keeps the queue sorted.
  if (now > latest_) latest_ = now;
  return latest_;
}

bool SeenCache::insert(const MessageId& id, Instant now) {
  now = clamp(now);
  // Prune first: an expired entry for `id` must be gone before we look it up, so the map and the
  // queue stay one-to-one and a re-inserted id gets a fresh expiry.
  prune(now);
  auto [it, inserted] = first_seen_.try_emplace(id, now);
  if (!inserted) return false;
  expiries_.push_back(Expiry{now + ttl_, &it->first});
  return true;
}

bool SeenCache::contains(const MessageId& id, Instant now) const {
  return first_seen(id, now).has_value();
}

std::optional<Instant> SeenCache::first_seen(const MessageId& id, Instant now) const {
  auto it = first_seen_.find(id);
  // An entry may outlive its TTL until the next prune; the TTL, not the pruning, decides.
  if (it == first_seen_.end() || now >= it->second + ttl_) return std::nullopt;
  return it->second;
}

void SeenCache::prune(Instant now) {
  now = clamp(now);
  while (!expiries_.empty() && expiries_.front().at <= now) {
    // Erase by iterator: erasing by a key that lives inside the erased node is not safe.
    first_seen_.erase(first_seen_.find(*expiries_.front().id));
    expiries_.pop_front();
  }
}

}  // namespace aipg::gossipsub
