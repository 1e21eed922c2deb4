#include "api/horde_json.hpp"

#include <gtest/gtest.h>

namespace aipg::api {
namespace {

grid::PeerId worker(uint8_t n) {
  Bytes mh{0x12, 0x20};
  mh.resize(34, n);
  return grid::PeerId::from_multihash(mh).value();
}

struct Job {
  grid::pb::JobAnnounce announce;
  grid::pb::JobResult result;
  grid::JobView view;

  explicit Job(uint32_t n) {
    announce.set_model("org/m");
    announce.set_n(n);
    view.id = std::string(16, '\x01');
    view.announce = &announce;
    view.generations.resize(n);
    result.set_text("The end.");
    result.set_tokens(3);
    result.set_finish_reason("stop");
  }
};

TEST(HordeStatus, DoneShowsEachGenerationWithItsWorker) {
  Job j(1);
  j.view.state = grid::JobState::kDone;
  j.view.generations[0].result = &j.result;
  j.view.generations[0].result_author = worker(7);
  grid::PeerDirectory dir;
  grid::pb::WorkerAdvert a;
  a.set_name("gpu-box");
  dir.on_worker_advert(worker(7), a, Instant{});
  const auto o = horde_status(j.view, {0, 1, 0}, dir);
  EXPECT_EQ(o.at("id").as_string(), "01010101-0101-0101-0101-010101010101");
  EXPECT_TRUE(o.at("done").as_bool());
  EXPECT_FALSE(o.at("faulted").as_bool());
  EXPECT_EQ(o.at("finished").as_uint64(), 1u);
  EXPECT_EQ(o.at("waiting").as_uint64(), 0u);
  const auto& g = o.at("generations").as_array().at(0).as_object();
  EXPECT_EQ(g.at("text").as_string(), "The end.");
  EXPECT_EQ(g.at("worker_name").as_string(), "gpu-box");
  EXPECT_EQ(g.at("worker_id").as_string(), worker(7).to_base58());
  EXPECT_EQ(g.at("model").as_string(), "org/m");  // the result named none
  EXPECT_EQ(g.at("state").as_string(), "ok");
}

TEST(HordeStatus, ProcessingWaitingAndWhyItIsNotPossible) {
  Job j(3);
  j.view.state = grid::JobState::kProcessing;
  j.view.attempt = 1;
  j.view.generations[0].winner = worker(1);
  grid::PeerDirectory dir;
  auto o = horde_status(j.view, {0, 2, 0}, dir);
  EXPECT_EQ(o.at("processing").as_uint64(), 1u);
  EXPECT_EQ(o.at("waiting").as_uint64(), 2u);
  EXPECT_EQ(o.at("restarted").as_uint64(), 1u);
  // One worker can run all three generations.
  EXPECT_TRUE(o.at("is_possible").as_bool());
  EXPECT_FALSE(o.contains("message"));
  o = horde_status(j.view, {0, 0, 0}, dir);
  EXPECT_FALSE(o.at("is_possible").as_bool());
  EXPECT_NE(std::string(o.at("message").as_string()).find("no live worker serves model org/m"),
            std::string::npos);
}

TEST(HordeStatus, CancelledAndFaultedAreFaultedWithTheReason) {
  Job j(1);
  grid::PeerDirectory dir;
  j.view.state = grid::JobState::kCancelled;
  j.view.reason = "by the client";
  auto o = horde_status(j.view, {0, 1, 0}, dir);
  EXPECT_TRUE(o.at("faulted").as_bool());
  EXPECT_FALSE(o.at("done").as_bool());
  EXPECT_EQ(o.at("waiting").as_uint64(), 0u);
  EXPECT_EQ(o.at("message").as_string(), "cancelled: by the client");
  j.view.state = grid::JobState::kFaulted;
  j.view.reason = "ttl expired";
  o = horde_status(j.view, {0, 0, 0}, dir);
  EXPECT_TRUE(o.at("faulted").as_bool());
  EXPECT_TRUE(o.at("is_possible").as_bool());  // it is over: nothing left to be possible
  EXPECT_EQ(o.at("message").as_string(), "faulted: ttl expired");
}

}  // namespace
}  // namespace aipg::api
