// Flow control: back-pressure through consume(), window auto-tuning, frame splitting, and the
// receive window enforced against the peer.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "protocol/yamux/session.hpp"
#include "yamux_test_util.hpp"

namespace aipg::yamux {
namespace {

using test::Pair;
using K = Event::Kind;

constexpr size_t kMiB = 1024 * 1024;

Bytes pattern(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>((i * 131) ^ (i >> 9));
  return b;
}

TEST(YamuxFlow, HundredStreamsOfOneMiBWithBackPressure) {
  Pair p;
  p.auto_consume = false;
  const Bytes base = pattern(kMiB + 256);
  constexpr int kStreams = 100;
  constexpr size_t kPerRoundConsume = 64 * 1024;  // a slow reader: only consume() opens windows
  std::vector<uint32_t> ids;
  std::map<uint32_t, size_t> sent, consumed, verified;
  std::set<uint32_t> blocked;
  for (int i = 0; i < kStreams; ++i) ids.push_back(*p.client.open_stream(p.now));
  auto offset = [&](uint32_t id) { return size_t(id % 251); };
  size_t writable_events = 0;
  for (int round = 0; round < 10000; ++round) {
    for (uint32_t id : ids) {
      if (sent[id] == kMiB || blocked.count(id)) continue;
      BytesView rest = BytesView(base).subspan(offset(id) + sent[id], kMiB - sent[id]);
      auto n = p.client.write(id, rest);
      ASSERT_TRUE(n);
      sent[id] += *n;
      if (*n < rest.size()) blocked.insert(id);
      if (sent[id] == kMiB) {
        ASSERT_TRUE(p.client.close_write(id));
      }
    }
    p.pump();
    for (const auto& e : p.client_events) {
      if (e.kind == K::kWritable) {
        ++writable_events;
        blocked.erase(e.stream_id);
      }
    }
    p.client_events.clear();
    bool done = true;
    for (uint32_t id : ids) {
      // Everything that arrived is intact and in order.
      Bytes& got = p.server_data[id];
      ASSERT_TRUE(std::equal(got.begin(), got.end(), base.begin() + offset(id) + verified[id]))
          << "stream " << id << " at " << verified[id];
      verified[id] += got.size();
      got.clear();
      // Back-pressure: the sender never gets further ahead of the reader than one window.
      ASSERT_LE(sent[id] - consumed[id], kSpecInitialWindow);
      size_t c = std::min(kPerRoundConsume, verified[id] - consumed[id]);
      p.server.consume(id, c, p.now);
      consumed[id] += c;
      done = done && consumed[id] == kMiB;
    }
    if (done) break;
  }
  for (uint32_t id : ids) {
    EXPECT_EQ(verified[id], kMiB) << id;
    EXPECT_EQ(test::count(p.server_events, K::kRemoteClosed, id), 1u);
  }
  EXPECT_GE(writable_events, size_t(kStreams));  // every stream was held back at least once
  p.pump();
  for (uint32_t id : ids) ASSERT_TRUE(p.server.close_write(id));
  p.pump();
  EXPECT_EQ(p.client.stream_count(), 0u);
  EXPECT_EQ(p.server.stream_count(), 0u);
}

TEST(YamuxFlow, WithoutConsumeTheStreamStallsAtTheWindow) {
  Pair p;
  p.auto_consume = false;
  uint32_t id = *p.client.open_stream(p.now);
  const Bytes big(kMiB, 0x5a);
  EXPECT_EQ(*p.client.write(id, big), kSpecInitialWindow);
  EXPECT_EQ(*p.client.write(id, big), 0u);
  p.pump();
  EXPECT_EQ(p.server_data[id].size(), kSpecInitialWindow);
  EXPECT_EQ(*p.client.write(id, big), 0u);
  // Less than half a window consumed: no update yet (updates are batched).
  p.server.consume(id, kSpecInitialWindow / 2 - 1, p.now);
  p.pump();
  EXPECT_EQ(test::count(p.client_events, K::kWritable, id), 0u);
  EXPECT_EQ(*p.client.write(id, big), 0u);
  p.server.consume(id, 1, p.now);
  p.pump();
  EXPECT_EQ(test::count(p.client_events, K::kWritable, id), 1u);
  EXPECT_EQ(*p.client.write(id, big), kSpecInitialWindow / 2);
  // consume() beyond what was delivered is clamped, not credited.
  p.server.consume(id, 10 * kMiB, p.now);
  EXPECT_EQ(p.server.stream_info(id)->unconsumed, 0u);
  EXPECT_EQ(p.server.stream_info(id)->recv_window, kSpecInitialWindow);
}

// Runs `total` bytes over one stream; between rounds the clock advances by `step`.
uint32_t transfer(Pair& p, size_t total, Duration step, uint32_t* max_send_window) {
  uint32_t id = *p.client.open_stream(p.now);
  const Bytes chunk(kMiB, 0x42);
  size_t sent = 0;
  while (sent < total) {
    auto n = p.client.write(id, BytesView(chunk).first(std::min(chunk.size(), total - sent)));
    EXPECT_TRUE(n);
    sent += *n;
    *max_send_window = std::max(*max_send_window, p.client.stream_info(id)->send_window);
    p.now += step;
    p.pump();
  }
  EXPECT_EQ(p.server_data[id].size(), total);
  return id;
}

Config measuring() {
  Config c = test::quiet_config();
  c.measure_rtt = true;
  return c;
}

TEST(YamuxFlow, WindowGrowsToTheMaximumWhenTheReaderKeepsUp) {
  Pair p(measuring(), measuring());
  p.now += std::chrono::milliseconds(1);  // the start-up pings measure an RTT of 1 ms
  p.pump();
  ASSERT_EQ(p.client.rtt(), std::chrono::milliseconds(1));
  ASSERT_EQ(p.server.rtt(), std::chrono::milliseconds(1));
  uint32_t max_send = 0;
  uint32_t id = transfer(p, 96 * kMiB, Duration::zero(), &max_send);
  EXPECT_EQ(p.server.stream_info(id)->recv_window_max, Config{}.max_stream_window);
  EXPECT_GT(max_send, 8 * kMiB);
  EXPECT_LE(max_send, Config{}.max_stream_window);
}

TEST(YamuxFlow, WindowStaysSmallForASlowReader) {
  Pair p(measuring(), measuring());
  p.now += std::chrono::milliseconds(1);
  p.pump();
  p.auto_consume = false;
  uint32_t id = *p.client.open_stream(p.now);
  const Bytes chunk(kMiB, 0x42);
  size_t sent = 0, consumed = 0;
  uint32_t max_send = 0;
  // The reader takes 16 KiB every 10 ms (1.6 MB/s): half a window takes 80 ms, far more than
  // 4 RTTs of 1 ms, so the window is not what limits this stream.
  for (int step = 0; step < 400; ++step) {
    auto n = p.client.write(id, chunk);
    ASSERT_TRUE(n);
    sent += *n;
    max_send = std::max(max_send, p.client.stream_info(id)->send_window);
    p.pump();
    p.now += std::chrono::milliseconds(10);
    size_t c = std::min<size_t>(16 * 1024, p.server_data[id].size() - consumed);
    p.server.consume(id, c, p.now);
    consumed += c;
  }
  EXPECT_GT(consumed, 4 * kMiB);
  EXPECT_EQ(p.server.stream_info(id)->recv_window_max, kSpecInitialWindow);
  EXPECT_LE(max_send, kSpecInitialWindow);
}

TEST(YamuxFlow, WindowStaysPutWithoutAnRtt) {
  Pair p;  // no pings: nothing to compare the update interval with
  uint32_t max_send = 0;
  uint32_t id = transfer(p, 8 * kMiB, Duration::zero(), &max_send);
  EXPECT_EQ(p.server.stream_info(id)->recv_window_max, kSpecInitialWindow);
}

TEST(YamuxFlow, LargerInitialWindowIsAnnouncedWithSynAndAck) {
  Config c = test::quiet_config();
  c.initial_stream_window = kMiB;
  Pair p(c, c);
  uint32_t id = *p.client.open_stream(p.now);
  p.pump();
  EXPECT_EQ(p.client.stream_info(id)->send_window, kMiB);
  EXPECT_EQ(p.server.stream_info(id)->send_window, kMiB);
  p.auto_consume = false;
  EXPECT_EQ(*p.client.write(id, Bytes(2 * kMiB, 1)), kMiB);
  EXPECT_EQ(*p.server.write(id, Bytes(2 * kMiB, 2)), kMiB);
  p.pump();
  EXPECT_EQ(p.server_data[id].size(), kMiB);
  EXPECT_EQ(p.client_data[id].size(), kMiB);
}

TEST(YamuxFlow, WritesAreSplitIntoFramesOfAtMostMaxFrameSize) {
  Config c = test::quiet_config();
  c.max_frame_size = 1000;
  Session s(Role::kClient, c, test::t0());
  uint32_t id = *s.open_stream(test::t0());
  test::output(s);
  const Bytes data = pattern(2500);
  ASSERT_EQ(*s.write(id, data), 2500u);
  Bytes out = test::output(s);
  auto frames = test::parse_frames(out);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].h.length, 1000u);
  EXPECT_EQ(frames[1].h.length, 1000u);
  EXPECT_EQ(frames[2].h.length, 500u);
  Bytes joined;
  for (auto& f : frames) append(joined, f.body);
  EXPECT_EQ(joined, data);
  // Bounded by the send window as well.
  EXPECT_EQ(*s.write(id, Bytes(kMiB, 0)), kSpecInitialWindow - 2500);
  frames = test::parse_frames(test::output(s));
  size_t total = 0;
  for (auto& f : frames) {
    EXPECT_LE(f.h.length, 1000u);
    total += f.h.length;
  }
  EXPECT_EQ(total, kSpecInitialWindow - 2500);
}

