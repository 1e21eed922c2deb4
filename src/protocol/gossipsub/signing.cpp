#include "protocol/gossipsub/signing.hpp"

#include <memory>
#include <utility>

#include "protocol/gossipsub/codec.hpp"
#include "wire/peer_id.hpp"

namespace aipg::gossipsub {

namespace {

Bytes signature_payload(const Message& m) {
  Bytes out = to_bytes(kSignPrefix);
  append(out, signing_bytes(m));
  return out;
}

}  // namespace

MessagePtr make_signed_message(const wire::KeyPair& key, TopicId topic, Bytes data,
                               uint64_t seqno) {
  auto m = std::make_shared<Message>();
  m->from = PeerId::from_public_key(key.public_key()).multihash();
  m->data = std::move(data);
  m->seqno.emplace(8);
  put_be64(m->seqno->data(), seqno);
  m->topic = std::move(topic);
  const wire::Ed25519Signature sig = key.sign(signature_payload(*m));
  m->signature.emplace(sig.begin(), sig.end());
  return m;
}

const char* to_string(SignatureError e) {
  switch (e) {
    case SignatureError::kMissingFrom:
      return "missing_from";
    case SignatureError::kInvalidFrom:
      return "invalid_from";
    case SignatureError::kMissingSeqno:
      return "missing_seqno";
    case SignatureError::kInvalidSeqno:
      return "invalid_seqno";
    case SignatureError::kMissingSignature:
      return "missing_signature";
    case SignatureError::kInvalidSignature:
      return "invalid_signature";
    case SignatureError::kKeyMismatch:
      return "key_mismatch";
    case SignatureError::kInvalidKey:
      return "invalid_key";
    case SignatureError::kNoKey:
      return "no_key";
    case SignatureError::kUnexpectedFrom:
      return "unexpected_from";
    case SignatureError::kUnexpectedSeqno:
      return "unexpected_seqno";
    case SignatureError::kUnexpectedSignature:
      return "unexpected_signature";
    case SignatureError::kUnexpectedKey:
      return "unexpected_key";
  }
  return "unknown";
}

std::optional<SignatureError> verify_strict_sign(const Message& m) {
  if (!m.from) return SignatureError::kMissingFrom;
  auto author = PeerId::from_multihash(*m.from);
  if (!author) return SignatureError::kInvalidFrom;
  if (!m.seqno) return SignatureError::kMissingSeqno;
  if (m.seqno->size() != 8) return SignatureError::kInvalidSeqno;
  if (!m.signature) return SignatureError::kMissingSignature;

  std::optional<wire::PublicKey> key;
  if (m.key) {
    auto k = wire::PublicKey::from_protobuf(*m.key);
    if (!k) return SignatureError::kInvalidKey;
    if (!author->matches(*k)) return SignatureError::kKeyMismatch;
    key = *k;
  } else {
    key = author->public_key();
    if (!key) return SignatureError::kNoKey;
  }
  if (!key->verify(signature_payload(m), *m.signature)) return SignatureError::kInvalidSignature;
  return std::nullopt;
}

std::optional<SignatureError> verify_strict_no_sign(const Message& m) {
  if (m.from) return SignatureError::kUnexpectedFrom;
  if (m.seqno) return SignatureError::kUnexpectedSeqno;
  if (m.signature) return SignatureError::kUnexpectedSignature;
  if (m.key) return SignatureError::kUnexpectedKey;
  return std::nullopt;
}

}  // namespace aipg::gossipsub
