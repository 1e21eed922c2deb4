#include "io/asio/tcp_transport.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "io/asio/asio_runtime.hpp"
#include "recording_handler.hpp"
#include "tcp_test_util.hpp"

namespace aipg::io {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using testing::addr;
using DialResult = Result<std::unique_ptr<runtime::ByteStream>>;

// A listener that never accepts, with backlog 0: Linux queues one connection and then drops
// further SYNs, so a later connect() hangs in SYN retransmission — a dial that can only time out,
// without leaving 127.0.0.1.
struct FullBacklog {
  explicit FullBacklog(asio::io_context& ctx) : acceptor(ctx), filler(ctx), filler2(ctx) {
    acceptor.open(tcp::v4());
    acceptor.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    acceptor.listen(0);
    const auto ep = acceptor.local_endpoint();
    filler.connect(ep);                      // completes: takes the one queue slot
    filler2.async_connect(ep, [](auto) {});  // hangs as well, for good measure
    port = ep.port();
  }
  tcp::acceptor acceptor;
  tcp::socket filler, filler2;
  uint16_t port = 0;
};

TEST(TcpTransport, ListenOnPortZeroReturnsTheBoundPort) {
  AsioRuntime rt;
  auto bound = rt.tcp().listen(addr("/ip4/127.0.0.1/tcp/0"), [](auto) {});
  ASSERT_TRUE(bound) << bound.error().to_string();
  ASSERT_TRUE(bound->tcp_port().has_value());
  EXPECT_NE(*bound->tcp_port(), 0);
  EXPECT_EQ(bound->ip(), std::optional<std::string>("127.0.0.1"));
  // The same port twice is refused with the OS's words and the address.
  auto again = rt.tcp().listen(*bound, [](auto) {});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::io);
  EXPECT_NE(again.error().message.find(bound->to_string()), std::string::npos)
      << again.error().message;
}

TEST(TcpTransport, ListenRefusesNames) {
  AsioRuntime rt;
  auto r = rt.tcp().listen(addr("/dns4/localhost/tcp/0"), [](auto) {});
  EXPECT_FALSE(r);
}

