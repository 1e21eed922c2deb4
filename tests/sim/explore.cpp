#include "explore.hpp"

#include <set>
#include <sstream>

#include "explore_run.hpp"

namespace aipg::sim::explore {
namespace {

std::string job_table(const ExploreRun& run) {
  std::ostringstream o;
  o << "  submitted:";
  for (const SubmittedJob& j : run.jobs()) {
    o << " j" << j.plan << "=" << to_hex(as_bytes(j.id)).substr(0, 12) << " on "
      << run.stack().name(j.origin) << " @"
      << std::chrono::duration<double>(j.at - run.stack().began()).count() << " s;";
  }
  if (run.submits_refused() > 0) o << " " << run.submits_refused() << " refused";
  o << "\n";
  return o.str();
}

// Every run a worker's backend started, and how it ended.
std::string run_table(const ExploreRun& run) {
  const GridStack& s = run.stack();
  auto at = [&](Instant t) { return std::chrono::duration<double>(t - s.began()).count(); };
  std::ostringstream o;
  o << "  runs:";
  for (const StackRun& r : s.runs()) {
    o << "\n    " << s.name(r.worker) << "." << r.incarnation << " "
      << to_hex(as_bytes(r.key.job_id)).substr(0, 12) << " attempt " << r.key.attempt << " g"
      << r.key.generation << " @" << at(r.started) << " s " << to_string(r.end);
    if (r.end != StackRun::End::kRunning) o << " @" << at(r.ended) << " s";
  }
  o << "\n";
  return o.str();
}

}  // namespace

SeedResult explore_seed(uint64_t seed, std::FILE* trace) {
  return explore_scenario(draw_scenario(seed), trace);
}

SeedResult explore_scenario(const Scenario& scenario, std::FILE* trace) {
  const uint64_t seed = scenario.seed;
  SeedResult r;
  r.scenario = scenario;
  ExploreRun run(r.scenario);
  run.set_trace(trace);
  run.run([&] { return check_books(run).empty(); }, kSettleBound, kSettleFor);
  // A run cut short by a spinning loop is not settled: the other checks would say only that.
  r.breaches = check_progress(run);
  if (r.breaches.empty()) {
    r.breaches = check_books(run, &r.excused);
    for (Breach& b : check_scores(run)) r.breaches.push_back(std::move(b));
    for (Breach& b : check_runs(run, &r.max_starters)) r.breaches.push_back(std::move(b));
  }
  r.virtual_seconds =
      std::chrono::duration<double>(run.stack().now() - run.stack().began()).count();
  r.jobs = run.jobs().size();
  r.jobs_refused = run.submits_refused();
  if (!r.breaches.empty()) {
    std::ostringstream o;
    o << "seed " << seed << (scenario.minimised ? " (minimised)" : "")
      << " breaks an invariant — replay: grid_explore --seed " << seed
      << (scenario.minimised ? " --minimise" : "") << "\n"
      << describe(r.scenario);
    for (const Breach& b : r.breaches) {
      o << "  BREACH " << to_string(b.invariant) << ": " << b.what << "\n";
    }
    o << job_table(run) << run_table(run) << run.stack().describe(run.job_ids());
    r.report = o.str();
  }
  return r;
}

void Summary::add(const SeedResult& r) {
  ++seeds_;
  jobs_ += r.jobs;
  jobs_refused_ += r.jobs_refused;
  virtual_seconds_ += r.virtual_seconds;
  excused_.lost_with_origin += r.excused.lost_with_origin;
  excused_.forgotten_by_restart += r.excused.forgotten_by_restart;
  for (const std::string& t : tags(r.scenario)) ++mix_[t];
  ++starters_[r.max_starters];
  std::set<Invariant> broken;
  for (const Breach& b : r.breaches) broken.insert(b.invariant);
  for (Invariant i : broken) {
    ++breaches_[i];
    failing_by_[i].push_back(r.scenario.seed);
  }
  if (!broken.empty()) failing_.push_back(r.scenario.seed);
}

std::string Summary::text(double wall_seconds) const {
  std::ostringstream o;
  o << "seeds run: " << seeds_ << ", failing: " << failing_.size() << "\n";
  o << "jobs accepted: " << jobs_ << " (never accepted: " << jobs_refused_
    << "); excused: " << excused_.lost_with_origin << " lost with their origin, "
    << excused_.forgotten_by_restart << " (job, restarted API node) pairs\n";
  o << "virtual time: " << virtual_seconds_ << " s; real time: " << wall_seconds << " s\n";
  o << "breaches by invariant (seeds):";
  if (breaches_.empty()) o << " none";
  for (const auto& [inv, n] : breaches_) {
    o << "\n  " << to_string(inv) << ": " << n << " —";
    const std::vector<uint64_t>& seeds = failing_by_.at(inv);
    for (size_t k = 0; k < seeds.size() && k < 20; ++k) o << " " << seeds[k];
    if (seeds.size() > 20) o << " …";
  }
  o << "\nworkers that started one generation, at most (seeds):";
  for (const auto& [n, seeds] : starters_) o << " " << n << ": " << seeds << ";";
  o << "\nscenario mix (seeds):";
  std::string group;
  for (const auto& [tag, n] : mix_) {
    const std::string g = tag.substr(0, tag.find(':'));
    o << (g != group ? "\n  " : ", ") << tag << " " << n;
    group = g;
  }
  o << "\n";
  return o.str();
}

}  // namespace aipg::sim::explore
