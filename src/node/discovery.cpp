#include "node/discovery.hpp"

#include <algorithm>

#include "base/log.hpp"

namespace aipg::node {

Status DiscoveryConfig::validate() const {
  for (const auto& a : bootstrap) {
    if (!a.p2p_multihash()) {
      return make_error(Errc::invalid_argument,
                        "bootstrap address " + a.to_string() + " must end in /p2p/<peer id>");
    }
  }
  if (target == 0) return make_error(Errc::invalid_argument, "discovery target must be > 0");
  if (high_water < target) {
    return make_error(Errc::invalid_argument, "discovery high_water must be >= target");
  }
  if (backoff_initial <= Duration::zero() || backoff_max < backoff_initial) {
    return make_error(Errc::invalid_argument,
                      "discovery backoff: need 0 < backoff_initial <= backoff_max");
  }
  if (check_interval <= Duration::zero()) {
    return make_error(Errc::invalid_argument, "discovery check_interval must be positive");
  }
  return ok();
}

Discovery::Discovery(Host& host, DiscoveryConfig config) : host_(host), config_(std::move(config)) {
  for (const auto& a : config_.bootstrap) {
    auto mh = a.p2p_multihash();
    auto id = mh ? wire::PeerId::from_multihash(*mh)
                 : Result<wire::PeerId>(make_error(Errc::malformed, ""));
    if (!id) {
      log::warn("bootstrap {}: not a usable /p2p/ address; skipped", a.to_string());
      continue;
    }
    if (*id == host_.peer_id()) continue;  // a bootstrap node lists itself too
    Target t;
    t.addr = a;
    t.bootstrap = true;
    t.backoff = config_.backoff_initial;
    targets_[*id] = t;
  }
}

Discovery::~Discovery() {
  *alive_ = false;
  if (timer_ != runtime::kNoTimer) host_.runtime().timers.cancel(timer_);
  host_.remove_observer(this);
}

void Discovery::start() {
  host_.add_observer(this);
  tick();
}

void Discovery::add_candidates(const std::vector<wire::PeerId>& peers) {
  for (const auto& p : peers) {
    if (p == host_.peer_id() || targets_.count(p)) continue;
    Target t;
    t.backoff = config_.backoff_initial;
    targets_[p] = t;
  }
}

void Discovery::on_peer_disconnected(const wire::PeerId& p) {
  // Try a lost bootstrap peer again soon, not after a full check interval.
  auto it = targets_.find(p);
  if (it != targets_.end() && it->second.bootstrap) {
    it->second.next_try = host_.runtime().clock.now() + config_.backoff_initial;
    schedule(config_.backoff_initial);
  }
}

void Discovery::schedule(Duration after) {
  auto& rt = host_.runtime();
  if (timer_ != runtime::kNoTimer) rt.timers.cancel(timer_);
  timer_ = rt.timers.schedule_at(rt.clock.now() + after, [this] {
    timer_ = runtime::kNoTimer;
    tick();
  });
}

void Discovery::tick() {
  const Instant now = host_.runtime().clock.now();
  // Bootstrap peers are kept connected whatever the count: they are how we find the rest.
  for (auto& [peer, t] : targets_) {
    if (t.bootstrap && !host_.is_connected(peer) && !t.dialling && now >= t.next_try) dial(peer, t);
  }
  // Dials in flight count already, so that one tick does not overshoot the target.
  size_t connected = host_.connected_peers().size();
  for (const auto& [peer, t] : targets_) connected += t.dialling ? 1 : 0;
  if (connected < config_.target) {
    // Other known peers, in a random order so that every node does not pick the same ones.
    std::vector<wire::PeerId> candidates;
    for (const auto& id : host_.peer_store().peers()) {
      if (id != host_.peer_id() && !host_.is_connected(id)) candidates.push_back(id);
    }
    for (const auto& [id, t] : targets_) {
      if (!t.bootstrap && !host_.is_connected(id)) candidates.push_back(id);
    }
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    auto& rng = host_.runtime().rng;
    for (size_t i = candidates.size(); i > 1; --i)
      std::swap(candidates[i - 1], candidates[rng.uniform(i)]);
    for (const auto& id : candidates) {
      if (connected >= config_.target) break;
      const PeerInfo* info = host_.peer_store().find(id);
      if (!info || info->addrs.empty()) continue;
      Target& t = targets_[id];
      if (t.backoff == Duration::zero()) t.backoff = config_.backoff_initial;
      if (t.dialling || now < t.next_try) continue;
      dial(id, t);
      ++connected;
    }
  } else if (connected > config_.high_water) {
    trim();
  }
  schedule(config_.check_interval);
}

void Discovery::dial(const wire::PeerId& peer, Target& t) {
  wire::Multiaddr addr;
  if (t.addr) {
    addr = *t.addr;
  } else {
    const PeerInfo* info = host_.peer_store().find(peer);
    if (!info || info->addrs.empty()) return;
    addr = info->addrs.front().with_p2p(peer.multihash());
  }
  t.dialling = true;
  ++stats_.dials;
  std::weak_ptr<bool> alive = alive_;
  host_.connect(addr, [this, alive, peer](Result<wire::PeerId> r) {
    auto a = alive.lock();
    if (!a || !*a) return;
    auto it = targets_.find(peer);
    if (it == targets_.end()) return;
    Target& t = it->second;
    t.dialling = false;
    const Instant now = host_.runtime().clock.now();
    if (r) {
      t.backoff = config_.backoff_initial;
      return;
    }
    ++stats_.dial_failures;
    log::debug("discovery: dial {} failed ({}); next try in {} ms", peer.to_base58(),
               r.error().message,
               std::chrono::duration_cast<std::chrono::milliseconds>(t.backoff).count());
    // Exponential backoff with jitter in [backoff/2, backoff], so restarts do not synchronise.
    const auto half = t.backoff / 2;
    const Duration jitter = Duration(host_.runtime().rng.uniform(uint64_t(half.count()) + 1));
    t.next_try = now + half + jitter;
    t.backoff = std::min(config_.backoff_max, t.backoff * 2);
    if (t.bootstrap) schedule(t.next_try - now);
  });
}

void Discovery::trim() {
  std::vector<wire::PeerId> peers = host_.connected_peers();
  size_t excess = peers.size() - config_.target;
  auto& rng = host_.runtime().rng;
  for (size_t i = peers.size(); i > 1; --i) std::swap(peers[i - 1], peers[rng.uniform(i)]);
  for (const auto& p : peers) {
    if (excess == 0) break;
    auto it = targets_.find(p);
    if (it != targets_.end() && it->second.bootstrap) continue;
    if (protect_ && protect_(p)) continue;
    host_.disconnect(p);
    ++stats_.trimmed;
    --excess;
  }
}

}  // namespace aipg::node
