// Which announced jobs a worker claims (docs/protocol.md §4): a pure choice, no state.
#pragma once

#include <compare>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "protocol/grid/types.hpp"

namespace aipg::grid {

// A model a worker serves, as it advertises it.
struct WorkerModel {
  std::string name;                 // grid model name
  uint32_t max_length = 0;          // tokens it generates at most
  uint32_t max_context_length = 0;  // prompt context it accepts at most
};

// One attempt of one job: a worker claims each at most once.
struct ClaimKey {
  JobId job_id;
  uint32_t attempt = 0;
  auto operator<=>(const ClaimKey&) const = default;
};

// The model of `models` that serves the announce, if it can meet its params (max_length and
// max_context_length within the model's caps; 0 in the params means unspecified, always met).
const WorkerModel* serving_model(const pb::JobAnnounce& a, const std::vector<WorkerModel>& models);
bool excluded_from(const pb::JobAnnounce& a, const PeerId& worker);

// The announces to claim now: those a model serves (serving_model), `self` is not excluded from,
// and not in `claimed`; oldest first by (created_ms, job_id, attempt); at most `free_slots`.
std::vector<const pb::JobAnnounce*> choose_claims(
    const std::vector<const pb::JobAnnounce*>& announced, const std::vector<WorkerModel>& models,
    const PeerId& self, const std::set<ClaimKey>& claimed, size_t free_slots);

}  // namespace aipg::grid
