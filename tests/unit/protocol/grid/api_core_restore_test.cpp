// ApiNodeCore after a restart (docs/protocol.md §9): what it queued for disk brings back every
// job it accepted, with the facts it had taken, checked again.
#include <gtest/gtest.h>

#include "protocol/gossipsub/signing.hpp"
#include "protocol/grid/api_core.hpp"
#include "protocol/grid/topics.hpp"
#include "test_ids.hpp"
#include "test_keys.hpp"

namespace aipg::grid {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::kT0;
using testing::wall;

constexpr char kModel[] = "org/model";

using testing::CountingRng;
using testing::id_of;
using testing::key;

// A worker with a real key: its messages are signed as the router would deliver them.
struct SignedWorker {
  wire::KeyPair k;
  uint64_t seqno = 1;
  gossipsub::MessagePtr msg(const std::string& topic, pb::GridMessage m, Instant now) {
    return gossipsub::make_signed_message(k, topic, encode_message(std::move(m), wall(now)),
                                          seqno++);
  }
  gossipsub::MessagePtr advert(Instant now) {
    pb::GridMessage m;
    pb::WorkerAdvert* a = m.mutable_worker_advert();
    a->add_models()->set_name(kModel);
    a->set_slots_total(1);
    a->set_slots_free(1);
    a->set_healthy(true);
    return msg(kWorkersTopic, std::move(m), now);
  }
  gossipsub::MessagePtr claim(const JobId& id, Instant now) {
    pb::GridMessage m;
    m.mutable_claim()->set_job_id(id);
    return msg(jobs_topic(kModel), std::move(m), now);
  }
  gossipsub::MessagePtr result(const JobId& id, Instant now) {
    pb::GridMessage m;
    m.mutable_result()->set_job_id(id);
    m.mutable_result()->set_text("The end.");
    return msg(kResultsTopic, std::move(m), now);
  }
};

ApiNodeConfig persisting() {
  ApiNodeConfig c;
  c.persist = true;
  return c;
}

ApiNodeCore::SubmitRequest request() {
  ApiNodeCore::SubmitRequest r;
  r.model = kModel;
  r.prompt = "Once upon a time";
  r.params.set_max_length(64);
  return r;
}

struct RestoreTest : ::testing::Test {
  CountingRng rng;
  const PeerId self = id_of(key(1));
  ApiNodeCore before{self, persisting(), rng};
  SignedWorker w{key(9)};

  JobId submit(Instant now) {
    auto s = before.submit(request(), now, wall(now));
    EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().to_string());
    return s ? s->first : JobId();
  }
  Validation take(const gossipsub::MessagePtr& m, Instant now) {
    return before.on_pubsub(*m, now, wall(now)).validation;
  }
};

TEST_F(RestoreTest, AFinishedJobComesBackDoneWithItsResultAndIsNotAnnouncedAgain) {
  ASSERT_EQ(take(w.advert(kT0), kT0), Validation::kAccept);
  const JobId id = submit(kT0);
  ASSERT_EQ(take(w.claim(id, kT0), kT0), Validation::kAccept);
  const Instant t1 = kT0 + seconds(1);
  ASSERT_EQ(take(w.result(id, t1), t1), Validation::kAccept);
  ASSERT_EQ(before.job(id, t1)->state, JobState::kDone);

  const std::vector<Persist> records = before.take_persist();
  // The announce (ours), then the claim and the result (the worker's); never the advert.
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].kind, Persist::Kind::kOwn);
  EXPECT_EQ(records[1].kind, Persist::Kind::kFact);
  EXPECT_EQ(records[2].kind, Persist::Kind::kFact);
  for (const Persist& p : records) EXPECT_EQ(p.job_id, id);
  EXPECT_TRUE(before.take_persist().empty());

  const Instant later = kT0 + seconds(30);
  CountingRng rng2;
  ApiNodeCore after(self, persisting(), rng2);
  const ApiNodeCore::Restored r = after.restore(records, later, wall(later));
  EXPECT_EQ(r.own, 1u);
  EXPECT_EQ(r.facts, 2u);
  EXPECT_EQ(r.skipped, 0u);
  EXPECT_TRUE(r.publishes.empty());
  auto v = after.job(id, later);
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(after.owns(id));
  EXPECT_EQ(v->state, JobState::kDone);
  ASSERT_NE(v->generations[0].result, nullptr);
  EXPECT_EQ(v->generations[0].result->text(), "The end.");
  EXPECT_EQ(*v->generations[0].result_author, id_of(w.k));
  // Restoring queues nothing for disk again.
  EXPECT_TRUE(after.take_persist().empty());
}

