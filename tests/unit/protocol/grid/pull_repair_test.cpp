// PullRepair: which jobs a node names as stale (open, no fact for a while, least recently named
// first, bounded) and how often it answers for one.
#include "protocol/grid/pull_repair.hpp"

#include <gtest/gtest.h>

#include "test_ids.hpp"

namespace aipg::grid {
namespace {

using std::chrono::seconds;
using testing::kT0;

JobId job(char c) { return JobId(kJobIdSize, c); }

TEST(PullRepair, NamesOpenJobsWithoutAFactForAWhileTheLeastRecentlyNamedFirst) {
  PullRepair p;
  p.note_fact(job('a'), "a1", kT0);
  p.note_fact(job('b'), "b1", kT0);
  p.note_fact(job('c'), "c1", kT0);
  p.note_fact(job('c'), "c2", kT0 + seconds(8));  // c moved since
  p.note_fact(job('d'), "d1", kT0);
  auto open = [](const JobId& id) { return id != job('d'); };  // d is finished here
  const seconds after(10);
  EXPECT_TRUE(p.stale(kT0 + seconds(9), after, 16, open).empty());
  EXPECT_EQ(p.stale(kT0 + seconds(10), after, 1, open), std::vector<JobId>{job('a')});
  // a was named: b, never named, comes first now; then a (named before c ever was stale).
  EXPECT_EQ(p.stale(kT0 + seconds(15), after, 1, open), std::vector<JobId>{job('b')});
  EXPECT_EQ(p.stale(kT0 + seconds(20), after, 3, open),
            (std::vector<JobId>{job('c'), job('a'), job('b')}));
}

TEST(PullRepair, AnswersForAJobAtMostOnceAGap) {
  PullRepair p;
  p.note_fact(job('a'), "a1", kT0);
  p.note_fact(job('a'), "a2", kT0);
  EXPECT_EQ(p.answer(job('a'), kT0, seconds(10)), (std::vector<std::string>{"a1", "a2"}));
  EXPECT_TRUE(p.answer(job('a'), kT0 + seconds(9), seconds(10)).empty());
  EXPECT_EQ(p.answer(job('a'), kT0 + seconds(10), seconds(10)).size(), 2u);
  EXPECT_TRUE(p.answer(job('z'), kT0, seconds(10)).empty());  // no facts of it
}

TEST(PullRepair, IgnoresWhatIsNoJobIdAndForgetsWhatThePruneSaysIsGone) {
  PullRepair p;
  p.note_fact("", "x", kT0);
  p.note_fact(job('a'), "a1", kT0);
  p.note_fact(job('b'), "b1", kT0 + seconds(5));
  EXPECT_EQ(p.jobs(), 2u);
  p.prune([](const JobId&, Instant last) { return last < kT0 + seconds(1); });
  EXPECT_EQ(p.jobs(), 1u);
  EXPECT_EQ(p.answer(job('b'), kT0, seconds(1)), std::vector<std::string>{"b1"});
}

TEST(PullRepair, SharesFinishedJobsThatMovedLatelyTheLeastRecentlySharedFirst) {
  PullRepair p;
  p.note_fact(job('a'), "a1", kT0);
  p.note_fact(job('b'), "b1", kT0);
  p.note_fact(job('c'), "c1", kT0);
  auto finished = [](const JobId& id) { return id != job('c'); };
  const seconds within(15);
  EXPECT_EQ(p.recent(kT0 + seconds(1), within, 1, finished), std::vector<JobId>{job('a')});
  EXPECT_EQ(p.recent(kT0 + seconds(2), within, 2, finished),
            (std::vector<JobId>{job('b'), job('a')}));
  EXPECT_TRUE(p.recent(kT0 + seconds(15), within, 2, finished).empty());  // too long ago
}

TEST(PullRepair, AWantedJobIsStaleAtOnceAndSharedNever) {
  PullRepair p;
  EXPECT_FALSE(p.knows(job('w')));
  p.want(job('w'), kT0, seconds(10));
  EXPECT_TRUE(p.knows(job('w')));
  auto any = [](const JobId&) { return true; };
  EXPECT_EQ(p.stale(kT0, seconds(10), 16, any), std::vector<JobId>{job('w')});
  EXPECT_TRUE(p.recent(kT0, seconds(15), 16, any).empty());  // we hold no fact of it
  EXPECT_TRUE(p.answer(job('w'), kT0, seconds(10)).empty());
}

}  // namespace
}  // namespace aipg::grid
