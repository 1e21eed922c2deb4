// Peer scoring (libp2p/specs pubsub/gossipsub v1.1, "Peer Scoring"): "each individual peer
// maintains a score for other peers. The score is locally computed by each individual peer based
// on observed behaviour and is not shared." "the score is retained for some period of time when
// a peer disconnects, so that malicious peers cannot easily reset their score when it drops to
// negative and well behaving peers don't lose their status because of a disconnection."
// The function and parameters are in params.hpp.
//
// Contract (sans-IO: every time is an argument, nothing reads a clock):
// - Peers: only peers given to `add_peer` are scored; events naming any other peer are ignored
//   and it scores 0. `remove_peer` drops the record when the score is >= 0, and otherwise keeps
//   it for retain_score: a reconnecting bad peer finds its score where it left it. A retained
//   record loses its P2 (it must not offset the penalty), gets a P3b penalty for an active P3
//   deficit (a disconnect is a prune), is not decayed (waiting disconnected must not be a
//   faster way out than waiting connected) and keeps its IPs in the P6 count (a sybil swarm
//   cannot shed P6 by cycling connections). These are go-libp2p-pubsub's choices.
// - Topics: only topics that params.find_topic names (params.topics, params.topic_prefixes) are
//   scored; events in any other topic change nothing and create no delivery record.
// - Time in mesh (P1, P3 activation) is measured from the GRAFT to the `now` given to
//   `score`/`prune`, not snapshotted at refresh as the spec's "lazily" suggests: the spec is
//   saving clock reads we do not make, and a score then does not jump at refresh boundaries.
//   P3 counts "only after activation": time in mesh > activation (the spec's `>`), and only
//   while in the mesh; after a PRUNE, P3b carries the failure.
// - Message events, per message id (one delivery record each, kept delivery_record_ttl after
//   first seen; expired in `refresh`):
//     validate_message   first arrival, validation begins (creates the record)
//     deliver_message    validation accepted: the deliverer gets P2 (capped), and P3 when in the
//                        mesh; mesh peers whose copies arrived while validation was pending get
//                        P3 (near-first)
//     reject_message     see RejectReason
//     duplicate_message  a later copy: P3 when the message is valid, the sender is a mesh peer
//                        and the copy came within mesh_message_deliveries_window of validation
//                        completing (the spec's "window of validation", go's rule); P4 when the
//                        message was rejected; remembered while pending
//   Each peer counts once per message: repeated copies from one peer earn nothing more.
//   A record is created by whichever event comes first, so the router need not call
//   validate_message for every message (with the deliverer then known only at delivery).
// - `refresh(now)`, every decay_interval: multiplies P2, P3, P3b, P4 and P7 counters by their
//   decay, zeroing those below decay_to_zero (a disabled parameter's counter is just zeroed);
//   forgets retained records older than retain_score and expired delivery records.
// - Determinism: identical calls give bit-identical scores; a peer's topics are summed in topic
//   name order, independent of hash seeds and of the order the topics were joined.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/time.hpp"
#include "protocol/gossipsub/score/params.hpp"
#include "protocol/gossipsub/types.hpp"

namespace aipg::gossipsub {

// Why a message was refused, as far as the score cares.
enum class RejectReason {
  kMissingSignature,   // P4 for the sender only: the id may be forged, so no record is touched
  kInvalidSignature,   // likewise
  kSelfOrigin,         // likewise: a message naming us as its source
  kValidationFailed,   // the application rejected it: P4 for the sender and for every peer
                       // whose copy arrived while pending; later copies earn P4 too
  kValidationIgnored,  // the application ignored it: no penalty, later copies earn nothing
  kQueueFull,          // dropped before validation: no penalty and no record (id unverified)
};

// A peer's score by parameter: each the weighted contribution (P1–P4 already multiplied by
// topic_weight and summed over topics). `total` applies topic_score_cap to the topic part
// (p1 + p2 + p3 + p3b + p4), so it is not always the plain sum.
struct ScoreBreakdown {
  double p1 = 0, p2 = 0, p3 = 0, p3b = 0, p4 = 0, p5 = 0, p6 = 0, p7 = 0;
  double total = 0;
};

class PeerScore {
 public:
  // P5: the application's score for a peer (any real value); empty = 0 for everyone.
  using AppScore = std::function<double(const PeerId&)>;

  // `params` must validate (they are ours, not a peer's).
  explicit PeerScore(PeerScoreParams params, AppScore app_score = {});

