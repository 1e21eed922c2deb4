// Message signing (libp2p/specs pubsub/README.md "Message Signing"): the signature is over the
// string "libp2p-pubsub:" followed by the Message protobuf without its `signature` and `key`
// fields; `key` carries the signer's PublicKey protobuf only "when it cannot be inlined in the
// source peer ID" and, when present, "must match the peer ID".
//
// Two policies, as go/js/rust name them:
// - StrictSign: we sign what we publish, and refuse any message without a valid signature by
//   its `from`, or without an 8-byte seqno;
// - StrictNoSign: we publish without from, seqno, signature and key, and refuse messages that
//   carry any of them (their ids are then content-based, see message_id.hpp).
// A refusal is the router's "reject": the message is dropped and counts against the sender.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/bytes.hpp"
#include "protocol/gossipsub/rpc.hpp"
#include "wire/keys.hpp"

namespace aipg::gossipsub {

inline constexpr std::string_view kSignPrefix = "libp2p-pubsub:";

// A StrictSign message: from = the multihash of our peer id, seqno = `seqno` as 8 bytes
// big-endian, signature = Ed25519 over kSignPrefix ‖ signing_bytes(message). `key` is left
// out: an Ed25519 key is inlined in its (identity-multihash) peer id. `data` is always present,
// empty or not, as go and js publish it.
MessagePtr make_signed_message(const wire::KeyPair& key, TopicId topic, Bytes data, uint64_t seqno);

// Why a message was refused under a signature policy.
enum class SignatureError {
  kMissingFrom,
  kInvalidFrom,  // not a peer id we can parse (nor one whose inlined key we support)
  kMissingSeqno,
  kInvalidSeqno,  // not 8 bytes
  kMissingSignature,
  kInvalidSignature,  // does not verify under the author's key
  kKeyMismatch,       // the `key` field is not the key of `from`
  kInvalidKey,        // the `key` field is not a PublicKey we can parse
  kNoKey,             // no `key` field, and `from` (a sha2-256 id) does not inline one
  kUnexpectedFrom,    // StrictNoSign: a field that policy forbids is present
  kUnexpectedSeqno,
  kUnexpectedSignature,
  kUnexpectedKey,
};

// snake_case, stable: used as a metric label ("invalid_signature", "key_mismatch", …).
const char* to_string(SignatureError e);

// StrictSign: nullopt when `m` has a parseable `from`, an 8-byte seqno and a signature that
// verifies under the author's key: the `key` field when present (it must be the key of
// `from`), else the key inlined in `from`. Checks run in that order; the first failure is
// returned.
std::optional<SignatureError> verify_strict_sign(const Message& m);

// StrictNoSign: nullopt when from, seqno, signature and key are all absent; else the first
// present one, in that order.
std::optional<SignatureError> verify_strict_no_sign(const Message& m);

}  // namespace aipg::gossipsub
