#include "base/bytes.hpp"

#include <gtest/gtest.h>

namespace aipg {
namespace {

TEST(Hex, RoundTrips) {
  Bytes b{0x00, 0x7f, 0x80, 0xff};
  EXPECT_EQ(to_hex(b), "007f80ff");
  Bytes back;
  ASSERT_TRUE(from_hex("007F80ff", back));
  EXPECT_EQ(back, b);
}

TEST(Hex, RejectsOddLengthAndNonHex) {
  Bytes out;
  EXPECT_FALSE(from_hex("abc", out));
  EXPECT_FALSE(from_hex("zz", out));
}

TEST(BigEndian, PutAndGet) {
  uint8_t buf[8];
  put_be16(buf, 0x1234);
  EXPECT_EQ(buf[0], 0x12);
  EXPECT_EQ(get_be16(buf), 0x1234);
  put_be32(buf, 0xdeadbeef);
  EXPECT_EQ(buf[0], 0xde);
  EXPECT_EQ(get_be32(buf), 0xdeadbeefu);
  put_be64(buf, 0x0102030405060708ull);
  EXPECT_EQ(buf[7], 0x08);
  EXPECT_EQ(get_be64(buf), 0x0102030405060708ull);
}

}  // namespace
}  // namespace aipg
