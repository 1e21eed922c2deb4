// The gossipsub router (libp2p/specs pubsub/gossipsub v1.0, v1.1, v1.2), sans-IO.
//
// It is fed peer events, decoded RPCs, the application's calls and the time, and it answers
// with RPCs to send and messages to deliver; it never touches a socket, a clock or a timer. The
// node shell (GossipsubService) owns the streams and the heartbeat timer; the simulator drives
// hundreds of routers in one process by passing the `Rpc` values straight across.
//
// Calls:
//   add_peer / remove_peer       a peer whose stream negotiated a pubsub protocol came or went
//   handle_rpc(peer, rpc, now)   one decoded RPC from that peer
//   subscribe / unsubscribe / publish / report_validation       from the application
//   heartbeat(now)               every config.heartbeat_interval
// Outputs, drained by the caller after each call (or batch of calls):
//   take_outgoing()    per-peer RPCs, merged (one frame per peer per drain), split under the
//                      peer's size limit, stripped of what the peer's protocol does not know
//   take_deliveries()  validated messages in topics we subscribe to
//   take_px_peers()    peers learnt from PRUNE peer exchange (with their signed records), for
//                      discovery to dial
//
// Message path (first copy of a message): graylist check → topic check → StrictSign check
// (before the seen cache, so a forged copy cannot shadow the real one) → seen cache → IDONTWANT
// to mesh peers (v1.2, large messages) → validator (accept/reject/ignore now, or pending until
// report_validation) → deliver and forward to the mesh (or all topic peers for floodsub) minus
// the source, the author, peers that sent it meanwhile and peers that said IDONTWANT.
//
// Randomness comes from the injected Rng, time from the `now` arguments: the same inputs give
// the same outputs, which the simulator's determinism rests on.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/result.hpp"
#include "protocol/gossipsub/backoff.hpp"
#include "protocol/gossipsub/config.hpp"
#include "protocol/gossipsub/gossip_promises.hpp"
#include "protocol/gossipsub/idontwant.hpp"
#include "protocol/gossipsub/mcache.hpp"
#include "protocol/gossipsub/router_stats.hpp"
#include "protocol/gossipsub/rpc.hpp"
#include "protocol/gossipsub/score/peer_score.hpp"
#include "protocol/gossipsub/seen_cache.hpp"
#include "runtime/rng.hpp"
#include "wire/keys.hpp"

namespace aipg::gossipsub {

enum class ValidationResult {
  kAccept,   // deliver and forward
  kReject,   // invalid: drop, and the sender's P4 score pays
  kIgnore,   // drop without penalty (e.g. stale, or not for us)
  kPending,  // the application answers later with report_validation
};

// The application's check of a message's content. `source` is the peer that relayed it.
using Validator =
    std::function<ValidationResult(const PeerId& source, const MessageId& id, const Message& m)>;

struct Delivery {
  MessageId id;
  MessagePtr message;
  PeerId source;  // the peer we received it from (not its author)
};

struct Outgoing {
  PeerId peer;
  Rpc rpc;
};

class Router {
 public:
  // A peer can subscribe to many topics, but not without bound: each costs us map entries.
  static constexpr size_t kMaxTopicsPerPeer = 10000;

  // `config` must validate. `first_seqno` seeds our message counter (go and js start from the
  // wall clock, so a restarted node does not reuse (from, seqno) ids still in peers' caches).
  Router(wire::KeyPair identity, GossipsubConfig config, runtime::Rng& rng, uint64_t first_seqno);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  const PeerId& local_peer() const { return self_; }
  const GossipsubConfig& config() const { return config_; }

  // ---- peers
  // A peer whose pubsub stream negotiated `kind`. `outbound`: we dialled the connection (the
  // v1.1 outbound quota counts these). Sends it our subscriptions. Repeated calls update kind.
  void add_peer(const PeerId& peer, PeerKind kind, bool outbound, Instant now);
  // Forgets the peer (mesh, fanout, topics, caches); its score is retained when negative.
  void remove_peer(const PeerId& peer, Instant now);
  // The peer's IP addresses, for the score's IP colocation factor (P6).
  void set_peer_ips(const PeerId& peer, std::vector<std::string> ips);
  bool has_peer(const PeerId& peer) const { return peers_.count(peer) != 0; }

  // ---- input
  void handle_rpc(const PeerId& from, Rpc rpc, Instant now);
  void heartbeat(Instant now);

  // ---- application
  void set_validator(Validator v) { validator_ = std::move(v); }
  // The one installed (empty: every message is accepted), so that a test harness can wrap it.
  const Validator& validator() const { return validator_; }
  // Joins the topic: announces the subscription and grafts up to D peers (fanout first).
  void subscribe(const TopicId& topic, Instant now);
  // Leaves: announces it and prunes the mesh with the unsubscribe backoff.
  void unsubscribe(const TopicId& topic, Instant now);
  bool subscribed(const TopicId& topic) const { return my_topics_.count(topic) != 0; }
  // Signs (per the policy) and sends a message. Errors: data over the transmit size.
  // Publishing with no peers is not an error (the message is cached and gossiped later).
  Result<MessageId> publish(const TopicId& topic, Bytes data, Instant now);
  // The answer to a kPending validation. Unknown or already settled ids are ignored.
  void report_validation(const MessageId& id, ValidationResult result, Instant now);

