// Input may be cut anywhere: feeding a recorded byte stream one byte at a time, or in odd-sized
// pieces, must give the same events and the same output as feeding it all at once.
#include <gtest/gtest.h>

#include "protocol/yamux/session.hpp"
#include "yamux_test_util.hpp"

namespace aipg::yamux {
namespace {

using K = Event::Kind;

// What a client sends in a busy little session: pings, several streams, data, FIN, RST.
Bytes recorded_client_bytes() {
  Config c = test::quiet_config();
  c.measure_rtt = true;
  c.max_frame_size = 700;
  Session s(Role::kClient, c, test::t0());
  uint32_t a = *s.open_stream(test::t0());
  uint32_t b = *s.open_stream(test::t0());
  Bytes payload(5000);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = uint8_t(i * 7);
  EXPECT_TRUE(s.write(a, payload));
  EXPECT_TRUE(s.write(b, as_bytes("short")));
  s.ping(test::t0());
  EXPECT_TRUE(s.write(a, payload));
  EXPECT_TRUE(s.close_write(a));
  uint32_t c3 = *s.open_stream(test::t0());
  EXPECT_TRUE(s.write(c3, as_bytes("to be reset")));
  s.reset(c3);
  EXPECT_TRUE(s.write(b, Bytes{}));  // an empty write sends nothing
  s.go_away(GoAwayCode::kNormal);
  return test::output(s);
}

struct Observed {
  std::vector<Event> events;  // kData merged per stream run
  Bytes output;
};

Observed feed(BytesView in, size_t piece) {
  Session s(Role::kServer, test::quiet_config(), test::t0());
  Observed o;
  for (size_t pos = 0; pos < in.size(); pos += piece) {
    EXPECT_TRUE(s.on_bytes(in.subspan(pos, std::min(piece, in.size() - pos)), test::t0()));
    while (auto e = s.poll_event()) {
      if (e->kind == K::kData && !o.events.empty() && o.events.back().kind == K::kData &&
          o.events.back().stream_id == e->stream_id) {
        append(o.events.back().data, e->data);
      } else {
        o.events.push_back(std::move(*e));
      }
    }
  }
  // Consumed only at the end: consuming earlier would legitimately change when window updates
  // (and how much credit the ACK carries) go out.
  s.take_output(o.output);
  return o;
}

TEST(YamuxSplit, ByteAtATimeEqualsAllAtOnce) {
  const Bytes in = recorded_client_bytes();
  ASSERT_GT(in.size(), 10000u);
  Observed whole = feed(in, in.size());
  // The whole run is what the client did.
  std::vector<K> kinds;
  for (const auto& e : whole.events) kinds.push_back(e.kind);
  EXPECT_EQ(kinds,
            (std::vector<K>{K::kStreamOpened, K::kStreamOpened, K::kData, K::kData, K::kData,
                            K::kRemoteClosed, K::kStreamOpened, K::kData, K::kReset, K::kGoAway}));
  EXPECT_EQ(whole.events[2].data.size(), 5000u);
  EXPECT_EQ(whole.events[3].data.size(), 5u);
  for (size_t piece : {size_t(1), size_t(5), size_t(11), size_t(12), size_t(13), size_t(701)}) {
    SCOPED_TRACE(piece);
    Observed split = feed(in, piece);
    ASSERT_EQ(split.events.size(), whole.events.size());
    for (size_t i = 0; i < whole.events.size(); ++i) {
      EXPECT_EQ(split.events[i].kind, whole.events[i].kind) << i;
      EXPECT_EQ(split.events[i].stream_id, whole.events[i].stream_id) << i;
      EXPECT_EQ(split.events[i].data, whole.events[i].data) << i;
    }
    EXPECT_EQ(split.output, whole.output);
  }
}

}  // namespace
}  // namespace aipg::yamux
