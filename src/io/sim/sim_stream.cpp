#include "io/sim/sim_stream.hpp"

#include <algorithm>

namespace aipg::io::sim {

SimStream::SimStream(SimNetwork& net, std::string local_ip, wire::Multiaddr local,
                     std::string remote_ip, wire::Multiaddr remote)
    : net_(net),
      serial_(net.next_stream_++),
      local_ip_(std::move(local_ip)),
      remote_ip_(std::move(remote_ip)),
      local_(std::move(local)),
      remote_(std::move(remote)) {
  net_.streams_.emplace(serial_, this);
}

SimStream::~SimStream() {
  *alive_ = false;
  net_.streams_.erase(serial_);
  // Like a socket closed without a FIN handshake: the peer sees a reset.
  if (!closed_ && !silent_) send(Item{{}, Control::kReset});
}

void SimStream::link(SimStream* peer, std::shared_ptr<bool> peer_alive) {
  peer_ = peer;
  peer_alive_ = std::move(peer_alive);
}

void SimStream::start(Handler* h) {
  handler_ = h;
  drain_inbox();
}

void SimStream::write(Bytes data) {
  if (closed_ || write_closed_ || data.empty()) return;
  send(Item{std::move(data), Control::kData});
  // No socket buffer in the simulation: the write is "sent" at once.
  auto alive = alive_;
  net_.loop().post([this, alive] {
    if (*alive && handler_ && !closed_) handler_->on_drained();
  });
}

void SimStream::resume_reading() {
  paused_ = false;
  auto alive = alive_;
  net_.loop().post([this, alive] {
    if (*alive) drain_inbox();
  });
}

void SimStream::close() {
  if (closed_ || write_closed_) return;
  write_closed_ = true;
  send(Item{{}, Control::kEof});
}

void SimStream::abort() {
  if (closed_) return;
  send(Item{{}, Control::kReset});
  closed_ = true;
  auto alive = alive_;
  net_.loop().post([this, alive] {
    if (*alive && handler_) handler_->on_closed(make_error(Errc::closed, "aborted"));
  });
}

void SimStream::break_link(bool silent) {
  if (closed_) return;
  if (silent) {
    // A crashed node: its own callbacks stop now; its peer hears a reset after the latency.
    send(Item{{}, Control::kReset});
    silent_ = true;
    closed_ = true;
    return;
  }
  // A network fault: each end learns of it locally (like a TCP timeout or RST).
  inbox_.clear();
  receive(Item{{}, Control::kReset});
}

void SimStream::send(Item item) {
  if (!peer_ || silent_) return;
  const LinkParams lp = net_.link(local_ip_, remote_ip_);
  SimLoop& loop = net_.loop();
  Instant at = loop.now();
  if (lp.bytes_per_second > 0 && !item.data.empty()) {
    const Instant start = std::max(at, link_free_at_);
    link_free_at_ = start + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(
                                double(item.data.size()) / lp.bytes_per_second));
    at = link_free_at_;
  }
  at += lp.latency;
  if (lp.jitter > Duration::zero()) at += Duration(net_.rng().uniform(uint64_t(lp.jitter.count())));
  // In order on this direction, as TCP delivers.
  at = std::max(at, last_delivery_);
  last_delivery_ = at;
  SimStream* peer = peer_;
  std::weak_ptr<bool> peer_alive = peer_alive_;
  const std::string from = local_ip_, to = remote_ip_;
  SimNetwork* net = &net_;
  loop.schedule_at(at, [peer, peer_alive, from, to, net, item = std::move(item)]() mutable {
    auto a = peer_alive.lock();
    if (!a || !*a) return;
    // Bytes in flight when a partition starts are lost with the connection.
    if (!net->reachable(from, to)) return;
    peer->receive(std::move(item));
  });
}

void SimStream::receive(Item item) {
  if (closed_) return;
  inbox_.push_back(std::move(item));
  drain_inbox();
}

void SimStream::drain_inbox() {
  auto alive = alive_;
  while (*alive && handler_ && !paused_ && !closed_ && !inbox_.empty()) {
    Item it = std::move(inbox_.front());
    inbox_.pop_front();
    switch (it.control) {
      case Control::kData:
        handler_->on_data(it.data);
        break;
      case Control::kEof:
        closed_ = true;
        handler_->on_closed(ok());
        break;
      case Control::kReset:
        closed_ = true;
        handler_->on_closed(make_error(Errc::closed, "connection reset by peer"));
        break;
    }
  }
}

}  // namespace aipg::io::sim
