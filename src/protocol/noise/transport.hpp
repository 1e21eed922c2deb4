// The noise-libp2p secure channel after the handshake (libp2p/specs noise "Wire Format"):
// every Noise transport message is framed as noise_message_len (2 bytes, big-endian) ‖
// noise_message, where the message is an AEAD ciphertext plus 16 bytes of authentication
// data, at most 65535 bytes, so at most 65519 bytes of plaintext per frame. Each direction has
// its own CipherState (from Split) and an empty associated data. There is no padding.
#pragma once

#include <cstddef>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "protocol/noise/cipher_state.hpp"

namespace aipg::noise {

inline constexpr size_t kFrameHeaderSize = 2;
inline constexpr size_t kMaxMessageSize = 65535;                         // noise_message_len max
inline constexpr size_t kMaxPlaintextSize = kMaxMessageSize - kTagSize;  // 65519

class Transport {
 public:
  // send encrypts our outgoing messages, recv decrypts the peer's; both must have a key.
  Transport(CipherState send, CipherState recv);

  // Encrypts plaintext into ceil(size / 65519) frames appended to out; an empty plaintext
  // appends nothing (no empty frames are sent). Fails only when the send nonce is used up.
  Status encrypt(BytesView plaintext, Bytes& out);
  // Feeds ciphertext bytes (any split across calls) and appends the plaintext of every complete
  // frame to out. A frame shorter than its tag is malformed, a wrong tag is auth_failed; after
  // either the transport is failed for good and the connection must be closed.
  Status decrypt(BytesView in, Bytes& out);

  bool failed() const { return failed_; }
  // Bytes of an incomplete frame held until the rest arrives (at most 65536).
  size_t buffered() const { return pending_.size(); }
  uint64_t send_nonce() const { return send_.nonce(); }
  uint64_t recv_nonce() const { return recv_.nonce(); }

 private:
  Status open_frame(BytesView message, Bytes& out);

  CipherState send_;
  CipherState recv_;
  Bytes pending_;  // a partial frame, header included
  bool failed_ = false;
};

}  // namespace aipg::noise
