#include "protocol/grid/api_core.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "protocol/grid/rank.hpp"
#include "protocol/grid/topics.hpp"
#include "test_ids.hpp"
#include "wire/multiaddr.hpp"

namespace aipg::grid {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::job;
using testing::kT0;
using testing::peer;

using testing::wall;

constexpr char kModel[] = "org/model";

// Deterministic bytes (splitmix64).
class TestRng final : public runtime::Rng {
 public:
  explicit TestRng(uint64_t seed) : s_(seed) {}
  void fill(MutBytesView out) override {
    for (uint8_t& b : out) {
      uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      b = static_cast<uint8_t>(z ^ (z >> 31));
    }
  }

 private:
  uint64_t s_;
};

std::string mh(const PeerId& p) { return std::string(as_chars(p.multihash())); }

Bytes encode(pb::GridMessage m, Instant now) { return encode_message(std::move(m), wall(now)); }

Bytes worker_advert(const std::string& model, Instant now) {
  pb::GridMessage m;
  pb::WorkerAdvert* a = m.mutable_worker_advert();
  a->add_models()->set_name(model);
  a->set_slots_total(1);
  a->set_slots_free(1);
  a->set_healthy(true);
  a->set_advert_interval_ms(5000);
  return encode(m, now);
}

Bytes claim(const JobId& id, uint32_t attempt, Instant now) {
  pb::GridMessage m;
  m.mutable_claim()->set_job_id(id);
  m.mutable_claim()->set_attempt(attempt);
  return encode(m, now);
}

Bytes result(const JobId& id, uint32_t attempt, uint32_t generation, Instant now) {
  pb::GridMessage m;
  pb::JobResult* r = m.mutable_result();
  r->set_job_id(id);
  r->set_attempt(attempt);
  r->set_generation(generation);
  r->set_text("The end.");
  return encode(m, now);
}

pb::GridMessage decode(const Publish& p) {
  pb::GridMessage m;
  EXPECT_TRUE(m.ParseFromArray(p.data.data(), static_cast<int>(p.data.size())));
  return m;
}

std::vector<pb::JobAnnounce> announces(const Publishes& ps) {
  std::vector<pb::JobAnnounce> out;
  for (const Publish& p : ps) {
    pb::GridMessage m = decode(p);
    if (m.has_announce()) {
      EXPECT_EQ(p.topic, jobs_topic(m.announce().model()));
      out.push_back(m.announce());
    }
  }
  return out;
}

ApiNodeCore::SubmitRequest request(uint32_t n = 1) {
  ApiNodeCore::SubmitRequest r;
  r.model = kModel;
  r.prompt = "Once upon a time";
  r.params.set_max_length(64);
  r.n = n;
  return r;
}

ApiNodeConfig config() {
  ApiNodeConfig c;
  c.http_url = "https://api.example";
  c.version = "test";
  return c;
}

const PeerId kSelf = peer(1);
const PeerId kW1 = peer(10);
const PeerId kW2 = peer(11);

struct ApiNodeCoreTest : ::testing::Test {
  TestRng rng{42};
  ApiNodeCore core{kSelf, config(), rng};

  void advertise(const PeerId& w, Instant now) {
    EXPECT_EQ(
        core.on_message(w, kWorkersTopic, worker_advert(kModel, now), now, wall(now)).validation,
        Validation::kAccept);
  }
  JobId submit(const ApiNodeCore::SubmitRequest& r, Instant now) {
    auto s = core.submit(r, now, wall(now));
    EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().to_string());
    return s->first;
  }
  Verdict deliver(const PeerId& author, const std::string& topic, const Bytes& data, Instant now) {
    return core.on_message(author, topic, data, now, wall(now));
  }
  // Two advertised workers claim; returns {winner, loser}.
  std::pair<PeerId, PeerId> claimed(const JobId& id, Instant now) {
    const std::string topic = jobs_topic(kModel);
    EXPECT_EQ(deliver(kW1, topic, claim(id, 0, now), now).validation, Validation::kAccept);
    EXPECT_EQ(deliver(kW2, topic, claim(id, 0, now), now).validation, Validation::kAccept);
    const PeerId winner = *core.job(id, now)->generations[0].winner;
    return {winner, winner == kW1 ? kW2 : kW1};
  }
};

