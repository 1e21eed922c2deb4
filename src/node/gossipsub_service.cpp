#include "node/gossipsub_service.hpp"

#include <algorithm>

#include "base/log.hpp"
#include "wire/peer_record.hpp"

namespace aipg::node {

namespace {

using gossipsub::PeerKind;

const std::vector<std::string>& offered_protocols() {
  static const std::vector<std::string> ids = {gossipsub::kMeshsubV12, gossipsub::kMeshsubV11,
                                               gossipsub::kMeshsubV10, gossipsub::kFloodsub};
  return ids;
}

uint64_t wall_clock_seqno(runtime::Runtime& rt) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(rt.clock.wall_now().time_since_epoch())
          .count());
}

// A stream can be replaced or closed from inside its own callbacks; closing it later keeps the
// object alive until they return.
void retire(runtime::Runtime& rt, std::unique_ptr<Stream> s) {
  if (!s) return;
  auto* raw = s.release();
  rt.executor.post([raw] { delete raw; });
}

constexpr int kMaxOutboundAttempts = 3;

}  // namespace

GossipsubService::GossipsubService(Host& host, gossipsub::GossipsubConfig config)
    : host_(host),
      rt_(host.runtime()),
      router_(host.identity(), std::move(config), host.runtime().rng,
              wall_clock_seqno(host.runtime())) {
  limits_.max_rpc_size = router_.config().max_transmit_size;
  // PX offers each peer with its own signed record, as identify brought it.
  router_.set_record_source([this](const gossipsub::PeerId& p) -> std::optional<Bytes> {
    const PeerInfo* info = host_.peer_store().find(p);
    if (!info || info->signed_record.empty()) return std::nullopt;
    return info->signed_record;
  });
  for (const std::string& id : offered_protocols()) {
    host_.set_handler(id, [this](std::unique_ptr<Stream> s) { on_inbound_stream(std::move(s)); });
  }
  host_.add_observer(this);
}

GossipsubService::~GossipsubService() {
  host_.remove_observer(this);
  for (const std::string& id : offered_protocols()) host_.remove_handler(id);
  if (heartbeat_timer_ != runtime::kNoTimer) rt_.timers.cancel(heartbeat_timer_);
  *alive_ = false;
}

void GossipsubService::start() {
  for (const wire::PeerId& p : host_.connected_peers()) open_outbound(p);
  heartbeat_timer_ = rt_.timers.schedule_at(rt_.clock.now() + router_.config().heartbeat_interval,
                                            [this] { heartbeat(); });
}

void GossipsubService::subscribe(const gossipsub::TopicId& topic) {
  router_.subscribe(topic, rt_.clock.now());
  mark_dirty();
}

void GossipsubService::unsubscribe(const gossipsub::TopicId& topic) {
  router_.unsubscribe(topic, rt_.clock.now());
  mark_dirty();
}

Result<gossipsub::MessageId> GossipsubService::publish(const gossipsub::TopicId& topic,
                                                       Bytes data) {
  auto r = router_.publish(topic, std::move(data), rt_.clock.now());
  mark_dirty();
  return r;
}

void GossipsubService::report_validation(const gossipsub::MessageId& id,
                                         gossipsub::ValidationResult r) {
  router_.report_validation(id, r, rt_.clock.now());
  mark_dirty();
}

double GossipsubService::score(const wire::PeerId& peer) const {
  return router_.score(peer, rt_.clock.now());
}

bool GossipsubService::in_mesh(const wire::PeerId& peer) const {
  for (const auto& t : router_.topics()) {
    for (const auto& p : router_.mesh_peers(t)) {
      if (p == peer) return true;
    }
  }
  return false;
}

size_t GossipsubService::max_queued_bytes_now() const {
  size_t m = 0;
  for (const auto& [id, p] : peers_) {
    m = std::max(m, p.queued.size() + (p.out ? p.out->pending_write_bytes() : 0));
  }
  return m;
}

// ---------------------------------------------------------------------------- peers

