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

constexpr Reject kAllRejects[] = {
    Reject::kMalformed, Reject::kTooLarge,  Reject::kMissingField,     Reject::kBadField,
    Reject::kSkew,      Reject::kNotOrigin, Reject::kAnnounceMismatch, Reject::kNotAdvertised,
    Reject::kExcluded,  Reject::kNotWinner, Reject::kUnknownJob,
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
TEST(GridTypes, OnlyUnknownJobIsNotMisbehaviour) {
  for (Reject r : kAllRejects) {
    EXPECT_EQ(is_misbehaviour(r), r != Reject::kUnknownJob) << to_string(r);
  }
}

}  // namespace
}  // namespace aipg::grid
