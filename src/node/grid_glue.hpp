// What both grid roles' shells share: publishing what a core returned.
#pragma once

#include <functional>
#include <string>

#include "base/log.hpp"
#include "node/gossipsub_service.hpp"
#include "protocol/grid/publish.hpp"

namespace aipg::node {

// Publishes each; returns how many the router refused (logged: e.g. no peers on a topic yet,
// which gossipsub's flood publish and the protocol's re-announces repair). `published`, when
// given, is told each one the router took, as it signed it.
inline size_t publish_all(
    GossipsubService& ps, grid::Publishes publishes,
    const std::function<void(const std::string& topic, const gossipsub::Message&)>& published =
        nullptr) {
  size_t failed = 0;
  for (grid::Publish& p : publishes) {
    auto id = ps.publish(p.topic, std::move(p.data));
    if (!id) {
      ++failed;
      log::debug("grid publish on {}: {}", p.topic, id.error().message);
      continue;
    }
    if (!published) continue;
    if (const gossipsub::Message* m = ps.router().cached_message(*id)) published(p.topic, *m);
  }
  return failed;
}

}  // namespace aipg::node
