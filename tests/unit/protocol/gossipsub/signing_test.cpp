#include "protocol/gossipsub/signing.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "protocol/gossipsub/codec.hpp"
#include "wire/peer_id.hpp"
#include "wire/varint.hpp"

namespace aipg::gossipsub {
namespace {

Bytes hex(std::string_view h) {
  Bytes out;
  EXPECT_TRUE(from_hex(h, out)) << h;
  return out;
}

wire::KeyPair key_from(uint8_t fill) { return wire::KeyPair::from_seed(Bytes(32, fill)).value(); }

// The known answer printed by gen_signing_kat.mjs (js-libp2p @libp2p/gossipsub 17.1.1's own
// buildRawMessage, cross-checked there against @libp2p/crypto over the documented payload).
constexpr char kKatSeed[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr char kKatTopic[] = "aipg/kat/1";
constexpr char kKatData[] = "hello gossipsub";
constexpr uint64_t kKatSeqno = 0x17979cfe362a0001;  // js: 1700000000000 ms × 10^6 + 1
constexpr char kKatFrom[] =
    "00240801122003a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
constexpr char kKatSignature[] =
    "3c4ad3a4b7685b597cf885ac13593ecb1cf3d016d6c2187b4504834f1260ee3f"
    "7f777cf619546fbb987705f48fdaddd84786855314b9e49011b894b0e03bc301";
// js's RPC.Message encoding of that message with `key` left out, as we send it.
constexpr char kKatMessage[] =
    "0a2600240801122003a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8120f68656c6c"
    "6f20676f737369707375621a0817979cfe362a0001220a616970672f6b61742f312a403c4ad3a4b7685b597cf885"
    "ac13593ecb1cf3d016d6c2187b4504834f1260ee3f7f777cf619546fbb987705f48fdaddd84786855314b9e49011"
    "b894b0e03bc301";

wire::KeyPair kat_key() { return wire::KeyPair::from_seed(hex(kKatSeed)).value(); }

// `m`, changed by `edit`, as a fresh value.
template <class F>
Message edited(const MessagePtr& m, F&& edit) {
  Message copy = *m;
  edit(copy);
  return copy;
}

TEST(Signing, JsKnownAnswer) {
  const MessagePtr m = make_signed_message(kat_key(), kKatTopic, to_bytes(kKatData), kKatSeqno);
  EXPECT_EQ(to_hex(*m->from), kKatFrom);
  EXPECT_EQ(to_hex(*m->seqno), "17979cfe362a0001");
  EXPECT_EQ(m->topic, kKatTopic);
  EXPECT_EQ(m->data, to_bytes(kKatData));
  EXPECT_EQ(to_hex(*m->signature), kKatSignature);
  EXPECT_EQ(m->key, std::nullopt);
  EXPECT_EQ(verify_strict_sign(*m), std::nullopt);

  // Byte for byte what js encodes: an RPC holding it is 0x12 ‖ length ‖ the js bytes.
  Rpc rpc;
  rpc.publish = {m};
  Bytes want{0x12};
  wire::put_uvarint_frame(want, hex(kKatMessage));
  EXPECT_EQ(encode_rpc(rpc), want);
}

TEST(Signing, JsMessageVerifies) {
  Bytes rpc{0x12};
  wire::put_uvarint_frame(rpc, hex(kKatMessage));
  auto decoded = decode_rpc(rpc, {});
  ASSERT_TRUE(decoded.has_value()) << decoded.error().to_string();
  const Message& m = *decoded->publish.at(0);
  EXPECT_EQ(verify_strict_sign(m), std::nullopt);
  // js itself sends the key too (its PublicKey protobuf); that must verify as well.
  Message with_key = m;
  with_key.key = kat_key().public_key().to_protobuf();
  EXPECT_EQ(verify_strict_sign(with_key), std::nullopt);
}

TEST(Signing, SignedMessageSurvivesTheCodec) {
  Rpc rpc;
  rpc.publish = {make_signed_message(key_from(3), "t", Bytes{}, 0),
                 make_signed_message(key_from(4), "", Bytes(5000, 0xab), UINT64_MAX)};
  auto back = decode_rpc(encode_rpc(rpc), {});
  ASSERT_TRUE(back.has_value());
  ASSERT_TRUE(same_rpc(*back, rpc));
  for (const MessagePtr& m : back->publish) EXPECT_EQ(verify_strict_sign(*m), std::nullopt);
}

TEST(Signing, SeqnoIsEightBytesBigEndian) {
  const MessagePtr m = make_signed_message(key_from(1), "t", {}, 0x0102030405060708);
  EXPECT_EQ(m->seqno, (Bytes{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(m->from, PeerId::from_public_key(key_from(1).public_key()).multihash());
  EXPECT_EQ(m->data, Bytes{});  // present though empty
}

TEST(Signing, TamperingBreaksTheSignature) {
  const MessagePtr m = make_signed_message(key_from(1), "topic", to_bytes("data"), 42);
  using E = SignatureError;
  EXPECT_EQ(verify_strict_sign(edited(m, [](Message& x) { x.data = to_bytes("datA"); })),
            E::kInvalidSignature);
  EXPECT_EQ(verify_strict_sign(edited(m, [](Message& x) { x.data = std::nullopt; })),
            E::kInvalidSignature);
  EXPECT_EQ(verify_strict_sign(edited(m, [](Message& x) { x.topic = "topiC"; })),
            E::kInvalidSignature);
  EXPECT_EQ(verify_strict_sign(edited(m, [](Message& x) { x.seqno->back() ^= 1; })),
            E::kInvalidSignature);
  EXPECT_EQ(verify_strict_sign(edited(m, [](Message& x) { x.signature->front() ^= 1; })),
            E::kInvalidSignature);
  EXPECT_EQ(verify_strict_sign(edited(m, [](Message& x) { x.signature->pop_back(); })),
            E::kInvalidSignature);
  // Another author: the signature does not verify under the key inlined in the new `from`.
  const Bytes other = PeerId::from_public_key(key_from(2).public_key()).multihash();
  EXPECT_EQ(verify_strict_sign(edited(m, [&](Message& x) { x.from = other; })),
            E::kInvalidSignature);
}

TEST(Signing, AbsentAndEmptyDataSignDifferently) {
  const wire::KeyPair k = key_from(5);
  Message m{PeerId::from_public_key(k.public_key()).multihash(),
            std::nullopt,
            Bytes(8, 0),
            "t",
            std::nullopt,
            std::nullopt};
  Bytes payload = to_bytes(kSignPrefix);
  append(payload, signing_bytes(m));
  const auto sig = k.sign(payload);
  m.signature.emplace(sig.begin(), sig.end());
  EXPECT_EQ(verify_strict_sign(m), std::nullopt);
  m.data = Bytes{};
  EXPECT_EQ(verify_strict_sign(m), SignatureError::kInvalidSignature);
}

TEST(Signing, MissingOrInvalidFields) {
  const MessagePtr m = make_signed_message(key_from(1), "t", to_bytes("d"), 1);
  using E = SignatureError;
  EXPECT_EQ(verify_strict_sign(edited(m, [](Message& x) { x.from = std::nullopt; })),
            E::kMissingFrom);
  EXPECT_EQ(verify_strict_sign(edited(m,
                                      [](Message& x) {
                                        x.from = Bytes{1, 2, 3};
                                      })),
            E::kInvalidFrom);
  EXPECT_EQ(verify_strict_sign(edited(m, [](Message& x) { x.from = Bytes{}; })), E::kInvalidFrom);
  EXPECT_EQ(verify_strict_sign(edited(m, [](Message& x) { x.seqno = std::nullopt; })),
            E::kMissingSeqno);
  EXPECT_EQ(verify_strict_sign(edited(m, [](Message& x) { x.seqno->pop_back(); })),
            E::kInvalidSeqno);
  EXPECT_EQ(verify_strict_sign(edited(m, [](Message& x) { x.seqno->push_back(0); })),
            E::kInvalidSeqno);
  EXPECT_EQ(verify_strict_sign(edited(m, [](Message& x) { x.signature = std::nullopt; })),
            E::kMissingSignature);
}

TEST(Signing, KeyField) {
  const MessagePtr m = make_signed_message(key_from(1), "t", to_bytes("d"), 1);
  using E = SignatureError;
  EXPECT_EQ(verify_strict_sign(
                edited(m, [](Message& x) { x.key = key_from(1).public_key().to_protobuf(); })),
            std::nullopt);
  EXPECT_EQ(verify_strict_sign(
                edited(m, [](Message& x) { x.key = key_from(2).public_key().to_protobuf(); })),
            E::kKeyMismatch);
  EXPECT_EQ(verify_strict_sign(edited(m,
                                      [](Message& x) {
                                        x.key = Bytes{1, 2, 3};
                                      })),
            E::kInvalidKey);
  EXPECT_EQ(verify_strict_sign(edited(m, [](Message& x) { x.key = Bytes{}; })), E::kInvalidKey);

  // A sha2-256 peer id inlines no key: without a `key` field nothing can verify; an Ed25519
  // key cannot match it either (Ed25519 ids are always identity multihashes).
  Bytes sha_id{0x12, 0x20};
  sha_id.resize(34, 0x77);
  const Message sha = edited(m, [&](Message& x) { x.from = sha_id; });
  EXPECT_EQ(verify_strict_sign(sha), E::kNoKey);
  EXPECT_EQ(verify_strict_sign(
                edited(std::make_shared<const Message>(sha),
                       [](Message& x) { x.key = key_from(1).public_key().to_protobuf(); })),
            E::kKeyMismatch);
}

TEST(Signing, StrictNoSign) {
  const Message bare{std::nullopt, to_bytes("d"), std::nullopt, "t", std::nullopt, std::nullopt};
  EXPECT_EQ(verify_strict_no_sign(bare), std::nullopt);
  const MessagePtr b = std::make_shared<const Message>(bare);
  using E = SignatureError;
  EXPECT_EQ(verify_strict_no_sign(edited(b, [](Message& x) { x.from = Bytes{}; })),
            E::kUnexpectedFrom);
  EXPECT_EQ(verify_strict_no_sign(edited(b, [](Message& x) { x.seqno = Bytes(8, 0); })),
            E::kUnexpectedSeqno);
  EXPECT_EQ(verify_strict_no_sign(edited(b, [](Message& x) { x.signature = Bytes(64, 0); })),
            E::kUnexpectedSignature);
  EXPECT_EQ(verify_strict_no_sign(edited(b, [](Message& x) { x.key = Bytes{}; })),
            E::kUnexpectedKey);
  // A signed message is refused under StrictNoSign, and a bare one under StrictSign.
  EXPECT_EQ(verify_strict_no_sign(*make_signed_message(key_from(1), "t", {}, 1)),
            E::kUnexpectedFrom);
  EXPECT_EQ(verify_strict_sign(bare), E::kMissingFrom);
}

TEST(Signing, ErrorNamesAreDistinctSnakeCase) {
  std::set<std::string> names;
  for (int e = int(SignatureError::kMissingFrom); e <= int(SignatureError::kUnexpectedKey); ++e) {
    const std::string name = to_string(SignatureError(e));
    EXPECT_NE(name, "unknown");
    EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_"), std::string::npos) << name;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), 13u);
  EXPECT_STREQ(to_string(SignatureError::kInvalidSignature), "invalid_signature");
  EXPECT_STREQ(to_string(SignatureError::kKeyMismatch), "key_mismatch");
}

}  // namespace
}  // namespace aipg::gossipsub
