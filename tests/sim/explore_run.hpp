// One scenario (explore_scenario.hpp) on GridStack: the processes, links, jobs and faults
// scheduled on the simulator's loop, the grid then left to settle, and on the way what the
// invariants (explore_checks.hpp) need that the end state does not show: when each process was
// up, when each job's announce was first taken away from its origin, when each claim was sent,
// the rejections of processes that crashed, the lowest gossipsub score seen.
//
// A lost fact (FaultKind::kLose) goes through GridStack's MessageTap: the process never judges
// the message and gossipsub takes no later copy of it — the process has lost every copy.
#pragma once

#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "explore_scenario.hpp"
#include "grid_stack.hpp"

namespace aipg::sim::explore {

// A job as it was accepted (the core's submit succeeded).
struct SubmittedJob {
  size_t plan = 0;  // its JobPlan
  grid::JobId id;
  size_t origin = 0;          // the API node that took it
  uint32_t origin_start = 0;  // that node's incarnation (GridStack::starts − 1) then
  Instant at{};
  std::string model;
};

// When a process ran: from its start to its crash (kNever while it runs).
struct UpTime {
  Instant from{}, to = kNever;
};

// A stretch of time in which a fault touched the grid (for the race bound of runs).
struct FaultWindow {
  Instant from{}, to{};
  std::string what;
};

class ExploreRun {
 public:
  explicit ExploreRun(Scenario scenario);
  ~ExploreRun();
  ExploreRun(const ExploreRun&) = delete;
  ExploreRun& operator=(const ExploreRun&) = delete;

  // Runs the schedule up to its quiet point, then until `settled()` has held for `settle_for`
  // (checked every 100 ms of virtual time), or `bound` after the quiet point. Stops early when
  // the loop spins: half a million events within 100 ms of virtual time (spinning()).
  void run(const std::function<bool()>& settled, Duration bound, Duration settle_for);
  // Prints every job fact each process judges (or loses), as it happens: for diagnosis
  // (grid_explore --trace). `out` must outlive the run.
  void set_trace(std::FILE* out) { trace_ = out; }
  // When the loop was found spinning (a process busy at one virtual instant, for ever).
  std::optional<Instant> spinning() const { return spinning_; }

  const Scenario& scenario() const { return scenario_; }
  GridStack& stack() { return stack_; }
  const GridStack& stack() const { return stack_; }
  Instant at(Duration offset) const { return stack_.began() + offset; }
  Instant quiet() const { return at(scenario_.quiet_from()); }

  const std::vector<SubmittedJob>& jobs() const { return jobs_; }
  std::vector<grid::JobId> job_ids() const;
  size_t submits_refused() const { return submits_refused_; }
  const std::vector<UpTime>& up(size_t process) const { return up_.at(process); }
  // When a process other than the job's origin — an API node or a bootstrap, which replay what
  // they hold — first took the job's attempt-0 announce.
  std::optional<Instant> announce_spread(const grid::JobId& id) const;
  // When each claim (job, attempt, author multihash, slot) was sent, by its sent_ms, as a
  // virtual instant: the earliest copy any process judged.
  using ClaimKey = std::tuple<grid::JobId, uint32_t, std::string, uint32_t>;
  const std::map<ClaimKey, Instant>& claims_sent() const { return claims_sent_; }
  // What any process took of each (job, attempt)'s announces: the nonce and n (attempt 0's
  // fixed fields) and the union of their `excluded` lists (author multihashes).
  struct AttemptSeen {
    std::string nonce;
    uint32_t n = 1;
    std::set<std::string> excluded;
  };
  const std::map<std::pair<grid::JobId, uint32_t>, AttemptSeen>& attempts_seen() const {
    return attempts_seen_;
  }
  // The winners of an attempt by generation, from every claim any process took (claims_sent)
  // and the attempt's merged `excluded` list: the claims every book converges to. Empty when no
  // process took the attempt's announce.
  std::vector<std::string> final_winners(const grid::JobId& id, uint32_t attempt) const;
  // Rejections counted by each API node and bootstrap, summed over its incarnations.
  std::map<size_t, std::map<std::string, uint64_t>> rejections() const;
  // The lowest gossipsub score sampled (every second, and at the end), and who gave it to whom.
  double lowest_score() const { return lowest_score_; }
  const std::string& lowest_score_who() const { return lowest_score_who_; }
  const std::vector<FaultWindow>& fault_windows() const { return fault_windows_; }
  // Lost facts that found their message (FaultKind::kLose), by fault index, with when.
  const std::map<size_t, Instant>& lost() const { return lost_; }

 private:
  Duration link_extra(const std::string& ip, Instant now) const;
  io::sim::LinkParams link(const std::string& a, const std::string& b) const;
  void schedule();
  void at_offset(Duration offset, std::function<void()> fn);
  void start(size_t i);
  void crash(size_t i);
  void submit(size_t plan, int tries);
  bool lose(size_t process, const gossipsub::Message& m);
  void judged(size_t process, const gossipsub::Message& m, gossipsub::ValidationResult r);
  void note_fact(size_t process, const gossipsub::Message& m);
  void sample_score();

  Scenario scenario_;
  GridStack stack_;
  std::map<std::string, size_t> by_ip_;
  std::vector<std::vector<UpTime>> up_;
  std::vector<SubmittedJob> jobs_;
  std::map<size_t, grid::JobId> job_of_plan_;
  size_t submits_refused_ = 0;
  std::map<grid::JobId, Instant> announce_spread_;
  std::map<ClaimKey, Instant> claims_sent_;
  std::map<std::pair<grid::JobId, uint32_t>, AttemptSeen> attempts_seen_;
  std::map<size_t, std::map<std::string, uint64_t>> past_rejections_;
  double lowest_score_ = 0;
  std::string lowest_score_who_;
  std::vector<FaultWindow> fault_windows_;
  std::map<size_t, Instant> lost_;
  std::optional<Instant> spinning_;
  std::FILE* trace_ = nullptr;
  void trace(size_t process, const gossipsub::Message& m, const char* verdict);
  void note(const std::string& what);
};

}  // namespace aipg::sim::explore
