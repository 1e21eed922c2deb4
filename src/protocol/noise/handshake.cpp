#include "protocol/noise/handshake.hpp"

#include <sodium.h>

#include <cassert>
#include <cstring>

#include "noise.pb.h"

namespace aipg::noise {

namespace {

// Extensions are a few protocol ids; these bounds only stop a peer from making us hold junk.
constexpr size_t kMaxMuxers = 64;
constexpr size_t kMaxMuxerLength = 256;

Bytes signed_static_key(const DhKey& static_public) {
  constexpr size_t kPrefixLen = sizeof(kStaticKeySignaturePrefix) - 1;
  Bytes msg(kPrefixLen + static_public.size());
  std::memcpy(msg.data(), kStaticKeySignaturePrefix, kPrefixLen);
  std::memcpy(msg.data() + kPrefixLen, static_public.data(), static_public.size());
  return msg;
}

Error prefixed(Error e) {
  if (e.message.rfind("noise: ", 0) != 0) e.message = "noise: " + e.message;
  return e;
}

}  // namespace

const char* state_name(Handshake::State s) {
  switch (s) {
    case Handshake::State::kIdle:
      return "idle";
    case Handshake::State::kWaitMsg1:
      return "wait-msg1";
    case Handshake::State::kWaitMsg2:
      return "wait-msg2";
    case Handshake::State::kWaitMsg3:
      return "wait-msg3";
    case Handshake::State::kDone:
      return "done";
    case Handshake::State::kFinished:
      return "finished";
    case Handshake::State::kFailed:
      return "failed";
  }
  return "?";
}

Handshake::Handshake(Role role, HandshakeParams params)
    : role_(role),
      params_(std::move(params)),
      state_(role == Role::kInitiator ? State::kIdle : State::kWaitMsg1),
      xx_(role == Role::kInitiator, BytesView(), params_.static_secret, params_.ephemeral_secret) {
  assert(params_.identity != nullptr);
}

Handshake::~Handshake() {
  sodium_memzero(params_.static_secret.data(), params_.static_secret.size());
  sodium_memzero(params_.ephemeral_secret.data(), params_.ephemeral_secret.size());
}

Status Handshake::fail(Error e) {
  state_ = State::kFailed;
  output_.clear();
  input_.clear();
  remote_muxers_.clear();  // early data of a failed handshake must be discarded (spec)
  remote_key_.reset();
  error_ = e;
  return e;
}

Status Handshake::start() {
  if (role_ == Role::kResponder) return ok();
  if (state_ != State::kIdle) {
    return make_error(Errc::invalid_argument,
                      std::string("noise: start() in state ") + state_name(state_));
  }
  state_ = State::kWaitMsg2;
  auto st = queue_message(/*with_payload=*/false);
  if (!st) return fail(std::move(st).error());
  return ok();
}

Bytes Handshake::make_payload() const {
  pb::noise::NoiseHandshakePayload p;
  const Bytes key = params_.identity->public_key().to_protobuf();
  const auto sig = params_.identity->sign(signed_static_key(xx_.local_static_public()));
  p.set_identity_key(key.data(), key.size());
  p.set_identity_sig(sig.data(), sig.size());
  if (!params_.stream_muxers.empty()) {
    auto* ext = p.mutable_extensions();
    for (const auto& m : params_.stream_muxers) ext->add_stream_muxers(m);
  }
  Bytes out(p.ByteSizeLong());
  p.SerializeToArray(out.data(), int(out.size()));
  if (params_.payload_hook_for_tests) params_.payload_hook_for_tests(out);
  return out;
}

Status Handshake::queue_message(bool with_payload) {
  const size_t at = output_.size();
  output_.resize(at + kFrameHeaderSize);
  const Bytes payload = with_payload ? make_payload() : Bytes();
  AIPG_TRY(xx_.write_message(payload, output_));
  const size_t len = output_.size() - at - kFrameHeaderSize;
  if (len > kMaxMessageSize) {
    return make_error(Errc::too_large, "noise: our handshake message would be " +
                                           std::to_string(len) + " bytes (max 65535)");
  }
  put_be16(output_.data() + at, uint16_t(len));
  return ok();
}

Status Handshake::on_bytes(BytesView in) {
  switch (state_) {
    case State::kFailed:
      return make_error(
          error_ ? error_->code : Errc::internal,
          "noise: handshake already failed" + (error_ ? ": " + error_->message : std::string()));
    case State::kIdle:
      return fail(make_error(Errc::protocol_violation,
                             "noise: bytes received before the initiator started"));
    case State::kFinished:
      return make_error(Errc::invalid_argument, "noise: handshake already finished");
    default:
      break;
  }
  append(input_, in);
  auto st = process_frames();
  if (!st) return fail(std::move(st).error());
  return ok();
}

Status Handshake::process_frames() {
  size_t pos = 0;
  while (state_ != State::kDone && input_.size() - pos >= kFrameHeaderSize) {
    const size_t len = get_be16(input_.data() + pos);
    if (input_.size() - pos < kFrameHeaderSize + len) break;
    // Copy out: handle_message may not alias input_, which we erase below.
    Bytes message(input_.begin() + pos + kFrameHeaderSize,
                  input_.begin() + pos + kFrameHeaderSize + len);
    pos += kFrameHeaderSize + len;
    AIPG_TRY(handle_message(message));
  }
  input_.erase(input_.begin(), input_.begin() + pos);
  return ok();
}

Status Handshake::handle_message(BytesView message) {
  Bytes payload;
  switch (state_) {
    case State::kWaitMsg1:
      AIPG_TRY(xx_.read_message(message, payload));
      // libp2p sends no early data in message 1; go and js ignore anything there, and so do
      // we (it was hashed into h, so both sides still agree on the transcript).
      state_ = State::kWaitMsg3;
      return queue_message(/*with_payload=*/true);
    case State::kWaitMsg2:
      AIPG_TRY(xx_.read_message(message, payload));
      AIPG_TRY(check_payload(payload));
      AIPG_TRY(queue_message(/*with_payload=*/true));
      state_ = State::kDone;
      return ok();
    case State::kWaitMsg3:
      AIPG_TRY(xx_.read_message(message, payload));
      AIPG_TRY(check_payload(payload));
      state_ = State::kDone;
      return ok();
    default:
      return make_error(Errc::internal,
                        std::string("noise: handshake message in state ") + state_name(state_));
  }
}

Status Handshake::check_payload(BytesView payload) {
  pb::noise::NoiseHandshakePayload p;
  if (!p.ParseFromArray(payload.data(), int(payload.size()))) {
    return make_error(Errc::malformed, "noise: handshake payload is not a NoiseHandshakePayload");
  }
  if (!p.has_identity_key() || !p.has_identity_sig()) {
    return make_error(Errc::malformed,
                      "noise: handshake payload lacks identity_key or identity_sig");
  }
  auto key = wire::PublicKey::from_protobuf(as_bytes(p.identity_key()));
  if (!key) return prefixed(std::move(key).error());
  if (!key->verify(signed_static_key(xx_.remote_static()), as_bytes(p.identity_sig()))) {
    return make_error(Errc::auth_failed, "noise: identity signature does not verify");
  }
  if (params_.expected_remote && !params_.expected_remote->matches(*key)) {
    return make_error(Errc::auth_failed, "noise: expected peer " +
                                             params_.expected_remote->to_base58() + ", got " +
                                             wire::PeerId::from_public_key(*key).to_base58());
  }
  if (p.has_extensions()) {
    const auto& muxers = p.extensions().stream_muxers();
    if (size_t(muxers.size()) > kMaxMuxers) {
      return make_error(Errc::too_large, "noise: more than 64 stream muxers in the extensions");
    }
    for (const auto& m : muxers) {
      if (m.size() > kMaxMuxerLength) {
        return make_error(Errc::too_large, "noise: stream muxer id over 256 bytes");
      }
      remote_muxers_.push_back(m);
    }
  }
  remote_key_ = *key;
  return ok();
}

void Handshake::take_output(Bytes& out) {
  append(out, output_);
  output_.clear();
}

Result<HandshakeResult> Handshake::finish() {
  if (state_ != State::kDone) {
    return make_error(Errc::invalid_argument,
                      std::string("noise: finish() in state ") + state_name(state_));
  }
  assert(remote_key_.has_value() && xx_.finished());
  // Split: c1 carries initiator → responder, c2 responder → initiator.
  auto [c1, c2] = xx_.split();
  const bool initiator = role_ == Role::kInitiator;
  HandshakeResult r{
      wire::PeerId::from_public_key(*remote_key_),
      *remote_key_,
      std::move(remote_muxers_),
      initiator ? Transport(std::move(c1), std::move(c2)) : Transport(std::move(c2), std::move(c1)),
      std::move(input_),
      xx_.handshake_hash(),
  };
  input_.clear();
  state_ = State::kFinished;
  return r;
}

}  // namespace aipg::noise
