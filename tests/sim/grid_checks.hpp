// What the grid scenarios check at the end: every live API node's view of a job, which must agree.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "grid_net.hpp"

namespace aipg::sim {

// The figure: half a minute to two minutes a scenario (signatures are verified once per
// message for the whole net, see RouterNetOptions::verify_once).
inline constexpr size_t kJobs = 2000;

struct Outcome {
  grid::JobState state;
  std::optional<gossipsub::PeerId> author;
  std::optional<uint32_t> attempt;
};

// Every live API node's view of `id`; they must agree.
inline std::optional<Outcome> agreed(GridNet& g, RouterNet& net, const grid::JobId& id,
                                     std::string* why) {
  std::optional<Outcome> first;
  for (size_t node : g.api_nodes()) {
    if (!net.alive(node)) continue;
    auto v = g.api(node)->job(id, net.now());
    if (!v) {
      *why = "node " + std::to_string(node) + " does not know the job";
      return std::nullopt;
    }
    Outcome o{v->state, v->generations.at(0).result_author, v->generations.at(0).result_attempt};
    if (!first) {
      first = o;
    } else if (first->state != o.state || first->author != o.author ||
               first->attempt != o.attempt) {
      *why = "books disagree:";
      for (size_t n : g.api_nodes()) {
        if (!net.alive(n)) continue;
        auto w = g.api(n)->job(id, net.now());
        if (!w) continue;
        const auto& gen = w->generations.at(0);
        *why += " [node " + std::to_string(n) + ": " + grid::to_string(w->state) + ", attempt " +
                std::to_string(w->attempt) + ", result of attempt " +
                (gen.result_attempt ? std::to_string(*gen.result_attempt) : "-") + " by " +
                (gen.result_author ? gen.result_author->to_base58().substr(0, 12) : "-") +
                ", claims " + std::to_string(w->claims) + "]";
      }
      return std::nullopt;
    }
  }
  return first;
}

// The lowest gossipsub score any live grid role gives a live neighbour that is itself a grid
// role, except `except` (a rogue): honest peers must never fall below 0 (node/grid_scoring.hpp).
// `who` says which.
inline double lowest_honest_score(GridNet& g, RouterNet& net, std::string* who,
                                  std::optional<size_t> except = std::nullopt) {
  std::vector<size_t> roles = g.api_nodes();
  roles.insert(roles.end(), g.workers().begin(), g.workers().end());
  const std::set<size_t> honest(roles.begin(), roles.end());
  double lowest = 0;
  for (size_t n : roles) {
    if (!net.alive(n) || n == except) continue;
    for (size_t peer : net.neighbours(n)) {
      if (!honest.count(peer) || peer == except || !net.alive(peer)) continue;
      const double s = net.router(n).score(net.peer_id(peer), net.now());
      if (s < lowest) {
        lowest = s;
        *who = "node " + std::to_string(n) + " gives node " + std::to_string(peer) + " " +
               std::to_string(s);
      }
    }
  }
  return lowest;
}

}  // namespace aipg::sim
