// libp2p identity keys (libp2p/specs peer-ids): Ed25519 only, which is what every libp2p
// implementation generates by default. Keys travel as the spec's `PublicKey`/`PrivateKey`
// protobufs; their encoding is deterministic, so an Ed25519 public key is always
// `08 01 12 20 ‖ 32 bytes`.
#pragma once

#include <array>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace aipg::wire {

inline constexpr size_t kEd25519PublicKeySize = 32;
inline constexpr size_t kEd25519SeedSize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;

using Ed25519Signature = std::array<uint8_t, kEd25519SignatureSize>;

class PublicKey {
 public:
  // Parses the spec's PublicKey protobuf. Key types other than Ed25519 are refused (unsupported).
  static Result<PublicKey> from_protobuf(BytesView pb);
  static Result<PublicKey> from_ed25519(BytesView raw32);

  Bytes to_protobuf() const;
  const std::array<uint8_t, kEd25519PublicKeySize>& raw() const { return raw_; }
  bool verify(BytesView message, BytesView signature) const;

  bool operator==(const PublicKey& o) const { return raw_ == o.raw_; }

 private:
  std::array<uint8_t, kEd25519PublicKeySize> raw_{};
};

class KeyPair {
 public:
  // A fresh key from libsodium's CSPRNG (the OS's). Key generation is not protocol logic, so
  // it is not routed through runtime::Rng.
  static KeyPair generate();
  static Result<KeyPair> from_seed(BytesView seed32);
  // The spec's PrivateKey protobuf; Ed25519 Data is seed ‖ public key (64 bytes), as go and js
  // write it. The public half must match the seed.
  static Result<KeyPair> from_protobuf(BytesView pb);

  Bytes to_protobuf() const;
  const PublicKey& public_key() const { return public_; }
  BytesView seed() const { return BytesView(secret_.data(), kEd25519SeedSize); }
  Ed25519Signature sign(BytesView message) const;

 private:
  std::array<uint8_t, 64> secret_{};  // libsodium's form: seed ‖ public key
  PublicKey public_;
};

// Calls sodium_init() once; every function here calls it, callers elsewhere may too.
void ensure_sodium();

}  // namespace aipg::wire
