// Peer ids (libp2p/specs peer-ids): the multihash of the PublicKey protobuf — the identity
// multihash when that protobuf is at most 42 bytes (always, for Ed25519), else sha2-256.
// Text forms: base58btc of the multihash ("12D3KooW…", "Qm…"), or a CIDv1 with the
// libp2p-key codec (0x72) in multibase base32 ("bafz…").
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "wire/keys.hpp"

namespace aipg::wire {

inline constexpr uint64_t kMultihashIdentity = 0x00;
inline constexpr uint64_t kMultihashSha256 = 0x12;
inline constexpr uint64_t kCidLibp2pKey = 0x72;
inline constexpr size_t kMaxInlineKeyLength = 42;

class PeerId {
 public:
  static PeerId from_public_key(const PublicKey& key);
  // Accepts an identity multihash whose digest is a valid PublicKey protobuf (≤ 42 bytes), or
  // a sha2-256 multihash.
  static Result<PeerId> from_multihash(BytesView mh);
  // base58btc multihash or CIDv1 (multibase 'b', codec libp2p-key).
  static Result<PeerId> parse(std::string_view text);

  const Bytes& multihash() const { return mh_; }
  std::string to_base58() const;
  std::string to_cid() const;
  // The public key inlined in an identity multihash; nullopt for sha2-256 ids.
  std::optional<PublicKey> public_key() const;
  // True when `key` is the key this id was made from.
  bool matches(const PublicKey& key) const;

  bool operator==(const PeerId& o) const { return mh_ == o.mh_; }
  bool operator!=(const PeerId& o) const { return mh_ != o.mh_; }
  bool operator<(const PeerId& o) const { return mh_ < o.mh_; }

 private:
  Bytes mh_;
};

}  // namespace aipg::wire

template <>
struct std::hash<aipg::wire::PeerId> {
  size_t operator()(const aipg::wire::PeerId& p) const noexcept {
    return std::hash<std::string_view>()(aipg::as_chars(p.multihash()));
  }
};
