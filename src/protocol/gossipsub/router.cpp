// Router: peers, subscriptions, the message path, publishing and the output queues. Control
// messages are in router_control.cpp, the heartbeat in router_heartbeat.cpp.
#include "protocol/gossipsub/router.hpp"

#include <algorithm>
#include <cassert>

#include "base/log.hpp"
#include "protocol/gossipsub/rpc_shaping.hpp"
#include "protocol/gossipsub/shuffle.hpp"
#include "protocol/gossipsub/signing.hpp"

namespace aipg::gossipsub {

namespace {

bool contains(const std::vector<PeerId>& v, const PeerId& p) {
  return std::find(v.begin(), v.end(), p) != v.end();
}

}  // namespace

Router::Router(wire::KeyPair identity, GossipsubConfig config, runtime::Rng& rng,
               uint64_t first_seqno)
    : identity_(std::move(identity)),
      self_(PeerId::from_public_key(identity_.public_key())),
      config_(std::move(config)),
      rng_(rng),
      next_seqno_(first_seqno),
      mcache_(config_.mcache),
      seen_(config_.seen_ttl),
      backoff_(config_.backoff),
      promises_([this] { return rng_.next_u64(); }, config_.iwant_followup_time),
      idontwant_(config_.idontwant) {
  assert(config_.validate().has_value());
  if (config_.score) score_.emplace(*config_.score, config_.app_score);
}

Router::~Router() = default;

// ---------------------------------------------------------------------------- peers

void Router::add_peer(const PeerId& peer, PeerKind kind, bool outbound, Instant now) {
  (void)now;
  auto [it, inserted] = peers_.try_emplace(peer);
  it->second.kind = kind;
  it->second.outbound = outbound;
  if (!inserted) return;
  if (score_) score_->add_peer(peer);
  // Hello: our subscriptions, so the peer can graft us and send us messages.
  if (!my_topics_.empty()) {
    Rpc& rpc = out(peer);
    for (const TopicId& t : my_topics_) rpc.subscriptions.push_back({true, t});
  }
}

void Router::remove_peer(const PeerId& peer, Instant now) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return;
  for (const TopicId& t : it->second.topics) {
    if (auto tp = topic_peers_.find(t); tp != topic_peers_.end()) {
      tp->second.erase(peer);
      if (tp->second.empty()) topic_peers_.erase(tp);
    }
  }
  // Every mesh and fanout, not just the peer's topics: cheap, and robust to any path that put
  // it somewhere its subscriptions do not say.
  for (auto& [t, mesh] : mesh_) {
    if (mesh.erase(peer) && score_) score_->prune(peer, t, now);
  }
  for (auto& [t, f] : fanout_) f.erase(peer);
  peers_.erase(it);
  idontwant_.remove_peer(peer);
  if (score_) score_->remove_peer(peer, now);
  // Whatever was queued for it has nowhere to go.
  if (auto o = out_index_.find(peer); o != out_index_.end()) outgoing_[o->second].rpc = Rpc{};
}

void Router::set_peer_ips(const PeerId& peer, std::vector<std::string> ips) {
  if (score_) score_->set_ips(peer, std::move(ips));
}

// ---------------------------------------------------------------------------- input

void Router::handle_rpc(const PeerId& from, Rpc rpc, Instant now) {
  auto it = peers_.find(from);
  if (it == peers_.end()) {
    count_rejection("unknown_peer", &from);
    return;
  }
  ++stats_.rpcs_received;
  // v1.1 graylisting: below the threshold everything a peer says is ignored.
  if (score_ && score_of(from, now) < config_.thresholds.graylist_threshold) {
    count_rejection("graylisted", &from);
    return;
  }
  handle_subscriptions(from, it->second, rpc.subscriptions, now);
  // IDONTWANT first: it may name messages that this very RPC's publish entries make us relay.
  if (rpc.control && !rpc.control->idontwant.empty() && it->second.kind != PeerKind::kFloodsub) {
    handle_idontwant(from, rpc.control->idontwant, now);
    rpc.control->idontwant.clear();
  }
  for (MessagePtr& m : rpc.publish) {
    if (m) handle_message(from, std::move(m), now);
  }
  // Floodsub peers have no control messages; a floodsub peer sending some is ignored.
  if (rpc.control && it->second.kind != PeerKind::kFloodsub) {
    handle_control(from, *rpc.control, now);
  }
}

