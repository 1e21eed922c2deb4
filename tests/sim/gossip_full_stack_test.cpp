// The full stack in the simulator: hosts with real noise + yamux + multistream over simulated
// byte pipes, GossipsubService framing real RPC bytes, Discovery redialling. Checks what the
// router-level scenarios cannot: streams, framing, reconnection after a partition, crashes.
#include <gtest/gtest.h>

#include <map>

#include "io/sim/seeded_rng.hpp"
#include "io/sim/sim_loop.hpp"
#include "io/sim/sim_network.hpp"
#include "node/discovery.hpp"
#include "node/gossipsub_service.hpp"
#include "node/host.hpp"

namespace aipg::sim {
namespace {

using io::sim::SeededRng;
using io::sim::SimLoop;
using io::sim::SimNetwork;
using io::sim::SimTransport;

wire::KeyPair key_of(size_t n) {
  Bytes seed(32, 0x33);
  put_be64(seed.data(), n);
  return *wire::KeyPair::from_seed(seed);
}

struct FullNode {
  FullNode(SimLoop& loop, SimNetwork& net, size_t n)
      : rng(1000 + n),
        transport(net.add_node()),
        rt{loop, loop, rng, loop, *transport},
        host(rt, key_of(n), node::HostConfig{}),
        ps(host, gossipsub::GossipsubConfig{}) {
    EXPECT_TRUE(host.listen({*wire::Multiaddr::parse("/ip4/0.0.0.0/tcp/0")}));
    ps.set_on_message([this](const gossipsub::Delivery& d) {
      got[std::string(d.message->data->begin(), d.message->data->end())]++;
    });
  }
  wire::Multiaddr addr() const {
    return host.listen_addrs().front().with_p2p(host.peer_id().multihash());
  }
  void start(std::vector<wire::Multiaddr> bootstrap) {
    node::DiscoveryConfig cfg;
    cfg.bootstrap = std::move(bootstrap);
    cfg.backoff_initial = 500ms;
    cfg.backoff_max = 2s;
    discovery = std::make_unique<node::Discovery>(host, cfg);
    discovery->start();
    ps.start();
  }

  SeededRng rng;
  std::unique_ptr<SimTransport> transport;
  runtime::Runtime rt;
  node::Host host;
  node::GossipsubService ps;
  std::unique_ptr<node::Discovery> discovery;
  std::map<std::string, int> got;
};

class FullStack : public ::testing::Test {
 protected:
  void build(size_t n) {
    for (size_t i = 0; i < n; ++i) nodes.push_back(std::make_unique<FullNode>(loop, net, i));
    // Each node keeps up to three earlier nodes as bootstrap peers: a connected graph.
    for (size_t i = 0; i < n; ++i) {
      std::vector<wire::Multiaddr> boot;
      for (size_t k = 1; k <= 3 && k <= i; ++k) boot.push_back(nodes[i - k]->addr());
      if (i == 0 && n > 1) boot.push_back(nodes[n - 1]->addr());
      nodes[i]->start(boot);
    }
    for (auto& nd : nodes) nd->ps.subscribe("jobs");
    loop.run_for(5s);
  }
  // Every live node but `except` delivered `text` exactly once.
  bool everyone_got(const std::string& text, const std::set<size_t>& except = {}) {
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (!nodes[i] || except.count(i)) continue;
      auto it = nodes[i]->got.find(text);
      if (it == nodes[i]->got.end() || it->second != 1) return false;
    }
    return true;
  }
  bool wait_all(const std::string& text, const std::set<size_t>& except = {}) {
    return loop.run_until([&] { return everyone_got(text, except); }, loop.now() + 10s);
  }

  SimLoop loop;
  SimNetwork net{loop, 10ms, 3};
  std::vector<std::unique_ptr<FullNode>> nodes;
};

TEST_F(FullStack, MessagesReachEveryNodeOnceOverRealStreams) {
  build(30);
  for (size_t i = 0; i < 30; i += 7) {
    const std::string text = "from " + std::to_string(i);
    ASSERT_TRUE(nodes[i]->ps.publish("jobs", to_bytes(text)));
    ASSERT_TRUE(wait_all(text, {i})) << text;
  }
  for (auto& nd : nodes) {
    EXPECT_EQ(nd->ps.stats().malformed_frames, 0u);
    EXPECT_GE(nd->ps.router().mesh_peers("jobs").size(), 1u);
  }
}

TEST_F(FullStack, PartitionHealsAndACrashedRelayIsRoutedAround) {
  build(20);
  std::set<std::string> side;
  std::set<size_t> left, right;
  for (size_t i = 0; i < 20; ++i) (i < 10 ? left : right).insert(i);
  for (size_t i : left) side.insert(nodes[i]->transport->ip());
  net.partition(side);
  loop.run_for(3s);
  ASSERT_TRUE(nodes[0]->ps.publish("jobs", to_bytes("left only")));
  std::set<size_t> not_expected = right;
  not_expected.insert(0);  // the publisher
  ASSERT_TRUE(wait_all("left only", not_expected));
  loop.run_for(2s);
  for (size_t i : right) EXPECT_EQ(nodes[i]->got.count("left only"), 0u);

  net.heal();
  // Discovery redials the bootstrap peers across the old cut; meshes re-form.
  loop.run_for(10s);
  ASSERT_TRUE(nodes[15]->ps.publish("jobs", to_bytes("after heal")));
  EXPECT_TRUE(wait_all("after heal", {15}));

  nodes[5]->transport->crash();
  nodes[5].reset();
  loop.run_for(3s);
  ASSERT_TRUE(nodes[3]->ps.publish("jobs", to_bytes("after crash")));
  EXPECT_TRUE(wait_all("after crash", {3}));
}

}  // namespace
}  // namespace aipg::sim