void GossipsubService::on_peer_connected(const wire::PeerId& p, Connection& c) {
  Peer& peer = peers_[p];
  peer.outbound_conn = c.direction() == Direction::kOutbound;
  if (auto ip = c.remote_addr().ip()) router_.set_peer_ips(p, {*ip});
  open_outbound(p);
}

void GossipsubService::on_peer_disconnected(const wire::PeerId& p) {
  if (!host_.is_connected(p)) drop_peer(p);
}

void GossipsubService::drop_peer(const wire::PeerId& p) {
  auto it = peers_.find(p);
  if (it == peers_.end()) return;
  retire(rt_, std::move(it->second.out));
  if (it->second.in) retire(rt_, std::move(it->second.in->stream));
  peers_.erase(it);
  router_.remove_peer(p, rt_.clock.now());
  mark_dirty();
}

void GossipsubService::open_outbound(const wire::PeerId& peer_id) {
  Peer& peer = peers_[peer_id];
  if (peer.out || peer.opening) return;
  if (peer.open_attempts >= kMaxOutboundAttempts) return;
  peer.opening = true;
  ++peer.open_attempts;
  std::weak_ptr<bool> alive = alive_;
  host_.new_stream(peer_id, offered_protocols(),
                   [this, alive, peer_id](Result<std::unique_ptr<Stream>> r) {
                     if (alive.expired()) return;
                     auto it = peers_.find(peer_id);
                     if (it == peers_.end()) return;  // disconnected meanwhile
                     Peer& peer = it->second;
                     peer.opening = false;
                     if (!r) {
                       ++stats_.outbound_failures;
                       log::debug("gossipsub: no pubsub stream to {}: {}", peer_id.to_base58(),
                                  r.error().message);
                       return;
                     }
                     peer.out = std::move(*r);
                     Stream* s = peer.out.get();
                     auto kind = gossipsub::peer_kind(s->protocol());
                     router_.add_peer(peer_id, kind.value_or(PeerKind::kGossipsubV11),
                                      peer.outbound_conn, rt_.clock.now());
                     s->set_on_closed([this, alive, peer_id, s](Status) {
                       if (alive.expired()) return;
                       auto it = peers_.find(peer_id);
                       if (it == peers_.end() || it->second.out.get() != s) return;
                       ++stats_.outbound_failures;
                       retire(rt_, std::move(it->second.out));
                       // Reopen while the connection lives; the router keeps the peer.
                       if (host_.is_connected(peer_id)) open_outbound(peer_id);
                     });
                     s->set_on_data([](BytesView) {});  // the peer never writes on our stream
                     if (!peer.queued.empty()) {
                       s->write(peer.queued);
                       stats_.bytes_out += peer.queued.size();
                       peer.queued.clear();
                     }
                     mark_dirty();
                   });
}

void GossipsubService::on_inbound_stream(std::unique_ptr<Stream> s) {
  const wire::PeerId peer_id = s->remote_peer();
  Peer& peer = peers_[peer_id];
  if (peer.in) retire(rt_, std::move(peer.in->stream));
  peer.in = std::make_unique<Inbound>();
  peer.in->stream = std::move(s);
  peer.in->reader = gossipsub::FrameReader(limits_);
  Inbound* in = peer.in.get();
  if (!router_.has_peer(peer_id)) {
    auto kind = gossipsub::peer_kind(in->stream->protocol());
    router_.add_peer(peer_id, kind.value_or(PeerKind::kGossipsubV11), peer.outbound_conn,
                     rt_.clock.now());
  }
  std::weak_ptr<bool> alive = alive_;
  in->stream->set_on_closed([](Status) {});
  in->stream->set_on_eof([this, alive, peer_id, in] {
    if (alive.expired()) return;
    auto it = peers_.find(peer_id);
    if (it != peers_.end() && it->second.in.get() == in) in->stream->close_write();
  });
  in->stream->set_on_data([this, alive, peer_id, in](BytesView d) {
    if (alive.expired()) return;
    on_frames(peer_id, in, d);
  });
  open_outbound(peer_id);
  mark_dirty();
}

