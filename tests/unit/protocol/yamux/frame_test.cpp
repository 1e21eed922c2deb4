#include "protocol/yamux/frame.hpp"

#include <gtest/gtest.h>

#include "protocol/yamux/config.hpp"

namespace aipg::yamux {
namespace {

TEST(YamuxFrame, EncodesBigEndianFields) {
  Bytes out;
  append_header(out, Header{.type = FrameType::kWindowUpdate,
                            .flags = flags::kSyn | flags::kFin,
                            .stream_id = 0x01020304,
                            .length = 0xa0b0c0d0});
  EXPECT_EQ(to_hex(out),
            "000100050102030"
            "4a0b0c0d0");
}

TEST(YamuxFrame, RoundTripsEveryTypeAndFlag) {
  for (uint8_t t = 0; t <= 3; ++t) {
    for (uint16_t f = 0; f < 16; ++f) {
      Header h{
          .type = FrameType(t), .flags = f, .stream_id = 7u * t + f, .length = 0xfffffff0u + t};
      Bytes out;
      append_header(out, h);
      ASSERT_EQ(out.size(), kHeaderSize);
      auto back = parse_header(out);
      ASSERT_TRUE(back) << back.error().to_string();
      EXPECT_EQ(*back, h);
    }
  }
}

TEST(YamuxFrame, RejectsUnknownVersion) {
  Bytes b(kHeaderSize, 0);
  b[0] = 1;
  auto r = parse_header(b);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unsupported);
  EXPECT_NE(r.error().message.find("version 1"), std::string::npos);
}

TEST(YamuxFrame, RejectsUnknownType) {
  Bytes b(kHeaderSize, 0);
  b[1] = 4;
  auto r = parse_header(b);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::malformed);
  EXPECT_NE(r.error().message.find("type 4"), std::string::npos);
}

TEST(YamuxFrame, RejectsShortInput) {
  Bytes b(kHeaderSize - 1, 0);
  EXPECT_FALSE(parse_header(b));
}

TEST(YamuxFrame, IgnoresUnknownFlagBits) {
  Bytes b(kHeaderSize, 0);
  b[2] = 0x80;  // flag 0x8000
  auto r = parse_header(b);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->flags, 0x8000);
}

TEST(YamuxConfig, DefaultsAreValid) { EXPECT_TRUE(Config{}.validate()); }

TEST(YamuxConfig, SaysWhatIsWrong) {
  auto expect_bad = [](Config c, const char* field) {
    auto st = c.validate();
    ASSERT_FALSE(st) << field;
    EXPECT_EQ(st.error().code, Errc::invalid_argument);
    EXPECT_NE(st.error().message.find(field), std::string::npos) << st.error().message;
  };
  Config c;
  c.initial_stream_window = 1024;
  expect_bad(c, "initial_stream_window");
  c = {};
  c.max_stream_window = c.initial_stream_window - 1;
  expect_bad(c, "max_stream_window");
  c = {};
  c.max_frame_size = 0;
  expect_bad(c, "max_frame_size");
  c = {};
  c.max_inbound_streams = 0;
  expect_bad(c, "max_inbound_streams");
  c = {};
  c.max_outbound_streams = 0;
  expect_bad(c, "max_outbound_streams");
  c = {};
  c.max_ack_backlog = 257;
  expect_bad(c, "max_ack_backlog");
  c = {};
  c.ping_timeout = Duration::zero();
  expect_bad(c, "ping_timeout");
  c.keepalive_interval = Duration::zero();
  EXPECT_TRUE(c.validate());  // no keepalive: pings may be left without a timeout
  c = {};
  c.stream_open_timeout = -std::chrono::seconds(1);
  expect_bad(c, "stream_open_timeout");
  c = {};
  c.max_outstanding_pings = 0;
  expect_bad(c, "max_outstanding_pings");
}

}  // namespace
}  // namespace aipg::yamux
