// GridHost — what every grid role (API node, worker, bootstrap) runs under its core, on any
// runtime: a Host, Discovery (bootstrap redial, target, trim) and a GossipsubService with the
// grid's scoring (node/grid_scoring.hpp), wired together:
// - peers learnt by peer exchange (PRUNE) become discovery candidates;
// - gossipsub mesh members are never trimmed by discovery.
// The Asio process around it (signals, draining, the ready line) is app::GridHost's; the
// simulator builds one per simulated process (tests/sim/grid_stack).
//
// Order: construct → set_app_score (once the role's core exists: it needs peer_id()) →
// listen() → start(). The role's service subscribes and installs its validator after start().
#pragma once

#include <memory>
#include <vector>

#include "node/discovery.hpp"
#include "node/gossipsub_service.hpp"
#include "node/grid_scoring.hpp"
#include "node/host.hpp"

namespace aipg::node {

struct GridHostConfig {
  HostConfig host;
  DiscoveryConfig discovery;
  std::vector<wire::Multiaddr> listen;
};

class GridHost {
 public:
  // `config.host` and `config.discovery` must validate.
  GridHost(runtime::Runtime& rt, wire::KeyPair key, GridHostConfig config);
  ~GridHost();
  GridHost(const GridHost&) = delete;
  GridHost& operator=(const GridHost&) = delete;

  runtime::Runtime& rt() { return rt_; }
  Host& host() { return *host_; }
  GossipsubService& pubsub() { return *pubsub_; }
  Discovery& discovery() { return *discovery_; }
  // P5 for the router: the role's score of a peer. Until set, every peer scores 0 there.
  void set_app_score(AppScoreFn fn) { app_score_ = std::move(fn); }

  // Binds the configured addresses; returns the bound ones, each with /p2p/<our id> (what
  // others put in --bootstrap). Errors are the host's, prefixed "listen: ".
  Result<std::vector<wire::Multiaddr>> listen();
  // Starts gossipsub (heartbeat) and discovery (dials the bootstrap peers).
  void start();

 private:
  runtime::Runtime& rt_;
  GridHostConfig config_;
  AppScoreFn app_score_;
  std::unique_ptr<Host> host_;
  std::unique_ptr<GossipsubService> pubsub_;
  std::unique_ptr<Discovery> discovery_;
};

}  // namespace aipg::node
