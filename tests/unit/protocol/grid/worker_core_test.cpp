#include "protocol/grid/worker_core.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

#include "protocol/grid/message_check.hpp"
#include "protocol/grid/rank.hpp"
#include "protocol/grid/topics.hpp"
#include "wire/keys.hpp"
#include "wire/multiaddr.hpp"

namespace aipg::grid {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const Instant kT0 = Instant{} + std::chrono::hours(1);
const WallTime kWall0 = WallTime{} + milliseconds(1'700'000'000'000);
constexpr char kModel[] = "org/model";
constexpr uint32_t kWindowMs = 1'000;

PeerId peer(uint8_t n) {
  const Bytes seed(32, n);
  return PeerId::from_public_key(wire::KeyPair::from_seed(seed).value().public_key());
}

std::string mh(const PeerId& p) { return std::string(as_chars(p.multihash())); }

const PeerId kOrigin = peer(1);
const PeerId kSelf = peer(10);
const std::vector<PeerId> kOthers = {peer(11), peer(12), peer(13), peer(14)};

JobId job_id(uint8_t n) { return JobId(kJobIdSize, char(n)); }

// A clock that the shell, the worker and the API node all read.
struct Clock {
  Instant now = kT0;
  WallTime wall() const { return kWall0 + (now - kT0); }
  void advance(Duration d) { now += d; }
};

pb::JobAnnounce announce(const JobId& id, uint32_t n = 1, uint32_t attempt = 0,
                         std::vector<PeerId> excluded = {}, uint32_t max_length = 64,
                         const std::string& model = kModel) {
  pb::JobAnnounce a;
  a.set_job_id(id);
  a.set_nonce(std::string(kNonceSize - 1, 'n') + id.substr(0, 1));
  a.set_origin(mh(kOrigin));
  a.add_origin_addrs(
      std::string(as_chars(wire::Multiaddr::parse("/ip4/127.0.0.1/tcp/4001")->bytes())));
  a.set_model(model);
  a.set_prompt("Once upon a time");
  pb::ChatMessage* m = a.add_messages();
  m->set_role("user");
  m->set_content("Once upon a time");
  a.mutable_params()->set_max_length(max_length);
  a.set_n(n);
  a.set_created_ms(1'700'000'000'000 + uint8_t(id[0]));
  a.set_ttl_ms(600'000);
  a.set_claim_window_ms(kWindowMs);
  a.set_lease_ms(10'000);
  a.set_max_attempts(3);
  a.set_attempt(attempt);
  std::sort(excluded.begin(), excluded.end());
  for (const auto& p : excluded) a.add_excluded(mh(p));
  return a;
}

template <class Set>
Bytes encode(Set set, const Clock& c) {
  pb::GridMessage m;
  set(m);
  return encode_message(std::move(m), c.wall());
}

Bytes announce_msg(const pb::JobAnnounce& a, const Clock& c) {
  return encode([&](pb::GridMessage& m) { *m.mutable_announce() = a; }, c);
}
Bytes claim_msg(const JobId& id, uint32_t attempt, const Clock& c) {
  return encode(
      [&](pb::GridMessage& m) {
        m.mutable_claim()->set_job_id(id);
        m.mutable_claim()->set_attempt(attempt);
      },
      c);
}
Bytes cancel_msg(const JobId& id, const Clock& c) {
  return encode(
      [&](pb::GridMessage& m) {
        m.mutable_cancel()->set_job_id(id);
        m.mutable_cancel()->set_reason("user");
      },
      c);
}
Bytes worker_advert_msg(const std::string& model, const Clock& c) {
  return encode(
      [&](pb::GridMessage& m) {
        auto* w = m.mutable_worker_advert();
        auto* info = w->add_models();
        info->set_name(model);
        info->set_max_length(512);
        info->set_max_context_length(4096);
        w->set_slots_total(1);
        w->set_slots_free(1);
        w->set_healthy(true);
        w->set_advert_interval_ms(60'000);
      },
      c);
}
Bytes node_advert_msg(const Clock& c) {
  return encode(
      [&](pb::GridMessage& m) {
        m.mutable_node_advert()->set_http_url("https://api.example");
        m.mutable_node_advert()->set_advert_interval_ms(60'000);
      },
      c);
}

WorkerConfig config(uint32_t slots = 1) {
  WorkerConfig cfg;
  cfg.models = {{kModel, 512, 4096}};
  cfg.slots = slots;
  cfg.advert_interval = seconds(60);  // adverts out of the way unless a test wants them
  cfg.name = "w";
  cfg.backend_kind = "ollama";
  cfg.claimants_per_generation = 0;  // every eligible worker claims, unless a test says so
  return cfg;
}

// `workers` sorted by claim rank for (job, attempt): the order in which they win.
std::vector<PeerId> by_rank(const pb::JobAnnounce& a, std::vector<PeerId> workers) {
  std::sort(workers.begin(), workers.end(), [&](const PeerId& x, const PeerId& y) {
    return claim_rank(a.job_id(), as_bytes(a.nonce()), a.attempt(), x) <
           claim_rank(a.job_id(), as_bytes(a.nonce()), a.attempt(), y);
  });
  return workers;
}

pb::GridMessage decode(const Publish& p, const Clock& c) {
  Checked checked = check_message(p.data, c.wall());
  EXPECT_EQ(checked.outcome, CheckOutcome::kOk) << checked.detail;
  return checked.message;
}

std::vector<pb::Claim> claims_in(const Publishes& ps, const Clock& c) {
  std::vector<pb::Claim> out;
  for (const auto& p : ps) {
    pb::GridMessage m = decode(p, c);
    if (m.has_claim()) {
      EXPECT_EQ(p.topic, jobs_topic(kModel));
      out.push_back(m.claim());
    }
  }
  return out;
}

// A worker under test with the API node and other workers it hears about.
struct Grid {
  Clock clock;
  WorkerCore w;
  explicit Grid(WorkerConfig cfg = config(), const PeerId& self = kSelf) : w(self, std::move(cfg)) {
    w.set_advert_listeners(1);  // an API node listens: our adverts reach it
    w.start(clock.now, clock.wall());
    hear(kOrigin, kNodesTopic, node_advert_msg(clock));
    for (const auto& o : kOthers) hear(o, kWorkersTopic, worker_advert_msg(kModel, clock));
  }
  Verdict hear(const PeerId& author, const std::string& topic, const Bytes& data) {
    return w.on_message(author, topic, data, clock.now, clock.wall());
  }
  Verdict hear_announce(const pb::JobAnnounce& a) {
    return hear(kOrigin, jobs_topic(a.model()), announce_msg(a, clock));
  }
  Verdict hear_claim(const PeerId& author, const JobId& id, uint32_t attempt = 0) {
    return hear(author, jobs_topic(kModel), claim_msg(id, attempt, clock));
  }
  WorkerCore::Actions tick() { return w.tick(clock.now, clock.wall()); }
  // Past the claim window of an announce heard now.
  WorkerCore::Actions after_window() {
    clock.advance(milliseconds(kWindowMs));
    return tick();
  }
};

TEST(WorkerCore, TopicsAndFirstAdvert) {
  WorkerConfig cfg = config(3);
  cfg.models.push_back({"other model", 128, 1024});
  WorkerCore w(kSelf, cfg);
  EXPECT_EQ(w.topics(), (std::vector<std::string>{kWorkersTopic, kNodesTopic, kResultsTopic,
                                                  jobs_topic(kModel), jobs_topic("other model")}));
  Clock c;
  const Publishes ps = w.start(c.now, c.wall());
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].topic, kWorkersTopic);
  const pb::GridMessage m = decode(ps[0], c);
  ASSERT_TRUE(m.has_worker_advert());
  EXPECT_EQ(m.worker_advert().models_size(), 2);
  EXPECT_EQ(m.worker_advert().slots_total(), 3u);
  EXPECT_EQ(m.worker_advert().slots_free(), 3u);
  EXPECT_TRUE(m.worker_advert().healthy());
  EXPECT_EQ(m.worker_advert().advert_interval_ms(), 60'000u);
  EXPECT_EQ(w.next_deadline(), c.now + seconds(60));
  // The next advert comes at the interval.
  c.advance(seconds(59));
  EXPECT_TRUE(w.tick(c.now, c.wall()).publish.empty());
  c.advance(seconds(1));
  EXPECT_EQ(w.tick(c.now, c.wall()).publish.size(), 1u);
}

TEST(WorkerCore, VerdictsForTheValidator) {
  Grid g;
  EXPECT_EQ(g.hear(kOrigin, kNodesTopic, Bytes{1, 2, 3}).validation, Validation::kReject);
  const pb::JobAnnounce a = announce(job_id(1));
  // Attempt 0 not by its origin.
  Verdict v = g.hear(kOthers[0], jobs_topic(kModel), announce_msg(a, g.clock));
  EXPECT_EQ(v.validation, Validation::kReject);
  EXPECT_EQ(v.reason, Reject::kNotOrigin);
  EXPECT_EQ(g.hear_announce(a).validation, Validation::kAccept);
  EXPECT_EQ(g.hear_announce(a).validation, Validation::kIgnore);  // duplicate
  // A claim stands on its own: one by a peer we have no advert of counts too.
  EXPECT_EQ(g.hear_claim(peer(99), a.job_id()).validation, Validation::kAccept);
  EXPECT_EQ(g.hear_claim(kOthers[0], a.job_id()).validation, Validation::kAccept);
  // A cancel not by the origin.
  v = g.hear(kOthers[0], jobs_topic(kModel), cancel_msg(a.job_id(), g.clock));
  EXPECT_EQ(v.validation, Validation::kReject);
  EXPECT_EQ(v.reason, Reject::kNotOrigin);
}

TEST(WorkerCore, ClaimsOnlyWhatItServesAndCanMeet) {
  Grid g(config(10));
  g.hear_announce(announce(job_id(1)));
  g.hear_announce(announce(job_id(2), 1, 0, {}, 1024));  // max_length over the cap (512)
  g.hear_announce(announce(job_id(3), 1, 0, {}, 64, "another/model"));
  pb::JobAnnounce context = announce(job_id(4));
  context.mutable_params()->set_max_context_length(8192);  // over the cap (4096)
  g.hear_announce(context);
  g.hear_announce(announce(job_id(5)));
  EXPECT_EQ(g.w.next_deadline(), Instant::min());  // messages came: tick now
  const auto claims = claims_in(g.tick().publish, g.clock);
  ASSERT_EQ(claims.size(), 2u);
  EXPECT_EQ(claims[0].job_id(), job_id(1));
  EXPECT_EQ(claims[1].job_id(), job_id(5));
  EXPECT_EQ(claims[0].attempt(), 0u);
  // At most one claim per (job, attempt), however often it ticks or hears the announce.
  g.hear_announce(announce(job_id(1)));
  EXPECT_TRUE(claims_in(g.tick().publish, g.clock).empty());
  EXPECT_EQ(g.w.next_deadline(), g.clock.now + milliseconds(kWindowMs));
}

TEST(WorkerCore, AtMostSlotsAtOnceCountingClaimsInTheirWindow) {
  Grid g(config(2));
  for (uint8_t i = 1; i <= 3; ++i) g.hear_announce(announce(job_id(i)));
  auto act = g.tick();
  auto claims = claims_in(act.publish, g.clock);
  ASSERT_EQ(claims.size(), 2u);  // FIFO: jobs 1 and 2
  EXPECT_EQ(claims[0].job_id(), job_id(1));
  EXPECT_EQ(claims[1].job_id(), job_id(2));
  EXPECT_EQ(g.w.slots_busy(), 2u);
  EXPECT_TRUE(act.start.empty());

  act = g.after_window();  // alone: we win both
  ASSERT_EQ(act.start.size(), 2u);
  EXPECT_EQ(g.w.running(), 2u);
  EXPECT_TRUE(claims_in(act.publish, g.clock).empty());  // no free slot for job 3

  // Full: a new announce is not claimed until a slot frees.
  g.hear_announce(announce(job_id(4)));
  EXPECT_TRUE(claims_in(g.tick().publish, g.clock).empty());
  EXPECT_FALSE(
      g.w.finished(act.start[0].key, "done", 3, "stop", g.clock.now, g.clock.wall()).empty());
  // The freed slot goes to the oldest job nobody has claimed: job 3, whose window passed while
  // we were full (an unclaimed job is worth a late claim).
  claims = claims_in(g.tick().publish, g.clock);
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].job_id(), job_id(3));
  EXPECT_EQ(g.w.slots_busy(), 2u);
}

TEST(WorkerCore, StartsAfterTheWindowOnlyWhenItWins) {
  // One job we outrank the other worker on, one it outranks us on.
  Grid g(config(2));
  const PeerId other = kOthers[0];
  std::optional<pb::JobAnnounce> won, lost;
  for (uint8_t id = 1; !won || !lost; ++id) {
    pb::JobAnnounce a = announce(job_id(id));
    (by_rank(a, {kSelf, other})[0] == kSelf ? won : lost) = a;
  }
  const pb::JobAnnounce* mine = &*won;
  const pb::JobAnnounce& a2 = *lost;
  g.hear_announce(*mine);
  g.hear_announce(a2);
  ASSERT_EQ(claims_in(g.tick().publish, g.clock).size(), 2u);
  g.hear_claim(other, mine->job_id());
  g.hear_claim(other, a2.job_id());
  g.clock.advance(milliseconds(kWindowMs - 1));
  EXPECT_TRUE(g.tick().start.empty());  // still in the window
  EXPECT_EQ(g.w.next_deadline(), g.clock.now + milliseconds(1));
  const auto act = g.after_window();
  ASSERT_EQ(act.start.size(), 1u);
  EXPECT_EQ(act.start[0].key, (RunKey{mine->job_id(), 0, 0}));
  EXPECT_EQ(act.start[0].model, kModel);
  EXPECT_EQ(act.start[0].prompt, "Once upon a time");
  EXPECT_EQ(act.start[0].params.max_length(), 64u);
  ASSERT_EQ(act.start[0].messages.size(), 1u);
  EXPECT_EQ(act.start[0].messages[0].role(), "user");
  EXPECT_EQ(act.start[0].origin, kOrigin);
  // Where to stream, even before any advert of the origin reached us.
  EXPECT_EQ(act.start[0].origin_addrs,
            std::vector<std::string>(mine->origin_addrs().begin(), mine->origin_addrs().end()));
  EXPECT_EQ(act.start[0].origin_addrs.size(), 1u);
  EXPECT_EQ(g.w.running(), 1u);
  EXPECT_EQ(g.w.slots_busy(), 1u);  // the lost claim's slot is free again
}

TEST(WorkerCore, ALowerClaimArrivingLateStopsTheRun) {
  Grid g;
  const std::vector<PeerId> all = {kSelf, kOthers[0], kOthers[1], kOthers[2], kOthers[3]};
  pb::JobAnnounce a;
  for (uint8_t id = 1;; ++id) {  // a job on which some worker outranks us
    a = announce(job_id(id));
    if (by_rank(a, all)[0] != kSelf) break;
  }
  g.hear_announce(a);
  ASSERT_EQ(claims_in(g.tick().publish, g.clock).size(), 1u);
  auto act = g.after_window();
  ASSERT_EQ(act.start.size(), 1u);
  const RunKey key = act.start[0].key;

  // A higher claim changes nothing; a lower one takes generation 0.
  std::vector<PeerId> order = by_rank(a, all);
  const auto self_at = std::find(order.begin(), order.end(), kSelf) - order.begin();
  for (auto i = self_at + 1; i < std::ssize(order); ++i) g.hear_claim(order[i], a.job_id());
  EXPECT_TRUE(g.tick().stop.empty());
  g.hear_claim(order[0], a.job_id());
  act = g.tick();
  ASSERT_EQ(act.stop.size(), 1u);
  EXPECT_EQ(act.stop[0], key);
  EXPECT_EQ(g.w.running(), 0u);
  // A stopped run's late result is not published.
  EXPECT_TRUE(g.w.finished(key, "late", 1, "stop", g.clock.now, g.clock.wall()).empty());
}

TEST(WorkerCore, TwoGenerationsTwoWorkers) {
  Clock clock;
  const PeerId a_id = kSelf;
  const PeerId b_id = kOthers[0];
  WorkerCore a(a_id, config());
  WorkerCore b(b_id, config());
  // Each hears the other's advert and the API node's.
  a.set_advert_listeners(1);
  b.set_advert_listeners(1);
  const Publishes adv_a = a.start(clock.now, clock.wall());
  const Publishes adv_b = b.start(clock.now, clock.wall());
  a.on_message(b_id, kWorkersTopic, adv_b[0].data, clock.now, clock.wall());
  b.on_message(a_id, kWorkersTopic, adv_a[0].data, clock.now, clock.wall());
  for (WorkerCore* w : {&a, &b}) {
    w->on_message(kOrigin, kNodesTopic, node_advert_msg(clock), clock.now, clock.wall());
  }
  const pb::JobAnnounce ann = announce(job_id(1), 2);
  for (WorkerCore* w : {&a, &b}) {
    EXPECT_EQ(w->on_message(kOrigin, jobs_topic(kModel), announce_msg(ann, clock), clock.now,
                            clock.wall())
                  .validation,
              Validation::kAccept);
  }
  // Each publishes its claim (and its advert, due at once for the API node it just heard of).
  auto claims_only = [](Publishes ps) {
    std::erase_if(ps, [](const Publish& p) { return p.topic != jobs_topic(kModel); });
    return ps;
  };
  const Publishes ca = claims_only(a.tick(clock.now, clock.wall()).publish);
  const Publishes cb = claims_only(b.tick(clock.now, clock.wall()).publish);
  ASSERT_EQ(ca.size(), 1u);
  ASSERT_EQ(cb.size(), 1u);
  EXPECT_EQ(b.on_message(a_id, ca[0].topic, ca[0].data, clock.now, clock.wall()).validation,
            Validation::kAccept);
  EXPECT_EQ(a.on_message(b_id, cb[0].topic, cb[0].data, clock.now, clock.wall()).validation,
            Validation::kAccept);
  clock.advance(milliseconds(kWindowMs));
  const auto sa = a.tick(clock.now, clock.wall()).start;
  const auto sb = b.tick(clock.now, clock.wall()).start;
  ASSERT_EQ(sa.size(), 1u);
  ASSERT_EQ(sb.size(), 1u);
  const std::vector<PeerId> order = by_rank(ann, {a_id, b_id});
  EXPECT_EQ(sa[0].key.generation, order[0] == a_id ? 0u : 1u);
  EXPECT_EQ(sb[0].key.generation, order[0] == b_id ? 0u : 1u);
}

TEST(WorkerCore, FinishedPublishesAResultAnApiNodeAccepts) {
  Grid g;
  // The API node's own directory and book, fed what it would hear.
  PeerDirectory dir;
  dir.set_self(kOrigin, true);
  JobBook book(dir);
  const Publishes first = g.w.start(g.clock.now, g.clock.wall());
  dir.on_worker_advert(kSelf, decode(first[0], g.clock).worker_advert(), g.clock.now);

  pb::JobAnnounce a = announce(job_id(1));
  a.mutable_params()->set_seed(42);
  ASSERT_EQ(book.add_announce(kOrigin, a, g.clock.now).outcome, FactOutcome::kAdded);
  g.hear_announce(a);
  const Publishes claim = g.tick().publish;
  ASSERT_EQ(claim.size(), 1u);
  ASSERT_EQ(book.add_claim(kSelf, decode(claim[0], g.clock).claim(), g.clock.now).outcome,
            FactOutcome::kAdded);
  const auto act = g.after_window();
  ASSERT_EQ(act.start.size(), 1u);
  g.clock.advance(seconds(2));
  const Publishes res =
      g.w.finished(act.start[0].key, "The end.", 3, "stop", g.clock.now, g.clock.wall());
  ASSERT_EQ(res.size(), 1u);
  EXPECT_EQ(res[0].topic, kResultsTopic);
  const pb::GridMessage m = decode(res[0], g.clock);
  ASSERT_TRUE(m.has_result());
  EXPECT_EQ(m.result().job_id(), a.job_id());
  EXPECT_EQ(m.result().text(), "The end.");
  EXPECT_EQ(m.result().tokens(), 3u);
  EXPECT_EQ(m.result().seed(), 42);
  EXPECT_EQ(m.result().finished_ms() - m.result().started_ms(), 2'000u);
  EXPECT_EQ(book.add_result(kSelf, m.result(), g.clock.now).outcome, FactOutcome::kAdded);
  EXPECT_EQ(book.view(a.job_id(), g.clock.now)->state, JobState::kDone);
  EXPECT_EQ(g.w.book().view(a.job_id(), g.clock.now)->state, JobState::kDone);
  EXPECT_EQ(g.w.running(), 0u);
  // Once only.
  EXPECT_TRUE(
      g.w.finished(act.start[0].key, "again", 1, "stop", g.clock.now, g.clock.wall()).empty());
}

TEST(WorkerCore, FailedPublishesJobFailed) {
  Grid g;
  g.hear_announce(announce(job_id(1)));
  g.tick();
  const auto act = g.after_window();
  ASSERT_EQ(act.start.size(), 1u);
  const Publishes ps = g.w.failed(act.start[0].key, "backend down", g.clock.now, g.clock.wall());
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].topic, kResultsTopic);
  const pb::GridMessage m = decode(ps[0], g.clock);
  ASSERT_TRUE(m.has_failed());
  EXPECT_EQ(m.failed().reason(), "backend down");
  EXPECT_EQ(g.w.running(), 0u);
}

TEST(WorkerCore, CancelStopsTheRun) {
  Grid g;
  const pb::JobAnnounce a = announce(job_id(1));
  g.hear_announce(a);
  g.tick();
  const auto act = g.after_window();
  ASSERT_EQ(act.start.size(), 1u);
  EXPECT_EQ(g.hear(kOrigin, jobs_topic(kModel), cancel_msg(a.job_id(), g.clock)).validation,
            Validation::kAccept);
  const auto stop = g.tick().stop;
  ASSERT_EQ(stop.size(), 1u);
  EXPECT_EQ(stop[0], act.start[0].key);
  EXPECT_EQ(g.w.running(), 0u);
}

TEST(WorkerCore, CancelBeforeTheWindowEndsMeansNoStart) {
  Grid g;
  const pb::JobAnnounce a = announce(job_id(1));
  g.hear_announce(a);
  ASSERT_EQ(claims_in(g.tick().publish, g.clock).size(), 1u);
  g.hear(kOrigin, jobs_topic(kModel), cancel_msg(a.job_id(), g.clock));
  EXPECT_TRUE(g.after_window().start.empty());
  EXPECT_EQ(g.w.slots_busy(), 0u);
}

TEST(WorkerCore, ReannounceExcludingUsIsNotClaimed) {
  Grid g(config(2));
  const pb::JobAnnounce a0 = announce(job_id(1));
  g.hear_announce(a0);
  ASSERT_EQ(claims_in(g.tick().publish, g.clock).size(), 1u);
  ASSERT_EQ(g.after_window().start.size(), 1u);
  // The lease runs out; the announcer re-announces attempt 1 excluding us.
  g.clock.advance(seconds(11));
  const pb::JobAnnounce a1 = announce(job_id(1), 1, 1, {kSelf});
  EXPECT_EQ(g.hear_announce(a1).validation, Validation::kAccept);
  auto act = g.tick();
  EXPECT_TRUE(claims_in(act.publish, g.clock).empty());
  EXPECT_TRUE(act.stop.empty());  // our attempt-0 run may still deliver (lowest attempt counts)
  // An attempt that does not exclude us is claimed.
  g.clock.advance(seconds(11));
  const pb::JobAnnounce a2 = announce(job_id(1), 1, 2, {kOthers[0]});
  EXPECT_EQ(g.hear_announce(a2).validation, Validation::kAccept);
  const auto claims = claims_in(g.tick().publish, g.clock);
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].attempt(), 2u);
}

