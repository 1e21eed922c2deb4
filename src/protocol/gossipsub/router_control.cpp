// Router: the control messages (IHAVE, IWANT, GRAFT, PRUNE, IDONTWANT).
#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "protocol/gossipsub/router.hpp"
#include "protocol/gossipsub/shuffle.hpp"

namespace aipg::gossipsub {

void Router::handle_control(const PeerId& from, ControlMessage& ctrl, Instant now) {
  PeerState& ps = peers_.at(from);
  if (!ctrl.ihave.empty()) handle_ihave(from, ps, ctrl.ihave, now);
  if (!ctrl.iwant.empty()) handle_iwant(from, ctrl.iwant, now);
  if (!ctrl.graft.empty()) handle_graft(from, ps, ctrl.graft, now);
  if (!ctrl.prune.empty()) handle_prune(from, ctrl.prune, now);
  if (!ctrl.idontwant.empty()) handle_idontwant(from, ctrl.idontwant, now);
}

void Router::handle_idontwant(const PeerId& from, std::vector<ControlIDontWant>& entries,
                              Instant now) {
  // All IDONTWANT entries of one control message count as one against the peer's budget.
  std::vector<MessageId> ids;
  for (ControlIDontWant& d : entries) {
    for (MessageId& id : d.ids) ids.push_back(std::move(id));
  }
  if (idontwant_.add(from, ids, now) == 0 && !ids.empty())
    count_rejection("idontwant_flood", &from);
}

void Router::handle_ihave(const PeerId& from, PeerState& ps, std::vector<ControlIHave>& ihaves,
                          Instant now) {
  // v1.1: no gossip is taken from (or given to) peers below the gossip threshold.
  if (score_of(from, now) < config_.thresholds.gossip_threshold) {
    count_rejection("ihave_low_score", &from);
    return;
  }
  std::vector<MessageId> want;
  std::unordered_set<MessageId> asked;
  for (ControlIHave& ih : ihaves) {
    if (++ps.ihaves_this_heartbeat > config_.max_ihave_messages) {
      count_rejection("ihave_flood", &from);
      break;
    }
    if (!my_topics_.count(ih.topic)) continue;
    for (MessageId& id : ih.ids) {
      if (seen_.contains(id, now) || asked.count(id)) continue;
      asked.insert(id);
      want.push_back(std::move(id));
    }
  }
  if (want.empty()) return;
  // At most max_ihave_length ids per peer per heartbeat, chosen at random so an advertiser
  // cannot steer which of its ids we ask for.
  const size_t budget = config_.max_ihave_length > ps.iwant_ids_this_heartbeat
                            ? config_.max_ihave_length - ps.iwant_ids_this_heartbeat
                            : 0;
  if (budget == 0) {
    count_rejection("ihave_flood", &from);
    return;
  }
  if (want.size() > budget) {
    shuffle_with(rng_, want);
    want.resize(budget);
  }
  ps.iwant_ids_this_heartbeat += want.size();
  promises_.add_promise(from, want, now);
  out(from).ctrl().iwant.push_back(ControlIWant{std::move(want)});
  ++stats_.iwant_sent;
}

void Router::handle_iwant(const PeerId& from, std::vector<ControlIWant>& iwants, Instant now) {
  if (score_of(from, now) < config_.thresholds.gossip_threshold) {
    count_rejection("iwant_low_score", &from);
    return;
  }
  for (const ControlIWant& iw : iwants) {
    for (const MessageId& id : iw.ids) {
      // Absent, not yet validated, or asked for too often (mcache counts per peer).
      const MessagePtr* m = mcache_.get_for_peer(id, from);
      if (!m) continue;
      out(from).publish.push_back(*m);
      ++stats_.iwant_served;
    }
  }
}

void Router::handle_graft(const PeerId& from, PeerState& ps, std::vector<ControlGraft>& grafts,
                          Instant now) {
  for (const ControlGraft& g : grafts) {
    ++stats_.graft_received;
    // Spam hardening (go, rust): a GRAFT for a topic we are not in is ignored, not answered.
    if (!my_topics_.count(g.topic)) {
      count_rejection("graft_unknown_topic", &from);
      continue;
    }
    std::set<PeerId>& mesh = mesh_[g.topic];
    if (mesh.count(from)) continue;
    // A GRAFT says the peer is in the topic, even if its SUBSCRIBE never reached us.
    if (!ps.topics.count(g.topic)) {
      if (ps.topics.size() >= kMaxTopicsPerPeer) {
        count_rejection("too_many_topics", &from);
        continue;
      }
      ps.topics.insert(g.topic);
      topic_peers_[g.topic].insert(from);
    }
    const Duration prune_backoff = config_.backoff.prune_backoff;
    GraftCheck check = backoff_.check_graft(g.topic, from, now);
    if (check != GraftCheck::kAllowed) {
      count_rejection("graft_backoff", &from);
      if (score_) score_->add_penalty(from, static_cast<size_t>(graft_penalty(check)));
      backoff_.update(g.topic, from, prune_backoff, now);
      out(from).ctrl().prune.push_back(make_prune(g.topic, from, false, prune_backoff, now));
      continue;
    }
    if (score_of(from, now) < 0) {
      count_rejection("graft_negative_score", &from);
      backoff_.update(g.topic, from, prune_backoff, now);
      out(from).ctrl().prune.push_back(make_prune(g.topic, from, false, prune_backoff, now));
      continue;
    }
    // Full mesh: refuse with PX, unless the peer is an outbound one we still need for the
    // outbound quota (go accepts every outbound peer; we only take them while the quota is
    // unmet, so a node with d_out = 0, such as a gossip-only one, never overfills).
    if (mesh.size() >= config_.d_hi) {
      size_t outbound = 0;
      for (const PeerId& p : mesh) outbound += peers_.at(p).outbound ? 1 : 0;
      if (!ps.outbound || outbound >= config_.d_out) {
        backoff_.update(g.topic, from, prune_backoff, now);
        out(from).ctrl().prune.push_back(
            make_prune(g.topic, from, config_.do_px, prune_backoff, now));
        continue;
      }
    }
    mesh.insert(from);
    if (score_) score_->graft(from, g.topic, now);
  }
}

void Router::handle_prune(const PeerId& from, std::vector<ControlPrune>& prunes, Instant now) {
  for (ControlPrune& pr : prunes) {
    ++stats_.prune_received;
    if (auto m = mesh_.find(pr.topic); m != mesh_.end() && m->second.erase(from) && score_) {
      score_->prune(from, pr.topic, now);
    }
    backoff_.update(pr.topic, from, backoff_.from_prune_field(pr.backoff_seconds), now);
    if (pr.peers.empty()) continue;
    // Peer exchange only from peers we trust enough (v1.1: accept_px_threshold).
    if (!config_.do_px ||
        (score_ && score_of(from, now) < config_.thresholds.accept_px_threshold)) {
      count_rejection("px_refused", &from);
      continue;
    }
    size_t taken = 0;
    for (const PxPeer& px : pr.peers) {
      if (taken >= config_.prune_peers) break;
      if (!px.peer_id) continue;
      auto id = PeerId::from_multihash(*px.peer_id);
      if (!id) {
        count_rejection("px_bad_peer_id", &from);
        continue;
      }
      if (*id == self_ || peers_.count(*id)) continue;
      px_peers_.push_back({*id, px.signed_peer_record});
      ++stats_.px_learned;
      ++taken;
    }
  }
}

ControlPrune Router::make_prune(const TopicId& topic, const PeerId& to, bool px, Duration backoff,
                                Instant now) {
  ControlPrune p;
  p.topic = topic;
  ++stats_.prune_sent;
  if (!supports(to, PeerKind::kGossipsubV11)) return p;
  p.backoff_seconds =
      static_cast<uint64_t>(std::ceil(std::chrono::duration<double>(backoff).count()));
  if (!px || !config_.do_px) return p;
  // Offer well-behaved topic peers, so the pruned peer can find another mesh.
  std::vector<PeerId> cands = shuffled_topic_peers(
      topic, [&](const PeerId& q) { return q != to && is_gossipsub(q) && score_of(q, now) >= 0; });
  if (cands.size() > config_.prune_peers) cands.resize(config_.prune_peers);
  // With each one's signed peer record when we hold it: a bare peer id is of no use to a peer
  // that does not know where to dial it.
  for (const PeerId& q : cands) {
    p.peers.push_back(PxPeer{q.multihash(), record_source_ ? record_source_(q) : std::nullopt});
  }
  return p;
}

}  // namespace aipg::gossipsub
