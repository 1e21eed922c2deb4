// The schedule explorer's scenarios (grid_explore): from one seed, a grid of the shipped roles
// and a schedule for it — which processes, when each starts, how slow each link is, which jobs
// are submitted where and when, and which faults strike. draw_scenario() is a pure function of
// the seed, so a seed names its scenario for good; describe() prints it in a few lines.
//
// Times are offsets from the moment the stack is made. Process indices are GridStack's: the
// bootstraps first, then the API nodes, then the workers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/time.hpp"
#include "grid_stack.hpp"

namespace aipg::sim::explore {

// How the processes' start times are drawn.
enum class StartPattern {
  kAllAtOnce,      // every process at 0
  kWorkersFirst,   // workers at 0, the bootstraps a little later, the API nodes later still
  kWorkersLate,    // bootstraps and API nodes at 0, workers 1–12 s later
  kApiNodesLate,   // bootstraps and workers at 0, API nodes 2–10 s later
  kBootstrapLate,  // everyone at 0 but the bootstraps, 1–5 s later
  kStaggered,      // each process at its own time in 0–8 s
};
const char* to_string(StartPattern p);

struct ProcessPlan {
  GridStack::Role role = GridStack::Role::kWorker;
  Duration start{};
  // Workers only.
  std::vector<std::string> models;
  uint32_t slots = 1;
  Duration backend_delay{};  // the test backend's time per generation
  // Added to the latency of each of its links (a far-away machine), and to the jitter by half.
  Duration far{};
};

struct JobPlan {
  Duration at{};
  size_t origin = 0;  // an API node; when it is down then, the next one up takes the job
  std::string model;
  uint32_t n = 1;
};

enum class FaultKind {
  kSlowLinks,   // every link of `process` gets `extra` one-way latency for `length`
  kHealthFlap,  // worker `process`'s backend answers health checks with an error for `length`
  kLose,        // `process` loses the first `fact` of job `job` that reaches it
  kCrash,       // `process` crashes; it is restarted (no store) `length` later, or never (0)
  kPartition,   // `side` and the rest cannot reach each other for `length`
};
const char* to_string(FaultKind k);

enum class FactKind { kAnnounce, kClaim, kResult };
const char* to_string(FactKind k);

struct FaultPlan {
  FaultKind kind = FaultKind::kCrash;
  Duration at{};      // kLose: unused (the fact is lost whenever it comes)
  Duration length{};  // kCrash: time down, 0 = stays down
  size_t process = 0;
  Duration extra{};                     // kSlowLinks
  FactKind fact = FactKind::kAnnounce;  // kLose
  size_t job = 0;                       // kLose: a JobPlan index
  std::vector<size_t> side;             // kPartition
};

struct Scenario {
  uint64_t seed = 0;
  bool minimised = false;  // cut down from the seed's scenario (explore_minimise.hpp)
  StartPattern pattern = StartPattern::kAllAtOnce;
  Duration latency{}, jitter{};  // every link's, before `far`
  std::vector<ProcessPlan> processes;
  std::vector<JobPlan> jobs;
  std::vector<FaultPlan> faults;

  // When the last scheduled thing happens (a start, a submit, a fault's end, a restart): after
  // it the grid is left alone to settle.
  Duration quiet_from() const;
  // The longest one-way delay any link can have without a kSlowLinks fault: latency, jitter
  // and the two ends' `far`.
  Duration max_link_delay() const;
  // Processes by role, in index order.
  std::vector<size_t> of_role(GridStack::Role r) const;
};

Scenario draw_scenario(uint64_t seed);
// A few lines: the pattern and links, the processes, the jobs, the faults.
std::string describe(const Scenario& s);
// What the scenario contains, as short tags for the explorer's summary of the mix
// ("start:workers-late", "fault:crash-api", "lose:result", "model-unserved", "n>1", …).
std::vector<std::string> tags(const Scenario& s);

}  // namespace aipg::sim::explore
