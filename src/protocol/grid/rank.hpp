// The ranks that settle who runs a job and who re-announces it, with no voting
// (docs/protocol.md §4, §5). SHA-256 from libsodium.
#pragma once

#include "protocol/grid/types.hpp"

namespace aipg::grid {

// SHA-256(job_id ‖ nonce ‖ attempt as 4 bytes big-endian ‖ worker peer id multihash), and for a
// worker's further claims on the attempt (slot s > 0) ‖ s as 4 bytes big-endian.
Rank claim_rank(const JobId& job_id, BytesView nonce, uint32_t attempt, const PeerId& worker,
                uint32_t slot = 0);

// SHA-256(job_id ‖ API node peer id multihash): the lowest live API node takes over a job whose
// origin is gone.
Rank takeover_rank(const JobId& job_id, const PeerId& node);

}  // namespace aipg::grid
