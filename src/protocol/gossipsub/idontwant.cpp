#include "protocol/gossipsub/idontwant.hpp"

#include <algorithm>
#include <cassert>
#include <iterator>

namespace aipg::gossipsub {

Result<void> IdontwantConfig::validate() const {
  if (max_messages_per_heartbeat == 0 || max_ids_per_message == 0 || max_ids_per_peer == 0) {
    return make_error(Errc::invalid_argument,
                      "idontwant: limits must be at least 1 (disable IDONTWANT elsewhere)");
  }
  if (ttl <= Duration::zero()) {
    return make_error(Errc::invalid_argument, "idontwant: ttl must be positive");
  }
  return {};
}

IdontwantCache::IdontwantCache(IdontwantConfig config) : config_(config) {
  assert(config_.validate().has_value());
}

void IdontwantCache::pop_front(PeerState& s) {
  // Erase by iterator: the key lives inside the node being erased.
  s.ids.erase(s.ids.find(*s.order.front().id));
  s.order.pop_front();
}

size_t IdontwantCache::add(const PeerId& peer, std::span<const MessageId> ids, Instant now) {
  if (ids.empty()) return 0;
  PeerState& s = peers_[peer];
  if (s.messages_this_heartbeat >= config_.max_messages_per_heartbeat) return 0;
  ++s.messages_this_heartbeat;
  // Expire first, so a re-sent id whose ttl ran out is recorded afresh and the queue stays in
  // expiry order even if the heartbeat is late.
  while (!s.order.empty() && s.order.front().at <= now) pop_front(s);
  size_t recorded = 0;
  const size_t n = std::min(ids.size(), config_.max_ids_per_message);
  for (size_t i = 0; i < n; ++i) {
    auto [it, inserted] = s.ids.try_emplace(ids[i], now + config_.ttl);
    if (!inserted) continue;
    s.order.push_back(Expiry{it->second, &it->first});
    ++recorded;
    if (s.ids.size() > config_.max_ids_per_peer) pop_front(s);
  }
  return recorded;
}

bool IdontwantCache::wants(const PeerId& peer, const MessageId& id, Instant now) const {
  auto p = peers_.find(peer);
  if (p == peers_.end()) return true;
  auto it = p->second.ids.find(id);
  // An id may outlive its ttl until the next prune; the ttl, not the pruning, decides.
  return it == p->second.ids.end() || it->second <= now;
}

void IdontwantCache::prune(Instant now) {
  for (auto p = peers_.begin(); p != peers_.end();) {
    PeerState& s = p->second;
    while (!s.order.empty() && s.order.front().at <= now) pop_front(s);
    s.messages_this_heartbeat = 0;
    // A peer with nothing left costs a map node; drop it (add recreates it).
    p = s.ids.empty() ? peers_.erase(p) : std::next(p);
  }
}

size_t IdontwantCache::size(const PeerId& peer) const {
  auto p = peers_.find(peer);
  return p == peers_.end() ? 0 : p->second.ids.size();
}

size_t IdontwantCache::size() const {
  size_t n = 0;
  for (const auto& [peer, s] : peers_) n += s.ids.size();
  return n;
}

}  // namespace aipg::gossipsub
