#include "protocol/noise/handshake_state.hpp"

#include <sodium.h>

#include <algorithm>

#include "wire/keys.hpp"

namespace aipg::noise {

namespace {

constexpr size_t kEncryptedKeyLen = kDhLen + kTagSize;  // "s" once a key is set

Error not_our_turn(const char* what) {
  return make_error(Errc::internal, std::string("noise: ") + what + " out of turn");
}

}  // namespace

DhKey x25519_public(const DhKey& secret) {
  wire::ensure_sodium();
  DhKey pub;
  crypto_scalarmult_base(pub.data(), secret.data());
  return pub;
}

XxHandshakeState::XxHandshakeState(bool initiator, BytesView prologue, const DhKey& static_secret,
                                   const DhKey& ephemeral_secret)
    : ss_(kProtocolName), initiator_(initiator), s_(static_secret), e_(ephemeral_secret) {
  s_pub_ = x25519_public(s_);
  e_pub_ = x25519_public(e_);
  ss_.mix_hash(prologue);
}

XxHandshakeState::~XxHandshakeState() {
  sodium_memzero(s_.data(), s_.size());
  sodium_memzero(e_.data(), e_.size());
}

Status XxHandshakeState::dh_mix(const DhKey& secret, const DhKey& public_key) {
  DhKey shared;
  // libsodium refuses (returns -1) when the result is all zeros, i.e. the peer sent a
  // low-order point; go's curve25519.X25519 refuses the same, so we match it.
  if (crypto_scalarmult(shared.data(), secret.data(), public_key.data()) != 0) {
    return make_error(Errc::protocol_violation,
                      "noise: peer's X25519 key is a low-order point (DH result is zero)");
  }
  ss_.mix_key(shared);
  sodium_memzero(shared.data(), shared.size());
  return ok();
}

Status XxHandshakeState::write_message(BytesView payload, Bytes& out) {
  const bool ours = (next_ == 1) != initiator_ && next_ < 3;
  if (!ours) return not_our_turn("write_message");
  switch (next_) {
    case 0:  // -> e
      out.insert(out.end(), e_pub_.begin(), e_pub_.end());
      ss_.mix_hash(e_pub_);
      break;
    case 1:  // <- e, ee, s, es
      out.insert(out.end(), e_pub_.begin(), e_pub_.end());
      ss_.mix_hash(e_pub_);
      AIPG_TRY(dh_mix(e_, re_));
      AIPG_TRY(ss_.encrypt_and_hash(s_pub_, out));
      AIPG_TRY(dh_mix(s_, re_));
      break;
    case 2:  // -> s, se
      AIPG_TRY(ss_.encrypt_and_hash(s_pub_, out));
      AIPG_TRY(dh_mix(s_, re_));
      break;
  }
  AIPG_TRY(ss_.encrypt_and_hash(payload, out));
  ++next_;
  return ok();
}

Status XxHandshakeState::read_message(BytesView message, Bytes& payload_out) {
  const bool theirs = (next_ == 1) == initiator_ && next_ < 3;
  if (!theirs) return not_our_turn("read_message");
  // The minimum length of each message: its tokens, plus a tag on the payload once a key is
  // set (messages 2 and 3). Checked up front so a short message is malformed, not a bad tag.
  static constexpr size_t kMinLen[3] = {kDhLen, kDhLen + kEncryptedKeyLen + kTagSize,
                                        kEncryptedKeyLen + kTagSize};
  if (message.size() < kMinLen[next_]) {
    return make_error(Errc::malformed, "noise: handshake message " + std::to_string(next_ + 1) +
                                           " is " + std::to_string(message.size()) +
                                           " bytes, at least " + std::to_string(kMinLen[next_]) +
                                           " expected");
  }
  auto take = [&message](size_t n) {
    BytesView head = message.first(n);
    message = message.subspan(n);
    return head;
  };
  Bytes rs;
  switch (next_) {
    case 0: {  // -> e
      BytesView e = take(kDhLen);
      std::copy(e.begin(), e.end(), re_.begin());
      ss_.mix_hash(re_);
      break;
    }
    case 1: {  // <- e, ee, s, es
      BytesView e = take(kDhLen);
      std::copy(e.begin(), e.end(), re_.begin());
      ss_.mix_hash(re_);
      AIPG_TRY(dh_mix(e_, re_));
      AIPG_TRY(ss_.decrypt_and_hash(take(kEncryptedKeyLen), rs));
      std::copy(rs.begin(), rs.end(), rs_.begin());
      AIPG_TRY(dh_mix(e_, rs_));
      break;
    }
    case 2: {  // -> s, se
      AIPG_TRY(ss_.decrypt_and_hash(take(kEncryptedKeyLen), rs));
      std::copy(rs.begin(), rs.end(), rs_.begin());
      AIPG_TRY(dh_mix(e_, rs_));
      break;
    }
  }
  AIPG_TRY(ss_.decrypt_and_hash(message, payload_out));
  ++next_;
  return ok();
}

}  // namespace aipg::noise
