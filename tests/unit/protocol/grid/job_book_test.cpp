#include "protocol/grid/job_book.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <random>

#include "protocol/grid/rank.hpp"
#include "wire/keys.hpp"

namespace aipg::grid {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const Instant kT0 = Instant{} + std::chrono::hours(1);
constexpr char kModel[] = "org/model";

PeerId peer(uint8_t n) {
  const Bytes seed(32, n);
  return PeerId::from_public_key(wire::KeyPair::from_seed(seed).value().public_key());
}

std::string mh(const PeerId& p) { return std::string(as_chars(p.multihash())); }

const PeerId kOrigin = peer(1);
const PeerId kNodeA = peer(2);
const PeerId kNodeB = peer(3);
// Workers 10…15 serve kModel; 16 serves another model; 17 is unhealthy; 18 never advertised.
const std::vector<PeerId> kWorkers = {peer(10), peer(11), peer(12), peer(13), peer(14), peer(15)};
const PeerId kOtherModel = peer(16);
const PeerId kUnhealthy = peer(17);
const PeerId kUnknown = peer(18);

JobId job_id(uint8_t n) { return JobId(kJobIdSize, char(n)); }

struct Timing {
  uint32_t n = 1;
  uint64_t ttl_ms = 600'000;
  uint32_t claim_window_ms = 1'000;
  uint64_t lease_ms = 10'000;
  uint32_t max_attempts = 3;
};

pb::JobAnnounce announce(const JobId& id, const Timing& t = {}, uint32_t attempt = 0,
                         std::vector<PeerId> excluded = {}) {
  pb::JobAnnounce a;
  a.set_job_id(id);
  a.set_nonce(std::string(kNonceSize - 1, 'n') + id.substr(0, 1));
  a.set_origin(mh(kOrigin));
  a.set_model(kModel);
  a.set_prompt("Once upon a time");
  a.mutable_params()->set_max_length(64);
  a.set_n(t.n);
  a.set_created_ms(1'700'000'000'000);
  a.set_ttl_ms(t.ttl_ms);
  a.set_claim_window_ms(t.claim_window_ms);
  a.set_lease_ms(t.lease_ms);
  a.set_max_attempts(t.max_attempts);
  a.set_attempt(attempt);
  std::sort(excluded.begin(), excluded.end());
  for (const auto& p : excluded) a.add_excluded(mh(p));
  return a;
}

pb::Claim claim(const JobId& id, uint32_t attempt = 0) {
  pb::Claim c;
  c.set_job_id(id);
  c.set_attempt(attempt);
  return c;
}

pb::JobResult result(const JobId& id, uint32_t attempt, uint32_t generation,
                     const std::string& text = "The end.") {
  pb::JobResult r;
  r.set_job_id(id);
  r.set_attempt(attempt);
  r.set_generation(generation);
  r.set_text(text);
  r.set_finish_reason("stop");
  return r;
}

pb::JobFailed failed(const JobId& id, uint32_t attempt, uint32_t generation) {
  pb::JobFailed f;
  f.set_job_id(id);
  f.set_attempt(attempt);
  f.set_generation(generation);
  f.set_reason("backend error");
  return f;
}

pb::JobCancel cancel(const JobId& id, const std::string& reason = "user") {
  pb::JobCancel c;
  c.set_job_id(id);
  c.set_reason(reason);
  return c;
}

// `workers` sorted by their claim rank for (job, attempt): the order in which they win.
std::vector<PeerId> by_rank(const pb::JobAnnounce& a, uint32_t attempt,
                            std::vector<PeerId> workers = kWorkers) {
  std::sort(workers.begin(), workers.end(), [&](const PeerId& x, const PeerId& y) {
    return claim_rank(a.job_id(), as_bytes(a.nonce()), attempt, x) <
           claim_rank(a.job_id(), as_bytes(a.nonce()), attempt, y);
  });
  return workers;
}

pb::WorkerAdvert worker_advert(const std::string& model, bool healthy, uint32_t interval_ms) {
  pb::WorkerAdvert w;
  auto* m = w.add_models();
  m->set_name(model);
  m->set_max_length(512);
  m->set_max_context_length(4096);
  w.set_slots_total(1);
  w.set_slots_free(1);
  w.set_healthy(healthy);
  w.set_advert_interval_ms(interval_ms);
  return w;
}

pb::NodeAdvert node_advert(uint32_t interval_ms) {
  pb::NodeAdvert n;
  n.set_http_url("http://node");
  n.set_advert_interval_ms(interval_ms);
  return n;
}

void check_verdict(const FactVerdict& v, FactOutcome o, std::optional<Reject> r = {}) {
  EXPECT_EQ(int(v.outcome), int(o));
  if (r) {
    EXPECT_EQ(v.reason, *r) << to_string(v.reason);
  }
}
#define EXPECT_VERDICT(...)     \
  do {                          \
    SCOPED_TRACE("verdict");    \
    check_verdict(__VA_ARGS__); \
  } while (0)

class JobBookTest : public ::testing::Test {
 protected:
  JobBookTest() {
    // Live until kT0 + 180 s unless a test says otherwise.
    for (const auto& w : kWorkers)
      dir.on_worker_advert(w, worker_advert(kModel, true, 60'000), kT0);
    dir.on_worker_advert(kOtherModel, worker_advert("other", true, 60'000), kT0);
    dir.on_worker_advert(kUnhealthy, worker_advert(kModel, false, 60'000), kT0);
    for (const auto& n : {kOrigin, kNodeA, kNodeB}) dir.on_node_advert(n, node_advert(60'000), kT0);
  }

  // Only a worker's own advert decides when it is gone: 1 s interval → gone after kT0 + 3 s.
  void short_lived_worker(const PeerId& w) {
    dir.on_worker_advert(w, worker_advert(kModel, true, 1'000), kT0);
  }

  JobState state(const JobId& id, Instant now) { return book.view(id, now).value().state; }

  PeerDirectory dir;
  JobBook book{dir};
};

// --- announces ---------------------------------------------------------------------------------

TEST_F(JobBookTest, AnnounceOfAttemptZeroOnlyFromOrigin) {
  const auto a = announce(job_id(1));
  EXPECT_VERDICT(book.add_announce(kNodeA, a, kT0), FactOutcome::kRejected, Reject::kNotOrigin);
  EXPECT_EQ(book.size(), 0u);
  EXPECT_VERDICT(book.add_announce(kOrigin, a, kT0), FactOutcome::kAdded);
  EXPECT_VERDICT(book.add_announce(kOrigin, a, kT0), FactOutcome::kDuplicate);
  const auto v = book.view(job_id(1), kT0).value();
  EXPECT_EQ(v.state, JobState::kQueued);
  EXPECT_EQ(v.attempt, 0u);
  EXPECT_EQ(v.attempt_received, kT0);
  EXPECT_EQ(v.announce->prompt(), "Once upon a time");
  EXPECT_EQ(v.generations.size(), 1u);
  EXPECT_FALSE(v.generations[0].winner.has_value());
  EXPECT_EQ(book.jobs(), std::vector<JobId>{job_id(1)});
  EXPECT_FALSE(book.view(job_id(2), kT0).has_value());
}

TEST_F(JobBookTest, WinnersOfEachAttempt) {
  const auto id = job_id(1);
  const auto a0 = announce(id, Timing{.n = 2});
  ASSERT_EQ(book.add_announce(kOrigin, a0, kT0).outcome, FactOutcome::kAdded);
  EXPECT_TRUE(book.winners(id, 0).empty());
  EXPECT_TRUE(book.winners(id, 1).empty());         // not announced
  EXPECT_TRUE(book.winners(job_id(2), 0).empty());  // unknown job
  for (int i = 0; i < 3; ++i) book.add_claim(kWorkers[i], claim(id), kT0);
  const auto order0 = by_rank(a0, 0, {kWorkers[0], kWorkers[1], kWorkers[2]});
  EXPECT_EQ(book.winners(id, 0), (std::vector<PeerId>{order0[0], order0[1]}));  // the first n
  ASSERT_EQ(book.add_announce(kNodeA, announce(id, Timing{.n = 2}, 1), kT0 + 20s).outcome,
            FactOutcome::kAdded);
  book.add_claim(kWorkers[3], claim(id, 1), kT0 + 20s);
  EXPECT_EQ(book.winners(id, 1), std::vector<PeerId>{kWorkers[3]});
  EXPECT_EQ(book.winners(id, 0), (std::vector<PeerId>{order0[0], order0[1]}));  // still there
}

TEST_F(JobBookTest, LaterAttemptMustMatchAttemptZero) {
  const auto id = job_id(1);
  ASSERT_EQ(book.add_announce(kOrigin, announce(id), kT0).outcome, FactOutcome::kAdded);
  auto bad = announce(id, {}, 1);
  bad.set_prompt("something else");
  EXPECT_VERDICT(book.add_announce(kNodeA, bad, kT0 + 1s), FactOutcome::kRejected,
                 Reject::kAnnounceMismatch);
  auto bad_ttl = announce(id, {}, 1);
  bad_ttl.set_ttl_ms(1);
  EXPECT_VERDICT(book.add_announce(kNodeA, bad_ttl, kT0 + 1s), FactOutcome::kRejected,
                 Reject::kAnnounceMismatch);
  EXPECT_VERDICT(book.add_announce(kNodeA, announce(id, {}, 3), kT0 + 1s), FactOutcome::kRejected,
                 Reject::kBadField);  // max_attempts is 3
  // attempt and excluded may differ, and any node may announce a later attempt.
  EXPECT_VERDICT(book.add_announce(kNodeA, announce(id, {}, 1, {kWorkers[0]}), kT0 + 1s),
                 FactOutcome::kAdded);
  EXPECT_VERDICT(book.add_announce(kNodeA, announce(id, {}, 1, {kWorkers[0]}), kT0 + 2s),
                 FactOutcome::kDuplicate);
  EXPECT_VERDICT(book.add_claim(kWorkers[1], claim(id, 1), kT0 + 2s), FactOutcome::kAdded);
  // Another announcer's attempt 1 (across a partition) excluded worker 1: the attempt now
  // excludes both, and worker 1's claim, taken before, no longer counts.
  EXPECT_VERDICT(book.add_announce(kNodeB, announce(id, {}, 1, {kWorkers[1]}), kT0 + 3s),
                 FactOutcome::kAdded);
  EXPECT_VERDICT(book.add_announce(kNodeB, announce(id, {}, 1, {kWorkers[1]}), kT0 + 3s),
                 FactOutcome::kDuplicate);
  const auto v = book.view(id, kT0 + 3s).value();
  EXPECT_EQ(v.attempt, 1u);
  EXPECT_EQ(v.attempt_received, kT0 + 1s);
  EXPECT_FALSE(v.generations[0].winner.has_value());
  for (int w : {0, 1}) {
    EXPECT_VERDICT(book.add_claim(kWorkers[w], claim(id, 1), kT0 + 3s), FactOutcome::kIgnored,
                   Reject::kExcluded);
  }
  EXPECT_VERDICT(book.add_result(kWorkers[1], result(id, 1, 0), kT0 + 4s), FactOutcome::kIgnored,
                 Reject::kExcluded);
  EXPECT_VERDICT(book.add_claim(kWorkers[2], claim(id, 1), kT0 + 3s), FactOutcome::kAdded);
  EXPECT_EQ(book.view(id, kT0 + 4s)->generations[0].winner, kWorkers[2]);

  // The other order gives the same book.
  JobBook other(dir);
  ASSERT_EQ(other.add_announce(kOrigin, announce(id), kT0).outcome, FactOutcome::kAdded);
  ASSERT_EQ(other.add_announce(kNodeB, announce(id, {}, 1, {kWorkers[1]}), kT0).outcome,
            FactOutcome::kAdded);
  ASSERT_EQ(other.add_claim(kWorkers[2], claim(id, 1), kT0).outcome, FactOutcome::kAdded);
  ASSERT_EQ(other.add_announce(kNodeA, announce(id, {}, 1, {kWorkers[0]}), kT0).outcome,
            FactOutcome::kAdded);
  EXPECT_EQ(other.winners(id, 1), book.winners(id, 1));
}

TEST_F(JobBookTest, LaterAttemptArrivingFirstIsKept) {
  const auto id = job_id(1);
  EXPECT_VERDICT(book.add_announce(kNodeA, announce(id, {}, 1, {kWorkers[0]}), kT0),
                 FactOutcome::kAdded);
  auto v = book.view(id, kT0).value();
  EXPECT_EQ(v.attempt, 1u);
  EXPECT_EQ(v.state, JobState::kQueued);
  EXPECT_VERDICT(book.add_announce(kOrigin, announce(id), kT0 + 1s), FactOutcome::kAdded);
  v = book.view(id, kT0 + 1s).value();
  EXPECT_EQ(v.attempt, 1u);
  EXPECT_EQ(v.announce->attempt(), 0u);
}

TEST_F(JobBookTest, AttemptZeroFromOriginOverridesForgedLaterAttempt) {
  const auto id = job_id(1);
  auto forged = announce(id, {}, 1);
  forged.set_prompt("forged");
  ASSERT_EQ(book.add_announce(kNodeA, forged, kT0).outcome, FactOutcome::kAdded);
  EXPECT_VERDICT(book.add_announce(kOrigin, announce(id), kT0 + 1s), FactOutcome::kAdded);
  const auto v = book.view(id, kT0 + 1s).value();
  EXPECT_EQ(v.attempt, 0u);
  EXPECT_EQ(v.announce->prompt(), "Once upon a time");
}

TEST_F(JobBookTest, MaxJobsIgnoresNewJobs) {
  JobBook small(dir, BookConfig{.max_jobs = 1});
  EXPECT_VERDICT(small.add_announce(kOrigin, announce(job_id(1)), kT0), FactOutcome::kAdded);
  EXPECT_VERDICT(small.add_announce(kOrigin, announce(job_id(2)), kT0), FactOutcome::kIgnored);
  EXPECT_VERDICT(small.add_announce(kOrigin, announce(job_id(1)), kT0), FactOutcome::kDuplicate);
  EXPECT_EQ(small.size(), 1u);
}

// --- claims ------------------------------------------------------------------------------------

TEST_F(JobBookTest, ClaimRules) {
  const auto id = job_id(1);
  EXPECT_VERDICT(book.add_claim(kWorkers[0], claim(job_id(3)), kT0), FactOutcome::kIgnored,
                 Reject::kUnknownJob);
  ASSERT_EQ(book.add_announce(kOrigin, announce(id, {}, 0), kT0).outcome, FactOutcome::kAdded);
  EXPECT_VERDICT(book.add_claim(kWorkers[0], claim(id, 1), kT0), FactOutcome::kIgnored,
                 Reject::kUnknownJob);
  EXPECT_VERDICT(book.add_claim(kWorkers[0], claim(id, 7), kT0), FactOutcome::kRejected,
                 Reject::kBadField);  // beyond max_attempts
  // A claim stands on its own (docs/protocol.md §4): what its author advertised, or whether we
  // heard it at all, does not decide whether it counts.
  for (const auto& p : {kOtherModel, kUnhealthy, kUnknown}) {
    EXPECT_VERDICT(book.add_claim(p, claim(id), kT0), FactOutcome::kAdded);
  }
  // At kT0 + 200 s every worker is gone, yet a claim then is kept, answered stale since the
  // attempt has lapsed by then.
  EXPECT_VERDICT(book.add_claim(kWorkers[1], claim(id), kT0 + 200s), FactOutcome::kIgnored,
                 Reject::kUnknownJob);
  EXPECT_VERDICT(book.add_claim(kWorkers[0], claim(id), kT0), FactOutcome::kAdded);
  EXPECT_VERDICT(book.add_claim(kWorkers[0], claim(id), kT0), FactOutcome::kDuplicate);
  EXPECT_EQ(book.view(id, kT0).value().claims, 5u);

  const auto id2 = job_id(2);
  ASSERT_EQ(book.add_announce(kOrigin, announce(id2, {}, 0, {kWorkers[2]}), kT0).outcome,
            FactOutcome::kAdded);
  EXPECT_VERDICT(book.add_claim(kWorkers[2], claim(id2), kT0), FactOutcome::kIgnored,
                 Reject::kExcluded);
}

// One claim per slot (docs/protocol.md §4): a worker may win several generations of one job.
TEST_F(JobBookTest, OneWorkerClaimsTwoSlotsAndWinsBothGenerations) {
  const auto id = job_id(1);
  ASSERT_EQ(book.add_announce(kOrigin, announce(id, {.n = 2}), kT0).outcome, FactOutcome::kAdded);
  pb::Claim second = claim(id);
  second.set_slot(1);
  EXPECT_VERDICT(book.add_claim(kWorkers[0], claim(id), kT0), FactOutcome::kAdded);
  EXPECT_VERDICT(book.add_claim(kWorkers[0], second, kT0), FactOutcome::kAdded);
  EXPECT_VERDICT(book.add_claim(kWorkers[0], second, kT0), FactOutcome::kDuplicate);
  pb::Claim third = claim(id);
  third.set_slot(2);  // n is 2
  EXPECT_VERDICT(book.add_claim(kWorkers[0], third, kT0), FactOutcome::kRejected,
                 Reject::kBadField);
  EXPECT_EQ(book.claims_by(id, 0, kWorkers[0]), 2u);
  EXPECT_EQ(book.winners(id, 0), (std::vector<PeerId>{kWorkers[0], kWorkers[0]}));
  EXPECT_VERDICT(book.add_result(kWorkers[0], result(id, 0, 1), kT0 + 2s), FactOutcome::kAdded);
  EXPECT_VERDICT(book.add_result(kWorkers[0], result(id, 0, 0), kT0 + 2s), FactOutcome::kAdded);
  EXPECT_EQ(state(id, kT0 + 2s), JobState::kDone);

  // With another worker's claim, the winners are the two best of the three claims by rank,
  // whoever made them.
  const auto id2 = job_id(2);
  const auto a2 = announce(id2, {.n = 2});
  ASSERT_EQ(book.add_announce(kOrigin, a2, kT0).outcome, FactOutcome::kAdded);
  pb::Claim slot1 = claim(id2);
  slot1.set_slot(1);
  ASSERT_EQ(book.add_claim(kWorkers[1], claim(id2), kT0).outcome, FactOutcome::kAdded);
  ASSERT_EQ(book.add_claim(kWorkers[0], slot1, kT0).outcome, FactOutcome::kAdded);
  ASSERT_EQ(book.add_claim(kWorkers[0], claim(id2), kT0).outcome, FactOutcome::kAdded);
  std::vector<std::pair<Rank, PeerId>> all = {
      {claim_rank(id2, as_bytes(a2.nonce()), 0, kWorkers[0], 0), kWorkers[0]},
      {claim_rank(id2, as_bytes(a2.nonce()), 0, kWorkers[0], 1), kWorkers[0]},
      {claim_rank(id2, as_bytes(a2.nonce()), 0, kWorkers[1], 0), kWorkers[1]}};
  std::sort(all.begin(), all.end());
  EXPECT_EQ(book.winners(id2, 0), (std::vector<PeerId>{all[0].second, all[1].second}));
  EXPECT_EQ(book.view(id2, kT0).value().claims, 3u);
}

TEST_F(JobBookTest, QueuedClaimedProcessing) {
  const auto id = job_id(1);
  ASSERT_EQ(book.add_announce(kOrigin, announce(id), kT0).outcome, FactOutcome::kAdded);
  EXPECT_EQ(state(id, kT0 + 500ms), JobState::kQueued);
  EXPECT_EQ(state(id, kT0 + 5s), JobState::kQueued);  // no claim: stays queued in the window
  ASSERT_EQ(book.add_claim(kWorkers[0], claim(id), kT0 + 100ms).outcome, FactOutcome::kAdded);
  EXPECT_EQ(state(id, kT0 + 500ms), JobState::kClaimed);
  EXPECT_EQ(state(id, kT0 + 1s), JobState::kProcessing);
  const auto v = book.view(id, kT0 + 1s).value();
  EXPECT_EQ(v.generations[0].winner, kWorkers[0]);
  EXPECT_FALSE(v.generations[0].result_attempt.has_value());
}

// status() is view() without the generations; the cached derivation must follow every new fact.
TEST_F(JobBookTest, StatusFollowsTheViewAsFactsArrive) {
  const auto id = job_id(1);
  const auto a = announce(id);
  const auto ranked = by_rank(a, 0);
  EXPECT_FALSE(book.status(id, kT0).has_value());
  auto same = [&](Instant now) {
    const auto s = book.status(id, now).value();
    const auto v = book.view(id, now).value();
    EXPECT_EQ(s.state, v.state);
    EXPECT_EQ(s.attempt, v.attempt);
    EXPECT_EQ(s.claims, v.claims);
    return s;
  };
  ASSERT_EQ(book.add_announce(kOrigin, a, kT0).outcome, FactOutcome::kAdded);
  EXPECT_EQ(same(kT0).state, JobState::kQueued);
  ASSERT_EQ(book.add_claim(ranked[1], claim(id), kT0 + 100ms).outcome, FactOutcome::kAdded);
  EXPECT_EQ(same(kT0 + 2s).claims, 1u);
  EXPECT_EQ(book.view(id, kT0 + 2s)->generations[0].winner, ranked[1]);
  ASSERT_EQ(book.add_claim(ranked[0], claim(id), kT0 + 200ms).outcome, FactOutcome::kAdded);
  EXPECT_EQ(same(kT0 + 2s).claims, 2u);
  EXPECT_EQ(book.view(id, kT0 + 2s)->generations[0].winner, ranked[0]);  // not the cached one
  const auto due = book.due_reannounces(kOrigin, kT0 + 11s);
  ASSERT_EQ(due.size(), 1u);
  ASSERT_EQ(book.add_announce(kOrigin, due[0], kT0 + 11s).outcome, FactOutcome::kAdded);
  auto s = same(kT0 + 11s);
  EXPECT_EQ(s.attempt, 1u);
  EXPECT_EQ(s.claims, 0u);
  ASSERT_EQ(book.add_claim(ranked[1], claim(id, 1), kT0 + 11s).outcome, FactOutcome::kAdded);
  ASSERT_EQ(book.add_result(ranked[1], result(id, 1, 0), kT0 + 13s).outcome, FactOutcome::kAdded);
  EXPECT_EQ(same(kT0 + 13s).state, JobState::kDone);
  // Finished: prune() stops offering it for re-announces, even once its lease has run out.
  book.prune(kT0 + 13s);
  EXPECT_TRUE(book.due_reannounces(kOrigin, kT0 + std::chrono::minutes(5)).empty());
}

// --- winners and results -----------------------------------------------------------------------

TEST_F(JobBookTest, OneWinnerByRank) {
  const auto id = job_id(1);
  const auto a = announce(id);
  const auto ranked = by_rank(a, 0);
  ASSERT_EQ(book.add_announce(kOrigin, a, kT0).outcome, FactOutcome::kAdded);
  for (int i : {2, 0, 1}) {
    ASSERT_EQ(book.add_claim(ranked[i], claim(id), kT0 + 100ms).outcome, FactOutcome::kAdded);
  }
  auto v = book.view(id, kT0 + 2s).value();
  EXPECT_EQ(v.claims, 3u);
  EXPECT_EQ(v.generations[0].winner, ranked[0]);
  EXPECT_VERDICT(book.add_result(ranked[1], result(id, 0, 0), kT0 + 3s), FactOutcome::kIgnored,
                 Reject::kNotWinner);
  EXPECT_VERDICT(book.add_result(ranked[0], result(id, 0, 1), kT0 + 3s), FactOutcome::kRejected,
                 Reject::kBadField);  // generation ≥ n
  EXPECT_EQ(state(id, kT0 + 3s), JobState::kProcessing);
  EXPECT_VERDICT(book.add_result(ranked[0], result(id, 0, 0), kT0 + 3s), FactOutcome::kAdded);
  EXPECT_VERDICT(book.add_result(ranked[0], result(id, 0, 0), kT0 + 3s), FactOutcome::kDuplicate);
  v = book.view(id, kT0 + 3s).value();
  EXPECT_EQ(v.state, JobState::kDone);
  EXPECT_EQ(v.generations[0].result_author, ranked[0]);
  EXPECT_EQ(v.generations[0].result_attempt, 0u);
  ASSERT_NE(v.generations[0].result, nullptr);
  EXPECT_EQ(v.generations[0].result->text(), "The end.");
  // Done stays done, even past the ttl.
  EXPECT_EQ(state(id, kT0 + std::chrono::hours(2)), JobState::kDone);
}

// Two claimants that each started before hearing of the other: the one behind publishes its
// result once it finished, or once the better claim reached it — over a slow link, seconds
// later. Ignored, never held against it, however late (lateness depends on arrival times).
TEST_F(JobBookTest, ALosersResultIsARaceNotABreachHoweverLate) {
  const auto id = job_id(1);
  const auto a = announce(id);
  const auto ranked = by_rank(a, 0);
  ASSERT_EQ(book.add_announce(kOrigin, a, kT0).outcome, FactOutcome::kAdded);
  ASSERT_EQ(book.add_claim(ranked[1], claim(id), kT0).outcome, FactOutcome::kAdded);
  ASSERT_EQ(book.add_claim(ranked[0], claim(id), kT0 + 10ms).outcome, FactOutcome::kAdded);
  EXPECT_VERDICT(book.add_result(ranked[1], result(id, 0, 0), kT0 + 10ms + 1999ms),
                 FactOutcome::kIgnored, Reject::kNotWinner);
  EXPECT_VERDICT(book.add_failed(ranked[1], failed(id, 0, 0), kT0 + 10ms + 2s),
                 FactOutcome::kIgnored, Reject::kNotWinner);
  EXPECT_EQ(state(id, kT0 + 3s), JobState::kProcessing);  // the loser's result does not count
  EXPECT_VERDICT(book.add_result(ranked[0], result(id, 0, 0), kT0 + 3s), FactOutcome::kAdded);
  EXPECT_EQ(book.view(id, kT0 + 3s)->generations[0].result_author, ranked[0]);
}

TEST_F(JobBookTest, ThreeWinnersByRank) {
  const auto id = job_id(1);
  const auto a = announce(id, {.n = 3});
  const auto ranked = by_rank(a, 0);
  ASSERT_EQ(book.add_announce(kOrigin, a, kT0).outcome, FactOutcome::kAdded);
  for (int i : {3, 1, 4, 0, 2}) {
    ASSERT_EQ(book.add_claim(ranked[i], claim(id), kT0 + 100ms).outcome, FactOutcome::kAdded);
  }
  auto v = book.view(id, kT0 + 2s).value();
  ASSERT_EQ(v.generations.size(), 3u);
  for (int g = 0; g < 3; ++g) EXPECT_EQ(v.generations[g].winner, ranked[g]);
  // Ranked 3rd and 4th (0-based) win nothing; the winner of generation 1 cannot win 0.
  EXPECT_VERDICT(book.add_result(ranked[3], result(id, 0, 2), kT0 + 3s), FactOutcome::kIgnored,
                 Reject::kNotWinner);
  EXPECT_VERDICT(book.add_result(ranked[1], result(id, 0, 0), kT0 + 3s), FactOutcome::kIgnored,
                 Reject::kNotWinner);
  // The winner of generation 0 could still become generation 2's if lower claims came: held.
  EXPECT_VERDICT(book.add_result(ranked[0], result(id, 0, 2), kT0 + 3s), FactOutcome::kHeld);
  for (int g = 0; g < 3; ++g) {
    EXPECT_VERDICT(
        book.add_result(ranked[g], result(id, 0, g, "gen" + std::to_string(g)), kT0 + 4s),
        FactOutcome::kAdded);
    if (g < 2) {
      EXPECT_EQ(state(id, kT0 + 4s), JobState::kProcessing);
    }
  }
  v = book.view(id, kT0 + 4s).value();
  EXPECT_EQ(v.state, JobState::kDone);
  for (int g = 0; g < 3; ++g) {
    EXPECT_EQ(v.generations[g].result_author, ranked[g]);
    EXPECT_EQ(v.generations[g].result->text(), "gen" + std::to_string(g));
  }
}

TEST_F(JobBookTest, ResultBeforeClaimIsHeldThenAccepted) {
  const auto id = job_id(1);
  ASSERT_EQ(book.add_announce(kOrigin, announce(id), kT0).outcome, FactOutcome::kAdded);
  EXPECT_VERDICT(book.add_result(kWorkers[0], result(id, 0, 0), kT0 + 3s), FactOutcome::kHeld);
  EXPECT_VERDICT(book.add_result(kWorkers[0], result(id, 0, 0), kT0 + 3s), FactOutcome::kDuplicate);
  EXPECT_VERDICT(book.add_failed(kWorkers[1], failed(id, 0, 0), kT0 + 3s), FactOutcome::kHeld);
  EXPECT_EQ(state(id, kT0 + 3s), JobState::kQueued);
  ASSERT_EQ(book.add_claim(kWorkers[0], claim(id), kT0 + 100ms).outcome, FactOutcome::kAdded);
  const auto v = book.view(id, kT0 + 3s).value();
  EXPECT_EQ(v.state, JobState::kDone);
  EXPECT_EQ(v.generations[0].result_author, kWorkers[0]);
}

TEST_F(JobBookTest, HeldResultsAreBounded) {
  JobBook small(dir, BookConfig{.max_held_per_job = 2});
  const auto id = job_id(1);
  ASSERT_EQ(small.add_announce(kOrigin, announce(id, {.n = 3}), kT0).outcome, FactOutcome::kAdded);
  EXPECT_VERDICT(small.add_result(kWorkers[0], result(id, 0, 0), kT0), FactOutcome::kHeld);
  EXPECT_VERDICT(small.add_failed(kWorkers[1], failed(id, 0, 0), kT0), FactOutcome::kHeld);
  EXPECT_VERDICT(small.add_result(kWorkers[2], result(id, 0, 0), kT0), FactOutcome::kIgnored);
}

TEST_F(JobBookTest, LaterLowerClaimChangesTheWinner) {
  const auto id = job_id(1);
  const auto a = announce(id);
  const auto ranked = by_rank(a, 0);
  ASSERT_EQ(book.add_announce(kOrigin, a, kT0).outcome, FactOutcome::kAdded);
  ASSERT_EQ(book.add_claim(ranked[1], claim(id), kT0 + 100ms).outcome, FactOutcome::kAdded);
  EXPECT_VERDICT(book.add_result(ranked[1], result(id, 0, 0), kT0 + 3s), FactOutcome::kAdded);
  EXPECT_EQ(state(id, kT0 + 3s), JobState::kDone);
  // A lower claim arrives late: it wins, and the earlier result no longer counts.
  ASSERT_EQ(book.add_claim(ranked[0], claim(id), kT0 + 4s).outcome, FactOutcome::kAdded);
  auto v = book.view(id, kT0 + 4s).value();
  EXPECT_EQ(v.state, JobState::kProcessing);
  EXPECT_EQ(v.generations[0].winner, ranked[0]);
  EXPECT_FALSE(v.generations[0].result_attempt.has_value());
  // Sent again just after the better claim, or long after: ignored (an honest race, as a rule).
  EXPECT_VERDICT(book.add_result(ranked[1], result(id, 0, 0), kT0 + 4s), FactOutcome::kIgnored,
                 Reject::kNotWinner);
  EXPECT_VERDICT(book.add_result(ranked[1], result(id, 0, 0), kT0 + 6s), FactOutcome::kIgnored,
                 Reject::kNotWinner);
  EXPECT_VERDICT(book.add_result(ranked[0], result(id, 0, 0, "winner's"), kT0 + 5s),
                 FactOutcome::kAdded);
  v = book.view(id, kT0 + 5s).value();
  EXPECT_EQ(v.state, JobState::kDone);
  EXPECT_EQ(v.generations[0].result_author, ranked[0]);
  EXPECT_EQ(v.generations[0].result->text(), "winner's");
}

TEST_F(JobBookTest, HeldNonWinnerBecomesWinnerWhenLowerClaimArrives) {
  const auto id = job_id(1);
  const auto a = announce(id, {.n = 2});
  const auto ranked = by_rank(a, 0);
  ASSERT_EQ(book.add_announce(kOrigin, a, kT0).outcome, FactOutcome::kAdded);
  // ranked[1] knows of ranked[0]'s claim, we do not yet: its generation-1 result waits.
  ASSERT_EQ(book.add_claim(ranked[1], claim(id), kT0 + 100ms).outcome, FactOutcome::kAdded);
  EXPECT_VERDICT(book.add_result(ranked[1], result(id, 0, 1), kT0 + 3s), FactOutcome::kHeld);
  auto v = book.view(id, kT0 + 3s).value();
  EXPECT_FALSE(v.generations[1].result_attempt.has_value());
  ASSERT_EQ(book.add_claim(ranked[0], claim(id), kT0 + 100ms).outcome, FactOutcome::kAdded);
  v = book.view(id, kT0 + 3s).value();
  EXPECT_EQ(v.generations[1].result_author, ranked[1]);
  EXPECT_EQ(v.state, JobState::kProcessing);
}

// --- cancels -----------------------------------------------------------------------------------

TEST_F(JobBookTest, CancelOnlyByOrigin) {
  const auto id = job_id(1);
  EXPECT_VERDICT(book.add_cancel(kOrigin, cancel(id), kT0), FactOutcome::kIgnored,
                 Reject::kUnknownJob);
  book.prune(kT0 + 10min);  // forgets what came before an announce that never came
  ASSERT_EQ(book.add_announce(kOrigin, announce(id), kT0 + 10min).outcome, FactOutcome::kAdded);
  EXPECT_EQ(state(id, kT0 + 10min), JobState::kQueued);
  EXPECT_VERDICT(book.add_cancel(kNodeA, cancel(id), kT0 + 10min), FactOutcome::kRejected,
                 Reject::kNotOrigin);
  EXPECT_EQ(state(id, kT0 + 10min), JobState::kQueued);
  EXPECT_VERDICT(book.add_cancel(kOrigin, cancel(id, "user"), kT0 + 10min), FactOutcome::kAdded);
  EXPECT_VERDICT(book.add_cancel(kOrigin, cancel(id, "user"), kT0 + 10min),
                 FactOutcome::kDuplicate);
  const auto v = book.view(id, kT0 + 10min).value();
  EXPECT_EQ(v.state, JobState::kCancelled);
  EXPECT_EQ(v.reason, "user");
  EXPECT_TRUE(book.due_reannounces(kOrigin, kT0 + 20min).empty());
}

TEST_F(JobBookTest, CancelAfterDoneLeavesDone) {
  const auto id = job_id(1);
  ASSERT_EQ(book.add_announce(kOrigin, announce(id), kT0).outcome, FactOutcome::kAdded);
  ASSERT_EQ(book.add_claim(kWorkers[0], claim(id), kT0).outcome, FactOutcome::kAdded);
  ASSERT_EQ(book.add_result(kWorkers[0], result(id, 0, 0), kT0 + 2s).outcome, FactOutcome::kAdded);
  ASSERT_EQ(book.add_cancel(kOrigin, cancel(id), kT0 + 3s).outcome, FactOutcome::kAdded);
  EXPECT_EQ(state(id, kT0 + 3s), JobState::kDone);
}

// --- ttl, leases, re-announces -----------------------------------------------------------------

TEST_F(JobBookTest, TtlFaults) {
  const auto id = job_id(1);
  ASSERT_EQ(
      book.add_announce(kOrigin, announce(id, {.ttl_ms = 5'000, .lease_ms = 60'000}), kT0).outcome,
      FactOutcome::kAdded);
  ASSERT_EQ(book.add_claim(kWorkers[0], claim(id), kT0).outcome, FactOutcome::kAdded);
  EXPECT_EQ(state(id, kT0 + 4s), JobState::kProcessing);
  const auto v = book.view(id, kT0 + 5s).value();
  EXPECT_EQ(v.state, JobState::kFaulted);
  EXPECT_EQ(v.reason, "ttl expired");
  EXPECT_TRUE(book.due_reannounces(kOrigin, kT0 + 5s).empty());
}

TEST_F(JobBookTest, LeaseLapseReannouncesOnTheOrigin) {
  const auto id = job_id(1);
  const auto a = announce(id);
  const auto ranked = by_rank(a, 0);
  ASSERT_EQ(book.add_announce(kOrigin, a, kT0).outcome, FactOutcome::kAdded);
  ASSERT_EQ(book.add_claim(ranked[0], claim(id), kT0 + 100ms).outcome, FactOutcome::kAdded);
  ASSERT_EQ(book.add_claim(ranked[1], claim(id), kT0 + 100ms).outcome, FactOutcome::kAdded);
  EXPECT_TRUE(book.due_reannounces(kOrigin, kT0 + 10s).empty());  // lease: 1 s + 10 s
  const Instant lapse = kT0 + 11s;
  auto due = book.due_reannounces(kOrigin, lapse);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_TRUE(book.due_reannounces(kNodeA, lapse).empty());  // the origin is live
  EXPECT_TRUE(book.due_reannounces(kNodeB, lapse).empty());
  EXPECT_EQ(state(id, lapse), JobState::kProcessing);  // attempts remain: not faulted

  const pb::JobAnnounce& next = due[0];
  EXPECT_EQ(next.attempt(), 1u);
  ASSERT_EQ(next.excluded_size(), 1);
  EXPECT_EQ(next.excluded(0), mh(ranked[0]));
  pb::JobAnnounce expected = a;
  expected.set_attempt(1);
  expected.add_excluded(mh(ranked[0]));
  EXPECT_EQ(next.SerializeAsString(), expected.SerializeAsString());

  EXPECT_VERDICT(book.add_announce(kOrigin, next, lapse), FactOutcome::kAdded);
  EXPECT_TRUE(book.due_reannounces(kOrigin, lapse).empty());
  auto v = book.view(id, lapse).value();
  EXPECT_EQ(v.attempt, 1u);
  EXPECT_EQ(v.state, JobState::kQueued);
  EXPECT_VERDICT(book.add_claim(ranked[0], claim(id, 1), lapse), FactOutcome::kIgnored,
                 Reject::kExcluded);
  EXPECT_VERDICT(book.add_claim(ranked[1], claim(id, 1), lapse), FactOutcome::kAdded);
  // A claim for the lapsed attempt is kept but not forwarded.
  EXPECT_VERDICT(book.add_claim(ranked[2], claim(id, 0), lapse), FactOutcome::kIgnored,
                 Reject::kUnknownJob);
  v = book.view(id, lapse + 1s).value();
  EXPECT_EQ(v.state, JobState::kProcessing);
  EXPECT_EQ(v.generations[0].winner, ranked[1]);
}

// The start-up race of issue 13: a worker's first advert went out before it had peers, so its
// claim reaches a node before any advert of it. The claim counts the same as in a book that
// heard the advert first, and the books agree on the winner and on the result.
TEST_F(JobBookTest, AClaimBeforeItsAuthorsAdvertCountsAsAfterIt) {
  const auto id = job_id(1);
  const PeerId newcomer = peer(40);
  PeerDirectory early_dir, late_dir;
  JobBook early(early_dir), late(late_dir);
  for (JobBook* b : {&early, &late}) {
    ASSERT_EQ(b->add_announce(kOrigin, announce(id), kT0).outcome, FactOutcome::kAdded);
  }
  early_dir.on_worker_advert(newcomer, worker_advert(kModel, true, 5'000), kT0);
  EXPECT_VERDICT(early.add_claim(newcomer, claim(id), kT0 + 10ms), FactOutcome::kAdded);
  EXPECT_VERDICT(late.add_claim(newcomer, claim(id), kT0 + 10ms), FactOutcome::kAdded);
  late_dir.on_worker_advert(newcomer, worker_advert(kModel, true, 5'000), kT0 + 2s);
  for (JobBook* b : {&early, &late}) {
    EXPECT_VERDICT(b->add_result(newcomer, result(id, 0, 0), kT0 + 3s), FactOutcome::kAdded);
    const auto v = b->view(id, kT0 + 3s).value();
    EXPECT_EQ(v.state, JobState::kDone);
    EXPECT_EQ(v.generations[0].result_author, newcomer);
  }
}

// A winner no advert of which has come is not gone at once (its advert may be on its way), but
// kMissedAdverts default advert intervals after its claim, as a live worker that then went
// silent would be; its advert, once heard, decides instead.
TEST_F(JobBookTest, AWinnerWithoutAnAdvertIsGoneThreeDefaultIntervalsAfterItsClaim) {
  const auto id = job_id(1);
  Timing t;
  t.lease_ms = 600'000;
  ASSERT_EQ(book.add_announce(kOrigin, announce(id, t), kT0).outcome, FactOutcome::kAdded);
  ASSERT_EQ(book.add_claim(kUnknown, claim(id), kT0 + 1s).outcome, FactOutcome::kAdded);
  const Instant gone = kT0 + 1s + kMissedAdverts * kDefaultAdvertInterval;
  EXPECT_TRUE(book.due_reannounces(kOrigin, gone - 1ms).empty());
  const auto due = book.due_reannounces(kOrigin, gone);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].excluded(0), mh(kUnknown));
  // Heard after all, with a long interval: live, so nothing lapses.
  dir.on_worker_advert(kUnknown, worker_advert(kModel, true, 60'000), kT0 + 2s);
  EXPECT_TRUE(book.due_reannounces(kOrigin, gone).empty());
}

// The only worker of a model crashed during its run: the next attempt excludes it, and once it
// is back nobody may claim the job (the explorer's seeds 12, 455, 577). An unclaimed attempt
// that every live worker of the model is excluded from gets a next attempt that lets them in;
// and a next attempt never excludes every live worker of the model to begin with.
TEST_F(JobBookTest, AJobIsNeverLeftToExcludedWorkersOnly) {
  PeerDirectory one_dir;
  for (const auto& n : {kOrigin, kNodeA}) one_dir.on_node_advert(n, node_advert(60'000), kT0);
  JobBook one(one_dir);
  const PeerId only = kWorkers[0];
  const PeerId other = kWorkers[1];
  const auto id = job_id(1);
  one_dir.on_worker_advert(only, worker_advert(kModel, true, 1'000), kT0);  // gone at kT0 + 3 s
  Timing t;
  t.lease_ms = 600'000;
  ASSERT_EQ(one.add_announce(kOrigin, announce(id, t), kT0).outcome, FactOutcome::kAdded);
  ASSERT_EQ(one.add_claim(only, claim(id), kT0 + 100ms).outcome, FactOutcome::kAdded);
  auto due = one.due_reannounces(kOrigin, kT0 + 3s);
  ASSERT_EQ(due.size(), 1u);
  ASSERT_EQ(due[0].excluded_size(), 1);  // it is gone: excluded
  ASSERT_EQ(one.add_announce(kOrigin, due[0], kT0 + 3s).outcome, FactOutcome::kAdded);
  EXPECT_TRUE(one.due_reannounces(kOrigin, kT0 + 10s).empty());  // nobody live: nothing to do
  // Back (restarted, same key): shut out of attempt 1, so attempt 2 lets it in.
  one_dir.on_worker_advert(only, worker_advert(kModel, true, 60'000), kT0 + 20s);
  due = one.due_reannounces(kOrigin, kT0 + 20s);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].attempt(), 2u);
  EXPECT_EQ(due[0].excluded_size(), 0);
  // With another live worker that may claim it, attempt 1 was fine as it was.
  one_dir.on_worker_advert(other, worker_advert(kModel, true, 60'000), kT0 + 20s);
  EXPECT_TRUE(one.due_reannounces(kOrigin, kT0 + 20s).empty());

  // It failed its run while live, and is the only live worker: the next attempt keeps it in.
  const auto id2 = job_id(2);
  PeerDirectory dir2;
  dir2.on_node_advert(kOrigin, node_advert(60'000), kT0);
  dir2.on_worker_advert(only, worker_advert(kModel, true, 60'000), kT0);
  JobBook two(dir2);
  ASSERT_EQ(two.add_announce(kOrigin, announce(id2), kT0).outcome, FactOutcome::kAdded);
  ASSERT_EQ(two.add_claim(only, claim(id2), kT0 + 100ms).outcome, FactOutcome::kAdded);
  pb::JobFailed f;
  f.set_job_id(id2);
  f.set_reason("backend down");
  ASSERT_EQ(two.add_failed(only, f, kT0 + 2s).outcome, FactOutcome::kAdded);
  due = two.due_reannounces(kOrigin, kT0 + 2s);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].excluded_size(), 0);
}

// A job can be finished and then not (two announcers' `excluded` lists merge and take the
// counted result's claim away). prune() had dropped it from the jobs due_reannounces scans,
// so nobody announced it again; it is scanned again once prune() sees it open.
TEST_F(JobBookTest, AJobReopenedAfterPruneIsAnnouncedAgain) {
  const auto id = job_id(1);
  dir.on_node_advert(kOrigin, node_advert(1'000), kT0);  // gone from kT0 + 3 s
  ASSERT_EQ(book.add_announce(kOrigin, announce(id), kT0).outcome, FactOutcome::kAdded);
  ASSERT_EQ(book.add_announce(kNodeA, announce(id, {}, 1, {kWorkers[0]}), kT0 + 20s).outcome,
            FactOutcome::kAdded);
  ASSERT_EQ(book.add_claim(kWorkers[1], claim(id, 1), kT0 + 20s).outcome, FactOutcome::kAdded);
  ASSERT_EQ(book.add_result(kWorkers[1], result(id, 1, 0), kT0 + 22s).outcome, FactOutcome::kAdded);
  ASSERT_EQ(state(id, kT0 + 22s), JobState::kDone);
  book.prune(kT0 + 23s);
  // The other announcer of attempt 1 excluded worker 1: the union does too.
  ASSERT_EQ(book.add_announce(kNodeB, announce(id, {}, 1, {kWorkers[1]}), kT0 + 24s).outcome,
            FactOutcome::kAdded);
  const Instant later = kT0 + 40s;  // past attempt 1's lease
  EXPECT_NE(state(id, later), JobState::kDone);
  book.prune(later);
  const std::optional<PeerId> announcer = dir.announcer(id, kOrigin, later);
  ASSERT_TRUE(announcer);
  const auto due = book.due_reannounces(*announcer, later);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].attempt(), 2u);
}

TEST_F(JobBookTest, LeaseLapseReannouncesOnTheTakeoverNodeWhenOriginIsGone) {
  dir.on_node_advert(kOrigin, node_advert(1'000), kT0);  // gone from kT0 + 3 s
  const auto id = job_id(1);
  ASSERT_EQ(book.add_announce(kOrigin, announce(id), kT0).outcome, FactOutcome::kAdded);
  ASSERT_EQ(book.add_claim(kWorkers[0], claim(id), kT0 + 100ms).outcome, FactOutcome::kAdded);
  const bool a_first = takeover_rank(id, kNodeA) < takeover_rank(id, kNodeB);
  const PeerId& taker = a_first ? kNodeA : kNodeB;
  const PeerId& other = a_first ? kNodeB : kNodeA;
  const Instant lapse = kT0 + 11s;
  EXPECT_TRUE(book.due_reannounces(kOrigin, lapse).empty());
  EXPECT_TRUE(book.due_reannounces(other, lapse).empty());
  const auto due = book.due_reannounces(taker, lapse);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].attempt(), 1u);
  EXPECT_EQ(due[0].origin(), mh(kOrigin));
  EXPECT_VERDICT(book.add_announce(taker, due[0], lapse), FactOutcome::kAdded);
}

TEST_F(JobBookTest, GoneWinnerLapsesBeforeTheLease) {
  short_lived_worker(kWorkers[0]);  // gone from kT0 + 3 s
  const auto id = job_id(1);
  ASSERT_EQ(book.add_announce(kOrigin, announce(id), kT0).outcome, FactOutcome::kAdded);
  ASSERT_EQ(book.add_claim(kWorkers[0], claim(id), kT0 + 100ms).outcome, FactOutcome::kAdded);
  EXPECT_TRUE(book.due_reannounces(kOrigin, kT0 + 2s).empty());
  const auto due = book.due_reannounces(kOrigin, kT0 + 3s);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].excluded(0), mh(kWorkers[0]));
}

TEST_F(JobBookTest, FailedWinnerLapsesAtOnce) {
  const auto id = job_id(1);
  const auto a = announce(id);
  const auto ranked = by_rank(a, 0);
  ASSERT_EQ(book.add_announce(kOrigin, a, kT0).outcome, FactOutcome::kAdded);
  ASSERT_EQ(book.add_claim(ranked[0], claim(id), kT0 + 100ms).outcome, FactOutcome::kAdded);
  ASSERT_EQ(book.add_claim(ranked[1], claim(id), kT0 + 100ms).outcome, FactOutcome::kAdded);
  EXPECT_VERDICT(book.add_failed(ranked[1], failed(id, 0, 0), kT0 + 3s), FactOutcome::kIgnored,
                 Reject::kNotWinner);
  EXPECT_TRUE(book.due_reannounces(kOrigin, kT0 + 2s).empty());
  EXPECT_VERDICT(book.add_failed(ranked[0], failed(id, 0, 0), kT0 + 2s), FactOutcome::kAdded);
  EXPECT_VERDICT(book.add_failed(ranked[0], failed(id, 0, 0), kT0 + 2s), FactOutcome::kDuplicate);
  const auto due = book.due_reannounces(kOrigin, kT0 + 2s);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].excluded(0), mh(ranked[0]));
}

TEST_F(JobBookTest, ExcludedIsEveryWinnerWithoutAResultSortedOnce) {
  const auto id = job_id(1);
  const auto a = announce(id, {.n = 2});
  const auto r0 = by_rank(a, 0);
  ASSERT_EQ(book.add_announce(kOrigin, a, kT0).outcome, FactOutcome::kAdded);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(book.add_claim(r0[i], claim(id), kT0).outcome, FactOutcome::kAdded);
  ASSERT_EQ(book.add_result(r0[0], result(id, 0, 0), kT0 + 2s).outcome, FactOutcome::kAdded);
  auto due = book.due_reannounces(kOrigin, kT0 + 11s);
  ASSERT_EQ(due.size(), 1u);
  ASSERT_EQ(due[0].excluded_size(), 1);
  EXPECT_EQ(due[0].excluded(0), mh(r0[1]));  // r0[0] delivered; r0[2] won nothing
  ASSERT_EQ(book.add_announce(kOrigin, due[0], kT0 + 11s).outcome, FactOutcome::kAdded);

  std::vector<PeerId> rest;
  for (const auto& w : kWorkers) {
    if (w != r0[1]) rest.push_back(w);
  }
  const auto r1 = by_rank(a, 1, rest);
  for (const auto& w : rest) {
    ASSERT_EQ(book.add_claim(w, claim(id, 1), kT0 + 11s).outcome, FactOutcome::kAdded);
  }
  due = book.due_reannounces(kOrigin, kT0 + 22s);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].attempt(), 2u);
  std::vector<std::string> expected = {mh(r0[1]), mh(r1[0]), mh(r1[1])};
  std::sort(expected.begin(), expected.end());
  expected.erase(std::unique(expected.begin(), expected.end()), expected.end());
  EXPECT_EQ(std::vector<std::string>(due[0].excluded().begin(), due[0].excluded().end()), expected);
}

TEST_F(JobBookTest, AttemptsExhaustedFaults) {
  const auto id = job_id(1);
  const auto a = announce(id, {.max_attempts = 2});
  ASSERT_EQ(book.add_announce(kOrigin, a, kT0).outcome, FactOutcome::kAdded);
  auto due = book.due_reannounces(kOrigin, kT0 + 11s);  // nobody claimed: the lease ran out
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].excluded_size(), 0);
  ASSERT_EQ(book.add_announce(kOrigin, due[0], kT0 + 11s).outcome, FactOutcome::kAdded);
  EXPECT_EQ(state(id, kT0 + 21s), JobState::kQueued);
  const auto v = book.view(id, kT0 + 22s).value();
  EXPECT_EQ(v.state, JobState::kFaulted);
  EXPECT_EQ(v.reason, "attempts exhausted");
  EXPECT_TRUE(book.due_reannounces(kOrigin, kT0 + 22s).empty());
}

TEST_F(JobBookTest, LateResultOfAnEarlierAttemptCountsOnce) {
  const auto id = job_id(1);
  const auto a = announce(id);
  const auto r0 = by_rank(a, 0);
  ASSERT_EQ(book.add_announce(kOrigin, a, kT0).outcome, FactOutcome::kAdded);
  ASSERT_EQ(book.add_claim(r0[0], claim(id), kT0).outcome, FactOutcome::kAdded);
  const auto due = book.due_reannounces(kOrigin, kT0 + 11s);
  ASSERT_EQ(due.size(), 1u);
  ASSERT_EQ(book.add_announce(kOrigin, due[0], kT0 + 11s).outcome, FactOutcome::kAdded);
  ASSERT_EQ(book.add_claim(r0[1], claim(id, 1), kT0 + 11s).outcome, FactOutcome::kAdded);
  // Attempt 0's winner delivers after all.
  EXPECT_VERDICT(book.add_result(r0[0], result(id, 0, 0, "late"), kT0 + 12s), FactOutcome::kAdded);
  auto v = book.view(id, kT0 + 12s).value();
  EXPECT_EQ(v.state, JobState::kDone);
  EXPECT_EQ(v.attempt, 1u);
  EXPECT_EQ(v.generations[0].winner, r0[1]);
  EXPECT_EQ(v.generations[0].result_attempt, 0u);
  EXPECT_EQ(v.generations[0].result_author, r0[0]);
  // Attempt 1's result is redundant: the lowest attempt's counts.
  EXPECT_VERDICT(book.add_result(r0[1], result(id, 1, 0, "again"), kT0 + 13s), FactOutcome::kAdded);
  v = book.view(id, kT0 + 13s).value();
  EXPECT_EQ(v.generations[0].result_attempt, 0u);
  EXPECT_EQ(v.generations[0].result->text(), "late");
}

TEST_F(JobBookTest, FactsBeforeTheAnnounceAreReplayed) {
  const auto id = job_id(1);
  const auto a = announce(id);
  EXPECT_VERDICT(book.add_result(kWorkers[0], result(id, 0, 0), kT0 + 2s), FactOutcome::kIgnored,
                 Reject::kUnknownJob);
  EXPECT_VERDICT(book.add_claim(kWorkers[0], claim(id), kT0 + 100ms), FactOutcome::kIgnored,
                 Reject::kUnknownJob);
  EXPECT_VERDICT(book.add_cancel(kNodeA, cancel(id), kT0), FactOutcome::kIgnored,
                 Reject::kUnknownJob);
  EXPECT_EQ(book.size(), 0u);
  ASSERT_EQ(book.add_announce(kOrigin, a, kT0).outcome, FactOutcome::kAdded);
  const auto v = book.view(id, kT0 + 2s).value();
  EXPECT_EQ(v.state, JobState::kDone);  // and the cancel, not from the origin, was dropped
  EXPECT_EQ(v.generations[0].result_author, kWorkers[0]);
}

TEST_F(JobBookTest, PruneForgetsFinishedJobs) {
  JobBook b(dir, BookConfig{.keep_finished = std::chrono::minutes(1)});
  ASSERT_EQ(b.add_announce(kOrigin, announce(job_id(1)), kT0).outcome, FactOutcome::kAdded);
  ASSERT_EQ(b.add_announce(kOrigin, announce(job_id(2)), kT0).outcome, FactOutcome::kAdded);
  ASSERT_EQ(b.add_cancel(kOrigin, cancel(job_id(1)), kT0).outcome, FactOutcome::kAdded);
  b.prune(kT0 + 1s);
  EXPECT_EQ(b.size(), 2u);
  b.prune(kT0 + 60s);
  EXPECT_EQ(b.size(), 2u);
  b.prune(kT0 + 61s);
  EXPECT_EQ(b.jobs(), std::vector<JobId>{job_id(2)});
}

// --- order does not matter ---------------------------------------------------------------------

struct Summary {
  JobState state;
  uint32_t attempt;
  size_t claims;
  std::vector<std::optional<PeerId>> winners, authors;
  std::vector<std::optional<uint32_t>> attempts;
  std::vector<std::string> texts;
  bool operator==(const Summary&) const = default;
};

Summary summarise(const JobView& v) {
  Summary s{v.state, v.attempt, v.claims, {}, {}, {}, {}};
  for (const auto& g : v.generations) {
    s.winners.push_back(g.winner);
    s.authors.push_back(g.result_author);
    s.attempts.push_back(g.result_attempt);
    s.texts.push_back(g.result ? g.result->text() : "");
  }
  return s;
}

TEST_F(JobBookTest, AnyOrderAndRepetitionGivesTheSameView) {
  const auto id = job_id(9);
  const auto a0 = announce(id, {.n = 2});
  const auto r0 = by_rank(a0, 0, {kWorkers[0], kWorkers[1], kWorkers[2], kWorkers[3]});
  // Attempt 0: r0[0] delivers generation 0, r0[1] fails generation 1; attempt 1 excludes r0[1].
  const auto a1 = announce(id, {.n = 2}, 1, {r0[1]});
  std::vector<PeerId> rest;
  for (const auto& w : kWorkers) {
    if (w != r0[1]) rest.push_back(w);
  }
  const auto r1 = by_rank(a0, 1, rest);

  using Fact = std::function<void(JobBook&)>;
  std::vector<Fact> facts;
  facts.push_back([&](JobBook& b) { b.add_announce(kOrigin, a0, kT0); });
  for (const auto& w : r0) {
    facts.push_back([&, w](JobBook& b) { b.add_claim(w, claim(id, 0), kT0 + 100ms); });
  }
  facts.push_back([&](JobBook& b) { b.add_result(r0[0], result(id, 0, 0, "a0g0"), kT0 + 4s); });
  facts.push_back([&](JobBook& b) { b.add_failed(r0[1], failed(id, 0, 1), kT0 + 4s); });
  facts.push_back([&](JobBook& b) { b.add_result(r0[3], result(id, 0, 0, "nope"), kT0 + 4s); });
  facts.push_back([&](JobBook& b) { b.add_result(r0[2], result(id, 0, 1, "nope"), kT0 + 4s); });
  facts.push_back([&](JobBook& b) { b.add_announce(kNodeA, a1, kT0 + 5s); });
  for (const auto& w : rest) {
    facts.push_back([&, w](JobBook& b) { b.add_claim(w, claim(id, 1), kT0 + 5100ms); });
  }
  facts.push_back([&](JobBook& b) { b.add_claim(r0[1], claim(id, 1), kT0 + 5100ms); });  // excluded
  facts.push_back([&](JobBook& b) { b.add_cancel(kNodeB, cancel(id), kT0 + 9s); });  // not origin
  // Without attempt 1's results (`facts`) the job is still open; with them (`all`) it is done.
  std::vector<Fact> all = facts;
  all.push_back([&](JobBook& b) { b.add_result(r1[1], result(id, 1, 1, "a1g1"), kT0 + 8s); });
  all.push_back([&](JobBook& b) { b.add_result(r1[0], result(id, 1, 0, "a1g0"), kT0 + 8s); });
  all.push_back([&](JobBook& b) { b.add_result(r1[0], result(id, 1, 1, "held"), kT0 + 8s); });

  const Instant now = kT0 + 10s;
  const Instant lapse = kT0 + 16s;  // attempt 1's lease: 5 s + 1 s + 10 s
  JobBook open_book(dir), done_book(dir);
  for (const auto& f : facts) f(open_book);
  for (const auto& f : all) f(done_book);
  const auto open = summarise(open_book.view(id, now).value());
  EXPECT_EQ(open.state, JobState::kProcessing);
  EXPECT_EQ(open.authors, (std::vector<std::optional<PeerId>>{r0[0], std::nullopt}));
  const auto due = open_book.due_reannounces(kOrigin, lapse);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].attempt(), 2u);
  EXPECT_EQ(due[0].excluded_size(), 3);  // r0[1], r1[0], r1[1]
  const auto done = summarise(done_book.view(id, now).value());
  EXPECT_EQ(done.state, JobState::kDone);
  EXPECT_EQ(done.attempt, 1u);
  EXPECT_EQ(done.claims, rest.size());
  EXPECT_EQ(done.winners, (std::vector<std::optional<PeerId>>{r1[0], r1[1]}));
  EXPECT_EQ(done.authors, (std::vector<std::optional<PeerId>>{r0[0], r1[1]}));
  EXPECT_EQ(done.attempts, (std::vector<std::optional<uint32_t>>{0u, 1u}));
  EXPECT_EQ(done.texts, (std::vector<std::string>{"a0g0", "a1g1"}));

  std::mt19937 rng(20240611);
  auto shuffled = [&](const std::vector<Fact>& set, bool twice) {
    std::vector<Fact> order = set;
    if (twice) order.insert(order.end(), set.begin(), set.end());
    std::shuffle(order.begin(), order.end(), rng);
    auto b = std::make_unique<JobBook>(dir);
    for (const auto& f : order) f(*b);
    return b;
  };
  for (int round = 0; round < 200; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const bool twice = round % 2 == 1;
    const auto o = shuffled(facts, twice);
    ASSERT_EQ(summarise(o->view(id, now).value()), open);
    const auto d = o->due_reannounces(kOrigin, lapse);
    ASSERT_EQ(d.size(), 1u);
    ASSERT_EQ(d[0].SerializeAsString(), due[0].SerializeAsString());
    const auto b = shuffled(all, twice);
    ASSERT_EQ(summarise(b->view(id, now).value()), done);
    EXPECT_TRUE(b->due_reannounces(kOrigin, lapse).empty());
  }
}

}  // namespace
}  // namespace aipg::grid

namespace aipg::grid {
namespace {

// Across a partition two announcers publish attempt 1 with different `excluded` lists (each side
// saw a different winner of attempt 0 fail to deliver). Books merge the lists, and every order
// of the same facts, repeated or not, gives the same winner and result.
TEST_F(JobBookTest, TwoExcludedListsOfOneAttemptMergeInAnyOrder) {
  const auto id = job_id(8);
  const auto a0 = announce(id);
  const auto r0 = by_rank(a0, 0, {kWorkers[0], kWorkers[1], kWorkers[2], kWorkers[3]});
  const auto side_a = announce(id, {}, 1, {r0[0]});
  const auto side_b = announce(id, {}, 1, {r0[1]});
  const std::vector<PeerId> eligible = {r0[2], r0[3], kWorkers[4]};
  const auto r1 = by_rank(a0, 1, eligible);

  using Fact = std::function<void(JobBook&)>;
  std::vector<Fact> facts;
  facts.push_back([&](JobBook& b) { b.add_announce(kOrigin, a0, kT0); });
  for (const auto& w : r0) {
    facts.push_back([&, w](JobBook& b) { b.add_claim(w, claim(id, 0), kT0 + 100ms); });
  }
  facts.push_back([&](JobBook& b) { b.add_announce(kNodeA, side_a, kT0 + 12s); });
  facts.push_back([&](JobBook& b) { b.add_announce(kNodeB, side_b, kT0 + 12s); });
  // r0[1] claims on side A, where it is not excluded, and even delivers: neither counts.
  facts.push_back([&](JobBook& b) { b.add_claim(r0[1], claim(id, 1), kT0 + 12100ms); });
  facts.push_back([&](JobBook& b) { b.add_result(r0[1], result(id, 1, 0, "no"), kT0 + 14s); });
  for (const auto& w : eligible) {
    facts.push_back([&, w](JobBook& b) { b.add_claim(w, claim(id, 1), kT0 + 12100ms); });
  }
  facts.push_back([&](JobBook& b) { b.add_result(r1[0], result(id, 1, 0, "yes"), kT0 + 15s); });

  const Instant now = kT0 + 20s;
  std::mt19937 rng(8);
  std::optional<Summary> first;
  for (int round = 0; round < 200; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::vector<Fact> order = facts;
    if (round % 2 == 1) order.insert(order.end(), facts.begin(), facts.end());
    std::shuffle(order.begin(), order.end(), rng);
    JobBook b(dir);
    for (const auto& f : order) f(b);
    const Summary s = summarise(b.view(id, now).value());
    if (!first) {
      first = s;
      EXPECT_EQ(s.state, JobState::kDone);
      EXPECT_EQ(s.winners, (std::vector<std::optional<PeerId>>{r1[0]}));
      EXPECT_EQ(s.authors, (std::vector<std::optional<PeerId>>{r1[0]}));
      EXPECT_EQ(s.texts, (std::vector<std::string>{"yes"}));
    }
    ASSERT_EQ(s, *first);
    ASSERT_EQ(b.winners(id, 1), (std::vector<PeerId>{r1[0]}));
  }
}

}  // namespace
}  // namespace aipg::grid
