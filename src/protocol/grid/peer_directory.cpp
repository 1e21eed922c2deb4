#include "protocol/grid/peer_directory.hpp"

#include <algorithm>

#include "protocol/grid/rank.hpp"

namespace aipg::grid {

namespace {

// Adverts on one topic arrive in order, but a caller replaying or merging them may not: an
// older advert must not roll a peer back (or revive one that went quiet).
template <class Map, class Advert>
void store(Map& map, const PeerId& author, const Advert& advert, Instant received) {
  auto it = map.find(author);
  if (it != map.end() && it->second.received > received) return;
  auto& e = map[author];
  e.advert = advert;
  e.received = received;
}

// When a peer that sent its last advert at `received` with `interval_ms` becomes gone.
Instant gone_at(Instant received, uint32_t interval_ms) {
  return received + kMissedAdverts * PeerDirectory::interval(interval_ms);
}

template <class Entry>
bool entry_live(const Entry& e, Instant now) {
  return gone_at(e.received, e.advert.advert_interval_ms()) > now;
}

}  // namespace

void PeerDirectory::on_worker_advert(const PeerId& author, const pb::WorkerAdvert& advert,
                                     Instant received) {
  store(workers_, author, advert, received);
}

void PeerDirectory::on_node_advert(const PeerId& author, const pb::NodeAdvert& advert,
                                   Instant received) {
  store(nodes_, author, advert, received);
}

Duration PeerDirectory::interval(uint32_t advert_interval_ms) {
  if (advert_interval_ms == 0) return kDefaultAdvertInterval;
  Duration d = std::chrono::milliseconds(advert_interval_ms);
  return std::clamp<Duration>(d, kMinAdvertInterval, kMaxAdvertInterval);
}

// Self is live without its own advert (gossipsub does not deliver our own messages back to us);
// as an API node only when it is one, so that a worker never elects itself announcer.
bool PeerDirectory::worker_live(const PeerId& worker, Instant now) const {
  if (self_ && *self_ == worker) return true;
  auto it = workers_.find(worker);
  return it != workers_.end() && entry_live(it->second, now);
}

bool PeerDirectory::node_live(const PeerId& node, Instant now) const {
  if (self_is_node_ && self_ && *self_ == node) return true;
  auto it = nodes_.find(node);
  return it != nodes_.end() && entry_live(it->second, now);
}

std::optional<Instant> PeerDirectory::node_heard(const PeerId& node) const {
  auto it = nodes_.find(node);
  if (it == nodes_.end()) return std::nullopt;
  return it->second.received;
}

bool PeerDirectory::serves(const PeerId& worker, const std::string& model, Instant now) const {
  return worker_live(worker, now) && advertised(worker, model);
}

bool PeerDirectory::advertised(const PeerId& worker, const std::string& model) const {
  const pb::WorkerAdvert* a = worker_advert(worker);
  if (a == nullptr || !a->healthy()) return false;
  return std::any_of(a->models().begin(), a->models().end(),
                     [&](const pb::ModelInfo& m) { return m.name() == model; });
}

const pb::WorkerAdvert* PeerDirectory::worker_advert(const PeerId& worker) const {
  auto it = workers_.find(worker);
  return it == workers_.end() ? nullptr : &it->second.advert;
}

const pb::NodeAdvert* PeerDirectory::node_advert(const PeerId& node) const {
  auto it = nodes_.find(node);
  return it == nodes_.end() ? nullptr : &it->second.advert;
}

// Only workers we have an advert of: a caller looks their models and slots up.
std::vector<PeerId> PeerDirectory::live_workers(Instant now) const {
  std::vector<PeerId> out;
  for (const auto& [id, e] : workers_) {
    if (worker_live(id, now)) out.push_back(id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<PeerId> PeerDirectory::live_nodes(Instant now) const {
  std::vector<PeerId> out;
  for (const auto& [id, e] : nodes_) {
    if (node_live(id, now)) out.push_back(id);
  }
  if (self_is_node_ && self_ && !nodes_.contains(*self_)) out.push_back(*self_);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<PeerId> PeerDirectory::workers_for(const std::string& model, Instant now) const {
  std::vector<PeerId> out;
  for (const PeerId& id : live_workers(now)) {
    if (serves(id, model, now)) out.push_back(id);
  }
  return out;
}

std::optional<PeerId> PeerDirectory::announcer(const JobId& job_id, const PeerId& origin,
                                               Instant now) const {
  if ((self_ && *self_ == origin) || node_live(origin, now)) return origin;
  std::optional<PeerId> best;
  Rank best_rank{};
  // live_nodes is sorted, and '<' keeps the first of equal ranks: the same answer everywhere
  // even in the (astronomically unlikely) case of a tie.
  for (const PeerId& node : live_nodes(now)) {
    Rank r = takeover_rank(job_id, node);
    if (!best || r < best_rank) {
      best = node;
      best_rank = r;
    }
  }
  return best;
}

void PeerDirectory::forget_gone(Instant now, Duration after) {
  auto sweep = [&](auto& map) {
    std::erase_if(map, [&](const auto& kv) {
      if (self_ && *self_ == kv.first) return false;
      return now - gone_at(kv.second.received, kv.second.advert.advert_interval_ms()) > after;
    });
  };
  sweep(workers_);
  sweep(nodes_);
}

}  // namespace aipg::grid