TEST(ApiNodeConfig, DefaultsValidate) {
  EXPECT_TRUE(config().validate().has_value());
  ApiNodeConfig c = config();
  c.max_attempts = 11;
  ASSERT_FALSE(c.validate().has_value());
  EXPECT_NE(c.validate().error().message.find("max_attempts"), std::string::npos);
  c = config();
  c.replay_max_bytes = c.limits.max_message_size;
  ASSERT_FALSE(c.validate().has_value());
  EXPECT_NE(c.validate().error().message.find("replay_max_bytes"), std::string::npos);
}

TEST_F(ApiNodeCoreTest, TopicsAndStartAdvert) {
  EXPECT_EQ(core.topics({kModel, "", kModel}), core.topics({kModel}));
  std::vector<std::string> t = core.topics({kModel});
  EXPECT_EQ(t.size(), 4u);
  EXPECT_TRUE(std::is_sorted(t.begin(), t.end()));
  EXPECT_NE(std::find(t.begin(), t.end(), jobs_topic(kModel)), t.end());

  Publishes ps = core.start(kT0, wall(kT0));
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].topic, kNodesTopic);
  pb::GridMessage m = decode(ps[0]);
  ASSERT_TRUE(m.has_node_advert());
  EXPECT_EQ(m.node_advert().http_url(), "https://api.example");
  EXPECT_EQ(m.node_advert().advert_interval_ms(), 5000u);
  EXPECT_EQ(core.next_deadline(), kT0 + seconds(1));

  // Models are learnt from worker adverts.
  EXPECT_TRUE(core.models_seen().empty());
  advertise(kW1, kT0);
  EXPECT_EQ(core.models_seen(), std::vector<std::string>{kModel});
}

TEST_F(ApiNodeCoreTest, TickAdvertisesEveryIntervalWithOpenJobs) {
  core.start(kT0, wall(kT0));
  submit(request(), kT0);
  // A model we did not follow before: advertised at once (others replay what we missed of it).
  Publishes first = core.tick(kT0, wall(kT0));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(decode(first[0]).node_advert().models(0), kModel);
  EXPECT_TRUE(core.tick(kT0 + seconds(4), wall(kT0 + seconds(4))).empty());
  const Instant t = kT0 + seconds(5);
  Publishes ps = core.tick(t, wall(t));
  ASSERT_EQ(ps.size(), 1u);
  pb::GridMessage m = decode(ps[0]);
  ASSERT_TRUE(m.has_node_advert());
  EXPECT_EQ(m.node_advert().open_jobs(), 1u);
  EXPECT_EQ(m.node_advert().version(), "test");
  EXPECT_EQ(core.next_deadline(), t + seconds(1));
  EXPECT_TRUE(core.tick(t + seconds(1), wall(t + seconds(1))).empty());
  EXPECT_EQ(core.next_deadline(), t + seconds(2));
}

TEST_F(ApiNodeCoreTest, SubmitValidatesAgainstLimits) {
  auto bad_n = core.submit(request(50), kT0, wall(kT0));
  ASSERT_FALSE(bad_n.has_value());
  EXPECT_EQ(bad_n.error().message, "n is 50, must be 1..20");

  auto r = request();
  r.params.set_max_length(0);
  auto bad_len = core.submit(r, kT0, wall(kT0));
  ASSERT_FALSE(bad_len.has_value());
  EXPECT_EQ(bad_len.error().message, "params.max_length is 0, must be 1..4096");

  r = request();
  r.prompt.assign((64 << 10) + 1, 'x');
  auto big = core.submit(r, kT0, wall(kT0));
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().code, Errc::too_large);
  EXPECT_EQ(big.error().message, "prompt is 65537 bytes, limit 65536");

  r = request();
  r.claim_window_ms = 20'000;
  auto window = core.submit(r, kT0, wall(kT0));
  ASSERT_FALSE(window.has_value());
  EXPECT_EQ(window.error().message, "claim_window_ms is 20000, must be 0..10000");

  r = request();
  r.model.clear();
  auto nomodel = core.submit(r, kT0, wall(kT0));
  ASSERT_FALSE(nomodel.has_value());
  EXPECT_EQ(nomodel.error().message, "model is missing");

  EXPECT_TRUE(core.jobs().empty());
}

