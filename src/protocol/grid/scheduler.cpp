#include "protocol/grid/scheduler.hpp"

#include <algorithm>
#include <tuple>

namespace aipg::grid {

const WorkerModel* serving_model(const pb::JobAnnounce& a, const std::vector<WorkerModel>& models) {
  for (const WorkerModel& m : models) {
    if (m.name != a.model()) continue;
    if (a.params().max_length() > m.max_length) return nullptr;
    if (a.params().max_context_length() > m.max_context_length) return nullptr;
    return &m;
  }
  return nullptr;
}

bool excluded_from(const pb::JobAnnounce& a, const PeerId& worker) {
  const std::string_view mh = as_chars(worker.multihash());
  return std::any_of(a.excluded().begin(), a.excluded().end(),
                     [&](const std::string& e) { return e == mh; });
}

std::vector<const pb::JobAnnounce*> choose_claims(
    const std::vector<const pb::JobAnnounce*>& announced, const std::vector<WorkerModel>& models,
    const PeerId& self, const std::set<ClaimKey>& claimed, size_t free_slots) {
  std::vector<const pb::JobAnnounce*> out;
  if (free_slots == 0) return out;
  for (const pb::JobAnnounce* a : announced) {
    if (a == nullptr || serving_model(*a, models) == nullptr || excluded_from(*a, self)) continue;
    if (claimed.contains(ClaimKey{a->job_id(), a->attempt()})) continue;
    out.push_back(a);
  }
  std::sort(out.begin(), out.end(), [](const pb::JobAnnounce* x, const pb::JobAnnounce* y) {
    return std::forward_as_tuple(x->created_ms(), x->job_id(), x->attempt()) <
           std::forward_as_tuple(y->created_ms(), y->job_id(), y->attempt());
  });
  // Two announces of one attempt (a caller's duplicate) still make one claim.
  out.erase(std::unique(out.begin(), out.end(),
                        [](const pb::JobAnnounce* x, const pb::JobAnnounce* y) {
                          return x->job_id() == y->job_id() && x->attempt() == y->attempt();
                        }),
            out.end());
  if (out.size() > free_slots) out.resize(free_slots);
  return out;
}

}  // namespace aipg::grid
