// The message cache (libp2p/specs pubsub/gossipsub v1.0, "Router state"): "a data structure that
// stores windows of message ids and the corresponding messages", with
//   mcache.put(m)    adds a message to the current window and the cache;
//   mcache.get(id)   retrieves a message by its id, if it is still present;
//   mcache.window()  the ids to gossip about (here `gossip_ids(topic)`, the last `gossip`
//                    windows, as IHAVE carries ids of one topic);
//   mcache.shift()   shifts the current window, discarding messages older than the history
//                    length of the cache (called once per heartbeat).
// With the defaults (history 5, gossip 3) a message is served to IWANT for 5 heartbeats and
// advertised in IHAVE for the first 3.
//
// v1.1 spam protection ("Spam Protection Measures"): "IWANT message responses are limited in the
// number of retransmissions to a certain peer". `get_for_peer` counts the IWANTs per (id, peer)
// and refuses once a peer has had `max_iwant_transmissions` copies (go's
// GossipSubGossipRetransmission, 3).
//
// Validation: a message may be cached before the application has validated it (so duplicates
// arriving meanwhile are recognised). Until `validate(id)` it is neither gossiped nor served to
// IWANT, and `observe_duplicate` remembers which peers already sent it, so the router does not
// forward it back to them (and, for v1.2, need not send them IDONTWANT). `remove(id)` drops a
// message the validator rejected or ignored.
//
// Generic over the message type so the cache does not depend on the codec; the router
// instantiates it with its RPC `Message` (or a shared pointer to one).
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <iterator>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "protocol/gossipsub/types.hpp"

namespace aipg::gossipsub {

struct MessageCacheConfig {
  // Windows a message is kept for (go HistoryLength / rust history_length).
  size_t history = 5;
  // Windows whose ids are advertised in IHAVE (go HistoryGossip / rust history_gossip).
  size_t gossip = 3;
  // Copies of one message sent to one peer in answer to its IWANTs before further IWANTs for it
  // are ignored (go GossipSubGossipRetransmission).
  uint32_t max_iwant_transmissions = 3;

  // Refuses gossip = 0, history < gossip, and max_iwant_transmissions = 0.
  Result<void> validate() const;
};

template <class Msg>
class MessageCache {
 public:
  // `config` must validate (it is ours, not a peer's).
  explicit MessageCache(MessageCacheConfig config = {}) : config_(config) {
    assert(config_.validate().has_value());
    windows_.resize(config_.history);
  }

  // Adds `msg` to the current window. Returns false, changing nothing, when `id` is already
  // cached. `validated = false` holds it back from gossip and IWANT until `validate(id)`.
  bool put(const MessageId& id, const TopicId& topic, Msg msg, bool validated = true) {
    auto [it, inserted] = entries_.try_emplace(id);
    if (!inserted) return false;
    Entry& e = it->second;
    e.msg = std::move(msg);
    e.topic = topic;
    e.generation = generation_;
    e.validated = validated;
    windows_.front()[topic].push_back(id);
    return true;
  }

  // The cached message, validated or not; nullptr when absent.
  const Msg* get(const MessageId& id) const {
    auto it = entries_.find(id);
    return it == entries_.end() ? nullptr : &it->second.msg;
  }
  bool contains(const MessageId& id) const { return entries_.count(id) != 0; }
  // The topic `id` was cached under; nullptr when absent.
  const TopicId* topic(const MessageId& id) const {
    auto it = entries_.find(id);
    return it == entries_.end() ? nullptr : &it->second.topic;
  }

  // Answers one IWANT from `peer` for `id`: counts the request and returns the message, or
  // nullptr when it is absent, not yet validated, or `peer` has already been sent it
  // `max_iwant_transmissions` times (the request is then counted but not honoured).
  const Msg* get_for_peer(const MessageId& id, const PeerId& peer) {
    auto it = entries_.find(id);
    if (it == entries_.end() || !it->second.validated) return nullptr;
    Entry& e = it->second;
    auto c = std::find_if(e.iwant_counts.begin(), e.iwant_counts.end(),
                          [&](const auto& pc) { return pc.first == peer; });
    if (c == e.iwant_counts.end()) {
      e.iwant_counts.emplace_back(peer, 0);
      c = std::prev(e.iwant_counts.end());
    }
    // Saturate so a flood cannot wrap the counter back under the limit.
    if (c->second < UINT32_MAX) ++c->second;
    return c->second > config_.max_iwant_transmissions ? nullptr : &e.msg;
  }

