// The noise-libp2p handshake (libp2p/specs noise/README.md): Noise_XX_25519_ChaChaPoly_SHA256
// with an empty prologue, every message framed as a 2-byte big-endian length ‖ message.
//
//   -> e                              message 1: 32 bytes, empty payload (no early data)
//   <- e, ee, s, es, payload          message 2: the responder's signed payload
//   -> s, se, payload                 message 3: the initiator's signed payload
//
// The payload is a NoiseHandshakePayload{identity_key, identity_sig, extensions}: identity_key
// is the serialized libp2p PublicKey; identity_sig is the identity key's signature over
// "noise-libp2p-static-key:" ‖ the sender's Noise static public key. The receiver MUST verify
// it, and the initiator MUST check the responder's key against the peer id it dialled.
// Extensions (stream muxers) travel in messages 2 and 3 only.
//
// Sans-IO: the caller moves bytes (on_bytes / take_output); the X25519 secrets are injected.
//
// States:
//
//   initiator                              responder
//   kIdle                                  kWaitMsg1
//     | start(): queue msg 1                 | on_bytes(msg 1): queue msg 2
//     v                                      v
//   kWaitMsg2                              kWaitMsg3
//     | on_bytes(msg 2): verify,             | on_bytes(msg 3): verify
//     | queue msg 3                          |
//     v                                      v
//   kDone  ----------- finish() ----------> kFinished (both roles)
//
//   any state --bad frame, bad tag, bad signature, wrong peer--> kFailed (for good)
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "protocol/noise/handshake_state.hpp"
#include "protocol/noise/transport.hpp"
#include "wire/keys.hpp"
#include "wire/peer_id.hpp"

namespace aipg::noise {

inline constexpr char kProtocolId[] = "/noise";
inline constexpr char kStaticKeySignaturePrefix[] = "noise-libp2p-static-key:";

enum class Role { kInitiator, kResponder };

struct HandshakeParams {
  const wire::KeyPair* identity = nullptr;      // the libp2p identity key (signs the static key)
  DhKey static_secret{};                        // X25519 static private key (random, injected)
  DhKey ephemeral_secret{};                     // X25519 ephemeral private key (random, injected)
  std::optional<wire::PeerId> expected_remote;  // the dialled /p2p/ id (initiator), checked
  std::vector<std::string> stream_muxers;       // NoiseExtensions, sent in messages 2 and 3
  // Test only: rewrites our serialized NoiseHandshakePayload before it is encrypted, so tests
  // can send bad signatures or foreign key types. Never set outside tests.
  std::function<void(Bytes& payload)> payload_hook_for_tests;
};

struct HandshakeResult {
  wire::PeerId remote;
  wire::PublicKey remote_key;
  std::vector<std::string> remote_muxers;  // from the peer's NoiseExtensions, possibly empty
  Transport transport;
  Bytes leftover;       // bytes received after the last handshake frame (already transport data)
  Hash handshake_hash;  // Noise's h at the end, for channel binding
};

class Handshake {
 public:
  enum class State { kIdle, kWaitMsg1, kWaitMsg2, kWaitMsg3, kDone, kFinished, kFailed };

  Handshake(Role role, HandshakeParams params);
  ~Handshake();
  Handshake(Handshake&&) noexcept = default;
  Handshake& operator=(Handshake&&) noexcept = default;

  // Initiator: queues message 1. Responder: nothing to do (allowed, for symmetry).
  Status start();
  // Feeds received bytes; frames may be split or joined anyhow across calls. Bytes after the
  // last handshake frame are kept as leftover. Any error fails the handshake for good.
  Status on_bytes(BytesView in);
  // Appends the frames queued for sending and clears the queue.
  void take_output(Bytes& out);
  bool has_output() const { return !output_.empty(); }
  bool done() const { return state_ == State::kDone; }
  bool failed() const { return state_ == State::kFailed; }
  State state() const { return state_; }
  // After done(): the remote's verified identity and extensions, the transport, the leftover.
  // Once only; the handshake is kFinished afterwards.
  Result<HandshakeResult> finish();

 private:
  Status fail(Error e);
  Status process_frames();
  Status handle_message(BytesView message);
  Status queue_message(bool with_payload);
  Status check_payload(BytesView payload);
  Bytes make_payload() const;

  Role role_;
  HandshakeParams params_;
  State state_;
  XxHandshakeState xx_;
  Bytes input_;   // received bytes not yet consumed as frames
  Bytes output_;  // framed messages waiting for take_output
  std::optional<wire::PublicKey> remote_key_;
  std::vector<std::string> remote_muxers_;
  std::optional<Error> error_;
};

const char* state_name(Handshake::State s);

}  // namespace aipg::noise
