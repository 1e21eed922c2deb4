// The grid's application score (P5): a tally of rule breaking that halves every half-life.
#include "protocol/grid/misbehaviour.hpp"

#include <gtest/gtest.h>

#include "test_ids.hpp"

namespace aipg::grid {
namespace {

using namespace std::chrono_literals;
using testing::kT0;
using testing::peer;

TEST(MisbehaviourTally, CountsAndHalvesEveryHalfLife) {
  MisbehaviourTally t(10min);
  const PeerId a = peer(1), b = peer(2);
  EXPECT_EQ(t.score(a, kT0), 0.0);
  for (int i = 0; i < 4; ++i) t.add(a, kT0);
  EXPECT_DOUBLE_EQ(t.score(a, kT0), -4.0);
  EXPECT_DOUBLE_EQ(t.score(a, kT0 + 10min), -2.0);
  EXPECT_DOUBLE_EQ(t.score(a, kT0 + 20min), -1.0);
  t.add(a, kT0 + 20min);  // the decayed tally, plus one
  EXPECT_DOUBLE_EQ(t.score(a, kT0 + 20min), -2.0);
  EXPECT_EQ(t.score(b, kT0), 0.0);
}

// Only a rejection that is the author's fault counts.
TEST(MisbehaviourTally, JudgesVerdicts) {
  MisbehaviourTally t;
  t.judge(peer(1), Verdict{Validation::kReject, Reject::kNotWinner, {}}, kT0);
  t.judge(peer(1), Verdict{Validation::kReject, Reject::kUnknownJob, {}}, kT0);
  t.judge(peer(1), Verdict{Validation::kIgnore, Reject::kNotWinner, {}}, kT0);
  t.judge(peer(1), Verdict{}, kT0);
  EXPECT_DOUBLE_EQ(t.score(peer(1), kT0), -1.0);
}

TEST(MisbehaviourTally, BoundedByForgettingTheRecovered) {
  MisbehaviourTally t(1min, /*max_peers=*/2);
  t.add(peer(1), kT0);
  t.add(peer(2), kT0);
  t.add(peer(3), kT0);  // full, nobody has recovered: not tallied
  EXPECT_EQ(t.score(peer(3), kT0), 0.0);
  EXPECT_EQ(t.size(), 2u);
  t.add(peer(3), kT0 + 2min);  // the others have decayed to 1/4: forgotten
  EXPECT_DOUBLE_EQ(t.score(peer(3), kT0 + 2min), -1.0);
  EXPECT_EQ(t.size(), 1u);
}

}  // namespace
}  // namespace aipg::grid
