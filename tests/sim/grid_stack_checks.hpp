// What the full-stack grid scenarios check: every job done in every running API node's book,
// with the same result authors everywhere, and no honest peer scored below zero.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "grid_stack.hpp"

namespace aipg::sim {

inline double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

// True when every job of `jobs` is done in every running API node's book and each generation's
// result has the same author (and attempt) in all of them; else false, with the first job that
// is not in `why`.
inline bool all_done_and_agreed(const GridStack& s, const std::vector<grid::JobId>& jobs,
                                std::string* why = nullptr) {
  for (const grid::JobId& id : jobs) {
    std::optional<grid::JobView> first;
    for (size_t api : s.api_nodes()) {
      if (!s.running(api)) continue;
      auto v = s.job(api, id);
      if (!v || v->state != grid::JobState::kDone) {
        if (why) {
          *why = s.name(api) + ": job " + to_hex(as_bytes(id)).substr(0, 12) + " " +
                 (v ? grid::to_string(v->state) : "unknown");
        }
        return false;
      }
      if (!first) {
        first = std::move(v);
        continue;
      }
      for (size_t g = 0; g < v->generations.size(); ++g) {
        const grid::GenerationView& a = first->generations.at(g);
        const grid::GenerationView& b = v->generations[g];
        if (a.result_author != b.result_author || a.result_attempt != b.result_attempt) {
          if (why) {
            *why = "job " + to_hex(as_bytes(id)).substr(0, 12) + " g" + std::to_string(g) +
                   ": the books name different results";
          }
          return false;
        }
      }
    }
  }
  return true;
}

// When each job became done and agreed (all_done_and_agreed) on the running API nodes: the loop
// runs in small steps of virtual time and each step looks at the jobs not done yet.
class DoneTimes {
 public:
  void submitted(const grid::JobId& id, Instant at) {
    jobs_.push_back(id);
    submitted_[id] = at;
  }
  // Runs the loop for `d`, noting jobs as they become done.
  void run_for(GridStack& s, Duration d, Duration step = 10ms) {
    const Instant end = s.now() + d;
    while (s.now() < end) {
      s.run_for(std::min<Duration>(step, end - s.now()));
      note(s);
    }
  }
  // Runs until every job is done or `limit` has passed; true when every job is done.
  bool run_until_all_done(GridStack& s, Duration limit, Duration step = 10ms) {
    const Instant end = s.now() + limit;
    note(s);
    while (done_.size() < jobs_.size() && s.now() < end) run_for(s, step, step);
    return done_.size() == jobs_.size();
  }
  const std::vector<grid::JobId>& jobs() const { return jobs_; }
  Instant submitted_at(const grid::JobId& id) const { return submitted_.at(id); }
  std::optional<Instant> done_at(const grid::JobId& id) const {
    auto it = done_.find(id);
    return it == done_.end() ? std::nullopt : std::optional<Instant>(it->second);
  }

 private:
  void note(const GridStack& s) {
    for (const grid::JobId& id : jobs_) {
      if (!done_.contains(id) && all_done_and_agreed(s, {id})) done_[id] = s.now();
    }
  }

  std::vector<grid::JobId> jobs_;
  std::map<grid::JobId, Instant> submitted_, done_;
};

}  // namespace aipg::sim
