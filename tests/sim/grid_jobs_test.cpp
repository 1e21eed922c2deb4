// The grid protocol on the simulator with the real gossipsub router underneath: 5 API nodes,
// 50 workers, 2,000 jobs. Every job completes exactly once (one accepted result), and every API
// node's book agrees on every job's final state and winner — also when workers and an origin
// crash mid-run. Partitions and rogue peers have their own files.
#include <gtest/gtest.h>

#include "grid_checks.hpp"

namespace aipg::sim {
namespace {

void run_jobs(GridNet& g, RouterNet& net, size_t jobs, std::vector<grid::JobId>& ids,
              const std::vector<std::string>& models) {
  for (size_t i = 0; i < jobs; ++i) {
    ids.push_back(g.submit(i % g.api_nodes().size(), models[i % models.size()], net.now()));
    ASSERT_FALSE(ids.back().empty());
    net.run_for(20ms);  // 50 jobs/s over 40 s
  }
}

TEST(GridJobs, JobsCompleteExactlyOnceAndBooksAgree) {
  RouterNetOptions opts;
  opts.seed = 2024;
  RouterNet net(opts);
  GridNetOptions gopts;
  GridNet g(net, gopts);
  net.run_for(3s);
  std::vector<grid::JobId> ids;
  run_jobs(g, net, kJobs, ids, gopts.models);
  net.run_for(30s);
  size_t done = 0;
  for (const auto& id : ids) {
    std::string why;
    auto o = agreed(g, net, id, &why);
    ASSERT_TRUE(o) << why;
    EXPECT_EQ(o->state, grid::JobState::kDone) << grid::to_string(o->state);
    done += o->state == grid::JobState::kDone;
    EXPECT_TRUE(o->author);
  }
  EXPECT_EQ(done, ids.size());
  // Each run that started either delivered the one accepted result or was stopped.
  EXPECT_GE(g.results_published(), ids.size());
  std::string who;
  EXPECT_GE(lowest_honest_score(g, net, &who), 0) << who;
}

TEST(GridJobs, CrashedWorkersAndOriginLoseNoJob) {
  RouterNetOptions opts;
  opts.seed = 77;
  RouterNet net(opts);
  GridNetOptions gopts;
  GridNet g(net, gopts);
  net.run_for(3s);
  std::vector<grid::JobId> ids;
  // A fifth of the workers crash mid-run, and so does API node 0 (the origin of a fifth of the
  // jobs).
  bool origin_down = false;
  for (size_t i = 0; i < kJobs; ++i) {
    // Once API node 0 is down, its share of the submissions goes to the others.
    const size_t api = origin_down ? 1 + i % 4 : i % 5;
    ids.push_back(g.submit(api, gopts.models[i % 2], net.now()));
    net.run_for(20ms);
    if (i == kJobs / 2) {
      net.run_for(200ms);  // what node 0 accepted has left it (a restart would re-announce it)
      origin_down = true;
      for (size_t w = 0; w < g.workers().size(); w += 5) g.crash(g.workers()[w]);
      g.crash(g.api_nodes()[0]);
    }
  }
  net.run_for(90s);
  for (const auto& id : ids) {
    std::string why;
    auto o = agreed(g, net, id, &why);
    ASSERT_TRUE(o) << why;
    EXPECT_TRUE(o->state == grid::JobState::kDone || o->state == grid::JobState::kFaulted)
        << grid::to_string(o->state);
    EXPECT_EQ(o->state, grid::JobState::kDone) << "lease and takeover should finish it";
  }
  std::string who;
  EXPECT_GE(lowest_honest_score(g, net, &who), 0) << who;
}

}  // namespace
}  // namespace aipg::sim
