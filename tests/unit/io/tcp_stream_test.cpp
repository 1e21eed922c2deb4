#include "io/asio/tcp_stream.hpp"

#include <gtest/gtest.h>

#include "io/asio/asio_runtime.hpp"
#include "recording_handler.hpp"
#include "tcp_test_util.hpp"

namespace aipg::io {
namespace {

using testing::connect_pair;
using testing::pattern;
using testing::RecordingHandler;

constexpr size_t kEchoSize = 8 * 1024 * 1024;

TEST(TcpStream, Echo8MiBBothWaysIntact) {
  AsioRuntime rt;
  auto p = connect_pair(rt);
  ASSERT_TRUE(p.client && p.server);
  EXPECT_EQ(p.client->remote_addr().to_string(), p.listen_addr->to_string());
  EXPECT_EQ(p.server->remote_addr().to_string(), p.client->local_addr().to_string());
  EXPECT_EQ(p.server->local_addr().to_string(), p.client->remote_addr().to_string());

  RecordingHandler echo, client;
  echo.on_data_hook = [&](BytesView d) { p.server->write(Bytes(d.begin(), d.end())); };
  p.server->start(&echo);
  p.client->start(&client);

  const Bytes sent = pattern(kEchoSize, 1);
  for (size_t off = 0; off < sent.size(); off += 100'000) {
    const size_t n = std::min<size_t>(100'000, sent.size() - off);
    p.client->write(Bytes(sent.begin() + off, sent.begin() + off + n));
  }
  EXPECT_EQ(p.client->pending_write_bytes(), kEchoSize);
  ASSERT_TRUE(rt.run_until([&] { return client.data.size() >= kEchoSize; }, 30s))
      << client.data.size();
  EXPECT_TRUE(client.data == sent);
  EXPECT_EQ(echo.data.size(), kEchoSize);
  EXPECT_GE(client.drained, 1u);
  EXPECT_EQ(p.client->pending_write_bytes(), 0u);
  EXPECT_FALSE(client.closed);
  EXPECT_FALSE(echo.closed);
}

TEST(TcpStream, CleanCloseGivesOkOnBothSides) {
  AsioRuntime rt;
  auto p = connect_pair(rt);
  RecordingHandler server, client;
  p.server->start(&server);
  p.client->start(&client);
  p.client->close();
  EXPECT_FALSE(client.closed);  // never inside the call
  ASSERT_TRUE(rt.run_until([&] { return server.closed && client.closed; }, 5s));
  EXPECT_TRUE(*server.closed) << server.closed->error().to_string();
  EXPECT_TRUE(*client.closed) << client.closed->error().to_string();
  rt.run_for(20ms);
  EXPECT_EQ(server.closed_calls, 1u);
  EXPECT_EQ(client.closed_calls, 1u);
}

TEST(TcpStream, CloseFlushesQueuedWritesFirst) {
  AsioRuntime rt;
  auto p = connect_pair(rt);
  RecordingHandler server, client;
  p.server->start(&server);
  p.client->start(&client);
  const Bytes sent = pattern(3 * 1024 * 1024, 2);
  p.server->write(sent);
  p.server->close();
  p.server->write(to_bytes("ignored after close"));
  ASSERT_TRUE(rt.run_until([&] { return server.closed && client.closed; }, 10s));
  EXPECT_TRUE(client.data == sent) << client.data.size();
  EXPECT_TRUE(*client.closed);
  EXPECT_TRUE(*server.closed);
  EXPECT_EQ(server.drained, 0u);
}

TEST(TcpStream, PeerEofStillFlushesOurQueue) {
  AsioRuntime rt;
  auto p = connect_pair(rt);
  RecordingHandler server, client;
  const Bytes reply = pattern(2 * 1024 * 1024, 3);
  // The server answers the request and the client's EOF arrives while the answer is queued.
  server.on_data_hook = [&](BytesView) {
    if (server.data.size() == 5) p.server->write(reply);
  };
  p.server->start(&server);
  p.client->start(&client);
  p.client->write(to_bytes("hello"));
  ASSERT_TRUE(rt.run_until([&] { return server.data.size() == 5; }, 5s));
  p.client->close();
  ASSERT_TRUE(rt.run_until([&] { return server.closed && client.closed; }, 10s));
  EXPECT_TRUE(*server.closed);
  EXPECT_TRUE(*client.closed);
  // The client's close() discards what arrives after it, so only the server's side is checked:
  // its queue went out (on_closed(ok), no write error) before it closed.
}

TEST(TcpStream, AbortReportsClosedOnceAndPeerSeesTheEnd) {
  AsioRuntime rt;
  auto p = connect_pair(rt);
  RecordingHandler server, client;
  p.server->start(&server);
  p.client->start(&client);
  p.client->write(pattern(1024 * 1024, 4));
  p.client->abort();
  p.client->abort();
  EXPECT_EQ(p.client->pending_write_bytes(), 0u);
  ASSERT_TRUE(rt.run_until([&] { return server.closed && client.closed; }, 5s));
  ASSERT_FALSE(*client.closed);
  EXPECT_EQ(client.closed->error().code, Errc::closed);
  rt.run_for(20ms);
  EXPECT_EQ(client.closed_calls, 1u);
  EXPECT_EQ(client.data_calls, 0u);
}

TEST(TcpStream, DestroyWithPendingReadsAndWritesRunsNoCallback) {
  AsioRuntime rt;
  auto p = connect_pair(rt);
  RecordingHandler server, client;
  p.server->pause_reading();  // so that the client's writes stay queued
  p.server->start(&server);
  p.client->start(&client);
  for (int i = 0; i < 16; ++i) p.client->write(pattern(1024 * 1024, 5));
  rt.run_for(20ms);
  ASSERT_GT(p.client->pending_write_bytes(), 0u);  // a write and a read are in flight
  p.client.reset();
  p.server->resume_reading();
  ASSERT_TRUE(rt.run_until([&] { return server.closed.has_value(); }, 10s));
  EXPECT_EQ(client.calls(), 0u);
}

TEST(TcpStream, DestroyedInsideOnDataGetsNoFurtherCallback) {
  AsioRuntime rt;
  auto p = connect_pair(rt);
  RecordingHandler server, client;
  server.on_data_hook = [&](BytesView) { p.server.reset(); };
  p.server->start(&server);
  p.client->start(&client);
  p.client->write(pattern(4 * 1024 * 1024, 6));
  ASSERT_TRUE(rt.run_until([&] { return client.closed.has_value(); }, 10s));
  EXPECT_EQ(server.data_calls, 1u);
  EXPECT_EQ(server.closed_calls, 0u);
}

TEST(TcpStream, DestroyedInsideOnClosed) {
  AsioRuntime rt;
  auto p = connect_pair(rt);
  RecordingHandler server, client;
  server.on_closed_hook = [&] { p.server.reset(); };
  p.server->start(&server);
  p.client->start(&client);
  p.client->close();
  ASSERT_TRUE(rt.run_until([&] { return !p.server && client.closed; }, 5s));
  EXPECT_EQ(server.closed_calls, 1u);
}

TEST(TcpStream, PauseReadingStopsDeliveryUntilResume) {
  AsioRuntime rt;
  auto p = connect_pair(rt);
  RecordingHandler server, client;
  p.server->pause_reading();
  p.server->start(&server);
  p.client->start(&client);
  p.client->write(pattern(1000, 7));
  ASSERT_TRUE(rt.run_until([&] { return client.drained == 1; }, 5s));
  rt.run_for(30ms);
  EXPECT_EQ(server.data_calls, 0u);
  p.server->resume_reading();
  ASSERT_TRUE(rt.run_until([&] { return server.data.size() == 1000; }, 5s));

  // Paused from inside on_data: the next bytes wait, and come after resume.
  server.on_data_hook = [&](BytesView) { p.server->pause_reading(); };
  p.client->write(pattern(500, 8));
  ASSERT_TRUE(rt.run_until([&] { return server.data.size() == 1500; }, 5s));
  p.client->write(pattern(500, 9));
  ASSERT_TRUE(rt.run_until([&] { return client.drained == 3; }, 5s));
  rt.run_for(30ms);
  EXPECT_EQ(server.data.size(), 1500u);
  server.on_data_hook = nullptr;
  p.server->resume_reading();
  ASSERT_TRUE(rt.run_until([&] { return server.data.size() == 2000; }, 5s));

  // An EOF that arrives while paused is held back too.
  p.server->pause_reading();
  p.client->close();
  rt.run_for(30ms);
  EXPECT_FALSE(server.closed);
  p.server->resume_reading();
  ASSERT_TRUE(rt.run_until([&] { return server.closed && client.closed; }, 5s));
  EXPECT_TRUE(*server.closed);
}

}  // namespace
}  // namespace aipg::io