TEST_F(ApiNodeCoreTest, SubmitAnnouncesAndBookShowsQueued) {
  const std::string addr(as_chars(wire::Multiaddr::parse("/ip4/127.0.0.1/tcp/4001")->bytes()));
  core.set_stream_addrs({addr});
  auto s = core.submit(request(2), kT0, wall(kT0));
  ASSERT_TRUE(s.has_value()) << s.error().to_string();
  const auto& [id, ps] = *s;
  EXPECT_EQ(id.size(), kJobIdSize);
  std::vector<pb::JobAnnounce> as = announces(ps);
  ASSERT_EQ(as.size(), 1u);
  const pb::JobAnnounce& a = as[0];
  EXPECT_EQ(a.job_id(), id);
  EXPECT_EQ(a.nonce().size(), kNonceSize);
  EXPECT_EQ(a.origin(), mh(kSelf));
  ASSERT_EQ(a.origin_addrs_size(), 1);  // where workers stream to us
  EXPECT_EQ(a.origin_addrs(0), addr);
  EXPECT_EQ(a.model(), kModel);
  EXPECT_EQ(a.n(), 2u);
  EXPECT_EQ(a.attempt(), 0u);
  EXPECT_EQ(a.claim_window_ms(), 50u);
  EXPECT_EQ(a.ttl_ms(), 600'000u);
  EXPECT_EQ(a.lease_ms(), 300'000u);
  EXPECT_EQ(a.max_attempts(), 3u);
  EXPECT_EQ(a.created_ms(), 1'700'000'000'000u);
  // What we publish passes every receiver's check.
  EXPECT_EQ(check_message(ps[0].data, wall(kT0)).outcome, CheckOutcome::kOk);

  auto v = core.job(id, kT0);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->state, JobState::kQueued);
  EXPECT_TRUE(core.owns(id));
  EXPECT_EQ(core.jobs(), std::vector<JobId>{id});
  EXPECT_EQ(core.models_seen(), std::vector<std::string>{kModel});
  EXPECT_EQ(core.model_stats(kT0).at(kModel).queued, 1u);

  // A second job gets different random ids.
  auto s2 = core.submit(request(), kT0, wall(kT0));
  ASSERT_TRUE(s2.has_value());
  EXPECT_NE(s2->first, id);
}

TEST_F(ApiNodeCoreTest, ClaimsThenProcessingThenDone) {
  advertise(kW1, kT0);
  advertise(kW2, kT0);
  const JobId id = submit(request(), kT0);
  const Instant t1 = kT0 + milliseconds(10);
  auto [winner, loser] = claimed(id, t1);
  EXPECT_EQ(core.job(id, t1)->state, JobState::kClaimed);
  EXPECT_EQ(core.job(id, kT0 + milliseconds(50))->state, JobState::kProcessing);
  auto stats = core.model_stats(t1).at(kModel);
  EXPECT_EQ(stats.processing, 1u);
  EXPECT_EQ(stats.queued, 0u);
  EXPECT_EQ(stats.workers, 2u);

  const Instant t2 = kT0 + seconds(2);
  EXPECT_EQ(deliver(winner, kResultsTopic, result(id, 0, 0, t2), t2).validation,
            Validation::kAccept);
  auto v = core.job(id, t2);
  EXPECT_EQ(v->state, JobState::kDone);
  ASSERT_NE(v->generations[0].result, nullptr);
  EXPECT_EQ(v->generations[0].result->text(), "The end.");
  EXPECT_EQ(*v->generations[0].result_author, winner);
  EXPECT_TRUE(core.rejections().empty());
}

// A result from a claimant behind its generation: an honest race as a rule (it started before
// the better claim reached it, and over a slow link that can be seconds later). How late it is
// depends on arrival times, so it is never scored: ignored (not forwarded), whenever it comes.
TEST_F(ApiNodeCoreTest, ResultFromNonWinnerIsIgnoredNotCounted) {
  advertise(kW1, kT0);
  advertise(kW2, kT0);
  const JobId id = submit(request(), kT0);
  auto [winner, loser] = claimed(id, kT0 + milliseconds(10));
  for (const Instant t : {kT0 + seconds(1), kT0 + seconds(30)}) {
    Verdict v = deliver(loser, kResultsTopic, result(id, 0, 0, t), t);
    EXPECT_EQ(v.validation, Validation::kIgnore);
    EXPECT_EQ(v.reason, Reject::kNotWinner);
  }
  EXPECT_TRUE(core.rejections().empty());
  EXPECT_GE(core.app_score(loser, kT0 + seconds(30)), 0);
  EXPECT_EQ(core.job(id, kT0 + seconds(30))->state, JobState::kProcessing);
}

TEST_F(ApiNodeCoreTest, BadMessagesAreRejectedAndCounted) {
  const JobId id = submit(request(), kT0);
  const Bytes junk = {0xff, 0xff, 0xff};
  EXPECT_EQ(deliver(kW1, kResultsTopic, junk, kT0).validation, Validation::kReject);
  // A claim on the results topic.
  Verdict v = deliver(kW1, kResultsTopic, claim(id, 0, kT0), kT0);
  EXPECT_EQ(v.validation, Validation::kReject);
  EXPECT_EQ(v.reason, Reject::kBadField);
  // A body on the wrong topic.
  advertise(kW2, kT0);
  v = deliver(kW2, kResultsTopic, claim(id, 0, kT0), kT0);
  EXPECT_EQ(v.validation, Validation::kReject);
  EXPECT_EQ(v.reason, Reject::kBadField);
  // A claim of an unknown job is ignored, not counted.
  v = deliver(kW2, jobs_topic(kModel), claim(job(9), 0, kT0), kT0);
  EXPECT_EQ(v.validation, Validation::kIgnore);
  EXPECT_EQ(v.reason, Reject::kUnknownJob);
  EXPECT_EQ(core.rejections(),
            (std::map<std::string, uint64_t>{{"bad_field", 2}, {"malformed", 1}}));
  // Each rejection is its author's fault and lowers its app score (P5); the ignore does not.
  EXPECT_EQ(core.app_score(kW1, kT0), -2.0);
  EXPECT_EQ(core.app_score(kW2, kT0), -1.0);
  EXPECT_EQ(core.app_score(peer(12), kT0), 0.0);
}

TEST_F(ApiNodeCoreTest, CancelOwnJob) {
  const JobId id = submit(request(), kT0);
  auto c = core.cancel(id, "user asked", kT0 + seconds(1), wall(kT0 + seconds(1)));
  ASSERT_TRUE(c.has_value()) << c.error().to_string();
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].topic, jobs_topic(kModel));
  pb::GridMessage m = decode((*c)[0]);
  ASSERT_TRUE(m.has_cancel());
  EXPECT_EQ(m.cancel().job_id(), id);
  auto v = core.job(id, kT0 + seconds(1));
  EXPECT_EQ(v->state, JobState::kCancelled);
  EXPECT_EQ(v->reason, "user asked");
  // Again: nothing more to publish.
  auto again = core.cancel(id, "user asked", kT0 + seconds(2), wall(kT0 + seconds(2)));
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->empty());
}

