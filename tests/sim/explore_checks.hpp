// The schedule explorer's invariants, judged on an ExploreRun (explore_run.hpp) once the grid
// has settled. The rules, as docs/reliability.md states them:
//
// 1. Settled. Every accepted job is known to every live API node that must answer for it; one
//    that a live worker serves at the end (a worker of its model runs, its backend healthy) is
//    `done` there; any other is `queued`, `done`, or `faulted` with a reason. (No job reaches
//    its ttl within the explorer's bound: 20 min, against at most ~7 min.) In a scenario without
//    faults, every job is known at attempt 0 only (every winner runs and delivers: a lapse there
//    means one did not, and the job waited out a lease). Excused, because the
//    protocol cannot know them:
//    - a job whose origin crashed (no store) before any other API node or bootstrap took its
//      announce: it is lost with its origin;
//    - at an API node restarted without a store: jobs announced more than kForgotten before its
//      crash (a replay after a restart carries every fact the others keep, for replay_keep).
//      Such a node may not know them; if it says `done`, its result must still agree (2).
// 2. Agreed. The live API nodes that must answer for a job agree on its state, its latest
//    attempt and, per generation, the result's author and attempt.
// 3. Honest scores. No process ever gives another (all are honest) a gossipsub score below 0
//    (sampled every virtual second and at each crash), and no API node or bootstrap counts a
//    rejection, over all its incarnations.
// 4. Runs within the claim-window race. A worker incarnation starts a (job, attempt,
//    generation) again only after it stopped its run of it (a claim moved it off, another claim
//    of its own won it back); and a worker starts a generation it does not win — by every claim
//    any process took of that attempt, less the attempt's merged `excluded` list — only while
//    the claims that beat it could still be on their way: within R = 1 s (a gossip heartbeat) +
//    4 × the scenario's longest one-way link delay of the last other claim of that attempt being
//    sent, or while a fault (crash, partition, slow links, a lost claim) was in the way. A
//    starter whose own claim no process took is a breach too, outside a fault.
// 5. Progress. Virtual time advances: no process keeps its executor busy at one instant
//    (half a million events within 100 ms of virtual time), which in a real process is a core
//    spinning at 100%.
#pragma once

#include <string>
#include <vector>

#include "explore_run.hpp"

namespace aipg::sim::explore {

// How long before its crash a restarted API node (no store) may have forgotten jobs from: the
// others replay to it every fact they keep, for replay_keep (ApiNodeConfig: 10 minutes).
inline constexpr Duration kForgotten = std::chrono::minutes(10);

enum class Invariant {
  kSettled = 1,
  kAgreed = 2,
  kHonestScores = 3,
  kRunsWithinRace = 4,
  kProgress = 5,
};
const char* to_string(Invariant i);

struct Breach {
  Invariant invariant;
  std::string what;
};

// What the checks excused, for the summary.
struct Excused {
  size_t lost_with_origin = 0;
  size_t forgotten_by_restart = 0;  // (job, API node) pairs
};

// Invariants 1 and 2 on the books as they are now (also the run loop's test of "settled").
std::vector<Breach> check_books(const ExploreRun& run, Excused* excused = nullptr);
std::vector<Breach> check_scores(const ExploreRun& run);
// Invariant 4; `max_starters` is set to the most workers that started any one generation.
std::vector<Breach> check_runs(const ExploreRun& run, size_t* max_starters = nullptr);
std::vector<Breach> check_progress(const ExploreRun& run);

}  // namespace aipg::sim::explore
