// Discovery over the simulated network: bootstrap redial with backoff, recovery after losing
// every peer, filling up to the target from known peers, trimming above the high water mark.
#include "node/discovery.hpp"

#include <gtest/gtest.h>

#include "sim_host.hpp"

namespace aipg::node {
namespace {

using namespace aipg::node::testing;

class DiscoveryTest : public SimHostTest {};

TEST_F(DiscoveryTest, BootstrapUnreachableAtFirstIsRedialledUntilConnected) {
  SimHost boot(loop, net, 1), a(loop, net, 2);
  net.partition({a.transport->ip()});
  DiscoveryConfig cfg;
  cfg.bootstrap = {boot.addr()};
  Discovery d(a.host, cfg);
  d.start();
  loop.run_for(30s);
  EXPECT_FALSE(a.host.is_connected(boot.host.peer_id()));
  EXPECT_GE(d.stats().dial_failures, 2u);  // it kept trying, with backoff
  net.heal();
  ASSERT_TRUE(run_until([&] { return a.host.is_connected(boot.host.peer_id()); }, 120s));
}

TEST_F(DiscoveryTest, NodeThatLosesAllPeersReconnectsByItself) {
  SimHost boot(loop, net, 1), a(loop, net, 2);
  DiscoveryConfig cfg;
  cfg.bootstrap = {boot.addr()};
  Discovery d(a.host, cfg);
  d.start();
  ASSERT_TRUE(run_until([&] { return a.host.is_connected(boot.host.peer_id()); }));
  net.partition({boot.transport->ip()});
  ASSERT_TRUE(run_until([&] { return a.host.connected_peers().empty(); }));
  loop.run_for(20s);
  net.heal();
  ASSERT_TRUE(run_until([&] { return a.host.is_connected(boot.host.peer_id()); }, 120s));
}

TEST_F(DiscoveryTest, DialsKnownPeersUpToTheTarget) {
  SimHost boot(loop, net, 1), a(loop, net, 2), c(loop, net, 3), e(loop, net, 4), f(loop, net, 5);
  for (SimHost* h : {&c, &e, &f}) {
    a.host.peer_store().add_addr(h->host.peer_id(), h->host.listen_addrs().front(), loop.now());
  }
  DiscoveryConfig cfg;
  cfg.bootstrap = {boot.addr()};
  cfg.target = 3;
  cfg.high_water = 10;
  Discovery d(a.host, cfg);
  d.start();
  ASSERT_TRUE(run_until([&] { return a.host.connected_peers().size() >= 3; }));
  loop.run_for(30s);
  // Bootstrap plus two others: it stops at the target.
  EXPECT_EQ(a.host.connected_peers().size(), 3u);
  EXPECT_TRUE(a.host.is_connected(boot.host.peer_id()));
}

TEST_F(DiscoveryTest, TrimsAboveHighWaterKeepingBootstrapAndProtectedPeers) {
  SimHost a(loop, net, 1), boot(loop, net, 2);
  std::vector<std::unique_ptr<SimHost>> others;
  for (uint8_t i = 3; i < 9; ++i) others.push_back(std::make_unique<SimHost>(loop, net, i));
  DiscoveryConfig cfg;
  cfg.bootstrap = {boot.addr()};
  cfg.target = 3;
  cfg.high_water = 4;
  Discovery d(a.host, cfg);
  const wire::PeerId keep = others[0]->host.peer_id();
  d.set_protect([&](const wire::PeerId& p) { return p == keep; });
  d.start();
  for (auto& o : others) ASSERT_TRUE(connect(*o, a.addr()));
  ASSERT_TRUE(run_until([&] { return a.host.connected_peers().size() <= 3; }, 60s));
  EXPECT_TRUE(a.host.is_connected(boot.host.peer_id()));
  EXPECT_TRUE(a.host.is_connected(keep));
  EXPECT_GE(d.stats().trimmed, 4u);
}

TEST(DiscoveryConfig, RefusesNonsense) {
  DiscoveryConfig c;
  c.bootstrap = {*wire::Multiaddr::parse("/ip4/127.0.0.1/tcp/4001")};
  auto s = c.validate();
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("/p2p/"), std::string::npos);
  DiscoveryConfig d;
  d.high_water = 2;
  d.target = 5;
  EXPECT_FALSE(d.validate());
  EXPECT_TRUE(DiscoveryConfig{}.validate());
}

}  // namespace
}  // namespace aipg::node