TEST(TcpTransport, DialClosedPortIsAnIoError) {
  AsioRuntime rt;
  uint16_t port;
  {
    tcp::acceptor a(rt.context(), tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }
  std::optional<DialResult> result;
  const auto target = addr("/ip4/127.0.0.1/tcp/" + std::to_string(port));
  rt.tcp().dial(target, 5s, [&](DialResult r) { result = std::move(r); });
  EXPECT_FALSE(result);  // never inside dial()
  ASSERT_TRUE(rt.run_until([&] { return result.has_value(); }, 5s));
  ASSERT_FALSE(*result);
  EXPECT_EQ(result->error().code, Errc::io);
  EXPECT_NE(result->error().message.find(target.to_string()), std::string::npos);
}

TEST(TcpTransport, DialTimesOut) {
  AsioRuntime rt;
  FullBacklog full(rt.context());
  std::optional<DialResult> result;
  int calls = 0;
  rt.tcp().dial(addr("/ip4/127.0.0.1/tcp/" + std::to_string(full.port)), 100ms, [&](DialResult r) {
    ++calls;
    result = std::move(r);
  });
  ASSERT_TRUE(rt.run_until([&] { return result.has_value(); }, 5s));
  if (*result) GTEST_SKIP() << "this kernel accepted past a full backlog; timeout not producible";
  EXPECT_EQ(result->error().code, Errc::timeout) << result->error().to_string();
  rt.run_for(30ms);
  EXPECT_EQ(calls, 1);
}

TEST(TcpTransport, DestroyingTheTransportAbandonsDials) {
  asio::io_context ctx;
  FullBacklog full(ctx);
  auto transport = std::make_unique<TcpTransport>(ctx);
  int calls = 0;
  transport->dial(addr("/ip4/127.0.0.1/tcp/" + std::to_string(full.port)), 20ms,
                  [&](DialResult) { ++calls; });
  transport->dial(addr("/ip4/127.0.0.1/udp/1"), 20ms, [&](DialResult) { ++calls; });
  transport.reset();
  ctx.run_for(60ms);
  EXPECT_EQ(calls, 0);
}

TEST(TcpTransport, DialRejectsNonTcpAddresses) {
  AsioRuntime rt;
  std::optional<DialResult> result;
  rt.tcp().dial(addr("/ip4/127.0.0.1/udp/1"), 1s, [&](DialResult r) { result = std::move(r); });
  ASSERT_TRUE(rt.run_until([&] { return result.has_value(); }, 5s));
  ASSERT_FALSE(*result);
  EXPECT_EQ(result->error().code, Errc::unsupported);
}

TEST(TcpTransport, DialsDns4NameAndIgnoresTrailingP2p) {
  AsioRuntime rt;
  int accepted = 0;
  auto bound = rt.tcp().listen(addr("/ip4/127.0.0.1/tcp/0"), [&](auto) { ++accepted; });
  ASSERT_TRUE(bound);
  std::optional<DialResult> result;
  rt.tcp().dial(addr("/dns4/localhost/tcp/" + std::to_string(*bound->tcp_port()) +
                     "/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC"),
                5s, [&](DialResult r) { result = std::move(r); });
  ASSERT_TRUE(rt.run_until([&] { return result.has_value() && accepted == 1; }, 10s));
  ASSERT_TRUE(*result) << result->error().to_string();
  EXPECT_EQ((**result)->remote_addr().to_string(), bound->to_string());
}

TEST(TcpTransport, CloseListenersStopsAccepting) {
  AsioRuntime rt;
  int accepted = 0;
  auto bound = rt.tcp().listen(addr("/ip4/127.0.0.1/tcp/0"), [&](auto) { ++accepted; });
  ASSERT_TRUE(bound);
  rt.tcp().close_listeners();
  std::optional<DialResult> result;
  rt.tcp().dial(*bound, 5s, [&](DialResult r) { result = std::move(r); });
  ASSERT_TRUE(rt.run_until([&] { return result.has_value(); }, 5s));
  EXPECT_FALSE(*result);
  EXPECT_EQ(accepted, 0);
}

TEST(TcpTransport, CloseListenersFromInsideOnAccept) {
  AsioRuntime rt;
  std::unique_ptr<runtime::ByteStream> accepted;
  std::string captured = "kept alive while running";
  auto bound = rt.tcp().listen(addr("/ip4/127.0.0.1/tcp/0"), [&, captured](auto s) {
    rt.tcp().close_listeners();
    accepted = std::move(s);
    EXPECT_EQ(captured, "kept alive while running");  // the callback was not destroyed
  });
  ASSERT_TRUE(bound);
  std::optional<DialResult> result;
  rt.tcp().dial(*bound, 5s, [&](DialResult r) { result = std::move(r); });
  ASSERT_TRUE(rt.run_until([&] { return result.has_value() && accepted; }, 5s));
  EXPECT_TRUE(*result);
}

TEST(TcpTransport, ListensOnIp6LoopbackWhenAvailable) {
  AsioRuntime rt;
  auto bound = rt.tcp().listen(addr("/ip6/::1/tcp/0"), [](auto) {});
  if (!bound) GTEST_SKIP() << "no IPv6 loopback here: " << bound.error().to_string();
  EXPECT_EQ(bound->ip(), std::optional<std::string>("::1"));
  std::optional<DialResult> result;
  rt.tcp().dial(*bound, 5s, [&](DialResult r) { result = std::move(r); });
  ASSERT_TRUE(rt.run_until([&] { return result.has_value(); }, 5s));
  ASSERT_TRUE(*result) << result->error().to_string();
  EXPECT_EQ((**result)->remote_addr().to_string(), bound->to_string());
}

}  // namespace
}  // namespace aipg::io
