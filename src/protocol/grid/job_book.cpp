#include "protocol/grid/job_book.hpp"

#include <algorithm>
#include <iterator>

#include "protocol/grid/rank.hpp"

namespace aipg::grid {
namespace {

// Facts of unknown jobs are kept this long, for this many jobs at most.
constexpr Duration kEarlyKeep = std::chrono::minutes(2);
constexpr size_t kMaxEarlyJobs = 1024;

FactVerdict verdict(FactOutcome o, Reject r = Reject::kMalformed) { return {o, r}; }

// `t` + `ms`, saturating at kNever (ttl and lease come off the wire).
Instant after(Instant t, uint64_t ms) {
  constexpr uint64_t kMaxMs = uint64_t(100) * 365 * 24 * 3600 * 1000;  // ~100 years
  if (t == kNever || ms >= kMaxMs) return kNever;
  const Duration d = std::chrono::milliseconds(ms);
  if (t > kNever - d) return kNever;
  return t + d;
}

// The fields every attempt of a job shares (all but attempt and excluded), serialised: two
// announces belong to the same job iff these are equal.
std::string fixed_fields(const pb::JobAnnounce& a) {
  pb::JobAnnounce copy = a;
  copy.clear_attempt();
  copy.clear_excluded();
  return copy.SerializeAsString();
}

bool same_peer(const PeerId& p, const std::string& multihash) {
  return as_chars(p.multihash()) == multihash;
}

bool is_excluded(const pb::JobAnnounce& a, const PeerId& p) {
  return std::any_of(a.excluded().begin(), a.excluded().end(),
                     [&](const std::string& e) { return same_peer(p, e); });
}

// Where the author's claims stand among the attempt's claims that count (0 = lowest rank),
// ascending; empty when it has none. Claims of workers the attempt excludes do not count (see
// add_announce).
std::vector<size_t> positions(const std::map<Rank, PeerId>& claims, const PeerId& author,
                              const pb::JobAnnounce& attempt) {
  std::vector<size_t> out;
  size_t pos = 0;
  for (const auto& [rank, who] : claims) {
    if (who == author) out.push_back(pos);
    if (!is_excluded(attempt, who)) ++pos;
  }
  return out;
}

// Two announces of one attempt that differ only in `excluded` (two announcers on either side of
// a partition): the attempt excludes both lists. A union is the same whatever the order, and
// only grows, so a claim excluded once stays excluded. Sorted, so every book holds the same.
bool merge_excluded(pb::JobAnnounce& kept, const pb::JobAnnounce& other) {
  std::set<std::string> all(kept.excluded().begin(), kept.excluded().end());
  const size_t before = all.size();
  all.insert(other.excluded().begin(), other.excluded().end());
  if (all.size() == before) return false;
  kept.clear_excluded();
  for (const std::string& e : all) kept.add_excluded(e);
  return true;
}

template <class Fact>
bool same_slot(const Fact& a, const Fact& b) {
  return a.attempt() == b.attempt() && a.generation() == b.generation();
}

bool same_claim(const pb::Claim& a, const pb::Claim& b) {
  return a.attempt() == b.attempt() && a.slot() == b.slot();
}

bool attempt_in_range(const pb::JobAnnounce& ref, uint32_t attempt) {
  return attempt < std::max<uint32_t>(ref.max_attempts(), 1);
}

// When `pending` already holds this author's fact for the same slot, merges `fact` into it and
// says so. The merge keeps the earliest receipt and, should an author send two different facts
// for one slot, the same one in every book whatever the order (the smaller encoding).
template <class Pendings, class Fact, class Same>
bool merge_pending(Pendings& pending, const PeerId& author, const Fact& fact, Instant received,
                   Same same) {
  auto it = std::find_if(pending.begin(), pending.end(),
                         [&](const auto& p) { return p.author == author && same(p.fact, fact); });
  if (it == pending.end()) return false;
  it->received = std::min(it->received, received);
  if (fact.SerializeAsString() < it->fact.SerializeAsString()) it->fact = fact;
  return true;
}

// Shared by results and failures: where the author's (attempt, generation) stands. nullopt: it
// is stored, and answered kAdded if it is the winner now, kRejected(kNotWinner) if its claim is
// `behind` that generation, else kHeld; otherwise the verdict to give. `held` is where facts of
// authors without a claim wait.
template <class Attempt, class Fact, class Held>
std::optional<FactVerdict> check_slot(const pb::JobAnnounce& ref, const Attempt* at,
                                      const PeerId& author, const Fact& fact, Instant received,
                                      Held& held, size_t held_limit, size_t held_now, bool& winner,
                                      bool& behind) {
  if (!attempt_in_range(ref, fact.attempt()) || fact.generation() >= ref.n()) {
    return verdict(FactOutcome::kRejected, Reject::kBadField);
  }
  if (at && is_excluded(at->announce, author)) {  // never scored: see add_claim
    return verdict(FactOutcome::kIgnored, Reject::kExcluded);
  }
  const std::vector<size_t> pos =
      at ? positions(at->claims, author, at->announce) : std::vector<size_t>();
  if (pos.empty()) {
    // No claim known yet (claims and results travel on different topics): wait for it.
    if (merge_pending(held, author, fact, received, same_slot<Fact>)) {
      return verdict(FactOutcome::kDuplicate);
    }
    if (held_now >= held_limit) return verdict(FactOutcome::kIgnored, Reject::kTooLarge);
    held.push_back({author, fact, received});
    return verdict(FactOutcome::kHeld);
  }
  // More claims only push a position down (to a higher generation), so when every claim of the
  // author is behind the generation none can count — unless two `excluded` lists of the attempt
  // merge and drop claims before them (add_announce). The fact is therefore kept, and rejected.
  behind = pos.front() > fact.generation();
  winner = std::find(pos.begin(), pos.end(), fact.generation()) != pos.end();
  return std::nullopt;
}

}  // namespace

JobBook::JobBook(const PeerDirectory& directory, BookConfig config)
    : directory_(directory), config_(config) {}

// --- announces ---------------------------------------------------------------------------------

FactVerdict JobBook::add_announce(const PeerId& author, const pb::JobAnnounce& a,
                                  Instant received) {
  const uint32_t k = a.attempt();
  if (!attempt_in_range(a, k)) return verdict(FactOutcome::kRejected, Reject::kBadField);
  if (k == 0 && !same_peer(author, a.origin())) {
    return verdict(FactOutcome::kRejected, Reject::kNotOrigin);
  }
  auto jit = jobs_.find(a.job_id());
  if (jit == jobs_.end()) {
    if (jobs_.size() >= config_.max_jobs) return verdict(FactOutcome::kIgnored, Reject::kTooLarge);
    Job& job = jobs_[a.job_id()];
    open_.insert(a.job_id());
    start_attempt(job, a, received);
    // Replay what came before the announce, claims first (the rest would be re-checked anyway).
    if (auto eit = early_.find(a.job_id()); eit != early_.end()) {
      Early early = std::move(eit->second);
      early_.erase(eit);
      for (const auto& p : early.claims) claim_into(job, p.author, p.fact, p.received);
      for (const auto& p : early.results) result_into(job, p.author, p.fact, p.received);
      for (const auto& p : early.failed) failed_into(job, p.author, p.fact, p.received);
      for (const auto& p : early.cancels) cancel_into(job, p.author, p.fact);
    }
    return verdict(FactOutcome::kAdded);
  }

  Job& job = jit->second;
  const pb::JobAnnounce& ref = job.attempts.begin()->second.announce;
  const bool same_job = fixed_fields(ref) == fixed_fields(a);
  if (auto ait = job.attempts.find(k); ait != job.attempts.end()) {
    if (!same_job) return verdict(FactOutcome::kRejected, Reject::kAnnounceMismatch);
    ait->second.received = std::min(ait->second.received, received);
    if (!merge_excluded(ait->second.announce, a)) return verdict(FactOutcome::kDuplicate);
    job.derived.reset();
    return verdict(FactOutcome::kAdded);  // forwarded: others may hold only the other list
  }
  if (!same_job) {
    // Attempt 0 is signed by the origin, so when it disagrees with later attempts that came
    // first, they were the forgeries: they go, with what hung on them.
    if (k != 0) return verdict(FactOutcome::kRejected, Reject::kAnnounceMismatch);
    if (ref.origin() != a.origin()) job.cancel.reset();  // it was checked against a forgery
    job.attempts.clear();
    job.derived.reset();
  }
  start_attempt(job, a, received);
  std::vector<Pending<pb::Claim>> claims;
  std::erase_if(job.held_claims, [&](const Pending<pb::Claim>& p) {
    if (p.fact.attempt() != k) return false;
    claims.push_back(p);
    return true;
  });
  for (const auto& p : claims) claim_into(job, p.author, p.fact, p.received);
  return verdict(FactOutcome::kAdded);
}

void JobBook::start_attempt(Job& job, const pb::JobAnnounce& a, Instant received) {
  Attempt& at = job.attempts[a.attempt()];
  at.announce = a;
  at.received = received;
  job.derived.reset();
}

// --- claims ------------------------------------------------------------------------------------

FactVerdict JobBook::add_claim(const PeerId& author, const pb::Claim& c, Instant received) {
  auto jit = jobs_.find(c.job_id());
  if (jit != jobs_.end()) return claim_into(jit->second, author, c, received);
  if (Early* e = early_for(c.job_id(), received)) {
    if (!merge_pending(e->claims, author, c, received, same_claim)) {
      e->claims.push_back({author, c, received});
    }
  }
  return verdict(FactOutcome::kIgnored, Reject::kUnknownJob);
}

FactVerdict JobBook::claim_into(Job& job, const PeerId& author, const pb::Claim& c,
                                Instant received) {
  const pb::JobAnnounce& ref = job.attempts.begin()->second.announce;
  auto ait = job.attempts.find(c.attempt());
  if (ait == job.attempts.end()) {
    if (!attempt_in_range(ref, c.attempt())) {
      return verdict(FactOutcome::kRejected, Reject::kBadField);
    }
    // Its attempt's announce is still on its way: check the claim when it comes.
    if (!merge_pending(job.held_claims, author, c, received, same_claim) &&
        job.held_claims.size() < config_.max_held_per_job) {
      job.held_claims.push_back({author, c, received});
    }
    return verdict(FactOutcome::kIgnored, Reject::kUnknownJob);
  }
  Attempt& at = ait->second;
  // A claim stands on its own (docs/protocol.md §4): its author's adverts are not asked, so its
  // fate cannot depend on whether it arrived before them.
  // Excluded: it does not count, but it is no breach either. Two announcers on either side of a
  // partition can each publish the attempt with its own `excluded` list; a claim made under the
  // one that let its author in meets, at a node that holds the other (or their union), a list
  // that shuts it out: whether it "broke the rule" would depend on which announce came first.
  if (is_excluded(at.announce, author)) return verdict(FactOutcome::kIgnored, Reject::kExcluded);
  if (c.slot() >= std::max<uint32_t>(ref.n(), 1)) {
    return verdict(FactOutcome::kRejected, Reject::kBadField);
  }
  if (at.claimed.contains({author, c.slot()})) return verdict(FactOutcome::kDuplicate);

  const Rank rank = claim_rank(ref.job_id(), as_bytes(ref.nonce()), c.attempt(), author, c.slot());
  at.claims.emplace(rank, author);
  at.claimed.emplace(std::pair{author, c.slot()}, rank);
  at.claim_received.emplace(rank, received);
  job.derived.reset();
  release_held(job, author, c.attempt());

  // Kept (a late claim can still decide who wins), but not forwarded when its attempt is over.
  const bool superseded = job.attempts.rbegin()->first > c.attempt();
  if (superseded || lapsed(job, derived(job), c.attempt(), received)) {
    return verdict(FactOutcome::kIgnored, Reject::kUnknownJob);
  }
  return verdict(FactOutcome::kAdded);
}

void JobBook::release_held(Job& job, const PeerId& author, uint32_t attempt) {
  std::vector<Pending<pb::JobResult>> results;
  std::erase_if(job.held_results, [&](const Pending<pb::JobResult>& p) {
    if (p.author != author || p.fact.attempt() != attempt) return false;
    results.push_back(p);
    return true;
  });
  std::vector<Pending<pb::JobFailed>> failed;
  std::erase_if(job.held_failed, [&](const Pending<pb::JobFailed>& p) {
    if (p.author != author || p.fact.attempt() != attempt) return false;
    failed.push_back(p);
    return true;
  });
  for (const auto& p : results) result_into(job, p.author, p.fact, p.received);
  for (const auto& p : failed) failed_into(job, p.author, p.fact, p.received);
}

// --- results and failures ----------------------------------------------------------------------

FactVerdict JobBook::add_result(const PeerId& author, const pb::JobResult& r, Instant received) {
  auto jit = jobs_.find(r.job_id());
  if (jit != jobs_.end()) return result_into(jit->second, author, r, received);
  if (Early* e = early_for(r.job_id(), received)) {
    if (!merge_pending(e->results, author, r, received, same_slot<decltype(r)>)) {
      e->results.push_back({author, r, received});
    }
  }
  return verdict(FactOutcome::kIgnored, Reject::kUnknownJob);
}

FactVerdict JobBook::add_failed(const PeerId& author, const pb::JobFailed& f, Instant received) {
  auto jit = jobs_.find(f.job_id());
  if (jit != jobs_.end()) return failed_into(jit->second, author, f, received);
  if (Early* e = early_for(f.job_id(), received)) {
    if (!merge_pending(e->failed, author, f, received, same_slot<decltype(f)>)) {
      e->failed.push_back({author, f, received});
    }
  }
  return verdict(FactOutcome::kIgnored, Reject::kUnknownJob);
}

FactVerdict JobBook::result_into(Job& job, const PeerId& author, const pb::JobResult& r,
                                 Instant received) {
  const pb::JobAnnounce& ref = job.attempts.begin()->second.announce;
  auto ait = job.attempts.find(r.attempt());
  Attempt* at = ait == job.attempts.end() ? nullptr : &ait->second;
  bool winner = false;
  bool behind = false;
  if (auto v = check_slot(ref, at, author, r, received, job.held_results, config_.max_held_per_job,
                          job.held_results.size() + job.held_failed.size(), winner, behind)) {
    return *v;
  }
  auto& slot = at->results[r.generation()];
  auto it = slot.find(author);
  FactOutcome outcome = winner ? FactOutcome::kAdded : FactOutcome::kHeld;
  if (it != slot.end()) {
    // Idempotent by (job, attempt, generation, author). Should an author send two different
    // results for one slot, every book keeps the same one, whatever the order.
    if (r.SerializeAsString() < it->second.SerializeAsString()) it->second = r;
    outcome = FactOutcome::kDuplicate;
  } else {
    slot.emplace(author, r);
    job.derived.reset();
  }
  // Behind its generation: an honest race as a rule (with a short claim window two claimants
  // each start before hearing of the other, and the one behind stops once the better claim
  // reaches it; over a slow link that can be seconds later). Kept, since a merge of `excluded`
  // lists or a later claim of its author can make it count; never scored, since how late it is
  // depends on arrival times (docs/protocol.md §7).
  if (behind) return verdict(FactOutcome::kIgnored, Reject::kNotWinner);
  return verdict(outcome);
}

FactVerdict JobBook::failed_into(Job& job, const PeerId& author, const pb::JobFailed& f,
                                 Instant received) {
  const pb::JobAnnounce& ref = job.attempts.begin()->second.announce;
  auto ait = job.attempts.find(f.attempt());
  Attempt* at = ait == job.attempts.end() ? nullptr : &ait->second;
  bool winner = false;
  bool behind = false;
  if (auto v = check_slot(ref, at, author, f, received, job.held_failed, config_.max_held_per_job,
                          job.held_results.size() + job.held_failed.size(), winner, behind)) {
    return *v;
  }
  const bool added = at->failed[f.generation()].insert(author).second;
  if (behind) return verdict(FactOutcome::kIgnored, Reject::kNotWinner);  // as in result_into
  return verdict(!added   ? FactOutcome::kDuplicate
                 : winner ? FactOutcome::kAdded
                          : FactOutcome::kHeld);
}

// --- cancels -----------------------------------------------------------------------------------

FactVerdict JobBook::add_cancel(const PeerId& author, const pb::JobCancel& c, Instant received) {
  auto jit = jobs_.find(c.job_id());
  if (jit != jobs_.end()) return cancel_into(jit->second, author, c);
  if (Early* e = early_for(c.job_id(), received)) {
    if (!merge_pending(e->cancels, author, c, received, [](auto&, auto&) { return true; })) {
      e->cancels.push_back({author, c, received});
    }
  }
  return verdict(FactOutcome::kIgnored, Reject::kUnknownJob);
}

FactVerdict JobBook::cancel_into(Job& job, const PeerId& author, const pb::JobCancel& c) {
  if (!same_peer(author, job.attempts.begin()->second.announce.origin())) {
    return verdict(FactOutcome::kRejected, Reject::kNotOrigin);
  }
  if (job.cancel) {
    if (c.SerializeAsString() < job.cancel->SerializeAsString()) job.cancel = c;  // order-free
    return verdict(FactOutcome::kDuplicate);
  }
  job.cancel = c;
  return verdict(FactOutcome::kAdded);
}

JobBook::Early* JobBook::early_for(const JobId& id, Instant received) {
  auto it = early_.find(id);
  if (it == early_.end()) {
    if (early_.size() >= kMaxEarlyJobs) return nullptr;
    it = early_.try_emplace(id).first;
    it->second.first = received;
  }
  if (it->second.size() >= config_.max_held_per_job) return nullptr;
  return &it->second;
}

// --- derived state -----------------------------------------------------------------------------

JobBook::Derived JobBook::derive(const Job& job) const {
  const uint32_t n = job.attempts.begin()->second.announce.n();
  Derived d;
  d.result_attempt.resize(n);
  for (const auto& [k, at] : job.attempts) {
    auto& winners = d.winners[k];
    size_t& counted = d.claims[k];
    for (const auto& [rank, author] : at.claims) {
      if (is_excluded(at.announce, author)) continue;  // taken before the lists merged
      ++counted;
      if (winners.size() < n) winners.push_back(author);
    }
    // Attempts ascend, so the first attempt whose winner delivered is the one that counts.
    for (uint32_t g = 0; g < winners.size(); ++g) {
      if (d.result_attempt[g]) continue;
      auto rit = at.results.find(g);
      if (rit != at.results.end() && rit->second.contains(winners[g])) d.result_attempt[g] = k;
    }
  }
  d.done = std::all_of(d.result_attempt.begin(), d.result_attempt.end(),
                       [](const auto& a) { return a.has_value(); });
  return d;
}

const JobBook::Derived& JobBook::derived(const Job& job) const {
  if (!job.derived) job.derived = derive(job);
  return *job.derived;
}

bool JobBook::lapsed(const Job& job, const Derived& d, uint32_t attempt, Instant now) const {
  const Attempt& at = job.attempts.at(attempt);
  const pb::JobAnnounce& ref = job.attempts.begin()->second.announce;
  const Instant lease_end = after(after(at.received, ref.claim_window_ms()), ref.lease_ms());
  const std::vector<PeerId>& winners = d.winners.at(attempt);
  for (uint32_t g = 0; g < d.result_attempt.size(); ++g) {
    if (d.result_attempt[g]) continue;
    if (now >= lease_end) return true;
    if (g >= winners.size()) continue;
    if (winner_gone(at, winners[g], now)) return true;
    auto fit = at.failed.find(g);
    if (fit != at.failed.end() && fit->second.contains(winners[g])) return true;
  }
  return false;
}

// A winner is gone when its adverts say so. One we have no advert of yet (its first may still be
// on its way, or went out before it had peers) is given as long as a live one would have after
// the advert it did not send: it is gone kMissedAdverts default intervals after its claim.
bool JobBook::winner_gone(const Attempt& at, const PeerId& winner, Instant now) const {
  if (directory_.worker_advert(winner) != nullptr) return !directory_.worker_live(winner, now);
  std::optional<Instant> claimed;
  for (auto it = at.claimed.lower_bound({winner, 0});
       it != at.claimed.end() && it->first.first == winner; ++it) {
    const Instant t = at.claim_received.at(it->second);
    claimed = claimed ? std::min(*claimed, t) : t;
  }
  if (!claimed) return true;
  return now - *claimed >= kMissedAdverts * kDefaultAdvertInterval;
}

std::pair<JobState, std::string> JobBook::state_of(const Job& job, const Derived& d,
                                                   Instant now) const {
  if (d.done) return {JobState::kDone, {}};
  if (job.cancel) return {JobState::kCancelled, job.cancel->reason()};
  const pb::JobAnnounce& ref = job.attempts.begin()->second.announce;
  Instant first = kNever;
  for (const auto& [k, at] : job.attempts) first = std::min(first, at.received);
  if (now >= after(first, ref.ttl_ms())) return {JobState::kFaulted, "ttl expired"};
  const auto& [last, at] = *job.attempts.rbegin();
  if (uint64_t(last) + 1 >= ref.max_attempts() && lapsed(job, d, last, now)) {
    return {JobState::kFaulted, "attempts exhausted"};
  }
  if (at.claims.empty()) return {JobState::kQueued, {}};
  if (now >= after(at.received, ref.claim_window_ms())) return {JobState::kProcessing, {}};
  return {JobState::kClaimed, {}};
}

const pb::JobAnnounce* JobBook::announce(const JobId& id, uint32_t attempt) const {
  auto jit = jobs_.find(id);
  if (jit == jobs_.end()) return nullptr;
  auto ait = jit->second.attempts.find(attempt);
  return ait == jit->second.attempts.end() ? nullptr : &ait->second.announce;
}

std::optional<JobView> JobBook::view(const JobId& id, Instant now) const {
  auto jit = jobs_.find(id);
  if (jit == jobs_.end()) return std::nullopt;
  const Job& job = jit->second;
  const Derived& d = derived(job);
  JobView v;
  v.id = id;
  std::tie(v.state, v.reason) = state_of(job, d, now);
  v.announce = &job.attempts.begin()->second.announce;
  const auto& [last, at] = *job.attempts.rbegin();
  v.attempt = last;
  v.attempt_received = at.received;
  v.claims = d.claims.at(last);
  const std::vector<PeerId>& winners = d.winners.at(last);
  v.generations.resize(d.result_attempt.size());
  for (uint32_t g = 0; g < v.generations.size(); ++g) {
    GenerationView& gv = v.generations[g];
    if (g < winners.size()) gv.winner = winners[g];
    if (!d.result_attempt[g]) continue;
    const uint32_t k = *d.result_attempt[g];
    const PeerId& author = d.winners.at(k)[g];
    gv.result_attempt = k;
    gv.result = &job.attempts.at(k).results.at(g).at(author);
    gv.result_author = author;
  }
  return v;
}

std::optional<JobStatus> JobBook::status(const JobId& id, Instant now) const {
  auto jit = jobs_.find(id);
  if (jit == jobs_.end()) return std::nullopt;
  const Job& job = jit->second;
  JobStatus s;
  s.state = state_of(job, derived(job), now).first;
  s.attempt = job.attempts.rbegin()->first;
  s.claims = derived(job).claims.at(s.attempt);
  return s;
}

void JobBook::for_each_status(
    Instant now,
    const std::function<void(const JobId&, const JobStatus&, const pb::JobAnnounce&)>& fn) const {
  for (const auto& [id, job] : jobs_) {
    const Derived& d = derived(job);
    JobStatus s;
    s.state = state_of(job, d, now).first;
    s.attempt = job.attempts.rbegin()->first;
    s.claims = d.claims.at(s.attempt);
    fn(id, s, job.attempts.begin()->second.announce);
  }
}

bool JobBook::has_claim(const JobId& id, uint32_t attempt, const PeerId& peer) const {
  return claims_by(id, attempt, peer) > 0;
}

size_t JobBook::claims_by(const JobId& id, uint32_t attempt, const PeerId& peer) const {
  auto jit = jobs_.find(id);
  if (jit == jobs_.end()) return 0;
  auto ait = jit->second.attempts.find(attempt);
  if (ait == jit->second.attempts.end()) return 0;
  const auto& claimed = ait->second.claimed;
  size_t n = 0;
  for (auto it = claimed.lower_bound({peer, 0}); it != claimed.end() && it->first.first == peer;
       ++it) {
    ++n;
  }
  return n;
}

std::vector<pb::JobResult> JobBook::results_by(const JobId& id, const PeerId& author) const {
  std::vector<pb::JobResult> out;
  auto jit = jobs_.find(id);
  if (jit == jobs_.end()) return out;
  for (const auto& [k, at] : jit->second.attempts) {
    for (const auto& [g, by_author] : at.results) {
      if (auto it = by_author.find(author); it != by_author.end()) out.push_back(it->second);
    }
  }
  return out;
}

std::vector<PeerId> JobBook::winners(const JobId& id, uint32_t attempt) const {
  auto jit = jobs_.find(id);
  if (jit == jobs_.end()) return {};
  const Job& job = jit->second;
  if (!job.attempts.contains(attempt)) return {};
  return derived(job).winners.at(attempt);
}

std::vector<JobId> JobBook::jobs() const {
  std::vector<JobId> out;
  out.reserve(jobs_.size());
  for (const auto& [id, job] : jobs_) out.push_back(id);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<pb::JobAnnounce> JobBook::due_reannounces(const PeerId& self, Instant now) const {
  std::vector<pb::JobAnnounce> out;
  for (const JobId& id : open_) {
    const Job& job = jobs_.at(id);
    const Derived& d = derived(job);
    const auto [state, reason] = state_of(job, d, now);
    if (is_finished(state)) {
      continue;
    }
    // Not a structured binding: clang 14 cannot capture one in the lambdas below.
    const uint32_t last = job.attempts.rbegin()->first;
    const Attempt& at = job.attempts.rbegin()->second;
    const pb::JobAnnounce& ref = job.attempts.begin()->second.announce;
    std::optional<std::vector<PeerId>> live_workers;  // of the model, asked only when needed
    auto live = [&]() -> const std::vector<PeerId>& {
      if (!live_workers) live_workers = directory_.workers_for(ref.model(), now);
      return *live_workers;
    };
    auto shut_out = [&] {
      // Unclaimed while every live worker of the model is excluded (they crashed or failed on
      // it and came back): no claim can ever come, so a next attempt lets them try again.
      auto c = d.claims.find(last);
      if ((c != d.claims.end() && c->second > 0) || at.announce.excluded().empty() ||
          now < after(at.received, ref.claim_window_ms()) ||
          uint64_t(last) + 1 >= ref.max_attempts() || live().empty()) {
        return false;
      }
      return std::all_of(live().begin(), live().end(),
                         [&](const PeerId& p) { return is_excluded(at.announce, p); });
    };
    if (!lapsed(job, d, last, now) && !shut_out()) continue;  // (out of attempts: faulted)
    auto origin = PeerId::from_multihash(as_bytes(at.announce.origin()));
    if (!origin.has_value()) continue;
    const std::optional<PeerId> announcer = directory_.announcer(id, origin.value(), now);
    if (!announcer || *announcer != self) continue;

    // Every winner of attempts 0…last that did not deliver its generation.
    std::set<PeerId> excluded;
    for (const auto& [k, a] : job.attempts) {
      const std::vector<PeerId>& winners = d.winners.at(k);
      for (uint32_t g = 0; g < winners.size(); ++g) {
        auto rit = a.results.find(g);
        if (rit == a.results.end() || !rit->second.contains(winners[g])) {
          excluded.insert(winners[g]);
        }
      }
    }
    // Never every live worker of the model: a job nobody may take waits for its ttl (the
    // explorer's seeds 12, 455, 577: the only worker crashed during its run and came back).
    if (!live().empty() && std::all_of(live().begin(), live().end(),
                                       [&](const PeerId& p) { return excluded.contains(p); })) {
      for (const PeerId& p : live()) excluded.erase(p);
    }
    pb::JobAnnounce next = at.announce;
    next.set_attempt(last + 1);
    next.clear_excluded();
    for (const PeerId& p : excluded) next.add_excluded(std::string(as_chars(p.multihash())));
    out.push_back(std::move(next));
  }
  return out;
}

void JobBook::prune(Instant now) {
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    Job& job = it->second;
    const JobState state = state_of(job, derived(job), now).first;
    const bool finished = is_finished(state);
    if (finished) open_.erase(it->first);
    if (!finished) {
      // Reopened (a merge of `excluded` lists can take a result's claim away): scanned again.
      open_.insert(it->first);
      job.finished_at.reset();
    } else if (!job.finished_at) {
      job.finished_at = now;
    }
    if (finished && now - *job.finished_at >= config_.keep_finished) {
      it = jobs_.erase(it);
    } else {
      ++it;
    }
  }
  std::erase_if(early_, [&](const auto& kv) { return now - kv.second.first >= kEarlyKeep; });
}

}  // namespace aipg::grid