  // ---- output
  std::vector<Outgoing> take_outgoing();
  std::vector<Delivery> take_deliveries();
  // A peer learnt from PRUNE peer exchange, with its signed peer record when the pruning peer
  // had one (unchecked here: the caller opens it and takes its addresses).
  struct LearnedPeer {
    PeerId id;
    std::optional<Bytes> signed_peer_record;
  };
  std::vector<LearnedPeer> take_px_peers();
  // Where make_prune finds the signed peer records of the peers it offers (the host's peer
  // store: each peer's own record, as it sent it). Without it, PX carries bare peer ids.
  void set_record_source(std::function<std::optional<Bytes>(const PeerId&)> fn) {
    record_source_ = std::move(fn);
  }
  bool has_output() const;

  // ---- introspection
  double score(const PeerId& peer, Instant now) const;
  std::vector<PeerId> mesh_peers(const TopicId& topic) const;
  std::vector<PeerId> fanout_peers(const TopicId& topic) const;
  std::vector<PeerId> topic_peers(const TopicId& topic) const;
  std::vector<PeerId> peers() const;
  std::vector<TopicId> topics() const { return {my_topics_.begin(), my_topics_.end()}; }
  const RouterStats& stats() const { return stats_; }
  size_t cached_messages() const { return mcache_.size(); }
  // A message still in the message cache (our own as published, signed), or null.
  const Message* cached_message(const MessageId& id) const {
    const MessagePtr* m = mcache_.get(id);
    return m ? m->get() : nullptr;
  }

 private:
  struct PeerState {
    PeerKind kind = PeerKind::kGossipsubV11;
    bool outbound = false;
    std::set<TopicId> topics;
    // Flood protection, reset each heartbeat.
    size_t ihaves_this_heartbeat = 0;
    size_t iwant_ids_this_heartbeat = 0;
  };
  // A message awaiting the application's validation.
  struct Pending {
    PeerId source;
    TopicId topic;
  };

  // message path (router.cpp)
  void handle_subscriptions(const PeerId& from, PeerState& ps, std::vector<SubOpts>& subs,
                            Instant now);
  void handle_message(const PeerId& from, MessagePtr msg, Instant now);
  void graft_early(const TopicId& topic, const PeerId& peer, Instant now);
  void settle(const MessageId& id, const PeerId& source, const TopicId& topic,
              ValidationResult result, Instant now);
  void forward(const MessageId& id, const MessagePtr& msg, const PeerId* source,
               const std::vector<PeerId>& also_skip, Instant now);
  void send_idontwant(const MessageId& id, const Message& msg, const PeerId& source);
  std::optional<std::string> check_signature(const Message& msg) const;

  // control (router_control.cpp)
  void handle_control(const PeerId& from, ControlMessage& ctrl, Instant now);
  void handle_ihave(const PeerId& from, PeerState& ps, std::vector<ControlIHave>& ihaves,
                    Instant now);
  void handle_iwant(const PeerId& from, std::vector<ControlIWant>& iwants, Instant now);
  void handle_graft(const PeerId& from, PeerState& ps, std::vector<ControlGraft>& grafts,
                    Instant now);
  void handle_prune(const PeerId& from, std::vector<ControlPrune>& prunes, Instant now);
  void handle_idontwant(const PeerId& from, std::vector<ControlIDontWant>& entries, Instant now);
  ControlPrune make_prune(const TopicId& topic, const PeerId& to, bool px, Duration backoff,
                          Instant now);

  // heartbeat (router_heartbeat.cpp)
  void maintain_mesh(const TopicId& topic, std::set<PeerId>& mesh, Instant now,
                     std::map<PeerId, std::vector<TopicId>>& to_graft,
                     std::map<PeerId, std::vector<std::pair<TopicId, bool>>>& to_prune);
  void maintain_fanout(Instant now);
  void emit_gossip(const TopicId& topic, const std::set<PeerId>& exclude, Instant now);
  void graft_peer(const TopicId& topic, const PeerId& peer, Instant now);

  // helpers (router.cpp)
  Rpc& out(const PeerId& peer);
  bool is_gossipsub(const PeerId& peer) const;
  bool supports(const PeerId& peer, PeerKind at_least) const;
  double score_of(const PeerId& peer, Instant now) const;
  // Topic peers for which `pred` holds, in a random order.
  std::vector<PeerId> shuffled_topic_peers(const TopicId& topic,
                                           const std::function<bool(const PeerId&)>& pred);
  void shuffle(std::vector<PeerId>& v);
  void count_rejection(const std::string& reason, const PeerId* peer = nullptr);

  wire::KeyPair identity_;
  PeerId self_;
  GossipsubConfig config_;
  runtime::Rng& rng_;
  uint64_t next_seqno_;
  Validator validator_;

  std::unordered_map<PeerId, PeerState> peers_;
  std::set<TopicId> my_topics_;
  std::map<TopicId, std::set<PeerId>> topic_peers_;
  std::map<TopicId, std::set<PeerId>> mesh_;
  std::map<TopicId, std::set<PeerId>> fanout_;
  std::map<TopicId, Instant> fanout_last_publish_;

  MessageCache<MessagePtr> mcache_;
  SeenCache seen_;
  Backoff backoff_;
  GossipPromises promises_;
  IdontwantCache idontwant_;
  std::optional<PeerScore> score_;
  std::unordered_map<MessageId, Pending> pending_;
  uint64_t heartbeat_ticks_ = 0;

  // Outputs. Outgoing RPCs are kept per peer in first-touched order, so a drain is
  // deterministic and each peer gets one merged RPC.
  std::unordered_map<PeerId, size_t> out_index_;
  std::vector<Outgoing> outgoing_;
  std::vector<Delivery> deliveries_;
  std::vector<LearnedPeer> px_peers_;
  std::function<std::optional<Bytes>(const PeerId&)> record_source_;
  RouterStats stats_;
};

}  // namespace aipg::gossipsub