void GossipsubService::on_frames(const wire::PeerId& peer_id, Inbound* in, BytesView data) {
  auto it = peers_.find(peer_id);
  if (it == peers_.end() || it->second.in.get() != in) return;
  stats_.bytes_in += data.size();
  in->reader.feed(data);
  const Instant now = rt_.clock.now();
  for (;;) {
    auto frame = in->reader.next();
    Result<gossipsub::Rpc> rpc =
        frame ? (frame->has_value() ? gossipsub::decode_rpc(**frame, limits_)
                                    : Result<gossipsub::Rpc>(gossipsub::Rpc{}))
              : Result<gossipsub::Rpc>(frame.error());
    if (!rpc) {
      ++stats_.malformed_frames;
      log::info("gossipsub: bad frame from {}: {}; resetting its stream", peer_id.to_base58(),
                rpc.error().message);
      in->stream->reset();
      retire(rt_, std::move(it->second.in->stream));
      it->second.in.reset();
      return;
    }
    if (!frame->has_value()) break;
    ++stats_.frames_in;
    router_.handle_rpc(peer_id, std::move(*rpc), now);
  }
  mark_dirty();
}

// ---------------------------------------------------------------------------- output

void GossipsubService::heartbeat() {
  heartbeat_timer_ = rt_.timers.schedule_at(rt_.clock.now() + router_.config().heartbeat_interval,
                                            [this] { heartbeat(); });
  router_.heartbeat(rt_.clock.now());
  drain();
}

void GossipsubService::mark_dirty() {
  if (drain_posted_) return;
  drain_posted_ = true;
  std::weak_ptr<bool> alive = alive_;
  rt_.executor.post([this, alive] {
    if (alive.expired()) return;
    drain();
  });
}

// Peers from PRUNE peer exchange: the addresses of each one's signed record (when it opens and
// is that peer's) go to the peer store, so that discovery can dial it; then discovery hears of
// them all.
void GossipsubService::take_px(std::vector<gossipsub::Router::LearnedPeer> px) {
  std::vector<wire::PeerId> ids;
  for (gossipsub::Router::LearnedPeer& p : px) {
    if (p.signed_peer_record) {
      auto r = wire::open_peer_record(*p.signed_peer_record);
      if (r && r->peer_id == p.id) {
        ++stats_.px_records_taken;
        for (const wire::Multiaddr& a : r->addrs) {
          host_.peer_store().add_addr(p.id, a, rt_.clock.now());
        }
      } else {
        ++stats_.px_records_rejected;
        log::debug("px: signed peer record of {} ignored: {}", p.id.to_base58(),
                   r ? "it is another peer's" : r.error().message);
      }
    }
    ids.push_back(std::move(p.id));
  }
  if (on_px_) on_px_(ids);
}

void GossipsubService::drain() {
  drain_posted_ = false;
  for (gossipsub::Outgoing& o : router_.take_outgoing()) write_frame(o.peer, o.rpc);
  for (gossipsub::Delivery& d : router_.take_deliveries()) {
    if (on_message_) on_message_(d);
  }
  auto px = router_.take_px_peers();
  if (!px.empty()) take_px(std::move(px));
  if (router_.stats().subscriptions_received != subscriptions_seen_) {
    subscriptions_seen_ = router_.stats().subscriptions_received;
    if (on_subscribed_) on_subscribed_();
  }
}

void GossipsubService::write_frame(const wire::PeerId& peer_id, const gossipsub::Rpc& rpc) {
  auto it = peers_.find(peer_id);
  if (it == peers_.end()) return;
  Peer& peer = it->second;
  Bytes frame;
  gossipsub::append_frame(frame, rpc);
  if (peer.out) {
    if (peer.out->pending_write_bytes() > max_queued_bytes) {
      ++stats_.frames_dropped;
      log::debug("gossipsub: {} is not reading; frame dropped", peer_id.to_base58());
      return;
    }
    peer.out->write(frame);
    stats_.bytes_out += frame.size();
  } else {
    if (peer.queued.size() > max_queued_bytes) {
      ++stats_.frames_dropped;
      return;
    }
    append(peer.queued, frame);
  }
  ++stats_.frames_out;
}

}  // namespace aipg::node
