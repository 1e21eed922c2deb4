// A worker that dies mid-run is replaced: the job it was running is re-announced once the worker
// is declared gone, a new worker (another key) started later claims it, and both API nodes end
// with the job done by the replacement — the shipped roles on the full stack.
#include <gtest/gtest.h>

#include "grid_stack_checks.hpp"

namespace aipg::sim {
namespace {

constexpr char kModel[] = "llama3.2:1b";

// One slow worker (each run takes 20 s) crashes 5 s into the only job's run; its replacement,
// just as slow, starts 5 s after the crash.
TEST(GridStackWorkerReplaced, AJobWhoseWorkerCrashedMidRunIsDoneByTheReplacement) {
  GridStack s({.seed = 21});
  worker::TestBackendConfig slow;
  slow.delay = std::chrono::seconds(20);
  const size_t boot = s.add_bootstrap();
  const size_t api_a = s.add_api_node();
  const size_t api_b = s.add_api_node();
  const size_t first = s.add_worker({kModel}, 1, slow);
  for (size_t i : {boot, api_a, api_b, first}) s.start(i);
  s.run_for(3s);  // the mesh forms; the worker advertises

  auto job = s.submit(api_a, kModel);
  ASSERT_TRUE(job) << job.error().message;
  const std::vector<grid::JobId> ids = {*job};
  ASSERT_TRUE(s.run_until([&] { return s.worker(first)->service().stats().runs_started > 0; }, 30s))
      << s.describe(ids);
  s.run_for(5s);
  ASSERT_NE(s.state(api_a, *job), grid::JobState::kDone) << s.describe(ids);
  s.crash(first);
  const size_t replacement = s.add_worker({kModel}, 1, slow);
  s.start_at(replacement, s.now() + 5s);

  std::string why;
  const bool done =
      s.run_until([&] { return all_done_and_agreed(s, ids); }, std::chrono::minutes(3));
  all_done_and_agreed(s, ids, &why);
  ASSERT_TRUE(done) << why << "\n" << s.describe(ids);
  for (size_t api : {api_a, api_b}) {
    const auto v = s.job(api, *job);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->generations.at(0).result_author, s.peer_id(replacement))
        << "on " + s.name(api) + "\n" + s.describe(ids);
  }
  std::string who;
  EXPECT_GE(s.lowest_score(&who), 0) << who << "\n" << s.describe(ids);
}

}  // namespace
}  // namespace aipg::sim
