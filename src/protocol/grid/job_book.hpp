// The job book (docs/protocol.md §4–§6): for every job an API node has heard of, the set of facts
// the grid published about it — announces per attempt, claims, results, failures, the cancel —
// and the state derived from them and the time.
//
// Order does not matter: adding a fact is idempotent and commutative, and everything else
// (winners, accepted results, the state) is derived from the facts on demand, so two books that
// hold the same facts agree whatever order the messages came in. The exceptions are the ones the
// protocol names: the lease, the ttl and whether a winner is live are measured on the local clock.
//
// Each add_* answers what the gossipsub validator should do with the message: forward it
// (kAdded), drop it quietly (kDuplicate, kHeld, kIgnored) or reject it and score its author down
// (kRejected, with the reason).
#pragma once

#include <functional>
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
  size_t max_jobs = 200000;                        // beyond it, new announces are ignored
  Duration keep_finished = std::chrono::hours(1);  // done/cancelled/faulted jobs kept this long
  size_t max_held_per_job = 64;                    // results/failures waiting for their claim
};

struct GenerationView {
  std::optional<PeerId> winner;            // of the latest attempt
  std::optional<uint32_t> result_attempt;  // the attempt whose result counts, if any
  const pb::JobResult* result = nullptr;
  std::optional<PeerId> result_author;
};

// The little a worker asks about a job on every tick, without building a JobView.
struct JobStatus {
  JobState state = JobState::kQueued;
  uint32_t attempt = 0;  // the latest announced attempt
  size_t claims = 0;     // claims of the latest attempt that count
};

struct JobView {
  JobId id;
  JobState state = JobState::kQueued;
  std::string reason;                         // why faulted or cancelled
  const pb::JobAnnounce* announce = nullptr;  // attempt 0, or the lowest known (fixed fields)
  uint32_t attempt = 0;                       // the latest announced attempt
  Instant attempt_received{};                 // when we received the latest attempt's announce
  std::vector<GenerationView> generations;    // n entries
  size_t claims = 0;                          // claims of the latest attempt that count
};

class JobBook {
 public:
  JobBook(const PeerDirectory& directory, BookConfig config = {});

  // Rules (docs/protocol.md): attempt 0 must come from `origin` (kNotOrigin); a later attempt
  // must match attempt 0 outside attempt/excluded (kAnnounceMismatch); a later attempt arriving
  // before attempt 0 is kept (its fixed fields are the job's until attempt 0 arrives to confirm;
  // should attempt 0 disagree, the later attempts were forged and are dropped). The first announce
  // of an attempt is kept, later ones are kDuplicate. Over max_jobs: kIgnored(kTooLarge).
  FactVerdict add_announce(const PeerId& author, const pb::JobAnnounce& a, Instant received);
  // kIgnored(kUnknownJob) for an unknown job or attempt; kIgnored(kExcluded); kRejected(kBadField)
  // for a slot ≥ n (an author may claim one attempt once per slot, so as to run several of its
  // generations). A claim needs no advert of its author (docs/protocol.md §4: it stands on its
  // own, whatever came first).
  // Facts of an unknown job or attempt are nonetheless kept a while (bounded) and replayed when
  // the announce comes, since gossipsub does not order messages of different authors. A valid
  // claim for an attempt already lapsed or superseded is kept (it can still decide who won) but
  // answered kIgnored (stale: not forwarded).
  FactVerdict add_claim(const PeerId& author, const pb::Claim& c, Instant received);
  // Accepted when the author is the winner of that generation among the claims known; kHeld when
  // the author has no claim for that attempt yet (re-checked as claims arrive, at most
  // max_held_per_job, beyond: kIgnored(kTooLarge)) or when its claim ranks *before* that
  // generation (a lower claim it knew of and we do not yet can make it the winner: kept, counted
  // by view() if so); kIgnored(kNotWinner) when its claim ranks after that generation (an honest
  // race as a rule, never scored: how late it comes depends on arrival times; kept all the same,
  // since merging two `excluded` lists of the attempt can drop the claims before it, or a later
  // claim of its author can win that generation); kIgnored(kExcluded) from an excluded worker;
  // kRejected(kBadField) for a generation ≥ n or an attempt ≥ max_attempts. Whether a stored
  // result counts is derived by view().
  FactVerdict add_result(const PeerId& author, const pb::JobResult& r, Instant received);
  FactVerdict add_failed(const PeerId& author, const pb::JobFailed& f, Instant received);
  // Only from the job's origin (kNotOrigin).
  FactVerdict add_cancel(const PeerId& author, const pb::JobCancel& c, Instant received);

  std::optional<JobView> view(const JobId& id, Instant now) const;
  std::optional<JobStatus> status(const JobId& id, Instant now) const;
  // The winners of one attempt, by generation, among the claims known (empty for an unknown job
  // or attempt). view() only shows the latest attempt's; a worker running an earlier one needs
  // its own.
  std::vector<PeerId> winners(const JobId& id, uint32_t attempt) const;
  // Whether the book holds a claim by `peer` for that attempt; how many (one per slot).
  bool has_claim(const JobId& id, uint32_t attempt, const PeerId& peer) const;
  size_t claims_by(const JobId& id, uint32_t attempt, const PeerId& peer) const;
  // The results `author` published for a job that the book keeps, every attempt and generation
  // (for a worker to publish its own again).
  std::vector<pb::JobResult> results_by(const JobId& id, const PeerId& author) const;
  std::vector<JobId> jobs() const;  // sorted
  // Every job's status and fixed fields (attempt 0's, or the lowest known), in no particular
  // order: for counts over the whole book without sorting ids or building views.
  void for_each_status(
      Instant now,
      const std::function<void(const JobId&, const JobStatus&, const pb::JobAnnounce&)>& fn) const;
  // The announce of one attempt (nullptr when unknown).
  const pb::JobAnnounce* announce(const JobId& id, uint32_t attempt) const;
  size_t size() const { return jobs_.size(); }

