#include "node/grid_scoring.hpp"

#include <gtest/gtest.h>

#include "protocol/grid/topics.hpp"

namespace aipg::node {
namespace {

TEST(GridScoring, TheConfigValidates) {
  const gossipsub::GossipsubConfig cfg = grid_gossipsub_config({});
  ASSERT_TRUE(cfg.score);
  EXPECT_TRUE(cfg.validate()) << cfg.validate().error().message;
  EXPECT_TRUE(cfg.score->validate());
}

// Every grid topic is scored, the per-model jobs topics included (by prefix), and in each a
// forwarded invalid message costs score (P4).
TEST(GridScoring, EveryGridTopicWeighsInvalidMessages) {
  const gossipsub::PeerScoreParams p = grid_peer_score_params();
  for (const std::string& topic :
       {std::string(grid::kWorkersTopic), std::string(grid::kNodesTopic),
        std::string(grid::kResultsTopic), grid::jobs_topic("llama3.2:1b"),
        grid::jobs_topic("org/model")}) {
    const gossipsub::TopicScoreParams* t = p.find_topic(topic);
    ASSERT_NE(t, nullptr) << topic;
    EXPECT_GT(t->topic_weight, 0) << topic;
    EXPECT_LT(t->invalid_message_deliveries_weight, 0) << topic;
  }
  EXPECT_EQ(p.find_topic("chat"), nullptr);
}

// What an honest peer can earn is never negative: P1 and P2 are rewards, P3/P3b (which punish
// a quiet mesh peer for the topic's own silence) are off.
TEST(GridScoring, NothingPenalisesAnHonestPeer) {
  const gossipsub::PeerScoreParams p = grid_peer_score_params();
  const gossipsub::TopicScoreParams* t = p.find_topic(grid::jobs_topic("m"));
  ASSERT_NE(t, nullptr);
  EXPECT_GE(t->time_in_mesh_weight, 0);
  EXPECT_GE(t->first_message_deliveries_weight, 0);
  EXPECT_EQ(t->mesh_message_deliveries_weight, 0);
  EXPECT_EQ(t->mesh_failure_penalty_weight, 0);
}

TEST(GridScoring, P5IsTheRolesScoreWeightedOne) {
  const gossipsub::GossipsubConfig cfg =
      grid_gossipsub_config([](const wire::PeerId&) { return -3.0; });
  EXPECT_EQ(cfg.score->app_specific_weight, 1);
  ASSERT_TRUE(cfg.app_score);
  EXPECT_EQ(cfg.app_score(wire::PeerId{}), -3.0);
}

}  // namespace
}  // namespace aipg::node
