#include "wire/keys.hpp"

#include <sodium.h>

#include <cstdlib>

#include "crypto.pb.h"

namespace aipg::wire {

void ensure_sodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) std::abort();  // no CSPRNG: nothing safe can run
}

Result<PublicKey> PublicKey::from_ed25519(BytesView raw32) {
  if (raw32.size() != kEd25519PublicKeySize) {
    return make_error(Errc::malformed,
                      "ed25519 public key must be 32 bytes, got " + std::to_string(raw32.size()));
  }
  PublicKey k;
  std::copy(raw32.begin(), raw32.end(), k.raw_.begin());
  return k;
}

Result<PublicKey> PublicKey::from_protobuf(BytesView pb) {
  if (pb.size() > 1024) return make_error(Errc::too_large, "public key protobuf over 1024 bytes");
  aipg::pb::crypto::PublicKey msg;
  if (!msg.ParseFromArray(pb.data(), int(pb.size()))) {
    return make_error(Errc::malformed, "public key: not a valid PublicKey protobuf");
  }
  if (msg.type() != aipg::pb::crypto::Ed25519) {
    return make_error(Errc::unsupported, "public key: key type " + std::to_string(int(msg.type())) +
                                             " is not supported (only Ed25519)");
  }
  return from_ed25519(as_bytes(msg.data()));
}

Bytes PublicKey::to_protobuf() const {
  // Deterministic encoding per the spec: field 1 varint, field 2 length-delimited.
  Bytes out{0x08, 0x01, 0x12, 0x20};
  out.insert(out.end(), raw_.begin(), raw_.end());
  return out;
}

bool PublicKey::verify(BytesView message, BytesView signature) const {
  ensure_sodium();
  if (signature.size() != kEd25519SignatureSize) return false;
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                     raw_.data()) == 0;
}

KeyPair KeyPair::generate() {
  ensure_sodium();
  uint8_t seed[kEd25519SeedSize];
  randombytes_buf(seed, sizeof seed);
  auto kp = from_seed(BytesView(seed, sizeof seed));
  sodium_memzero(seed, sizeof seed);
  return std::move(kp).value();
}

Result<KeyPair> KeyPair::from_seed(BytesView seed32) {
  ensure_sodium();
  if (seed32.size() != kEd25519SeedSize) {
    return make_error(Errc::invalid_argument,
                      "ed25519 seed must be 32 bytes, got " + std::to_string(seed32.size()));
  }
  KeyPair kp;
  std::array<uint8_t, kEd25519PublicKeySize> pk;
  crypto_sign_seed_keypair(pk.data(), kp.secret_.data(), seed32.data());
  kp.public_ = *PublicKey::from_ed25519(pk);
  return kp;
}

Result<KeyPair> KeyPair::from_protobuf(BytesView pb) {
  if (pb.size() > 1024) return make_error(Errc::too_large, "private key protobuf over 1024 bytes");
  aipg::pb::crypto::PrivateKey msg;
  if (!msg.ParseFromArray(pb.data(), int(pb.size()))) {
    return make_error(Errc::malformed, "private key: not a valid PrivateKey protobuf");
  }
  if (msg.type() != aipg::pb::crypto::Ed25519) {
    return make_error(Errc::unsupported, "private key: key type " +
                                             std::to_string(int(msg.type())) +
                                             " is not supported (only Ed25519)");
  }
  const std::string& d = msg.data();
  if (d.size() != 64) {
    return make_error(Errc::malformed,
                      "private key: ed25519 data must be 64 bytes (seed ‖ public key), got " +
                          std::to_string(d.size()));
  }
  AIPG_TRY_ASSIGN(KeyPair kp, from_seed(as_bytes(d).first(32)));
  const BytesView stored_public = as_bytes(d).subspan(32);
  if (!std::equal(stored_public.begin(), stored_public.end(), kp.public_.raw().begin())) {
    return make_error(Errc::malformed, "private key: public half does not match the seed");
  }
  return kp;
}

Bytes KeyPair::to_protobuf() const {
  Bytes out{0x08, 0x01, 0x12, 0x40};
  out.insert(out.end(), secret_.begin(), secret_.end());
  return out;
}

Ed25519Signature KeyPair::sign(BytesView message) const {
  Ed25519Signature sig;
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), secret_.data());
  return sig;
}

}  // namespace aipg::wire
