#include "explore_checks.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

namespace aipg::sim::explore {
namespace {

std::string job_name(const ExploreRun& run, const SubmittedJob& job) {
  (void)run;
  return "j" + std::to_string(job.plan) + " (" + to_hex(as_bytes(job.id)).substr(0, 12) + ")";
}

double offset_s(const ExploreRun& run, Instant t) {
  return std::chrono::duration<double>(t - run.stack().began()).count();
}

std::string peer_name(const GridStack& s, const std::optional<grid::PeerId>& p) {
  if (!p) return "-";
  auto i = s.index_of(*p);
  return i ? s.name(*i) : p->to_base58().substr(0, 12);
}

// A worker of the model runs at the end (health flaps end before the quiet point).
bool served_at_end(const ExploreRun& run, const std::string& model) {
  const Scenario& sc = run.scenario();
  for (size_t i : sc.of_role(GridStack::Role::kWorker)) {
    const auto& models = sc.processes[i].models;
    if (run.stack().running(i) && std::find(models.begin(), models.end(), model) != models.end()) {
      return true;
    }
  }
  return false;
}

// The origin crashed (no store) before any other API node or bootstrap took the announce.
bool lost_with_origin(const ExploreRun& run, const SubmittedJob& job) {
  const UpTime& life = run.up(job.origin).at(job.origin_start);
  if (life.to == kNever) return false;
  const std::optional<Instant> spread = run.announce_spread(job.id);
  return !spread || *spread > life.to;
}

// A restarted API node (no store) cannot know this job: see explore_checks.hpp, rule 1.
bool forgotten(const ExploreRun& run, size_t api, const SubmittedJob& job) {
  const std::vector<UpTime>& lives = run.up(api);
  if (lives.size() < 2) return false;
  const Instant crashed = lives[lives.size() - 2].to;
  return job.at < crashed - kForgotten;
}

std::string results_of(const GridStack& s, const grid::JobView& v) {
  std::ostringstream o;
  for (size_t g = 0; g < v.generations.size(); ++g) {
    const grid::GenerationView& gv = v.generations[g];
    o << (g ? ", " : "") << "g" << g << " " << peer_name(s, gv.result_author);
    if (gv.result_attempt) o << "@" << *gv.result_attempt;
  }
  return o.str();
}

std::string view_text(const GridStack& s, const grid::JobView& v) {
  std::string out = std::string(grid::to_string(v.state)) + " attempt " +
                    std::to_string(v.attempt) + " [" + results_of(s, v) + "]";
  if (!v.reason.empty()) out += " (" + v.reason + ")";
  return out;
}

bool same_results(const grid::JobView& a, const grid::JobView& b) {
  if (a.generations.size() != b.generations.size()) return false;
  for (size_t g = 0; g < a.generations.size(); ++g) {
    if (a.generations[g].result_author != b.generations[g].result_author ||
        a.generations[g].result_attempt != b.generations[g].result_attempt) {
      return false;
    }
  }
  return true;
}

}  // namespace

const char* to_string(Invariant i) {
  switch (i) {
    case Invariant::kSettled:
      return "1 settled";
    case Invariant::kAgreed:
      return "2 agreed";
    case Invariant::kHonestScores:
      return "3 honest scores";
    case Invariant::kRunsWithinRace:
      return "4 runs within the race";
    case Invariant::kProgress:
      return "5 progress";
  }
  return "?";
}

std::vector<Breach> check_books(const ExploreRun& run, Excused* excused) {
  const GridStack& s = run.stack();
  std::vector<Breach> out;
  for (const SubmittedJob& job : run.jobs()) {
    const std::string name = job_name(run, job);
    if (lost_with_origin(run, job)) {
      if (excused) ++excused->lost_with_origin;
      continue;
    }
    const bool servable = served_at_end(run, job.model);
    std::vector<std::pair<size_t, grid::JobView>> answers, done_elsewhere;
    for (size_t api : s.api_nodes()) {
      if (!s.running(api)) continue;
      std::optional<grid::JobView> v = s.job(api, job.id);
      if (forgotten(run, api, job)) {
        if (excused) ++excused->forgotten_by_restart;
        if (v && v->state == grid::JobState::kDone) done_elsewhere.emplace_back(api, *v);
        continue;
      }
      if (!v) {
        out.push_back({Invariant::kSettled, name + " is unknown at " + s.name(api)});
        continue;
      }
      const grid::JobState st = v->state;
      const bool ok = servable ? st == grid::JobState::kDone
                               : st == grid::JobState::kQueued || st == grid::JobState::kDone ||
                                     (st == grid::JobState::kFaulted && !v->reason.empty());
      if (!ok) {
        out.push_back({Invariant::kSettled,
                       name + " is " + view_text(s, *v) + " at " + s.name(api) +
                           (servable ? "; a live worker serves " + job.model + ": want done"
                                     : "; no live worker serves " + job.model +
                                           ": want queued, done or faulted")});
      }
      answers.emplace_back(api, std::move(*v));
    }
    if (answers.empty()) continue;
    const auto& [first_api, first] = answers.front();
    // Without faults every winner runs and delivers: a second attempt means one did not.
    if (run.scenario().faults.empty() && first.attempt > 0) {
      out.push_back(
          {Invariant::kSettled, name + " needed attempt " + std::to_string(first.attempt) +
                                    " in a scenario without faults: " + view_text(s, first) +
                                    " at " + s.name(first_api)});
    }
    for (size_t k = 1; k < answers.size(); ++k) {
      const auto& [api, v] = answers[k];
      if (v.state != first.state || v.attempt != first.attempt || !same_results(v, first)) {
        out.push_back({Invariant::kAgreed, name + ": " + s.name(first_api) + " says " +
                                               view_text(s, first) + ", " + s.name(api) + " says " +
                                               view_text(s, v)});
      }
    }
    for (const auto& [api, v] : done_elsewhere) {
      if (!same_results(v, first)) {
        out.push_back({Invariant::kAgreed, name + ": " + s.name(first_api) + " says " +
                                               view_text(s, first) + ", " + s.name(api) +
                                               " (restarted) says " + view_text(s, v)});
      }
    }
  }
  return out;
}

std::vector<Breach> check_scores(const ExploreRun& run) {
  std::vector<Breach> out;
  if (run.lowest_score() < 0) {
    out.push_back({Invariant::kHonestScores, "score below 0: " + run.lowest_score_who()});
  }
  for (const auto& [i, reasons] : run.rejections()) {
    std::string what = run.stack().name(i) + " rejected:";
    for (const auto& [reason, n] : reasons) what += " " + reason + " ×" + std::to_string(n);
    out.push_back({Invariant::kHonestScores, what});
  }
  return out;
}

std::vector<Breach> check_runs(const ExploreRun& run, size_t* max_starters) {
  const GridStack& s = run.stack();
  const Scenario& sc = run.scenario();
  std::vector<Breach> out;
  const Duration race = std::chrono::seconds(1) + 4 * sc.max_link_delay();
  std::map<grid::RunKey, std::set<size_t>> starters;
  // A worker incarnation runs a generation again only after it stopped it (a claim moved it off
  // that generation, and another claim of its own won it back): never alongside, never after a
  // result or failure of its own.
  std::map<std::tuple<size_t, uint32_t, grid::RunKey>, const StackRun*> previous;
  for (const StackRun& r : s.runs()) {
    starters[r.key].insert(r.worker);
    const StackRun*& before = previous[{r.worker, r.incarnation, r.key}];
    if (before && (before->end != StackRun::End::kCancelled || before->ended > r.started)) {
      out.push_back({Invariant::kRunsWithinRace,
                     s.name(r.worker) + " started g" + std::to_string(r.key.generation) +
                         " of attempt " + std::to_string(r.key.attempt) + " of job " +
                         to_hex(as_bytes(r.key.job_id)).substr(0, 12) + " again at " +
                         std::to_string(offset_s(run, r.started)) + " s, after its run " +
                         to_string(before->end)});
    }
    before = &r;
  }
  if (max_starters) {
    *max_starters = 0;
    for (const auto& [key, who] : starters) *max_starters = std::max(*max_starters, who.size());
  }
  for (const StackRun& r : s.runs()) {
    const std::string mine(as_chars(s.peer_id(r.worker).multihash()));
    const std::vector<std::string> winners = run.final_winners(r.key.job_id, r.key.attempt);
    if (r.key.generation < winners.size() && winners[r.key.generation] == mine) continue;
    // The last claim of the attempt by anyone else: until it could have reached the starter,
    // the start is a race the claim window allows.
    std::optional<Instant> last;
    bool claimed = false;
    for (const auto& [key, sent] : run.claims_sent()) {
      const auto& [job, attempt, author, slot] = key;
      if (job != r.key.job_id || attempt != r.key.attempt) continue;
      if (author == mine) {
        claimed = true;
        continue;
      }
      last = last ? std::max(*last, sent) : sent;
    }
    if (last && r.started < *last + race) continue;
    const Instant from = last ? *last - race : r.started;
    const bool faulted =
        std::any_of(run.fault_windows().begin(), run.fault_windows().end(),
                    [&](const FaultWindow& f) { return f.from <= r.started && f.to >= from; });
    if (faulted) continue;
    std::string what = s.name(r.worker) + " started g" + std::to_string(r.key.generation) +
                       " of attempt " + std::to_string(r.key.attempt) + " of job " +
                       to_hex(as_bytes(r.key.job_id)).substr(0, 12) + " at " +
                       std::to_string(offset_s(run, r.started)) + " s";
    if (!claimed) {
      out.push_back({Invariant::kRunsWithinRace, what + " without a claim any process took"});
      continue;
    }
    std::string beaten = "no winner";
    if (r.key.generation < winners.size()) {
      auto p = grid::PeerId::from_multihash(as_bytes(winners[r.key.generation]));
      beaten = "it is " + (p ? peer_name(s, *p) : std::string("?")) + "'s";
    }
    out.push_back({Invariant::kRunsWithinRace,
                   what + ", not its generation (" + beaten + "); the last other claim was sent " +
                       (last ? "at " + std::to_string(offset_s(run, *last)) + " s" : "never") +
                       ", race bound " +
                       std::to_string(std::chrono::duration<double>(race).count()) + " s"});
  }
  return out;
}

std::vector<Breach> check_progress(const ExploreRun& run) {
  if (!run.spinning()) return {};
  // Which process: the one whose executor is busy is the one whose timers and posts fill the
  // queue; describe() shows their counters.
  return {{Invariant::kProgress, "the loop spins at " +
                                     std::to_string(offset_s(run, *run.spinning())) +
                                     " s (virtual): half a million events within 100 ms"}};
}

}  // namespace aipg::sim::explore
