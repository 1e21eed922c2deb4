#include "protocol/grid/types.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace aipg::grid {
namespace {

TEST(GridTypes, JobStateNames) {
  EXPECT_STREQ(to_string(JobState::kQueued), "queued");
  EXPECT_STREQ(to_string(JobState::kClaimed), "claimed");
  EXPECT_STREQ(to_string(JobState::kProcessing), "processing");
  EXPECT_STREQ(to_string(JobState::kDone), "done");
  EXPECT_STREQ(to_string(JobState::kCancelled), "cancelled");
  EXPECT_STREQ(to_string(JobState::kFaulted), "faulted");
}

TEST(GridTypes, FinishedStates) {
  for (JobState s : {JobState::kQueued, JobState::kClaimed, JobState::kProcessing}) {
    EXPECT_FALSE(is_finished(s)) << to_string(s);
  }
  for (JobState s : {JobState::kDone, JobState::kCancelled, JobState::kFaulted}) {
    EXPECT_TRUE(is_finished(s)) << to_string(s);
  }
}

constexpr Reject kAllRejects[] = {
    Reject::kMalformed, Reject::kTooLarge,   Reject::kMissingField,     Reject::kBadField,
    Reject::kSkew,      Reject::kNotOrigin,  Reject::kAnnounceMismatch, Reject::kExcluded,
    Reject::kNotWinner, Reject::kUnknownJob, Reject::kExpired,          Reject::kBadReplay,
};

TEST(GridTypes, RejectLabelsAreDistinctSnakeCase) {
  std::set<std::string> seen;
  for (Reject r : kAllRejects) {
    std::string label = to_string(r);
    EXPECT_FALSE(label.empty());
    for (char c : label) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << label;
    EXPECT_TRUE(seen.insert(label).second) << label;
  }
  EXPECT_STREQ(to_string(Reject::kTooLarge), "too_large");
  EXPECT_STREQ(to_string(Reject::kAnnounceMismatch), "announce_mismatch");
  EXPECT_STREQ(to_string(Reject::kUnknownJob), "unknown_job");
}

// docs/protocol.md §7: staleness is ignored, everything else is scored.
// Staleness is not the author's fault: an unknown job, an expired announce.
TEST(GridTypes, OnlyStalenessIsNotMisbehaviour) {
  for (Reject r : kAllRejects) {
    EXPECT_EQ(is_misbehaviour(r), r != Reject::kUnknownJob && r != Reject::kExpired)
        << to_string(r);
  }
}

}  // namespace
}  // namespace aipg::grid