TEST_F(ApiNodeCoreTest, CancelOfJobWeDoNotOwnIsRefused) {
  EXPECT_EQ(core.cancel(job(7), "x", kT0, wall(kT0)).error().code, Errc::not_found);
  // Another node's job, known from its announce.
  TestRng other_rng{7};
  ApiNodeCore other{peer(2), config(), other_rng};
  auto s = other.submit(request(), kT0, wall(kT0));
  ASSERT_TRUE(s.has_value());
  const auto& [id, ps] = *s;
  EXPECT_EQ(deliver(peer(2), ps[0].topic, ps[0].data, kT0).validation, Validation::kAccept);
  ASSERT_TRUE(core.job(id, kT0).has_value());
  EXPECT_FALSE(core.owns(id));
  auto c = core.cancel(id, "x", kT0, wall(kT0));
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, Errc::not_found);
  EXPECT_EQ(core.job(id, kT0)->state, JobState::kQueued);
}

TEST_F(ApiNodeCoreTest, SilentWinnerIsReplacedByReannounce) {
  core.start(kT0, wall(kT0));
  advertise(kW1, kT0);
  advertise(kW2, kT0);
  const JobId id = submit(request(), kT0);
  auto [winner, loser] = claimed(id, kT0 + milliseconds(10));
  // The loser keeps advertising; the winner goes silent. Gone after 3 × 5 s.
  std::vector<pb::JobAnnounce> seen;
  Instant first_reannounce = kNever;
  for (Instant t = kT0 + seconds(1); t <= kT0 + seconds(20); t += seconds(1)) {
    if ((t - kT0) % seconds(5) == Duration::zero()) advertise(loser, t);
    for (const pb::JobAnnounce& a : announces(core.tick(t, wall(t)))) {
      if (seen.empty()) first_reannounce = t;
      // The same attempt again is a republish of an unclaimed announce, not a re-announce.
      if (seen.empty() || seen.back().attempt() != a.attempt()) seen.push_back(a);
    }
  }
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(first_reannounce, kT0 + seconds(15));
  const pb::JobAnnounce& a = seen[0];
  EXPECT_EQ(a.job_id(), id);
  EXPECT_EQ(a.attempt(), 1u);
  ASSERT_EQ(a.excluded_size(), 1);
  EXPECT_EQ(a.excluded(0), mh(winner));
  auto v = core.job(id, kT0 + seconds(20));
  EXPECT_EQ(v->attempt, 1u);
  EXPECT_EQ(v->state, JobState::kQueued);
  // The excluded winner may not claim attempt 1; the loser may, and wins it.
  const Instant t = kT0 + seconds(20);
  advertise(winner, t);
  EXPECT_EQ(deliver(winner, jobs_topic(kModel), claim(id, 1, t), t).reason, Reject::kExcluded);
  EXPECT_EQ(deliver(loser, jobs_topic(kModel), claim(id, 1, t), t).validation, Validation::kAccept);
  EXPECT_EQ(deliver(loser, kResultsTopic, result(id, 1, 0, t), t).validation, Validation::kAccept);
  EXPECT_EQ(core.job(id, t)->state, JobState::kDone);
}

