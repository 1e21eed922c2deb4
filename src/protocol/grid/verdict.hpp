// What a grid role tells the gossipsub validator about a message it was handed: forward it,
// drop it quietly, or reject it (and score its author down), with the reason.
#pragma once

#include <optional>
#include <string>

#include "protocol/gossipsub/router.hpp"
#include "protocol/grid/types.hpp"

namespace aipg::grid {

enum class Validation { kAccept, kIgnore, kReject };

inline const char* to_string(Validation v) {
  switch (v) {
    case Validation::kAccept:
      return "accept";
    case Validation::kIgnore:
      return "ignore";
    case Validation::kReject:
      return "reject";
  }
  return "?";
}

// The gossipsub validation result a verdict stands for.
inline gossipsub::ValidationResult to_gossip(Validation v) {
  switch (v) {
    case Validation::kAccept:
      return gossipsub::ValidationResult::kAccept;
    case Validation::kIgnore:
      return gossipsub::ValidationResult::kIgnore;
    case Validation::kReject:
      return gossipsub::ValidationResult::kReject;
  }
  return gossipsub::ValidationResult::kIgnore;
}

struct Verdict {
  Validation validation = Validation::kAccept;
  std::optional<Reject> reason;  // always for kReject; for kIgnore when there is one
  std::string detail;            // from the message check, when it said something
};

}  // namespace aipg::grid
