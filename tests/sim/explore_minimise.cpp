#include "explore_minimise.hpp"

#include <algorithm>
#include <optional>

namespace aipg::sim::explore {
namespace {

std::optional<Scenario> without_fault(const Scenario& s, size_t k) {
  Scenario out = s;
  out.faults.erase(out.faults.begin() + std::ptrdiff_t(k));
  return out;
}

// A job goes with the lost facts that name it; the later jobs move down one.
std::optional<Scenario> without_job(const Scenario& s, size_t j) {
  if (s.jobs.size() <= 1) return std::nullopt;
  Scenario out = s;
  out.jobs.erase(out.jobs.begin() + std::ptrdiff_t(j));
  std::erase_if(out.faults,
                [&](const FaultPlan& f) { return f.kind == FaultKind::kLose && f.job == j; });
  for (FaultPlan& f : out.faults) {
    if (f.kind == FaultKind::kLose && f.job > j) --f.job;
  }
  return out;
}

// A process goes with the faults that strike it (it leaves a partition's side); its jobs go to
// the first API node left; the later processes move down one. The last bootstrap and the last
// API node stay.
std::optional<Scenario> without_process(const Scenario& s, size_t i) {
  const GridStack::Role role = s.processes[i].role;
  if (role != GridStack::Role::kWorker && s.of_role(role).size() <= 1) return std::nullopt;
  Scenario out = s;
  out.processes.erase(out.processes.begin() + std::ptrdiff_t(i));
  auto moved = [&](size_t p) { return p > i ? p - 1 : p; };
  std::vector<FaultPlan> faults;
  for (FaultPlan f : out.faults) {
    if (f.kind == FaultKind::kPartition) {
      std::erase(f.side, i);
      for (size_t& p : f.side) p = moved(p);
      if (f.side.empty() || f.side.size() == out.processes.size()) continue;
    } else if (f.process == i) {
      continue;
    }
    f.process = moved(f.process);
    faults.push_back(std::move(f));
  }
  out.faults = std::move(faults);
  const size_t first_api = out.of_role(GridStack::Role::kApiNode).front();
  for (JobPlan& j : out.jobs) j.origin = j.origin == i ? first_api : moved(j.origin);
  return out;
}

}  // namespace

Scenario minimise(const Scenario& failing, Invariant invariant, size_t* runs) {
  size_t tried = 0;
  auto breaks = [&](const Scenario& s) {
    ++tried;
    const SeedResult r = explore_scenario(s);
    return std::any_of(r.breaches.begin(), r.breaches.end(),
                       [&](const Breach& b) { return b.invariant == invariant; });
  };
  Scenario best = failing;
  best.minimised = true;
  // Each pass tries every removal once, from the last item back (so an index still names the
  // same item after a removal); another pass follows while one of them was kept.
  for (bool smaller = true; smaller;) {
    smaller = false;
    auto attempt = [&](const std::optional<Scenario>& candidate) {
      if (!candidate || !breaks(*candidate)) return;
      best = *candidate;
      smaller = true;
    };
    for (size_t k = best.faults.size(); k-- > 0;) attempt(without_fault(best, k));
    for (size_t j = best.jobs.size(); j-- > 0;) attempt(without_job(best, j));
    for (size_t i = best.processes.size(); i-- > 0;) attempt(without_process(best, i));
  }
  if (runs) *runs = tried;
  return best;
}

}  // namespace aipg::sim::explore
