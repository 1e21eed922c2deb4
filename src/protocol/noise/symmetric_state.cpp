#include "protocol/noise/symmetric_state.hpp"

#include <sodium.h>

#include <cassert>
#include <cstring>

#include "wire/keys.hpp"

namespace aipg::noise {

Hash sha256(BytesView data) {
  Hash h;
  crypto_hash_sha256(h.data(), data.data(), data.size());
  return h;
}

Hash hmac_sha256(BytesView key, BytesView data) {
  // The init/update form takes keys of any length (hashing long ones, as HMAC requires);
  // the one-shot crypto_auth_hmacsha256 insists on 32-byte keys.
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, key.data(), key.size());
  crypto_auth_hmacsha256_update(&st, data.data(), data.size());
  Hash out;
  crypto_auth_hmacsha256_final(&st, out.data());
  sodium_memzero(&st, sizeof st);
  return out;
}

Bytes hkdf_sha256(BytesView salt, BytesView ikm, BytesView info, size_t length) {
  assert(length <= 255 * kHashLen);
  // RFC 5869 §2.2: an absent salt is HashLen zeros. HMAC pads short keys with zeros anyway,
  // so an empty key gives the same PRK; being explicit costs nothing.
  Hash zero_salt{};
  Hash prk = hmac_sha256(salt.empty() ? BytesView(zero_salt) : salt, ikm);
  Bytes out;
  out.reserve(length + kHashLen);
  Hash t{};
  size_t t_len = 0;
  Bytes block;
  for (uint8_t i = 1; out.size() < length; ++i) {
    block.assign(t.begin(), t.begin() + t_len);
    append(block, info);
    block.push_back(i);
    t = hmac_sha256(prk, block);
    t_len = kHashLen;
    out.insert(out.end(), t.begin(), t.end());
  }
  out.resize(length);
  sodium_memzero(prk.data(), prk.size());
  sodium_memzero(t.data(), t.size());
  if (!block.empty()) sodium_memzero(block.data(), block.size());
  return out;
}

std::pair<Hash, Hash> noise_hkdf2(const Hash& chaining_key, BytesView input_key_material) {
  // Noise §4.3: temp_key = HMAC(ck, ikm); out1 = HMAC(temp_key, 0x01);
  // out2 = HMAC(temp_key, out1 ‖ 0x02). Done directly: no heap, called a handful of times.
  Hash temp_key = hmac_sha256(chaining_key, input_key_material);
  const uint8_t one = 0x01;
  Hash out1 = hmac_sha256(temp_key, BytesView(&one, 1));
  uint8_t buf[kHashLen + 1];
  std::memcpy(buf, out1.data(), kHashLen);
  buf[kHashLen] = 0x02;
  Hash out2 = hmac_sha256(temp_key, BytesView(buf, sizeof buf));
  sodium_memzero(temp_key.data(), temp_key.size());
  sodium_memzero(buf, sizeof buf);
  return {out1, out2};
}

SymmetricState::SymmetricState(std::string_view protocol_name) {
  wire::ensure_sodium();
  if (protocol_name.size() <= kHashLen) {
    std::memcpy(h_.data(), protocol_name.data(), protocol_name.size());
  } else {
    h_ = sha256(as_bytes(protocol_name));
  }
  ck_ = h_;
}

SymmetricState::~SymmetricState() { sodium_memzero(ck_.data(), ck_.size()); }

void SymmetricState::mix_key(BytesView input_key_material) {
  auto [ck, temp_k] = noise_hkdf2(ck_, input_key_material);
  ck_ = ck;
  cipher_.initialize_key(temp_k);
  sodium_memzero(ck.data(), ck.size());
  sodium_memzero(temp_k.data(), temp_k.size());
}

void SymmetricState::mix_hash(BytesView data) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, h_.data(), h_.size());
  crypto_hash_sha256_update(&st, data.data(), data.size());
  crypto_hash_sha256_final(&st, h_.data());
}

Status SymmetricState::encrypt_and_hash(BytesView plaintext, Bytes& out) {
  const size_t at = out.size();
  out.resize(at + plaintext.size() + (has_key() ? kTagSize : 0));
  AIPG_TRY(cipher_.encrypt_with_ad(h_, plaintext, out.data() + at));
  mix_hash(BytesView(out).subspan(at));
  return ok();
}

Status SymmetricState::decrypt_and_hash(BytesView ciphertext, Bytes& out) {
  const size_t at = out.size();
  if (has_key() && ciphertext.size() < kTagSize) {
    return make_error(Errc::malformed, "noise: handshake ciphertext shorter than the tag");
  }
  out.resize(at + ciphertext.size() - (has_key() ? kTagSize : 0));
  auto st = cipher_.decrypt_with_ad(h_, ciphertext, out.data() + at);
  if (!st) {
    out.resize(at);
    return st;
  }
  mix_hash(ciphertext);
  return ok();
}

std::pair<CipherState, CipherState> SymmetricState::split() const {
  auto [k1, k2] = noise_hkdf2(ck_, BytesView());
  std::pair<CipherState, CipherState> cs;
  cs.first.initialize_key(k1);
  cs.second.initialize_key(k2);
  sodium_memzero(k1.data(), k1.size());
  sodium_memzero(k2.data(), k2.size());
  return cs;
}

}  // namespace aipg::noise