TEST(WorkerCore, AResultByTheWinnerOfAnEarlierAttemptStopsOurRun) {
  Grid g;
  const PeerId other = kOthers[0];
  const pb::JobAnnounce a0 = announce(job_id(1));
  g.hear_announce(a0);
  g.hear_claim(other, a0.job_id());
  // No tick within the window (busy elsewhere, say): we never claim attempt 0.
  g.clock.advance(seconds(12));  // attempt 0 lapsed
  const pb::JobAnnounce a1 = announce(job_id(1), 1, 1, {other});
  g.hear_announce(a1);
  ASSERT_EQ(claims_in(g.tick().publish, g.clock).size(), 1u);
  const auto act = g.after_window();
  ASSERT_EQ(act.start.size(), 1u);
  EXPECT_EQ(act.start[0].key, (RunKey{a0.job_id(), 1, 0}));
  // The winner of attempt 0 delivers late: the lowest attempt's result counts.
  const Bytes r = encode(
      [&](pb::GridMessage& m) {
        m.mutable_result()->set_job_id(a0.job_id());
        m.mutable_result()->set_attempt(0);
        m.mutable_result()->set_generation(0);
        m.mutable_result()->set_text("late but counted");
      },
      g.clock);
  EXPECT_EQ(g.hear(other, kResultsTopic, r).validation, Validation::kAccept);
  const auto stop = g.tick().stop;
  ASSERT_EQ(stop.size(), 1u);
  EXPECT_EQ(stop[0], act.start[0].key);
}

}  // namespace
}  // namespace aipg::grid

