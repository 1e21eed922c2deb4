// Frames that break the protocol: each must kill the session with Go Away(protocol error) in the
// output, never crash, and leave the session refusing further input.
#include <gtest/gtest.h>

#include "protocol/yamux/session.hpp"
#include "yamux_test_util.hpp"

namespace aipg::yamux {
namespace {

using K = Event::Kind;

struct BadCase {
  const char* name;
  Bytes prefix;  // accepted first
  Bytes bad;
  const char* message_part;
};

Bytes raw_header(uint8_t version, uint8_t type, uint16_t f, uint32_t id, uint32_t len) {
  Bytes b(kHeaderSize);
  b[0] = version;
  b[1] = type;
  put_be16(&b[2], f);
  put_be32(&b[4], id);
  put_be32(&b[8], len);
  return b;
}

std::vector<BadCase> bad_cases() {
  const Bytes syn1 = test::frame(FrameType::kWindowUpdate, flags::kSyn, 1, 0);
  return {
      {"unknown type", {}, raw_header(0, 4, 0, 1, 0), "unknown frame type 4"},
      {"version 1", {}, raw_header(1, 0, flags::kSyn, 1, 0), "version 1"},
      {"SYN on an open stream", syn1, syn1, "which is open"},
      {"SYN with our parity",
       {},
       test::frame(FrameType::kWindowUpdate, flags::kSyn, 2, 0),
       "parity"},
      {"Data SYN with our parity", {}, test::data_frame(flags::kSyn, 4, as_bytes("x")), "parity"},
      {"Data on stream 0", {}, test::data_frame(0, 0, as_bytes("x")), "stream 0"},
      {"WindowUpdate on stream 0", {}, test::frame(FrameType::kWindowUpdate, 0, 0, 5), "stream 0"},
      {"Ping on a stream",
       {},
       test::frame(FrameType::kPing, flags::kSyn, 1, 5),
       "Ping on stream 1"},
      {"GoAway on a stream", {}, test::frame(FrameType::kGoAway, 0, 3, 0), "GoAway on stream 3"},
      {"Data for a stream never opened", {}, test::data_frame(0, 7, as_bytes("x")), "never opened"},
      {"WindowUpdate for our stream never opened",
       {},
       test::frame(FrameType::kWindowUpdate, 0, 2, 1),
       "never opened"},
  };
}

TEST(YamuxErrors, BadFramesKillTheSessionWithGoAway) {
  for (const auto& c : bad_cases()) {
    SCOPED_TRACE(c.name);
    Session s(Role::kServer, test::quiet_config(), test::t0());
    ASSERT_TRUE(s.on_bytes(c.prefix, test::t0()));
    test::output(s);
    test::drain(s);
    auto st = s.on_bytes(c.bad, test::t0());
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find(c.message_part), std::string::npos) << st.error().message;
    EXPECT_TRUE(s.is_dead());
    EXPECT_TRUE(test::has_goaway(test::output(s), GoAwayCode::kProtocolError));
    auto ev = test::drain(s);
    ASSERT_FALSE(ev.empty());
    EXPECT_EQ(ev.back().kind, K::kSessionClosed);
    EXPECT_EQ(ev.back().reason, st.error().message);
    auto again = s.on_bytes(test::frame(FrameType::kPing, flags::kSyn, 0, 1), test::t0());
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, Errc::closed);
    EXPECT_FALSE(s.has_output());
  }
}

TEST(YamuxErrors, ErrorCodesNameTheKind) {
  Session a(Role::kServer, test::quiet_config(), test::t0());
  EXPECT_EQ(a.on_bytes(raw_header(1, 0, 0, 1, 0), test::t0()).error().code, Errc::unsupported);
  Session b(Role::kServer, test::quiet_config(), test::t0());
  EXPECT_EQ(b.on_bytes(raw_header(0, 9, 0, 1, 0), test::t0()).error().code, Errc::malformed);
  Session c(Role::kServer, test::quiet_config(), test::t0());
  EXPECT_EQ(c.on_bytes(test::data_frame(0, 0, {}), test::t0()).error().code,
            Errc::protocol_violation);
}

TEST(YamuxErrors, ErrorInTheMiddleOfABufferStopsThere) {
  Session s(Role::kServer, test::quiet_config(), test::t0());
  Bytes in = test::data_frame(flags::kSyn, 1, as_bytes("ok"));
  append(in, raw_header(0, 7, 0, 1, 0));
  append(in, test::data_frame(flags::kSyn, 3, as_bytes("never seen")));
  ASSERT_FALSE(s.on_bytes(in, test::t0()));
  auto ev = test::drain(s);
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[0].kind, K::kStreamOpened);
  EXPECT_EQ(ev[1].kind, K::kData);
  EXPECT_EQ(ev[2].kind, K::kReset);
  EXPECT_EQ(ev[3].kind, K::kSessionClosed);
}

TEST(YamuxErrors, ClientChecksParityToo) {
  Session s(Role::kClient, test::quiet_config(), test::t0());
  EXPECT_FALSE(s.on_bytes(test::frame(FrameType::kWindowUpdate, flags::kSyn, 1, 0), test::t0()));
  Session t(Role::kClient, test::quiet_config(), test::t0());
  EXPECT_TRUE(t.on_bytes(test::frame(FrameType::kWindowUpdate, flags::kSyn, 2, 0), test::t0()));
}

TEST(YamuxErrors, FramesForClosedStreamsAreIgnored) {
  Session s(Role::kServer, test::quiet_config(), test::t0());
  ASSERT_TRUE(s.on_bytes(test::data_frame(flags::kSyn, 1, as_bytes("a")), test::t0()));
  s.reset(1);
  test::drain(s);
  // "data after RST": Data, FIN, window updates and a second RST for stream 1 are dropped.
  Bytes in = test::data_frame(0, 1, Bytes(100000, 1));
  append(in, test::frame(FrameType::kWindowUpdate, flags::kFin, 1, 100));
  append(in, test::frame(FrameType::kWindowUpdate, flags::kRst, 1, 0));
  ASSERT_TRUE(s.on_bytes(in, test::t0()));
  EXPECT_TRUE(test::drain(s).empty());
  EXPECT_FALSE(s.is_dead());
}

TEST(YamuxErrors, UnknownGoAwayCodeIsPassedOn) {
  Session s(Role::kServer, test::quiet_config(), test::t0());
  ASSERT_TRUE(s.on_bytes(test::frame(FrameType::kGoAway, 0, 0, 77), test::t0()));
  auto ev = test::drain(s);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, K::kGoAway);
  EXPECT_EQ(static_cast<uint32_t>(ev[0].code), 77u);
}

}  // namespace
}  // namespace aipg::yamux
