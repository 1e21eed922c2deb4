// Bad input at the connection level never crashes a host: a raw peer on the simulated network
// sends what no libp2p implementation would, and the host closes that connection, answers what
// the protocol says, and keeps serving well-behaved peers.
#include <gtest/gtest.h>

#include "node/ping_service.hpp"
#include "protocol/multistream/negotiator.hpp"
#include "sim_host.hpp"
#include "wire/varint.hpp"

namespace aipg::node {
namespace {

using namespace aipg::node::testing;

// A dialer that speaks raw bytes and records what comes back.
class RawPeer : public runtime::ByteStream::Handler {
 public:
  RawPeer(SimLoop& loop, SimNetwork& net) : loop_(loop), transport_(net.add_node()) {}
  void dial(const wire::Multiaddr& to) {
    transport_->dial(to, 10s, [this](Result<std::unique_ptr<runtime::ByteStream>> r) {
      ASSERT_TRUE(r);
      io_ = std::move(*r);
      io_->start(this);
    });
    loop_.run_until([&] { return io_ != nullptr; }, loop_.now() + 1s);
  }
  void send(BytesView b) { io_->write(Bytes(b.begin(), b.end())); }
  void on_data(BytesView d) override { append(received, d); }
  void on_closed(Status s) override { closed = std::move(s); }

  Bytes received;
  std::optional<Status> closed;

 private:
  SimLoop& loop_;
  std::unique_ptr<SimTransport> transport_;
  std::unique_ptr<runtime::ByteStream> io_;
};

Bytes mss(std::initializer_list<std::string_view> msgs) {
  Bytes b;
  for (auto m : msgs) multistream::put_message(b, m);
  return b;
}

class HostilePeerTest : public SimHostTest {
 protected:
  // The host still serves an honest peer afterwards.
  void expect_host_still_serves(SimHost& a) {
    SimHost honest(loop, net, 9);
    ASSERT_TRUE(connect(honest, a.addr()));
    std::optional<Result<Duration>> rtt;
    honest.host.ping().ping(a.host.peer_id(), [&](Result<Duration> r) { rtt = std::move(r); });
    ASSERT_TRUE(run_until([&] { return rtt.has_value(); }));
    EXPECT_TRUE(*rtt);
  }
};

TEST_F(HostilePeerTest, GarbageInsteadOfMultistreamClosesTheConnection) {
  SimHost a(loop, net, 1);
  RawPeer raw(loop, net);
  raw.dial(a.addr());
  raw.send(as_bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(run_until([&] { return raw.closed.has_value(); }, 30s));
  ASSERT_TRUE(run_until([&] { return a.host.stats().upgrades_failed == 1; }, 1s));
  expect_host_still_serves(a);
}

TEST_F(HostilePeerTest, OversizedMultistreamMessageClosesTheConnection) {
  SimHost a(loop, net, 1);
  RawPeer raw(loop, net);
  raw.dial(a.addr());
  Bytes big;
  wire::put_uvarint(big, 1 << 20);  // announces 1 MiB, far over the 1 KiB limit
  raw.send(mss({multistream::kHeader}));
  raw.send(big);
  // Refused at once, not at the upgrade timeout.
  ASSERT_TRUE(run_until([&] { return raw.closed.has_value(); }, 1s));
  EXPECT_EQ(a.host.stats().upgrades_failed, 1u);
  expect_host_still_serves(a);
}

TEST_F(HostilePeerTest, UnknownSecurityProtocolIsRefusedWithNa) {
  SimHost a(loop, net, 1);
  RawPeer raw(loop, net);
  raw.dial(a.addr());
  raw.send(mss({multistream::kHeader, "/tls/1.0.0"}));
  const Bytes want = mss({multistream::kHeader, multistream::kNotAvailable});
  ASSERT_TRUE(run_until([&] { return raw.received.size() >= want.size(); }, 5s));
  EXPECT_EQ(raw.received, want);
  // Nobody finishes an upgrade by proposing nothing: the upgrade timeout closes it.
  ASSERT_TRUE(run_until([&] { return raw.closed.has_value(); }, 30s));
  expect_host_still_serves(a);
}

TEST_F(HostilePeerTest, ShortNoiseMessageClosesTheConnection) {
  SimHost a(loop, net, 1);
  RawPeer raw(loop, net);
  raw.dial(a.addr());
  raw.send(mss({multistream::kHeader, "/noise"}));
  raw.send(Bytes{0x00, 0x05, 1, 2, 3, 4, 5});  // message 1 must carry a 32-byte key
  ASSERT_TRUE(run_until([&] { return raw.closed.has_value(); }, 1s));
  EXPECT_EQ(a.host.stats().upgrades_failed, 1u);
  expect_host_still_serves(a);
}

TEST_F(HostilePeerTest, SilentPeerIsDroppedAtTheUpgradeTimeout) {
  SimHost a(loop, net, 1);
  RawPeer raw(loop, net);
  raw.dial(a.addr());
  loop.run_for(5s);
  EXPECT_FALSE(raw.closed.has_value());
  ASSERT_TRUE(run_until([&] { return raw.closed.has_value(); }, 30s));
  EXPECT_EQ(a.host.connection_count(), 0u);
}

}  // namespace
}  // namespace aipg::node
