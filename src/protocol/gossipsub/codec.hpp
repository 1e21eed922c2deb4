// The pubsub RPC codec (libp2p/specs pubsub "The RPC", proto/rpc.proto). On a stream each RPC
// travels as uvarint(length) ‖ RPC protobuf, as go, rust and js frame it.
//
// Decoding goes through the protobuf-generated class: it is the reference parser, and what a
// peer sends is untrusted. Encoding is written by hand, in field-number order, which is what
// libprotobuf emits too (tests compare byte for byte): the router encodes every message it
// publishes or forwards, and the signer needs the encoding of a Message's first four fields;
// neither should have to build a libprotobuf object for that.
//
// Fields the spec marks optional keep "absent" apart from "empty" where rpc.hpp can hold it
// (Message, PeerInfo, the PRUNE backoff). Elsewhere a missing field reads as its default, as in
// go: a SubOpts without `subscribe` is an unsubscribe, a missing topicID the empty topic. A
// Message without a topic is refused: it cannot be routed or validated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "protocol/gossipsub/rpc.hpp"

namespace aipg::gossipsub {

struct CodecLimits {
  // Largest RPC (frame body) accepted: go-libp2p-pubsub's DefaultMaxMessageSize, 1 MiB, so
  // whatever a go peer may send fits. The frame reader refuses a larger frame from its length
  // prefix, before buffering it.
  size_t max_rpc_size = 1 << 20;
  // Largest PRUNE backoff accepted. The field is a uint64 of seconds; the spec's default is one
  // minute, and a bound keeps `seconds × 1 s` far inside a Duration for the router's sums.
  uint64_t max_prune_backoff_seconds = 24 * 3600;

  // Refuses zero values, an RPC size protobuf cannot parse (over INT_MAX), and a backoff
  // bound that does not fit a Duration.
  Result<void> validate() const;
};

// Parses one RPC (a frame body). Errors name the field and the limit: too_large for an RPC
// over max_rpc_size ("rpc is 2000000 bytes, limit 1048576") or a PRUNE backoff over its bound
// ("control.prune[0].backoff is …"); malformed for bytes that are not an RPC protobuf and for
// a Message without a topic ("publish[3].topic missing"). Unknown fields are skipped, as
// protobuf requires. Messages come back as fresh shared pointers.
Result<Rpc> decode_rpc(BytesView rpc, const CodecLimits& limits);

// The RPC's protobuf encoding, fields in number order. Every field rpc.hpp holds without an
// optional (a SubOpts' subscribe and topic, a Message's topic, a control entry's topic) is
// written, even when empty; `control` is written whenever it is set, even when empty.
// `rpc.publish` must not hold null pointers.
Bytes encode_rpc(const Rpc& rpc);
// Appends uvarint(encoded size) ‖ encode_rpc(rpc) to `out`: one frame, ready for the stream.
void append_frame(Bytes& out, const Rpc& rpc);
// One Message's protobuf encoding as it sits inside an RPC (fields in number order), and back:
// for applications that keep or re-send a message as its author signed it.
Bytes encode_message(const Message& message);
// Malformed for bytes that are not a Message protobuf or lack a topic; too_large over
// limits.max_rpc_size.
Result<MessagePtr> decode_message(BytesView bytes, const CodecLimits& limits);
// The size encode_rpc would produce, without encoding: for splitting RPCs under a peer's limit.
size_t encoded_size(const Rpc& rpc);
// The size of one Message's encoding (without its field tag and length in the RPC).
size_t encoded_size(const Message& message);

// What StrictSign signs after its "libp2p-pubsub:" prefix: the Message protobuf without
// `signature` and `key`, i.e. from, data, seqno, topic in that order, each when present
// (topic always).
Bytes signing_bytes(const Message& message);

// Splits a stream into RPC frame bodies, incrementally: feed bytes as they arrive, then take
// frames with `next()` until it returns nullopt. After an error every call to `next()` returns
// that error again: the stream is out of step and must be closed.
class FrameReader {
 public:
  // `limits` must validate (they are ours, not a peer's); only max_rpc_size is used.
  explicit FrameReader(const CodecLimits& limits = {});

  // Appends `bytes` to what is buffered. Ignored once `next()` has failed.
  void feed(BytesView bytes);
  // The next complete frame body; nullopt when it has not all arrived yet; an error when the
  // length prefix is not a valid uvarint (malformed) or announces more than max_rpc_size
  // (too_large), known from the prefix alone, before the body is buffered.
  Result<std::optional<Bytes>> next();
  // Bytes fed but not yet returned in a frame.
  size_t buffered() const { return buf_.size() - pos_; }

 private:
  size_t max_frame_;
  // Unread bytes are buf_[pos_..]. The consumed front is dropped only once it is at least as
  // long as the rest, so the bytes moved never exceed the bytes consumed: linear in what was
  // fed, however small the pieces.
  Bytes buf_;
  size_t pos_ = 0;
  std::optional<Error> error_;
};

}  // namespace aipg::gossipsub