namespace aipg::grid {
namespace {

TEST(WorkerCore, UnhealthyClaimsNothingAndAdvertsSay) {
  Grid g;
  g.w.set_healthy(false);
  EXPECT_LE(g.w.next_deadline(), g.clock.now);  // the change is told at once, not in 60 s
  g.hear_announce(announce(job_id(1)));
  const Publishes ps = g.tick().publish;
  EXPECT_TRUE(claims_in(ps, g.clock).empty());
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_FALSE(decode(ps[0], g.clock).worker_advert().healthy());
  g.clock.advance(seconds(60));
  const Publishes later = g.tick().publish;
  ASSERT_EQ(later.size(), 1u);
  EXPECT_FALSE(decode(later[0], g.clock).worker_advert().healthy());
  // Healthy again: the oldest job nobody claimed gets our one slot (its window is long over,
  // but an unclaimed job is still worth a late claim), and our own book counts the claim.
  g.w.set_healthy(true);
  g.hear_announce(announce(job_id(2)));
  const auto claims = claims_in(g.tick().publish, g.clock);
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].job_id(), job_id(1));
  EXPECT_EQ(g.w.book().winners(job_id(1), 0), std::vector<PeerId>{kSelf});
}

TEST(WorkerCore, AdvertCountsRunningSlots) {
  Grid g(config(2));
  g.hear_announce(announce(job_id(1)));
  g.tick();
  ASSERT_EQ(g.after_window().start.size(), 1u);
  g.clock.advance(seconds(60));
  const Publishes ps = g.tick().publish;
  ASSERT_EQ(ps.size(), 1u);
  const pb::GridMessage m = decode(ps[0], g.clock);
  EXPECT_EQ(m.worker_advert().slots_total(), 2u);
  EXPECT_EQ(m.worker_advert().slots_free(), 1u);
  EXPECT_EQ(g.w.next_deadline(), g.clock.now + seconds(60));
}

}  // namespace
}  // namespace aipg::grid

