// Who is out there (docs/protocol.md §2): the latest advert of every worker and API node, when
// it came, and so who is live; which live workers serve a model; and which API node announces a
// job whose origin is gone (§5). Sans-IO: times are passed in.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocol/grid/types.hpp"

namespace aipg::grid {

inline constexpr Duration kDefaultAdvertInterval = std::chrono::seconds(5);
inline constexpr Duration kMinAdvertInterval = std::chrono::seconds(1);
inline constexpr Duration kMaxAdvertInterval = std::chrono::seconds(60);
// A peer is gone after this many of its advert intervals without an advert.
inline constexpr int kMissedAdverts = 3;

class PeerDirectory {
 public:
  void on_worker_advert(const PeerId& author, const pb::WorkerAdvert& advert, Instant received);
  void on_node_advert(const PeerId& author, const pb::NodeAdvert& advert, Instant received);
  // A node may know itself live without hearing its own advert.
  void set_self(const PeerId& self, bool is_api_node) {
    self_ = self;
    self_is_node_ = is_api_node;
  }

  // Its interval as advertised, clamped to [kMin, kMax]; kDefault when 0.
  static Duration interval(uint32_t advert_interval_ms);
  bool worker_live(const PeerId& worker, Instant now) const;
  bool node_live(const PeerId& node, Instant now) const;
  // Live, healthy, and lists `model`.
  bool serves(const PeerId& worker, const std::string& model, Instant now) const;
  // Its latest advert (live or not, until forgotten) was healthy and listed `model`.
  bool advertised(const PeerId& worker, const std::string& model) const;
  const pb::WorkerAdvert* worker_advert(const PeerId& worker) const;
  const pb::NodeAdvert* node_advert(const PeerId& node) const;
  // When the node's latest advert came (nullopt: never, or forgotten).
  std::optional<Instant> node_heard(const PeerId& node) const;

  // Sorted by peer id, so callers iterate deterministically.
  std::vector<PeerId> live_workers(Instant now) const;
  std::vector<PeerId> live_nodes(Instant now) const;  // includes self when it is an API node
  std::vector<PeerId> workers_for(const std::string& model, Instant now) const;

  // The job's origin while it is live (or is self); otherwise the live API node with the lowest
  // takeover_rank(job_id, node). nullopt when no API node is live.
  std::optional<PeerId> announcer(const JobId& job_id, const PeerId& origin, Instant now) const;

  // Drops peers gone for more than `after` (memory bound).
  void forget_gone(Instant now, Duration after = std::chrono::minutes(10));

 private:
  template <class Advert>
  struct Entry {
    Advert advert;
    Instant received{};
  };
  std::unordered_map<PeerId, Entry<pb::WorkerAdvert>> workers_;
  std::unordered_map<PeerId, Entry<pb::NodeAdvert>> nodes_;
  std::optional<PeerId> self_;
  bool self_is_node_ = false;
};

}  // namespace aipg::grid