// An announce nobody claimed may never have left (no peers yet, a lost message): it goes out
// again at doubling gaps while a worker serves the model, and stops once a claim comes.
TEST_F(ApiNodeCoreTest, UnclaimedJobsArePublishedAgainAtDoublingGaps) {
  core.start(kT0, wall(kT0));
  const JobId lonely = submit(request(), kT0);  // no worker yet: kept, not published
  advertise(kW1, kT0 + seconds(3));
  const JobId id = submit(request(), kT0 + seconds(3));
  std::vector<std::pair<Instant, JobId>> again;
  for (Instant t = kT0 + seconds(3); t < kT0 + seconds(18); t += milliseconds(250)) {
    if (t == kT0 + seconds(12)) advertise(kW1, t);  // stays live
    for (const pb::JobAnnounce& a : announces(core.tick(t, wall(t)))) {
      EXPECT_EQ(a.attempt(), 0u);
      again.emplace_back(t, a.job_id());
    }
  }
  // The lonely job, due long ago, goes as soon as a worker is there; the other at +2 s, +6 s,
  // +14 s (gaps 2, 4, 8).
  std::vector<Instant> times;
  for (const auto& [t, job] : again) {
    if (job == id) times.push_back(t);
  }
  ASSERT_EQ(times.size(), 3u);
  EXPECT_EQ(times[0], kT0 + seconds(5));
  EXPECT_EQ(times[1], kT0 + seconds(9));
  EXPECT_EQ(times[2], kT0 + seconds(17));
  EXPECT_TRUE(
      std::any_of(again.begin(), again.end(), [&](const auto& p) { return p.second == lonely; }));

  // A claim ends it (while the claimant lives: it advertised last at 12 s).
  const Instant t1 = kT0 + seconds(18);
  ASSERT_EQ(deliver(kW1, jobs_topic(kModel), claim(id, 0, t1), t1).validation, Validation::kAccept);
  for (Instant t = t1; t < kT0 + seconds(26); t += seconds(1)) {
    for (const pb::JobAnnounce& a : announces(core.tick(t, wall(t)))) EXPECT_NE(a.job_id(), id);
  }
}

