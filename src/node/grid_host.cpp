#include "node/grid_host.hpp"

namespace aipg::node {

GridHost::GridHost(runtime::Runtime& rt, wire::KeyPair key, GridHostConfig config)
    : rt_(rt), config_(std::move(config)) {
  host_ = std::make_unique<Host>(rt_, std::move(key), config_.host);
  // The router holds this function for its life; the role's score comes later (set_app_score).
  pubsub_ = std::make_unique<GossipsubService>(
      *host_, grid_gossipsub_config(
                  [this](const wire::PeerId& p) { return app_score_ ? app_score_(p) : 0.0; }));
  discovery_ = std::make_unique<Discovery>(*host_, config_.discovery);
  discovery_->set_protect([this](const wire::PeerId& p) { return pubsub_->in_mesh(p); });
  pubsub_->set_on_px(
      [this](const std::vector<wire::PeerId>& peers) { discovery_->add_candidates(peers); });
}

// Members go in reverse order of construction: discovery and gossipsub (host observers) before
// the host they observe.
GridHost::~GridHost() = default;

Result<std::vector<wire::Multiaddr>> GridHost::listen() {
  auto bound = host_->listen(config_.listen);
  if (!bound) return make_error(bound.error().code, "listen: " + bound.error().message);
  std::vector<wire::Multiaddr> full;
  for (const auto& a : *bound) full.push_back(a.with_p2p(host_->peer_id().multihash()));
  return full;
}

void GridHost::start() {
  pubsub_->start();
  discovery_->start();
}

}  // namespace aipg::node
