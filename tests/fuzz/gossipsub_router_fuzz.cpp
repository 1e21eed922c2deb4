// The router driven by a script of peer events, decoded RPCs (raw protobuf from the input),
// well-formed signed messages and control messages about them, heartbeats and application
// calls. Invariants checked after every step: no crash or sanitizer report; output goes only to
// known peers and encodes within the transmit limit; mesh members are known topic peers and the
// mesh stays within D_hi plus the outbound quota; scores are finite.
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "protocol/gossipsub/codec.hpp"
#include "protocol/gossipsub/router.hpp"
#include "protocol/gossipsub/signing.hpp"

namespace {

using namespace aipg;
using namespace aipg::gossipsub;

constexpr size_t kPeers = 8;
const TopicId kTopics[] = {"a", "b", "c"};

// Deterministic randomness for the router (the fuzz build has no io/sim).
class XorShiftRng : public runtime::Rng {
 public:
  explicit XorShiftRng(uint64_t seed) : s_(seed | 1) {}
  void fill(MutBytesView out) override {
    for (auto& b : out) {
      s_ ^= s_ << 13;
      s_ ^= s_ >> 7;
      s_ ^= s_ << 17;
      b = static_cast<uint8_t>(s_);
    }
  }

 private:
  uint64_t s_;
};

struct Reader {
  const uint8_t* p;
  size_t n;
  bool empty() const { return n == 0; }
  uint8_t byte() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  BytesView take(size_t k) {
    k = std::min(k, n);
    BytesView v(p, k);
    p += k;
    n -= k;
    return v;
  }
};

const wire::KeyPair& key(size_t i) {
  static std::vector<wire::KeyPair> keys = [] {
    std::vector<wire::KeyPair> v;
    for (size_t k = 0; k <= kPeers; ++k)
      v.push_back(*wire::KeyPair::from_seed(Bytes(32, uint8_t(k + 1))));
    return v;
  }();
  return keys[i];
}
const PeerId& peer(size_t i) {
  static std::vector<PeerId> ids = [] {
    std::vector<PeerId> v;
    for (size_t k = 0; k <= kPeers; ++k) v.push_back(PeerId::from_public_key(key(k).public_key()));
    return v;
  }();
  return ids[i];
}

void check(Router& r, Instant now, const std::vector<bool>& known) {
  for (Outgoing& o : r.take_outgoing()) {
    bool ok = false;
    for (size_t i = 1; i <= kPeers; ++i) ok |= (known[i] && o.peer == peer(i));
    if (!ok) std::abort();
    if (encode_rpc(o.rpc).size() > r.config().max_transmit_size) std::abort();
  }
  for (const TopicId& t : kTopics) {
    auto mesh = r.mesh_peers(t);
    if (mesh.size() > r.config().d_hi + r.config().d_out) std::abort();
    auto tp = r.topic_peers(t);
    for (const auto& m : mesh) {
      if (std::find(tp.begin(), tp.end(), m) == tp.end()) std::abort();
    }
  }
  for (size_t i = 1; i <= kPeers; ++i) {
    if (!std::isfinite(r.score(peer(i), now))) std::abort();
  }
  r.take_deliveries();
  r.take_px_peers();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in{data, size};
  XorShiftRng rng(in.byte());
  GossipsubConfig cfg;
  PeerScoreParams sp = default_peer_score_params();
  for (const TopicId& t : kTopics) sp.topics[t] = default_topic_score_params();
  cfg.score = sp;
  cfg.max_transmit_size = 64 << 10;
  Router r(key(0), cfg, rng, 1);
  const bool pending = in.byte() & 1;
  std::vector<MessageId> pending_ids;
  r.set_validator([&](const PeerId&, const MessageId& id, const Message& m) {
    if (pending) {
      pending_ids.push_back(id);
      return ValidationResult::kPending;
    }
    if (m.data && !m.data->empty()) {
      return static_cast<ValidationResult>((*m.data)[0] % 3);  // accept, reject, ignore
    }
    return ValidationResult::kAccept;
  });
  Instant now = Instant{} + std::chrono::hours(1);
  std::vector<bool> known(kPeers + 1, false);
  std::vector<MessageId> ids;
  CodecLimits limits;
  limits.max_rpc_size = cfg.max_transmit_size;
  uint64_t seqno = 1;

  while (!in.empty()) {
    const uint8_t op = in.byte();
    const size_t k = 1 + in.byte() % kPeers;
    const TopicId& topic = kTopics[in.byte() % 3];
    switch (op % 9) {
      case 0:
        r.add_peer(peer(k), static_cast<PeerKind>(in.byte() % 4), in.byte() & 1, now);
        known[k] = true;
        break;
      case 1:
        r.remove_peer(peer(k), now);
        known[k] = false;
        break;
      case 2: {  // raw protobuf from the input
        const size_t len = in.byte() * 4;
        auto rpc = decode_rpc(in.take(len), limits);
        if (rpc) r.handle_rpc(peer(k), std::move(*rpc), now);
        break;
      }
      case 3:
        now += std::chrono::milliseconds(in.byte() * 20);
        r.heartbeat(now);
        break;
      case 4: {
        auto id = r.publish(topic, Bytes(in.byte(), 'p'), now);
        if (id) ids.push_back(*id);
        break;
      }
      case 5:
        if (in.byte() & 1) {
          r.subscribe(topic, now);
        } else {
          r.unsubscribe(topic, now);
        }
        break;
      case 6: {  // a well-formed message from author j, relayed by k; sometimes forged
        const size_t author = 1 + in.byte() % kPeers;
        auto m = std::make_shared<Message>(
            *make_signed_message(key(author), topic, Bytes(1 + in.byte() % 4, in.byte()), seqno++));
        if (in.byte() % 5 == 0) m->signature->at(3) ^= 0x10;
        ids.push_back(default_message_id(*m));
        Rpc rpc;
        rpc.publish.push_back(m);
        r.handle_rpc(peer(k), std::move(rpc), now);
        break;
      }
      case 7: {  // control about known ids
        Rpc rpc;
        ControlMessage& c = rpc.ctrl();
        const MessageId id = ids.empty() ? MessageId("x") : ids[in.byte() % ids.size()];
        switch (in.byte() % 5) {
          case 0:
            c.ihave.push_back({topic, {id, "junk"}});
            break;
          case 1:
            c.iwant.push_back({{id, id}});
            break;
          case 2:
            c.graft.push_back({topic});
            break;
          case 3:
            c.prune.push_back(
                {topic, {PxPeer{peer(1 + in.byte() % kPeers).multihash(), {}}}, in.byte()});
            break;
          default:
            c.idontwant.push_back({{id}});
            break;
        }
        r.handle_rpc(peer(k), std::move(rpc), now);
        break;
      }
      default:
        if (!pending_ids.empty()) {
          const size_t i = in.byte() % pending_ids.size();
          r.report_validation(pending_ids[i], static_cast<ValidationResult>(in.byte() % 4), now);
        }
        break;
    }
    check(r, now, known);
  }
  return 0;
}