namespace aipg::grid {
namespace {

// docs/protocol.md §4: with 5 eligible workers and one claimant wanted per generation, a worker
// claims during the window exactly the jobs whose rank starts below 2^64 / 5; after it, of those
// nobody claimed, the ones under a bound that doubles every window.
TEST(WorkerCore, FewClaimantsByRankThenTheUnclaimedAfterTheWindow) {
  WorkerConfig cfg = config(200);
  cfg.claimants_per_generation = 1;
  Grid g(cfg);
  std::set<JobId> expected;
  std::vector<pb::JobAnnounce> all;
  for (uint8_t i = 1; i <= 100; ++i) {
    pb::JobAnnounce a = announce(job_id(i));
    all.push_back(a);
    g.hear_announce(a);
    const Rank r = claim_rank(a.job_id(), as_bytes(a.nonce()), 0, kSelf);
    if (get_be64(r.data()) < UINT64_MAX / 5) expected.insert(a.job_id());
  }
  std::set<JobId> claimed;
  for (const auto& c : claims_in(g.tick().publish, g.clock)) claimed.insert(c.job_id());
  EXPECT_EQ(claimed, expected);
  EXPECT_GT(claimed.size(), 5u);
  EXPECT_LT(claimed.size(), 40u);
  // Another worker claims one of the rest during the window: that one stays theirs.
  const pb::JobAnnounce* theirs = nullptr;
  for (const auto& a : all) {
    if (!expected.count(a.job_id())) {
      theirs = &a;
      break;
    }
  }
  ASSERT_NE(theirs, nullptr);
  g.hear_claim(kOthers[0], theirs->job_id());
  // After the window the bound doubles every window (2/5, 4/5, then all), for what is still
  // unclaimed; theirs is served.
  std::set<JobId> late;
  for (uint64_t doubled : {2, 4, 8}) {
    std::set<JobId> want;
    for (const auto& a : all) {
      const Rank r = claim_rank(a.job_id(), as_bytes(a.nonce()), 0, kSelf);
      const bool under = doubled >= 5 || get_be64(r.data()) < UINT64_MAX / 5 * doubled;
      if (under && !expected.count(a.job_id()) && !late.count(a.job_id()) &&
          a.job_id() != theirs->job_id()) {
        want.insert(a.job_id());
      }
    }
    std::set<JobId> now;
    for (const auto& c : claims_in(g.after_window().publish, g.clock)) now.insert(c.job_id());
    EXPECT_EQ(now, want) << "bound × " << doubled;
    late.insert(now.begin(), now.end());
  }
  EXPECT_EQ(late.size() + claimed.size() + 1, all.size());
  EXPECT_FALSE(late.count(theirs->job_id()));
}

}  // namespace
}  // namespace aipg::grid

