#include "protocol/noise/cipher_state.hpp"

#include <openssl/evp.h>

#include <cassert>
#include <cstdlib>
#include <cstring>

namespace aipg::noise {

struct ChaChaPoly::Ctx {
  EVP_CIPHER_CTX* ctx = nullptr;
  ~Ctx() { EVP_CIPHER_CTX_free(ctx); }  // OpenSSL cleanses the expanded key on free
};

namespace {

// Fetched once: in OpenSSL 3 every implicit fetch through EVP_chacha20_poly1305() walks the
// provider tables, which is wasted work per key.
const EVP_CIPHER* cipher() {
  static EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr);
  if (c == nullptr) std::abort();  // OpenSSL without ChaCha20-Poly1305: nothing can work
  return c;
}

std::unique_ptr<ChaChaPoly::Ctx> make_ctx(const Key& key, int enc) {
  auto c = std::make_unique<ChaChaPoly::Ctx>();
  c->ctx = EVP_CIPHER_CTX_new();
  if (c->ctx == nullptr ||
      EVP_CipherInit_ex(c->ctx, cipher(), nullptr, key.data(), nullptr, enc) != 1) {
    std::abort();  // allocation failure inside OpenSSL
  }
  return c;
}

}  // namespace

ChaChaPoly::ChaChaPoly() = default;
ChaChaPoly::~ChaChaPoly() = default;
ChaChaPoly::ChaChaPoly(ChaChaPoly&&) noexcept = default;
ChaChaPoly& ChaChaPoly::operator=(ChaChaPoly&&) noexcept = default;

void ChaChaPoly::set_key(const Key& key) {
  enc_ = make_ctx(key, 1);
  dec_ = make_ctx(key, 0);
  has_key_ = true;
}

void ChaChaPoly::seal(const uint8_t nonce[kAeadNonceSize], BytesView ad, BytesView plaintext,
                      uint8_t* out) {
  assert(has_key_);
  EVP_CIPHER_CTX* c = enc_->ctx;
  int len = 0;
  // Only the nonce changes per message; passing no key keeps the expanded one.
  bool ok = EVP_EncryptInit_ex(c, nullptr, nullptr, nullptr, nonce) == 1;
  if (!ad.empty()) ok = ok && EVP_EncryptUpdate(c, nullptr, &len, ad.data(), int(ad.size())) == 1;
  if (!plaintext.empty()) {
    ok = ok && EVP_EncryptUpdate(c, out, &len, plaintext.data(), int(plaintext.size())) == 1;
  }
  ok = ok && EVP_EncryptFinal_ex(c, out + plaintext.size(), &len) == 1;
  ok = ok &&
       EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, int(kTagSize), out + plaintext.size()) == 1;
  if (!ok) std::abort();  // cannot fail with a valid key and our sizes
}

bool ChaChaPoly::open(const uint8_t nonce[kAeadNonceSize], BytesView ad, BytesView ciphertext,
                      uint8_t* out) {
  assert(has_key_);
  if (ciphertext.size() < kTagSize) return false;
  EVP_CIPHER_CTX* c = dec_->ctx;
  const size_t body = ciphertext.size() - kTagSize;
  // OpenSSL's SET_TAG ctrl takes a mutable pointer; a copy keeps the input const.
  uint8_t tag[kTagSize];
  std::memcpy(tag, ciphertext.data() + body, kTagSize);
  int len = 0;
  if (EVP_DecryptInit_ex(c, nullptr, nullptr, nullptr, nonce) != 1) return false;
  if (!ad.empty() && EVP_DecryptUpdate(c, nullptr, &len, ad.data(), int(ad.size())) != 1) {
    return false;
  }
  if (body > 0 && EVP_DecryptUpdate(c, out, &len, ciphertext.data(), int(body)) != 1) {
    return false;
  }
  if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, int(kTagSize), tag) != 1) return false;
  return EVP_DecryptFinal_ex(c, out + body, &len) == 1;
}

std::array<uint8_t, kAeadNonceSize> CipherState::nonce_bytes(uint64_t n) {
  std::array<uint8_t, kAeadNonceSize> b{};
  for (int i = 0; i < 8; ++i) b[4 + i] = uint8_t(n >> (8 * i));
  return b;
}

void CipherState::initialize_key(const Key& key) {
  aead_.set_key(key);
  n_ = 0;
}

Status CipherState::encrypt_with_ad(BytesView ad, BytesView plaintext, uint8_t* out) {
  if (!has_key()) {
    if (!plaintext.empty() && out != plaintext.data()) {
      std::memmove(out, plaintext.data(), plaintext.size());
    }
    return ok();
  }
  if (n_ == kMaxNonce) {
    return make_error(Errc::resource_limit, "noise: nonce 2^64-1 reached, the key is used up");
  }
  auto nonce = nonce_bytes(n_);
  aead_.seal(nonce.data(), ad, plaintext, out);
  ++n_;
  return ok();
}

Status CipherState::decrypt_with_ad(BytesView ad, BytesView ciphertext, uint8_t* out) {
  if (!has_key()) {
    if (!ciphertext.empty() && out != ciphertext.data()) {
      std::memmove(out, ciphertext.data(), ciphertext.size());
    }
    return ok();
  }
  if (n_ == kMaxNonce) {
    return make_error(Errc::resource_limit, "noise: nonce 2^64-1 reached, the key is used up");
  }
  if (ciphertext.size() < kTagSize) {
    return make_error(Errc::malformed, "noise: ciphertext shorter than the 16-byte tag");
  }
  auto nonce = nonce_bytes(n_);
  if (!aead_.open(nonce.data(), ad, ciphertext, out)) {
    return make_error(Errc::auth_failed, "noise: decryption failed (bad tag)");
  }
  ++n_;
  return ok();
}

}  // namespace aipg::noise
