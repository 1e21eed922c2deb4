#include "wire/base58.hpp"

#include <gtest/gtest.h>

namespace aipg::wire {
namespace {

TEST(Base58, KnownVectors) {
  EXPECT_EQ(base58_encode(as_bytes("Hello World!")), "2NEpo7TZRRrLZSi2U");
  EXPECT_EQ(base58_encode(Bytes{0, 0, 1}), "112");
  EXPECT_EQ(base58_encode(Bytes{}), "");
  auto d = base58_decode("2NEpo7TZRRrLZSi2U");
  ASSERT_TRUE(d);
  EXPECT_EQ(as_chars(*d), "Hello World!");
  auto z = base58_decode("112");
  ASSERT_TRUE(z);
  EXPECT_EQ(*z, (Bytes{0, 0, 1}));
}

TEST(Base58, RejectsBadCharactersAndHugeInput) {
  EXPECT_FALSE(base58_decode("0"));
  EXPECT_FALSE(base58_decode("abc\xff"));
  auto r = base58_decode(std::string(300, '2'));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::too_large);
}

TEST(Base32, Rfc4648LowerNoPadding) {
  EXPECT_EQ(base32_encode(as_bytes("foobar")), "mzxw6ytboi");
  auto d = base32_decode("mzxw6ytboi");
  ASSERT_TRUE(d);
  EXPECT_EQ(as_chars(*d), "foobar");
  EXPECT_FALSE(base32_decode("mzxw1"));  // '1' is not in the alphabet
}

}  // namespace
}  // namespace aipg::wire
