// A partition splits the mesh: each side keeps delivering among itself; after the heal, meshes
// re-form across the cut and delivery reaches everyone again.
#include <gtest/gtest.h>

#include "scenario.hpp"

namespace aipg::sim {
namespace {

TEST(GossipPartition, EachSideDeliversAndTheHealRestoresEverything) {
  RouterNetOptions opts;
  opts.seed = 7;
  RouterNet net(opts);
  const TopicId topic = "jobs";
  auto nodes = build_network(net, 100, 8, topic);
  std::set<size_t> left(nodes.begin(), nodes.begin() + 50);

  net.partition(left);
  net.run_for(3s);
  auto in_left = net.publish(0, topic, "left side");
  auto in_right = net.publish(99, topic, "right side");
  net.run_for(5s);
  for (size_t n : net.missing(in_left, topic)) {
    EXPECT_FALSE(left.count(n)) << "node " << n << " on the left missed the left message";
  }
  for (size_t n : net.missing(in_right, topic)) {
    EXPECT_TRUE(left.count(n)) << "node " << n << " on the right missed the right message";
  }
  EXPECT_EQ(net.missing(in_left, topic).size(), 50u) << "nothing crosses the cut";

  net.heal();
  net.run_for(5s);
  for (int i = 0; i < 10; ++i) {
    auto id =
        net.publish(nodes[net.rng().uniform(nodes.size())], topic, "after " + std::to_string(i));
    net.run_for(1s);
    net.run_for(3s);
    EXPECT_TRUE(net.missing(id, topic).empty()) << "message " << i << " after the heal";
  }
}

TEST(GossipPartition, IsolatedNodeLosesItsMeshAndRejoins) {
  RouterNetOptions opts;
  opts.seed = 8;
  RouterNet net(opts);
  const TopicId topic = "jobs";
  auto nodes = build_network(net, 30, 6, topic);
  net.partition({5});
  net.run_for(2s);
  EXPECT_TRUE(net.router(5).mesh_peers(topic).empty());
  net.heal();
  net.run_for(3s);
  EXPECT_FALSE(net.router(5).mesh_peers(topic).empty());
  auto id = net.publish(0, topic, "welcome back");
  net.run_for(3s);
  EXPECT_TRUE(net.missing(id, topic).empty());
}

}  // namespace
}  // namespace aipg::sim
