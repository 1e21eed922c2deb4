// The simulated network's promises: in-order delivery after latency, jitter and bandwidth;
// partitions, dropped links and crashes as faults the node above can observe.
#include "io/sim/sim_network.hpp"

#include <gtest/gtest.h>

namespace aipg::io::sim {
namespace {

struct Recorder : runtime::ByteStream::Handler {
  Bytes data;
  std::vector<Instant> arrivals;
  std::optional<Status> closed;
  SimLoop* loop = nullptr;
  void on_data(BytesView d) override {
    append(data, d);
    arrivals.push_back(loop->now());
  }
  void on_closed(Status s) override { closed = std::move(s); }
};

struct Pair {
  std::unique_ptr<runtime::ByteStream> client, server;
  Recorder at_client, at_server;
};

class SimNetworkTest : public ::testing::Test {
 protected:
  SimLoop loop;
  SimNetwork net{loop, 10ms, /*seed=*/42};
  std::unique_ptr<SimTransport> a = net.add_node(), b = net.add_node();

  Pair connect() {
    Pair p;
    p.at_client.loop = p.at_server.loop = &loop;
    auto addr = b->listen(*wire::Multiaddr::parse("/ip4/0.0.0.0/tcp/0"),
                          [&](std::unique_ptr<runtime::ByteStream> s) {
                            p.server = std::move(s);
                            p.server->start(&p.at_server);
                          });
    EXPECT_TRUE(addr);
    a->dial(*addr, 1s, [&](Result<std::unique_ptr<runtime::ByteStream>> r) {
      ASSERT_TRUE(r);
      p.client = std::move(*r);
      p.client->start(&p.at_client);
    });
    loop.run_until([&] { return p.client && p.server; }, loop.now() + 1s);
    b->close_listeners();
    return p;
  }
};

TEST_F(SimNetworkTest, DialTakesTwoLatenciesAndDataOne) {
  const Instant t0 = loop.now();
  Pair p = connect();
  EXPECT_EQ(loop.now(), t0 + 20ms);
  p.client->write(to_bytes("hello"));
  loop.run_for(100ms);
  EXPECT_EQ(as_chars(p.at_server.data), "hello");
  EXPECT_EQ(p.at_server.arrivals.front(), t0 + 30ms);
}

TEST_F(SimNetworkTest, JitterNeverReorders) {
  net.set_default_link({10ms, 50ms, 0});
  Pair p = connect();
  Bytes sent;
  for (int i = 0; i < 200; ++i) {
    Bytes chunk(7, uint8_t(i));
    append(sent, chunk);
    p.client->write(chunk);
    loop.run_for(1ms);
  }
  loop.run_for(1s);
  EXPECT_EQ(p.at_server.data, sent);
  EXPECT_TRUE(std::is_sorted(p.at_server.arrivals.begin(), p.at_server.arrivals.end()));
}

TEST_F(SimNetworkTest, BandwidthSerializesWrites) {
  net.set_default_link({10ms, {}, 1e6});  // 1 MB/s
  Pair p = connect();
  const Instant t0 = loop.now();
  p.client->write(Bytes(500000, 1));
  p.client->write(Bytes(500000, 2));
  loop.run_for(5s);
  ASSERT_EQ(p.at_server.arrivals.size(), 2u);
  EXPECT_EQ(p.at_server.arrivals[0], t0 + 500ms + 10ms);
  EXPECT_EQ(p.at_server.arrivals[1], t0 + 1000ms + 10ms);
}

TEST_F(SimNetworkTest, PartitionResetsBothEndsAndBlocksDialsUntilHealed) {
  Pair p = connect();
  net.partition({a->ip()});
  loop.run_for(1ms);
  ASSERT_TRUE(p.at_client.closed && p.at_server.closed);
  EXPECT_FALSE(*p.at_client.closed);
  EXPECT_FALSE(*p.at_server.closed);
  auto addr = b->listen(*wire::Multiaddr::parse("/ip4/0.0.0.0/tcp/0"),
                        [](std::unique_ptr<runtime::ByteStream>) {});
  std::optional<Status> dialled;
  a->dial(*addr, 3s, [&](Result<std::unique_ptr<runtime::ByteStream>> r) {
    dialled = r ? ok() : Status(r.error());
  });
  loop.run_for(5s);
  ASSERT_TRUE(dialled);
  EXPECT_EQ(dialled->error().code, Errc::timeout);
  net.heal();
  dialled.reset();
  a->dial(*addr, 3s, [&](Result<std::unique_ptr<runtime::ByteStream>> r) {
    dialled = r ? ok() : Status(r.error());
  });
  loop.run_for(1s);
  ASSERT_TRUE(dialled);
  EXPECT_TRUE(*dialled);
}

TEST_F(SimNetworkTest, DroppedLinkResetsItsConnections) {
  Pair p = connect();
  net.drop_link(a->ip(), b->ip());
  loop.run_for(1ms);
  ASSERT_TRUE(p.at_client.closed && p.at_server.closed);
  EXPECT_FALSE(*p.at_server.closed);
  EXPECT_EQ(net.live_streams(), 2u);  // the objects live on until their owners drop them
}

TEST_F(SimNetworkTest, CrashedNodeGoesSilentAndItsPeerSeesAReset) {
  Pair p = connect();
  a->crash();
  p.server->write(to_bytes("anyone there?"));
  loop.run_for(1s);
  ASSERT_TRUE(p.at_server.closed);
  EXPECT_FALSE(*p.at_server.closed);
  EXPECT_FALSE(p.at_client.closed.has_value());
  EXPECT_TRUE(p.at_client.data.empty());
}

TEST_F(SimNetworkTest, CleanCloseDeliversDataThenEof) {
  Pair p = connect();
  p.client->write(to_bytes("bye"));
  p.client->close();
  loop.run_for(1s);
  EXPECT_EQ(as_chars(p.at_server.data), "bye");
  ASSERT_TRUE(p.at_server.closed);
  EXPECT_TRUE(*p.at_server.closed);
}

TEST(SimNetworkDeterminism, SameSeedSameArrivals) {
  auto run = [](uint64_t seed) {
    SimLoop loop;
    SimNetwork net(loop, 5ms, seed);
    net.set_default_link({5ms, 20ms, 0});
    auto a = net.add_node(), b = net.add_node();
    std::unique_ptr<runtime::ByteStream> server, client;
    Recorder rec;
    rec.loop = &loop;
    auto addr = b->listen(*wire::Multiaddr::parse("/ip4/0.0.0.0/tcp/0"),
                          [&](std::unique_ptr<runtime::ByteStream> s) {
                            server = std::move(s);
                            server->start(&rec);
                          });
    a->dial(*addr, 1s, [&](Result<std::unique_ptr<runtime::ByteStream>> r) {
      client = std::move(*r);
      for (int i = 0; i < 50; ++i) client->write(Bytes(3, uint8_t(i)));
    });
    loop.run_for(2s);
    return rec.arrivals;
  };
  EXPECT_EQ(run(1), run(1));
  EXPECT_NE(run(1), run(2));
}

}  // namespace
}  // namespace aipg::io::sim
