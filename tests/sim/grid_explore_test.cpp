// The schedule explorer in CI (tests/sim/explore.hpp): a fixed list of seeds, each a scenario of
// start orders, joins, latencies, lost facts, crashes, health flaps and partitions on the shipped
// roles, judged by every invariant; and the seeds that found each bug fixed so far, kept as
// regressions. The seeds of the breaches still open are listed in docs/reliability.md and left
// out here until they are fixed (the command replays each: grid_explore --seed N).
#include <gtest/gtest.h>

#include <set>

#include "explore.hpp"

namespace aipg::sim {
namespace {

void expect_holds(uint64_t seed) {
  const explore::SeedResult r = explore::explore_seed(seed);
  EXPECT_TRUE(r.breaches.empty()) << r.report;
}

// Seeds that broke an invariant, each fixed (docs/reliability.md says how).
TEST(GridExplore, RegressionSeedsHold) {
  for (uint64_t seed :
       {3, 12, 57, 102, 170, 175, 331, 454, 455, 577, 745, 848, 877, 1218, 1680, 2707}) {
    SCOPED_TRACE(seed);
    expect_holds(seed);
  }
}

// Open breaches (docs/reliability.md), being looked into.
const std::set<uint64_t> kOpen = {650};

void expect_range_holds(uint64_t first, uint64_t last) {
  for (uint64_t seed = first; seed <= last; ++seed) {
    if (kOpen.contains(seed)) continue;
    SCOPED_TRACE(seed);
    expect_holds(seed);
  }
}

// Two halves, so that ctest can run them side by side.
TEST(GridExplore, SeedsOneToFiveHundredHold) { expect_range_holds(1, 500); }
TEST(GridExplore, SeedsFiveHundredAndOneToAThousandHold) { expect_range_holds(501, 1000); }

}  // namespace
}  // namespace aipg::sim
