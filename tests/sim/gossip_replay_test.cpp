// Determinism: the same seed gives the same trace; another seed gives another.
#include <gtest/gtest.h>

#include "scenario.hpp"

namespace aipg::sim {
namespace {

uint64_t run(uint64_t seed) {
  RouterNetOptions opts;
  opts.seed = seed;
  RouterNet net(opts);
  auto nodes = build_network(net, 60, 6, "t");
  for (int i = 0; i < 20; ++i) {
    if (i == 10) net.crash(nodes[3]);
    net.publish(nodes[net.rng().uniform(nodes.size())], "t", "m" + std::to_string(i));
    net.run_for(300ms);
  }
  net.run_for(5s);
  return net.trace_hash();
}

TEST(GossipReplay, SameSeedSameTrace) {
  EXPECT_EQ(run(11), run(11));
  EXPECT_NE(run(11), run(12));
}

// A node outside every mesh (D = 0) still gets every message, by IHAVE/IWANT alone.
TEST(GossipRepair, GossipOnlyNodeLearnsEverythingByIhaveIwant) {
  RouterNetOptions opts;
  opts.seed = 5;
  RouterNet net(opts);
  auto nodes = build_network(net, 30, 6, "t", 0s);
  GossipsubConfig gossip_only;
  gossip_only.d = gossip_only.d_lo = gossip_only.d_hi = gossip_only.d_score = gossip_only.d_out = 0;
  size_t lurker = net.add_node(gossip_only);
  net.connect(lurker, nodes[0]);
  net.connect(lurker, nodes[1]);
  net.subscribe(lurker, "t");
  net.run_for(5s);
  // Published far from the lurker's neighbours' own messages: they only relay.
  std::vector<gossipsub::MessageId> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(net.publish(nodes[10 + i], "t", "m" + std::to_string(i)));
    net.run_for(200ms);
  }
  net.run_for(5s);
  for (const auto& id : ids) EXPECT_TRUE(net.deliveries(id).count(lurker));
  EXPECT_GT(net.router(lurker).stats().iwant_sent, 0u);
  EXPECT_TRUE(net.router(lurker).mesh_peers("t").empty());
}

}  // namespace
}  // namespace aipg::sim
