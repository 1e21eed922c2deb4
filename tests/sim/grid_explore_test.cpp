// The schedule explorer in CI (tests/sim/explore.hpp): a fixed list of seeds, each a scenario of
// start orders, joins, latencies, lost facts, crashes, health flaps and partitions on the shipped
// roles, judged by every invariant; and the seeds that found each bug fixed so far, kept as
// regressions (docs/reliability.md; the command replays each: grid_explore --seed N).
#include <gtest/gtest.h>

#include "explore.hpp"

namespace aipg::sim {
namespace {

void expect_holds(uint64_t seed) {
  const explore::SeedResult r = explore::explore_seed(seed);
  EXPECT_TRUE(r.breaches.empty()) << r.report;
}

// Seeds that broke an invariant, each fixed (docs/reliability.md says how).
TEST(GridExplore, RegressionSeedsHold) {
  for (uint64_t seed : {3,   12,  57,  102, 170,  175,  331,  454,  455,  577,
                        650, 745, 848, 877, 1218, 1378, 1659, 1680, 1922, 2707}) {
    SCOPED_TRACE(seed);
    expect_holds(seed);
  }
}

void expect_range_holds(uint64_t first, uint64_t last) {
  for (uint64_t seed = first; seed <= last; ++seed) {
    SCOPED_TRACE(seed);
    expect_holds(seed);
  }
}

// Two halves, so that ctest can run them side by side.
TEST(GridExplore, SeedsOneToFiveHundredHold) { expect_range_holds(1, 500); }
TEST(GridExplore, SeedsFiveHundredAndOneToAThousandHold) { expect_range_holds(501, 1000); }

}  // namespace
}  // namespace aipg::sim
