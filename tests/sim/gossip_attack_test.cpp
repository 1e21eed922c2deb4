// Attackers among honest nodes (scoring on): they send invalid messages, flood IWANTs,
// advertise messages they never deliver and GRAFT during their backoff. Scoring must prune and
// graylist them everywhere they are connected while honest delivery stays at 100%.
#include <gtest/gtest.h>

#include "protocol/gossipsub/signing.hpp"
#include "scenario.hpp"

namespace aipg::sim {
namespace {

using namespace gossipsub;

GossipsubConfig scored(const TopicId& topic) {
  GossipsubConfig cfg;
  PeerScoreParams p = default_peer_score_params();
  p.topics[topic] = default_topic_score_params();
  cfg.score = p;
  return cfg;
}

TEST(GossipAttack, AttackersAreGraylistedAndHonestDeliveryStaysComplete) {
  const TopicId topic = "jobs";
  RouterNetOptions opts;
  opts.seed = 99;
  opts.config = scored(topic);
  RouterNet net(opts);
  std::vector<size_t> honest, attackers;
  for (int i = 0; i < 100; ++i) honest.push_back(net.add_node());
  for (int i = 0; i < 10; ++i) attackers.push_back(net.add_node());
  for (size_t h : honest) net.connect_random(h, 8);
  for (size_t a : attackers) net.connect_random(a, 15);
  for (size_t i = 0; i < net.size(); ++i) net.subscribe(i, topic);
  net.run_for(3s);

  uint64_t counter = 0;
  net.every(200ms, [&] {
    for (size_t a : attackers) {
      for (size_t victim : net.neighbours(a)) {
        Rpc rpc;
        // An invalid message: properly formed, signature broken.
        auto m = std::make_shared<Message>(*make_signed_message(
            wire::KeyPair::from_seed(Bytes(32, static_cast<uint8_t>(a))).value(), topic,
            to_bytes("spam"), ++counter));
        m->signature->at(0) ^= 1;
        rpc.publish.push_back(m);
        ControlMessage& c = rpc.ctrl();
        // Promises never kept, IWANT floods for ids anyone may hold, GRAFT regardless of
        // backoff.
        c.ihave.push_back({topic, {"fake" + std::to_string(counter)}});
        std::vector<MessageId> wants;
        for (const auto& id : net.published()) wants.push_back(id);
        for (int k = 0; k < 50; ++k) wants.push_back("w" + std::to_string(k));
        c.iwant.push_back({wants});
        c.graft.push_back({topic});
        net.inject(a, victim, std::move(rpc));
      }
    }
  });

  std::vector<MessageId> ids;
  for (int i = 0; i < 30; ++i) {
    ids.push_back(net.publish(honest[net.rng().uniform(honest.size())], topic,
                              "honest " + std::to_string(i)));
    net.run_for(1s);
  }
  net.run_for(5s);

  for (const auto& id : ids) {
    for (size_t n : net.missing(id, topic)) {
      EXPECT_FALSE(std::count(honest.begin(), honest.end(), n))
          << "honest node " << n << " missed a message";
    }
  }
  const double graylist = PeerScoreThresholds{}.graylist_threshold;
  size_t links = 0;
  for (size_t a : attackers) {
    for (size_t h : net.neighbours(a)) {
      if (std::count(attackers.begin(), attackers.end(), h)) continue;
      ++links;
      EXPECT_LT(net.router(h).score(net.peer_id(a), net.now()), graylist)
          << "attacker " << a << " at honest node " << h;
      for (const auto& p : net.router(h).mesh_peers(topic)) EXPECT_NE(p, net.peer_id(a));
    }
  }
  EXPECT_GT(links, 50u);
  uint64_t graylisted = 0;
  for (size_t h : honest) {
    auto it = net.router(h).stats().rejected.find("graylisted");
    if (it != net.router(h).stats().rejected.end()) graylisted += it->second;
  }
  EXPECT_GT(graylisted, 0u) << "attackers' RPCs were dropped unread once graylisted";
}

}  // namespace
}  // namespace aipg::sim
