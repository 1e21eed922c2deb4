#include "protocol/grid/misbehaviour.hpp"

#include <cmath>

namespace aipg::grid {

MisbehaviourTally::MisbehaviourTally(Duration half_life, size_t max_peers)
    : half_life_(half_life), max_peers_(max_peers) {}

double MisbehaviourTally::decayed(const Entry& e, Instant now) const {
  if (now <= e.at) return e.count;
  const double halvings =
      std::chrono::duration<double>(now - e.at) / std::chrono::duration<double>(half_life_);
  return e.count * std::exp2(-halvings);
}

void MisbehaviourTally::add(const PeerId& author, Instant now) {
  if (!entries_.contains(author) && entries_.size() >= max_peers_) {
    // Full: forget those who have all but recovered. Should that free nothing (a flood of
    // fresh identities), the newcomer is not tallied; gossipsub's own P4 still counts it.
    std::erase_if(entries_, [&](const auto& kv) { return decayed(kv.second, now) < 0.5; });
    if (entries_.size() >= max_peers_) return;
  }
  Entry& e = entries_[author];
  e.count = decayed(e, now) + 1;
  e.at = now;
}

void MisbehaviourTally::judge(const PeerId& author, const Verdict& v, Instant now) {
  if (v.validation == Validation::kReject && v.reason && is_misbehaviour(*v.reason)) {
    add(author, now);
  }
}

double MisbehaviourTally::score(const PeerId& peer, Instant now) const {
  auto it = entries_.find(peer);
  return it == entries_.end() ? 0.0 : -decayed(it->second, now);
}

}  // namespace aipg::grid
