// Small building blocks shared by the scenarios and by gossip_sim.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "router_net.hpp"

namespace aipg::sim {

// `n` nodes, each dialling `k` random earlier-or-later nodes, all subscribed to `topic`, then
// `warmup` of heartbeats so meshes form. Returns the node indices.
inline std::vector<size_t> build_network(RouterNet& net, size_t n, size_t k, const TopicId& topic,
                                         Duration warmup = 5s) {
  std::vector<size_t> nodes;
  for (size_t i = 0; i < n; ++i) nodes.push_back(net.add_node());
  for (size_t i : nodes) net.connect_random(i, k);
  for (size_t i : nodes) net.subscribe(i, topic);
  net.run_for(warmup);
  return nodes;
}

// The value at quantile q (0..1) of `v` (sorted in place); 0 for an empty vector.
template <class T>
T quantile(std::vector<T>& v, double q) {
  if (v.empty()) return T{};
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// Messages received (every copy) per message delivered, over the given nodes.
inline double duplicate_factor(RouterNet& net, const std::vector<size_t>& nodes) {
  uint64_t received = 0, delivered = 0;
  for (size_t i : nodes) {
    received += net.router(i).stats().messages_received;
    delivered += net.router(i).stats().messages_delivered;
  }
  return delivered == 0 ? 0.0 : static_cast<double>(received) / static_cast<double>(delivered);
}

}  // namespace aipg::sim
