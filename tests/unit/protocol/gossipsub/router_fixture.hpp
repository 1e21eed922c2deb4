// One router under test, fed RPCs from made-up peers (numbered keys), its output gathered per
// peer. Time starts at an arbitrary instant and moves only when a test says so.
#pragma once

#include <gtest/gtest.h>

#include <map>

#include "io/sim/seeded_rng.hpp"
#include "protocol/gossipsub/router.hpp"
#include "protocol/gossipsub/signing.hpp"

namespace aipg::gossipsub::testing {

inline wire::KeyPair key_of(uint8_t n) {
  Bytes seed(32, n);
  seed[0] = 0xa5;
  return *wire::KeyPair::from_seed(seed);
}
inline PeerId peer_of(uint8_t n) { return PeerId::from_public_key(key_of(n).public_key()); }

inline const TopicId kTopic = "jobs";

class RouterTest : public ::testing::Test {
 protected:
  void make(GossipsubConfig cfg = {}) {
    ASSERT_TRUE(cfg.validate()) << cfg.validate().error().message;
    router = std::make_unique<Router>(key_of(0), std::move(cfg), rng, 1000);
  }
  void SetUp() override { make(); }

  // Peer n joins (its stream negotiated `kind`) and, optionally, announces `topics`.
  void add(uint8_t n, std::vector<TopicId> topics = {kTopic},
           PeerKind kind = PeerKind::kGossipsubV12, bool outbound = false) {
    router->add_peer(peer_of(n), kind, outbound, now);
    if (!topics.empty()) {
      Rpc rpc;
      for (auto& t : topics) rpc.subscriptions.push_back({true, t});
      router->handle_rpc(peer_of(n), std::move(rpc), now);
    }
  }
  void add_many(uint8_t first, uint8_t count, bool outbound = false) {
    for (uint8_t i = 0; i < count; ++i) {
      add(static_cast<uint8_t>(first + i), {kTopic}, PeerKind::kGossipsubV12, outbound);
    }
  }

  MessagePtr message(uint8_t author, std::string data, uint64_t seqno,
                     const TopicId& topic = kTopic) {
    return make_signed_message(key_of(author), topic, to_bytes(data), seqno);
  }
  void receive(uint8_t from, MessagePtr m) {
    Rpc rpc;
    rpc.publish.push_back(std::move(m));
    router->handle_rpc(peer_of(from), std::move(rpc), now);
  }
  void receive_control(uint8_t from, ControlMessage c) {
    Rpc rpc;
    rpc.control = std::move(c);
    router->handle_rpc(peer_of(from), std::move(rpc), now);
  }

  // Everything queued, merged per peer.
  std::map<PeerId, Rpc> drain() {
    std::map<PeerId, Rpc> out;
    for (Outgoing& o : router->take_outgoing()) {
      Rpc& r = out[o.peer];
      for (auto& s : o.rpc.subscriptions) r.subscriptions.push_back(s);
      for (auto& m : o.rpc.publish) r.publish.push_back(m);
      if (o.rpc.control) {
        ControlMessage& c = r.ctrl();
        for (auto& x : o.rpc.control->ihave) c.ihave.push_back(x);
        for (auto& x : o.rpc.control->iwant) c.iwant.push_back(x);
        for (auto& x : o.rpc.control->graft) c.graft.push_back(x);
        for (auto& x : o.rpc.control->prune) c.prune.push_back(x);
        for (auto& x : o.rpc.control->idontwant) c.idontwant.push_back(x);
      }
    }
    return out;
  }
  void heartbeat(Duration advance = 1s) {
    now += advance;
    router->heartbeat(now);
  }
  size_t mesh_size(const TopicId& t = kTopic) const { return router->mesh_peers(t).size(); }
  bool in_mesh(uint8_t n, const TopicId& t = kTopic) const {
    for (const auto& p : router->mesh_peers(t)) {
      if (p == peer_of(n)) return true;
    }
    return false;
  }
  uint64_t rejected(const std::string& reason) const {
    auto it = router->stats().rejected.find(reason);
    return it == router->stats().rejected.end() ? 0 : it->second;
  }

  io::sim::SeededRng rng{7};
  Instant now = Instant{} + std::chrono::hours(1);
  std::unique_ptr<Router> router;
};

inline GossipsubConfig scored_config() {
  GossipsubConfig cfg;
  PeerScoreParams p = default_peer_score_params();
  p.topics[kTopic] = default_topic_score_params();
  cfg.score = p;
  return cfg;
}

}  // namespace aipg::gossipsub::testing
