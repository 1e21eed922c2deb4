#include "protocol/gossipsub/codec.hpp"

#include <cassert>
#include <climits>
#include <string>

#include "base/time.hpp"
#include "rpc.pb.h"
#include "wire/varint.hpp"

namespace aipg::gossipsub {

namespace {

// Protobuf wire types (protobuf.dev "Encoding").
constexpr uint8_t kVarint = 0;
constexpr uint8_t kLengthDelimited = 2;

// ---- sizes: every field number here is below 16, so each tag is one byte ----

size_t len_field_size(size_t len) { return 1 + wire::uvarint_size(len) + len; }
size_t opt_field_size(const std::optional<Bytes>& b) { return b ? len_field_size(b->size()) : 0; }
size_t ids_size(const std::vector<MessageId>& ids) {
  size_t n = 0;
  for (const MessageId& id : ids) n += len_field_size(id.size());
  return n;
}

// Message fields 1–4 (from, data, seqno, topic): the signed part.
size_t signed_fields_size(const Message& m) {
  return opt_field_size(m.from) + opt_field_size(m.data) + opt_field_size(m.seqno) +
         len_field_size(m.topic.size());
}

size_t sub_size(const SubOpts& s) { return 2 + len_field_size(s.topic.size()); }
size_t peer_size(const PxPeer& p) {
  return opt_field_size(p.peer_id) + opt_field_size(p.signed_peer_record);
}
size_t prune_size(const ControlPrune& p) {
  size_t n = len_field_size(p.topic.size());
  for (const PxPeer& peer : p.peers) n += len_field_size(peer_size(peer));
  if (p.backoff_seconds) n += 1 + wire::uvarint_size(*p.backoff_seconds);
  return n;
}
size_t control_size(const ControlMessage& c) {
  size_t n = 0;
  for (const auto& e : c.ihave)
    n += len_field_size(len_field_size(e.topic.size()) + ids_size(e.ids));
  for (const auto& e : c.iwant) n += len_field_size(ids_size(e.ids));
  for (const auto& e : c.graft) n += len_field_size(len_field_size(e.topic.size()));
  for (const auto& e : c.prune) n += len_field_size(prune_size(e));
  for (const auto& e : c.idontwant) n += len_field_size(ids_size(e.ids));
  return n;
}

// ---- writers ----

void put_tag(Bytes& out, uint32_t field, uint8_t wire_type) {
  out.push_back(uint8_t((field << 3) | wire_type));
}
void put_varint_field(Bytes& out, uint32_t field, uint64_t v) {
  put_tag(out, field, kVarint);
  wire::put_uvarint(out, v);
}
// Tag and length of a length-delimited field whose body the caller writes next.
void put_len_header(Bytes& out, uint32_t field, size_t len) {
  put_tag(out, field, kLengthDelimited);
  wire::put_uvarint(out, len);
}
void put_bytes_field(Bytes& out, uint32_t field, BytesView b) {
  put_len_header(out, field, b.size());
  append(out, b);
}
void put_opt_field(Bytes& out, uint32_t field, const std::optional<Bytes>& b) {
  if (b) put_bytes_field(out, field, *b);
}
void put_ids(Bytes& out, uint32_t field, const std::vector<MessageId>& ids) {
  for (const MessageId& id : ids) put_bytes_field(out, field, as_bytes(id));
}

void put_signed_fields(Bytes& out, const Message& m) {
  put_opt_field(out, 1, m.from);
  put_opt_field(out, 2, m.data);
  put_opt_field(out, 3, m.seqno);
  put_bytes_field(out, 4, as_bytes(m.topic));
}

void put_control(Bytes& out, const ControlMessage& c) {
  for (const auto& e : c.ihave) {
    put_len_header(out, 1, len_field_size(e.topic.size()) + ids_size(e.ids));
    put_bytes_field(out, 1, as_bytes(e.topic));
    put_ids(out, 2, e.ids);
  }
  for (const auto& e : c.iwant) {
    put_len_header(out, 2, ids_size(e.ids));
    put_ids(out, 1, e.ids);
  }
  for (const auto& e : c.graft) {
    put_len_header(out, 3, len_field_size(e.topic.size()));
    put_bytes_field(out, 1, as_bytes(e.topic));
  }
  for (const auto& e : c.prune) {
    put_len_header(out, 4, prune_size(e));
    put_bytes_field(out, 1, as_bytes(e.topic));
    for (const PxPeer& p : e.peers) {
      put_len_header(out, 2, peer_size(p));
      put_opt_field(out, 1, p.peer_id);
      put_opt_field(out, 2, p.signed_peer_record);
    }
    if (e.backoff_seconds) put_varint_field(out, 3, *e.backoff_seconds);
  }
  for (const auto& e : c.idontwant) {
    put_len_header(out, 5, ids_size(e.ids));
    put_ids(out, 1, e.ids);
  }
}

void put_message(Bytes& out, const Message& m) {
  put_signed_fields(out, m);
  put_opt_field(out, 5, m.signature);
  put_opt_field(out, 6, m.key);
}

void put_rpc(Bytes& out, const Rpc& rpc) {
  for (const SubOpts& s : rpc.subscriptions) {
    put_len_header(out, 1, sub_size(s));
    put_varint_field(out, 1, s.subscribe ? 1 : 0);
    put_bytes_field(out, 2, as_bytes(s.topic));
  }
  for (const MessagePtr& m : rpc.publish) {
    put_len_header(out, 2, encoded_size(*m));
    put_message(out, *m);
  }
  if (rpc.control) {
    put_len_header(out, 3, control_size(*rpc.control));
    put_control(out, *rpc.control);
  }
}

// ---- decoding: generated classes to rpc.hpp values ----

std::optional<Bytes> opt_bytes(bool present, const std::string& s) {
  if (!present) return std::nullopt;
  return Bytes(s.begin(), s.end());
}

template <class Repeated>
std::vector<MessageId> ids_of(const Repeated& r) {
  return std::vector<MessageId>(r.begin(), r.end());
}

MessagePtr message_of(const pb::pubsub::Message& m) {
  auto out = std::make_shared<Message>();
  out->from = opt_bytes(m.has_from(), m.from());
  out->data = opt_bytes(m.has_data(), m.data());
  out->seqno = opt_bytes(m.has_seqno(), m.seqno());
  out->topic = m.topic();
  out->signature = opt_bytes(m.has_signature(), m.signature());
  out->key = opt_bytes(m.has_key(), m.key());
  return out;
}

Result<ControlMessage> control_of(const pb::pubsub::ControlMessage& c, const CodecLimits& limits) {
  ControlMessage out;
  out.ihave.reserve(c.ihave_size());
  for (const auto& e : c.ihave()) out.ihave.push_back({e.topicid(), ids_of(e.messageids())});
  out.iwant.reserve(c.iwant_size());
  for (const auto& e : c.iwant()) out.iwant.push_back({ids_of(e.messageids())});
  out.graft.reserve(c.graft_size());
  for (const auto& e : c.graft()) out.graft.push_back({e.topicid()});
  out.prune.reserve(c.prune_size());
  for (int i = 0; i < c.prune_size(); ++i) {
    const auto& e = c.prune(i);
    ControlPrune p;
    p.topic = e.topicid();
    p.peers.reserve(e.peers_size());
    for (const auto& peer : e.peers()) {
      p.peers.push_back({opt_bytes(peer.has_peerid(), peer.peerid()),
                         opt_bytes(peer.has_signedpeerrecord(), peer.signedpeerrecord())});
    }
    if (e.has_backoff()) {
      if (e.backoff() > limits.max_prune_backoff_seconds) {
        return make_error(Errc::too_large, "control.prune[" + std::to_string(i) + "].backoff is " +
                                               std::to_string(e.backoff()) + " seconds, limit " +
                                               std::to_string(limits.max_prune_backoff_seconds));
      }
      p.backoff_seconds = e.backoff();
    }
    out.prune.push_back(std::move(p));
  }
  out.idontwant.reserve(c.idontwant_size());
  for (const auto& e : c.idontwant()) out.idontwant.push_back({ids_of(e.messageids())});
  return out;
}

}  // namespace

Result<void> CodecLimits::validate() const {
  if (max_rpc_size == 0 || max_rpc_size > size_t(INT_MAX)) {
    return make_error(Errc::invalid_argument,
                      "max_rpc_size must be in [1, " + std::to_string(INT_MAX) + "]");
  }
  const uint64_t max_seconds = uint64_t(Duration::max().count() / Duration(1s).count());
  if (max_prune_backoff_seconds == 0 || max_prune_backoff_seconds > max_seconds) {
    return make_error(Errc::invalid_argument, "max_prune_backoff_seconds must be in [1, " +
                                                  std::to_string(max_seconds) + "]");
  }
  return ok();
}

Result<Rpc> decode_rpc(BytesView bytes, const CodecLimits& limits) {
  if (bytes.size() > limits.max_rpc_size) {
    return make_error(Errc::too_large, "rpc is " + std::to_string(bytes.size()) + " bytes, limit " +
                                           std::to_string(limits.max_rpc_size));
  }
  pb::pubsub::RPC pb;
  if (!pb.ParseFromArray(bytes.data(), int(bytes.size()))) {
    return make_error(Errc::malformed, "rpc: not a valid RPC protobuf");
  }
  Rpc out;
  out.subscriptions.reserve(pb.subscriptions_size());
  for (const auto& s : pb.subscriptions())
    out.subscriptions.push_back({s.subscribe(), s.topicid()});
  out.publish.reserve(pb.publish_size());
  for (int i = 0; i < pb.publish_size(); ++i) {
    if (!pb.publish(i).has_topic()) {
      return make_error(Errc::malformed, "publish[" + std::to_string(i) + "].topic missing");
    }
    out.publish.push_back(message_of(pb.publish(i)));
  }
  if (pb.has_control()) {
    AIPG_TRY_ASSIGN(out.control, control_of(pb.control(), limits));
  }
  return out;
}

size_t encoded_size(const Message& m) {
  return signed_fields_size(m) + opt_field_size(m.signature) + opt_field_size(m.key);
}

size_t encoded_size(const Rpc& rpc) {
  size_t n = 0;
  for (const SubOpts& s : rpc.subscriptions) n += len_field_size(sub_size(s));
  for (const MessagePtr& m : rpc.publish) n += len_field_size(encoded_size(*m));
  if (rpc.control) n += len_field_size(control_size(*rpc.control));
  return n;
}

Bytes encode_rpc(const Rpc& rpc) {
  Bytes out;
  out.reserve(encoded_size(rpc));
  put_rpc(out, rpc);
  return out;
}

void append_frame(Bytes& out, const Rpc& rpc) {
  const size_t n = encoded_size(rpc);
  out.reserve(out.size() + wire::uvarint_size(n) + n);
  wire::put_uvarint(out, n);
  put_rpc(out, rpc);
}

Bytes encode_message(const Message& m) {
  Bytes out;
  out.reserve(encoded_size(m));
  put_message(out, m);
  return out;
}

Result<MessagePtr> decode_message(BytesView bytes, const CodecLimits& limits) {
  if (bytes.size() > limits.max_rpc_size) {
    return make_error(Errc::too_large, "message is " + std::to_string(bytes.size()) +
                                           " bytes, limit " + std::to_string(limits.max_rpc_size));
  }
  pb::pubsub::Message pb;
  if (!pb.ParseFromArray(bytes.data(), int(bytes.size()))) {
    return make_error(Errc::malformed, "message: not a valid Message protobuf");
  }
  if (!pb.has_topic()) return make_error(Errc::malformed, "message.topic missing");
  return message_of(pb);
}

Bytes signing_bytes(const Message& m) {
  Bytes out;
  out.reserve(signed_fields_size(m));
  put_signed_fields(out, m);
  return out;
}

FrameReader::FrameReader(const CodecLimits& limits) : max_frame_(limits.max_rpc_size) {
  assert(limits.validate().has_value());
}

void FrameReader::feed(BytesView bytes) {
  if (error_) return;
  if (pos_ > 0 && pos_ >= buf_.size() - pos_) {
    buf_.erase(buf_.begin(), buf_.begin() + ptrdiff_t(pos_));
    pos_ = 0;
  }
  append(buf_, bytes);
}

Result<std::optional<Bytes>> FrameReader::next() {
  if (error_) return *error_;
  auto frame = wire::read_uvarint_frame(BytesView(buf_).subspan(pos_), max_frame_);
  if (!frame) {
    error_ = make_error(frame.error().code, "rpc frame: " + frame.error().message);
    return *error_;
  }
  if (!*frame) return std::optional<Bytes>();
  Bytes body((*frame)->payload.begin(), (*frame)->payload.end());
  pos_ += (*frame)->consumed;
  if (pos_ == buf_.size()) {  // the common case: nothing left over, nothing to move
    buf_.clear();
    pos_ = 0;
  }
  return std::optional<Bytes>(std::move(body));
}

}  // namespace aipg::gossipsub
