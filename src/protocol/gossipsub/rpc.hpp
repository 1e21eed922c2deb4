// The pubsub RPC (libp2p/specs pubsub "The RPC", gossipsub v1.0–v1.2 control messages) as plain
// values: what the codec decodes a frame into, what the router consumes and emits, and what the
// router-level simulator passes between nodes without encoding.
//
// Messages are shared: one received message is forwarded to many peers and kept in the message
// cache, so an RPC holds them by `std::shared_ptr<const Message>` and nobody copies the payload.
// Optional protobuf fields (proto2 `optional`) are std::optional so that "absent" and "empty"
// stay distinct, as the signature rule needs (an absent seqno is not an empty one).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "base/bytes.hpp"
#include "protocol/gossipsub/types.hpp"

namespace aipg::gossipsub {

// Message { from = 1, data = 2, seqno = 3, topic = 4, signature = 5, key = 6 }.
struct Message {
  std::optional<Bytes> from;  // the author's peer id (multihash bytes)
  std::optional<Bytes> data;
  std::optional<Bytes> seqno;  // 8-byte big-endian counter by convention
  TopicId topic;               // required in the schema
  std::optional<Bytes> signature;
  std::optional<Bytes> key;  // only when the key cannot be read from `from`

  bool operator==(const Message&) const = default;
};
using MessagePtr = std::shared_ptr<const Message>;

// SubOpts { subscribe = 1, topicid = 2 }.
struct SubOpts {
  bool subscribe = true;
  TopicId topic;
  bool operator==(const SubOpts&) const = default;
};

struct ControlIHave {
  TopicId topic;
  std::vector<MessageId> ids;
  bool operator==(const ControlIHave&) const = default;
};
struct ControlIWant {
  std::vector<MessageId> ids;
  bool operator==(const ControlIWant&) const = default;
};
struct ControlGraft {
  TopicId topic;
  bool operator==(const ControlGraft&) const = default;
};
// PeerInfo { peerID = 1, signedPeerRecord = 2 }.
struct PxPeer {
  std::optional<Bytes> peer_id;
  std::optional<Bytes> signed_peer_record;
  bool operator==(const PxPeer&) const = default;
};
struct ControlPrune {
  TopicId topic;
  std::vector<PxPeer> peers;
  std::optional<uint64_t> backoff_seconds;
  bool operator==(const ControlPrune&) const = default;
};
struct ControlIDontWant {
  std::vector<MessageId> ids;
  bool operator==(const ControlIDontWant&) const = default;
};

struct ControlMessage {
  std::vector<ControlIHave> ihave;
  std::vector<ControlIWant> iwant;
  std::vector<ControlGraft> graft;
  std::vector<ControlPrune> prune;
  std::vector<ControlIDontWant> idontwant;

  bool empty() const {
    return ihave.empty() && iwant.empty() && graft.empty() && prune.empty() && idontwant.empty();
  }
  bool operator==(const ControlMessage&) const = default;
};

// RPC { subscriptions = 1, publish = 2, control = 3 }.
struct Rpc {
  std::vector<SubOpts> subscriptions;
  std::vector<MessagePtr> publish;
  std::optional<ControlMessage> control;

  bool empty() const {
    return subscriptions.empty() && publish.empty() && (!control || control->empty());
  }
  ControlMessage& ctrl() {
    if (!control) control.emplace();
    return *control;
  }
};

// Deep equality (messages compared by value), for tests and the codec's round-trip fuzzer.
bool same_rpc(const Rpc& a, const Rpc& b);

}  // namespace aipg::gossipsub