TEST_F(RestoreTest, AnOpenJobIsAnnouncedAgainButNotReannouncedBeforeWorkersAreKnown) {
  ASSERT_EQ(take(w.advert(kT0), kT0), Validation::kAccept);
  const JobId id = submit(kT0);
  ASSERT_EQ(take(w.claim(id, kT0), kT0), Validation::kAccept);
  const std::vector<Persist> records = before.take_persist();
  const Instant later = kT0 + seconds(2);
  CountingRng rng2;
  ApiNodeCore after(self, persisting(), rng2);
  const ApiNodeCore::Restored r = after.restore(records, later, wall(later));
  ASSERT_EQ(r.publishes.size(), 1u);
  EXPECT_EQ(r.publishes[0].topic, jobs_topic(kModel));
  pb::GridMessage m;
  ASSERT_TRUE(m.ParseFromArray(r.publishes[0].data.data(), int(r.publishes[0].data.size())));
  ASSERT_TRUE(m.has_announce());
  EXPECT_EQ(m.announce().job_id(), id);
  EXPECT_EQ(m.announce().attempt(), 0u);
  EXPECT_EQ(after.job(id, later)->state, JobState::kProcessing);

  // The winner's adverts are unknown after the restart, which is no sign that it is gone: no
  // re-announce for three advert intervals. It never advertises again: then there is one.
  after.start(later, wall(later));
  std::optional<Instant> reannounced;
  for (Instant t = later; t < later + seconds(20) && !reannounced; t += milliseconds(500)) {
    for (const Publish& p : after.tick(t, wall(t))) {
      if (p.topic == jobs_topic(kModel)) reannounced = t;
    }
  }
  ASSERT_TRUE(reannounced.has_value());
  EXPECT_GE(*reannounced, later + seconds(15));
  EXPECT_EQ(after.job(id, *reannounced)->attempt, 1u);
}

// An open job nobody claimed was published on restore before any peer was connected: it goes
// out again a moment later, once a worker with a free slot is known.
TEST_F(RestoreTest, AnUnclaimedJobIsPublishedAgainSoonAfterARestore) {
  const JobId id = submit(kT0);
  const std::vector<Persist> records = before.take_persist();
  const Instant later = kT0 + seconds(2);
  CountingRng rng2;
  ApiNodeCore after(self, persisting(), rng2);
  ASSERT_EQ(after.restore(records, later, wall(later)).publishes.size(), 1u);
  after.start(later, wall(later));
  const Instant heard = later + milliseconds(100);
  ASSERT_EQ(after.on_pubsub(*w.advert(heard), heard, wall(heard)).validation, Validation::kAccept);
  std::optional<Instant> again;
  for (Instant t = later; t < later + seconds(5) && !again; t += milliseconds(100)) {
    for (const Publish& p : after.tick(t, wall(t))) {
      pb::GridMessage m;
      ASSERT_TRUE(m.ParseFromArray(p.data.data(), int(p.data.size())));
      if (m.has_announce() && m.announce().job_id() == id) again = t;
    }
  }
  ASSERT_TRUE(again.has_value());
  EXPECT_LE(*again, later + seconds(2));
}

TEST_F(RestoreTest, ACancelledJobStaysCancelled) {
  const JobId id = submit(kT0);
  ASSERT_TRUE(before.cancel(id, "changed my mind", kT0, wall(kT0)).has_value());
  const std::vector<Persist> records = before.take_persist();
  ASSERT_EQ(records.size(), 2u);
  CountingRng rng2;
  ApiNodeCore after(self, persisting(), rng2);
  const ApiNodeCore::Restored r = after.restore(records, kT0, wall(kT0));
  EXPECT_TRUE(r.publishes.empty());
  EXPECT_EQ(after.job(id, kT0)->state, JobState::kCancelled);
  EXPECT_EQ(after.job(id, kT0)->reason, "changed my mind");
}

