// Stream lifecycle through two sessions back to back: open, data, half-close, reset, go away.
#include "protocol/yamux/session.hpp"

#include <gtest/gtest.h>

#include "yamux_test_util.hpp"

namespace aipg::yamux {
namespace {

using test::count;
using test::Pair;
using K = Event::Kind;

TEST(YamuxSession, ClientIdsAreOddServerIdsEven) {
  Pair p;
  EXPECT_EQ(*p.client.open_stream(p.now), 1u);
  EXPECT_EQ(*p.client.open_stream(p.now), 3u);
  EXPECT_EQ(*p.server.open_stream(p.now), 2u);
  EXPECT_EQ(*p.server.open_stream(p.now), 4u);
  p.pump();
  EXPECT_EQ(p.client.stream_count(), 4u);
  EXPECT_EQ(p.server.stream_count(), 4u);
  EXPECT_EQ(count(p.server_events, K::kStreamOpened, 1), 1u);
  EXPECT_EQ(count(p.server_events, K::kStreamOpened, 3), 1u);
  EXPECT_EQ(count(p.client_events, K::kStreamOpened, 2), 1u);
}

TEST(YamuxSession, SynIsSentAtOnceAsWindowUpdate) {
  Session c(Role::kClient, test::quiet_config(), test::t0());
  ASSERT_TRUE(c.open_stream(test::t0()));
  auto frames = test::parse_frames(test::output(c));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].h.type, FrameType::kWindowUpdate);
  EXPECT_EQ(frames[0].h.flags, flags::kSyn);
  EXPECT_EQ(frames[0].h.stream_id, 1u);
  EXPECT_EQ(frames[0].h.length, 0u);
}

TEST(YamuxSession, OpenEchoClose) {
  Pair p;
  uint32_t id = *p.client.open_stream(p.now);
  ASSERT_EQ(*p.client.write(id, as_bytes("hello")), 5u);
  ASSERT_TRUE(p.server.on_bytes(test::output(p.client), p.now));
  p.collect(p.server, p.server_events, p.server_data);
  ASSERT_EQ(count(p.server_events, K::kStreamOpened, id), 1u);
  EXPECT_EQ(as_chars(p.server_data[id]), "hello");
  // The server echoes and closes; its first frame carries the ACK.
  ASSERT_EQ(*p.server.write(id, p.server_data[id]), 5u);
  ASSERT_TRUE(p.server.close_write(id));
  Bytes out = test::output(p.server);
  auto frames = test::parse_frames(out);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].h.type, FrameType::kData);
  EXPECT_EQ(frames[0].h.flags, flags::kAck);
  EXPECT_EQ(frames[1].h.type, FrameType::kWindowUpdate);
  EXPECT_EQ(frames[1].h.flags, flags::kFin);
  ASSERT_TRUE(p.client.on_bytes(out, p.now));
  p.pump();
  EXPECT_EQ(as_chars(p.client_data[id]), "hello");
  EXPECT_EQ(count(p.client_events, K::kRemoteClosed, id), 1u);
  EXPECT_EQ(p.client.stream_info(id)->handshake, Handshake::kEstablished);
  EXPECT_EQ(p.client.stream_info(id)->state, StreamState::kRemoteClosed);
  ASSERT_TRUE(p.client.close_write(id));
  p.pump();
  EXPECT_EQ(count(p.server_events, K::kRemoteClosed, id), 1u);
  EXPECT_EQ(p.client.stream_count(), 0u);
  EXPECT_EQ(p.server.stream_count(), 0u);
}

TEST(YamuxSession, InboundStreamIsAckedByTakeOutputWhenTheAppIsSilent) {
  Pair p;
  uint32_t id = *p.client.open_stream(p.now);
  p.pump();
  EXPECT_EQ(p.server.stream_info(id)->handshake, Handshake::kEstablished);
  EXPECT_EQ(p.client.stream_info(id)->handshake, Handshake::kEstablished);
}

