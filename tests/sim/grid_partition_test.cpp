// The grid across a partition: each side serves what it can, and after the heal the books
// converge (replays, docs/protocol.md §8).
#include <gtest/gtest.h>

#include <set>

#include "grid_checks.hpp"

namespace aipg::sim {
namespace {

// A partition cuts 2 API nodes and 20 workers off the rest for 20 s in the middle of the run.
// Each side keeps serving the jobs submitted to it; after the heal, replays (docs/protocol.md
// §8) bring each side what the other did, and every book agrees on every job.
TEST(GridJobs, EachSideServesDuringAPartitionAndTheBooksConvergeAfterTheHeal) {
  RouterNetOptions opts;
  opts.seed = 31;
  RouterNet net(opts);
  GridNetOptions gopts;
  GridNet g(net, gopts);
  net.run_for(3s);
  std::set<size_t> side_a = {g.api_nodes()[0], g.api_nodes()[1]};
  for (size_t w = 0; w < 20; ++w) side_a.insert(g.workers()[w]);

  std::vector<grid::JobId> ids;
  struct Submitted {
    grid::JobId id;
    size_t api;
    Instant at;
  };
  std::vector<Submitted> during;
  // The partition lasts 20 s, beyond the 15 s in which peers are declared gone, so that each
  // side re-announces and takes over the other's jobs.
  const size_t jobs = kJobs;
  const Duration gap = Duration(40s) / jobs;
  const size_t cut = jobs / 4, heal = jobs * 3 / 4;
  for (size_t i = 0; i < jobs; ++i) {
    if (i == cut) net.partition(side_a);
    if (i == heal) {
      // Just before the heal: each side has finished what was submitted to it in the
      // partition, but for the last few seconds' jobs.
      size_t checked = 0;
      for (const Submitted& s : during) {
        if (net.now() - s.at < 5s) break;
        auto v = g.api(g.api_nodes()[s.api])->job(s.id, net.now());
        ASSERT_TRUE(v);
        EXPECT_EQ(v->state, grid::JobState::kDone) << "submitted on API node " << s.api;
        ++checked;
      }
      EXPECT_GT(checked, jobs / 3);
      net.heal();
    }
    const size_t api = i % 5;
    ids.push_back(g.submit(api, gopts.models[i % 2], net.now()));
    if (i >= cut && i < heal) during.push_back({ids.back(), api, net.now()});
    net.run_for(gap);
  }
  net.run_for(60s);
  for (const auto& id : ids) {
    std::string why;
    auto o = agreed(g, net, id, &why);
    ASSERT_TRUE(o) << why;
    EXPECT_EQ(o->state, grid::JobState::kDone) << grid::to_string(o->state);
  }
  std::string who;
  EXPECT_GE(lowest_honest_score(g, net, &who), 0) << who;
}

}  // namespace
}  // namespace aipg::sim
