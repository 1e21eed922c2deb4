// The noise-libp2p handshake: a known-answer transcript produced by js-libp2p's own noise code
// (@libp2p/noise 17.0.3 with the same fixed keys), back-to-back runs, and every failure path.
#include "protocol/noise/handshake.hpp"

#include <gtest/gtest.h>

#include "noise.pb.h"
#include "test_util.hpp"

namespace aipg::noise {
namespace {

using test::hex;
using test::identity;
using test::params;
using test::pump;
using test::run;

// From js: initiator identity seed 00..01, static secret 10..2f, ephemeral 30..4f; responder
// identity seed 00..02, static 50..6f, ephemeral 70..8f; both send stream_muxers
// ["/yamux/1.0.0"]; empty prologue. Then each side encrypts one greeting.
constexpr char kJsMsg1[] = "34e42d4af5ef94a07a3a84201b889d4cd1a743cb27b11b6a10438a8feb8e5847";
constexpr char kJsMsg2[] =
    "23b7bb8c91ae008711fb12846780bcdf1e065f821bdfec49f57e7c7dcd4c482327032a4bfa621b5f9208c691f1cc"
    "45b8e08661ec17e5244214054e80bf6b3ae499ed417497fad0b26b7498c9672039c030df8999bbce6ea7710f203b"
    "0ea148a8f6d3119fb844df5cce12ff54806d240205d0c33be5ac7725632368f2aeaccf1c442513cbb2252925f0f1"
    "6ce9a0870714db1d13598f9f1604775578780a73ae54e32b6ac7ea26e4460289d43cb9f69ab2e6621a3f0323daf5"
    "40878cbd038c89da4718c555787aff466ff06dcd2217de0ff0e000ac8fc84a70";
constexpr char kJsMsg3[] =
    "98471a57b51f7c06f7eabfcd22fda267ce80fc43beb48c4be5cf91469161f996bb07754287398c90f678f579e3a5"
    "ab896ed1eb6c4db2feb3963f7435246cd48e6cbd141e85eacb968220cf3337c0d87f73c42ab3e779834b311abe44"
    "30aef292d4c076cb79538688288c607195b3c3884edf4bd8834291970e5a6a144459c5fa08a0fb3094b31ca72bb3"
    "8e70af5f71a48e1598422fa5a287eb8af2bb2437ccf16b1f5d5b34e8a2cb690b293fd2d16bf6733b8b3c8067baa1";
constexpr char kJsInitiatorGreeting[] =
    "53e71ca0f6baaa33d44f0108fb7295531298e59d387c205eb173ed46ba2641f810e7809468156816";
constexpr char kJsResponderGreeting[] =
    "3ea6d492adb79cf4fb840c4011aebb3a47d633c3826d91ce50a49ad800b08182c5f669786746cc5d";
constexpr char kJsHandshakeHash[] =
    "61c4162d6bc85585d458218213eac6f76a09e1c57da6129878d44a690fd16034";

Bytes framed(std::string_view message_hex) {
  Bytes m = hex(message_hex);
  Bytes out(2 + m.size());
  put_be16(out.data(), uint16_t(m.size()));
  std::copy(m.begin(), m.end(), out.begin() + 2);
  return out;
}

Bytes take(Handshake& h) {
  Bytes out;
  h.take_output(out);
  return out;
}

TEST(Handshake, MatchesJsLibp2pTranscript) {
  const auto id_i = identity(1), id_r = identity(2);
  auto pi = params(id_i, 0x10, 0x30);
  auto pr = params(id_r, 0x50, 0x70);
  pi.stream_muxers = pr.stream_muxers = {"/yamux/1.0.0"};
  pi.expected_remote = wire::PeerId::from_public_key(id_r.public_key());
  Handshake hi(Role::kInitiator, std::move(pi));
  Handshake hr(Role::kResponder, std::move(pr));

  ASSERT_TRUE(hi.start());
  Bytes m1 = take(hi);
  EXPECT_EQ(to_hex(m1), to_hex(framed(kJsMsg1)));
  ASSERT_TRUE(hr.on_bytes(m1));
  Bytes m2 = take(hr);
  EXPECT_EQ(to_hex(m2), to_hex(framed(kJsMsg2)));
  ASSERT_TRUE(hi.on_bytes(m2));
  ASSERT_TRUE(hi.done());
  Bytes m3 = take(hi);
  EXPECT_EQ(to_hex(m3), to_hex(framed(kJsMsg3)));
  ASSERT_TRUE(hr.on_bytes(m3));
  ASSERT_TRUE(hr.done());

  auto ri = hi.finish();
  auto rr = hr.finish();
  ASSERT_TRUE(ri && rr);
  EXPECT_EQ(to_hex(ri->handshake_hash), kJsHandshakeHash);
  EXPECT_EQ(ri->handshake_hash, rr->handshake_hash);
  EXPECT_EQ(ri->remote_muxers, std::vector<std::string>{"/yamux/1.0.0"});
  EXPECT_EQ(rr->remote_muxers, std::vector<std::string>{"/yamux/1.0.0"});
  EXPECT_EQ(rr->remote.to_base58(), "12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp");

  Bytes t1, t2;
  ASSERT_TRUE(ri->transport.encrypt(as_bytes("hello from the initiator"), t1));
  ASSERT_TRUE(rr->transport.encrypt(as_bytes("hello from the responder"), t2));
  EXPECT_EQ(to_hex(t1), to_hex(framed(kJsInitiatorGreeting)));
  EXPECT_EQ(to_hex(t2), to_hex(framed(kJsResponderGreeting)));
}

TEST(Handshake, FirstMessageIsTheEphemeralKey) {
  const auto id = identity(7);
  Handshake h(Role::kInitiator, params(id, 0x01, 0x99));
  ASSERT_TRUE(h.start());
  Bytes expected = {0x00, 0x20};
  const DhKey e_pub = x25519_public(test::seq32(0x99));
  expected.insert(expected.end(), e_pub.begin(), e_pub.end());
  EXPECT_EQ(take(h), expected);
  // Same inputs, same bytes.
  Handshake again(Role::kInitiator, params(id, 0x01, 0x99));
  ASSERT_TRUE(again.start());
  EXPECT_EQ(take(again), expected);
}

TEST(Handshake, BackToBackBothLearnEachOther) {
  const auto id_i = identity(1), id_r = identity(2);
  auto pi = params(id_i, 0x10, 0x30);
  pi.expected_remote = wire::PeerId::from_public_key(id_r.public_key());
  pi.stream_muxers = {"/yamux/1.0.0", "/mplex/6.7.0"};
  Handshake hi(Role::kInitiator, std::move(pi));
  Handshake hr(Role::kResponder, params(id_r, 0x50, 0x70));
  ASSERT_TRUE(run(hi, hr));
  ASSERT_TRUE(hi.done() && hr.done());
  EXPECT_FALSE(hi.has_output() || hr.has_output());
  auto ri = hi.finish();
  auto rr = hr.finish();
  ASSERT_TRUE(ri && rr);
  EXPECT_EQ(ri->remote, wire::PeerId::from_public_key(id_r.public_key()));
  EXPECT_EQ(rr->remote, wire::PeerId::from_public_key(id_i.public_key()));
  EXPECT_EQ(rr->remote_key, id_i.public_key());
  EXPECT_TRUE(ri->remote_muxers.empty());  // the responder sent no extensions
  EXPECT_EQ(rr->remote_muxers, (std::vector<std::string>{"/yamux/1.0.0", "/mplex/6.7.0"}));
  EXPECT_TRUE(ri->leftover.empty() && rr->leftover.empty());
  // finish() is once only.
  EXPECT_FALSE(hi.finish());
}

TEST(Handshake, ByteAtATime) {
  const auto id_i = identity(1), id_r = identity(2);
  Handshake hi(Role::kInitiator, params(id_i, 0x10, 0x30));
  Handshake hr(Role::kResponder, params(id_r, 0x50, 0x70));
  ASSERT_TRUE(run(hi, hr, /*chunk=*/1));
  auto ri = hi.finish();
  auto rr = hr.finish();
  ASSERT_TRUE(ri && rr);
  Bytes ct, pt;
  ASSERT_TRUE(ri->transport.encrypt(as_bytes("ping"), ct));
  ASSERT_TRUE(rr->transport.decrypt(ct, pt));
  EXPECT_EQ(as_chars(pt), "ping");
}

TEST(Handshake, PipelinedDataBecomesLeftover) {
  const auto id_i = identity(1), id_r = identity(2);
  Handshake hi(Role::kInitiator, params(id_i, 0x10, 0x30));
  Handshake hr(Role::kResponder, params(id_r, 0x50, 0x70));
  ASSERT_TRUE(hi.start());
  ASSERT_TRUE(pump(hi, hr));
  ASSERT_TRUE(pump(hr, hi));
  ASSERT_TRUE(hi.done());
  auto ri = hi.finish();
  ASSERT_TRUE(ri);
  // The initiator sends message 3 and its first transport frames in one write.
  Bytes wire_bytes = take(hi);
  const size_t msg3_len = wire_bytes.size();
  const Bytes data = test::pattern(70000);
  ASSERT_TRUE(ri->transport.encrypt(data, wire_bytes));
  // Split oddly: message 3 and part of the first frame, then the rest after done().
  const size_t cut = msg3_len + 100;
  ASSERT_TRUE(hr.on_bytes(BytesView(wire_bytes).first(cut)));
  ASSERT_TRUE(hr.done());
  ASSERT_TRUE(hr.on_bytes(BytesView(wire_bytes).subspan(cut)));
  auto rr = hr.finish();
  ASSERT_TRUE(rr);
  EXPECT_EQ(rr->leftover.size(), wire_bytes.size() - msg3_len);
  Bytes pt;
  ASSERT_TRUE(rr->transport.decrypt(rr->leftover, pt));
  EXPECT_EQ(pt, data);
}

// Rewrites the serialized payload through protobuf.
std::function<void(Bytes&)> edit_payload(std::function<void(pb::noise::NoiseHandshakePayload&)> f) {
  return [f](Bytes& b) {
    pb::noise::NoiseHandshakePayload p;
    ASSERT_TRUE(p.ParseFromArray(b.data(), int(b.size())));
    f(p);
    b.resize(p.ByteSizeLong());
    p.SerializeToArray(b.data(), int(b.size()));
  };
}

void expect_error(const Status& st, Errc code, std::string_view message) {
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, code) << st.error().to_string();
  EXPECT_NE(st.error().message.find(message), std::string::npos) << st.error().message;
}

TEST(Handshake, ResponderBadSignatureFailsInitiator) {
  const auto id_i = identity(1), id_r = identity(2);
  auto pr = params(id_r, 0x50, 0x70);
  pr.payload_hook_for_tests =
      edit_payload([](auto& p) { (*p.mutable_identity_sig())[10] ^= 0x01; });
  Handshake hi(Role::kInitiator, params(id_i, 0x10, 0x30));
  Handshake hr(Role::kResponder, std::move(pr));
  expect_error(run(hi, hr), Errc::auth_failed, "noise: identity signature does not verify");
  EXPECT_TRUE(hi.failed());
  EXPECT_FALSE(hi.has_output());  // no message 3 after a failure
  // Failed for good.
  EXPECT_FALSE(hi.on_bytes(Bytes{0, 0}));
  EXPECT_FALSE(hi.finish());
}

TEST(Handshake, InitiatorSigningAnotherStaticKeyFailsResponder) {
  const auto id_i = identity(1), id_r = identity(2);
  auto pi = params(id_i, 0x10, 0x30);
  // A signature that is valid, but over a different static key.
  const DhKey other = x25519_public(test::seq32(0xaa));
  Bytes msg = to_bytes(kStaticKeySignaturePrefix);
  msg.insert(msg.end(), other.begin(), other.end());
  const auto sig = id_i.sign(msg);
  pi.payload_hook_for_tests =
      edit_payload([sig](auto& p) { p.set_identity_sig(sig.data(), sig.size()); });
  Handshake hi(Role::kInitiator, std::move(pi));
  Handshake hr(Role::kResponder, params(id_r, 0x50, 0x70));
  expect_error(run(hi, hr), Errc::auth_failed, "noise: identity signature does not verify");
  EXPECT_TRUE(hr.failed());
}

TEST(Handshake, WrongExpectedPeer) {
  const auto id_i = identity(1), id_r = identity(2), id_x = identity(3);
  auto pi = params(id_i, 0x10, 0x30);
  const auto want = wire::PeerId::from_public_key(id_x.public_key());
  const auto got = wire::PeerId::from_public_key(id_r.public_key());
  pi.expected_remote = want;
  Handshake hi(Role::kInitiator, std::move(pi));
  Handshake hr(Role::kResponder, params(id_r, 0x50, 0x70));
  expect_error(run(hi, hr), Errc::auth_failed,
               "noise: expected peer " + want.to_base58() + ", got " + got.to_base58());
}

TEST(Handshake, NonEd25519IdentityKey) {
  const auto id_i = identity(1), id_r = identity(2);
  auto pr = params(id_r, 0x50, 0x70);
  pr.payload_hook_for_tests = edit_payload([](auto& p) {
    Bytes secp = {0x08, 0x02, 0x12, 0x21, 0x02};  // Secp256k1, a 33-byte compressed point
    secp.resize(4 + 33, 0x11);
    p.set_identity_key(secp.data(), secp.size());
  });
  Handshake hi(Role::kInitiator, params(id_i, 0x10, 0x30));
  Handshake hr(Role::kResponder, std::move(pr));
  expect_error(run(hi, hr), Errc::unsupported, "noise: public key: key type 2");
}

TEST(Handshake, PayloadNotProtobuf) {
  const auto id_i = identity(1), id_r = identity(2);
  auto pr = params(id_r, 0x50, 0x70);
  pr.payload_hook_for_tests = [](Bytes& b) { b = {0xff, 0xff, 0xff}; };
  Handshake hi(Role::kInitiator, params(id_i, 0x10, 0x30));
  Handshake hr(Role::kResponder, std::move(pr));
  expect_error(run(hi, hr), Errc::malformed, "noise: handshake payload is not");
}

TEST(Handshake, PayloadWithoutIdentity) {
  const auto id_i = identity(1), id_r = identity(2);
  auto pr = params(id_r, 0x50, 0x70);
  pr.payload_hook_for_tests = [](Bytes& b) { b.clear(); };
  Handshake hi(Role::kInitiator, params(id_i, 0x10, 0x30));
  Handshake hr(Role::kResponder, std::move(pr));
  expect_error(run(hi, hr), Errc::malformed, "lacks identity_key");
}

TEST(Handshake, TruncatedFramesWaitThenShortMessagesFail) {
  const auto id_r = identity(2);
  Handshake hr(Role::kResponder, params(id_r, 0x50, 0x70));
  // A frame header promising 32 bytes and only 10 of them: nothing happens yet.
  Bytes partial = {0x00, 0x20};
  partial.resize(12, 0x42);
  ASSERT_TRUE(hr.on_bytes(partial));
  EXPECT_FALSE(hr.done() || hr.has_output() || hr.failed());

  // A whole frame too short for message 1.
  Handshake hr2(Role::kResponder, params(id_r, 0x50, 0x70));
  Bytes short1 = {0x00, 0x10};
  short1.resize(18, 0x42);
  expect_error(hr2.on_bytes(short1), Errc::malformed, "handshake message 1 is 16 bytes");
  EXPECT_TRUE(hr2.failed());

  // Message 2 must hold e, the encrypted s and a payload tag: 96 bytes at least.
  const auto id_i = identity(1);
  Handshake hi(Role::kInitiator, params(id_i, 0x10, 0x30));
  ASSERT_TRUE(hi.start());
  Bytes short2 = {0x00, 0x50};
  short2.resize(2 + 0x50, 0x42);
  expect_error(hi.on_bytes(short2), Errc::malformed, "handshake message 2 is 80 bytes");

  // Message 3 must hold the encrypted s and a payload tag: 64 bytes at least.
  Handshake hi3(Role::kInitiator, params(id_i, 0x10, 0x30));
  Handshake hr3(Role::kResponder, params(id_r, 0x50, 0x70));
  ASSERT_TRUE(hi3.start());
  ASSERT_TRUE(pump(hi3, hr3));
  Bytes short3 = {0x00, 0x30};
  short3.resize(2 + 0x30, 0x42);
  expect_error(hr3.on_bytes(short3), Errc::malformed, "handshake message 3 is 48 bytes");
}

TEST(Handshake, BytesBeforeStartAreRefused) {
  const auto id_i = identity(1);
  Handshake hi(Role::kInitiator, params(id_i, 0x10, 0x30));
  expect_error(hi.on_bytes(Bytes{0x00}), Errc::protocol_violation, "before the initiator");
}

TEST(Handshake, TamperedMessage2) {
  const auto id_i = identity(1), id_r = identity(2);
  Handshake hi(Role::kInitiator, params(id_i, 0x10, 0x30));
  Handshake hr(Role::kResponder, params(id_r, 0x50, 0x70));
  ASSERT_TRUE(hi.start());
  ASSERT_TRUE(pump(hi, hr));
  Bytes m2 = take(hr);
  m2[2 + 32 + 5] ^= 0x04;  // inside the encrypted static key
  expect_error(hi.on_bytes(m2), Errc::auth_failed, "decryption failed");
}

TEST(Handshake, TamperedMessage3Payload) {
  const auto id_i = identity(1), id_r = identity(2);
  Handshake hi(Role::kInitiator, params(id_i, 0x10, 0x30));
  Handshake hr(Role::kResponder, params(id_r, 0x50, 0x70));
  ASSERT_TRUE(hi.start());
  ASSERT_TRUE(pump(hi, hr));
  ASSERT_TRUE(pump(hr, hi));
  Bytes m3 = take(hi);
  m3[m3.size() - 20] ^= 0x01;  // inside the encrypted payload
  expect_error(hr.on_bytes(m3), Errc::auth_failed, "decryption failed");
  EXPECT_TRUE(hr.failed());
}

TEST(Handshake, LowOrderEphemeralIsRefused) {
  const auto id_r = identity(2);
  Handshake hr(Role::kResponder, params(id_r, 0x50, 0x70));
  Bytes m1 = {0x00, 0x20};
  m1.resize(34, 0x00);  // the all-zero point: the DH result would be zero
  // Message 1 carries no DH; the responder's "ee" in message 2 is where it shows.
  expect_error(hr.on_bytes(m1), Errc::protocol_violation, "low-order");
}

}  // namespace
}  // namespace aipg::noise
