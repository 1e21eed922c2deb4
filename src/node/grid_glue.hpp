// What both grid roles' shells share: publishing what a core returned.
#pragma once

#include "base/log.hpp"
#include "node/gossipsub_service.hpp"
#include "protocol/grid/publish.hpp"

namespace aipg::node {

// Publishes each; returns how many the router refused (logged: e.g. no peers on a topic yet,
// which gossipsub's flood publish and the protocol's re-announces repair).
inline size_t publish_all(GossipsubService& ps, grid::Publishes publishes) {
  size_t failed = 0;
  for (grid::Publish& p : publishes) {
    if (auto id = ps.publish(p.topic, std::move(p.data)); !id) {
      ++failed;
      log::debug("grid publish on {}: {}", p.topic, id.error().message);
    }
  }
  return failed;
}

}  // namespace aipg::node
