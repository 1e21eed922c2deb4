#include "protocol/grid/rank.hpp"

#include <sodium.h>

namespace aipg::grid {

namespace {

// The incremental API hashes the parts in place: no concatenated copy of the inputs.
class Sha256 {
 public:
  Sha256() { crypto_hash_sha256_init(&st_); }
  void add(BytesView b) { crypto_hash_sha256_update(&st_, b.data(), b.size()); }
  Rank finish() {
    Rank r;
    crypto_hash_sha256_final(&st_, r.data());
    return r;
  }

 private:
  crypto_hash_sha256_state st_;
};

static_assert(sizeof(Rank) == crypto_hash_sha256_BYTES);

}  // namespace

Rank claim_rank(const JobId& job_id, BytesView nonce, uint32_t attempt, const PeerId& worker,
                uint32_t slot) {
  uint8_t attempt_be[4];
  put_be32(attempt_be, attempt);
  Sha256 h;
  h.add(as_bytes(job_id));
  h.add(nonce);
  h.add(attempt_be);
  h.add(worker.multihash());
  if (slot > 0) {
    uint8_t slot_be[4];
    put_be32(slot_be, slot);
    h.add(slot_be);
  }
  return h.finish();
}

Rank takeover_rank(const JobId& job_id, const PeerId& node) {
  Sha256 h;
  h.add(as_bytes(job_id));
  h.add(node.multihash());
  return h.finish();
}

}  // namespace aipg::grid
