// 500 nodes with D = 6: while 10% of them crash and 10% new ones join, every message published
// reaches every live subscribed node that was there when it was published.
#include <gtest/gtest.h>

#include "scenario.hpp"

namespace aipg::sim {
namespace {

TEST(GossipChurn, FiveHundredNodesWithCrashesAndJoinsDeliverEverything) {
  const uint64_t seed = 42;
  RouterNetOptions opts;
  opts.seed = seed;
  RouterNet net(opts);
  const TopicId topic = "jobs";
  auto initial = build_network(net, 500, 8, topic);

  std::vector<std::pair<gossipsub::MessageId, std::set<size_t>>> checks;
  std::set<size_t> crashed;
  std::vector<size_t> live = net.live_nodes();
  // 60 virtual seconds: a message every second, a crash and a join every 1.2 s (50 each).
  for (int tick = 0; tick < 60; ++tick) {
    if (tick % 6 != 5) {
      // Crash one (never a node that just published) and join one.
      auto victims = net.live_nodes();
      size_t victim = victims[net.rng().uniform(victims.size())];
      net.crash(victim);
      crashed.insert(victim);
      size_t fresh = net.add_node();
      net.connect_random(fresh, 8);
      net.subscribe(fresh, topic);
    }
    net.run_for(500ms);
    auto now_live = net.live_nodes();
    size_t origin = now_live[net.rng().uniform(now_live.size())];
    std::set<size_t> present(now_live.begin(), now_live.end());
    auto id = net.publish(origin, topic, "job " + std::to_string(tick));
    checks.emplace_back(id, present);
    net.run_for(500ms);
  }
  net.run_for(10s);

  ASSERT_GE(crashed.size(), 50u) << "seed " << seed;
  size_t checked = 0;
  for (const auto& [id, present] : checks) {
    for (size_t node : net.missing(id, topic)) {
      // A node that joined after the publication may miss it: the message cache only
      // remembers a few seconds of history.
      ASSERT_FALSE(present.count(node))
          << "node " << node << " missed a message published while it was there; seed " << seed;
    }
    checked += net.deliveries(id).size();
  }
  EXPECT_GT(checked, 60u * 400u);
  // Meshes stay within the watermarks (plus the outbound quota's allowance) through the churn.
  for (size_t n : net.live_nodes()) {
    const size_t mesh = net.router(n).mesh_peers(topic).size();
    EXPECT_GE(mesh, 1u) << "node " << n;
    EXPECT_LE(mesh, 12u + 2u) << "node " << n;
  }
}

}  // namespace
}  // namespace aipg::sim
