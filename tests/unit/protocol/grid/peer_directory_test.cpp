#include "protocol/grid/peer_directory.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "protocol/grid/rank.hpp"
#include "test_ids.hpp"

namespace aipg::grid {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::job;
using testing::kNs;
using testing::kT0;
using testing::peer;

pb::WorkerAdvert worker(std::initializer_list<const char*> models, bool healthy = true,
                        uint32_t interval_ms = 0) {
  pb::WorkerAdvert a;
  for (const char* m : models) a.add_models()->set_name(m);
  a.set_slots_total(1);
  a.set_slots_free(1);
  a.set_healthy(healthy);
  a.set_advert_interval_ms(interval_ms);
  return a;
}

pb::NodeAdvert node(uint32_t interval_ms = 0) {
  pb::NodeAdvert a;
  a.set_advert_interval_ms(interval_ms);
  return a;
}

TEST(GridPeerDirectory, IntervalIsClampedAndDefaulted) {
  EXPECT_EQ(PeerDirectory::interval(0), seconds(5));
  EXPECT_EQ(PeerDirectory::interval(1), seconds(1));
  EXPECT_EQ(PeerDirectory::interval(999), seconds(1));
  EXPECT_EQ(PeerDirectory::interval(1000), seconds(1));
  EXPECT_EQ(PeerDirectory::interval(2500), milliseconds(2500));
  EXPECT_EQ(PeerDirectory::interval(60'000), seconds(60));
  EXPECT_EQ(PeerDirectory::interval(60'001), seconds(60));
  EXPECT_EQ(PeerDirectory::interval(UINT32_MAX), seconds(60));
}

TEST(GridPeerDirectory, UnknownPeersAreNotLive) {
  PeerDirectory d;
  EXPECT_FALSE(d.worker_live(peer(1), kT0));
  EXPECT_FALSE(d.node_live(peer(1), kT0));
  EXPECT_EQ(d.worker_advert(peer(1)), nullptr);
  EXPECT_EQ(d.node_advert(peer(1)), nullptr);
  EXPECT_TRUE(d.live_workers(kT0).empty());
  EXPECT_TRUE(d.live_nodes(kT0).empty());
}

// Live while the last advert came less than 3 intervals ago: gone exactly at 3.
TEST(GridPeerDirectory, LivenessEdges) {
  PeerDirectory d;
  d.on_worker_advert(peer(1), worker({"m"}), kT0);             // 5 s default
  d.on_node_advert(peer(2), node(2000), kT0);                  // 2 s
  d.on_worker_advert(peer(3), worker({"m"}, true, 100), kT0);  // clamped to 1 s
  d.on_node_advert(peer(4), node(3'600'000), kT0);             // clamped to 60 s
  EXPECT_TRUE(d.worker_live(peer(1), kT0 + seconds(15) - kNs));
  EXPECT_FALSE(d.worker_live(peer(1), kT0 + seconds(15)));
  EXPECT_TRUE(d.node_live(peer(2), kT0 + seconds(6) - kNs));
  EXPECT_FALSE(d.node_live(peer(2), kT0 + seconds(6)));
  EXPECT_TRUE(d.worker_live(peer(3), kT0 + seconds(3) - kNs));
  EXPECT_FALSE(d.worker_live(peer(3), kT0 + seconds(3)));
  EXPECT_TRUE(d.node_live(peer(4), kT0 + seconds(180) - kNs));
  EXPECT_FALSE(d.node_live(peer(4), kT0 + seconds(180)));
  // Workers and nodes are separate roles.
  EXPECT_FALSE(d.node_live(peer(1), kT0));
  EXPECT_FALSE(d.worker_live(peer(2), kT0));
}

TEST(GridPeerDirectory, AFreshAdvertRevivesAndAnOldOneDoesNotRollBack) {
  PeerDirectory d;
  d.on_worker_advert(peer(1), worker({"a"}), kT0);
  EXPECT_FALSE(d.worker_live(peer(1), kT0 + seconds(20)));
  d.on_worker_advert(peer(1), worker({"b"}), kT0 + seconds(20));
  EXPECT_TRUE(d.worker_live(peer(1), kT0 + seconds(20)));
  EXPECT_EQ(d.worker_advert(peer(1))->models(0).name(), "b");
  d.on_worker_advert(peer(1), worker({"c"}), kT0 + seconds(10));  // older: dropped
  EXPECT_EQ(d.worker_advert(peer(1))->models(0).name(), "b");
  EXPECT_TRUE(d.worker_live(peer(1), kT0 + seconds(34)));
}

TEST(GridPeerDirectory, ServesNeedsLiveHealthyAndTheModel) {
  PeerDirectory d;
  d.on_worker_advert(peer(1), worker({"org/a", "b"}), kT0);
  d.on_worker_advert(peer(2), worker({"org/a"}, /*healthy=*/false), kT0);
  EXPECT_TRUE(d.serves(peer(1), "org/a", kT0));
  EXPECT_TRUE(d.serves(peer(1), "b", kT0));
  EXPECT_FALSE(d.serves(peer(1), "org", kT0));
  EXPECT_FALSE(d.serves(peer(1), "c", kT0));
  EXPECT_FALSE(d.serves(peer(2), "org/a", kT0));
  EXPECT_FALSE(d.serves(peer(1), "org/a", kT0 + seconds(15)));  // gone
  EXPECT_FALSE(d.serves(peer(3), "org/a", kT0));                // unknown
  EXPECT_EQ(d.workers_for("org/a", kT0), std::vector<PeerId>{peer(1)});
  EXPECT_TRUE(d.workers_for("org/a", kT0 + seconds(15)).empty());
}

TEST(GridPeerDirectory, ListsAreSortedAndLiveOnly) {
  PeerDirectory d;
  for (uint8_t n : {7, 3, 9, 1}) {
    d.on_worker_advert(peer(n), worker({"m"}), kT0);
    d.on_node_advert(peer(static_cast<uint8_t>(n + 100)), node(), kT0 + seconds(n));
  }
  EXPECT_EQ(d.live_workers(kT0), (std::vector<PeerId>{peer(1), peer(3), peer(7), peer(9)}));
  EXPECT_EQ(d.workers_for("m", kT0), d.live_workers(kT0));
  // The nodes heard at +1, +3, +7, +9 s are gone at +16, +18, +22, +24 s.
  EXPECT_EQ(d.live_nodes(kT0 + seconds(16)),
            (std::vector<PeerId>{peer(103), peer(107), peer(109)}));
  EXPECT_EQ(d.live_nodes(kT0 + seconds(18)), (std::vector<PeerId>{peer(107), peer(109)}));
}

TEST(GridPeerDirectory, SelfIsLiveWithoutItsOwnAdvert) {
  PeerDirectory d;
  d.set_self(peer(5), /*is_api_node=*/true);
  EXPECT_TRUE(d.node_live(peer(5), kT0 + std::chrono::hours(100)));
  EXPECT_EQ(d.live_nodes(kT0), std::vector<PeerId>{peer(5)});
  d.on_node_advert(peer(5), node(), kT0);  // hearing itself does not list it twice
  d.on_node_advert(peer(1), node(), kT0);
  EXPECT_EQ(d.live_nodes(kT0 + seconds(100)), std::vector<PeerId>{peer(5)});
  EXPECT_EQ(d.live_nodes(kT0), (std::vector<PeerId>{peer(1), peer(5)}));

  PeerDirectory w;
  w.set_self(peer(6), /*is_api_node=*/false);
  EXPECT_TRUE(w.worker_live(peer(6), kT0));
  EXPECT_FALSE(w.node_live(peer(6), kT0));  // a worker is never an API node
  EXPECT_TRUE(w.live_nodes(kT0).empty());
  EXPECT_FALSE(w.serves(peer(6), "m", kT0));  // no advert of itself: nothing known to serve
  w.on_worker_advert(peer(6), worker({"m"}), kT0);
  EXPECT_TRUE(w.serves(peer(6), "m", kT0 + std::chrono::hours(1)));
}

// The live node with the lowest takeover rank, computed here from the ranks themselves.
PeerId lowest_rank(const JobId& id, std::vector<PeerId> nodes) {
  return *std::min_element(nodes.begin(), nodes.end(), [&](const PeerId& a, const PeerId& b) {
    return takeover_rank(id, a) < takeover_rank(id, b);
  });
}

TEST(GridPeerDirectory, AnnouncerIsTheOriginWhileLive) {
  PeerDirectory d;
  d.set_self(peer(1), true);
  d.on_node_advert(peer(2), node(), kT0);  // the origin
  d.on_node_advert(peer(3), node(), kT0 + seconds(10));
  for (uint8_t j = 0; j < 20; ++j) {
    EXPECT_EQ(d.announcer(job(j), peer(2), kT0 + seconds(15) - kNs), peer(2));
    EXPECT_EQ(d.announcer(job(j), peer(1), kT0 + std::chrono::hours(5)), peer(1));  // self
  }
}

TEST(GridPeerDirectory, AnnouncerTakesOverByLowestRankAmongLiveNodes) {
  PeerDirectory d;
  d.set_self(peer(1), true);
  d.on_node_advert(peer(2), node(), kT0);  // the origin, gone from kT0 + 15 s
  d.on_node_advert(peer(3), node(), kT0 + seconds(10));
  d.on_node_advert(peer(4), node(), kT0 + seconds(10));
  d.on_worker_advert(peer(5), worker({"m"}), kT0 + seconds(10));  // workers never announce
  const Instant t = kT0 + seconds(15);
  bool self_won = false, other_won = false;
  for (uint8_t j = 0; j < 40; ++j) {
    auto a = d.announcer(job(j), peer(2), t);
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(*a, lowest_rank(job(j), {peer(1), peer(3), peer(4)}));
    (*a == peer(1) ? self_won : other_won) = true;
  }
  EXPECT_TRUE(self_won);  // with 40 jobs, both cases occur
  EXPECT_TRUE(other_won);
  // Once peer 3 and 4 are gone too, only self is left.
  EXPECT_EQ(d.announcer(job(0), peer(2), kT0 + seconds(25)), peer(1));
}

TEST(GridPeerDirectory, NoAnnouncerWhenNoApiNodeIsLive) {
  PeerDirectory d;
  d.set_self(peer(9), /*is_api_node=*/false);  // a worker
  d.on_node_advert(peer(2), node(), kT0);
  d.on_node_advert(peer(3), node(), kT0);
  EXPECT_EQ(d.announcer(job(1), peer(2), kT0), peer(2));
  EXPECT_EQ(d.announcer(job(1), peer(7), kT0), lowest_rank(job(1), {peer(2), peer(3)}));
  EXPECT_EQ(d.announcer(job(1), peer(2), kT0 + seconds(15)), std::nullopt);
  EXPECT_EQ(PeerDirectory{}.announcer(job(1), peer(2), kT0), std::nullopt);
}

TEST(GridPeerDirectory, ForgetGoneDropsOnlyLongGonePeers) {
  PeerDirectory d;
  d.set_self(peer(1), true);
  d.on_node_advert(peer(1), node(), kT0);  // self: never forgotten
  d.on_node_advert(peer(2), node(), kT0);  // gone at kT0 + 15 s
  d.on_worker_advert(peer(3), worker({"m"}), kT0);
  d.on_worker_advert(peer(4), worker({"m"}), kT0 + seconds(30));
  d.forget_gone(kT0 + seconds(15) + std::chrono::minutes(10));  // gone exactly 10 min: kept
  EXPECT_NE(d.node_advert(peer(2)), nullptr);
  EXPECT_NE(d.worker_advert(peer(3)), nullptr);
  d.forget_gone(kT0 + seconds(15) + std::chrono::minutes(10) + kNs);
  EXPECT_EQ(d.node_advert(peer(2)), nullptr);
  EXPECT_EQ(d.worker_advert(peer(3)), nullptr);
  EXPECT_NE(d.worker_advert(peer(4)), nullptr);
  EXPECT_NE(d.node_advert(peer(1)), nullptr);
  d.forget_gone(kT0 + std::chrono::hours(2), std::chrono::seconds(0));
  EXPECT_EQ(d.worker_advert(peer(4)), nullptr);
  EXPECT_NE(d.node_advert(peer(1)), nullptr);
}

}  // namespace
}  // namespace aipg::grid
