#include "api/partial_output.hpp"

#include <gtest/gtest.h>

#include "../protocol/grid/test_ids.hpp"

namespace aipg::api {
namespace {

using grid::testing::peer;  // a worker's peer id

grid::JobView view(uint32_t attempt, std::vector<std::optional<grid::PeerId>> winners) {
  grid::JobView v;
  v.id = grid::JobId(grid::kJobIdSize, 'j');
  v.state = grid::JobState::kProcessing;
  v.attempt = attempt;
  for (auto& w : winners) v.generations.push_back({w, std::nullopt, nullptr, std::nullopt});
  return v;
}

TEST(PartialOutput, ShowsTextOnlyWhileItsSenderIsTheWinner) {
  PartialOutput p;
  // The stream came before the claim: kept, not shown.
  grid::JobView v = view(0, {std::nullopt});
  EXPECT_TRUE(p.add(peer(1), v, 0, 0, {"Once", " upon"}));
  EXPECT_FALSE(p.text(v, 0));
  v = view(0, {peer(1)});
  ASSERT_TRUE(p.text(v, 0));
  EXPECT_EQ(*p.text(v, 0), "Once upon");
  EXPECT_TRUE(p.add(peer(1), v, 0, 0, {" a time"}));
  EXPECT_EQ(*p.text(v, 0), "Once upon a time");
  // Someone else's stream for the same generation is refused while it is not the winner.
  EXPECT_FALSE(p.add(peer(2), v, 0, 0, {"Forged"}));
  EXPECT_EQ(*p.text(v, 0), "Once upon a time");
  // A generation the job does not have.
  EXPECT_FALSE(p.add(peer(1), v, 0, 1, {"x"}));
}

TEST(PartialOutput, ANewAttemptsWinnerStartsAfresh) {
  PartialOutput p;
  grid::JobView v = view(0, {peer(1)});
  EXPECT_TRUE(p.add(peer(1), v, 0, 0, {"first try"}));
  v = view(1, {peer(2)});
  EXPECT_FALSE(p.text(v, 0));  // attempt 0's text is not attempt 1's
  EXPECT_TRUE(p.add(peer(2), v, 1, 0, {"second"}));
  EXPECT_EQ(*p.text(v, 0), "second");
  EXPECT_EQ(p.jobs(), 1u);
  p.forget(v.id);
  EXPECT_FALSE(p.text(v, 0));
  EXPECT_EQ(p.jobs(), 0u);
}

}  // namespace
}  // namespace aipg::api
