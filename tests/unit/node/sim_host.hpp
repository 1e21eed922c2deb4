// A host on the simulated runtime, and a fixture with a network of them, for the node tests.
#pragma once

#include <gtest/gtest.h>

#include "io/sim/seeded_rng.hpp"
#include "io/sim/sim_loop.hpp"
#include "io/sim/sim_network.hpp"
#include "node/echo_server.hpp"
#include "node/host.hpp"

namespace aipg::node::testing {

using io::sim::SeededRng;
using io::sim::SimLoop;
using io::sim::SimNetwork;
using io::sim::SimTransport;

constexpr Duration kLatency = 5ms;

inline Bytes seed_bytes(uint8_t n) {
  Bytes s(32, 0);
  s[31] = n;
  return s;
}

struct SimHost {
  SimHost(SimLoop& loop, SimNetwork& net, uint8_t n, HostConfig cfg = {})
      : rng(n),
        transport(net.add_node()),
        rt{loop, loop, rng, loop, *transport},
        host(rt, *wire::KeyPair::from_seed(seed_bytes(n)), cfg),
        echo(loop) {
    host.set_handler(kEchoProtocol,
                     [this](std::unique_ptr<Stream> s) { echo.serve(std::move(s)); });
    auto r = host.listen({*wire::Multiaddr::parse("/ip4/0.0.0.0/tcp/0")});
    EXPECT_TRUE(r);
  }
  wire::Multiaddr addr() const {
    return host.listen_addrs().front().with_p2p(host.peer_id().multihash());
  }
  SeededRng rng;
  std::unique_ptr<SimTransport> transport;
  runtime::Runtime rt;
  Host host;
  EchoServer echo;
};

class SimHostTest : public ::testing::Test {
 protected:
  SimLoop loop;
  SimNetwork net{loop, kLatency};

  bool run_until(const std::function<bool()>& pred, Duration limit = 60s) {
    return loop.run_until(pred, loop.now() + limit);
  }
  Result<wire::PeerId> connect(SimHost& from, const wire::Multiaddr& to) {
    std::optional<Result<wire::PeerId>> got;
    from.host.connect(to, [&](Result<wire::PeerId> r) { got = std::move(r); });
    EXPECT_TRUE(run_until([&] { return got.has_value(); }));
    return got ? std::move(*got) : Result<wire::PeerId>(make_error(Errc::timeout, "no answer"));
  }
};

}  // namespace aipg::node::testing