namespace aipg::grid {
namespace {

// A claim made after the announce's window (the worker was busy, or nobody's rank qualified)
// waits a window of its own before it starts: other late claims reach it meanwhile.
TEST(WorkerCore, ALateClaimWaitsAWindowOfItsOwn) {
  Grid g;
  g.hear_announce(announce(job_id(1)));
  g.clock.advance(milliseconds(3 * kWindowMs));
  auto act = g.tick();
  ASSERT_EQ(claims_in(act.publish, g.clock).size(), 1u);
  EXPECT_TRUE(act.start.empty());
  EXPECT_EQ(g.w.next_deadline(), g.clock.now + milliseconds(kWindowMs));
  act = g.after_window();
  ASSERT_EQ(act.start.size(), 1u);
  EXPECT_EQ(act.start[0].key, (RunKey{job_id(1), 0, 0}));
}

// A backend's bytes are not always UTF-8 (a character split across tokens); the result must
// still parse at every receiver, so each invalid byte is replaced by U+FFFD.
TEST(WorkerCore, ResultTextIsMadeValidUtf8) {
  Grid g;
  g.hear_announce(announce(job_id(1)));
  g.tick();
  const auto act = g.after_window();
  ASSERT_EQ(act.start.size(), 1u);
  const std::string raw = std::string("ok \xC3\xA9 ") + "\xFF" + "x" + "\xE2\x82" + "\xED\xA0\x80";
  const Publishes ps = g.w.finished(act.start[0].key, raw, 5, "stop", g.clock.now, g.clock.wall());
  ASSERT_EQ(ps.size(), 1u);
  const pb::GridMessage m = decode(ps[0], g.clock);  // parses: valid UTF-8
  ASSERT_TRUE(m.has_result());
  EXPECT_EQ(
      m.result().text(),
      "ok \xC3\xA9 \xEF\xBF\xBDx\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

// --- start-up and repair (issue 13) ------------------------------------------------------------

// A worker's first advert goes out before it has peers and reaches nobody. It claims nothing until
// an advert has gone out while a peer listened, and the first listener makes that advert due at
// once instead of an advert interval later.
TEST(WorkerCore, ClaimsNothingUntilAnAdvertWentOutToAListener) {
  Clock clock;
  WorkerCore w(kSelf, config());
  w.start(clock.now, clock.wall());
  EXPECT_FALSE(w.advert_heard());
  const pb::JobAnnounce a = announce(job_id(1));
  w.on_message(kOrigin, jobs_topic(kModel), announce_msg(a, clock), clock.now, clock.wall());
  clock.advance(milliseconds(kWindowMs));
  EXPECT_TRUE(claims_in(w.tick(clock.now, clock.wall()).publish, clock).empty());
  EXPECT_GT(w.next_deadline(), clock.now);

  w.set_advert_listeners(1);
  EXPECT_LE(w.next_deadline(), clock.now);  // due now
  const WorkerCore::Actions act = w.tick(clock.now, clock.wall());
  ASSERT_FALSE(act.publish.empty());
  EXPECT_TRUE(decode(act.publish[0], clock).has_worker_advert());  // the advert goes first
  EXPECT_TRUE(w.advert_heard());
  const auto claims = claims_in(act.publish, clock);
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].job_id(), a.job_id());
}

// The announcer lacks what a worker delivered (it did not follow the model yet when the claim and
// result went by): it publishes the announce again, and the worker answers with its claim and
// result again, so the job can finish there.
TEST(WorkerCore, AnAnnounceOfAJobItDeliveredMakesItPublishClaimAndResultAgain) {
  Grid g;
  const pb::JobAnnounce a = announce(job_id(1));
  g.hear_announce(a);
  g.tick();
  const WorkerCore::Actions started = g.after_window();
  ASSERT_EQ(started.start.size(), 1u);
  const Publishes first =
      g.w.finished(started.start[0].key, "The end.", 2, "stop", g.clock.now, g.clock.wall());
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(g.tick().publish.empty());

  // The same announce again (a republish: a new message, a duplicate fact).
  EXPECT_EQ(g.hear_announce(a).validation, Validation::kIgnore);
  const Publishes again = g.tick().publish;
  const auto claims = claims_in(again, g.clock);
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].attempt(), 0u);
  size_t results = 0;
  for (const Publish& p : again) {
    const pb::GridMessage m = decode(p, g.clock);
    if (!m.has_result()) continue;
    ++results;
    EXPECT_EQ(p.topic, kResultsTopic);
    EXPECT_EQ(m.result().text(), "The end.");
    EXPECT_EQ(m.result().job_id(), a.job_id());
  }
  EXPECT_EQ(results, 1u);
  // A job it did not deliver: no result goes out.
  const pb::JobAnnounce b = announce(job_id(2));
  g.hear_announce(b);
  g.hear_announce(b);
  for (const Publish& p : g.tick().publish) EXPECT_FALSE(decode(p, g.clock).has_result());
}

