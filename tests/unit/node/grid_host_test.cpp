// node::GridHost on the simulated runtime: what every grid role runs under its core.
#include "node/grid_host.hpp"

#include "sim_host.hpp"

namespace aipg::node::testing {
namespace {

struct SimGridHost {
  SimGridHost(SimLoop& loop, SimNetwork& net, uint8_t n, std::vector<wire::Multiaddr> bootstrap)
      : rng(n), transport(net.add_node()), rt{loop, loop, rng, loop, *transport} {
    GridHostConfig c;
    c.discovery.bootstrap = std::move(bootstrap);
    c.listen = {*wire::Multiaddr::parse("/ip4/" + transport->ip() + "/tcp/4001")};
    grid = std::make_unique<GridHost>(rt, *wire::KeyPair::from_seed(seed_bytes(n)), c);
  }
  SeededRng rng;
  std::unique_ptr<SimTransport> transport;
  runtime::Runtime rt;
  std::unique_ptr<GridHost> grid;
};

class GridHostTest : public SimHostTest {};

TEST_F(GridHostTest, ListenReturnsFullAddressesAndBootstrapDialsThem) {
  SimGridHost a(loop, net, 1, {});
  auto addrs = a.grid->listen();
  ASSERT_TRUE(addrs);
  ASSERT_EQ(addrs->size(), 1u);
  EXPECT_EQ(addrs->front().p2p_multihash(), a.grid->host().peer_id().multihash());
  a.grid->start();

  SimGridHost b(loop, net, 2, *addrs);
  ASSERT_TRUE(b.grid->listen());
  b.grid->start();
  EXPECT_TRUE(run_until([&] { return b.grid->host().is_connected(a.grid->host().peer_id()); }));
}

// The role's score reaches the router as P5, from whenever it is set.
TEST_F(GridHostTest, TheRolesScoreIsTheRoutersP5) {
  SimGridHost a(loop, net, 1, {});
  auto addrs = a.grid->listen();
  ASSERT_TRUE(addrs);
  a.grid->start();
  SimGridHost b(loop, net, 2, *addrs);
  ASSERT_TRUE(b.grid->listen());
  b.grid->start();
  const wire::PeerId pb = b.grid->host().peer_id();
  ASSERT_TRUE(run_until([&] { return a.grid->host().is_connected(pb); }));
  loop.run_for(1s);
  EXPECT_EQ(a.grid->pubsub().score(pb), 0);
  a.grid->set_app_score([&](const wire::PeerId& p) { return p == pb ? -7.0 : 0.0; });
  EXPECT_EQ(a.grid->pubsub().score(pb), -7);
}

}  // namespace
}  // namespace aipg::node::testing
