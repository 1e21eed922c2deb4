#include "wire/varint.hpp"

#include <gtest/gtest.h>

namespace aipg::wire {
namespace {

TEST(Varint, KnownEncodings) {
  // Examples from multiformats/unsigned-varint.
  struct Case {
    uint64_t v;
    Bytes enc;
  };
  for (const auto& c :
       {Case{1, {0x01}}, Case{127, {0x7f}}, Case{128, {0x80, 0x01}}, Case{255, {0xff, 0x01}},
        Case{300, {0xac, 0x02}}, Case{16384, {0x80, 0x80, 0x01}}}) {
    Bytes out;
    put_uvarint(out, c.v);
    EXPECT_EQ(out, c.enc) << c.v;
    EXPECT_EQ(uvarint_size(c.v), c.enc.size());
    auto r = read_uvarint(out);
    ASSERT_TRUE(r && *r);
    EXPECT_EQ((*r)->value, c.v);
    EXPECT_EQ((*r)->size, c.enc.size());
  }
}

TEST(Varint, IncompleteAsksForMore) {
  Bytes b{0x80, 0x80};
  auto r = read_uvarint(b);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->has_value());
}

TEST(Varint, RejectsOverlongAndNonMinimal) {
  Bytes ten(10, 0x80);
  EXPECT_FALSE(read_uvarint(ten));
  Bytes nonminimal{0x81, 0x00};
  auto r = read_uvarint(nonminimal);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::malformed);
}

TEST(Varint, MaxNineByteValue) {
  Bytes out;
  put_uvarint(out, (uint64_t(1) << 63) - 1);
  EXPECT_EQ(out.size(), 9u);
  auto r = read_uvarint(out);
  ASSERT_TRUE(r && *r);
  EXPECT_EQ((*r)->value, (uint64_t(1) << 63) - 1);
}

TEST(Frame, WaitsForWholeFrameAndEnforcesLimit) {
  Bytes f;
  put_uvarint_frame(f, as_bytes("hello"));
  auto part = read_uvarint_frame(BytesView(f).first(3), 100);
  ASSERT_TRUE(part);
  EXPECT_FALSE(part->has_value());
  auto whole = read_uvarint_frame(f, 100);
  ASSERT_TRUE(whole && *whole);
  EXPECT_EQ(as_chars((*whole)->payload), "hello");
  EXPECT_EQ((*whole)->consumed, 6u);
  auto big = read_uvarint_frame(f, 4);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, Errc::too_large);
}

}  // namespace
}  // namespace aipg::wire
