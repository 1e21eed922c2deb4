#include "protocol/noise/transport.hpp"

#include <algorithm>
#include <cassert>

namespace aipg::noise {

Transport::Transport(CipherState send, CipherState recv)
    : send_(std::move(send)), recv_(std::move(recv)) {
  assert(send_.has_key() && recv_.has_key());
}

Status Transport::encrypt(BytesView plaintext, Bytes& out) {
  if (plaintext.empty()) return ok();
  const size_t frames = (plaintext.size() + kMaxPlaintextSize - 1) / kMaxPlaintextSize;
  const size_t start = out.size();
  // One resize for all frames; each is then sealed straight into place, no staging copy.
  out.resize(start + plaintext.size() + frames * (kFrameHeaderSize + kTagSize));
  uint8_t* p = out.data() + start;
  while (!plaintext.empty()) {
    const size_t n = std::min(plaintext.size(), kMaxPlaintextSize);
    put_be16(p, uint16_t(n + kTagSize));
    auto st = send_.encrypt_with_ad({}, plaintext.first(n), p + kFrameHeaderSize);
    if (!st) {
      out.resize(start);
      return st;
    }
    p += kFrameHeaderSize + n + kTagSize;
    plaintext = plaintext.subspan(n);
  }
  assert(p == out.data() + out.size());
  return ok();
}

Status Transport::open_frame(BytesView message, Bytes& out) {
  if (message.size() < kTagSize) {
    failed_ = true;
    return make_error(Errc::malformed, "noise: transport message of " +
                                           std::to_string(message.size()) +
                                           " bytes is shorter than the 16-byte tag");
  }
  const size_t at = out.size();
  out.resize(at + message.size() - kTagSize);
  auto st = recv_.decrypt_with_ad({}, message, out.data() + at);
  if (!st) {
    out.resize(at);
    failed_ = true;
    return st;
  }
  return ok();
}

Status Transport::decrypt(BytesView in, Bytes& out) {
  if (failed_) return make_error(Errc::closed, "noise: transport already failed");
  // Finish a frame held from an earlier call first.
  if (!pending_.empty()) {
    if (pending_.size() < kFrameHeaderSize) {
      const size_t n = std::min(in.size(), kFrameHeaderSize - pending_.size());
      append(pending_, in.first(n));
      in = in.subspan(n);
      if (pending_.size() < kFrameHeaderSize) return ok();
    }
    const size_t total = kFrameHeaderSize + get_be16(pending_.data());
    const size_t n = std::min(in.size(), total - pending_.size());
    append(pending_, in.first(n));
    in = in.subspan(n);
    if (pending_.size() < total) return ok();
    auto st = open_frame(BytesView(pending_).subspan(kFrameHeaderSize), out);
    pending_.clear();
    AIPG_TRY(st);
  }
  // Whole frames are decrypted straight from the caller's buffer.
  while (in.size() >= kFrameHeaderSize) {
    const size_t len = get_be16(in.data());
    if (in.size() < kFrameHeaderSize + len) break;
    AIPG_TRY(open_frame(in.subspan(kFrameHeaderSize, len), out));
    in = in.subspan(kFrameHeaderSize + len);
  }
  if (!in.empty()) {
    if (pending_.capacity() == 0) pending_.reserve(kFrameHeaderSize + kMaxMessageSize);
    append(pending_, in);
  }
  return ok();
}

}  // namespace aipg::noise
