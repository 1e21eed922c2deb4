#include "protocol/grid/replay.hpp"

#include <algorithm>

#include "protocol/gossipsub/codec.hpp"
#include "protocol/gossipsub/message_id.hpp"
#include "protocol/gossipsub/signing.hpp"

namespace aipg::grid {

bool is_job_fact(const pb::GridMessage& m) {
  return m.has_announce() || m.has_claim() || m.has_cancel() || m.has_result() || m.has_failed();
}

JobId job_of(const pb::GridMessage& m) {
  switch (m.body_case()) {
    case pb::GridMessage::kAnnounce:
      return m.announce().job_id();
    case pb::GridMessage::kClaim:
      return m.claim().job_id();
    case pb::GridMessage::kCancel:
      return m.cancel().job_id();
    case pb::GridMessage::kResult:
      return m.result().job_id();
    case pb::GridMessage::kFailed:
      return m.failed().job_id();
    default:
      return {};
  }
}

std::optional<SignedFact> signed_fact(const gossipsub::Message& m) {
  if (!m.from || !m.seqno || !m.data) return std::nullopt;
  auto author = PeerId::from_multihash(*m.from);
  if (!author) return std::nullopt;
  return SignedFact{std::move(*author), gossipsub::default_message_id(m), m.topic, *m.data, {}};
}

namespace {

// Packs envelopes into Replay bodies of at most `max_bytes` of entries and `max_entries` each.
class ReplayPacker {
 public:
  ReplayPacker(size_t max_bytes, size_t max_entries)
      : max_bytes_(max_bytes), max_entries_(max_entries) {}
  void add(const Bytes& envelope) {
    if (envelope.empty()) return;  // ids only
    if (out_.empty() || size_t(out_.back().messages_size()) >= max_entries_ ||
        (bytes_ + envelope.size() > max_bytes_ && bytes_ > 0)) {
      out_.emplace_back();
      bytes_ = 0;
    }
    out_.back().add_messages(std::string(as_chars(envelope)));
    bytes_ += envelope.size();
  }
  std::vector<pb::Replay> take() { return std::move(out_); }

 private:
  size_t max_bytes_, max_entries_;
  size_t bytes_ = 0;
  std::vector<pb::Replay> out_;
};

}  // namespace

void FactLog::record(const SignedFact& f, Instant received) {
  if (!seq_of_.try_emplace(f.id, front_seq_ + entries_.size()).second) return;
  if (!entries_.empty()) received = std::max(received, entries_.back().received);
  entries_.push_back({f.id, received, keep_envelopes_ ? f.envelope : Bytes{}});
}

std::vector<pb::Replay> FactLog::replays_since(Instant since, size_t max_bytes,
                                               size_t max_entries) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), since,
                             [](const Entry& e, Instant t) { return e.received < t; });
  ReplayPacker pack(max_bytes, max_entries);
  for (; it != entries_.end(); ++it) pack.add(it->envelope);
  return pack.take();
}

std::vector<pb::Replay> FactLog::replays_of(const std::vector<std::string>& ids, size_t max_bytes,
                                            size_t max_entries) const {
  ReplayPacker pack(max_bytes, max_entries);
  for (const std::string& id : ids) {
    auto it = seq_of_.find(id);
    if (it != seq_of_.end()) pack.add(entries_[it->second - front_seq_].envelope);
  }
  return pack.take();
}

void FactLog::prune(Instant now, Duration keep) {
  while (!entries_.empty() && now - entries_.front().received >= keep) {
    seq_of_.erase(entries_.front().id);
    entries_.pop_front();
    ++front_seq_;
  }
}

Result<std::vector<SignedFact>> open_replay(const pb::Replay& replay, const FactLog& log) {
  std::vector<SignedFact> out;
  for (int i = 0; i < replay.messages_size(); ++i) {
    const std::string& entry = replay.messages(i);
    const std::string where = "replay.messages[" + std::to_string(i) + "]";
    auto m = gossipsub::decode_message(as_bytes(entry), {});
    if (!m) return make_error(Errc::malformed, where + ": " + m.error().to_string());
    // Known facts are skipped before the costly signature check: the side of a partition that
    // already has them pays almost nothing for the other side's catch-up.
    if ((*m)->from && (*m)->seqno && log.knows(gossipsub::default_message_id(**m))) continue;
    if (auto bad = gossipsub::verify_strict_sign(**m)) {
      return make_error(Errc::malformed, where + ": " + gossipsub::to_string(*bad));
    }
    auto fact = signed_fact(**m);
    if (!fact) return make_error(Errc::malformed, where + ": no data");
    fact->envelope.assign(entry.begin(), entry.end());  // as received: no need to encode again
    out.push_back(std::move(*fact));
  }
  return out;
}

Verdict take_replay(const pb::Replay& replay, FactLog& log, Instant now,
                    const std::function<Verdict(const SignedFact&)>& apply) {
  auto facts = open_replay(replay, log);
  if (!facts) return {Validation::kReject, Reject::kBadReplay, facts.error().to_string()};
  for (const SignedFact& f : *facts) {
    if (apply(f).validation != Validation::kReject) log.record(f, now);
  }
  return {Validation::kAccept, std::nullopt, {}};
}

}  // namespace aipg::grid