  // A peer connected (speaks gossipsub). A retained record comes back with its score.
  void add_peer(const PeerId& peer);
  // The peer disconnected: see the contract for what is kept.
  void remove_peer(const PeerId& peer, Instant now);
  // The peer's current IP addresses (as strings; duplicates ignored), for P6.
  void set_ips(const PeerId& peer, std::vector<std::string> ips);

  // The peer joined / left our mesh for `topic`. A GRAFT while already in the mesh keeps the
  // original graft time. A PRUNE with an active P3 deficit adds deficit² to P3b.
  void graft(const PeerId& peer, const TopicId& topic, Instant now);
  void prune(const PeerId& peer, const TopicId& topic, Instant now);

  void validate_message(const PeerId& from, const MessageId& id, const TopicId& topic, Instant now);
  void deliver_message(const PeerId& from, const MessageId& id, const TopicId& topic, Instant now);
  void reject_message(const PeerId& from, const MessageId& id, const TopicId& topic,
                      RejectReason reason, Instant now);
  void duplicate_message(const PeerId& from, const MessageId& id, const TopicId& topic,
                         Instant now);

  // P7: `count` behavioural penalties (early GRAFT, broken IWANT promise, …).
  void add_penalty(const PeerId& peer, size_t count);

  // Decay and expiry; call every params().decay_interval.
  void refresh(Instant now);

  // The peer's score at `now`; 0 for a peer we have no record of.
  double score(const PeerId& peer, Instant now) const;
  ScoreBreakdown breakdown(const PeerId& peer, Instant now) const;

  // Records held, connected or retained.
  size_t peer_count() const { return peers_.size(); }
  bool has_peer(const PeerId& peer) const { return peers_.count(peer) != 0; }
  // True for a record kept after remove_peer.
  bool is_retained(const PeerId& peer) const;
  size_t delivery_record_count() const { return deliveries_.size(); }
  const PeerScoreParams& params() const { return params_; }

 private:
  struct TopicStats {
    bool in_mesh = false;
    Instant graft_time{};
    double first_message_deliveries = 0;    // P2
    double mesh_message_deliveries = 0;     // P3 counter
    double mesh_failure_penalty = 0;        // P3b
    double invalid_message_deliveries = 0;  // P4 counter
  };
  struct PeerStats {
    bool connected = true;
    Instant expire{};  // when !connected: forget at or after this
    // Ordered by name so sums are deterministic; holds scored topics only.
    std::map<TopicId, TopicStats> topics;
    std::vector<std::string> ips;  // sorted, unique
    double behaviour_penalty = 0;  // P7 counter
  };
  enum class DeliveryStatus { kPending, kValid, kInvalid, kIgnored };
  struct DeliveryRecord {
    DeliveryStatus status = DeliveryStatus::kPending;
    Instant first_seen{};  // the record expires at first_seen + delivery_record_ttl
    Instant validated{};   // when status became kValid: the P3 window starts here
    // Peers already counted for this message (the first sender included).
    std::unordered_set<PeerId> peers;
  };

  const TopicScoreParams* topic_params(const TopicId& topic) const;
  // The stats of a known peer in a scored topic (created on first use), else nullptr.
  TopicStats* topic_stats(const PeerId& peer, const TopicId& topic);
  // The P3 deficit (threshold - counter, > 0) when P3 is active at `now`, else 0.
  static double p3_deficit(const TopicStats& ts, const TopicScoreParams& tp, Instant now);
  DeliveryRecord& record(const MessageId& id, Instant now);

  void mark_first_delivery(const PeerId& peer, const TopicId& topic);
  void mark_near_first_delivery(const PeerId& peer, const TopicId& topic);
  void mark_invalid_delivery(const PeerId& peer, const TopicId& topic);

  void remove_ips(const PeerId& peer, const std::vector<std::string>& ips);
  double colocation_factor(const PeerStats& ps) const;

  PeerScoreParams params_;
  AppScore app_score_;
  std::unordered_set<std::string> ip_whitelist_;
  std::unordered_map<PeerId, PeerStats> peers_;
  // IP → the distinct peers (connected or retained) using it.
  std::unordered_map<std::string, std::unordered_set<PeerId>> peers_by_ip_;
  std::unordered_map<MessageId, DeliveryRecord> deliveries_;
  // Ids in creation order, which is first-seen order as long as `now` does not go backwards
  // (if it does, a record merely lives longer).
  std::deque<MessageId> delivery_order_;
};

}  // namespace aipg::gossipsub
