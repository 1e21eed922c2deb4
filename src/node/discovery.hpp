// Discovery — keeps a host connected to the network: bootstrap peers are (re)dialled with
// exponential backoff until connected, more known peers are dialled while the host has fewer
// than `target` connections, and connections above `high_water` are trimmed (peers that are
// bootstrap peers or that a protect hook names are kept). A node that loses every peer finds
// its way back through the bootstrap list by itself.
//
// Where candidates come from: the bootstrap list, identify (the peer store's addresses), and
// add_candidates() — the seam for peer exchange and, later, a Kademlia walk.
#pragma once

#include <functional>
#include <map>
#include <vector>

#include "node/host.hpp"

namespace aipg::node {

struct DiscoveryConfig {
  std::vector<wire::Multiaddr> bootstrap;  // each ends in /p2p/<id>
  size_t target = 8;                       // dial known peers while below this
  size_t high_water = 32;                  // trim down to target above this
  Duration check_interval = 5s;
  Duration backoff_initial = 1s;
  Duration backoff_max = 60s;

  Status validate() const;
};

struct DiscoveryStats {
  uint64_t dials = 0;
  uint64_t dial_failures = 0;
  uint64_t trimmed = 0;
};

class Discovery : public HostObserver {
 public:
  Discovery(Host& host, DiscoveryConfig config);
  ~Discovery() override;

  void start();
  // Peers worth dialling (their addresses must be in the peer store to be usable).
  void add_candidates(const std::vector<wire::PeerId>& peers);
  // Peers never trimmed (e.g. gossipsub mesh members).
  void set_protect(std::function<bool(const wire::PeerId&)> fn) { protect_ = std::move(fn); }
  const DiscoveryStats& stats() const { return stats_; }

  void on_peer_disconnected(const wire::PeerId& p) override;

 private:
  struct Target {
    std::optional<wire::Multiaddr> addr;  // bootstrap address; else the peer store's
    Duration backoff{};
    Instant next_try{};
    bool dialling = false;
    bool bootstrap = false;
  };

  void tick();
  void dial(const wire::PeerId& peer, Target& t);
  void trim();
  void schedule(Duration after);

  Host& host_;
  DiscoveryConfig config_;
  std::map<wire::PeerId, Target> targets_;
  std::function<bool(const wire::PeerId&)> protect_;
  runtime::TimerId timer_ = runtime::kNoTimer;
  DiscoveryStats stats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace aipg::node
