#include "node/grid_scoring.hpp"

#include "protocol/grid/topics.hpp"

namespace aipg::node {

// The project's tuning for a small application mesh (score/params.cpp says why each value):
// one invalid message forwarded costs 10, two cost 40 (below gossip_threshold), three 90
// (graylisted), forgotten over 30 minutes. The same in every grid topic: the positive part is
// bounded per topic (P1 10 + P2 20) and over all of them (topic_score_cap 50), and an invalid
// message costs the same whichever grid topic it came on.
gossipsub::TopicScoreParams grid_topic_score_params() {
  return gossipsub::default_topic_score_params();
}

gossipsub::PeerScoreParams grid_peer_score_params() {
  gossipsub::PeerScoreParams params = gossipsub::default_peer_score_params();
  // P5: the grid role's tally of each peer's rule breaking (docs/protocol.md §7), already
  // negative and decaying; weighted 1 so that a few rejected messages cross gossip_threshold.
  params.app_specific_weight = 1;
  for (const char* topic : {grid::kWorkersTopic, grid::kNodesTopic, grid::kResultsTopic}) {
    params.topics[topic] = grid_topic_score_params();
  }
  // Jobs topics are per model and learnt at run time (from adverts and submissions): one
  // prefix covers all of them, each scored as its own topic.
  params.topic_prefixes[grid::kJobsTopicPrefix] = grid_topic_score_params();
  return params;
}

gossipsub::GossipsubConfig grid_gossipsub_config(AppScoreFn app_score) {
  gossipsub::GossipsubConfig cfg;
  cfg.score = grid_peer_score_params();
  cfg.app_score = std::move(app_score);
  return cfg;
}

}  // namespace aipg::node
