#include "protocol/gossipsub/message_id.hpp"

#include <gtest/gtest.h>

namespace aipg::gossipsub {
namespace {

Message message(std::optional<Bytes> from, std::optional<Bytes> data, std::optional<Bytes> seqno) {
  return Message{std::move(from), std::move(data), std::move(seqno), "t",
                 std::nullopt,    std::nullopt};
}

TEST(MessageId, DefaultIsFromThenSeqno) {
  const Message m = message(Bytes{0x00, 0x24, 0xff}, Bytes{9, 9}, Bytes{0, 0, 0, 0, 0, 0, 0, 7});
  EXPECT_EQ(default_message_id(m), std::string("\x00\x24\xff\x00\x00\x00\x00\x00\x00\x00\x07", 11));
  // Data, topic and signature do not enter it.
  Message other = m;
  other.data = Bytes{1};
  other.topic = "u";
  other.signature = Bytes(64, 1);
  EXPECT_EQ(default_message_id(other), default_message_id(m));
}

TEST(MessageId, DefaultSkipsAbsentFields) {
  EXPECT_EQ(default_message_id(message(std::nullopt, Bytes{1}, std::nullopt)), "");
  EXPECT_EQ(default_message_id(message(Bytes{'a'}, std::nullopt, std::nullopt)), "a");
  EXPECT_EQ(default_message_id(message(std::nullopt, std::nullopt, Bytes{'b'})), "b");
}

TEST(MessageId, ContentIsSha256OfData) {
  // FIPS 180-2 test vectors.
  EXPECT_EQ(
      message_id_hex(content_message_id(message(std::nullopt, to_bytes("abc"), std::nullopt))),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string empty_sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  EXPECT_EQ(message_id_hex(content_message_id(message(std::nullopt, Bytes{}, std::nullopt))),
            empty_sha);
  EXPECT_EQ(message_id_hex(content_message_id(message(std::nullopt, std::nullopt, std::nullopt))),
            empty_sha);
  // From and seqno do not enter it.
  EXPECT_EQ(content_message_id(message(Bytes{1}, to_bytes("abc"), Bytes{2})),
            content_message_id(message(std::nullopt, to_bytes("abc"), std::nullopt)));
  EXPECT_EQ(content_message_id(message(std::nullopt, to_bytes("abc"), std::nullopt)).size(), 32u);
}

TEST(MessageId, HexIsLowerCase) {
  EXPECT_EQ(message_id_hex(std::string("\x00\xab\xff", 3)), "00abff");
  EXPECT_EQ(message_id_hex(""), "");
}

TEST(MessageId, FnHoldsEither) {
  MessageIdFn fn = default_message_id;
  EXPECT_EQ(fn(message(Bytes{'a'}, std::nullopt, Bytes{'b'})), "ab");
  fn = content_message_id;
  EXPECT_EQ(fn(message(Bytes{'a'}, std::nullopt, Bytes{'b'})).size(), 32u);
}

}  // namespace
}  // namespace aipg::gossipsub
