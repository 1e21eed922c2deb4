#include "protocol/gossipsub/rpc_shaping.hpp"

namespace aipg::gossipsub {

namespace {

// A length-delimited field: one tag byte (field numbers here are < 16) and a varint length of
// at most 5 bytes for anything under 4 GiB.
constexpr size_t kFieldOverhead = 6;

size_t field(size_t n) { return n + kFieldOverhead; }
size_t opt(const std::optional<Bytes>& b) { return b ? field(b->size()) : 0; }

size_t ids_size(const std::vector<MessageId>& ids) {
  size_t n = 0;
  for (const MessageId& id : ids) n += field(id.size());
  return n;
}

}  // namespace

size_t approx_size(const Message& m) {
  return field(opt(m.from) + opt(m.data) + opt(m.seqno) + field(m.topic.size()) + opt(m.signature) +
               opt(m.key));
}

size_t approx_size(const ControlMessage& c) {
  size_t n = 0;
  for (const auto& ih : c.ihave) n += field(field(ih.topic.size()) + ids_size(ih.ids));
  for (const auto& iw : c.iwant) n += field(ids_size(iw.ids));
  for (const auto& g : c.graft) n += field(field(g.topic.size()));
  for (const auto& p : c.prune) {
    size_t peers = 0;
    for (const auto& px : p.peers) peers += field(opt(px.peer_id) + opt(px.signed_peer_record));
    n += field(field(p.topic.size()) + peers + 11);
  }
  for (const auto& d : c.idontwant) n += field(ids_size(d.ids));
  return field(n);
}

size_t rpc_head_size(const Rpc& rpc) {
  size_t n = rpc.control ? approx_size(*rpc.control) : 0;
  for (const SubOpts& s : rpc.subscriptions) n += field(2 + field(s.topic.size()));
  return n;
}

void strip_for(Rpc& rpc, PeerKind kind) {
  if (!rpc.control) return;
  ControlMessage& c = *rpc.control;
  if (kind == PeerKind::kFloodsub) {
    rpc.control.reset();
    return;
  }
  if (kind != PeerKind::kGossipsubV12) c.idontwant.clear();
  if (kind == PeerKind::kGossipsubV10) {
    for (ControlPrune& p : c.prune) {
      p.peers.clear();
      p.backoff_seconds.reset();
    }
  }
  if (c.empty()) rpc.control.reset();
}

void split_rpc(Outgoing o, size_t limit, std::vector<Outgoing>& result) {
  size_t head = rpc_head_size(o.rpc);
  size_t total = head;
  for (const MessagePtr& m : o.rpc.publish) total += approx_size(*m);
  if (total <= limit) {
    result.push_back(std::move(o));
    return;
  }
  std::vector<MessagePtr> messages = std::move(o.rpc.publish);
  o.rpc.publish.clear();
  Outgoing current = std::move(o);
  size_t size = head;
  for (MessagePtr& m : messages) {
    const size_t s = approx_size(*m);
    if (size + s > limit && !current.rpc.empty()) {
      PeerId peer = current.peer;
      result.push_back(std::move(current));
      current = Outgoing{std::move(peer), Rpc{}};
      size = 0;
    }
    size += s;
    current.rpc.publish.push_back(std::move(m));
  }
  if (!current.rpc.empty()) result.push_back(std::move(current));
}

}  // namespace aipg::gossipsub
