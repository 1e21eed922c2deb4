#include "protocol/grid/types.hpp"

namespace aipg::grid {

const char* to_string(JobState s) {
  switch (s) {
    case JobState::kQueued:
      return "queued";
    case JobState::kClaimed:
      return "claimed";
    case JobState::kProcessing:
      return "processing";
    case JobState::kDone:
      return "done";
    case JobState::kCancelled:
      return "cancelled";
    case JobState::kFaulted:
      return "faulted";
  }
  return "unknown";
}

bool is_finished(JobState s) {
  return s == JobState::kDone || s == JobState::kCancelled || s == JobState::kFaulted;
}

// Metric labels: snake_case, stable (dashboards key on them).
const char* to_string(Reject r) {
  switch (r) {
    case Reject::kMalformed:
      return "malformed";
    case Reject::kTooLarge:
      return "too_large";
    case Reject::kMissingField:
      return "missing_field";
    case Reject::kBadField:
      return "bad_field";
    case Reject::kSkew:
      return "skew";
    case Reject::kNotOrigin:
      return "not_origin";
    case Reject::kAnnounceMismatch:
      return "announce_mismatch";
    case Reject::kExcluded:
      return "excluded";
    case Reject::kNotWinner:
      return "not_winner";
    case Reject::kUnknownJob:
      return "unknown_job";
    case Reject::kExpired:
      return "expired";
    case Reject::kBadReplay:
      return "bad_replay";
  }
  return "unknown";
}

// docs/protocol.md §7: every rule a message breaks on its own is the author's fault, skew
// included (the spec rejects it). A fact about a job we have not heard of may be merely stale
// or ahead of its announce (different topics, different paths), and an expired announce is an
// old one replayed, so both are ignored, not scored.
bool is_misbehaviour(Reject r) { return r != Reject::kUnknownJob && r != Reject::kExpired; }

}  // namespace aipg::grid
