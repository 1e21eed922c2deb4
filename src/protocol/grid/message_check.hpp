// Parsing and checking a grid message on its own (docs/protocol.md §1, §3, §7): size, version,
// required fields of each body, ranges, clock skew. What needs other messages (origin, winners,
// adverts) is the job book's and the peer directory's business.
#pragma once

#include <string>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "protocol/grid/types.hpp"

namespace aipg::grid {

struct CheckLimits {
  size_t max_message_size = 256 << 10;
  size_t max_prompt_bytes = 64 << 10;
  size_t max_text_bytes = 200 << 10;  // a result's text
  uint32_t max_length = 4096;         // params.max_length (AI Horde: 1–4096?)
  uint32_t max_context_length = 32768;
  uint32_t max_n = 20;
  uint64_t max_ttl_ms = 24ull * 3600 * 1000;
  uint32_t max_claim_window_ms = 10000;
  uint64_t max_lease_ms = 24ull * 3600 * 1000;
  uint32_t max_attempts = 10;
  size_t max_models = 64;        // per WorkerAdvert
  size_t max_excluded = 256;     // per JobAnnounce
  size_t max_addrs = 16;         // per NodeAdvert
  size_t max_node_models = 256;  // per NodeAdvert
  size_t max_node_stale = 16;    // per NodeAdvert
  size_t max_node_recent = 16;   // per NodeAdvert
  size_t max_messages = 1024;    // chat messages per JobAnnounce; their contents share
                                 // max_prompt_bytes
  size_t max_name_bytes = 256;   // model names, worker names, URLs, reasons
  size_t max_replay_entries = 1024;
  Duration max_skew = std::chrono::seconds(30);

  Result<void> validate() const;
};

enum class CheckOutcome {
  kOk,      // parsed and sane
  kIgnore,  // a newer protocol version or an unknown body: not ours to judge
  kReject,  // broken: `reason` and `detail` say how
};

struct Checked {
  CheckOutcome outcome = CheckOutcome::kReject;
  pb::GridMessage message;
  Reject reason = Reject::kMalformed;
  std::string detail;  // names the field and the limit, e.g. "announce.n is 50, limit 20"
};

// Whether the message came as published or inside a Replay (docs/protocol.md §8): a replayed
// fact is old by nature, so only a sent_ms ahead of our clock is refused.
enum class Arrival { kLive, kReplayed };

// `now` is the receiver's wall clock. An announce whose created_ms + ttl_ms is more than
// max_skew behind it is kIgnore(kExpired): a replay must not bring a finished job back.
Checked check_message(BytesView data, WallTime now, const CheckLimits& limits = {},
                      Arrival arrival = Arrival::kLive);

// Serialises a message with version 1 and `sent_ms` = now (for publishers).
Bytes encode_message(pb::GridMessage message, WallTime now);
// Milliseconds since the Unix epoch, as every *_ms field carries them (0 before 1970).
uint64_t to_unix_ms(WallTime t);

}  // namespace aipg::grid
