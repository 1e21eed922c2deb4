// Router: the heartbeat (libp2p/specs gossipsub v1.0 "Heartbeat", v1.1 "Heartbeat
// Maintenance" with scores, outbound quotas and opportunistic grafting).
#include <algorithm>

#include "protocol/gossipsub/router.hpp"
#include "protocol/gossipsub/shuffle.hpp"

namespace aipg::gossipsub {

void Router::heartbeat(Instant now) {
  ++heartbeat_ticks_;
  for (auto& [p, ps] : peers_) {
    ps.ihaves_this_heartbeat = 0;
    ps.iwant_ids_this_heartbeat = 0;
  }
  // Advertisers whose promised messages never came pay through P7.
  for (const auto& [peer, n] : promises_.get_broken_promises(now)) {
    stats_.broken_promises += n;
    if (score_) score_->add_penalty(peer, n);
  }
  if (score_) score_->refresh(now);

  std::map<PeerId, std::vector<TopicId>> to_graft;
  std::map<PeerId, std::vector<std::pair<TopicId, bool>>> to_prune;  // (topic, offer PX)
  for (auto& [topic, mesh] : mesh_) maintain_mesh(topic, mesh, now, to_graft, to_prune);
  maintain_fanout(now);

  for (const auto& [topic, mesh] : mesh_) emit_gossip(topic, mesh, now);
  for (const auto& [topic, peers] : fanout_) emit_gossip(topic, peers, now);

  for (const auto& [peer, topics] : to_graft) {
    for (const TopicId& t : topics) {
      out(peer).ctrl().graft.push_back(ControlGraft{t});
      ++stats_.graft_sent;
    }
  }
  for (const auto& [peer, topics] : to_prune) {
    for (const auto& [t, px] : topics) {
      out(peer).ctrl().prune.push_back(make_prune(t, peer, px, config_.backoff.prune_backoff, now));
    }
  }

  // Validations the application never answered are dropped with their cached message.
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (!mcache_.contains(it->first)) {
      count_rejection("validation_timeout", &it->second.source);
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  mcache_.shift();
  seen_.prune(now);
  backoff_.prune_expired(now);
  idontwant_.prune(now);
}

void Router::graft_peer(const TopicId& topic, const PeerId& peer, Instant now) {
  if (score_) score_->graft(peer, topic, now);
  out(peer).ctrl().graft.push_back(ControlGraft{topic});
  ++stats_.graft_sent;
}

void Router::maintain_mesh(const TopicId& topic, std::set<PeerId>& mesh, Instant now,
                           std::map<PeerId, std::vector<TopicId>>& to_graft,
                           std::map<PeerId, std::vector<std::pair<TopicId, bool>>>& to_prune) {
  const Duration prune_backoff = config_.backoff.prune_backoff;
  auto add = [&](const PeerId& p) {
    mesh.insert(p);
    if (score_) score_->graft(p, topic, now);
    to_graft[p].push_back(topic);
  };
  auto drop = [&](const PeerId& p, bool px) {
    mesh.erase(p);
    if (score_) score_->prune(p, topic, now);
    backoff_.update(topic, p, prune_backoff, now);
    to_prune[p].emplace_back(topic, px);
  };
  auto graftable = [&](const PeerId& p) {
    return !mesh.count(p) && is_gossipsub(p) &&
           !backoff_.is_backing_off_with_slack(topic, p, now) && score_of(p, now) >= 0;
  };

  // Peers with a negative score leave the mesh, without PX (we do not vouch for their peers).
  if (score_) {
    std::vector<PeerId> bad;
    for (const PeerId& p : mesh) {
      if (score_of(p, now) < 0) bad.push_back(p);
    }
    for (const PeerId& p : bad) drop(p, false);
  }

  if (mesh.size() < config_.d_lo) {
    for (const PeerId& p : shuffled_topic_peers(topic, graftable)) {
      if (mesh.size() >= config_.d) break;
      add(p);
    }
  }

  if (mesh.size() > config_.d_hi) {
    // Keep the d_score best, fill to d at random, then make sure d_out of them are outbound.
    std::vector<PeerId> v(mesh.begin(), mesh.end());
    shuffle(v);
    std::vector<std::pair<double, size_t>> ranked;
    for (size_t i = 0; i < v.size(); ++i) ranked.emplace_back(score_of(v[i], now), i);
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<PeerId> sorted;
    for (const auto& [s, i] : ranked) sorted.push_back(v[i]);
    std::vector<PeerId> keep(sorted.begin(), sorted.begin() + config_.d_score);
    std::vector<PeerId> rest(sorted.begin() + config_.d_score, sorted.end());
    shuffle(rest);
    std::vector<PeerId> cut;
    for (PeerId& p : rest) (keep.size() < config_.d ? keep : cut).push_back(std::move(p));
    auto is_out = [&](const PeerId& p) { return peers_.at(p).outbound; };
    size_t outbound = std::count_if(keep.begin(), keep.end(), is_out);
    for (auto c = cut.begin(); c != cut.end() && outbound < config_.d_out;) {
      if (!is_out(*c)) {
        ++c;
        continue;
      }
      // Swap an inbound peer from the random part (never one of the d_score best) for it.
      auto victim = std::find_if(keep.rbegin(), keep.rend() - static_cast<long>(config_.d_score),
                                 [&](const PeerId& p) { return !is_out(p); });
      if (victim == keep.rend() - static_cast<long>(config_.d_score)) break;
      std::swap(*victim, *c);
      ++outbound;
      ++c;
    }
    for (const PeerId& p : cut) drop(p, true);
  }

  // v1.1 outbound quota: at least d_out outbound peers once the mesh is big enough.
  if (mesh.size() >= config_.d_lo && config_.d_out > 0) {
    size_t outbound = 0;
    for (const PeerId& p : mesh) outbound += peers_.at(p).outbound ? 1 : 0;
    if (outbound < config_.d_out) {
      for (const PeerId& p : shuffled_topic_peers(
               topic, [&](const PeerId& p) { return graftable(p) && peers_.at(p).outbound; })) {
        if (outbound >= config_.d_out) break;
        add(p);
        ++outbound;
      }
    }
  }

  // v1.1 opportunistic grafting: a mesh whose median score is poor takes in better peers, so
  // a sybil majority that games the P3 credits cannot hold it.
  if (score_ && heartbeat_ticks_ % config_.opportunistic_graft_ticks == 0 && mesh.size() > 1) {
    std::vector<double> scores;
    for (const PeerId& p : mesh) scores.push_back(score_of(p, now));
    std::sort(scores.begin(), scores.end());
    const double median = scores[scores.size() / 2];
    if (median < config_.thresholds.opportunistic_graft_threshold) {
      size_t added = 0;
      for (const PeerId& p : shuffled_topic_peers(
               topic, [&](const PeerId& p) { return graftable(p) && score_of(p, now) > median; })) {
        if (added >= config_.opportunistic_graft_peers) break;
        add(p);
        ++added;
      }
    }
  }
}

void Router::maintain_fanout(Instant now) {
  for (auto it = fanout_last_publish_.begin(); it != fanout_last_publish_.end();) {
    if (it->second + config_.fanout_ttl <= now) {
      fanout_.erase(it->first);
      it = fanout_last_publish_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& entry : fanout_) {
    // Not a structured binding: lambdas below capture it (clang 14 cannot capture bindings).
    const TopicId& topic = entry.first;
    std::set<PeerId>& peers = entry.second;
    const std::set<PeerId>* tp = nullptr;
    if (auto t = topic_peers_.find(topic); t != topic_peers_.end()) tp = &t->second;
    for (auto p = peers.begin(); p != peers.end();) {
      if (!tp || !tp->count(*p) || score_of(*p, now) < config_.thresholds.publish_threshold) {
        p = peers.erase(p);
      } else {
        ++p;
      }
    }
    if (peers.size() < config_.d) {
      for (const PeerId& p : shuffled_topic_peers(topic, [&](const PeerId& q) {
             return !peers.count(q) && is_gossipsub(q) &&
                    score_of(q, now) >= config_.thresholds.publish_threshold;
           })) {
        if (peers.size() >= config_.d) break;
        peers.insert(p);
      }
    }
  }
}

void Router::emit_gossip(const TopicId& topic, const std::set<PeerId>& exclude, Instant now) {
  std::vector<MessageId> ids = mcache_.gossip_ids(topic);
  if (ids.empty()) return;
  std::vector<PeerId> cands = shuffled_topic_peers(topic, [&](const PeerId& p) {
    return !exclude.count(p) && is_gossipsub(p) &&
           score_of(p, now) >= config_.thresholds.gossip_threshold;
  });
  const size_t target =
      std::max(config_.d_lazy,
               static_cast<size_t>(config_.gossip_factor * static_cast<double>(cands.size())));
  if (cands.size() > target) cands.resize(target);
  for (const PeerId& p : cands) {
    std::vector<MessageId> sent = ids;
    // One IHAVE carries at most max_ihave_length ids; a peer gets a random subset of more.
    if (sent.size() > config_.max_ihave_length) {
      shuffle_with(rng_, sent);
      sent.resize(config_.max_ihave_length);
    }
    out(p).ctrl().ihave.push_back(ControlIHave{topic, std::move(sent)});
    ++stats_.ihave_sent;
  }
}

}  // namespace aipg::gossipsub
