// The post-handshake channel: framing limits, any split of the input, and failures.
#include "protocol/noise/transport.hpp"

#include <gtest/gtest.h>

#include <random>

#include "test_util.hpp"

namespace aipg::noise {
namespace {

size_t count_frames(BytesView wire_bytes) {
  size_t n = 0;
  while (!wire_bytes.empty()) {
    const size_t len = get_be16(wire_bytes.data());
    EXPECT_LE(len, kMaxMessageSize);
    EXPECT_GE(len, kTagSize);
    wire_bytes = wire_bytes.subspan(2 + len);
    ++n;
  }
  return n;
}

class TransportTest : public ::testing::TestWithParam<size_t> {};

TEST_P(TransportTest, BothDirections) {
  auto p = test::connected_pair();
  const size_t size = GetParam();
  const size_t want_frames = (size + kMaxPlaintextSize - 1) / kMaxPlaintextSize;
  for (int dir = 0; dir < 2; ++dir) {
    Transport& tx = dir == 0 ? p->i->transport : p->r->transport;
    Transport& rx = dir == 0 ? p->r->transport : p->i->transport;
    const Bytes data = test::pattern(size, uint8_t(dir));
    Bytes ct, pt;
    ASSERT_TRUE(tx.encrypt(data, ct));
    EXPECT_EQ(ct.size(), size + want_frames * (2 + kTagSize));
    EXPECT_EQ(count_frames(ct), want_frames);
    ASSERT_TRUE(rx.decrypt(ct, pt));
    EXPECT_EQ(pt, data);
    EXPECT_EQ(rx.buffered(), 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, TransportTest,
                         ::testing::Values(0, 1, 65519, 65520, 3 * 65519, 1 << 20));

TEST(Transport, FullFrameIsExactly65535OnTheWire) {
  auto p = test::connected_pair();
  Bytes ct;
  ASSERT_TRUE(p->i->transport.encrypt(test::pattern(kMaxPlaintextSize), ct));
  ASSERT_EQ(ct.size(), 2 + 65535u);
  EXPECT_EQ(ct[0], 0xff);
  EXPECT_EQ(ct[1], 0xff);
}

TEST(Transport, ByteAtATimeAndRandomSplits) {
  auto p = test::connected_pair();
  Bytes ct;
  Bytes data = test::pattern(150000, 3);
  ASSERT_TRUE(p->i->transport.encrypt(data, ct));
  Bytes pt;
  for (size_t i = 0; i < 70000; ++i) ASSERT_TRUE(p->r->transport.decrypt(BytesView(&ct[i], 1), pt));
  std::mt19937 rng(42);
  for (size_t i = 70000; i < ct.size();) {
    const size_t n = std::min<size_t>(ct.size() - i, rng() % 9000);
    ASSERT_TRUE(p->r->transport.decrypt(BytesView(ct).subspan(i, n), pt));
    i += n;
  }
  EXPECT_EQ(pt, data);
  EXPECT_EQ(p->r->transport.buffered(), 0u);
}

TEST(Transport, ManyMessagesKeepNoncesInStep) {
  auto p = test::connected_pair();
  for (int i = 0; i < 100; ++i) {
    Bytes ct, pt;
    const Bytes msg = test::pattern(size_t(i * 37 + 1), uint8_t(i));
    ASSERT_TRUE(p->r->transport.encrypt(msg, ct));
    ASSERT_TRUE(p->i->transport.decrypt(ct, pt));
    ASSERT_EQ(pt, msg);
  }
  EXPECT_EQ(p->r->transport.send_nonce(), 100u);
  EXPECT_EQ(p->i->transport.recv_nonce(), 100u);
}

TEST(Transport, BadTagFailsForGood) {
  auto p = test::connected_pair();
  Bytes ct, pt;
  ASSERT_TRUE(p->i->transport.encrypt(as_bytes("first"), ct));
  ASSERT_TRUE(p->i->transport.encrypt(as_bytes("second"), ct));
  ct[ct.size() - 1] ^= 0x01;  // the tag of the second frame
  auto st = p->r->transport.decrypt(ct, pt);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::auth_failed);
  EXPECT_EQ(as_chars(pt), "first");  // frames before the bad one were delivered
  EXPECT_TRUE(p->r->transport.failed());
  EXPECT_FALSE(p->r->transport.decrypt(Bytes{}, pt));
}

TEST(Transport, FrameShorterThanTag) {
  auto p = test::connected_pair();
  Bytes frame = {0x00, 0x05, 1, 2, 3, 4, 5}, pt;
  auto st = p->r->transport.decrypt(frame, pt);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::malformed);
}

TEST(Transport, ReplayedFrameFails) {
  auto p = test::connected_pair();
  Bytes ct, pt;
  ASSERT_TRUE(p->i->transport.encrypt(as_bytes("once"), ct));
  ASSERT_TRUE(p->r->transport.decrypt(ct, pt));
  auto st = p->r->transport.decrypt(ct, pt);  // the nonce moved on
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::auth_failed);
}

TEST(Transport, SendNonceExhaustion) {
  CipherState send, recv;
  Key k{};
  send.initialize_key(k);
  recv.initialize_key(k);
  send.set_nonce(kMaxNonce);
  Transport t(std::move(send), std::move(recv));
  Bytes out;
  EXPECT_FALSE(t.encrypt(as_bytes("x"), out));
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace aipg::noise
