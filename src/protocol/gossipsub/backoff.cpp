#include "protocol/gossipsub/backoff.hpp"

#include <algorithm>
#include <cassert>
#include <iterator>

namespace aipg::gossipsub {

Result<void> BackoffConfig::validate() const {
  if (prune_backoff <= Duration::zero()) {
    return make_error(Errc::invalid_argument, "backoff: prune_backoff must be positive");
  }
  if (slack < Duration::zero()) {
    return make_error(Errc::invalid_argument, "backoff: slack must not be negative");
  }
  if (graft_flood_threshold < Duration::zero()) {
    return make_error(Errc::invalid_argument,
                      "backoff: graft_flood_threshold must not be negative");
  }
  if (max_backoff < prune_backoff) {
    return make_error(Errc::invalid_argument,
                      "backoff: max_backoff must be >= prune_backoff (our own PRUNE would be cut)");
  }
  return {};
}

int graft_penalty(GraftCheck check) {
  switch (check) {
    case GraftCheck::kAllowed:
      return 0;
    case GraftCheck::kTooEarly:
      return 1;
    case GraftCheck::kFlood:
      return 2;
  }
  return 0;
}

Backoff::Backoff(BackoffConfig config) : config_(config) { assert(config_.validate().has_value()); }

void Backoff::update(const TopicId& topic, const PeerId& peer, Duration backoff, Instant now) {
  backoff = std::clamp(backoff, Duration::zero(), config_.max_backoff);
  const Instant until = now + backoff;
  auto [it, inserted] = expiries_[topic].try_emplace(peer, until);
  // The spec says "extend": a shorter backoff arriving later never shortens one in force.
  if (!inserted && it->second < until) it->second = until;
}

Duration Backoff::from_prune_field(std::optional<uint64_t> seconds) const {
  if (!seconds || *seconds == 0) return config_.prune_backoff;
  // Compare in seconds before converting: u64 seconds overflow nanoseconds past ~292 years.
  const auto max_s = std::chrono::duration_cast<std::chrono::seconds>(config_.max_backoff);
  if (*seconds >= static_cast<uint64_t>(max_s.count())) return config_.max_backoff;
  return std::chrono::seconds(static_cast<int64_t>(*seconds));
}

const Instant* Backoff::find(const TopicId& topic, const PeerId& peer) const {
  auto t = expiries_.find(topic);
  if (t == expiries_.end()) return nullptr;
  auto p = t->second.find(peer);
  return p == t->second.end() ? nullptr : &p->second;
}

bool Backoff::is_backing_off(const TopicId& topic, const PeerId& peer, Instant now) const {
  const Instant* e = find(topic, peer);
  return e != nullptr && now < *e;
}

bool Backoff::is_backing_off_with_slack(const TopicId& topic, const PeerId& peer,
                                        Instant now) const {
  const Instant* e = find(topic, peer);
  return e != nullptr && now < *e + config_.slack;
}

Duration Backoff::remaining(const TopicId& topic, const PeerId& peer, Instant now) const {
  const Instant* e = find(topic, peer);
  if (e == nullptr || now >= *e) return Duration::zero();
  return *e - now;
}

std::optional<Instant> Backoff::expiry(const TopicId& topic, const PeerId& peer) const {
  const Instant* e = find(topic, peer);
  return e ? std::optional<Instant>(*e) : std::nullopt;
}

GraftCheck Backoff::check_graft(const TopicId& topic, const PeerId& peer, Instant now) const {
  const Instant* e = find(topic, peer);
  if (e == nullptr || now >= *e) return GraftCheck::kAllowed;
  // go and rust: cutoff = expiry + GraftFloodThreshold - PruneBackoff, i.e. flood threshold
  // after the PRUNE when the backoff was the standard one.
  const Instant flood_cutoff = *e - config_.prune_backoff + config_.graft_flood_threshold;
  return now < flood_cutoff ? GraftCheck::kFlood : GraftCheck::kTooEarly;
}

void Backoff::prune_expired(Instant now) {
  for (auto t = expiries_.begin(); t != expiries_.end();) {
    auto& peers = t->second;
    for (auto p = peers.begin(); p != peers.end();) {
      if (p->second + config_.slack <= now) {
        p = peers.erase(p);
      } else {
        ++p;
      }
    }
    t = peers.empty() ? expiries_.erase(t) : std::next(t);
  }
}

size_t Backoff::size() const {
  size_t n = 0;
  for (const auto& [topic, peers] : expiries_) n += peers.size();
  return n;
}

}  // namespace aipg::gossipsub