void Router::handle_subscriptions(const PeerId& from, PeerState& ps, std::vector<SubOpts>& subs,
                                  Instant now) {
  for (SubOpts& s : subs) {
    if (s.subscribe) {
      if (ps.topics.size() >= kMaxTopicsPerPeer && !ps.topics.count(s.topic)) {
        count_rejection("too_many_topics", &from);
        continue;
      }
      if (ps.topics.insert(s.topic).second) ++stats_.subscriptions_received;
      topic_peers_[s.topic].insert(from);
      graft_early(s.topic, from, now);
      continue;
    }
    ps.topics.erase(s.topic);
    if (auto tp = topic_peers_.find(s.topic); tp != topic_peers_.end()) {
      tp->second.erase(from);
      if (tp->second.empty()) topic_peers_.erase(tp);
    }
    if (auto m = mesh_.find(s.topic); m != mesh_.end() && m->second.erase(from) && score_) {
      score_->prune(from, s.topic, now);
    }
    if (auto f = fanout_.find(s.topic); f != fanout_.end()) f->second.erase(from);
  }
}

// A peer that subscribes to a topic of ours whose mesh has fewer than D peers is grafted at once,
// as JOIN grafts the topic peers already known, rather than at the next heartbeat: until then
// messages we relay in the topic reach nobody, and once grafted IHAVE gossip skips it as a mesh
// member, so what came in meanwhile would never reach it. (GRAFT may be sent at any time; the
// heartbeat's mesh maintenance is unchanged.)
void Router::graft_early(const TopicId& topic, const PeerId& peer, Instant now) {
  if (!my_topics_.count(topic)) return;
  std::set<PeerId>& mesh = mesh_[topic];
  if (mesh.size() >= config_.d || mesh.count(peer) || !is_gossipsub(peer) ||
      backoff_.is_backing_off_with_slack(topic, peer, now) || score_of(peer, now) < 0) {
    return;
  }
  mesh.insert(peer);
  graft_peer(topic, peer, now);
}

std::optional<std::string> Router::check_signature(const Message& m) const {
  std::optional<SignatureError> err = config_.signature_check ? config_.signature_check(m)
                                      : config_.signature_policy == SignaturePolicy::kStrictSign
                                          ? verify_strict_sign(m)
                                          : verify_strict_no_sign(m);
  if (!err) return std::nullopt;
  return std::string(to_string(*err));
}

void Router::handle_message(const PeerId& from, MessagePtr msg, Instant now) {
  ++stats_.messages_received;
  const Message& m = *msg;
  // Messages in topics we are not in are neither delivered nor relayed (we have no mesh
  // there), as in go and rust.
  if (!my_topics_.count(m.topic)) {
    count_rejection("not_subscribed", &from);
    return;
  }
  MessageId id = config_.message_id(m);
  if (seen_.contains(id, now)) {
    ++stats_.duplicates;
    if (score_) score_->duplicate_message(from, id, m.topic, now);
    mcache_.observe_duplicate(id, from);
    return;
  }
  if (m.from && *m.from == self_.multihash()) {
    // Our own message relayed back, e.g. after a restart emptied the seen cache.
    count_rejection("self_origin", &from);
    return;
  }
  // The signature is checked before the id is marked seen: otherwise a forged copy carrying
  // a real author's (from, seqno) would make us drop the genuine message as a duplicate.
  if (auto bad = check_signature(m)) {
    count_rejection(*bad, &from);
    if (score_) score_->reject_message(from, id, m.topic, RejectReason::kInvalidSignature, now);
    promises_.message_rejected(id, PromiseRejection::kObviouslyInvalid);
    return;
  }
  seen_.insert(id, now);
  ++stats_.messages_first_seen;
  promises_.message_delivered(id);
  if (score_) score_->validate_message(from, id, m.topic, now);
  mcache_.put(id, m.topic, msg, /*validated=*/false);
  send_idontwant(id, m, from);

  ValidationResult r = validator_ ? validator_(from, id, m) : ValidationResult::kAccept;
  if (r == ValidationResult::kPending) {
    pending_[id] = Pending{from, m.topic};
    return;
  }
  settle(id, from, m.topic, r, now);
}