TEST(ApiNodeCoreTakeover, LowestRankedLiveNodeReannouncesWhenOriginIsGone) {
  ApiNodeConfig cfg = config();
  cfg.default_lease_ms = 20'000;
  TestRng ra{1}, rb{2}, rc{3};
  const PeerId pa = peer(1), pb_ = peer(2), pc = peer(3);
  ApiNodeCore a{pa, cfg, ra}, b{pb_, cfg, rb}, c{pc, cfg, rc};
  struct Node {
    ApiNodeCore* core;
    PeerId id;
  };
  std::vector<Node> nodes = {{&a, pa}, {&b, pb_}, {&c, pc}};
  // Delivers what `from` publishes to every other live node; returns its announces.
  auto flood = [&](const Node& from, const Publishes& ps, Instant now, bool to_a) {
    for (const Publish& p : ps) {
      for (const Node& to : nodes) {
        if (to.core == from.core || (to.core == &a && !to_a)) continue;
        EXPECT_EQ(to.core->on_message(from.id, p.topic, p.data, now, wall(now)).validation,
                  Validation::kAccept)
            << p.topic;
      }
    }
    return announces(ps);
  };
  for (const Node& n : nodes) flood(n, n.core->start(kT0, wall(kT0)), kT0, true);
  auto s = a.submit(request(), kT0, wall(kT0));
  ASSERT_TRUE(s.has_value());
  const JobId id = s->first;
  flood(nodes[0], s->second, kT0, true);
  ASSERT_EQ(b.job(id, kT0)->state, JobState::kQueued);
  ASSERT_EQ(c.job(id, kT0)->state, JobState::kQueued);

  // A is gone from now on (no ticks, no adverts). B and C keep advertising to each other.
  const PeerId expected = takeover_rank(id, pb_) < takeover_rank(id, pc) ? pb_ : pc;
  std::map<PeerId, std::vector<pb::JobAnnounce>> by;
  for (Instant t = kT0 + seconds(1); t <= kT0 + seconds(30); t += seconds(1)) {
    for (size_t i = 1; i < nodes.size(); ++i) {
      for (auto& ann : flood(nodes[i], nodes[i].core->tick(t, wall(t)), t, false)) {
        by[nodes[i].id].push_back(ann);
      }
    }
  }
  // The lease of attempt 0 (claim window + 20 s) runs out at 20.05 s; A is gone since 15 s.
  ASSERT_EQ(by.size(), 1u);
  EXPECT_EQ(by.begin()->first, expected);
  ASSERT_EQ(by.begin()->second.size(), 1u);
  EXPECT_EQ(by.begin()->second[0].attempt(), 1u);
  EXPECT_EQ(by.begin()->second[0].origin(), mh(pa));
  // Both books now hold attempt 1.
  EXPECT_EQ(b.job(id, kT0 + seconds(30))->attempt, 1u);
  EXPECT_EQ(c.job(id, kT0 + seconds(30))->attempt, 1u);
}

TEST_F(ApiNodeCoreTest, TtlFaults) {
  core.start(kT0, wall(kT0));
  auto r = request();
  r.ttl_ms = 1000;
  const JobId id = submit(r, kT0);
  EXPECT_EQ(core.job(id, kT0 + milliseconds(999))->state, JobState::kQueued);
  const Instant t = kT0 + seconds(1);
  auto v = core.job(id, t);
  EXPECT_EQ(v->state, JobState::kFaulted);
  EXPECT_EQ(v->reason, "ttl expired");
  EXPECT_TRUE(announces(core.tick(t, wall(t))).empty());
  EXPECT_EQ(core.model_stats(t).at(kModel).queued, 0u);
}

}  // namespace
}  // namespace aipg::grid
