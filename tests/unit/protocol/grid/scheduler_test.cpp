#include "protocol/grid/scheduler.hpp"

#include <gtest/gtest.h>

#include "test_ids.hpp"

namespace aipg::grid {
namespace {

using testing::job;
using testing::peer;

const std::vector<WorkerModel> kModels = {{"org/small", 512, 4096}, {"big", 2048, 16384}};

pb::JobAnnounce announce(uint8_t id, const std::string& model, uint64_t created_ms,
                         uint32_t max_length = 128, uint32_t max_context = 0,
                         uint32_t attempt = 0) {
  pb::JobAnnounce a;
  a.set_job_id(job(id));
  a.set_model(model);
  a.set_created_ms(created_ms);
  a.set_attempt(attempt);
  a.mutable_params()->set_max_length(max_length);
  a.mutable_params()->set_max_context_length(max_context);
  return a;
}

std::vector<JobId> ids(const std::vector<const pb::JobAnnounce*>& chosen) {
  std::vector<JobId> out;
  for (const auto* a : chosen) out.push_back(a->job_id());
  return out;
}

TEST(Scheduler, OnlyServedModelsWithinTheirCaps) {
  const std::vector<pb::JobAnnounce> as = {
      announce(1, "org/small", 10),             // ok, context unspecified
      announce(2, "other", 10),                 // not served
      announce(3, "org/small", 10, 513),        // max_length over the cap
      announce(4, "org/small", 10, 512, 4097),  // context over the cap
      announce(5, "org/small", 10, 512, 4096),  // exactly at the caps
      announce(6, "big", 10, 2048, 16384),
  };
  std::vector<const pb::JobAnnounce*> ptrs;
  for (const auto& a : as) ptrs.push_back(&a);
  EXPECT_EQ(ids(choose_claims(ptrs, kModels, peer(1), {}, 10)),
            (std::vector<JobId>{job(1), job(5), job(6)}));
  EXPECT_EQ(serving_model(as[5], kModels), &kModels[1]);
  EXPECT_EQ(serving_model(as[2], kModels), nullptr);
}

TEST(Scheduler, FifoByCreatedThenJobIdAtMostFreeSlots) {
  const std::vector<pb::JobAnnounce> as = {announce(4, "big", 30), announce(3, "big", 20),
                                           announce(2, "big", 20), announce(1, "big", 40)};
  std::vector<const pb::JobAnnounce*> ptrs;
  for (const auto& a : as) ptrs.push_back(&a);
  EXPECT_EQ(ids(choose_claims(ptrs, kModels, peer(1), {}, 10)),
            (std::vector<JobId>{job(2), job(3), job(4), job(1)}));
  EXPECT_EQ(ids(choose_claims(ptrs, kModels, peer(1), {}, 2)),
            (std::vector<JobId>{job(2), job(3)}));
  EXPECT_TRUE(choose_claims(ptrs, kModels, peer(1), {}, 0).empty());
}

TEST(Scheduler, SkipsExcludedAndAlreadyClaimed) {
  pb::JobAnnounce excluded = announce(1, "big", 10, 128, 0, 1);
  excluded.add_excluded(std::string(as_chars(peer(9).multihash())));
  excluded.add_excluded(std::string(as_chars(peer(1).multihash())));
  const pb::JobAnnounce claimed = announce(2, "big", 10);
  const pb::JobAnnounce next_attempt = announce(2, "big", 10, 128, 0, 1);
  pb::JobAnnounce other_excluded = announce(3, "big", 10);
  other_excluded.add_excluded(std::string(as_chars(peer(9).multihash())));
  const std::vector<const pb::JobAnnounce*> ptrs = {&excluded, &claimed, &next_attempt,
                                                    &other_excluded, &next_attempt};
  const auto chosen = choose_claims(ptrs, kModels, peer(1), {ClaimKey{job(2), 0}}, 10);
  ASSERT_EQ(chosen.size(), 2u);  // the duplicate of next_attempt makes one claim
  EXPECT_EQ(chosen[0], &next_attempt);
  EXPECT_EQ(chosen[1], &other_excluded);
  EXPECT_TRUE(excluded_from(excluded, peer(1)));
  EXPECT_FALSE(excluded_from(other_excluded, peer(1)));
}

}  // namespace
}  // namespace aipg::grid
