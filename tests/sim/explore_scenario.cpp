#include "explore_scenario.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "io/sim/seeded_rng.hpp"

namespace aipg::sim::explore {
namespace {

using std::chrono::milliseconds;

// The models: workers serve m0 and m1; m2 is served by nobody, or by one worker that starts
// late (a job waits for a model no worker serves, for a while or for good).
constexpr const char* kServed[] = {"m0", "m1"};
constexpr const char* kUnserved = "m2";

// Draws from the seed's own stream (apart from GridStack's, which takes the same seed).
class Draw {
 public:
  explicit Draw(uint64_t seed) : rng_(seed ^ 0x5ce9a710e5c0ffeeULL) {}
  uint64_t below(uint64_t n) { return n == 0 ? 0 : rng_.next() % n; }
  double unit() { return double(rng_.next() >> 11) * 0x1p-53; }
  bool chance(double p) { return unit() < p; }
  Duration ms(int64_t lo, int64_t hi) {
    return milliseconds(lo + int64_t(below(uint64_t(hi - lo + 1))));
  }
  // Log-uniform: as many short delays as long ones.
  Duration log_ms(double lo, double hi) {
    return milliseconds(int64_t(std::exp(std::log(lo) + unit() * (std::log(hi) - std::log(lo)))));
  }
  // An index by weight.
  size_t pick(std::initializer_list<double> weights) {
    double total = 0;
    for (double w : weights) total += w;
    double u = unit() * total;
    size_t i = 0;
    for (double w : weights) {
      if (u < w) return i;
      u -= w;
      ++i;
    }
    return weights.size() - 1;
  }