// issue 13: `n` generations with fewer than `n` workers. Alone, with one slot, a worker claims
// slot 0, runs the generation it wins, then claims slot 1 (the attempt still has fewer claims
// than generations) and runs the other one.
TEST(WorkerCore, OneWorkerWithOneSlotRunsBothGenerationsInTurn) {
  Grid g;
  const pb::JobAnnounce a = announce(job_id(1), /*n=*/2);
  g.hear_announce(a);
  auto claims = claims_in(g.tick().publish, g.clock);
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].slot(), 0u);
  WorkerCore::Actions act = g.after_window();
  ASSERT_EQ(act.start.size(), 1u);
  EXPECT_TRUE(claims_in(act.publish, g.clock).empty());  // its one slot is busy
  const RunKey first = act.start[0].key;
  ASSERT_EQ(g.w.finished(first, "one", 1, "stop", g.clock.now, g.clock.wall()).size(), 1u);
  claims = claims_in(g.tick().publish, g.clock);
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].slot(), 1u);
  act = g.after_window();
  ASSERT_EQ(act.start.size(), 1u);
  EXPECT_NE(act.start[0].key.generation, first.generation);
  ASSERT_EQ(g.w.finished(act.start[0].key, "two", 1, "stop", g.clock.now, g.clock.wall()).size(),
            1u);
  EXPECT_EQ(g.w.book().view(a.job_id(), g.clock.now)->state, JobState::kDone);
  // Nothing more to claim or run.
  act = g.after_window();
  EXPECT_TRUE(claims_in(act.publish, g.clock).empty());
  EXPECT_TRUE(act.start.empty());
}

