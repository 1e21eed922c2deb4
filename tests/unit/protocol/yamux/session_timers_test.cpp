// Ping, keepalive, stream-open timeout, and the stream limits.
#include <gtest/gtest.h>

#include "protocol/yamux/session.hpp"
#include "yamux_test_util.hpp"

namespace aipg::yamux {
namespace {

using test::Pair;
using K = Event::Kind;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(YamuxPing, SynIsEchoedWithAckAndTheSameOpaqueValue) {
  Session s(Role::kServer, test::quiet_config(), test::t0());
  ASSERT_TRUE(s.on_bytes(test::frame(FrameType::kPing, flags::kSyn, 0, 0xdeadbeef), test::t0()));
  auto frames = test::parse_frames(test::output(s));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].h.type, FrameType::kPing);
  EXPECT_EQ(frames[0].h.flags, flags::kAck);
  EXPECT_EQ(frames[0].h.stream_id, 0u);
  EXPECT_EQ(frames[0].h.length, 0xdeadbeefu);
  EXPECT_TRUE(test::drain(s).empty());
}

TEST(YamuxPing, RttWithInjectedTimes) {
  Pair p;
  p.client.ping(p.now);
  p.now += milliseconds(250);
  p.pump();
  ASSERT_EQ(p.client_events.size(), 1u);
  EXPECT_EQ(p.client_events[0].kind, K::kPingRtt);
  EXPECT_EQ(p.client_events[0].rtt, milliseconds(250));
  EXPECT_EQ(p.client.rtt(), milliseconds(250));
  // An unsolicited or repeated ACK is ignored.
  ASSERT_TRUE(p.client.on_bytes(test::frame(FrameType::kPing, flags::kAck, 0, 1), p.now));
  EXPECT_TRUE(test::drain(p.client).empty());
}

TEST(YamuxPing, MeasureRttSendsAPingAtStart) {
  Config c = test::quiet_config();
  c.measure_rtt = true;
  Session s(Role::kClient, c, test::t0());
  auto frames = test::parse_frames(test::output(s));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].h.type, FrameType::kPing);
  EXPECT_EQ(frames[0].h.flags, flags::kSyn);
  EXPECT_EQ(s.next_deadline(), test::t0() + c.ping_timeout);
}

Config keepalive() {
  Config c = test::quiet_config();
  c.keepalive_interval = seconds(30);
  c.ping_timeout = seconds(10);
  return c;
}

TEST(YamuxKeepalive, UnansweredPingKillsTheSession) {
  Session s(Role::kClient, keepalive(), test::t0());
  EXPECT_FALSE(s.has_output());
  EXPECT_EQ(s.next_deadline(), test::t0() + seconds(30));
  s.on_timeout(test::t0() + seconds(29));  // early: nothing
  EXPECT_FALSE(s.has_output());
  s.on_timeout(test::t0() + seconds(30));
  auto frames = test::parse_frames(test::output(s));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].h.type, FrameType::kPing);
  EXPECT_EQ(s.next_deadline(), test::t0() + seconds(40));  // the ping's timeout comes first
  s.on_timeout(test::t0() + seconds(39));
  EXPECT_FALSE(s.is_dead());
  s.on_timeout(test::t0() + seconds(40));
  EXPECT_TRUE(s.is_dead());
  auto ev = test::drain(s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, K::kSessionClosed);
  EXPECT_NE(ev[0].reason.find("ping timeout"), std::string::npos);
  EXPECT_EQ(s.next_deadline(), kNever);
}

TEST(YamuxKeepalive, AnsweredPingsKeepTheSessionAlive) {
  Pair p(keepalive(), keepalive());
  uint32_t id = *p.client.open_stream(p.now);
  for (int i = 0; i < 10; ++i) {
    p.now = std::min(p.client.next_deadline(), p.server.next_deadline());
    p.client.on_timeout(p.now);
    p.server.on_timeout(p.now);
    p.now += milliseconds(5);
    p.pump();
  }
  EXPECT_FALSE(p.client.is_dead());
  EXPECT_FALSE(p.server.is_dead());
  EXPECT_EQ(p.now, test::t0() + seconds(300) + milliseconds(5));
  EXPECT_GE(test::count(p.client_events, K::kPingRtt, 0), 5u);
  EXPECT_EQ(p.client.stream_count(), 1u);
  EXPECT_TRUE(p.client.write(id, as_bytes("x")));
}