  // IWANT requests `peer` has made for `id` (0 when none or absent).
  uint32_t iwant_count(const MessageId& id, const PeerId& peer) const {
    auto it = entries_.find(id);
    if (it == entries_.end()) return 0;
    for (const auto& [p, n] : it->second.iwant_counts) {
      if (p == peer) return n;
    }
    return 0;
  }

  // Notes that `peer` sent us `id` again while it awaited validation, so the router can skip
  // it when forwarding. Ignored for absent or already validated messages (those were forwarded
  // already).
  void observe_duplicate(const MessageId& id, const PeerId& peer) {
    auto it = entries_.find(id);
    if (it == entries_.end() || it->second.validated) return;
    auto& peers = it->second.duplicate_sources;
    if (std::find(peers.begin(), peers.end(), peer) == peers.end()) peers.push_back(peer);
  }

  // Marks `id` valid: from now on it is gossiped and served. Returns the peers seen sending it
  // while it was pending (and forgets them), or nullopt when `id` is not cached.
  std::optional<std::vector<PeerId>> validate(const MessageId& id) {
    auto it = entries_.find(id);
    if (it == entries_.end()) return std::nullopt;
    it->second.validated = true;
    return std::exchange(it->second.duplicate_sources, {});
  }

  bool is_validated(const MessageId& id) const {
    auto it = entries_.find(id);
    return it != entries_.end() && it->second.validated;
  }

  // Drops `id` (a message the validator rejected or ignored) and returns it. Its id stays in
  // its window and is skipped there; a later `put` of the same id starts afresh.
  std::optional<Msg> remove(const MessageId& id) {
    auto it = entries_.find(id);
    if (it == entries_.end()) return std::nullopt;
    std::optional<Msg> out(std::move(it->second.msg));
    entries_.erase(it);
    return out;
  }

  // Ids of validated messages in `topic` from the last `gossip` windows, newest window first
  // and in arrival order within a window: what an IHAVE for `topic` may advertise.
  std::vector<MessageId> gossip_ids(const TopicId& topic) const {
    std::vector<MessageId> out;
    for (size_t w = 0; w < config_.gossip; ++w) {
      auto t = windows_[w].find(topic);
      if (t == windows_[w].end()) continue;
      for (const MessageId& id : t->second) {
        if (live_in_window(id, w, /*need_validated=*/true)) out.push_back(id);
      }
    }
    return out;
  }

  // Heartbeat: opens a new current window and drops the messages of the oldest, which has now
  // been kept for `history` windows.
  void shift() {
    for (const auto& [topic, ids] : windows_.back()) {
      for (const MessageId& id : ids) {
        if (live_in_window(id, config_.history - 1, /*need_validated=*/false)) entries_.erase(id);
      }
    }
    windows_.pop_back();
    windows_.emplace_front();
    ++generation_;
  }

  // Messages cached, validated or not.
  size_t size() const { return entries_.size(); }
  const MessageCacheConfig& config() const { return config_; }

 private:
  struct Entry {
    Msg msg{};
    TopicId topic;
    // The shift count when it was put: the entry belongs to window `generation_ - generation`.
    // A removed and re-put id appears in two windows; only the one matching counts.
    uint64_t generation = 0;
    bool validated = false;
    std::vector<PeerId> duplicate_sources;
    // IWANT requests per peer; few peers ask for one message, so a vector beats a map.
    std::vector<std::pair<PeerId, uint32_t>> iwant_counts;
  };

  bool live_in_window(const MessageId& id, size_t window, bool need_validated) const {
    auto it = entries_.find(id);
    return it != entries_.end() && generation_ - it->second.generation == window &&
           (!need_validated || it->second.validated);
  }

  MessageCacheConfig config_;
  std::unordered_map<MessageId, Entry> entries_;
  // windows_[0] is the current window; each maps a topic to its ids in arrival order.
  std::deque<std::unordered_map<TopicId, std::vector<MessageId>>> windows_;
  uint64_t generation_ = 0;
};

}  // namespace aipg::gossipsub
