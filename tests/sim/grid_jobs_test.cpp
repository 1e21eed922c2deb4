// The grid protocol on the simulator with the real gossipsub router underneath: 5 API nodes,
// 50 workers, 2,000 jobs. Every job completes exactly once (one accepted result), and every API
// node's book agrees on every job's final state and winner — also when workers and an origin
// crash mid-run.
#include <gtest/gtest.h>

#include "grid_net.hpp"
#include "protocol/grid/message_check.hpp"
#include "protocol/grid/topics.hpp"

namespace aipg::sim {
namespace {

struct Outcome {
  grid::JobState state;
  std::optional<gossipsub::PeerId> author;
  std::optional<uint32_t> attempt;
};

// Every live API node's view of `id`; they must agree.
std::optional<Outcome> agreed(GridNet& g, RouterNet& net, const grid::JobId& id, std::string* why) {
  std::optional<Outcome> first;
  for (size_t node : g.api_nodes()) {
    if (!net.alive(node)) continue;
    auto v = g.api(node)->job(id, net.now());
    if (!v) {
      *why = "node " + std::to_string(node) + " does not know the job";
      return std::nullopt;
    }
    Outcome o{v->state, v->generations.at(0).result_author, v->generations.at(0).result_attempt};
    if (!first) {
      first = o;
    } else if (first->state != o.state || first->author != o.author ||
               first->attempt != o.attempt) {
      *why = "books disagree:";
      for (size_t n : g.api_nodes()) {
        if (!net.alive(n)) continue;
        auto w = g.api(n)->job(id, net.now());
        if (!w) continue;
        const auto& gen = w->generations.at(0);
        *why += " [node " + std::to_string(n) + ": " + grid::to_string(w->state) + ", attempt " +
                std::to_string(w->attempt) + ", result of attempt " +
                (gen.result_attempt ? std::to_string(*gen.result_attempt) : "-") + " by " +
                (gen.result_author ? gen.result_author->to_base58().substr(0, 12) : "-") +
                ", claims " + std::to_string(w->claims) + "]";
      }
      return std::nullopt;
    }
  }
  return first;
}

void run_jobs(GridNet& g, RouterNet& net, size_t jobs, std::vector<grid::JobId>& ids,
              const std::vector<std::string>& models) {
  for (size_t i = 0; i < jobs; ++i) {
    ids.push_back(g.submit(i % g.api_nodes().size(), models[i % models.size()], net.now()));
    ASSERT_FALSE(ids.back().empty());
    net.run_for(20ms);  // 50 jobs/s over 40 s
  }
}

// The figure. Each such run takes a few minutes (55 routers' seen caches and mcaches
// dominate; signatures are verified once per message, see RouterNetOptions::verify_once).
constexpr size_t kJobs = 2000;

TEST(GridJobs, JobsCompleteExactlyOnceAndBooksAgree) {
  RouterNetOptions opts;
  opts.seed = 2024;
  RouterNet net(opts);
  GridNetOptions gopts;
  GridNet g(net, gopts);
  net.run_for(3s);
  std::vector<grid::JobId> ids;
  run_jobs(g, net, kJobs, ids, gopts.models);
  net.run_for(30s);
  size_t done = 0;
  for (const auto& id : ids) {
    std::string why;
    auto o = agreed(g, net, id, &why);
    ASSERT_TRUE(o) << why;
    EXPECT_EQ(o->state, grid::JobState::kDone) << grid::to_string(o->state);
    done += o->state == grid::JobState::kDone;
    EXPECT_TRUE(o->author);
  }
  EXPECT_EQ(done, ids.size());
  // Each run that started either delivered the one accepted result or was stopped.
  EXPECT_GE(g.results_published(), ids.size());
}

TEST(GridJobs, CrashedWorkersAndOriginLoseNoJob) {
  RouterNetOptions opts;
  opts.seed = 77;
  RouterNet net(opts);
  GridNetOptions gopts;
  GridNet g(net, gopts);
  net.run_for(3s);
  std::vector<grid::JobId> ids;
  // A fifth of the workers crash mid-run, and so does API node 0 (the origin of a fifth of the
  // jobs).
  bool origin_down = false;
  for (size_t i = 0; i < kJobs; ++i) {
    // Once API node 0 is down, its share of the submissions goes to the others.
    const size_t api = origin_down ? 1 + i % 4 : i % 5;
    ids.push_back(g.submit(api, gopts.models[i % 2], net.now()));
    net.run_for(20ms);
    if (i == kJobs / 2) {
      net.run_for(200ms);  // what node 0 accepted has left it (a restart would re-announce it)
      origin_down = true;
      for (size_t w = 0; w < g.workers().size(); w += 5) g.crash(g.workers()[w]);
      g.crash(g.api_nodes()[0]);
    }
  }
  net.run_for(90s);
  for (const auto& id : ids) {
    std::string why;
    auto o = agreed(g, net, id, &why);
    ASSERT_TRUE(o) << why;
    EXPECT_TRUE(o->state == grid::JobState::kDone || o->state == grid::JobState::kFaulted)
        << grid::to_string(o->state);
    EXPECT_EQ(o->state, grid::JobState::kDone) << "lease and takeover should finish it";
  }
}

}  // namespace
}  // namespace aipg::sim

