// Vocabulary of the grid protocol (docs/protocol.md).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "base/time.hpp"
#include "grid.pb.h"
#include "wire/peer_id.hpp"

namespace aipg::grid {

using wire::PeerId;
namespace pb = ::aipg::pb::grid;

// 16 raw bytes, kept in a string so it hashes and orders cheaply.
using JobId = std::string;
// SHA-256 digest compared as a big-endian number (std::array's operator< is exactly that).
using Rank = std::array<uint8_t, 32>;

inline constexpr uint32_t kProtocolVersion = 1;
inline constexpr size_t kJobIdSize = 16;
inline constexpr size_t kNonceSize = 32;

enum class JobState { kQueued, kClaimed, kProcessing, kDone, kCancelled, kFaulted };
const char* to_string(JobState s);
// Done, cancelled or faulted: nothing more will run for the job.
bool is_finished(JobState s);

// Why a grid message was refused; each is a metric label and feeds the author's P5 score.
enum class Reject {
  kMalformed,         // not a GridMessage, or a body that does not parse
  kTooLarge,          // over max_message_size or a field limit
  kMissingField,      // a required field is empty
  kBadField,          // a field out of range (n, ttl, sizes of ids, …)
  kSkew,              // sent_ms too far from our clock
  kNotOrigin,         // announce of attempt 0 or cancel not by the job's origin
  kAnnounceMismatch,  // a later attempt that differs from attempt 0 where it must not
  kExcluded,          // claim by a worker excluded from this attempt
  kNotWinner,         // result or failure by a peer known not to win that generation
  kUnknownJob,        // claim/result/cancel for a job we never heard of (ignored, not scored)
  kExpired,           // an announce past its ttl (a replay of an old job: ignored, not scored)
  kBadReplay,         // a replay entry that does not parse or whose signature does not verify
};
const char* to_string(Reject r);
// Whether a rejection is the author's fault (scored) or just staleness/ordering (ignored).
bool is_misbehaviour(Reject r);

}  // namespace aipg::grid
