// Noise Protocol Framework (rev. 34) §5.2 SymmetricState with the SHA256 hash functions of
// §12.5: HASHLEN = 32, BLOCKLEN = 64, HMAC-SHA256 and the spec's HKDF (which is RFC 5869 with
// the chaining key as salt and an empty info).
#pragma once

#include <array>
#include <string_view>
#include <utility>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "protocol/noise/cipher_state.hpp"

namespace aipg::noise {

inline constexpr size_t kHashLen = 32;
using Hash = std::array<uint8_t, kHashLen>;

Hash sha256(BytesView data);
Hash hmac_sha256(BytesView key, BytesView data);
// RFC 5869 HKDF-SHA256: Extract(salt, ikm) then Expand(prk, info, length), length ≤ 255 * 32.
Bytes hkdf_sha256(BytesView salt, BytesView ikm, BytesView info, size_t length);
// The Noise spec's HKDF(chaining_key, input_key_material, 2): two 32-byte outputs.
std::pair<Hash, Hash> noise_hkdf2(const Hash& chaining_key, BytesView input_key_material);

class SymmetricState {
 public:
  // InitializeSymmetric(protocol_name): h = the name padded with zeros to HASHLEN when it is
  // at most HASHLEN bytes long, else HASH(name); ck = h; no cipher key.
  explicit SymmetricState(std::string_view protocol_name);
  ~SymmetricState();
  SymmetricState(SymmetricState&&) noexcept = default;
  SymmetricState& operator=(SymmetricState&&) noexcept = default;

  // MixKey(ikm): ck, temp_k = HKDF(ck, ikm, 2); InitializeKey(temp_k).
  void mix_key(BytesView input_key_material);
  // MixHash(data): h = HASH(h ‖ data).
  void mix_hash(BytesView data);
  // EncryptAndHash(plaintext): ciphertext = EncryptWithAd(h, plaintext); MixHash(ciphertext).
  // Appends the ciphertext (plaintext.size() + 16 once a key is set) to out.
  Status encrypt_and_hash(BytesView plaintext, Bytes& out);
  // DecryptAndHash(ciphertext): plaintext = DecryptWithAd(h, ciphertext); MixHash(ciphertext).
  // Appends the plaintext to out.
  Status decrypt_and_hash(BytesView ciphertext, Bytes& out);
  // Split(): temp_k1, temp_k2 = HKDF(ck, zerolen, 2); c1 keyed with temp_k1, c2 with temp_k2.
  // c1 carries initiator → responder traffic, c2 the other direction.
  std::pair<CipherState, CipherState> split() const;

  bool has_key() const { return cipher_.has_key(); }
  const Hash& handshake_hash() const { return h_; }
  const Hash& chaining_key() const { return ck_; }

 private:
  CipherState cipher_;
  Hash ck_{};
  Hash h_{};
};

}  // namespace aipg::noise
