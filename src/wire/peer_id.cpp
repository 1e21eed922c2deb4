#include "wire/peer_id.hpp"

#include <sodium.h>

#include "wire/base58.hpp"
#include "wire/varint.hpp"

namespace aipg::wire {
namespace {

struct Multihash {
  uint64_t code;
  BytesView digest;
};

Result<Multihash> split_multihash(BytesView mh) {
  auto code = read_uvarint(mh);
  if (!code || !*code) return make_error(Errc::malformed, "peer id: bad multihash code");
  auto rest = mh.subspan((*code)->size);
  auto len = read_uvarint(rest);
  if (!len || !*len) return make_error(Errc::malformed, "peer id: bad multihash length");
  auto digest = rest.subspan((*len)->size);
  if (digest.size() != (*len)->value) {
    return make_error(Errc::malformed, "peer id: multihash length " +
                                           std::to_string((*len)->value) + " but " +
                                           std::to_string(digest.size()) + " digest bytes");
  }
  return Multihash{(*code)->value, digest};
}

}  // namespace

PeerId PeerId::from_public_key(const PublicKey& key) {
  Bytes pb = key.to_protobuf();
  PeerId id;
  if (pb.size() <= kMaxInlineKeyLength) {
    put_uvarint(id.mh_, kMultihashIdentity);
    put_uvarint(id.mh_, pb.size());
    append(id.mh_, pb);
  } else {
    uint8_t digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, pb.data(), pb.size());
    put_uvarint(id.mh_, kMultihashSha256);
    put_uvarint(id.mh_, sizeof digest);
    append(id.mh_, BytesView(digest, sizeof digest));
  }
  return id;
}

Result<PeerId> PeerId::from_multihash(BytesView mh) {
  AIPG_TRY_ASSIGN(Multihash m, split_multihash(mh));
  if (m.code == kMultihashIdentity) {
    if (m.digest.size() > kMaxInlineKeyLength) {
      return make_error(Errc::malformed, "peer id: identity multihash over 42 bytes");
    }
    // The inlined key must itself be valid, or the id names nobody.
    AIPG_TRY(PublicKey::from_protobuf(m.digest));
  } else if (m.code == kMultihashSha256) {
    if (m.digest.size() != 32)
      return make_error(Errc::malformed, "peer id: sha2-256 digest not 32 bytes");
  } else {
    return make_error(Errc::unsupported,
                      "peer id: multihash code " + std::to_string(m.code) + " not supported");
  }
  PeerId id;
  id.mh_.assign(mh.begin(), mh.end());
  return id;
}

Result<PeerId> PeerId::parse(std::string_view text) {
  if (text.empty()) return make_error(Errc::malformed, "peer id: empty");
  if (text[0] == 'b' || text[0] == 'B') {
    // CIDv1: multibase 'b' ‖ base32( varint(1) ‖ varint(0x72) ‖ multihash )
    AIPG_TRY_ASSIGN(Bytes cid, base32_decode(text.substr(1)));
    BytesView v(cid);
    auto ver = read_uvarint(v);
    if (!ver || !*ver || (*ver)->value != 1)
      return make_error(Errc::malformed, "peer id: CID is not version 1");
    v = v.subspan((*ver)->size);
    auto codec = read_uvarint(v);
    if (!codec || !*codec || (*codec)->value != kCidLibp2pKey) {
      return make_error(Errc::malformed, "peer id: CID codec is not libp2p-key (0x72)");
    }
    return from_multihash(v.subspan((*codec)->size));
  }
  AIPG_TRY_ASSIGN(Bytes mh, base58_decode(text, 128));
  return from_multihash(mh);
}

std::string PeerId::to_base58() const { return base58_encode(mh_); }

std::string PeerId::to_cid() const {
  Bytes cid;
  put_uvarint(cid, 1);
  put_uvarint(cid, kCidLibp2pKey);
  append(cid, mh_);
  return "b" + base32_encode(cid);
}

std::optional<PublicKey> PeerId::public_key() const {
  auto m = split_multihash(mh_);
  if (!m || m->code != kMultihashIdentity) return std::nullopt;
  auto k = PublicKey::from_protobuf(m->digest);
  if (!k) return std::nullopt;
  return *k;
}

bool PeerId::matches(const PublicKey& key) const { return from_public_key(key) == *this; }

}  // namespace aipg::wire
