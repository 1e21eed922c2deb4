// The router's parameters in one struct, with the spec's defaults (libp2p/specs
// pubsub/gossipsub v1.0 "Parameters", v1.1 "Overview of New Parameters", v1.2 IDONTWANT) where
// the spec gives them and go-libp2p-pubsub's where it leaves them open, so that our node behaves
// as the rest of a mixed network expects. `validate()` refuses what would break the mesh.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>

#include "base/result.hpp"
#include "base/time.hpp"
#include "protocol/gossipsub/backoff.hpp"
#include "protocol/gossipsub/idontwant.hpp"
#include "protocol/gossipsub/mcache.hpp"
#include "protocol/gossipsub/message_id.hpp"
#include "protocol/gossipsub/score/params.hpp"
#include "protocol/gossipsub/signing.hpp"

namespace aipg::gossipsub {

enum class SignaturePolicy {
  kStrictSign,    // every message signed by its author; unsigned ones are rejected (default)
  kStrictNoSign,  // anonymous: no from, seqno, signature or key; signed ones are rejected
};

struct GossipsubConfig {
  // Mesh degree: the target, the low and high watermarks, peers kept by score when trimming,
  // and the outbound quota (v1.1 "Outbound Mesh Quotas"). D = D_lo = D_hi = 0 makes a node
  // that never keeps a mesh and learns every message by gossip (used to test IHAVE/IWANT).
  size_t d = 6;
  size_t d_lo = 4;
  size_t d_hi = 12;
  size_t d_score = 4;
  size_t d_out = 2;
  // Gossip: at least d_lazy peers, or gossip_factor of the eligible ones, get IHAVE.
  size_t d_lazy = 6;
  double gossip_factor = 0.25;

  Duration heartbeat_interval = std::chrono::seconds(1);
  Duration fanout_ttl = std::chrono::seconds(60);
  Duration seen_ttl = std::chrono::minutes(2);
  MessageCacheConfig mcache{};
  BackoffConfig backoff{};
  // Backoff announced in the PRUNEs we send when we leave a topic (v1.1: 10 s).
  Duration unsubscribe_backoff = std::chrono::seconds(10);

  // Peer exchange: peers offered in a PRUNE, and whether we offer/accept them at all.
  bool do_px = true;
  size_t prune_peers = 16;

  // Flood publishing (v1.1): our own messages go to every topic peer above the publish
  // threshold, not just the mesh, which makes eclipse of a publisher much harder.
  bool flood_publish = true;

  // Opportunistic grafting (v1.1): every `opportunistic_graft_ticks` heartbeats, when the mesh's
  // median score is below the threshold, graft this many better-scoring peers.
  size_t opportunistic_graft_ticks = 60;
  size_t opportunistic_graft_peers = 2;

  // IHAVE flood protection (v1.1): per peer and heartbeat, at most this many IHAVE messages
  // are answered and at most this many ids asked for in IWANTs.
  size_t max_ihave_messages = 10;
  size_t max_ihave_length = 5000;
  Duration iwant_followup_time = std::chrono::seconds(3);

  // v1.2: IDONTWANT goes to mesh peers for messages of at least this many bytes of data
  // (go: 1 KiB; js 512 B; small messages cost less than the control message).
  size_t idontwant_message_threshold = 1024;
  IdontwantConfig idontwant{};

  // Largest RPC we send or accept (go's 1 MiB); our own messages must fit in it.
  size_t max_transmit_size = 1 << 20;

  SignaturePolicy signature_policy = SignaturePolicy::kStrictSign;
  // Replaces the policy's own check of a received message's signature fields when set. The
  // answer is a pure function of the message, so a simulator running many routers in one
  // process can verify each message once instead of once per router.
  std::function<std::optional<SignatureError>(const Message&)> signature_check;
  // Message ids: go's default from ‖ seqno, or content_message_id, or the application's own.
  MessageIdFn message_id = default_message_id;

  // Peer scoring (v1.1); nullopt disables it (every peer scores 0, thresholds never bite).
  std::optional<PeerScoreParams> score;
  PeerScoreThresholds thresholds{};
  // P5, the application's own opinion of a peer (e.g. the grid's count of bad claims), weighted
  // by score->app_specific_weight. Empty: 0 for everyone.
  std::function<double(const PeerId&)> app_score;

  // Refuses watermarks out of order, an outbound quota that could starve the mesh, zero or
  // negative times, and invalid parts (mcache, backoff, idontwant, score params, thresholds).
  Result<void> validate() const;
};

}  // namespace aipg::gossipsub