void Router::report_validation(const MessageId& id, ValidationResult result, Instant now) {
  auto it = pending_.find(id);
  if (it == pending_.end() || result == ValidationResult::kPending) return;
  Pending p = std::move(it->second);
  pending_.erase(it);
  settle(id, p.source, p.topic, result, now);
}

void Router::settle(const MessageId& id, const PeerId& source, const TopicId& topic,
                    ValidationResult result, Instant now) {
  if (result == ValidationResult::kAccept) {
    std::optional<std::vector<PeerId>> dup_sources = mcache_.validate(id);
    const MessagePtr* mp = mcache_.get(id);
    if (!dup_sources || !mp) return;  // evicted while the application thought
    MessagePtr msg = *mp;
    if (score_) score_->deliver_message(source, id, topic, now);
    if (my_topics_.count(topic)) {
      deliveries_.push_back(Delivery{id, msg, source});
      ++stats_.messages_delivered;
    }
    forward(id, msg, &source, *dup_sources, now);
    return;
  }
  const bool reject = result == ValidationResult::kReject;
  count_rejection(reject ? "validation_reject" : "validation_ignore", &source);
  if (score_) {
    score_->reject_message(
        source, id, topic,
        reject ? RejectReason::kValidationFailed : RejectReason::kValidationIgnored, now);
  }
  promises_.message_rejected(id, PromiseRejection::kValidation);
  mcache_.remove(id);
}

void Router::forward(const MessageId& id, const MessagePtr& msg, const PeerId* source,
                     const std::vector<PeerId>& also_skip, Instant now) {
  const Message& m = *msg;
  std::vector<PeerId> targets;
  auto consider = [&](const PeerId& p) {
    if (source && p == *source) return;
    if (m.from && p.multihash() == *m.from) return;  // never back to the author
    if (contains(also_skip, p) || contains(targets, p)) return;
    if (!idontwant_.wants(p, id, now)) return;
    targets.push_back(p);
  };
  if (auto tp = topic_peers_.find(m.topic); tp != topic_peers_.end()) {
    for (const PeerId& p : tp->second) {
      const PeerState& ps = peers_.at(p);
      if (ps.kind == PeerKind::kFloodsub &&
          (!score_ || score_of(p, now) >= config_.thresholds.publish_threshold)) {
        consider(p);
      }
    }
  }
  if (auto mesh = mesh_.find(m.topic); mesh != mesh_.end()) {
    for (const PeerId& p : mesh->second) consider(p);
  }
  for (const PeerId& p : targets) {
    out(p).publish.push_back(msg);
    ++stats_.messages_forwarded;
  }
}

void Router::send_idontwant(const MessageId& id, const Message& m, const PeerId& source) {
  if (!m.data || m.data->size() < config_.idontwant_message_threshold) return;
  auto mesh = mesh_.find(m.topic);
  if (mesh == mesh_.end()) return;
  for (const PeerId& p : mesh->second) {
    if (p == source || !supports(p, PeerKind::kGossipsubV12)) continue;
    ControlMessage& c = out(p).ctrl();
    if (c.idontwant.empty()) c.idontwant.emplace_back();
    c.idontwant.front().ids.push_back(id);
    ++stats_.idontwant_sent;
  }
}

// ---------------------------------------------------------------------------- application

void Router::subscribe(const TopicId& topic, Instant now) {
  if (!my_topics_.insert(topic).second) return;
  for (const auto& [p, ps] : peers_) out(p).subscriptions.push_back({true, topic});
  std::set<PeerId>& mesh = mesh_[topic];
  auto usable = [&](const PeerId& p) {
    return is_gossipsub(p) && !mesh.count(p) &&
           !backoff_.is_backing_off_with_slack(topic, p, now) && score_of(p, now) >= 0;
  };
  // Fanout peers first (v1.0 "JOIN(topic)"): they already carry our messages for the topic.
  if (auto f = fanout_.find(topic); f != fanout_.end()) {
    std::vector<PeerId> v(f->second.begin(), f->second.end());
    shuffle(v);
    for (const PeerId& p : v) {
      if (mesh.size() >= config_.d) break;
      if (topic_peers_[topic].count(p) && usable(p)) mesh.insert(p);
    }
    fanout_.erase(f);
    fanout_last_publish_.erase(topic);
  }
  for (const PeerId& p : shuffled_topic_peers(topic, usable)) {
    if (mesh.size() >= config_.d) break;
    mesh.insert(p);
  }
  for (const PeerId& p : mesh) graft_peer(topic, p, now);
}

