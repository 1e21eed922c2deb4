// ApiNodeCore catching up (docs/protocol.md §8, issue 13): whoever may lack facts is sent them —
// a node heard for the first time, a node that starts following a model — our own announces
// included; the first listener, and a worker heard for the first time, get our advert at once; a
// worker that appears gets the unclaimed jobs of its model at once, not after their republish
// back-off.
#include <gtest/gtest.h>

#include "protocol/gossipsub/signing.hpp"
#include "protocol/grid/api_core.hpp"
#include "protocol/grid/pull_repair.hpp"
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

ApiNodeCore::SubmitRequest request() {
  ApiNodeCore::SubmitRequest r;
  r.model = kModel;
  r.prompt = "Once upon a time";
  r.params.set_max_length(64);
  return r;
}

Bytes node_advert(std::vector<std::string> models, Instant now) {
  pb::GridMessage m;
  m.mutable_node_advert()->set_advert_interval_ms(5000);
  m.mutable_node_advert()->set_started_ms(111);
  for (auto& model : models) m.mutable_node_advert()->add_models(std::move(model));
  return encode_message(std::move(m), wall(now));
}

Bytes recent_advert(const JobId& job, uint64_t outcome, Instant now) {
  pb::GridMessage m;
  m.mutable_node_advert()->set_advert_interval_ms(5000);
  m.mutable_node_advert()->set_started_ms(111);
  m.mutable_node_advert()->add_models(kModel);
  pb::JobDigest* d = m.mutable_node_advert()->add_recent();
  d->set_job_id(job);
  d->set_outcome(outcome);
  return encode_message(std::move(m), wall(now));
}

Bytes restarted_advert(uint64_t started_ms, Instant now) {
  pb::GridMessage m;
  m.mutable_node_advert()->set_advert_interval_ms(5000);
  m.mutable_node_advert()->set_started_ms(started_ms);
  m.mutable_node_advert()->add_models(kModel);
  return encode_message(std::move(m), wall(now));
}

Bytes stale_advert(const JobId& job, Instant now) {
  pb::GridMessage m;
  m.mutable_node_advert()->set_advert_interval_ms(5000);
  m.mutable_node_advert()->set_started_ms(111);
  m.mutable_node_advert()->add_models(kModel);
  m.mutable_node_advert()->add_stale(job);
  return encode_message(std::move(m), wall(now));
}

Bytes worker_advert(uint32_t free, Instant now) {
  pb::GridMessage m;
  pb::WorkerAdvert* a = m.mutable_worker_advert();
  a->add_models()->set_name(kModel);
  a->set_slots_total(1);
  a->set_slots_free(free);
  a->set_healthy(true);
  a->set_advert_interval_ms(5000);
  return encode_message(std::move(m), wall(now));
}

struct CatchUpTest : ::testing::Test {
  CountingRng rng;
  const wire::KeyPair self_key = key(1);
  ApiNodeCore core{id_of(self_key), ApiNodeConfig{}, rng};
  uint64_t seqno = 1;

  // Submits, and hands the core its announce as the router would have signed it.
  JobId submit(Instant now) {
    auto s = core.submit(request(), now, wall(now));
    EXPECT_TRUE(s.has_value());
    for (Publish& p : s->second) {
      core.on_published(*gossipsub::make_signed_message(self_key, p.topic, p.data, seqno++), now);
    }
    return s->first;
  }
  // A fact of worker key(9), as the router would deliver it.
  const wire::KeyPair worker = key(9);
  gossipsub::MessagePtr signed_msg(const std::string& topic, pb::GridMessage m, uint64_t seq) {
    return gossipsub::make_signed_message(worker, topic, encode_message(std::move(m), wall(kT0)),
                                          seq);
  }
  Verdict hear(const PeerId& from, const std::string& topic, const Bytes& data, Instant now) {
    return core.on_message(from, topic, data, now, wall(now));
  }
  // What the next tick publishes, by kind.
  struct Out {
    size_t replayed = 0, adverts = 0;
    std::vector<std::string> advert_models;
    std::vector<JobId> advert_stale;
    std::vector<pb::JobDigest> advert_recent;
    std::vector<JobId> announces;
  };
  Out tick(Instant now) {
    Out out;
    for (const Publish& p : core.tick(now, wall(now))) {
      pb::GridMessage m;
      EXPECT_TRUE(m.ParseFromArray(p.data.data(), int(p.data.size())));
      if (m.has_replay()) out.replayed += m.replay().messages_size();
      if (m.has_node_advert()) {
        ++out.adverts;
        out.advert_models = {m.node_advert().models().begin(), m.node_advert().models().end()};
        out.advert_stale = {m.node_advert().stale().begin(), m.node_advert().stale().end()};
        out.advert_recent = {m.node_advert().recent().begin(), m.node_advert().recent().end()};
      }
      if (m.has_announce()) out.announces.push_back(m.announce().job_id());
    }
    return out;
  }
};

