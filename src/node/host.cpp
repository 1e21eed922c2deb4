#include "node/host.hpp"

#include <algorithm>

#include "base/log.hpp"
#include "node/identify_service.hpp"
#include "node/ping_service.hpp"

namespace aipg::node {
namespace {
constexpr Duration kSweepInterval = 10s;
}

Status HostConfig::validate() const {
  if (max_connections == 0)
    return make_error(Errc::invalid_argument, "max_connections must be > 0");
  if (dial_timeout <= Duration::zero()) {
    return make_error(Errc::invalid_argument, "dial_timeout must be positive");
  }
  if (idle_timeout <= Duration::zero()) {
    return make_error(Errc::invalid_argument, "idle_timeout must be positive");
  }
  if (connection.handshake_timeout <= Duration::zero()) {
    return make_error(Errc::invalid_argument, "connection.handshake_timeout must be positive");
  }
  return connection.yamux.validate();
}

Host::Host(runtime::Runtime& rt, wire::KeyPair identity, HostConfig config)
    : rt_(rt),
      identity_(std::move(identity)),
      peer_id_(wire::PeerId::from_public_key(identity_.public_key())),
      config_(std::move(config)) {
  // One X25519 static key per host run; the identity key signs it in every handshake.
  rt_.rng.fill(MutBytesView(noise_static_secret_.data(), noise_static_secret_.size()));
  identify_ = std::make_unique<IdentifyService>(*this);
  ping_ = std::make_unique<PingService>(*this);
  sweep_timer_ = rt_.timers.schedule_at(rt_.clock.now() + kSweepInterval, [this] { sweep_idle(); });
}

Host::~Host() {
  *alive_ = false;
  if (sweep_timer_ != runtime::kNoTimer) rt_.timers.cancel(sweep_timer_);
  if (!closed_) rt_.transport.close_listeners();
  conns_.clear();
}

Result<std::vector<wire::Multiaddr>> Host::listen(const std::vector<wire::Multiaddr>& addrs) {
  std::vector<wire::Multiaddr> bound;
  for (const auto& a : addrs) {
    std::weak_ptr<bool> alive = alive_;
    auto r = rt_.transport.listen(a, [this, alive](std::unique_ptr<runtime::ByteStream> io) {
      auto a = alive.lock();
      if (!a || !*a) return;
      accept(std::move(io));
    });
    if (!r) return std::move(r).error();
    bound.push_back(*r);
    listen_addrs_.push_back(*r);
  }
  return bound;
}

void Host::accept(std::unique_ptr<runtime::ByteStream> io) {
  if (closed_) return;  // io is destroyed: the socket closes
  if (conns_.size() >= config_.max_connections) {
    ++stats_.inbound_refused_at_limit;
    log::warn("refusing inbound connection from {}: {} connections is the limit",
              io->remote_addr().to_string(), config_.max_connections);
    return;
  }
  add_connection(std::move(io), Direction::kInbound, std::nullopt).start();
}

Connection& Host::add_connection(std::unique_ptr<runtime::ByteStream> io, Direction dir,
                                 std::optional<wire::PeerId> expected) {
  Connection::Params p{dir, &identity_, noise_static_secret_, std::move(expected),
                       config_.connection};
  ConnectionOwner& owner = *this;
  auto c = std::make_unique<Connection>(owner, rt_, std::move(io), std::move(p));
  Connection& ref = *c;
  conns_.emplace(c->id(), std::move(c));
  return ref;
}

void Host::connect(const wire::Multiaddr& addr, ConnectCallback cb) {
  if (closed_) {
    cb(make_error(Errc::closed, "host is closed"));
    return;
  }
  std::optional<wire::PeerId> expected;
  if (auto mh = addr.p2p_multihash()) {
    auto id = wire::PeerId::from_multihash(*mh);
    if (!id) {
      cb(std::move(id).error());
      return;
    }
    if (*id == peer_id_) {
      cb(make_error(Errc::invalid_argument, "refusing to dial ourselves"));
      return;
    }
    expected = *id;
    if (find_open(*id)) {
      cb(*id);
      return;
    }
  }
  if (conns_.size() >= config_.max_connections) {
    cb(make_error(Errc::resource_limit,
                  std::to_string(config_.max_connections) + " connections is the limit"));
    return;
  }
  std::weak_ptr<bool> alive = alive_;
  rt_.transport.dial(addr, config_.dial_timeout,
                     [this, alive, expected, addr,
                      cb = std::move(cb)](Result<std::unique_ptr<runtime::ByteStream>> r) mutable {
                       auto a = alive.lock();
                       if (!a || !*a) return;
                       if (!r) {
                         log::debug("dial {} failed: {}", addr.to_string(), r.error().to_string());
                         cb(std::move(r).error());
                         return;
                       }
                       Connection& c =
                           add_connection(std::move(*r), Direction::kOutbound, expected);
                       pending_dials_[c.id()].push_back(std::move(cb));
                       c.start();
                     });
}

Connection* Host::find_open(const wire::PeerId& peer) const {
  Connection* best = nullptr;
  for (const auto& [id, c] : conns_) {
    if (c->state() == Connection::State::kOpen && c->remote_peer() == peer &&
        (!best || c->id() < best->id())) {
      best = c.get();
    }
  }
  return best;
}

void Host::new_stream(const wire::PeerId& peer, std::vector<std::string> protocols,
                      StreamCallback cb) {
  if (Connection* c = find_open(peer)) {
    c->open_stream(std::move(protocols), std::move(cb));
    return;
  }
  const PeerInfo* info = peers_.find(peer);
  if (!info || info->addrs.empty()) {
    cb(make_error(Errc::not_found, "no connection to " + peer.to_base58() + " and no address"));
    return;
  }
  wire::Multiaddr addr = info->addrs.front().with_p2p(peer.multihash());
  connect(addr, [this, peer, protocols = std::move(protocols),
                 cb = std::move(cb)](Result<wire::PeerId> r) mutable {
    if (!r) {
      cb(std::move(r).error());
      return;
    }
    Connection* c = find_open(peer);
    if (!c) {
      cb(make_error(Errc::closed, "connection to " + peer.to_base58() + " closed"));
      return;
    }
    c->open_stream(std::move(protocols), std::move(cb));
  });
}

void Host::set_handler(const std::string& protocol, StreamHandler handler) {
  handlers_[protocol] = std::move(handler);
}

void Host::remove_handler(const std::string& protocol) { handlers_.erase(protocol); }

std::vector<std::string> Host::protocols() const {
  std::vector<std::string> out;
  for (const auto& [p, _] : handlers_) out.push_back(p);
  return out;
}

void Host::remove_observer(HostObserver* o) {
  observers_.erase(std::remove(observers_.begin(), observers_.end(), o), observers_.end());
}

bool Host::is_connected(const wire::PeerId& peer) const { return find_open(peer) != nullptr; }

std::vector<wire::PeerId> Host::connected_peers() const {
  std::vector<wire::PeerId> out;
  for (const auto& [id, c] : conns_) {
    if (c->state() == Connection::State::kOpen &&
        std::find(out.begin(), out.end(), c->remote_peer()) == out.end()) {
      out.push_back(c->remote_peer());
    }
  }
  return out;
}

void Host::disconnect(const wire::PeerId& peer) {
  for (auto& [id, c] : conns_) {
    if (c->state() != Connection::State::kClosed && c->remote_peer() == peer) {
      c->close(make_error(Errc::closed, "disconnected by us"));
    }
  }
}

void Host::close() {
  if (closed_) return;
  closed_ = true;
  rt_.transport.close_listeners();
  if (sweep_timer_ != runtime::kNoTimer) {
    rt_.timers.cancel(sweep_timer_);
    sweep_timer_ = runtime::kNoTimer;
  }
  for (auto& [id, c] : conns_) c->close(make_error(Errc::closed, "host shutting down"));
}

// ---- ConnectionOwner -----------------------------------------------------------------------

void Host::on_connection_ready(Connection& c) {
  const wire::PeerId& peer = c.remote_peer();
  ++stats_.connections_opened;
  log::debug("connection {} to {} is open ({})", c.id(), peer.to_base58(),
             c.direction() == Direction::kOutbound ? "outbound" : "inbound");
  // Only an address we dialled is known to reach the peer; an inbound one is its source port.
  if (c.direction() == Direction::kOutbound) {
    peers_.add_addr(peer, c.remote_addr(), rt_.clock.now());
  } else {
    peers_.touch(peer, rt_.clock.now());
  }
  auto alive = alive_;
  if (auto it = pending_dials_.find(c.id()); it != pending_dials_.end()) {
    auto cbs = std::move(it->second);
    pending_dials_.erase(it);
    for (auto& cb : cbs) cb(peer);
  }
  if (!*alive) return;
  for (auto* o : std::vector<HostObserver*>(observers_)) o->on_peer_connected(peer, c);
  identify_->on_connected(c);
}

void Host::on_connection_closed(Connection& c, const Status& reason) {
  const uint64_t id = c.id();
  const bool was_upgraded = !c.remote_peer().multihash().empty();
  const wire::PeerId peer = c.remote_peer();
  if (!reason) {
    if (!was_upgraded) {
      // A peer that never completed the upgrade: a rejection, logged once and counted.
      ++stats_.upgrades_failed;
      log::info("connection {} from {} refused during upgrade: {}", id, c.remote_addr().to_string(),
                reason.error().to_string());
    } else {
      log::debug("connection {} to {} closed: {}", id, peer.to_base58(),
                 reason.error().to_string());
    }
  }
  std::vector<ConnectCallback> cbs;
  if (auto it = pending_dials_.find(id); it != pending_dials_.end()) {
    cbs = std::move(it->second);
    pending_dials_.erase(it);
  }
  auto owned = std::move(conns_[id]);
  conns_.erase(id);
  for (auto& cb : cbs) cb(reason ? make_error(Errc::closed, "connection closed") : reason.error());
  if (was_upgraded && !find_open(peer)) {
    for (auto* o : std::vector<HostObserver*>(observers_)) o->on_peer_disconnected(peer);
  }
}

bool Host::supports_protocol(const std::string& protocol) const {
  return handlers_.count(protocol) > 0;
}

void Host::on_inbound_stream(Connection& c, std::unique_ptr<Stream> s) {
  auto it = handlers_.find(s->protocol());
  if (it == handlers_.end()) return;  // removed meanwhile: dropping the stream resets it
  it->second(std::move(s));
}

void Host::notify_identified(const wire::PeerId& peer, const PeerInfo& info) {
  for (auto* o : std::vector<HostObserver*>(observers_)) o->on_peer_identified(peer, info);
}

void Host::sweep_idle() {
  sweep_timer_ = runtime::kNoTimer;
  const Instant now = rt_.clock.now();
  for (auto& [id, c] : conns_) {
    if (c->state() == Connection::State::kOpen && c->stream_count() == 0 &&
        now - c->last_stream_activity() >= config_.idle_timeout) {
      c->close(make_error(Errc::timeout, "idle"));
    }
  }
  if (!closed_) {
    sweep_timer_ = rt_.timers.schedule_at(now + kSweepInterval, [this] { sweep_idle(); });
  }
}

}  // namespace aipg::node