TEST(YamuxSession, HalfCloseBothWays) {
  Pair p;
  uint32_t id = *p.client.open_stream(p.now);
  ASSERT_EQ(*p.client.write(id, as_bytes("request")), 7u);
  ASSERT_TRUE(p.client.close_write(id));
  p.pump();
  EXPECT_EQ(as_chars(p.server_data[id]), "request");
  EXPECT_EQ(count(p.server_events, K::kRemoteClosed, id), 1u);
  EXPECT_EQ(p.client.stream_info(id)->state, StreamState::kLocalClosed);
  // Writing after our FIN is refused; the other direction still flows.
  auto w = p.client.write(id, as_bytes("x"));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, Errc::closed);
  EXPECT_FALSE(p.client.close_write(id));
  ASSERT_EQ(*p.server.write(id, as_bytes("response part 1;")), 16u);
  p.pump();
  ASSERT_EQ(*p.server.write(id, as_bytes("part 2")), 6u);
  ASSERT_TRUE(p.server.close_write(id));
  p.pump();
  EXPECT_EQ(as_chars(p.client_data[id]), "response part 1;part 2");
  EXPECT_EQ(count(p.client_events, K::kRemoteClosed, id), 1u);
  EXPECT_EQ(p.client.stream_count(), 0u);
  EXPECT_EQ(p.server.stream_count(), 0u);
  // The other order: the server (acceptor) half-closes first.
  uint32_t id2 = *p.client.open_stream(p.now);
  p.pump();
  ASSERT_TRUE(p.server.close_write(id2));
  p.pump();
  EXPECT_EQ(count(p.client_events, K::kRemoteClosed, id2), 1u);
  ASSERT_EQ(*p.client.write(id2, as_bytes("late")), 4u);
  ASSERT_TRUE(p.client.close_write(id2));
  p.pump();
  EXPECT_EQ(as_chars(p.server_data[id2]), "late");
  EXPECT_EQ(p.client.stream_count(), 0u);
  EXPECT_EQ(p.server.stream_count(), 0u);
}

TEST(YamuxSession, ResetReachesThePeerAndForgetsTheStream) {
  Pair p;
  uint32_t id = *p.client.open_stream(p.now);
  ASSERT_TRUE(p.client.write(id, as_bytes("abc")));
  p.pump();
  p.client.reset(id);
  EXPECT_EQ(p.client.stream_count(), 0u);
  p.pump();
  EXPECT_EQ(count(p.server_events, K::kReset, id), 1u);
  EXPECT_EQ(p.server.stream_count(), 0u);
  EXPECT_EQ(count(p.client_events, K::kReset, id), 0u);  // no event for our own reset
  EXPECT_FALSE(p.server.write(id, as_bytes("x")));
  EXPECT_FALSE(p.client.write(id, as_bytes("x")));
  p.client.reset(id);  // twice: no-op
  p.client.consume(id, 3, p.now);
  EXPECT_FALSE(p.client.has_output());
}

TEST(YamuxSession, RstRacingWithDataIsHarmless) {
  Pair p;
  uint32_t id = *p.client.open_stream(p.now);
  p.pump();
  // Both act before seeing the other's frames: the server writes and closes, the client resets.
  ASSERT_TRUE(p.server.write(id, Bytes(1000, 7)));
  ASSERT_TRUE(p.server.close_write(id));
  p.client.reset(id);
  Bytes from_server = test::output(p.server);
  Bytes from_client = test::output(p.client);
  EXPECT_TRUE(p.client.on_bytes(from_server, p.now));  // data after our RST: ignored
  EXPECT_TRUE(p.server.on_bytes(from_client, p.now));
  EXPECT_TRUE(test::drain(p.client).empty());
  auto ev = test::drain(p.server);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, K::kReset);
  EXPECT_EQ(p.client.stream_count(), 0u);
  EXPECT_EQ(p.server.stream_count(), 0u);
  EXPECT_FALSE(p.client.is_dead());
  EXPECT_FALSE(p.server.is_dead());
  // Window updates for the dead stream are ignored too.
  EXPECT_TRUE(p.client.on_bytes(test::frame(FrameType::kWindowUpdate, 0, id, 100), p.now));
}

TEST(YamuxSession, AppResetInTheMiddleOfAFrameDropsTheRest) {
  Session s(Role::kServer, test::quiet_config(), test::t0());
  Bytes in = test::frame(FrameType::kWindowUpdate, flags::kSyn, 1, 0);
  append(in, test::data_frame(flags::kFin, 1, Bytes(100, 1)));
  ASSERT_TRUE(s.on_bytes(BytesView(in).first(30), test::t0()));  // SYN + 6 body bytes
  auto ev = test::drain(s);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].data.size(), 6u);
  s.reset(1);
  ASSERT_TRUE(s.on_bytes(BytesView(in).subspan(30), test::t0()));
  EXPECT_TRUE(test::drain(s).empty());
  // And the stream after it parses normally.
  ASSERT_TRUE(s.on_bytes(test::frame(FrameType::kWindowUpdate, flags::kSyn, 3, 0), test::t0()));
  EXPECT_EQ(s.stream_count(), 1u);
}

