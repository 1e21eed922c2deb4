#include "api/job_id_text.hpp"

#include <gtest/gtest.h>

namespace aipg::api {
namespace {

TEST(JobIdText, IsAUuidAndParsesBack) {
  grid::JobId id;
  for (int i = 0; i < 16; ++i) id += static_cast<char>(i * 17);
  const std::string text = job_id_text(id);
  EXPECT_EQ(text, "00112233-4455-6677-8899-aabbccddeeff");
  EXPECT_EQ(parse_job_id(text), id);
  EXPECT_EQ(parse_job_id("00112233-4455-6677-8899-AABBCCDDEEFF"), id);
  EXPECT_EQ(parse_job_id("00112233445566778899aabbccddeeff"), id);
}

TEST(JobIdText, RefusesAnythingElse) {
  EXPECT_FALSE(parse_job_id(""));
  EXPECT_FALSE(parse_job_id("00112233-4455-6677-8899-aabbccddeef"));
  EXPECT_FALSE(parse_job_id("00112233_4455-6677-8899-aabbccddeeff"));
  EXPECT_FALSE(parse_job_id("0011223344556677889gaabbccddeeff"));
  EXPECT_FALSE(parse_job_id("../../etc/passwd"));
}

}  // namespace
}  // namespace aipg::api