TEST(YamuxFlow, DefaultFrameSizeSplitsABigWrite) {
  Config c = test::quiet_config();
  c.initial_stream_window = 4 * kMiB;
  Pair p(c, c);
  uint32_t id = *p.client.open_stream(p.now);
  p.pump();
  ASSERT_EQ(*p.client.write(id, Bytes(600 * 1024, 3)), 600u * 1024);
  auto frames = test::parse_frames(test::output(p.client));
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].h.length, 256u * 1024);
  EXPECT_EQ(frames[1].h.length, 256u * 1024);
  EXPECT_EQ(frames[2].h.length, 88u * 1024);
}

TEST(YamuxFlow, DataBeyondTheReceiveWindowKillsTheSession) {
  Session s(Role::kServer, test::quiet_config(), test::t0());
  Bytes in = test::frame(FrameType::kWindowUpdate, flags::kSyn, 1, 0);
  append(in, test::data_frame(0, 1, Bytes(kSpecInitialWindow, 1)));  // exactly the window: fine
  ASSERT_TRUE(s.on_bytes(in, test::t0()));
  test::output(s);
  auto st = s.on_bytes(test::data_frame(0, 1, Bytes(1, 1)), test::t0());
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::protocol_violation);
  EXPECT_NE(st.error().message.find("receive window"), std::string::npos);
  EXPECT_TRUE(s.is_dead());
  EXPECT_TRUE(test::has_goaway(test::output(s), GoAwayCode::kProtocolError));
  auto ev = test::drain(s);
  ASSERT_GE(ev.size(), 2u);
  EXPECT_EQ(ev[ev.size() - 2].kind, K::kReset);
  EXPECT_EQ(ev.back().kind, K::kSessionClosed);
  EXPECT_EQ(s.stream_count(), 0u);
  EXPECT_EQ(s.next_deadline(), kNever);
  EXPECT_FALSE(s.on_bytes(test::data_frame(0, 1, Bytes(1, 1)), test::t0()));
  EXPECT_FALSE(s.open_stream(test::t0()));
  EXPECT_FALSE(s.write(1, Bytes(1, 1)));
}

