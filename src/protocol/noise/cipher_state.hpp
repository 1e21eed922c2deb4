// Noise Protocol Framework (rev. 34) §5.1 CipherState, with the ChaChaPoly cipher functions of
// §12.3: ChaCha20-Poly1305 (RFC 8439) whose 96-bit nonce is 32 bits of zeros followed by the
// little-endian encoding of n. The nonce value 2^64-1 is reserved (§5.1): encrypting or
// decrypting with it is an error, so a connection must end before it is reached.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace aipg::noise {

inline constexpr size_t kKeySize = 32;
inline constexpr size_t kTagSize = 16;
inline constexpr size_t kAeadNonceSize = 12;
inline constexpr uint64_t kMaxNonce = ~uint64_t{0};  // reserved by the Noise spec

using Key = std::array<uint8_t, kKeySize>;

// ChaCha20-Poly1305 AEAD (RFC 8439 §2.8) with a key set once and a nonce per call. Backed by
// OpenSSL's EVP interface, whose AVX2/AVX-512 code beats libsodium's on this hardware (see
// bench/noise_bench.cpp); the two contexts are initialised with the key once so that a message
// only sets its nonce. `out` may equal the input exactly (in place); no other overlap.
class ChaChaPoly {
 public:
  ChaChaPoly();
  ~ChaChaPoly();
  ChaChaPoly(ChaChaPoly&&) noexcept;
  ChaChaPoly& operator=(ChaChaPoly&&) noexcept;

  void set_key(const Key& key);
  bool has_key() const { return has_key_; }

  // Writes plaintext.size() + 16 bytes (ciphertext ‖ tag) to out.
  void seal(const uint8_t nonce[kAeadNonceSize], BytesView ad, BytesView plaintext, uint8_t* out);
  // Checks the tag and writes ciphertext.size() - 16 bytes to out; false when the tag is wrong
  // or the input is shorter than a tag (out is then unspecified).
  [[nodiscard]] bool open(const uint8_t nonce[kAeadNonceSize], BytesView ad, BytesView ciphertext,
                          uint8_t* out);

  struct Ctx;  // an EVP_CIPHER_CTX; opaque so that no OpenSSL header leaks out

 private:
  std::unique_ptr<Ctx> enc_;
  std::unique_ptr<Ctx> dec_;
  bool has_key_ = false;
};

// CipherState{k, n}. Without a key (k empty), EncryptWithAd and DecryptWithAd return their
// input unchanged, as the spec says; the symmetric state relies on that for message 1.
class CipherState {
 public:
  CipherState() = default;

  // InitializeKey(key): k = key, n = 0.
  void initialize_key(const Key& key);
  bool has_key() const { return aead_.has_key(); }
  // SetNonce(nonce).
  void set_nonce(uint64_t n) { n_ = n; }
  uint64_t nonce() const { return n_; }

  // EncryptWithAd(ad, plaintext): writes plaintext.size() (+ 16 with a key) bytes to out, which
  // may equal plaintext.data(). Fails (internal) once n has reached 2^64-1.
  Status encrypt_with_ad(BytesView ad, BytesView plaintext, uint8_t* out);
  // DecryptWithAd(ad, ciphertext): writes ciphertext.size() (- 16 with a key) bytes to out.
  // A wrong tag is auth_failed and n is not incremented.
  Status decrypt_with_ad(BytesView ad, BytesView ciphertext, uint8_t* out);

  // The 12-byte AEAD nonce for counter n: 4 zero bytes ‖ n as 8 little-endian bytes.
  static std::array<uint8_t, kAeadNonceSize> nonce_bytes(uint64_t n);

 private:
  ChaChaPoly aead_;
  uint64_t n_ = 0;
};

}  // namespace aipg::noise