// With two slots, the second claim goes out as soon as the first claim's window is over, and
// both generations run at once.
TEST(WorkerCore, OneWorkerWithTwoSlotsRunsBothGenerationsAtOnce) {
  Grid g(config(2));
  const pb::JobAnnounce a = announce(job_id(1), /*n=*/2);
  g.hear_announce(a);
  ASSERT_EQ(claims_in(g.tick().publish, g.clock).size(), 1u);
  WorkerCore::Actions act = g.after_window();
  EXPECT_EQ(act.start.size(), 1u);
  const auto claims = claims_in(act.publish, g.clock);
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].slot(), 1u);
  act = g.after_window();
  ASSERT_EQ(act.start.size(), 1u);
  EXPECT_EQ(g.w.running(), 2u);
}

// An API node that starts after us never heard our advert; without ours it would count no
// worker (no republish of its unclaimed jobs, `is_possible` false) for an advert interval.
TEST(WorkerCore, ANewApiNodeMakesOurAdvertDueAtOnce) {
  Grid g;
  g.tick();
  EXPECT_GT(g.w.next_deadline(), g.clock.now);
  g.hear(peer(50), kNodesTopic, node_advert_msg(g.clock));
  EXPECT_LE(g.w.next_deadline(), g.clock.now);
  const Publishes ps = g.tick().publish;
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_TRUE(decode(ps[0], g.clock).has_worker_advert());
  g.hear(peer(50), kNodesTopic, node_advert_msg(g.clock));  // the same run again: nothing
  EXPECT_TRUE(g.tick().publish.empty());
}

}  // namespace
}  // namespace aipg::grid

