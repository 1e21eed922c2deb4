// Replays (docs/protocol.md §8). Gossipsub repairs only the last few heartbeats (IHAVE), so
// after a partition heals, or when a node comes back, the facts one side published while the
// other could not hear them would never reach it. A node therefore re-sends the facts it holds
// as their authors signed them: each Replay entry is the author's own pubsub Message, so a
// receiver believes it exactly as much as the original.
//
// FactLog is what a node keeps for that: the signed envelope of every fact its book took, by
// arrival, for a while. open_replay checks the entries of a received Replay.
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/time.hpp"
#include "protocol/gossipsub/rpc.hpp"
#include "protocol/grid/types.hpp"
#include "protocol/grid/verdict.hpp"

namespace aipg::grid {

// A grid fact as its author published it.
struct SignedFact {
  PeerId author;
  std::string id;  // the pubsub message id, from ‖ seqno: the same wherever it travels
  std::string topic;
  Bytes data;      // the author's GridMessage
  Bytes envelope;  // the pubsub Message protobuf, signature included (when kept)
};

// Announce, claim, result, failure or cancel: what a node keeps and replays. Adverts never are
// (a replayed advert would make a gone peer look live).
bool is_job_fact(const pb::GridMessage& m);
// The job a job fact is about (empty for anything else).
JobId job_of(const pb::GridMessage& m);

// From a message the router delivered (StrictSign: the router checked the signature).
// nullopt for a message without from, seqno or data. The envelope is left empty: encoding it is
// the caller's business, and only for a fact it keeps for replays (most messages are neither).
std::optional<SignedFact> signed_fact(const gossipsub::Message& m);

class FactLog {
 public:
  // A worker only needs the ids (to skip what it knows); an API node replays the envelopes.
  explicit FactLog(bool keep_envelopes) : keep_envelopes_(keep_envelopes) {}

  // A fact the book took at `received` (not decreasing from call to call). Known ids are
  // ignored.
  void record(const SignedFact& f, Instant received);
  bool knows(const std::string& id) const { return seq_of_.contains(id); }
  // The facts received at or after `since`, oldest first, packed into Replay bodies of at most
  // `max_bytes` of entries and `max_entries` entries each (an entry larger goes alone).
  std::vector<pb::Replay> replays_since(Instant since, size_t max_bytes, size_t max_entries) const;
  // The same for the facts with these ids (those still kept), in the order given.
  std::vector<pb::Replay> replays_of(const std::vector<std::string>& ids, size_t max_bytes,
                                     size_t max_entries) const;
  // Forgets facts received at now - keep or earlier.
  void prune(Instant now, Duration keep);
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string id;
    Instant received{};
    Bytes envelope;
  };
  std::deque<Entry> entries_;                         // arrival order, so received order
  uint64_t front_seq_ = 0;                            // the sequence number of entries_.front()
  std::unordered_map<std::string, uint64_t> seq_of_;  // id → its entry's sequence number
  bool keep_envelopes_;
};

// The entries of `replay` that `log` does not know yet, each parsed and its StrictSign
// signature verified. An entry that does not parse or verify is an error naming its index:
// no honest node forwards such a thing, so the whole Replay is the sender's fault.
Result<std::vector<SignedFact>> open_replay(const pb::Replay& replay, const FactLog& log);

// What a role does with a Replay: open it, hand each new fact to `apply` (the role's own
// judgement, as for a live message, with Arrival::kReplayed) and record those it did not reject.
// The Replay itself is accepted (forwarded: others may lack what we had) unless an entry is bad.
Verdict take_replay(const pb::Replay& replay, FactLog& log, Instant now,
                    const std::function<Verdict(const SignedFact&)>& apply);

}  // namespace aipg::grid
