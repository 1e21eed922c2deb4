// The host over the simulated runtime: real multistream, Noise and yamux over in-memory pipes
// with a fixed latency, on a virtual clock. Deterministic: exact round-trip times can be asserted.
#include "node/host.hpp"

#include <gtest/gtest.h>

#include "node/identify_service.hpp"
#include "node/ping_service.hpp"
#include "sim_host.hpp"
#include "wire/peer_record.hpp"

namespace aipg::node {
namespace {

using namespace aipg::node::testing;
using HostTest = SimHostTest;

struct Recorder : HostObserver {
  std::vector<wire::PeerId> connected, identified, disconnected;
  void on_peer_connected(const wire::PeerId& p, Connection&) override { connected.push_back(p); }
  void on_peer_identified(const wire::PeerId& p, const PeerInfo&) override {
    identified.push_back(p);
  }
  void on_peer_disconnected(const wire::PeerId& p) override { disconnected.push_back(p); }
};

TEST_F(HostTest, ConnectsAndIdentifiesBothWays) {
  SimHost a(loop, net, 1), b(loop, net, 2);
  Recorder ra, rb;
  a.host.add_observer(&ra);
  b.host.add_observer(&rb);
  auto r = connect(b, a.addr());
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(*r, a.host.peer_id());
  ASSERT_TRUE(run_until([&] { return ra.identified.size() == 1 && rb.identified.size() == 1; }));
  EXPECT_EQ(ra.identified[0], b.host.peer_id());
  EXPECT_EQ(rb.identified[0], a.host.peer_id());
  const PeerInfo* info = b.host.peer_store().find(a.host.peer_id());
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->agent_version, "aipg/0.1.0");
  EXPECT_EQ(info->protocol_version, "ipfs/0.1.0");
  for (const char* p : {"/ipfs/id/1.0.0", "/ipfs/ping/1.0.0", kEchoProtocol}) {
    EXPECT_TRUE(b.host.peer_store().supports(a.host.peer_id(), p)) << p;
  }
  ASSERT_TRUE(info->observed_addr.has_value());
  EXPECT_EQ(info->observed_addr->ip(), b.transport->ip());
  EXPECT_EQ(info->public_key, a.host.identity().public_key());
  // Its signed peer record came along, opened and checked: the addresses it vouches for.
  ASSERT_TRUE(info->record_seq.has_value());
  EXPECT_EQ(info->certified_addrs, a.host.listen_addrs());
  EXPECT_FALSE(info->certified_addrs.empty());
  // Kept as it came, to hand on in gossipsub PX: it opens, and it is a's.
  auto kept = wire::open_peer_record(info->signed_record);
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_EQ(kept->peer_id, a.host.peer_id());
}

TEST_F(HostTest, WrongExpectedPeerIdFailsTheHandshake) {
  SimHost a(loop, net, 1), b(loop, net, 2), c(loop, net, 3);
  // a's address, but c's peer id.
  auto lie = a.host.listen_addrs().front().with_p2p(c.host.peer_id().multihash());
  auto r = connect(b, lie);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::auth_failed) << r.error().to_string();
  EXPECT_FALSE(b.host.is_connected(a.host.peer_id()));
}

TEST_F(HostTest, PingRoundTripIsTwoLatencies) {
  SimHost a(loop, net, 1), b(loop, net, 2);
  ASSERT_TRUE(connect(b, a.addr()));
  std::optional<Result<Duration>> rtt;
  b.host.ping().ping(a.host.peer_id(), [&](Result<Duration> r) { rtt = std::move(r); });
  ASSERT_TRUE(run_until([&] { return rtt.has_value(); }));
  ASSERT_TRUE(*rtt) << rtt->error().to_string();
  EXPECT_EQ(**rtt, 2 * kLatency);
}

TEST_F(HostTest, UnknownProtocolIsRefused) {
  SimHost a(loop, net, 1), b(loop, net, 2);
  ASSERT_TRUE(connect(b, a.addr()));
  std::optional<Result<std::unique_ptr<Stream>>> got;
  b.host.new_stream(a.host.peer_id(), {"/nope/1.0.0", "/nope/2.0.0"},
                    [&](Result<std::unique_ptr<Stream>> r) { got = std::move(r); });
  ASSERT_TRUE(run_until([&] { return got.has_value(); }));
  ASSERT_FALSE(*got);
  EXPECT_EQ(got->error().code, Errc::unsupported) << got->error().to_string();
  // The connection survives a refused protocol.
  EXPECT_TRUE(b.host.is_connected(a.host.peer_id()));
}

Bytes pattern(size_t n, uint32_t seed) {
  Bytes b(n);
  uint32_t x = seed * 2654435761u + 1;
  for (auto& v : b) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    v = uint8_t(x);
  }
  return b;
}

TEST_F(HostTest, HundredStreamsEachEchoOneMebibyte) {
  SimHost a(loop, net, 1), b(loop, net, 2);
  ASSERT_TRUE(connect(b, a.addr()));
  constexpr int kStreams = 100;
  constexpr size_t kBytes = 1 << 20;
  std::vector<std::unique_ptr<Stream>> streams(kStreams);
  std::vector<Bytes> received(kStreams);
  int closed_ok = 0, failures = 0;
  for (int i = 0; i < kStreams; ++i) {
    b.host.new_stream(a.host.peer_id(), {kEchoProtocol}, [&, i](Result<std::unique_ptr<Stream>> r) {
      if (!r) {
        ++failures;
        return;
      }
      streams[i] = std::move(*r);
      Stream* s = streams[i].get();
      s->set_on_closed([&](Status st) { st ? ++closed_ok : ++failures; });
      s->set_on_data([&, i](BytesView d) { append(received[i], d); });
      s->write(pattern(kBytes, i));
      s->close_write();
    });
  }
  ASSERT_TRUE(run_until([&] { return closed_ok + failures == kStreams; }, 600s));
  EXPECT_EQ(failures, 0);
  for (int i = 0; i < kStreams; ++i) {
    ASSERT_EQ(received[i].size(), kBytes) << "stream " << i;
    EXPECT_TRUE(received[i] == pattern(kBytes, i)) << "stream " << i;
  }
}

