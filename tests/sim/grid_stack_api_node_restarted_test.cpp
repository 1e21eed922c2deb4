// An API node that was down while jobs were submitted and finished elsewhere learns them when it
// comes back (with the same key and, having no store, an empty book): the other API node replays
// the facts it took since it last heard the restarted one (docs/protocol.md §8).
#include <gtest/gtest.h>

#include "grid_stack_checks.hpp"

namespace aipg::sim {
namespace {

constexpr char kModel[] = "llama3.2:1b";

TEST(GridStackApiNodeRestarted, JobsDoneWhileAnApiNodeWasDownAreInItsBookAfterItsRestart) {
  GridStack s({.seed = 31});
  const size_t boot = s.add_bootstrap();
  const size_t api_a = s.add_api_node();
  const size_t api_b = s.add_api_node();
  const size_t worker = s.add_worker({kModel});
  for (size_t i : {boot, api_a, api_b, worker}) s.start(i);
  s.run_for(12s);  // a second round of adverts: everyone has heard of everyone

  s.crash(api_b);
  std::vector<grid::JobId> ids;
  for (int k = 0; k < 5; ++k) {
    auto id = s.submit(api_a, kModel);
    ASSERT_TRUE(id) << id.error().message;
    ids.push_back(*id);
    s.run_for(500ms);
  }
  ASSERT_TRUE(s.run_until([&] { return all_done_and_agreed(s, ids); }, 30s)) << s.describe(ids);

  s.restart(api_b);
  std::string why;
  const bool done = s.run_until([&] { return all_done_and_agreed(s, ids); }, 60s);
  all_done_and_agreed(s, ids, &why);
  EXPECT_TRUE(done) << why << "\n" << s.describe(ids);
  std::string who;
  EXPECT_GE(s.lowest_score(&who), 0) << who << "\n" << s.describe();
}

}  // namespace
}  // namespace aipg::sim
