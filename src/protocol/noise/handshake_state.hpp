// Noise Protocol Framework (rev. 34) §5.3 HandshakeState, specialised to the one pattern
// libp2p uses (§7.5 XX) with the 25519 DH functions (§12.1):
//
//   XX:
//     -> e
//     <- e, ee, s, es
//     -> s, se
//
// This layer knows nothing of libp2p: payloads are opaque bytes and messages are unframed
// (handshake.hpp adds framing and the signed identity payload). Key pairs are injected as
// X25519 private keys so that the core draws no randomness of its own.
#pragma once

#include <array>
#include <utility>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "protocol/noise/cipher_state.hpp"
#include "protocol/noise/symmetric_state.hpp"

namespace aipg::noise {

inline constexpr char kProtocolName[] = "Noise_XX_25519_ChaChaPoly_SHA256";
inline constexpr size_t kDhLen = 32;
using DhKey = std::array<uint8_t, kDhLen>;

// X25519 public key of a private key (RFC 7748 §6.1, the secret is clamped as usual).
DhKey x25519_public(const DhKey& secret);

class XxHandshakeState {
 public:
  // Initialize(handshake_pattern = XX, initiator, prologue, s, e, rs = empty, re = empty):
  // InitializeSymmetric(protocol_name), then MixHash(prologue). XX has no pre-messages.
  XxHandshakeState(bool initiator, BytesView prologue, const DhKey& static_secret,
                   const DhKey& ephemeral_secret);
  ~XxHandshakeState();
  XxHandshakeState(XxHandshakeState&&) noexcept = default;
  XxHandshakeState& operator=(XxHandshakeState&&) noexcept = default;

  // WriteMessage(payload, message_buffer): processes our next message pattern and appends the
  // message to out. Fails (internal) when it is not our turn.
  Status write_message(BytesView payload, Bytes& out);
  // ReadMessage(message, payload_buffer): processes the peer's next message pattern and appends
  // its payload to payload_out. A message too short for its tokens is malformed; a wrong tag
  // is auth_failed; a DH output of all zeros (a low-order point) is protocol_violation.
  Status read_message(BytesView message, Bytes& payload_out);

  // True after the third message; then split() gives (c1: initiator → responder,
  // c2: responder → initiator).
  bool finished() const { return next_ == 3; }
  std::pair<CipherState, CipherState> split() const { return ss_.split(); }

  // Which message (0, 1, 2) comes next; 3 when finished.
  int next_message() const { return next_; }
  bool initiator() const { return initiator_; }
  const DhKey& local_static_public() const { return s_pub_; }
  const DhKey& local_ephemeral_public() const { return e_pub_; }
  // rs: the peer's static key, known after message 2 (initiator) or 3 (responder).
  const DhKey& remote_static() const { return rs_; }
  const Hash& handshake_hash() const { return ss_.handshake_hash(); }

 private:
  Status dh_mix(const DhKey& secret, const DhKey& public_key);

  SymmetricState ss_;
  bool initiator_;
  int next_ = 0;
  DhKey s_{}, s_pub_{}, e_{}, e_pub_{}, rs_{}, re_{};
};

}  // namespace aipg::noise