void Router::unsubscribe(const TopicId& topic, Instant now) {
  if (!my_topics_.erase(topic)) return;
  for (const auto& [p, ps] : peers_) out(p).subscriptions.push_back({false, topic});
  if (auto m = mesh_.find(topic); m != mesh_.end()) {
    for (const PeerId& p : m->second) {
      if (score_) score_->prune(p, topic, now);
      backoff_.update(topic, p, config_.unsubscribe_backoff, now);
      out(p).ctrl().prune.push_back(
          make_prune(topic, p, config_.do_px, config_.unsubscribe_backoff, now));
    }
    mesh_.erase(m);
  }
}

Result<MessageId> Router::publish(const TopicId& topic, Bytes data, Instant now) {
  MessagePtr msg;
  if (config_.signature_policy == SignaturePolicy::kStrictSign) {
    msg = make_signed_message(identity_, topic, std::move(data), next_seqno_++);
  } else {
    auto m = std::make_shared<Message>();
    m->topic = topic;
    m->data = std::move(data);
    msg = std::move(m);
  }
  const size_t size = approx_size(*msg);
  if (size > config_.max_transmit_size) {
    return make_error(Errc::too_large, "message of " + std::to_string(size) +
                                           " bytes exceeds max_transmit_size " +
                                           std::to_string(config_.max_transmit_size));
  }
  MessageId id = config_.message_id(*msg);
  if (!seen_.insert(id, now)) {
    return make_error(Errc::invalid_argument,
                      "duplicate message id " + message_id_hex(id) + " (seen within seen_ttl)");
  }
  mcache_.put(id, topic, msg, /*validated=*/true);
  ++stats_.messages_published;

  std::vector<PeerId> targets;
  auto tp = topic_peers_.find(topic);
  if (config_.flood_publish) {
    if (tp != topic_peers_.end()) {
      for (const PeerId& p : tp->second) {
        if (score_of(p, now) >= config_.thresholds.publish_threshold) targets.push_back(p);
      }
    }
  } else {
    if (tp != topic_peers_.end()) {
      for (const PeerId& p : tp->second) {
        if (peers_.at(p).kind == PeerKind::kFloodsub &&
            score_of(p, now) >= config_.thresholds.publish_threshold) {
          targets.push_back(p);
        }
      }
    }
    const std::set<PeerId>* gossip_peers = nullptr;
    if (auto mesh = mesh_.find(topic); mesh != mesh_.end()) {
      gossip_peers = &mesh->second;
    } else {
      // Not subscribed: publish through the fanout, created on first use (v1.0 "Fanout").
      std::set<PeerId>& f = fanout_[topic];
      if (f.empty()) {
        for (const PeerId& p : shuffled_topic_peers(topic, [&](const PeerId& p) {
               return is_gossipsub(p) && score_of(p, now) >= config_.thresholds.publish_threshold;
             })) {
          if (f.size() >= config_.d) break;
          f.insert(p);
        }
      }
      fanout_last_publish_[topic] = now;
      gossip_peers = &f;
    }
    for (const PeerId& p : *gossip_peers) {
      if (!contains(targets, p)) targets.push_back(p);
    }
  }
  for (const PeerId& p : targets) {
    out(p).publish.push_back(msg);
    ++stats_.messages_forwarded;
  }
  return id;
}

// ---------------------------------------------------------------------------- output