TEST(YamuxKeepalive, ZeroIntervalDisablesIt) {
  Session s(Role::kClient, test::quiet_config(), test::t0());
  EXPECT_EQ(s.next_deadline(), kNever);
  s.on_timeout(test::t0() + std::chrono::hours(1000));
  EXPECT_FALSE(s.has_output());
  EXPECT_FALSE(s.is_dead());
}

TEST(YamuxKeepalive, ExplicitPingTimesOutToo) {
  Session s(Role::kClient, test::quiet_config(), test::t0());
  s.ping(test::t0());
  EXPECT_EQ(s.next_deadline(), test::t0() + seconds(10));
  s.on_timeout(test::t0() + seconds(10));
  EXPECT_TRUE(s.is_dead());
}

TEST(YamuxOpenTimeout, UnacknowledgedStreamIsResetAfterTheTimeout) {
  Config c = test::quiet_config();
  c.stream_open_timeout = seconds(75);
  Session s(Role::kClient, c, test::t0());
  uint32_t a = *s.open_stream(test::t0());
  uint32_t b = *s.open_stream(test::t0() + seconds(5));
  test::output(s);
  EXPECT_EQ(s.next_deadline(), test::t0() + seconds(75));
  // b is acknowledged; a never is.
  ASSERT_TRUE(s.on_bytes(test::frame(FrameType::kWindowUpdate, flags::kAck, b, 0), test::t0()));
  s.on_timeout(test::t0() + seconds(75));
  auto ev = test::drain(s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, K::kReset);
  EXPECT_EQ(ev[0].stream_id, a);
  auto frames = test::parse_frames(test::output(s));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].h.flags, flags::kRst);
  EXPECT_EQ(frames[0].h.stream_id, a);
  EXPECT_EQ(s.stream_count(), 1u);
  EXPECT_EQ(s.next_deadline(), kNever);  // b is established: nothing left to time
}

TEST(YamuxLimits, InboundStreamsOverTheLimitAreRefusedWithRst) {
  Config sc = test::quiet_config();
  sc.max_inbound_streams = 2;
  Pair p(test::quiet_config(), sc);
  uint32_t a = *p.client.open_stream(p.now);
  uint32_t b = *p.client.open_stream(p.now);
  uint32_t c = *p.client.open_stream(p.now);
  p.pump();
  EXPECT_EQ(p.server.stream_count(), 2u);
  EXPECT_EQ(test::count(p.client_events, K::kReset, c), 1u);
  EXPECT_EQ(test::count(p.client_events, K::kReset, a), 0u);
  EXPECT_EQ(test::count(p.server_events, K::kStreamOpened, c), 0u);
  EXPECT_FALSE(p.server.is_dead());
  // Closing one makes room again.
  p.client.reset(b);
  p.pump();
  uint32_t d = *p.client.open_stream(p.now);
  ASSERT_TRUE(p.client.write(d, as_bytes("fits")));
  p.pump();
  EXPECT_EQ(as_chars(p.server_data[d]), "fits");
  EXPECT_EQ(p.server.stream_count(), 2u);
}

TEST(YamuxLimits, OutboundStreamLimit) {
  Config c = test::quiet_config();
  c.max_outbound_streams = 3;
  Pair p(c, test::quiet_config());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(p.client.open_stream(p.now));
  auto r = p.client.open_stream(p.now);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::resource_limit);
  // Inbound streams do not count against it.
  ASSERT_TRUE(p.server.open_stream(p.now));
  p.pump();
  EXPECT_EQ(p.client.stream_count(), 4u);
}

TEST(YamuxLimits, AckBacklogOf256) {
  Pair p;
  for (int i = 0; i < 256; ++i) ASSERT_TRUE(p.client.open_stream(p.now)) << i;
  auto r = p.client.open_stream(p.now);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::resource_limit);
  EXPECT_NE(r.error().message.find("not acknowledged"), std::string::npos);
  p.pump();  // the server acknowledges them all
  EXPECT_TRUE(p.client.open_stream(p.now));
}

TEST(YamuxLimits, AnyFrameFromThePeerCountsAsAcknowledgement) {
  Config c = test::quiet_config();
  c.max_ack_backlog = 1;
  Session s(Role::kClient, c, test::t0());
  uint32_t id = *s.open_stream(test::t0());
  EXPECT_FALSE(s.open_stream(test::t0()));
  ASSERT_TRUE(s.on_bytes(test::data_frame(0, id, as_bytes("hi")), test::t0()));
  EXPECT_TRUE(s.open_stream(test::t0()));
}

}  // namespace
}  // namespace aipg::yamux
