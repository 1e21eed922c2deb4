#include "protocol/multistream/message.hpp"

#include <gtest/gtest.h>

namespace aipg::multistream {
namespace {

Bytes hex(std::string_view h) {
  Bytes b;
  EXPECT_TRUE(from_hex(h, b)) << h;
  return b;
}

TEST(MultistreamMessage, KnownEncodings) {
  Bytes na;
  put_message(na, kNotAvailable);
  EXPECT_EQ(to_hex(na), "036e610a");  // the spec's example
  Bytes ls;
  put_message(ls, kList);
  EXPECT_EQ(to_hex(ls), "036c730a");
  Bytes header;
  put_message(header, kHeader);
  ASSERT_EQ(header.size(), 20u);
  EXPECT_EQ(header[0], 0x13);  // 18 bytes of text + the newline
  EXPECT_EQ(as_chars(BytesView(header).subspan(1)), "/multistream/1.0.0\n");
}

TEST(MultistreamMessage, ReadsOneMessageAndReportsConsumed) {
  Bytes b = hex("036e610a");
  b.push_back(0x42);  // whatever follows is not ours
  auto m = read_message(b);
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->has_value());
  EXPECT_EQ((*m)->text, "na");
  EXPECT_EQ((*m)->consumed, 4u);
}

TEST(MultistreamMessage, PartialInputAsksForMore) {
  Bytes b = hex("036e610a");
  for (size_t n = 0; n < b.size(); ++n) {
    auto m = read_message(BytesView(b).first(n));
    ASSERT_TRUE(m) << n;
    EXPECT_FALSE(m->has_value()) << n;
  }
  // An unfinished varint is also "need more".
  auto m = read_message(hex("80"));
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->has_value());
}

TEST(MultistreamMessage, RejectsMissingNewline) {
  auto m = read_message(hex("036e6178"));
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, Errc::malformed);
  EXPECT_NE(m.error().message.find("newline"), std::string::npos);
}

TEST(MultistreamMessage, RejectsEmptyBody) {
  auto m = read_message(hex("00"));
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("newline"), std::string::npos);
}

TEST(MultistreamMessage, AcceptsTheLimitAndRefusesOneMoreBeforeTheBodyArrives) {
  Bytes at_limit;
  put_message(at_limit, std::string(kMaxMessageSize - 1, 'a'));
  auto ok_msg = read_message(at_limit);
  ASSERT_TRUE(ok_msg);
  ASSERT_TRUE(ok_msg->has_value());
  EXPECT_EQ((*ok_msg)->text.size(), kMaxMessageSize - 1);

  // 1025 = 81 08: only the prefix is there, and it is already refused.
  auto over = read_message(hex("8108"));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, Errc::too_large);
  auto huge = read_message(hex("ffffffffffffffff7f"));
  ASSERT_FALSE(huge);
}

TEST(MultistreamMessage, RejectsBadVarints) {
  EXPECT_FALSE(read_message(hex("ffffffffffffffffff01")));  // longer than 9 bytes
  EXPECT_FALSE(read_message(hex("8300")));                  // not minimal
}

TEST(MultistreamMessage, ChecksProtocolIds) {
  EXPECT_TRUE(check_protocol_id("/noise"));
  EXPECT_FALSE(check_protocol_id(""));
  EXPECT_FALSE(check_protocol_id("/a\n/b"));
  EXPECT_TRUE(check_protocol_id(std::string(kMaxMessageSize - 1, 'x')));
  EXPECT_FALSE(check_protocol_id(std::string(kMaxMessageSize, 'x')));
}

TEST(MultistreamMessage, QuoteEscapesAndTruncates) {
  EXPECT_EQ(quote("na"), "'na'");
  EXPECT_EQ(quote(std::string_view("\x00\n'", 3)), "'\\x00\\x0a\\x27'");
  std::string long_text(100, 'z');
  const std::string q = quote(long_text);
  EXPECT_NE(q.find("(100 bytes)"), std::string::npos);
  EXPECT_LT(q.size(), 90u);
}

}  // namespace
}  // namespace aipg::multistream