std::vector<Outgoing> Router::take_outgoing() {
  std::vector<Outgoing> result;
  for (Outgoing& o : outgoing_) {
    auto p = peers_.find(o.peer);
    if (p == peers_.end()) continue;
    strip_for(o.rpc, p->second.kind);
    if (o.rpc.empty()) continue;
    // v1.2: IDONTWANT only helps if it overtakes the large message it is about, so it leaves
    // in a frame of its own ahead of the messages queued with it.
    if (o.rpc.control && !o.rpc.control->idontwant.empty() && !o.rpc.publish.empty()) {
      Rpc lead;
      lead.ctrl().idontwant = std::move(o.rpc.control->idontwant);
      o.rpc.control->idontwant.clear();
      if (o.rpc.control->empty()) o.rpc.control.reset();
      result.push_back(Outgoing{o.peer, std::move(lead)});
    }
    split_rpc(std::move(o), config_.max_transmit_size, result);
  }
  outgoing_.clear();
  out_index_.clear();
  return result;
}

std::vector<Delivery> Router::take_deliveries() { return std::exchange(deliveries_, {}); }
std::vector<Router::LearnedPeer> Router::take_px_peers() { return std::exchange(px_peers_, {}); }

bool Router::has_output() const {
  if (!deliveries_.empty() || !px_peers_.empty()) return true;
  return std::any_of(outgoing_.begin(), outgoing_.end(),
                     [](const Outgoing& o) { return !o.rpc.empty(); });
}

// ---------------------------------------------------------------------------- introspection

double Router::score(const PeerId& peer, Instant now) const { return score_of(peer, now); }

std::vector<PeerId> Router::mesh_peers(const TopicId& topic) const {
  auto it = mesh_.find(topic);
  return it == mesh_.end() ? std::vector<PeerId>{}
                           : std::vector<PeerId>(it->second.begin(), it->second.end());
}
std::vector<PeerId> Router::fanout_peers(const TopicId& topic) const {
  auto it = fanout_.find(topic);
  return it == fanout_.end() ? std::vector<PeerId>{}
                             : std::vector<PeerId>(it->second.begin(), it->second.end());
}
std::vector<PeerId> Router::topic_peers(const TopicId& topic) const {
  auto it = topic_peers_.find(topic);
  return it == topic_peers_.end() ? std::vector<PeerId>{}
                                  : std::vector<PeerId>(it->second.begin(), it->second.end());
}
std::vector<PeerId> Router::peers() const {
  std::vector<PeerId> v;
  for (const auto& [p, ps] : peers_) v.push_back(p);
  std::sort(v.begin(), v.end());
  return v;
}

// ---------------------------------------------------------------------------- helpers

Rpc& Router::out(const PeerId& peer) {
  auto [it, inserted] = out_index_.try_emplace(peer, outgoing_.size());
  if (inserted) outgoing_.push_back(Outgoing{peer, Rpc{}});
  return outgoing_[it->second].rpc;
}

bool Router::is_gossipsub(const PeerId& peer) const {
  auto it = peers_.find(peer);
  return it != peers_.end() && it->second.kind != PeerKind::kFloodsub;
}

bool Router::supports(const PeerId& peer, PeerKind at_least) const {
  auto it = peers_.find(peer);
  return it != peers_.end() && static_cast<int>(it->second.kind) >= static_cast<int>(at_least);
}

double Router::score_of(const PeerId& peer, Instant now) const {
  return score_ ? score_->score(peer, now) : 0.0;
}

std::vector<PeerId> Router::shuffled_topic_peers(const TopicId& topic,
                                                 const std::function<bool(const PeerId&)>& pred) {
  std::vector<PeerId> v;
  if (auto tp = topic_peers_.find(topic); tp != topic_peers_.end()) {
    for (const PeerId& p : tp->second) {
      if (pred(p)) v.push_back(p);
    }
  }
  shuffle(v);
  return v;
}

void Router::shuffle(std::vector<PeerId>& v) { shuffle_with(rng_, v); }

void Router::count_rejection(const std::string& reason, const PeerId* peer) {
  ++stats_.rejected[reason];
  // Every refusal is counted; each is logged once, at debug level (a flood must not flood the
  // log). The check keeps the base58 encoding off the hot path.
  if (spdlog::should_log(spdlog::level::debug)) {
    log::debug("gossipsub: refused ({}) from {}", reason, peer ? peer->to_base58() : "-");
  }
}

}  // namespace aipg::gossipsub