namespace aipg::grid {
namespace {

// --- found by the schedule explorer (tests/sim/grid_explore, docs/reliability.md) --------------

// A claim that comes late moves us from generation 0 to generation 1: the run of 0 stops and
// the run of 1, which we now win, starts at once — not when the attempt's lease runs out.
TEST(WorkerCore, AWinnerMovedToAnotherGenerationByALateClaimRunsThatOne) {
  Grid g;
  const PeerId behind = kOthers[0], ahead = kOthers[1];
  pb::JobAnnounce a;
  for (uint8_t id = 1;; ++id) {  // ranks: ahead < us < behind
    a = announce(job_id(id), /*n=*/2);
    if (by_rank(a, {kSelf, behind, ahead}) == std::vector<PeerId>{ahead, kSelf, behind}) break;
  }
  g.hear_announce(a);
  ASSERT_EQ(claims_in(g.tick().publish, g.clock).size(), 1u);
  g.hear_claim(behind, a.job_id());  // two claims for two generations: no more slots claimed
  auto act = g.after_window();
  ASSERT_EQ(act.start.size(), 1u);
  EXPECT_EQ(act.start[0].key, (RunKey{a.job_id(), 0, 0}));
  EXPECT_TRUE(claims_in(act.publish, g.clock).empty());

  g.hear_claim(ahead, a.job_id());
  act = g.tick();
  ASSERT_EQ(act.stop.size(), 1u);
  EXPECT_EQ(act.stop[0], (RunKey{a.job_id(), 0, 0}));
  ASSERT_EQ(act.start.size(), 1u);
  EXPECT_EQ(act.start[0].key, (RunKey{a.job_id(), 0, 1}));
  // Once, and never again after its result.
  EXPECT_TRUE(g.tick().start.empty());
  g.w.finished(act.start[0].key, "The end.", 2, "stop", g.clock.now, g.clock.wall());
  EXPECT_TRUE(g.tick().start.empty());
}

// A late claim can take a finished job back: the job was done (our result for generation 0, the
// other worker's for 1), then a claim ranked ahead of both moves us to generation 1 — whose
// result, by a worker no longer its winner, stops counting. We run generation 1.
TEST(WorkerCore, ALateClaimThatTakesADoneJobBackMakesUsRunOurNewGeneration) {
  Grid g;
  const PeerId other = kOthers[0], ahead = kOthers[1];
  pb::JobAnnounce a;
  for (uint8_t id = 1;; ++id) {  // ranks: ahead < us < other
    a = announce(job_id(id), /*n=*/2);
    if (by_rank(a, {kSelf, other, ahead}) == std::vector<PeerId>{ahead, kSelf, other}) break;
  }
  g.hear_announce(a);
  g.tick();
  g.hear_claim(other, a.job_id());
  auto act = g.after_window();
  ASSERT_EQ(act.start.size(), 1u);
  EXPECT_EQ(act.start[0].key, (RunKey{a.job_id(), 0, 0}));
  g.w.finished(act.start[0].key, "ours", 2, "stop", g.clock.now, g.clock.wall());
  pb::GridMessage r;
  r.mutable_result()->set_job_id(a.job_id());
  r.mutable_result()->set_generation(1);
  r.mutable_result()->set_text("theirs");
  g.hear(other, kResultsTopic, encode_message(r, g.clock.wall()));
  EXPECT_EQ(g.w.book().view(a.job_id(), g.clock.now)->state, JobState::kDone);
  EXPECT_TRUE(g.tick().start.empty());

  g.hear_claim(ahead, a.job_id());
  act = g.tick();
  ASSERT_EQ(act.start.size(), 1u);
  EXPECT_EQ(act.start[0].key, (RunKey{a.job_id(), 0, 1}));
}

// A generation that failed on our backend is not started again while we still win it: the
// failure is published and the next attempt is the announcer's to make.
TEST(WorkerCore, AFailedRunIsNotStartedAgain) {
  Grid g;
  g.hear_announce(announce(job_id(1)));
  g.tick();
  const auto act = g.after_window();
  ASSERT_EQ(act.start.size(), 1u);
  EXPECT_EQ(g.w.failed(act.start[0].key, "oom", g.clock.now, g.clock.wall()).size(), 1u);
  EXPECT_TRUE(g.tick().start.empty());
  g.clock.advance(milliseconds(kWindowMs));
  EXPECT_TRUE(g.tick().start.empty());
}

// While we are busy (or unhealthy), a candidate whose claim bound is waiting to widen must not
// keep next_deadline() in the past: the shell would tick again at once, for as long as the run
// lasts (a worker spinning at one instant).
TEST(WorkerCore, ABusyWorkerDoesNotTickAgainAndAgainForABoundThatWidens) {
  WorkerConfig cfg = config(1);
  cfg.claimants_per_generation = 1;  // 5 workers advertise the model: 1 in 5 claims at first
  Grid g(cfg);
  auto qualifies = [&](const pb::JobAnnounce& a) {
    return get_be64(claim_rank(a.job_id(), as_bytes(a.nonce()), 0, kSelf).data()) < UINT64_MAX / 5;
  };
  std::optional<pb::JobAnnounce> ours, waiting;
  for (uint8_t id = 1; !ours || !waiting; ++id) {
    pb::JobAnnounce a = announce(job_id(id));
    (qualifies(a) ? ours : waiting) = a;
  }
  g.hear_announce(*waiting);
  g.hear_announce(*ours);
  ASSERT_EQ(claims_in(g.tick().publish, g.clock).size(), 1u);  // ours; the other waits
  const auto act = g.after_window();
  ASSERT_EQ(act.start.size(), 1u);  // busy now; the waiting one's bound has come due
  EXPECT_GT(g.w.next_deadline(), g.clock.now);
  // The freed slot brings a tick at once, and the widening bound the next ones, until the
  // waiting job is claimed (within three windows the bound covers every rank).
  g.w.finished(act.start[0].key, "The end.", 2, "stop", g.clock.now, g.clock.wall());
  EXPECT_LE(g.w.next_deadline(), g.clock.now);
  std::vector<pb::Claim> claims;
  for (int k = 0; k < 4 && claims.empty(); ++k) {
    g.clock.now = std::max(g.clock.now, g.w.next_deadline());
    claims = claims_in(g.tick().publish, g.clock);
    EXPECT_GT(g.w.next_deadline(), g.clock.now);
  }
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].job_id(), waiting->job_id());
}

// We finished a generation before a better claim reached us (an honest race, lost). When the
// announce comes again, our claim and result are not published again: that result can never
// count, and sent again long after the race every receiver would take it for a breach.
TEST(WorkerCore, ARepairSendsOnlyResultsWeWon) {
  Grid g;
  const PeerId ahead = kOthers[0];
  pb::JobAnnounce a;
  for (uint8_t id = 1;; ++id) {
    a = announce(job_id(id));
    if (by_rank(a, {kSelf, ahead})[0] == ahead) break;
  }
  g.hear_announce(a);
  g.tick();
  const auto act = g.after_window();
  ASSERT_EQ(act.start.size(), 1u);
  ASSERT_EQ(g.w.finished(act.start[0].key, "mine", 2, "stop", g.clock.now, g.clock.wall()).size(),
            1u);
  g.hear_claim(ahead, a.job_id());
  g.tick();
  g.hear_announce(a);  // again
  for (const Publish& p : g.tick().publish) {
    const pb::GridMessage m = decode(p, g.clock);
    EXPECT_FALSE(m.has_result());
    EXPECT_FALSE(m.has_claim());
  }
}

}  // namespace
}  // namespace aipg::grid