TEST(YamuxFlow, WindowUpdateOverflowIsAProtocolError) {
  Session s(Role::kServer, test::quiet_config(), test::t0());
  ASSERT_TRUE(s.on_bytes(test::frame(FrameType::kWindowUpdate, flags::kSyn, 1, 0), test::t0()));
  ASSERT_FALSE(s.on_bytes(test::frame(FrameType::kWindowUpdate, 0, 1, 0xffffffffu), test::t0()));
  EXPECT_TRUE(s.is_dead());
}

TEST(YamuxFlow, DataAfterFinIsAProtocolError) {
  Session s(Role::kServer, test::quiet_config(), test::t0());
  ASSERT_TRUE(
      s.on_bytes(test::data_frame(flags::kSyn | flags::kFin, 1, as_bytes("x")), test::t0()));
  // An empty frame after FIN is tolerated; data is not.
  ASSERT_TRUE(s.on_bytes(test::frame(FrameType::kData, flags::kFin, 1, 0), test::t0()));
  ASSERT_FALSE(s.on_bytes(test::data_frame(0, 1, as_bytes("y")), test::t0()));
  EXPECT_TRUE(test::has_goaway(test::output(s), GoAwayCode::kProtocolError));
}

TEST(YamuxFlow, NoWindowUpdateAfterTheRemoteFin) {
  Session s(Role::kServer, test::quiet_config(), test::t0());
  ASSERT_TRUE(
      s.on_bytes(test::data_frame(flags::kSyn | flags::kFin, 1, Bytes(200000, 1)), test::t0()));
  test::output(s);
  s.consume(1, 200000, test::t0());
  EXPECT_FALSE(s.has_output());
}

}  // namespace
}  // namespace aipg::yamux
