// GossipsubService — the gossipsub router on a Host: it owns the pubsub streams, frames RPCs
// (uvarint length ‖ protobuf), runs the heartbeat timer, and hands the router's outputs to the
// streams and to the application. No protocol logic lives here (that is gossipsub::Router).
//
// Streams (libp2p/specs pubsub): per peer one long-lived outbound stream that we only write,
// opened as soon as a connection is up, offering /meshsub/1.2.0, 1.1.0, 1.0.0 and
// /floodsub/1.0.0 (the negotiated one is the peer's kind); and the peer's inbound stream, which
// we only read. A newer inbound stream replaces an older one. A peer joins the router when
// either stream opens; frames queued before our outbound stream is ready wait for it.
//
// Batching: router inputs only mark the service dirty; one posted task drains the router, so
// everything produced by a burst of input leaves as one merged RPC per peer.
// Backpressure: a peer whose stream holds more than `max_queued_bytes` unsent gets no more
// frames until it drains (each dropped frame is counted); gossip repairs what it missed.
#pragma once

#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "node/host.hpp"
#include "protocol/gossipsub/codec.hpp"
#include "protocol/gossipsub/router.hpp"

namespace aipg::node {

struct GossipsubServiceStats {
  uint64_t frames_in = 0, frames_out = 0;
  uint64_t bytes_in = 0, bytes_out = 0;
  uint64_t malformed_frames = 0;     // undecodable or over the size limit: the stream is reset
  uint64_t frames_dropped = 0;       // a peer's send queue was full
  uint64_t outbound_failures = 0;    // the peer speaks no pubsub protocol, or the stream died
  uint64_t px_records_taken = 0;     // PX peers' signed records whose addresses we took
  uint64_t px_records_rejected = 0;  // … that did not open, or were another peer's
};

class GossipsubService : private HostObserver {
 public:
  using MessageFn = std::function<void(const gossipsub::Delivery&)>;
  using PeersFn = std::function<void(const std::vector<wire::PeerId>&)>;
  using SubscribedFn = std::function<void()>;

  // `config` must validate. The seqno counter starts at the wall clock in nanoseconds (as go and
  // js do), so a restarted node does not reuse (from, seqno) ids.
  GossipsubService(Host& host, gossipsub::GossipsubConfig config);
  ~GossipsubService() override;
  GossipsubService(const GossipsubService&) = delete;
  GossipsubService& operator=(const GossipsubService&) = delete;

  // Starts the heartbeat and opens streams to peers already connected.
  void start();

  void subscribe(const gossipsub::TopicId& topic);
  void unsubscribe(const gossipsub::TopicId& topic);
  Result<gossipsub::MessageId> publish(const gossipsub::TopicId& topic, Bytes data);
  void set_on_message(MessageFn fn) { on_message_ = std::move(fn); }
  // Peers learnt by peer exchange, for discovery to dial.
  void set_on_px(PeersFn fn) { on_px_ = std::move(fn); }
  // Called after a burst of input in which peers subscribed to topics (ask router().topic_peers
  // which): a role whose first advert went out to nobody sends the next one at once.
  void set_on_subscribed(SubscribedFn fn) { on_subscribed_ = std::move(fn); }
  void set_validator(gossipsub::Validator v) { router_.set_validator(std::move(v)); }
  void report_validation(const gossipsub::MessageId& id, gossipsub::ValidationResult r);

  const gossipsub::Router& router() const { return router_; }
  const GossipsubServiceStats& stats() const { return stats_; }
  double score(const wire::PeerId& peer) const;
  bool in_mesh(const wire::PeerId& peer) const;
  // The most bytes waiting to be written to any one peer (for load generators).
  size_t max_queued_bytes_now() const;

  size_t max_queued_bytes = 32 << 20;

 private:
  struct Inbound {
    std::unique_ptr<Stream> stream;
    gossipsub::FrameReader reader;
  };
  struct Peer {
    std::unique_ptr<Stream> out;
    bool opening = false;
    int open_attempts = 0;
    Bytes queued;  // frames produced before `out` was open
    std::unique_ptr<Inbound> in;
    bool outbound_conn = false;
  };

  void on_peer_connected(const wire::PeerId& p, Connection& c) override;
  void on_peer_disconnected(const wire::PeerId& p) override;

  void on_inbound_stream(std::unique_ptr<Stream> s);
  void open_outbound(const wire::PeerId& peer);
  void on_frames(const wire::PeerId& peer, Inbound* in, BytesView data);
  void drop_peer(const wire::PeerId& peer);
  void heartbeat();
  void mark_dirty();
  void drain();
  void take_px(std::vector<gossipsub::Router::LearnedPeer> px);
  void write_frame(const wire::PeerId& peer, const gossipsub::Rpc& rpc);

  Host& host_;
  runtime::Runtime& rt_;
  gossipsub::Router router_;
  gossipsub::CodecLimits limits_;
  std::unordered_map<wire::PeerId, Peer> peers_;
  MessageFn on_message_;
  PeersFn on_px_;
  SubscribedFn on_subscribed_;
  uint64_t subscriptions_seen_ = 0;
  runtime::TimerId heartbeat_timer_ = runtime::kNoTimer;
  bool drain_posted_ = false;
  GossipsubServiceStats stats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace aipg::node
