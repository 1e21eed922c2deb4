#include "protocol/grid/topics.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace aipg::grid {
namespace {

TEST(GridTopics, FixedTopics) {
  EXPECT_STREQ(kWorkersTopic, "aipg/1/workers");
  EXPECT_STREQ(kNodesTopic, "aipg/1/nodes");
  EXPECT_STREQ(kResultsTopic, "aipg/1/results");
}

TEST(GridTopics, PlainNamesAreKept) {
  EXPECT_EQ(jobs_topic("llama3.1:8b"), "aipg/1/jobs/llama3.1:8b");
  EXPECT_EQ(jobs_topic("A-Z_a-z.0-9:"), "aipg/1/jobs/A-Z_a-z.0-9:");
}

TEST(GridTopics, SlashSpaceAndUtf8AreEncodedUppercase) {
  EXPECT_EQ(jobs_topic("org/model:7b"), "aipg/1/jobs/org%2Fmodel:7b");
  EXPECT_EQ(jobs_topic("my model"), "aipg/1/jobs/my%20model");
  EXPECT_EQ(jobs_topic("modèle"), "aipg/1/jobs/mod%C3%A8le");
  EXPECT_EQ(jobs_topic("a%b"), "aipg/1/jobs/a%25b");
  EXPECT_EQ(jobs_topic(std::string_view("\0\xff", 2)), "aipg/1/jobs/%00%FF");
}

TEST(GridTopics, EmptyModelHasNoTopic) { EXPECT_EQ(jobs_topic(""), ""); }

TEST(GridTopics, RoundTrip) {
  for (const std::string& model : std::vector<std::string>{
           "org/model:7b", "my model", "modèle 日本語", "a%b", "x",
           "KoboldAI/LLaMA2-13B-Tiefighter", std::string("\0\x01\x7f\x80\xff", 5), "..", "100%"}) {
    auto back = model_of_jobs_topic(jobs_topic(model));
    ASSERT_TRUE(back.has_value()) << model;
    EXPECT_EQ(*back, model);
  }
}

TEST(GridTopics, OtherTopicsHaveNoModel) {
  EXPECT_FALSE(model_of_jobs_topic(kWorkersTopic));
  EXPECT_FALSE(model_of_jobs_topic(kResultsTopic));
  EXPECT_FALSE(model_of_jobs_topic("aipg/1/jobs/"));
  EXPECT_FALSE(model_of_jobs_topic("aipg/1/jobs"));
  EXPECT_FALSE(model_of_jobs_topic("aipg/2/jobs/x"));
  EXPECT_FALSE(model_of_jobs_topic(""));
}

TEST(GridTopics, BadEncodingsAreRefused) {
  EXPECT_FALSE(model_of_jobs_topic("aipg/1/jobs/%G1"));
  EXPECT_FALSE(model_of_jobs_topic("aipg/1/jobs/%1G"));
  EXPECT_FALSE(model_of_jobs_topic("aipg/1/jobs/%4"));
  EXPECT_FALSE(model_of_jobs_topic("aipg/1/jobs/a%"));
  EXPECT_FALSE(model_of_jobs_topic("aipg/1/jobs/%"));
  // Not the canonical spelling: jobs_topic never produces these.
  EXPECT_FALSE(model_of_jobs_topic("aipg/1/jobs/org%2fmodel"));  // lowercase hex
  EXPECT_FALSE(model_of_jobs_topic("aipg/1/jobs/%41"));          // an unreserved char encoded
  EXPECT_FALSE(model_of_jobs_topic("aipg/1/jobs/org/model"));    // a raw '/'
  EXPECT_FALSE(model_of_jobs_topic("aipg/1/jobs/my model"));     // a raw space
  EXPECT_TRUE(model_of_jobs_topic("aipg/1/jobs/org%2Fmodel"));
}

}  // namespace
}  // namespace aipg::grid