TEST(YamuxSession, SynRstAndRejectionOfAnAckedStream) {
  Pair p;
  uint32_t id = *p.client.open_stream(p.now);
  // The server rejects with RST instead of ACK ("or with the RST flag to reject the stream").
  ASSERT_TRUE(p.server.on_bytes(test::output(p.client), p.now));
  test::drain(p.server);
  p.server.reset(id);
  ASSERT_TRUE(p.client.on_bytes(test::output(p.server), p.now));
  auto ev = test::drain(p.client);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, K::kReset);
  EXPECT_EQ(ev[0].stream_id, id);
  // A new stream still opens: the ACK backlog slot was returned.
  EXPECT_TRUE(p.client.open_stream(p.now));
}

TEST(YamuxSession, WindowUpdateFrameCarriesFinAndRst) {
  Session s(Role::kServer, test::quiet_config(), test::t0());
  ASSERT_TRUE(s.on_bytes(test::frame(FrameType::kWindowUpdate, flags::kSyn | flags::kFin, 1, 10),
                         test::t0()));
  auto ev = test::drain(s);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, K::kStreamOpened);
  EXPECT_EQ(ev[1].kind, K::kRemoteClosed);
  EXPECT_EQ(s.stream_info(1)->send_window, kSpecInitialWindow + 10);
  ASSERT_TRUE(s.on_bytes(test::frame(FrameType::kWindowUpdate, flags::kRst, 1, 0), test::t0()));
  ev = test::drain(s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, K::kReset);
  EXPECT_EQ(s.stream_count(), 0u);
}

TEST(YamuxSession, GoAwayReceivedStopsNewStreamsButNotOldOnes) {
  Pair p;
  uint32_t id = *p.client.open_stream(p.now);
  p.pump();
  p.server.go_away(GoAwayCode::kNormal);
  p.server.go_away(GoAwayCode::kNormal);  // sent once only
  p.pump();
  ASSERT_EQ(count(p.client_events, K::kGoAway, 0), 1u);
  auto r = p.client.open_stream(p.now);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::closed);
  EXPECT_FALSE(p.server.open_stream(p.now));
  ASSERT_TRUE(p.client.write(id, as_bytes("still here")));
  ASSERT_TRUE(p.server.write(id, as_bytes("me too")));
  p.pump();
  EXPECT_EQ(as_chars(p.server_data[id]), "still here");
  EXPECT_EQ(as_chars(p.client_data[id]), "me too");
  EXPECT_FALSE(p.client.is_dead());
  // A SYN that crosses our Go Away is refused with RST.
  ASSERT_TRUE(p.server.on_bytes(test::frame(FrameType::kWindowUpdate, flags::kSyn, 5, 0), p.now));
  auto frames = test::parse_frames(test::output(p.server));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].h.flags, flags::kRst);
  EXPECT_EQ(frames[0].h.stream_id, 5u);
}

TEST(YamuxSession, ManySmallFramesForOneStreamBecomeOneEvent) {
  Session s(Role::kServer, test::quiet_config(), test::t0());
  Bytes in = test::frame(FrameType::kWindowUpdate, flags::kSyn, 1, 0);
  for (int i = 0; i < 50; ++i) append(in, test::data_frame(0, 1, as_bytes("ab")));
  ASSERT_TRUE(s.on_bytes(in, test::t0()));
  auto ev = test::drain(s);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].data.size(), 100u);
  EXPECT_EQ(s.stream_info(1)->unconsumed, 100u);
}

TEST(YamuxSession, TakeOutputAppendsWhenTheBufferIsNotEmpty) {
  Session c(Role::kClient, test::quiet_config(), test::t0());
  uint32_t id = *c.open_stream(test::t0());
  Bytes out = {0xee};
  c.take_output(out);
  EXPECT_EQ(out.size(), 1 + kHeaderSize);
  EXPECT_EQ(out[0], 0xee);
  ASSERT_TRUE(c.write(id, Bytes(10, 1)));
  c.take_output(out);
  EXPECT_EQ(out.size(), 1 + 2 * kHeaderSize + 10);
  EXPECT_FALSE(c.has_output());
}

}  // namespace
}  // namespace aipg::yamux
