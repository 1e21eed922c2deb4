// Known answers for the primitives: ChaCha20-Poly1305 (RFC 8439), the Noise nonce layout,
// HKDF (RFC 5869) and the Noise HKDF / SymmetricState rules.
#include "protocol/noise/cipher_state.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include "protocol/noise/symmetric_state.hpp"
#include "test_util.hpp"

namespace aipg::noise {
namespace {

using test::hex;

constexpr std::string_view kSunscreen =
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, "
    "sunscreen would be it.";

Key key_80() {
  Key k;
  for (size_t i = 0; i < k.size(); ++i) k[i] = uint8_t(0x80 + i);
  return k;
}

TEST(ChaChaPoly, Rfc8439Section282) {
  ChaChaPoly aead;
  aead.set_key(key_80());
  const Bytes nonce = hex("070000004041424344454647");
  const Bytes ad = hex("50515253c0c1c2c3c4c5c6c7");
  Bytes out(kSunscreen.size() + kTagSize);
  aead.seal(nonce.data(), ad, as_bytes(kSunscreen), out.data());
  EXPECT_EQ(to_hex(out),
            "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca96712"
            "82fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58"
            "fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116"
            "1ae10b594f09e26a7e902ecbd0600691");
  Bytes back(kSunscreen.size());
  ASSERT_TRUE(aead.open(nonce.data(), ad, out, back.data()));
  EXPECT_EQ(as_chars(back), kSunscreen);
  out[5] ^= 1;
  EXPECT_FALSE(aead.open(nonce.data(), ad, out, back.data()));
}

TEST(ChaChaPoly, InPlace) {
  ChaChaPoly aead;
  aead.set_key(key_80());
  uint8_t nonce[12] = {};
  Bytes buf = test::pattern(1000);
  const Bytes orig = buf;
  buf.resize(1000 + kTagSize);
  aead.seal(nonce, {}, BytesView(buf).first(1000), buf.data());
  ASSERT_TRUE(aead.open(nonce, {}, buf, buf.data()));
  buf.resize(1000);
  EXPECT_EQ(buf, orig);
}

TEST(CipherState, NonceIsFourZerosThenLittleEndianCounter) {
  EXPECT_EQ(to_hex(CipherState::nonce_bytes(0x4746454443424140)), "000000004041424344454647");
  EXPECT_EQ(to_hex(CipherState::nonce_bytes(1)), "000000000100000000000000");
  // And the cipher state really uses it: compare with libsodium's independent implementation.
  CipherState cs;
  cs.initialize_key(key_80());
  cs.set_nonce(0x4746454443424140);
  const Bytes ad = hex("50515253c0c1c2c3c4c5c6c7");
  Bytes ours(kSunscreen.size() + kTagSize);
  ASSERT_TRUE(cs.encrypt_with_ad(ad, as_bytes(kSunscreen), ours.data()));
  EXPECT_EQ(cs.nonce(), 0x4746454443424141u);
  Bytes theirs(ours.size());
  unsigned long long len = 0;
  const auto nonce = CipherState::nonce_bytes(0x4746454443424140);
  const Key k = key_80();
  crypto_aead_chacha20poly1305_ietf_encrypt(
      theirs.data(), &len, reinterpret_cast<const uint8_t*>(kSunscreen.data()), kSunscreen.size(),
      ad.data(), ad.size(), nullptr, nonce.data(), k.data());
  EXPECT_EQ(ours, theirs);
}

TEST(CipherState, WithoutKeyPassesThrough) {
  CipherState cs;
  EXPECT_FALSE(cs.has_key());
  Bytes pt = test::pattern(40), out(40);
  ASSERT_TRUE(cs.encrypt_with_ad({}, pt, out.data()));
  EXPECT_EQ(out, pt);
  EXPECT_EQ(cs.nonce(), 0u);
}

TEST(CipherState, RoundTripAndWrongTag) {
  CipherState a, b;
  a.initialize_key(key_80());
  b.initialize_key(key_80());
  for (int i = 0; i < 3; ++i) {
    Bytes pt = test::pattern(100, uint8_t(i)), ct(116), back(100);
    ASSERT_TRUE(a.encrypt_with_ad(as_bytes("ad"), pt, ct.data()));
    ASSERT_TRUE(b.decrypt_with_ad(as_bytes("ad"), ct, back.data()));
    EXPECT_EQ(back, pt);
  }
  Bytes pt(10), ct(26), back(10);
  ASSERT_TRUE(a.encrypt_with_ad({}, pt, ct.data()));
  ct.back() ^= 0x80;
  auto st = b.decrypt_with_ad({}, ct, back.data());
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::auth_failed);
  EXPECT_EQ(b.nonce(), 3u);  // a failed decryption does not consume the nonce
  auto short_ct = b.decrypt_with_ad({}, BytesView(ct).first(15), back.data());
  ASSERT_FALSE(short_ct);
  EXPECT_EQ(short_ct.error().code, Errc::malformed);
}

TEST(CipherState, NonceMaxIsReserved) {
  CipherState cs;
  cs.initialize_key(key_80());
  cs.set_nonce(kMaxNonce - 1);
  Bytes pt(1), ct(17);
  ASSERT_TRUE(cs.encrypt_with_ad({}, pt, ct.data()));
  auto st = cs.encrypt_with_ad({}, pt, ct.data());
  ASSERT_FALSE(st);
  EXPECT_EQ(cs.nonce(), kMaxNonce);
  CipherState rx;
  rx.initialize_key(key_80());
  rx.set_nonce(kMaxNonce);
  EXPECT_FALSE(rx.decrypt_with_ad({}, ct, pt.data()));
}

TEST(Hkdf, Rfc5869TestCase1) {
  const Bytes ikm(22, 0x0b);
  const Bytes salt = hex("000102030405060708090a0b0c");
  const Bytes info = hex("f0f1f2f3f4f5f6f7f8f9");
  EXPECT_EQ(to_hex(hmac_sha256(salt, ikm)),
            "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
  EXPECT_EQ(to_hex(hkdf_sha256(salt, ikm, info, 42)),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(Hkdf, Rfc5869TestCase3EmptySaltAndInfo) {
  const Bytes ikm(22, 0x0b);
  EXPECT_EQ(to_hex(hkdf_sha256({}, ikm, {}, 42)),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(Hkdf, NoiseHkdfIsRfc5869WithEmptyInfo) {
  Hash ck;
  for (size_t i = 0; i < ck.size(); ++i) ck[i] = uint8_t(i * 7);
  const Bytes ikm = test::pattern(32, 9);
  auto [o1, o2] = noise_hkdf2(ck, ikm);
  const Bytes rfc = hkdf_sha256(ck, ikm, {}, 64);
  EXPECT_EQ(Bytes(o1.begin(), o1.end()), Bytes(rfc.begin(), rfc.begin() + 32));
  EXPECT_EQ(Bytes(o2.begin(), o2.end()), Bytes(rfc.begin() + 32, rfc.end()));
}

TEST(SymmetricState, InitialHashIsTheNameItself) {
  SymmetricState ss("Noise_XX_25519_ChaChaPoly_SHA256");
  EXPECT_EQ(as_chars(ss.handshake_hash()), "Noise_XX_25519_ChaChaPoly_SHA256");
  EXPECT_EQ(ss.chaining_key(), ss.handshake_hash());
  EXPECT_FALSE(ss.has_key());
  // Shorter names are zero padded, longer ones hashed.
  SymmetricState shorter("abc");
  EXPECT_EQ(to_hex(shorter.handshake_hash()), "616263" + std::string(58, '0'));
  const std::string long_name(40, 'x');
  SymmetricState longer(long_name);
  EXPECT_EQ(longer.handshake_hash(), sha256(as_bytes(long_name)));
}

TEST(SymmetricState, MixHashAndEncryptAndHash) {
  SymmetricState ss("Noise_XX_25519_ChaChaPoly_SHA256");
  const Hash h0 = ss.handshake_hash();
  ss.mix_hash({});
  Bytes cat(h0.begin(), h0.end());
  EXPECT_EQ(ss.handshake_hash(), sha256(cat));
  // Without a key EncryptAndHash is MixHash(plaintext).
  Bytes out;
  ASSERT_TRUE(ss.encrypt_and_hash(as_bytes("abc"), out));
  EXPECT_EQ(as_chars(out), "abc");
  ss.mix_key(test::pattern(32));
  ASSERT_TRUE(ss.has_key());
  out.clear();
  const Hash before = ss.handshake_hash();
  ASSERT_TRUE(ss.encrypt_and_hash(as_bytes("abc"), out));
  EXPECT_EQ(out.size(), 3 + kTagSize);
  Bytes mixed(before.begin(), before.end());
  append(mixed, out);
  EXPECT_EQ(ss.handshake_hash(), sha256(mixed));
}

}  // namespace
}  // namespace aipg::noise
