#include "wire/peer_id.hpp"

#include <gtest/gtest.h>

#include "wire/base58.hpp"

namespace aipg::wire {
namespace {

Bytes seed_one() {
  Bytes s(32, 0);
  s[31] = 1;
  return s;
}

// Known answer from js-libp2p (@libp2p/crypto generateKeyPairFromSeed('Ed25519', 00…01)).
constexpr char kSeedOnePeerId[] = "12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp";

TEST(PeerId, FromFixedSeedMatchesJsLibp2p) {
  auto kp = KeyPair::from_seed(seed_one());
  ASSERT_TRUE(kp);
  const auto& pk = kp->public_key().raw();
  EXPECT_EQ(to_hex(BytesView(pk).first(4)), "4cb5abf6");
  EXPECT_EQ(to_hex(BytesView(pk).last(3)), "a5ba29");
  auto id = PeerId::from_public_key(kp->public_key());
  EXPECT_EQ(id.to_base58(), kSeedOnePeerId);
  // identity multihash of `08 01 12 20 ‖ key`
  EXPECT_EQ(to_hex(BytesView(id.multihash()).first(6)), "002408011220");
}

TEST(PeerId, ParsesBase58AndCidToTheSameId) {
  auto a = PeerId::parse(kSeedOnePeerId);
  ASSERT_TRUE(a) << a.error().to_string();
  auto cid = a->to_cid();
  EXPECT_EQ(cid[0], 'b');
  auto b = PeerId::parse(cid);
  ASSERT_TRUE(b) << b.error().to_string();
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(b->to_base58(), kSeedOnePeerId);
}

TEST(PeerId, ExtractsTheInlinedKey) {
  auto kp = KeyPair::from_seed(seed_one());
  auto id = PeerId::parse(kSeedOnePeerId);
  ASSERT_TRUE(id);
  auto pk = id->public_key();
  ASSERT_TRUE(pk.has_value());
  EXPECT_EQ(*pk, kp->public_key());
  EXPECT_TRUE(id->matches(kp->public_key()));
  EXPECT_FALSE(id->matches(KeyPair::generate().public_key()));
}

TEST(PeerId, AcceptsSha256Ids) {
  // A typical RSA-era id: sha2-256 multihash.
  auto id = PeerId::parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
  ASSERT_TRUE(id) << id.error().to_string();
  EXPECT_EQ(id->multihash()[0], 0x12);
  EXPECT_FALSE(id->public_key().has_value());
}

TEST(PeerId, RejectsBadInput) {
  EXPECT_FALSE(PeerId::parse(""));
  EXPECT_FALSE(PeerId::parse("0OIl"));                                   // not base58
  EXPECT_FALSE(PeerId::parse("12D3KooWEyoppNCUx8Yx66oV"));               // truncated multihash
  auto r = PeerId::parse(base58_encode(Bytes{0x11, 0x02, 0xaa, 0xbb}));  // sha1
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unsupported);
  // identity multihash whose digest is not a PublicKey
  EXPECT_FALSE(PeerId::parse(base58_encode(Bytes{0x00, 0x02, 0xaa, 0xbb})));
}

TEST(Keys, SignAndVerify) {
  auto kp = KeyPair::generate();
  auto sig = kp.sign(as_bytes("hello"));
  EXPECT_TRUE(kp.public_key().verify(as_bytes("hello"), sig));
  EXPECT_FALSE(kp.public_key().verify(as_bytes("hellp"), sig));
  sig[0] ^= 1;
  EXPECT_FALSE(kp.public_key().verify(as_bytes("hello"), sig));
}

TEST(Keys, PrivateKeyProtobufRoundTrips) {
  auto kp = KeyPair::from_seed(seed_one());
  Bytes pb = kp->to_protobuf();
  EXPECT_EQ(pb.size(), 68u);
  EXPECT_EQ(to_hex(BytesView(pb).first(4)), "08011240");
  auto back = KeyPair::from_protobuf(pb);
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->public_key(), kp->public_key());
  pb.back() ^= 1;  // public half no longer matches the seed
  auto bad = KeyPair::from_protobuf(pb);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("does not match"), std::string::npos);
}

TEST(Keys, PublicKeyProtobufRejectsOtherKeyTypes) {
  Bytes secp{0x08, 0x02, 0x12, 0x21};
  secp.resize(4 + 33, 0x02);
  auto r = PublicKey::from_protobuf(secp);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unsupported);
}

}  // namespace
}  // namespace aipg::wire
