// The schedule explorer, one seed at a time: draw the seed's scenario, run it on GridStack until
// the grid settles (or a bound), judge the invariants (explore_checks.hpp) and say what broke.
// grid_explore (the command) and grid_explore_test (CI) both call explore_seed(); Summary adds
// seeds up for the command's report.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "explore_checks.hpp"
#include "explore_scenario.hpp"

namespace aipg::sim::explore {

// How long the grid may take to settle after the quiet point: a lease (5 min, the longest a
// lost result can keep a job open at its announcer), three advert intervals (a winner declared
// gone) and a margin.
inline constexpr Duration kSettleBound = std::chrono::minutes(5) + std::chrono::seconds(45);
// How long the books must stay settled before the run ends (something late may still undo it).
inline constexpr Duration kSettleFor = std::chrono::seconds(5);

struct SeedResult {
  Scenario scenario;
  std::vector<Breach> breaches;
  // For a failing seed: the scenario, each breach and GridStack::describe(jobs); empty if none.
  std::string report;
  double virtual_seconds = 0;
  size_t jobs = 0, jobs_refused = 0;
  Excused excused;
  size_t max_starters = 0;  // the most workers that started one generation
};

// `trace`: where to print every job fact each process judges, and the runs (--trace).
SeedResult explore_seed(uint64_t seed, std::FILE* trace = nullptr);
// The same for a scenario of one's own (a minimised one: explore_minimise.hpp).
SeedResult explore_scenario(const Scenario& scenario, std::FILE* trace = nullptr);

// Many seeds' results, added up: the scenario mix, breaches by invariant, the failing seeds.
class Summary {
 public:
  void add(const SeedResult& r);
  std::string text(double wall_seconds) const;
  size_t failed() const { return failing_.size(); }

 private:
  size_t seeds_ = 0, jobs_ = 0, jobs_refused_ = 0;
  double virtual_seconds_ = 0;
  Excused excused_;
  std::map<std::string, size_t> mix_;
  std::map<Invariant, size_t> breaches_;  // seeds with at least one
  std::map<size_t, size_t> starters_;     // max starters of a generation → seeds
  std::vector<uint64_t> failing_;
  std::map<Invariant, std::vector<uint64_t>> failing_by_;
};

}  // namespace aipg::sim::explore