TEST_F(RestoreTest, AFactThatNoLongerVerifiesIsSkipped) {
  ASSERT_EQ(take(w.advert(kT0), kT0), Validation::kAccept);
  const JobId id = submit(kT0);
  ASSERT_EQ(take(w.claim(id, kT0), kT0), Validation::kAccept);
  std::vector<Persist> records = before.take_persist();
  ASSERT_EQ(records.size(), 2u);
  records[1].data.back() ^= 1;  // the disk flipped a bit of the claim's signature
  records.push_back({Persist::Kind::kOwn, id, {}, Bytes{0xff, 0xff}, wall(kT0)});
  CountingRng rng2;
  ApiNodeCore after(self, persisting(), rng2);
  const ApiNodeCore::Restored r = after.restore(records, kT0, wall(kT0));
  EXPECT_EQ(r.own, 1u);
  EXPECT_EQ(r.facts, 0u);
  EXPECT_EQ(r.skipped, 2u);
  EXPECT_EQ(after.job(id, kT0)->claims, 0u);
}

// A node that restarts within an advert interval misses no advert; its new started_ms is what
// tells the others to replay what they took meanwhile (docs/protocol.md §8).
TEST_F(RestoreTest, APeerThatRestartedQuicklyGetsAReplay) {
  ASSERT_EQ(take(w.advert(kT0), kT0), Validation::kAccept);
  const JobId id = submit(kT0);
  ASSERT_EQ(take(w.claim(id, kT0), kT0), Validation::kAccept);
  before.start(kT0, wall(kT0));
  auto node_advert = [&](uint64_t started_ms, Instant now) {
    pb::GridMessage m;
    m.mutable_node_advert()->set_advert_interval_ms(5000);
    m.mutable_node_advert()->set_started_ms(started_ms);
    return before.on_message(testing::peer(7), kNodesTopic, encode_message(m, wall(now)), now,
                             wall(now));
  };
  auto replays = [&](Instant now) {
    size_t n = 0;
    for (const Publish& p : before.tick(now, wall(now))) {
      pb::GridMessage m;
      EXPECT_TRUE(m.ParseFromArray(p.data.data(), int(p.data.size())));
      if (m.has_replay()) n += m.replay().messages_size();
    }
    return n;
  };
  const Instant t1 = kT0 + seconds(1);
  ASSERT_EQ(node_advert(111, t1).validation, Validation::kAccept);
  // A node heard for the first time is sent everything kept (docs/protocol.md §8).
  EXPECT_EQ(replays(t1), 1u);
  const Instant t2 = t1 + seconds(5);
  ASSERT_EQ(node_advert(111, t2).validation, Validation::kAccept);
  EXPECT_EQ(replays(t2), 0u);  // the same run, on time
  const Instant t3 = t2 + seconds(2);
  ASSERT_EQ(node_advert(222, t3).validation, Validation::kAccept);
  EXPECT_EQ(replays(t3), 1u);  // restarted: the claim comes back to it
}

TEST(ApiNodeCoreRelay, PublishesNothingOfItsOwnAndTakesNoJobs) {
  CountingRng rng;
  ApiNodeConfig c;
  c.advertise = false;
  ApiNodeCore relay(id_of(key(3)), c, rng);
  EXPECT_TRUE(relay.start(kT0, wall(kT0)).empty());
  auto s = relay.submit(request(), kT0, wall(kT0));
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, Errc::unsupported);
  for (Instant t = kT0; t < kT0 + seconds(20); t += seconds(1)) {
    EXPECT_TRUE(relay.tick(t, wall(t)).empty());
  }
  // It is not an API node: not live in its own directory.
  EXPECT_TRUE(relay.directory().live_nodes(kT0).empty());
}

}  // namespace
}  // namespace aipg::grid