TEST_F(CatchUpTest, ANodeHeardForTheFirstTimeIsSentOurOwnAnnounces) {
  core.start(kT0, wall(kT0));
  submit(kT0);
  submit(kT0);
  const Instant t1 = kT0 + seconds(1);
  ASSERT_EQ(hear(testing::peer(7), kNodesTopic, node_advert({kModel}, t1), t1).validation,
            Validation::kAccept);
  EXPECT_EQ(tick(t1).replayed, 2u);
  const Instant t2 = t1 + seconds(5);  // the same node, on time, following the same models
  hear(testing::peer(7), kNodesTopic, node_advert({kModel}, t2), t2);
  EXPECT_EQ(tick(t2).replayed, 0u);
}

TEST_F(CatchUpTest, ANodeThatStartsFollowingAModelIsSentWhatItMissed) {
  core.start(kT0, wall(kT0));
  submit(kT0);
  const Instant t1 = kT0 + seconds(1);
  hear(testing::peer(7), kNodesTopic, node_advert({}, t1), t1);
  EXPECT_EQ(tick(t1).replayed, 1u);  // first hearing
  const Instant t2 = t1 + seconds(5);
  hear(testing::peer(7), kNodesTopic, node_advert({kModel}, t2), t2);
  EXPECT_EQ(tick(t2).replayed, 1u);  // it follows kModel now: what it missed before
}

TEST_F(CatchUpTest, ModelsOfOtherNodesAreFollowedAndAdvertisedAtOnce) {
  core.start(kT0, wall(kT0));
  const Instant t1 = kT0 + milliseconds(100);
  EXPECT_EQ(tick(t1).adverts, 0u);
  hear(testing::peer(7), kNodesTopic, node_advert({"other/model"}, t1), t1);
  EXPECT_EQ(core.models_seen(), std::vector<std::string>{"other/model"});
  EXPECT_LE(core.next_deadline(), t1);
  const Out out = tick(t1);
  EXPECT_EQ(out.adverts, 1u);
  EXPECT_EQ(out.advert_models, std::vector<std::string>{"other/model"});
}

TEST_F(CatchUpTest, TheFirstListenerGetsOurAdvertAtOnce) {
  core.start(kT0, wall(kT0));  // its advert went to nobody
  const Instant t1 = kT0 + milliseconds(300);
  EXPECT_GT(core.next_deadline(), t1);
  core.set_advert_listeners(1);
  EXPECT_LE(core.next_deadline(), t1);
  EXPECT_EQ(tick(t1).adverts, 1u);
  core.set_advert_listeners(2);  // more listeners: nothing new to say
  EXPECT_GT(core.next_deadline(), t1);
}

// A worker that joined through a peer already subscribed to the adverts topic is no new
// listener of ours, yet it lacks our advert (and our addresses, for its output streams).
TEST_F(CatchUpTest, AWorkerHeardForTheFirstTimeGetsOurAdvertWithinASecond) {
  core.start(kT0, wall(kT0));
  hear(testing::peer(19), kWorkersTopic, worker_advert(1, kT0), kT0);  // a model we follow now
  EXPECT_EQ(tick(kT0).adverts, 1u);
  const Instant t1 = kT0 + milliseconds(300);
  hear(testing::peer(20), kWorkersTopic, worker_advert(1, t1), t1);
  EXPECT_EQ(tick(t1).adverts, 0u);  // at most one early advert a second
  EXPECT_LE(core.next_deadline(), kT0 + seconds(1));
  EXPECT_EQ(tick(kT0 + seconds(1)).adverts, 1u);
  const Instant t2 = kT0 + seconds(3);
  hear(testing::peer(20), kWorkersTopic, worker_advert(1, t2), t2);  // heard before: nothing new
  EXPECT_EQ(tick(t2).adverts, 0u);
  hear(testing::peer(21), kWorkersTopic, worker_advert(1, t2), t2);
  EXPECT_EQ(tick(t2).adverts, 1u);
}

TEST_F(CatchUpTest, AWorkerThatAppearsGetsTheUnclaimedJobsOfItsModelAtOnce) {
  core.start(kT0, wall(kT0));
  const JobId id = submit(kT0);
  // No worker: nothing to republish for (the back-off grows meanwhile: next look at kT0 + 6 s).
  EXPECT_TRUE(tick(kT0 + seconds(2)).announces.empty());
  const Instant t = kT0 + seconds(3);
  // A worker without a free slot is no reason; one with a free slot is.
  hear(testing::peer(20), kWorkersTopic, worker_advert(0, t), t);
  EXPECT_TRUE(tick(t).announces.empty());
  hear(testing::peer(21), kWorkersTopic, worker_advert(1, t), t);
  EXPECT_EQ(tick(t).announces, std::vector<JobId>{id});
}

