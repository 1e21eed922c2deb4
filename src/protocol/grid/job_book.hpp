// The job book (docs/protocol.md §4–§6): for every job an API node has heard of, the set of facts
// the grid published about it — announces per attempt, claims, results, failures, the cancel —
// and the state derived from them and the time.
//
// Order does not matter: adding a fact is idempotent and commutative, and everything else
// (winners, accepted results, the state) is derived from the facts on demand, so two books that
// hold the same facts agree whatever order the messages came in. The exceptions are the ones the
// protocol names: a claim is checked against the peer directory when it arrives, and the lease
// and the ttl are measured on the local clock.
//
// Each add_* answers what the gossipsub validator should do with the message: forward it
// (kAdded), drop it quietly (kDuplicate, kHeld, kIgnored) or reject it and score its author down
// (kRejected, with the reason).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocol/grid/peer_directory.hpp"
#include "protocol/grid/types.hpp"

namespace aipg::grid {

enum class FactOutcome {
  kAdded,      // new and valid: store, forward
  kDuplicate,  // already known (same fact): do not forward again
  kHeld,       // kept but not (yet) valid, e.g. a result whose claim has not arrived: no forward
  kIgnored,    // stale or unknown (claim for a lapsed attempt, fact of an unknown job)
  kRejected,   // the author broke a rule: reject, score down
};

struct FactVerdict {
  FactOutcome outcome = FactOutcome::kAdded;
  Reject reason = Reject::kMalformed;  // for kIgnored and kRejected
};

struct BookConfig {
  size_t max_jobs = 200000;                           // beyond it, new announces are ignored
  Duration keep_finished = std::chrono::hours(1);     // done/cancelled/faulted jobs kept this long
  size_t max_held_per_job = 64;                       // results/failures waiting for their claim
};

struct GenerationView {
  std::optional<PeerId> winner;           // of the latest attempt
  std::optional<uint32_t> result_attempt;  // the attempt whose result counts, if any
  const pb::JobResult* result = nullptr;
  std::optional<PeerId> result_author;
};

struct JobView {
  JobId id;
  JobState state = JobState::kQueued;
  std::string reason;                       // why faulted or cancelled
  const pb::JobAnnounce* announce = nullptr;  // attempt 0 (the job's fixed fields)
  uint32_t attempt = 0;                     // the latest announced attempt
  Instant attempt_received{};               // when we received the latest attempt's announce
  std::vector<GenerationView> generations;  // n entries
  size_t claims = 0;                        // claims of the latest attempt
};

class JobBook {
 public:
  JobBook(const PeerDirectory& directory, BookConfig config = {});

  // Rules (docs/protocol.md): attempt 0 must come from `origin` (kNotOrigin); a later attempt
  // must match attempt 0 outside attempt/excluded (kAnnounceMismatch); a later attempt arriving
  // before attempt 0 is kept (its fixed fields are the job's until attempt 0 arrives to confirm).
  FactVerdict add_announce(const PeerId& author, const pb::JobAnnounce& a, Instant received);
  // kIgnored(kUnknownJob) for an unknown job or attempt; kRejected(kNotAdvertised) when the
  // author does not serve the model per the directory at `received`; kRejected(kExcluded).
  FactVerdict add_claim(const PeerId& author, const pb::Claim& c, Instant received);
  // Accepted when the author is the winner of that generation among the claims known; kHeld when
  // the author has no claim for that attempt yet (re-checked as claims arrive);
  // kRejected(kNotWinner) when it has a claim but is not that generation's winner.
  FactVerdict add_result(const PeerId& author, const pb::JobResult& r, Instant received);
  FactVerdict add_failed(const PeerId& author, const pb::JobFailed& f, Instant received);
  // Only from the job's origin (kNotOrigin).
  FactVerdict add_cancel(const PeerId& author, const pb::JobCancel& c, Instant received);

  std::optional<JobView> view(const JobId& id, Instant now) const;
  std::vector<JobId> jobs() const;  // sorted
  size_t size() const { return jobs_.size(); }

  // For every job whose latest attempt has lapsed at `now` and whose announcer (per the
  // directory) is `self`: the announce of the next attempt, ready to publish (excluded filled
  // as the protocol says). Jobs out of attempts or ttl are not returned (view() says faulted).
  std::vector<pb::JobAnnounce> due_reannounces(const PeerId& self, Instant now) const;

  // Forgets finished jobs older than keep_finished.
  void prune(Instant now);

 private:
  struct Attempt {
    pb::JobAnnounce announce;
    Instant received{};
    std::map<Rank, PeerId> claims;  // by rank: the first n are the winners
    std::map<uint32_t, std::map<PeerId, pb::JobResult>> results;  // generation → author → result
    std::map<uint32_t, std::set<PeerId>> failed;                  // generation → authors
  };
  struct Job {
    std::map<uint32_t, Attempt> attempts;
    std::optional<pb::JobCancel> cancel;
    std::vector<std::pair<PeerId, pb::JobResult>> held_results;
    std::vector<std::pair<PeerId, pb::JobFailed>> held_failed;
    Instant finished_at{};  // when view() first saw it finished (for prune)
  };

  const PeerDirectory& directory_;
  BookConfig config_;
  std::unordered_map<JobId, Job> jobs_;
};

}  // namespace aipg::grid
