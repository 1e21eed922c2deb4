#include "node/peer_store.hpp"

#include <algorithm>

namespace aipg::node {

PeerInfo& PeerStore::entry(const wire::PeerId& peer, Instant now) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) {
    evict_if_full();
    it = peers_.emplace(peer, PeerInfo{}).first;
  }
  it->second.last_seen = std::max(it->second.last_seen, now);
  return it->second;
}

void PeerStore::evict_if_full() {
  if (peers_.size() < max_peers_) return;
  // Linear scan: eviction is rare (only at the cap) and the map stays small in practice.
  auto oldest = std::min_element(peers_.begin(), peers_.end(), [](auto& a, auto& b) {
    return a.second.last_seen < b.second.last_seen;
  });
  if (oldest != peers_.end()) peers_.erase(oldest);
}

void PeerStore::add_addr(const wire::PeerId& peer, const wire::Multiaddr& addr, Instant now) {
  wire::Multiaddr bare = addr.decapsulate_p2p();
  auto& info = entry(peer, now);
  if (std::find(info.addrs.begin(), info.addrs.end(), bare) != info.addrs.end()) return;
  if (info.addrs.size() >= max_addrs_) info.addrs.erase(info.addrs.begin());
  info.addrs.push_back(std::move(bare));
}

void PeerStore::set_identify(const wire::PeerId& peer, PeerInfo info, Instant now) {
  auto& e = entry(peer, now);
  std::vector<wire::Multiaddr> known = std::move(e.addrs);
  // A message without a record, or with an older one, leaves the newer record's addresses.
  std::vector<wire::Multiaddr> certified = std::move(e.certified_addrs);
  const std::optional<uint64_t> seq = e.record_seq;
  Bytes record = std::move(e.signed_record);
  e = std::move(info);
  if (seq && (!e.record_seq || *e.record_seq < *seq)) {
    e.certified_addrs = std::move(certified);
    e.record_seq = seq;
    e.signed_record = std::move(record);
  }
  e.identified = true;
  e.last_seen = now;
  // Keep addresses we dialled successfully even if identify does not list them.
  for (auto& a : known) {
    if (std::find(e.addrs.begin(), e.addrs.end(), a) == e.addrs.end() &&
        e.addrs.size() < max_addrs_) {
      e.addrs.push_back(std::move(a));
    }
  }
}

void PeerStore::touch(const wire::PeerId& peer, Instant now) { entry(peer, now); }

const PeerInfo* PeerStore::find(const wire::PeerId& peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? nullptr : &it->second;
}

bool PeerStore::supports(const wire::PeerId& peer, const std::string& protocol) const {
  const PeerInfo* p = find(peer);
  return p && std::find(p->protocols.begin(), p->protocols.end(), protocol) != p->protocols.end();
}

std::vector<wire::PeerId> PeerStore::peers() const {
  std::vector<wire::PeerId> out;
  out.reserve(peers_.size());
  for (auto& [id, _] : peers_) out.push_back(id);
  return out;
}

}  // namespace aipg::node
