// Cuts a failing scenario down to what it needs to break an invariant (grid_explore --minimise):
// faults, then jobs, then processes are taken out one at a time, each removal kept when the
// smaller scenario still breaks the same invariant, until no removal is. Greedy and
// deterministic: the same seed gives the same minimal scenario. Removing a process renumbers the
// rest, and so changes their keys and claim ranks: the minimal scenario is another run that
// breaks the rule, not the same run with less in it.
#pragma once

#include <cstddef>

#include "explore.hpp"

namespace aipg::sim::explore {

// `runs`, if given, is set to how many scenarios were run.
Scenario minimise(const Scenario& failing, Invariant invariant, size_t* runs = nullptr);

}  // namespace aipg::sim::explore