// A worker's result that reaches us before its claim (they travel on different topics) is kept
// but not forwarded; peers that rely on us to relay it would never have it. Once the claim
// comes and the result counts, we replay it.
TEST_F(CatchUpTest, AResultKeptBeforeItsClaimIsReplayedOnceTheClaimComes) {
  core.start(kT0, wall(kT0));
  const JobId id = submit(kT0);
  tick(kT0);
  pb::GridMessage result;
  result.mutable_result()->set_job_id(id);
  result.mutable_result()->set_text("The end.");
  pb::GridMessage claim;
  claim.mutable_claim()->set_job_id(id);
  const Instant t = kT0 + milliseconds(100);
  EXPECT_EQ(core.on_pubsub(*signed_msg(kResultsTopic, result, 1), t, wall(t)).validation,
            Validation::kIgnore);
  EXPECT_EQ(tick(t).replayed, 0u);
  EXPECT_EQ(core.on_pubsub(*signed_msg(jobs_topic(kModel), claim, 2), t, wall(t)).validation,
            Validation::kAccept);
  EXPECT_LE(core.next_deadline(), t);
  EXPECT_EQ(tick(t).replayed, 1u);
  EXPECT_EQ(tick(t).replayed, 0u);  // once

  // The worker publishes its claim again (its announcer lacked it): forwarded, but not more
  // than once a second.
  EXPECT_EQ(core.on_pubsub(*signed_msg(jobs_topic(kModel), claim, 3), t, wall(t)).validation,
            Validation::kAccept);
  EXPECT_EQ(core.on_pubsub(*signed_msg(jobs_topic(kModel), claim, 4), t, wall(t)).validation,
            Validation::kIgnore);
  const Instant later = t + seconds(1);
  EXPECT_EQ(
      core.on_pubsub(*signed_msg(jobs_topic(kModel), claim, 5), later, wall(later)).validation,
      Validation::kAccept);
}

// Pull repair: a fact that one node alone lost (no push repairs it, the others have the job
// done). The node names the job once it has not moved for two advert intervals; a node that
// holds it finished replays its facts, once per two advert intervals.
TEST_F(CatchUpTest, AnOpenJobThatDoesNotMoveIsNamedInOurAdvert) {
  core.start(kT0, wall(kT0));
  const JobId id = submit(kT0);
  tick(kT0);
  EXPECT_TRUE(tick(kT0 + seconds(5)).advert_stale.empty());
  const Out out = tick(kT0 + seconds(10));
  EXPECT_EQ(out.adverts, 1u);
  EXPECT_EQ(out.advert_stale, std::vector<JobId>{id});
}

TEST_F(CatchUpTest, ANodeThatNamesAJobWeHoldDoneIsReplayedItsFacts) {
  core.start(kT0, wall(kT0));
  const JobId id = submit(kT0);
  tick(kT0);
  const Instant t = kT0 + milliseconds(100);
  hear(testing::peer(7), kNodesTopic, node_advert({kModel}, t), t);
  tick(t);  // the first hearing's replay
  EXPECT_EQ(hear(testing::peer(7), kNodesTopic, stale_advert(id, t), t).validation,
            Validation::kAccept);
  EXPECT_EQ(tick(t).replayed, 0u);  // open here too: we have nothing it lacks
  pb::GridMessage claim;
  claim.mutable_claim()->set_job_id(id);
  pb::GridMessage result;
  result.mutable_result()->set_job_id(id);
  result.mutable_result()->set_text("The end.");
  core.on_pubsub(*signed_msg(jobs_topic(kModel), claim, 1), t, wall(t));
  core.on_pubsub(*signed_msg(kResultsTopic, result, 2), t, wall(t));
  ASSERT_EQ(core.job_status(id, t)->state, JobState::kDone);
  hear(testing::peer(7), kNodesTopic, stale_advert(id, t), t);
  EXPECT_EQ(tick(t).replayed, 3u);  // announce, claim, result
  const Instant t2 = t + seconds(5);
  hear(testing::peer(7), kNodesTopic, stale_advert(id, t2), t2);
  EXPECT_EQ(tick(t2).replayed, 0u);  // answered 5 s ago
  const Instant t3 = t + seconds(10);
  hear(testing::peer(7), kNodesTopic, stale_advert(id, t3), t3);
  EXPECT_EQ(tick(t3).replayed, 3u);
}

