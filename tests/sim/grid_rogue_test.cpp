// Rogue peers on the grid: a claimant that never runs what it wins delays jobs by a lapse but loses
// none; results from a worker that did not win change no book and go no further than its
// neighbours (ignored, not forwarded: they cannot be told from an honest race's, so they are
// not scored either).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "grid_checks.hpp"
#include "protocol/grid/message_check.hpp"
#include "protocol/grid/topics.hpp"

namespace aipg::sim {
namespace {

// How many of the rogue's messages the API nodes rejected for `reason`.
size_t rejected_by_api_nodes(GridNet& g, grid::Reject reason) {
  size_t n = 0;
  for (size_t node : g.api_nodes()) {
    const auto& r = g.api(node)->rejections();
    if (auto it = r.find(grid::to_string(reason)); it != r.end()) n += it->second;
  }
  return n;
}

// A rogue peer claims every job, though it advertises nothing, and never runs what it wins. A
// claim stands on its own (docs/protocol.md §4: judging it by its author's adverts made its fate
// depend on arrival order), so its claims count and it wins its share; a winner no advert was
// ever heard of is gone kMissedAdverts default advert intervals after its claim, so those
// attempts lapse and are announced again without it. No job is lost and none is the rogue's.
TEST(GridJobs, ClaimsThatAreNeverRunLoseNoJobAndTheClaimantIsExcluded) {
  RouterNetOptions opts;
  opts.seed = 5;
  GridNetOptions gopts;
  RouterNet net(opts);
  GridNet g(net, gopts);
  const size_t rogue = net.add_node();
  net.connect_random(rogue, 10);
  for (const auto& m : gopts.models) net.subscribe(rogue, grid::jobs_topic(m));
  net.run_for(3s);

  std::vector<grid::JobId> ids;
  for (size_t i = 0; i < kJobs; ++i) {
    ids.push_back(g.submit(i % 5, gopts.models[i % 2], net.now()));
    // Once the announce has spread (a claim before it is only held).
    net.after(rogue, 150ms,
              [&net, rogue, id = ids.back(), topic = grid::jobs_topic(gopts.models[i % 2])] {
                grid::pb::GridMessage m;
                m.mutable_claim()->set_job_id(id);
                m.mutable_claim()->set_attempt(0);
                net.publish_untracked(rogue, topic, grid::encode_message(m, net.wall_now()));
              });
    net.run_for(20ms);
  }
  net.run_for(40s);
  const gossipsub::PeerId& rogue_id = net.peer_id(rogue);
  // The premise: no node ever heard an advert of it.
  EXPECT_EQ(g.api(g.api_nodes()[0])->directory().worker_advert(rogue_id), nullptr);
  size_t won_by_rogue = 0;
  for (const auto& id : ids) {
    std::string why;
    auto o = agreed(g, net, id, &why);
    ASSERT_TRUE(o) << why;
    EXPECT_EQ(o->state, grid::JobState::kDone);
    EXPECT_NE(o->author, rogue_id);
    auto v = g.api(g.api_nodes()[0])->job(id, net.now());
    ASSERT_TRUE(v);
    if (v->attempt > 0) {
      ++won_by_rogue;
      EXPECT_NE(v->generations.at(0).winner, rogue_id) << "excluded from the next attempt";
    }
  }
  // It won some attempt 0s (ranks are uniform) and each of those was announced again.
  EXPECT_GT(won_by_rogue, 0u);
  // Its claims broke no rule: no honest peer is scored below 0 for relaying them.
  std::string who;
  EXPECT_GE(lowest_honest_score(g, net, &who, rogue), 0) << who;
}

// A rogue worker advertises both models and claims every job (valid claims), but then ignores
// the winner rule: it publishes a result for every attempt it lost, 3 s after it saw it lost.
// No book takes those results and every role ignores them (kNotWinner): they are not forwarded,
// and, since an honest worker that lost a race over a slow link does the same, not scored.
TEST(GridJobs, ResultsFromAWorkerThatDidNotWinChangeNoBookAndGoNoFurther) {
  RouterNetOptions opts;
  opts.seed = 9;
  GridNetOptions gopts;
  RouterNet net(opts);
  GridNet g(net, gopts);

  const size_t rogue = net.add_node();
  net.connect_random(rogue, 10);
  grid::WorkerConfig cfg;
  for (const auto& m : gopts.models) cfg.models.push_back({m, 4096, 32768});
  cfg.slots = 1000;
  cfg.claimants_per_generation = 0;  // claims everything it may
  grid::WorkerCore core(net.peer_id(rogue), cfg);
  for (const auto& t : core.topics()) net.subscribe(rogue, t);
  net.subscribe(rogue, grid::kResultsTopic);
  net.set_validator(rogue, [&](const gossipsub::PeerId&, const gossipsub::MessageId&,
                               const gossipsub::Message& m) {
    core.on_pubsub(m, net.now(), net.wall_now());
    return gossipsub::ValidationResult::kAccept;
  });
  for (const auto& p : core.start(net.now(), net.wall_now())) {
    net.publish_untracked(rogue, p.topic, p.data);
  }
  std::set<std::pair<grid::JobId, uint32_t>> cheated;
  std::map<std::pair<grid::JobId, uint32_t>, Instant> lost_at;
  net.every(50ms, [&] {
    if (!net.alive(rogue)) return;
    // Claims and adverts as any worker; the runs it wins it never starts.
    core.set_advert_listeners(net.router(rogue).topic_peers(grid::kWorkersTopic).size());
    for (const auto& p : core.tick(net.now(), net.wall_now()).publish) {
      net.publish_untracked(rogue, p.topic, p.data);
    }
    for (const grid::JobId& id : core.book().jobs()) {
      auto v = core.book().view(id, net.now());
      if (!v || v->state == grid::JobState::kQueued || v->state == grid::JobState::kClaimed) {
        continue;
      }
      const auto winners = core.book().winners(id, v->attempt);
      if (winners.empty() || winners[0] == net.peer_id(rogue)) continue;
      const auto at = lost_at.try_emplace({id, v->attempt}, net.now()).first->second;
      if (net.now() - at < 3s) continue;
      if (!cheated.insert({id, v->attempt}).second) continue;
      grid::pb::GridMessage m;
      grid::pb::JobResult* r = m.mutable_result();
      r->set_job_id(id);
      r->set_attempt(v->attempt);
      r->set_generation(0);
      r->set_text("made up");
      r->set_model(v->announce->model());
      net.publish_untracked(rogue, grid::kResultsTopic, grid::encode_message(m, net.wall_now()));
    }
  });
  net.run_for(3s);

  std::vector<grid::JobId> ids;
  for (size_t i = 0; i < kJobs; ++i) {
    ids.push_back(g.submit(i % 5, gopts.models[i % 2], net.now()));
    net.run_for(20ms);
  }
  net.run_for(60s);  // jobs the rogue won (and never ran) lapse and are re-announced without it
  EXPECT_GE(cheated.size(), 3u);
  for (const auto& id : ids) {
    std::string why;
    auto o = agreed(g, net, id, &why);
    ASSERT_TRUE(o) << why;
    EXPECT_EQ(o->state, grid::JobState::kDone);
    EXPECT_NE(o->author, net.peer_id(rogue));
  }
  EXPECT_EQ(rejected_by_api_nodes(g, grid::Reject::kNotWinner), 0u);
  // Not forwarded: an API node that is not the rogue's neighbour never saw one.
  const auto near = net.neighbours(rogue);
  size_t far = 0;
  for (size_t node : g.api_nodes()) {
    if (std::find(near.begin(), near.end(), node) != near.end()) continue;
    ++far;
    EXPECT_FALSE(g.api(node)->ignored().contains(grid::to_string(grid::Reject::kNotWinner)))
        << "API node " << node;
  }
  EXPECT_GT(far, 0u);
  std::string who;
  EXPECT_GE(lowest_honest_score(g, net, &who, rogue), 0) << who;
}

}  // namespace
}  // namespace aipg::sim
