#include "protocol/grid/replay.hpp"

#include <algorithm>

#include "protocol/gossipsub/codec.hpp"
#include "protocol/gossipsub/message_id.hpp"
#include "protocol/gossipsub/signing.hpp"

namespace aipg::grid {

bool is_job_fact(const pb::GridMessage& m) {
  return m.has_announce() || m.has_claim() || m.has_cancel() || m.has_result() || m.has_failed();
}

std::optional<SignedFact> signed_fact(const gossipsub::Message& m) {
  if (!m.from || !m.seqno || !m.data) return std::nullopt;
  auto author = PeerId::from_multihash(*m.from);
  if (!author) return std::nullopt;
  return SignedFact{std::move(*author), gossipsub::default_message_id(m), m.topic, *m.data, {}};
}

void FactLog::record(const SignedFact& f, Instant received) {
  if (!ids_.insert(f.id).second) return;
  if (!entries_.empty()) received = std::max(received, entries_.back().received);
  entries_.push_back({f.id, received, keep_envelopes_ ? f.envelope : Bytes{}});
}

std::vector<pb::Replay> FactLog::replays_since(Instant since, size_t max_bytes,
                                               size_t max_entries) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), since,
                             [](const Entry& e, Instant t) { return e.received < t; });
  std::vector<pb::Replay> out;
  size_t bytes = 0;
  for (; it != entries_.end(); ++it) {
    if (it->envelope.empty()) continue;  // ids only
    if (out.empty() || size_t(out.back().messages_size()) >= max_entries ||
        (bytes + it->envelope.size() > max_bytes && bytes > 0)) {
      out.emplace_back();
      bytes = 0;
    }
    out.back().add_messages(std::string(as_chars(it->envelope)));
    bytes += it->envelope.size();
  }
  return out;
}

void FactLog::prune(Instant now, Duration keep) {
  while (!entries_.empty() && now - entries_.front().received >= keep) {
    ids_.erase(entries_.front().id);
    entries_.pop_front();
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
