// The gossipsub application score (P5) the grid gives a peer (docs/protocol.md §7): minus its
// recent rule breaking. Each message of the peer rejected for a reason that is its own fault
// (is_misbehaviour) adds one; the tally halves every half_life, so a peer that stops breaking the
// rules recovers, and a peer that keeps on sinks until gossipsub prunes and graylists it.
//
// The shell hands score() to the router as GossipsubConfig::app_score (weighted there by
// app_specific_weight).
#pragma once

#include <unordered_map>

#include "protocol/grid/types.hpp"
#include "protocol/grid/verdict.hpp"

namespace aipg::grid {

class MisbehaviourTally {
 public:
  explicit MisbehaviourTally(Duration half_life = std::chrono::minutes(10),
                             size_t max_peers = 10000);

  void add(const PeerId& author, Instant now);
  // Adds one when `v` rejects for a reason that is the author's fault (is_misbehaviour).
  void judge(const PeerId& author, const Verdict& v, Instant now);
  // ≤ 0: minus the decayed tally.
  double score(const PeerId& peer, Instant now) const;
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    double count = 0;
    Instant at{};  // when count was last brought up to date
  };
  double decayed(const Entry& e, Instant now) const;

  Duration half_life_;
  size_t max_peers_;
  std::unordered_map<PeerId, Entry> entries_;
};

}  // namespace aipg::grid
