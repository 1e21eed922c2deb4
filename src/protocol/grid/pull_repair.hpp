// Pull repair (docs/protocol.md §8). Pushes (replays on a trigger, republishes, a worker's
// repair) fill most gaps, but none fires for a fact that one API node alone lost while every
// other node holds it: the origin sees its job done and republishes nothing, no worker hears of
// the gap, no node is restarted or newly heard. So a node names the jobs it holds open that have
// not moved for a while (NodeAdvert.stale), and a node that holds such a job finished replays
// that job's facts.
//
// A node that lost every fact of a job (a short partition, shorter than a missed advert, with
// the job's whole life inside it), or that holds a job finished differently (it lacks a claim
// that moved a winner), does not even know to ask. So each NodeAdvert also shares a few recently
// finished jobs with a digest of their outcome (`recent`): a node that does not know the job
// names it as stale in its next advert; one whose outcome differs replays its facts of the job
// (and the other does the same on seeing ours), and the union of the facts settles both.
//
// PullRepair is the bookkeeping of both sides: which facts each job has and when the last came,
// when a job was last named, shared and answered for.
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/time.hpp"
#include "protocol/grid/job_book.hpp"
#include "protocol/grid/types.hpp"

namespace aipg::grid {

class PullRepair {
 public:
  // A fact of `job` (pubsub message id `id`) that the node took at `now`. At most
  // kMaxFactsPerJob are remembered a job (claims and results are bounded per job by the book).
  void note_fact(const JobId& job, const std::string& id, Instant now);

  // Jobs for NodeAdvert.stale: `open` ones (the caller's book: unknown or not finished) whose
  // last fact is `after` old or more, at most `max`, those named least recently first.
  std::vector<JobId> stale(Instant now, Duration after, size_t max,
                           const std::function<bool(const JobId&)>& open);

  // Jobs for NodeAdvert.recent: `finished` ones whose last fact is less than `within` old, at
  // most `max`, those shared least recently first.
  std::vector<JobId> recent(Instant now, Duration within, size_t max,
                            const std::function<bool(const JobId&)>& finished);

  // A job another node holds that we have no fact of: it is stale for us from now on.
  void want(const JobId& job, Instant now, Duration stale_after);
  bool knows(const JobId& job) const { return jobs_.contains(job); }

  // The ids of `job`'s facts, to replay for a node that named it — empty when we answered for
  // it less than `gap` ago (every node that names it, each advert, asks the same).
  std::vector<std::string> answer(const JobId& job, Instant now, Duration gap);

  // Forgets jobs for which `gone(job, last fact)` holds.
  void prune(const std::function<bool(const JobId&, Instant)>& gone);

  size_t jobs() const { return jobs_.size(); }

  static constexpr size_t kMaxFactsPerJob = 128;
  // Jobs are forgotten once their facts are no longer kept for replays (replay_keep, 10 min):
  // beyond about 100 new jobs a second sustained, later jobs go untracked until room is made.
  static constexpr size_t kMaxJobs = 1 << 16;

 private:
  struct Job {
    std::vector<std::string> facts;
    Instant last{};
    Instant named = Instant::min();
    Instant shared = Instant::min();
    Instant answered = Instant::min();
  };
  std::vector<JobId> rotate(Instant now, size_t max, Instant Job::*stamp,
                            const std::function<bool(const JobId&, const Job&)>& pick);

  std::unordered_map<JobId, Job> jobs_;
};

// A digest of what a book says of a finished job (state, latest attempt, and per generation the
// author and attempt of the result that counts): equal in two books that agree. FNV-1a, so the
// same on every node and build.
uint64_t outcome_digest(const JobView& v);

}  // namespace aipg::grid
