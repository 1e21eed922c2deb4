#include "protocol/gossipsub/gossip_promises.hpp"

#include <cassert>
#include <iterator>
#include <utility>

namespace aipg::gossipsub {

GossipPromises::GossipPromises(std::function<uint64_t()> random, Duration iwant_followup_time)
    : random_(std::move(random)), followup_(iwant_followup_time) {
  assert(random_);
  assert(followup_ > Duration::zero());
}

const MessageId* GossipPromises::add_promise(const PeerId& peer, std::span<const MessageId> ids,
                                             Instant now) {
  if (ids.empty()) return nullptr;
  // Modulo bias is below 2^-50 for the at most a few thousand ids an IWANT carries.
  const MessageId& id = ids[random_() % ids.size()];
  auto [it, inserted] = promises_.try_emplace(id);
  // Keep the first expiry: a peer re-advertising an id must not push its deadline out.
  it->second.try_emplace(peer, now + followup_);
  return &it->first;
}

bool GossipPromises::contains(const MessageId& id, const PeerId& peer) const {
  auto it = promises_.find(id);
  return it != promises_.end() && it->second.count(peer) != 0;
}

void GossipPromises::message_delivered(const MessageId& id) { promises_.erase(id); }

void GossipPromises::message_rejected(const MessageId& id, PromiseRejection why) {
  // A peer that answers an IWANT with a message that fails signature checks has not delivered
  // what it advertised; keeping the promise lets P7 apply on top of whatever else happens.
  if (why == PromiseRejection::kObviouslyInvalid) return;
  promises_.erase(id);
}

std::unordered_map<PeerId, size_t> GossipPromises::get_broken_promises(Instant now) {
  std::unordered_map<PeerId, size_t> broken;
  for (auto m = promises_.begin(); m != promises_.end();) {
    auto& peers = m->second;
    for (auto p = peers.begin(); p != peers.end();) {
      if (p->second <= now) {
        ++broken[p->first];
        p = peers.erase(p);
      } else {
        ++p;
      }
    }
    m = peers.empty() ? promises_.erase(m) : std::next(m);
  }
  return broken;
}

size_t GossipPromises::size() const {
  size_t n = 0;
  for (const auto& [id, peers] : promises_) n += peers.size();
  return n;
}

}  // namespace aipg::gossipsub