namespace aipg::sim {
namespace {

// A rogue peer claims jobs for a model it does not advertise: no book takes its claims, its
// messages are rejected by the roles' validators, and the gossipsub score of every honest
// neighbour for it falls below zero (P4, invalid messages).
TEST(GridJobs, ClaimsFromAPeerThatAdvertisesNothingChangeNoBookAndScoreItDown) {
  RouterNetOptions opts;
  opts.seed = 5;
  GridNetOptions gopts;
  gossipsub::PeerScoreParams score = gossipsub::default_peer_score_params();
  for (const auto& m : gopts.models) {
    score.topics[grid::jobs_topic(m)] = gossipsub::default_topic_score_params();
  }
  opts.config.score = score;
  RouterNet net(opts);
  gopts.workers = 20;
  GridNet g(net, gopts);
  const size_t rogue = net.add_node();
  net.connect_random(rogue, 10);
  for (const auto& m : gopts.models) net.subscribe(rogue, grid::jobs_topic(m));
  net.run_for(3s);

  std::vector<grid::JobId> ids;
  for (size_t i = 0; i < 40; ++i) {
    ids.push_back(g.submit(i % 5, gopts.models[i % 2], net.now()));
    net.run_for(150ms);  // the announce has spread (a claim before it is only held, not judged)
    // The rogue claims every job, though it advertises no model.
    grid::pb::GridMessage m;
    m.mutable_claim()->set_job_id(ids.back());
    m.mutable_claim()->set_attempt(0);
    net.publish_untracked(rogue, grid::jobs_topic(gopts.models[i % 2]),
                          grid::encode_message(m, net.wall_now()));
    net.run_for(50ms);
  }
  net.run_for(20s);
  for (const auto& id : ids) {
    for (size_t node : g.api_nodes()) {
      auto v = g.api(node)->job(id, net.now());
      ASSERT_TRUE(v);
      EXPECT_EQ(v->state, grid::JobState::kDone);
      EXPECT_NE(v->generations.at(0).result_author, net.peer_id(rogue));
    }
  }
  size_t rejected = 0;
  for (size_t node : g.api_nodes()) {
    auto r = g.api(node)->rejections();
    auto it = r.find(grid::to_string(grid::Reject::kNotAdvertised));
    if (it != r.end()) rejected += it->second;
  }
  EXPECT_GT(rejected, 0u);
  size_t neighbours = 0;
  for (size_t n : net.neighbours(rogue)) {
    ++neighbours;
    EXPECT_LT(net.router(n).score(net.peer_id(rogue), net.now()), 0) << "neighbour " << n;
  }
  EXPECT_GT(neighbours, 5u);
}

}  // namespace
}  // namespace aipg::sim

namespace aipg::sim {
namespace {

// A partition cuts 2 API nodes and 20 workers off the rest for 20 s in the middle of the run.
// Each side keeps serving the jobs submitted to it; after the heal, replays (docs/protocol.md
// §8) bring each side what the other did, and every book agrees on every job.
TEST(GridJobs, EachSideServesDuringAPartitionAndTheBooksConvergeAfterTheHeal) {
  RouterNetOptions opts;
  opts.seed = 31;
  RouterNet net(opts);
  GridNetOptions gopts;
  GridNet g(net, gopts);
  net.run_for(3s);
  std::set<size_t> side_a = {g.api_nodes()[0], g.api_nodes()[1]};
  for (size_t w = 0; w < 20; ++w) side_a.insert(g.workers()[w]);

  std::vector<grid::JobId> ids;
  struct Submitted {
    grid::JobId id;
    size_t api;
    Instant at;
  };
  std::vector<Submitted> during;
  // The partition lasts 20 s, beyond the 15 s in which peers are declared gone, so that each
  // side re-announces and takes over the other's jobs.
  const size_t jobs = kJobs;
  const Duration gap = Duration(40s) / jobs;
  const size_t cut = jobs / 4, heal = jobs * 3 / 4;
  for (size_t i = 0; i < jobs; ++i) {
    if (i == cut) net.partition(side_a);
    if (i == heal) {
      // Just before the heal: each side has finished what was submitted to it in the
      // partition, but for the last few seconds' jobs.
      size_t checked = 0;
      for (const Submitted& s : during) {
        if (net.now() - s.at < 5s) break;
        auto v = g.api(g.api_nodes()[s.api])->job(s.id, net.now());
        ASSERT_TRUE(v);
        EXPECT_EQ(v->state, grid::JobState::kDone) << "submitted on API node " << s.api;
        ++checked;
      }
      EXPECT_GT(checked, jobs / 3);
      net.heal();
    }
    const size_t api = i % 5;
    ids.push_back(g.submit(api, gopts.models[i % 2], net.now()));
    if (i >= cut && i < heal) during.push_back({ids.back(), api, net.now()});
    net.run_for(gap);
  }
  net.run_for(60s);
  for (const auto& id : ids) {
    std::string why;
    auto o = agreed(g, net, id, &why);
    ASSERT_TRUE(o) << why;
    EXPECT_EQ(o->state, grid::JobState::kDone) << grid::to_string(o->state);
  }
}

}  // namespace
}  // namespace aipg::sim