// A node that restarts may have lost its store: it is sent everything kept, not only what came
// since it was last heard; and its own jobs, replayed back to it, are its own again (it is their
// origin, so their announcer while it is live: nobody else would republish them).
TEST_F(CatchUpTest, ARestartedNodeIsSentEverythingAndTakesBackItsOwnJobs) {
  core.start(kT0, wall(kT0));
  const JobId id = submit(kT0 + seconds(1));
  const Instant t1 = kT0 + seconds(20);
  hear(testing::peer(7), kNodesTopic, restarted_advert(111, t1), t1);
  EXPECT_EQ(tick(t1).replayed, 1u);  // first hearing: everything
  hear(testing::peer(7), kNodesTopic, restarted_advert(111, t1 + seconds(4)), t1 + seconds(4));
  EXPECT_EQ(tick(t1 + seconds(4)).replayed, 0u);
  // Restarted 4 s later: what came since it was last heard, less replay_margin (10 s), would
  // not reach back to our job.
  const Instant t2 = t1 + seconds(8);
  hear(testing::peer(7), kNodesTopic, restarted_advert(222, t2), t2);
  std::vector<Bytes> replays;
  for (const Publish& p : core.tick(t2, wall(t2))) {
    pb::GridMessage m;
    ASSERT_TRUE(m.ParseFromArray(p.data.data(), int(p.data.size())));
    if (m.has_replay()) replays.push_back(p.data);
  }
  ASSERT_EQ(replays.size(), 1u);

  // We are the one restarted without a store: our own announce comes back in that replay.
  ApiNodeCore fresh{id_of(self_key), ApiNodeConfig{}, rng};
  fresh.start(t2, wall(t2));
  fresh.on_message(testing::peer(21), kWorkersTopic, worker_advert(1, t2), t2, wall(t2));
  EXPECT_EQ(fresh.on_message(testing::peer(7), kNodesTopic, replays[0], t2, wall(t2)).validation,
            Validation::kAccept);
  ASSERT_TRUE(fresh.job(id, t2).has_value());
  EXPECT_TRUE(fresh.owns(id));
  // Unclaimed: republished at once (a worker may not have heard it).
  bool announced = false;
  for (const Publish& p : fresh.tick(t2, wall(t2))) {
    pb::GridMessage m;
    ASSERT_TRUE(m.ParseFromArray(p.data.data(), int(p.data.size())));
    announced |= m.has_announce() && m.announce().job_id() == id;
  }
  EXPECT_TRUE(announced);
}

// A job whose whole life fell inside a short partition (shorter than a missed advert) left us
// nothing to name: the node that holds it shares it in `recent`, and we name it as stale. And a
// job we hold finished otherwise than another node (it lacks a fact we have, or we lack one) is
// replayed by each of us on seeing the other's digest.
TEST_F(CatchUpTest, RecentJobsWeNeverHeardOfAreAskedForAndOutcomesThatDifferAreReplayed) {
  core.start(kT0, wall(kT0));
  const Instant t = kT0 + milliseconds(100);
  hear(testing::peer(7), kNodesTopic, node_advert({kModel}, t), t);
  tick(t);
  const JobId unknown(kJobIdSize, 'u');
  hear(testing::peer(7), kNodesTopic, recent_advert(unknown, 42, t), t);
  EXPECT_EQ(tick(t + seconds(5)).advert_stale, std::vector<JobId>{unknown});
  hear(testing::peer(7), kNodesTopic, node_advert({kModel}, t + seconds(5)), t + seconds(5));

  const JobId id = submit(t);
  pb::GridMessage claim;
  claim.mutable_claim()->set_job_id(id);
  pb::GridMessage result;
  result.mutable_result()->set_job_id(id);
  result.mutable_result()->set_text("The end.");
  core.on_pubsub(*signed_msg(jobs_topic(kModel), claim, 1), t, wall(t));
  core.on_pubsub(*signed_msg(kResultsTopic, result, 2), t, wall(t));
  const Instant t2 = t + seconds(10);
  const uint64_t ours = outcome_digest(*core.job(id, t2));
  const Out out = tick(t2);
  ASSERT_EQ(out.advert_recent.size(), 1u);
  EXPECT_EQ(out.advert_recent[0].job_id(), id);
  EXPECT_EQ(out.advert_recent[0].outcome(), ours);
  hear(testing::peer(7), kNodesTopic, recent_advert(id, ours, t2), t2);
  EXPECT_EQ(tick(t2).replayed, 0u);  // the same outcome: nothing to do
  hear(testing::peer(7), kNodesTopic, recent_advert(id, ours + 1, t2), t2);
  EXPECT_EQ(tick(t2).replayed, 3u);  // announce, claim, result
}

}  // namespace
}  // namespace aipg::grid
