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

std::vector<JobId> PullRepair::stale(Instant now, Duration after, size_t max,
                                     const std::function<bool(const JobId&)>& open) {
  std::vector<std::pair<Instant, JobId>> due;
  for (const auto& [id, j] : jobs_) {
    if (now - j.last >= after && open(id)) due.emplace_back(j.named, id);
  }
  // Least recently named first, then by id: the same choice whatever the map's order.
  std::sort(due.begin(), due.end());
  if (due.size() > max) due.resize(max);
  std::vector<JobId> out;
  for (auto& [named, id] : due) {
    jobs_[id].named = now;
    out.push_back(std::move(id));
  }
  return out;
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

}  // namespace aipg::grid
