// A job's n generations finish with fewer than n workers (issue 13: an OpenAI request with n=2 on
// a grid with one worker waited five minutes, then answered 504): a worker claims one slot per
// generation it runs. With one slot it runs them in turn, with two at once — the shipped roles
// on the full stack, every job polled on both API nodes.
#include <gtest/gtest.h>

#include "grid_stack_checks.hpp"

namespace aipg::sim {
namespace {

constexpr char kModel[] = "llama3.2:1b";

void expect_all_generations_by(GridStack& s, uint32_t slots) {
  const size_t boot = s.add_bootstrap();
  const size_t api_a = s.add_api_node();
  const size_t api_b = s.add_api_node();
  worker::TestBackendConfig backend;
  backend.delay = 300ms;
  const size_t only = s.add_worker({kModel}, slots, backend);
  for (size_t i : {boot, api_a, api_b, only}) s.start(i);

  std::vector<grid::JobId> ids;
  for (auto [api, n] : {std::pair{api_a, 2u}, std::pair{api_b, 3u}, std::pair{api_a, 2u}}) {
    auto id = s.submit(api, kModel, n);
    ASSERT_TRUE(id) << id.error().message;
    ids.push_back(*id);
  }
  const bool done =
      s.run_until([&] { return all_done_and_agreed(s, ids); }, std::chrono::minutes(2));
  std::string why;
  all_done_and_agreed(s, ids, &why);
  ASSERT_TRUE(done) << why << "\n" << s.describe(ids);
  for (size_t api : {api_a, api_b}) {
    for (const grid::JobId& id : ids) {
      const auto v = s.job(api, id);
      ASSERT_TRUE(v);
      for (const grid::GenerationView& g : v->generations) {
        EXPECT_EQ(g.result_author, s.peer_id(only)) << s.describe(ids);
      }
    }
  }
  // One run per generation: 2 + 3 + 2.
  EXPECT_EQ(s.worker(only)->service().stats().runs_finished, 7u) << s.describe(ids);
  std::string who;
  EXPECT_GE(s.lowest_score(&who), 0) << who << "\n" << s.describe(ids);
}

TEST(GridStackGenerations, OneWorkerWithOneSlotRunsEveryGenerationInTurn) {
  GridStack s({.seed = 31});
  expect_all_generations_by(s, 1);
}

TEST(GridStackGenerations, OneWorkerWithTwoSlotsRunsEveryGeneration) {
  GridStack s({.seed = 32});
  expect_all_generations_by(s, 2);
}

}  // namespace
}  // namespace aipg::sim