  // For every job whose latest attempt has lapsed at `now`, or sits unclaimed while every live
  // worker of its model is excluded, and whose announcer (per the directory) is `self`: the
  // announce of the next attempt, ready to publish (excluded filled as the protocol says, never
  // with every live worker of the model). Jobs out of attempts or ttl are not returned (view() says
  // faulted). Pure: the caller publishes them and adds them back with add_announce.
  std::vector<pb::JobAnnounce> due_reannounces(const PeerId& self, Instant now) const;

  // Forgets jobs finished (done, cancelled, faulted) for keep_finished, counted from the first
  // prune() that saw them finished, and facts of never-announced jobs after two minutes. Jobs
  // it sees finished are no longer scanned by due_reannounces (none can need another attempt).
  void prune(Instant now);

 private:
  // A fact waiting for what makes it checkable: its job's announce, its attempt's announce, or
  // its author's claim. `received` is kept: the earliest receipt decides whether it is stale.
  template <class Fact>
  struct Pending {
    PeerId author;
    Fact fact;
    Instant received{};
  };
  // What view() derives from a job's facts.
  struct Derived {
    std::map<uint32_t, std::vector<PeerId>> winners;      // attempt → its winners, by generation
    std::map<uint32_t, size_t> claims;                    // attempt → claims that count
    std::vector<std::optional<uint32_t>> result_attempt;  // generation → attempt that counts
    bool done = false;
  };
  struct Attempt {
    pb::JobAnnounce announce;       // the first valid one of this attempt
    Instant received{};             // the earliest receipt of it: the lease starts here
    std::map<Rank, PeerId> claims;  // by rank: the first n are the winners
    std::map<std::pair<PeerId, uint32_t>, Rank> claimed;  // (author, slot) → rank of that claim
    std::map<Rank, Instant> claim_received;               // when each claim was received
    // Results and failures of authors with a claim whose position is at most the generation
    // (more claims only push a position down, so the others can never count); view() derives
    // which of them count. generation → author → result / authors.
    std::map<uint32_t, std::map<PeerId, pb::JobResult>> results;
    std::map<uint32_t, std::set<PeerId>> failed;
  };
  struct Job {
    std::map<uint32_t, Attempt> attempts;
    std::optional<pb::JobCancel> cancel;
    std::vector<Pending<pb::Claim>> held_claims;       // of attempts not announced yet
    std::vector<Pending<pb::JobResult>> held_results;  // authors without a claim yet
    std::vector<Pending<pb::JobFailed>> held_failed;   // authors without a claim yet
    std::optional<Instant> finished_at;                // when prune() first saw it finished
    // derive()'s answer, a function of the facts alone: dropped whenever a claim, result or
    // attempt is added, so view() and the ticks that ask about every open job stay cheap.
    mutable std::optional<Derived> derived;
  };
  // Facts of a job whose announce has not arrived (gossipsub does not order messages of
  // different authors): answered kIgnored(kUnknownJob), but kept a little while, bounded, and
  // replayed when the announce comes, so the book converges whatever the order.
  struct Early {
    Instant first{};
    std::vector<Pending<pb::Claim>> claims;
    std::vector<Pending<pb::JobResult>> results;
    std::vector<Pending<pb::JobFailed>> failed;
    std::vector<Pending<pb::JobCancel>> cancels;
    size_t size() const { return claims.size() + results.size() + failed.size() + cancels.size(); }
  };

  void start_attempt(Job& job, const pb::JobAnnounce& a, Instant received);
  FactVerdict claim_into(Job& job, const PeerId& author, const pb::Claim& c, Instant received);
  FactVerdict result_into(Job& job, const PeerId& author, const pb::JobResult& r, Instant received);
  FactVerdict failed_into(Job& job, const PeerId& author, const pb::JobFailed& f, Instant received);
  FactVerdict cancel_into(Job& job, const PeerId& author, const pb::JobCancel& c);
  void release_held(Job& job, const PeerId& author, uint32_t attempt);
  Early* early_for(const JobId& id, Instant received);

  Derived derive(const Job& job) const;
  const Derived& derived(const Job& job) const;
  bool lapsed(const Job& job, const Derived& d, uint32_t attempt, Instant now) const;
  bool winner_gone(const Attempt& at, const PeerId& winner, Instant now) const;
  std::pair<JobState, std::string> state_of(const Job& job, const Derived& d, Instant now) const;

  const PeerDirectory& directory_;
  BookConfig config_;
  std::unordered_map<JobId, Job> jobs_;
  std::unordered_map<JobId, Early> early_;
  std::set<JobId> open_;  // jobs prune() has not seen finished: what due_reannounces scans
};

}  // namespace aipg::grid
