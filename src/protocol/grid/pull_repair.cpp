#include "protocol/grid/pull_repair.hpp"

#include <algorithm>

namespace aipg::grid {

void PullRepair::note_fact(const JobId& job, const std::string& id, Instant now) {
  if (job.size() != kJobIdSize) return;  // a fact the book turned down before reading its job
  auto it = jobs_.find(job);
  if (it == jobs_.end()) {
    if (jobs_.size() >= kMaxJobs) return;
    it = jobs_.emplace(job, Job{}).first;
  }
  Job& j = it->second;
  j.last = std::max(j.last, now);
  if (j.facts.size() < kMaxFactsPerJob) j.facts.push_back(id);
}

// The jobs `pick` accepts, at most `max`, those whose `stamp` is oldest first (then by id: the
// same choice whatever the map's order); their `stamp` becomes `now`.
std::vector<JobId> PullRepair::rotate(Instant now, size_t max, Instant Job::*stamp,
                                      const std::function<bool(const JobId&, const Job&)>& pick) {
  std::vector<std::pair<Instant, JobId>> due;
  for (const auto& [id, j] : jobs_) {
    if (pick(id, j)) due.emplace_back(j.*stamp, id);
  }
  std::sort(due.begin(), due.end());
  if (due.size() > max) due.resize(max);
  std::vector<JobId> out;
  for (auto& [when, id] : due) {
    jobs_[id].*stamp = now;
    out.push_back(std::move(id));
  }
  return out;
}

std::vector<JobId> PullRepair::stale(Instant now, Duration after, size_t max,
                                     const std::function<bool(const JobId&)>& open) {
  return rotate(now, max, &Job::named,
                [&](const JobId& id, const Job& j) { return now - j.last >= after && open(id); });
}

std::vector<JobId> PullRepair::recent(Instant now, Duration within, size_t max,
                                      const std::function<bool(const JobId&)>& finished) {
  return rotate(now, max, &Job::shared, [&](const JobId& id, const Job& j) {
    return !j.facts.empty() && now - j.last < within && finished(id);
  });
}

void PullRepair::want(const JobId& job, Instant now, Duration stale_after) {
  if (job.size() != kJobIdSize || jobs_.size() >= kMaxJobs) return;
  auto [it, fresh] = jobs_.try_emplace(job);
  if (fresh) it->second.last = now - stale_after;
}

std::vector<std::string> PullRepair::answer(const JobId& job, Instant now, Duration gap) {
  auto it = jobs_.find(job);
  if (it == jobs_.end()) return {};
  // Instant::min() is "never" (now - min would overflow).
  if (it->second.answered != Instant::min() && now - it->second.answered < gap) return {};
  it->second.answered = now;
  return it->second.facts;
}

void PullRepair::prune(const std::function<bool(const JobId&, Instant)>& gone) {
  std::erase_if(jobs_, [&](const auto& kv) { return gone(kv.first, kv.second.last); });
}

uint64_t outcome_digest(const JobView& v) {
  uint64_t h = 14695981039346656037ull;
  auto mix = [&](std::string_view bytes) {
    for (unsigned char c : bytes) {
      h ^= c;
      h *= 1099511628211ull;
    }
  };
  auto mix_u32 = [&](uint32_t x) {
    const char b[4] = {char(x >> 24), char(x >> 16), char(x >> 8), char(x)};
    mix({b, 4});
  };
  mix_u32(uint32_t(v.state));
  mix_u32(v.attempt);
  for (const GenerationView& g : v.generations) {
    mix_u32(g.result_attempt ? *g.result_attempt + 1 : 0);
    const std::string author =
        g.result_author ? std::string(as_chars(g.result_author->multihash())) : "";
    mix_u32(uint32_t(author.size()));
    mix(author);
  }
  return h;
}

}  // namespace aipg::grid
