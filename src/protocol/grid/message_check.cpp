#include "protocol/grid/message_check.hpp"

#include <optional>

#include "wire/multiaddr.hpp"

namespace aipg::grid {

namespace {

// What is wrong with a message; nullopt when nothing is.
struct Problem {
  Reject reason;
  std::string detail;
};
using Verdict = std::optional<Problem>;

Problem missing(const std::string& field) { return {Reject::kMissingField, field + " is missing"}; }

Verdict check_size(const std::string& field, size_t size, size_t limit) {
  if (size <= limit) return std::nullopt;
  return Problem{Reject::kTooLarge,
                 field + " is " + std::to_string(size) + " bytes, limit " + std::to_string(limit)};
}

Verdict check_count(const std::string& field, size_t count, size_t limit) {
  if (count <= limit) return std::nullopt;
  return Problem{Reject::kTooLarge, field + " has " + std::to_string(count) + " entries, limit " +
                                        std::to_string(limit)};
}

// Inclusive range; proto3 reads an absent number as 0, so a lower bound of 1 makes it required.
Verdict check_range(const std::string& field, uint64_t value, uint64_t lo, uint64_t hi) {
  if (value >= lo && value <= hi) return std::nullopt;
  return Problem{Reject::kBadField, field + " is " + std::to_string(value) + ", must be " +
                                        std::to_string(lo) + ".." + std::to_string(hi)};
}

Verdict check_exact(const std::string& field, const std::string& value, size_t size) {
  if (value.empty()) return missing(field);
  if (value.size() == size) return std::nullopt;
  return Problem{Reject::kBadField, field + " is " + std::to_string(value.size()) +
                                        " bytes, must be " + std::to_string(size)};
}

Verdict check_name(const std::string& field, const std::string& value, size_t limit) {
  if (value.empty()) return missing(field);
  return check_size(field, value.size(), limit);
}

Verdict check_peer(const std::string& field, const std::string& value) {
  if (value.empty()) return missing(field);
  auto id = PeerId::from_multihash(as_bytes(value));
  if (id) return std::nullopt;
  return Problem{Reject::kBadField, field + " is not a peer id: " + id.error().to_string()};
}

// Chains checks: the first problem found is the one reported.
#define AIPG_GRID_CHECK(expr)        \
  do {                               \
    if (auto p_ = (expr)) return p_; \
  } while (0)

// Binary multiaddrs (where a node takes output streams): at most max_addrs, each one valid.
Verdict check_addrs(const std::string& name,
                    const google::protobuf::RepeatedPtrField<std::string>& addrs,
                    const CheckLimits& l) {
  AIPG_GRID_CHECK(check_count(name, addrs.size(), l.max_addrs));
  for (int i = 0; i < addrs.size(); ++i) {
    const std::string field = name + "[" + std::to_string(i) + "]";
    AIPG_GRID_CHECK(check_name(field, addrs[i], l.max_name_bytes));
    if (auto m = wire::Multiaddr::from_bytes(as_bytes(addrs[i])); !m) {
      return Problem{Reject::kBadField, field + " is not a multiaddr: " + m.error().message};
    }
  }
  return std::nullopt;
}

Verdict check_announce(const pb::JobAnnounce& a, const CheckLimits& l) {
  AIPG_GRID_CHECK(check_exact("announce.job_id", a.job_id(), kJobIdSize));
  AIPG_GRID_CHECK(check_exact("announce.nonce", a.nonce(), kNonceSize));
  AIPG_GRID_CHECK(check_peer("announce.origin", a.origin()));
  AIPG_GRID_CHECK(check_addrs("announce.origin_addrs", a.origin_addrs(), l));
  AIPG_GRID_CHECK(check_name("announce.model", a.model(), l.max_name_bytes));
  if (a.kind() == pb::JOB_KIND_IMAGE) {
    return Problem{Reject::kBadField, "announce.kind: image jobs not supported yet"};
  }
  if (a.kind() != pb::JOB_KIND_TEXT) {
    return Problem{Reject::kBadField,
                   "announce.kind is " + std::to_string(a.kind()) + ", not a known job kind"};
  }
  AIPG_GRID_CHECK(check_size("announce.prompt", a.prompt().size(), l.max_prompt_bytes));
  AIPG_GRID_CHECK(
      check_range("announce.params.max_length", a.params().max_length(), 1, l.max_length));
  AIPG_GRID_CHECK(check_range("announce.params.max_context_length", a.params().max_context_length(),
                              0, l.max_context_length));
  AIPG_GRID_CHECK(check_range("announce.n", a.n(), 1, l.max_n));
  AIPG_GRID_CHECK(check_range("announce.ttl_ms", a.ttl_ms(), 1, l.max_ttl_ms));
  AIPG_GRID_CHECK(
      check_range("announce.claim_window_ms", a.claim_window_ms(), 0, l.max_claim_window_ms));
  AIPG_GRID_CHECK(check_range("announce.lease_ms", a.lease_ms(), 1, l.max_lease_ms));
  AIPG_GRID_CHECK(check_range("announce.max_attempts", a.max_attempts(), 1, l.max_attempts));
  // max_attempts >= 1 here, so the bound does not wrap.
  AIPG_GRID_CHECK(check_range("announce.attempt", a.attempt(), 0, a.max_attempts() - 1));
  AIPG_GRID_CHECK(check_count("announce.excluded", a.excluded_size(), l.max_excluded));
  for (int i = 0; i < a.excluded_size(); ++i) {
    AIPG_GRID_CHECK(check_peer("announce.excluded[" + std::to_string(i) + "]", a.excluded(i)));
  }
  AIPG_GRID_CHECK(check_count("announce.messages", a.messages_size(), l.max_messages));
  size_t content = 0;
  for (int i = 0; i < a.messages_size(); ++i) {
    AIPG_GRID_CHECK(
        check_name("announce.messages[" + std::to_string(i) + "].role", a.messages(i).role(), 64));
    content += a.messages(i).content().size();
  }
  AIPG_GRID_CHECK(check_size("announce.messages contents", content, l.max_prompt_bytes));
  return std::nullopt;
}

// A claim, result or failure names an attempt; none can exceed the protocol's attempts.
Verdict check_attempt(const std::string& field, uint32_t attempt, const CheckLimits& l) {
  return check_range(field, attempt, 0, l.max_attempts - 1);
}

Verdict check_claim(const pb::Claim& c, const CheckLimits& l) {
  AIPG_GRID_CHECK(check_exact("claim.job_id", c.job_id(), kJobIdSize));
  AIPG_GRID_CHECK(check_attempt("claim.attempt", c.attempt(), l));
  AIPG_GRID_CHECK(check_range("claim.slot", c.slot(), 0, l.max_n - 1));
  return std::nullopt;
}

Verdict check_cancel(const pb::JobCancel& c, const CheckLimits& l) {
  AIPG_GRID_CHECK(check_exact("cancel.job_id", c.job_id(), kJobIdSize));
  AIPG_GRID_CHECK(check_size("cancel.reason", c.reason().size(), l.max_name_bytes));
  return std::nullopt;
}

Verdict check_result(const pb::JobResult& r, const CheckLimits& l) {
  AIPG_GRID_CHECK(check_exact("result.job_id", r.job_id(), kJobIdSize));
  AIPG_GRID_CHECK(check_attempt("result.attempt", r.attempt(), l));
  AIPG_GRID_CHECK(check_range("result.generation", r.generation(), 0, l.max_n - 1));
  AIPG_GRID_CHECK(check_size("result.text", r.text().size(), l.max_text_bytes));
  AIPG_GRID_CHECK(check_size("result.model", r.model().size(), l.max_name_bytes));
  AIPG_GRID_CHECK(check_size("result.finish_reason", r.finish_reason().size(), l.max_name_bytes));
  if (!r.content_hash().empty()) {
    AIPG_GRID_CHECK(check_exact("result.content_hash", r.content_hash(), 32));
  }
  return std::nullopt;
}

Verdict check_failed(const pb::JobFailed& f, const CheckLimits& l) {
  AIPG_GRID_CHECK(check_exact("failed.job_id", f.job_id(), kJobIdSize));
  AIPG_GRID_CHECK(check_attempt("failed.attempt", f.attempt(), l));
  AIPG_GRID_CHECK(check_range("failed.generation", f.generation(), 0, l.max_n - 1));
  AIPG_GRID_CHECK(check_size("failed.reason", f.reason().size(), l.max_name_bytes));
  return std::nullopt;
}

Verdict check_worker_advert(const pb::WorkerAdvert& w, const CheckLimits& l) {
  AIPG_GRID_CHECK(check_count("worker_advert.models", w.models_size(), l.max_models));
  for (int i = 0; i < w.models_size(); ++i) {
    AIPG_GRID_CHECK(check_name("worker_advert.models[" + std::to_string(i) + "].name",
                               w.models(i).name(), l.max_name_bytes));
  }
  if (w.slots_free() > w.slots_total()) {
    return Problem{Reject::kBadField, "worker_advert.slots_free is " +
                                          std::to_string(w.slots_free()) + ", limit slots_total " +
                                          std::to_string(w.slots_total())};
  }
  AIPG_GRID_CHECK(
      check_size("worker_advert.backend_kind", w.backend_kind().size(), l.max_name_bytes));
  AIPG_GRID_CHECK(check_size("worker_advert.version", w.version().size(), l.max_name_bytes));
  AIPG_GRID_CHECK(check_size("worker_advert.name", w.name().size(), l.max_name_bytes));
  return std::nullopt;
}

Verdict check_node_advert(const pb::NodeAdvert& n, const CheckLimits& l) {
  AIPG_GRID_CHECK(check_size("node_advert.http_url", n.http_url().size(), l.max_name_bytes));
  AIPG_GRID_CHECK(check_size("node_advert.version", n.version().size(), l.max_name_bytes));
  AIPG_GRID_CHECK(check_count("node_advert.models", n.models_size(), l.max_node_models));
  AIPG_GRID_CHECK(check_count("node_advert.stale", n.stale_size(), l.max_node_stale));
  for (int i = 0; i < n.stale_size(); ++i) {
    AIPG_GRID_CHECK(
        check_exact("node_advert.stale[" + std::to_string(i) + "]", n.stale(i), kJobIdSize));
  }
  AIPG_GRID_CHECK(check_count("node_advert.recent", n.recent_size(), l.max_node_recent));
  for (int i = 0; i < n.recent_size(); ++i) {
    AIPG_GRID_CHECK(check_exact("node_advert.recent[" + std::to_string(i) + "].job_id",
                                n.recent(i).job_id(), kJobIdSize));
  }
  for (int i = 0; i < n.models_size(); ++i) {
    AIPG_GRID_CHECK(
        check_name("node_advert.models[" + std::to_string(i) + "]", n.models(i), l.max_name_bytes));
  }
  AIPG_GRID_CHECK(check_addrs("node_advert.addrs", n.addrs(), l));
  return std::nullopt;
}

Verdict check_replay(const pb::Replay& r, const CheckLimits& l) {
  if (r.messages_size() == 0) return missing("replay.messages");
  AIPG_GRID_CHECK(check_count("replay.messages", size_t(r.messages_size()), l.max_replay_entries));
  for (int i = 0; i < r.messages_size(); ++i) {
    if (r.messages(i).empty()) return missing("replay.messages[" + std::to_string(i) + "]");
  }
  return std::nullopt;
}

#undef AIPG_GRID_CHECK

Verdict check_body(const pb::GridMessage& m, const CheckLimits& l) {
  switch (m.body_case()) {
    case pb::GridMessage::kAnnounce:
      return check_announce(m.announce(), l);
    case pb::GridMessage::kClaim:
      return check_claim(m.claim(), l);
    case pb::GridMessage::kCancel:
      return check_cancel(m.cancel(), l);
    case pb::GridMessage::kResult:
      return check_result(m.result(), l);
    case pb::GridMessage::kFailed:
      return check_failed(m.failed(), l);
    case pb::GridMessage::kWorkerAdvert:
      return check_worker_advert(m.worker_advert(), l);
    case pb::GridMessage::kNodeAdvert:
      return check_node_advert(m.node_advert(), l);
    case pb::GridMessage::kReplay:
      return check_replay(m.replay(), l);
    case pb::GridMessage::BODY_NOT_SET:
      break;
  }
  return std::nullopt;  // unreachable: check_message ignores unknown bodies first
}

Checked reject(Checked c, Reject reason, std::string detail) {
  c.outcome = CheckOutcome::kReject;
  c.reason = reason;
  c.detail = std::move(detail);
  return c;
}

}  // namespace

Result<void> CheckLimits::validate() const {
  // The checks subtract 1 from these, and a zero would refuse every message anyway.
  if (max_message_size == 0) return make_error(Errc::invalid_argument, "max_message_size is 0");
  if (max_n == 0) return make_error(Errc::invalid_argument, "max_n is 0");
  if (max_attempts == 0) return make_error(Errc::invalid_argument, "max_attempts is 0");
  if (max_length == 0) return make_error(Errc::invalid_argument, "max_length is 0");
  if (max_ttl_ms == 0) return make_error(Errc::invalid_argument, "max_ttl_ms is 0");
  if (max_lease_ms == 0) return make_error(Errc::invalid_argument, "max_lease_ms is 0");
  if (max_name_bytes == 0) return make_error(Errc::invalid_argument, "max_name_bytes is 0");
  if (max_skew <= Duration::zero()) {
    return make_error(Errc::invalid_argument, "max_skew must be positive");
  }
  // Field limits beyond the whole message's could never be reached: a sign of a typo.
  for (auto [name, value] : {std::pair{"max_prompt_bytes", max_prompt_bytes},
                             std::pair{"max_text_bytes", max_text_bytes}}) {
    if (value > max_message_size) {
      return make_error(Errc::invalid_argument, std::string(name) + " is " + std::to_string(value) +
                                                    ", above max_message_size " +
                                                    std::to_string(max_message_size));
    }
  }
  return ok();
}

Checked check_message(BytesView data, WallTime now, const CheckLimits& limits, Arrival arrival) {
  Checked c;
  // Before parsing: a peer must not make us allocate for a message we would refuse anyway.
  if (data.size() > limits.max_message_size) {
    return reject(std::move(c), Reject::kTooLarge,
                  "message is " + std::to_string(data.size()) + " bytes, limit " +
                      std::to_string(limits.max_message_size));
  }
  if (!c.message.ParseFromArray(data.data(), static_cast<int>(data.size()))) {
    return reject(std::move(c), Reject::kMalformed, "not a GridMessage");
  }
  const pb::GridMessage& m = c.message;
  // A newer version may change anything, even what we would call a missing field: not ours to
  // judge (docs/protocol.md §1).
  if (m.version() > kProtocolVersion) {
    c.outcome = CheckOutcome::kIgnore;
    c.detail = "version is " + std::to_string(m.version()) + ", we speak " +
               std::to_string(kProtocolVersion);
    return c;
  }
  // proto3 reads an absent version as 0: a sender that forgot it.
  if (m.version() == 0) return reject(std::move(c), Reject::kMissingField, "version is missing");
  if (m.sent_ms() == 0) return reject(std::move(c), Reject::kMissingField, "sent_ms is missing");
  const uint64_t now_ms = to_unix_ms(now);
  const uint64_t skew_ms = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(limits.max_skew).count());
  // Unsigned on purpose: sent_ms is any 64-bit value a peer chose.
  const bool ahead = m.sent_ms() > now_ms;
  const uint64_t off = ahead ? m.sent_ms() - now_ms : now_ms - m.sent_ms();
  if (off > skew_ms && (ahead || arrival == Arrival::kLive)) {
    return reject(std::move(c), Reject::kSkew,
                  "sent_ms is " + std::to_string(off) + " ms " + (ahead ? "ahead of" : "behind") +
                      " our clock, limit " + std::to_string(skew_ms) + " ms");
  }
  // An unknown body (a field number we do not know) parses as no body: room to grow.
  if (m.body_case() == pb::GridMessage::BODY_NOT_SET) {
    c.outcome = CheckOutcome::kIgnore;
    c.detail = "no body we know";
    return c;
  }
  if (auto p = check_body(m, limits)) return reject(std::move(c), p->reason, p->detail);
  if (m.has_announce()) {
    const pb::JobAnnounce& a = m.announce();
    // ttl_ms is bounded by max_ttl_ms: no overflow.
    if (a.created_ms() < now_ms && now_ms - a.created_ms() > a.ttl_ms() + skew_ms) {
      c.outcome = CheckOutcome::kIgnore;
      c.reason = Reject::kExpired;
      c.detail =
          "announce expired " + std::to_string(now_ms - a.created_ms() - a.ttl_ms()) + " ms ago";
      return c;
    }
  }
  c.outcome = CheckOutcome::kOk;
  c.detail.clear();
  return c;
}

uint64_t to_unix_ms(WallTime t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  return ms < 0 ? 0 : static_cast<uint64_t>(ms);
}

Bytes encode_message(pb::GridMessage message, WallTime now) {
  message.set_version(kProtocolVersion);
  message.set_sent_ms(to_unix_ms(now));
  Bytes out(message.ByteSizeLong());
  message.SerializeToArray(out.data(), static_cast<int>(out.size()));
  return out;
}

}  // namespace aipg::grid