 private:
  io::sim::SeededRng rng_;
};

int64_t ms_of(Duration d) { return std::chrono::duration_cast<milliseconds>(d).count(); }

ProcessPlan of_role(GridStack::Role r) {
  ProcessPlan p;
  p.role = r;
  return p;
}

std::string name(const Scenario& s, size_t i) {
  return std::string(to_string(s.processes.at(i).role)) + "#" + std::to_string(i);
}

std::string secs(Duration d) {
  std::ostringstream o;
  o.precision(3);
  o << std::chrono::duration<double>(d).count() << " s";
  return o.str();
}

std::string msecs(Duration d) { return std::to_string(ms_of(d)) + " ms"; }

void draw_starts(Draw& d, Scenario& s) {
  s.pattern = StartPattern(d.below(6));
  for (ProcessPlan& p : s.processes) {
    const bool boot = p.role == GridStack::Role::kBootstrap;
    const bool api = p.role == GridStack::Role::kApiNode;
    const bool worker = p.role == GridStack::Role::kWorker;
    switch (s.pattern) {
      case StartPattern::kAllAtOnce:
        p.start = {};
        break;
      case StartPattern::kWorkersFirst:
        p.start = worker ? Duration{} : boot ? d.ms(0, 1000) : d.ms(1000, 6000);
        break;
      case StartPattern::kWorkersLate:
        p.start = worker ? d.ms(1000, 12000) : Duration{};
        break;
      case StartPattern::kApiNodesLate:
        p.start = api ? d.ms(2000, 10000) : Duration{};
        break;
      case StartPattern::kBootstrapLate:
        p.start = boot ? d.ms(1000, 5000) : Duration{};
        break;
      case StartPattern::kStaggered:
        p.start = d.ms(0, 8000);
        break;
    }
  }
}

void draw_processes(Draw& d, Scenario& s) {
  const size_t boots = d.chance(0.2) ? 2 : 1;
  const size_t apis = d.chance(0.4) ? 3 : 2;
  const size_t workers = 1 + d.below(4);
  for (size_t i = 0; i < boots; ++i) s.processes.push_back(of_role(GridStack::Role::kBootstrap));
  for (size_t i = 0; i < apis; ++i) s.processes.push_back(of_role(GridStack::Role::kApiNode));
  for (size_t i = 0; i < workers; ++i) {
    ProcessPlan w = of_role(GridStack::Role::kWorker);
    // The first worker serves m0, so that most scenarios have their common model served.
    const size_t first = i == 0 ? 0 : d.below(2);
    w.models.push_back(kServed[first]);
    if (d.chance(0.3)) w.models.push_back(kServed[1 - first]);
    w.slots = d.chance(0.35) ? 2 : 1;
    w.backend_delay = d.log_ms(20, 3000);
    s.processes.push_back(std::move(w));
  }
  for (ProcessPlan& p : s.processes) {
    if (d.chance(0.2)) p.far = d.ms(20, 150);
  }
  s.latency = d.log_ms(1, 40);
  s.jitter = milliseconds(int64_t(d.unit() * double(ms_of(s.latency))));
}

void draw_jobs(Draw& d, Scenario& s) {
  Duration first_worker = Duration::max(), last_start{};
  for (const ProcessPlan& p : s.processes) {
    last_start = std::max(last_start, p.start);
    if (p.role == GridStack::Role::kWorker) first_worker = std::min(first_worker, p.start);
  }
  const std::vector<size_t> apis = s.of_role(GridStack::Role::kApiNode);
  const size_t count = 1 + d.below(5);
  for (size_t j = 0; j < count; ++j) {
    JobPlan job;
    switch (d.pick({0.3, 0.4, 0.3})) {
      case 0:  // before any worker runs (at 0 when they all start at once)
        job.at = first_worker > Duration{} ? d.ms(0, ms_of(first_worker)) : 0ms;
        break;
      case 1:  // while the mesh forms
        job.at = d.ms(0, ms_of(last_start) + 3000);
        break;
      default:  // later
        job.at = d.ms(ms_of(last_start) + 3000, ms_of(last_start) + 40000);
        break;
    }
    job.origin = apis[d.below(apis.size())];
    job.model = d.chance(0.12) ? kUnserved : kServed[d.chance(0.7) ? 0 : d.below(2)];
    job.n = uint32_t(1 + d.pick({0.55, 0.25, 0.2}));
    s.jobs.push_back(std::move(job));
  }
  std::sort(s.jobs.begin(), s.jobs.end(),
            [](const JobPlan& a, const JobPlan& b) { return a.at < b.at; });
  // Half the time a worker for the unserved model comes, late: the job waits for it.
  Duration unserved_at = Duration::max();
  for (const JobPlan& j : s.jobs) {
    if (j.model == kUnserved) unserved_at = std::min(unserved_at, j.at);
  }
  if (unserved_at != Duration::max() && d.chance(0.5)) {
    ProcessPlan w = of_role(GridStack::Role::kWorker);
    w.models = {kUnserved};
    w.backend_delay = d.log_ms(20, 3000);
    w.start = unserved_at + d.ms(5000, 30000);
    s.processes.push_back(std::move(w));
  }
}

size_t any_of_role(Draw& d, const Scenario& s, GridStack::Role r) {
  const std::vector<size_t> v = s.of_role(r);
  return v[d.below(v.size())];
}

FaultPlan draw_fault(Draw& d, const Scenario& s) {
  FaultPlan f;
  f.kind = FaultKind(d.pick({0.2, 0.15, 0.25, 0.25, 0.15}));
  // Half the faults strike near a job (its claims, runs and results are in flight), the others
  // anywhere in the schedule.
  Duration last_start{};
  for (const ProcessPlan& p : s.processes) last_start = std::max(last_start, p.start);
  f.at = d.chance(0.5) ? s.jobs[d.below(s.jobs.size())].at + d.ms(0, 4000)
                       : d.ms(0, ms_of(last_start) + 40000);
  switch (f.kind) {
    case FaultKind::kSlowLinks:
      f.process = d.chance(0.8) ? d.below(s.processes.size()) : 0;
      f.extra = d.ms(200, 3000);
      f.length = d.ms(1000, 20000);
      break;
    case FaultKind::kHealthFlap:
      f.process = any_of_role(d, s, GridStack::Role::kWorker);
      f.length = d.ms(2000, 40000);
      break;
    case FaultKind::kLose:
      f.process =
          any_of_role(d, s, GridStack::Role(d.pick({0.15, 0.6, 0.25})));  // boot, api, worker
      f.fact = FactKind(d.below(3));
      f.job = d.below(s.jobs.size());
      f.at = {};
      break;
    case FaultKind::kCrash:
      if (d.chance(0.6)) {
        f.process = any_of_role(d, s, GridStack::Role::kWorker);
        f.length = d.chance(0.2) ? Duration{} : d.ms(500, 20000);
      } else {
        f.process = any_of_role(d, s, GridStack::Role::kApiNode);
        f.length = d.chance(0.1) ? Duration{} : d.ms(500, 20000);
      }
      break;
    case FaultKind::kPartition:
      do {
        f.side.clear();
        for (size_t i = 0; i < s.processes.size(); ++i) {
          if (d.chance(0.5)) f.side.push_back(i);
        }
      } while (f.side.empty() || f.side.size() == s.processes.size());
      f.length = d.ms(1000, 30000);
      break;
  }
  return f;
}

void draw_faults(Draw& d, Scenario& s) {
  const size_t count = d.pick({0.2, 0.35, 0.3, 0.15});
  Duration partition_free{};  // the simulated network has one partition at a time
  for (size_t k = 0; k < count; ++k) {
    FaultPlan f = draw_fault(d, s);
    if (f.kind == FaultKind::kPartition) {
      f.at = std::max(f.at, partition_free);
      partition_free = f.at + f.length + 1s;
    }
    s.faults.push_back(std::move(f));
  }
}

}  // namespace

const char* to_string(StartPattern p) {
  switch (p) {
    case StartPattern::kAllAtOnce:
      return "all-at-once";
    case StartPattern::kWorkersFirst:
      return "workers-first";
    case StartPattern::kWorkersLate:
      return "workers-late";
    case StartPattern::kApiNodesLate:
      return "api-nodes-late";
    case StartPattern::kBootstrapLate:
      return "bootstrap-late";
    case StartPattern::kStaggered:
      return "staggered";
  }
  return "?";
}

const char* to_string(FaultKind k) {
  switch (k) {
    case FaultKind::kSlowLinks:
      return "slow-links";
    case FaultKind::kHealthFlap:
      return "health-flap";
    case FaultKind::kLose:
      return "lose";
    case FaultKind::kCrash:
      return "crash";
    case FaultKind::kPartition:
      return "partition";
  }
  return "?";
}

const char* to_string(FactKind k) {
  switch (k) {
    case FactKind::kAnnounce:
      return "announce";
    case FactKind::kClaim:
      return "claim";
    case FactKind::kResult:
      return "result";
  }
  return "?";
}

Duration Scenario::quiet_from() const {
  Duration q{};
  for (const ProcessPlan& p : processes) q = std::max(q, p.start);
  for (const JobPlan& j : jobs) q = std::max(q, j.at);
  for (const FaultPlan& f : faults) q = std::max(q, f.at + f.length);
  return q;
}

Duration Scenario::max_link_delay() const {
  Duration far{};
  for (const ProcessPlan& p : processes) far = std::max(far, p.far);
  return latency + jitter + 3 * far;  // 2 × far of latency, 2 × far / 2 of jitter
}

std::vector<size_t> Scenario::of_role(GridStack::Role r) const {
  std::vector<size_t> out;
  for (size_t i = 0; i < processes.size(); ++i) {
    if (processes[i].role == r) out.push_back(i);
  }
  return out;
}

Scenario draw_scenario(uint64_t seed) {
  Draw d(seed);
  Scenario s;
  s.seed = seed;
  draw_processes(d, s);
  draw_starts(d, s);
  draw_jobs(d, s);
  draw_faults(d, s);
  return s;
}

std::string describe(const Scenario& s) {
  std::ostringstream o;
  o << "seed " << s.seed << (s.minimised ? " (minimised)" : "") << ": start "
    << to_string(s.pattern) << ", links " << msecs(s.latency) << " + jitter " << msecs(s.jitter)
    << ", quiet from " << secs(s.quiet_from()) << "\n";
  o << "  processes:";
  for (size_t i = 0; i < s.processes.size(); ++i) {
    const ProcessPlan& p = s.processes[i];
    o << (i ? ", " : " ") << name(s, i) << " @" << secs(p.start);
    if (p.role == GridStack::Role::kWorker) {
      o << " {";
      for (size_t m = 0; m < p.models.size(); ++m) o << (m ? "," : "") << p.models[m];
      o << "} slots " << p.slots << " delay " << msecs(p.backend_delay);
    }
    if (p.far > Duration{}) o << " far +" << msecs(p.far);
  }
  o << "\n  jobs:";
  for (size_t j = 0; j < s.jobs.size(); ++j) {
    const JobPlan& job = s.jobs[j];
    o << (j ? "; " : " ") << "j" << j << " @" << secs(job.at) << " on " << name(s, job.origin)
      << " " << job.model << " n=" << job.n;
  }
  o << "\n  faults:";
  if (s.faults.empty()) o << " none";
  for (size_t k = 0; k < s.faults.size(); ++k) {
    const FaultPlan& f = s.faults[k];
    o << (k ? "; " : " ") << to_string(f.kind);
    switch (f.kind) {
      case FaultKind::kSlowLinks:
        o << " " << name(s, f.process) << " +" << msecs(f.extra) << " @" << secs(f.at) << " for "
          << secs(f.length);
        break;
      case FaultKind::kHealthFlap:
        o << " " << name(s, f.process) << " @" << secs(f.at) << " for " << secs(f.length);
        break;
      case FaultKind::kLose:
        o << " the first " << to_string(f.fact) << " of j" << f.job << " at " << name(s, f.process);
        break;
      case FaultKind::kCrash:
        o << " " << name(s, f.process) << " @" << secs(f.at);
        if (f.length > Duration{}) {
          o << " restarted after " << secs(f.length);
        } else {
          o << " for good";
        }
        break;
      case FaultKind::kPartition:
        o << " {";
        for (size_t i = 0; i < f.side.size(); ++i) o << (i ? "," : "") << name(s, f.side[i]);
        o << "} @" << secs(f.at) << " for " << secs(f.length);
        break;
    }
  }
  o << "\n";
  return o.str();
}

std::vector<std::string> tags(const Scenario& s) {
  std::set<std::string> t;
  t.insert(std::string("start:") + to_string(s.pattern));
  t.insert("bootstraps:" + std::to_string(s.of_role(GridStack::Role::kBootstrap).size()));
  t.insert("api-nodes:" + std::to_string(s.of_role(GridStack::Role::kApiNode).size()));
  t.insert("workers:" + std::to_string(s.of_role(GridStack::Role::kWorker).size()));
  t.insert("jobs:" + std::to_string(s.jobs.size()));
  for (const JobPlan& j : s.jobs) {
    if (j.n > 1) t.insert("n>1");
    if (j.model == kUnserved) t.insert("model-unserved");
  }
  if (s.faults.empty()) t.insert("fault:none");
  for (const FaultPlan& f : s.faults) {
    std::string tag = std::string("fault:") + to_string(f.kind);
    if (f.kind == FaultKind::kCrash) {
      tag += s.processes[f.process].role == GridStack::Role::kWorker ? "-worker" : "-api";
      if (f.length == Duration{}) tag += "-for-good";
    }
    if (f.kind == FaultKind::kLose) {
      tag += std::string("-") + to_string(f.fact) + "-at-" + to_string(s.processes[f.process].role);
    }
    t.insert(tag);
  }
  return {t.begin(), t.end()};
}

}  // namespace aipg::sim::explore
