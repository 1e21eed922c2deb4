#include "api/partial_output.hpp"

namespace aipg::api {
namespace {

bool is_winner(const grid::JobView& v, uint32_t attempt, uint32_t generation,
               const grid::PeerId& p) {
  return v.attempt == attempt && generation < v.generations.size() &&
         v.generations[generation].winner == p;
}

}  // namespace

bool PartialOutput::add(const grid::PeerId& sender, const grid::JobView& v, uint32_t attempt,
                        uint32_t generation, const std::vector<std::string>& pieces) {
  if (generation >= v.generations.size()) return false;
  auto [it, fresh] = jobs_[v.id].try_emplace(generation);
  Entry& e = it->second;
  if (fresh) {
    e.sender = sender;
    e.attempt = attempt;
  } else if (e.sender != sender || e.attempt != attempt) {
    // A claim that arrived late, or a new attempt: the winner's stream replaces the other.
    if (!is_winner(v, attempt, generation, sender)) return false;
    e = Entry{sender, attempt, {}};
  }
  for (const std::string& p : pieces) e.text += p;
  return true;
}

std::optional<std::string_view> PartialOutput::text(const grid::JobView& v,
                                                    uint32_t generation) const {
  auto j = jobs_.find(v.id);
  if (j == jobs_.end()) return std::nullopt;
  auto g = j->second.find(generation);
  if (g == j->second.end()) return std::nullopt;
  if (!is_winner(v, g->second.attempt, generation, g->second.sender)) return std::nullopt;
  return std::string_view(g->second.text);
}

void PartialOutput::forget(const grid::JobId& job) { jobs_.erase(job); }

}  // namespace aipg::api