TEST_F(HostTest, ResetReachesTheOtherSide) {
  SimHost a(loop, net, 1), b(loop, net, 2);
  ASSERT_TRUE(connect(b, a.addr()));
  std::unique_ptr<Stream> server_side;
  a.host.set_handler("/hold/1.0.0", [&](std::unique_ptr<Stream> s) { server_side = std::move(s); });
  std::unique_ptr<Stream> client;
  b.host.new_stream(a.host.peer_id(), {"/hold/1.0.0"},
                    [&](Result<std::unique_ptr<Stream>> r) { client = std::move(*r); });
  ASSERT_TRUE(run_until([&] { return client != nullptr; }));
  std::optional<Status> closed;
  client->set_on_closed([&](Status s) { closed = std::move(s); });
  client->set_on_data([](BytesView) {});
  client->write(as_bytes("hi"));
  ASSERT_TRUE(run_until([&] { return server_side != nullptr; }));
  server_side->reset();
  ASSERT_TRUE(run_until([&] { return closed.has_value(); }));
  EXPECT_FALSE(*closed);
}

TEST_F(HostTest, CloseDisconnectsPeers) {
  SimHost a(loop, net, 1), b(loop, net, 2);
  Recorder rb;
  b.host.add_observer(&rb);
  ASSERT_TRUE(connect(b, a.addr()));
  a.host.close();
  ASSERT_TRUE(run_until([&] { return rb.disconnected.size() == 1; }));
  EXPECT_FALSE(b.host.is_connected(a.host.peer_id()));
  // a no longer listens.
  auto r = connect(b, a.addr());
  EXPECT_FALSE(r);
}

TEST_F(HostTest, IdleConnectionsAreClosed) {
  HostConfig cfg;
  cfg.idle_timeout = 30s;
  SimHost a(loop, net, 1, cfg), b(loop, net, 2, cfg);
  ASSERT_TRUE(connect(b, a.addr()));
  loop.run_for(5s);
  EXPECT_TRUE(b.host.is_connected(a.host.peer_id()));
  ASSERT_TRUE(run_until([&] { return !b.host.is_connected(a.host.peer_id()); }, 120s));
}

TEST_F(HostTest, InboundOverTheLimitIsDropped) {
  HostConfig one;
  one.max_connections = 1;
  SimHost a(loop, net, 1, one), b(loop, net, 2), c(loop, net, 3);
  ASSERT_TRUE(connect(b, a.addr()));
  auto r = connect(c, a.addr());
  EXPECT_FALSE(r);
  EXPECT_EQ(a.host.connection_count(), 1u);
}

TEST_F(HostTest, SameSeedSameTrace) {
  auto run = [](uint64_t* events) {
    SimLoop loop;
    SimNetwork net{loop, kLatency};
    SimHost a(loop, net, 1), b(loop, net, 2);
    std::optional<Result<Duration>> rtt;
    b.host.connect(a.addr(), [&](Result<wire::PeerId>) {
      b.host.ping().ping(a.host.peer_id(), [&](Result<Duration> r) { rtt = std::move(r); });
    });
    loop.run_until([&] { return rtt.has_value(); }, loop.now() + 10s);
    *events = loop.events_run();
    return loop.now();
  };
  uint64_t e1, e2;
  Instant t1 = run(&e1), t2 = run(&e2);
  EXPECT_EQ(t1, t2);
  EXPECT_EQ(e1, e2);
}

}  // namespace
}  // namespace aipg::node

namespace aipg::node {
namespace {

using namespace aipg::node::testing;

TEST_F(SimHostTest, PartitionDisconnectsAndHealedNetworkReconnects) {
  SimHost a(loop, net, 1), b(loop, net, 2);
  Recorder ra, rb;
  a.host.add_observer(&ra);
  b.host.add_observer(&rb);
  ASSERT_TRUE(connect(b, a.addr()));
  net.partition({a.transport->ip()});
  ASSERT_TRUE(
      run_until([&] { return ra.disconnected.size() == 1 && rb.disconnected.size() == 1; }));
  EXPECT_FALSE(connect(b, a.addr()));  // the dial times out inside the partition
  net.heal();
  ASSERT_TRUE(connect(b, a.addr()));
  std::optional<Result<Duration>> rtt;
  b.host.ping().ping(a.host.peer_id(), [&](Result<Duration> r) { rtt = std::move(r); });
  ASSERT_TRUE(run_until([&] { return rtt.has_value(); }));
  EXPECT_TRUE(*rtt);
}

TEST_F(SimHostTest, CrashedPeerIsSeenAsDisconnected) {
  SimHost b(loop, net, 2);
  Recorder rb;
  b.host.add_observer(&rb);
  auto a = std::make_unique<SimHost>(loop, net, 1);
  ASSERT_TRUE(connect(b, a->addr()));
  a->transport->crash();
  ASSERT_TRUE(run_until([&] { return rb.disconnected.size() == 1; }));
  a.reset();  // the crashed node's objects go away without a word on the wire
  loop.run_for(1s);
  EXPECT_EQ(b.host.connection_count(), 0u);
}

}  // namespace
}  // namespace aipg::node
