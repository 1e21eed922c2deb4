// Start-up order cannot lose a job: the shipped roles (bootstrap, API nodes, workers on the full
// stack) started together or workers late, with jobs submitted before any worker exists and
// while the mesh is still forming. Every job must end done in both API nodes' books, by the
// same worker in both, and no honest peer may be scored below zero on the way. How long start-up
// may delay a job is a test of its own.
#include <gtest/gtest.h>

#include <sstream>

#include "grid_stack_checks.hpp"

namespace aipg::sim {
namespace {

constexpr char kModel[] = "llama3.2:1b";
// How long a job may wait beyond its workers' start (or its submission, when later): one advert
// interval for a worker to be heard of, and a second for claim window, run and round trips.
constexpr Duration kStartUpSlack = grid::kDefaultAdvertInterval + std::chrono::seconds(1);

struct Grid {
  size_t boot, api_a, api_b, worker_a, worker_b;
};

Grid add_grid(GridStack& s) {
  Grid g;
  g.boot = s.add_bootstrap();
  g.api_a = s.add_api_node();
  g.api_b = s.add_api_node();
  g.worker_a = s.add_worker({kModel});
  g.worker_b = s.add_worker({kModel});
  return g;
}

void submit_on(GridStack& s, size_t api, DoneTimes& jobs) {
  auto id = s.submit(api, kModel);
  ASSERT_TRUE(id) << id.error().message;
  jobs.submitted(*id, s.now());
}

// Bootstrap, both API nodes and both workers start at the same virtual instant; jobs are
// submitted on both API nodes before any worker runs, and then every 200 ms for 5 s while the
// connections, meshes and adverts form. Returns when the workers started.
Instant start_all_at_once(GridStack& s, const Grid& g, DoneTimes& jobs) {
  s.start(g.boot);
  s.start(g.api_a);
  s.start(g.api_b);
  submit_on(s, g.api_a, jobs);
  submit_on(s, g.api_b, jobs);
  const Instant workers_started = s.now();
  s.start(g.worker_a);
  s.start(g.worker_b);
  for (int k = 0; k < 25; ++k) {
    jobs.run_for(s, 200ms);
    submit_on(s, k % 2 ? g.api_b : g.api_a, jobs);
  }
  return workers_started;
}

// Runs until every job is done and agreed (3 virtual minutes at most), then checks the end
// state: all done, agreed, honest scores not negative.
void expect_all_done(GridStack& s, DoneTimes& jobs) {
  const bool done = jobs.run_until_all_done(s, std::chrono::minutes(3));
  std::string why;
  all_done_and_agreed(s, jobs.jobs(), &why);
  EXPECT_TRUE(done) << why << "\n" << s.describe(jobs.jobs());
  std::string who;
  EXPECT_GE(s.lowest_score(&who), 0) << who << "\n" << s.describe();
}

TEST(GridStackStartup, JobsSubmittedWhileEveryoneStartsAtOnceAreAllDoneOnBothApiNodes) {
  GridStack s({.seed = 11});
  const Grid g = add_grid(s);
  DoneTimes jobs;
  start_all_at_once(s, g, jobs);
  expect_all_done(s, jobs);
}

// The workers start 2.5 s after the bootstrap and the API nodes, once those have met: jobs are
// submitted at the start, just before the workers start and just after.
TEST(GridStackStartup, JobsSubmittedJustBeforeAndAfterLateWorkersStartAreAllDoneOnBothApiNodes) {
  GridStack s({.seed = 12});
  const Grid g = add_grid(s);
  DoneTimes jobs;
  s.start(g.boot);
  s.start(g.api_a);
  s.start(g.api_b);
  submit_on(s, g.api_a, jobs);
  submit_on(s, g.api_b, jobs);
  s.start_at(g.worker_a, s.now() + 2500ms);
  s.start_at(g.worker_b, s.now() + 2500ms);
  jobs.run_for(s, 2400ms);
  submit_on(s, g.api_a, jobs);
  submit_on(s, g.api_b, jobs);
  jobs.run_for(s, 200ms);  // the workers start in the middle of this
  ASSERT_TRUE(s.running(g.worker_a) && s.running(g.worker_b));
  submit_on(s, g.api_a, jobs);
  submit_on(s, g.api_b, jobs);
  expect_all_done(s, jobs);
}

// Start-up costs a job at most one advert interval and a second: the schedule of the first test,
// and each job is done on both API nodes within kStartUpSlack of the later of its submission and
// the workers' start.
TEST(GridStackStartup, JobsSubmittedDuringStartUpWaitAtMostAnAdvertIntervalForTheWorkers) {
  GridStack s({.seed = 11});
  const Grid g = add_grid(s);
  DoneTimes jobs;
  const Instant workers_started = start_all_at_once(s, g, jobs);
  expect_all_done(s, jobs);
  std::ostringstream late;
  for (const grid::JobId& id : jobs.jobs()) {
    const Instant from = std::max(jobs.submitted_at(id), workers_started);
    const std::optional<Instant> done = jobs.done_at(id);
    if (done && *done - from <= kStartUpSlack) continue;
    late << "  job " << to_hex(as_bytes(id)).substr(0, 12) << " submitted at +"
         << seconds(jobs.submitted_at(id) - workers_started) << " s: ";
    if (done) {
      late << "done " << seconds(*done - from) << " s after\n";
    } else {
      late << "not done\n";
    }
  }
  EXPECT_TRUE(late.str().empty()) << "late jobs (allowed " << seconds(kStartUpSlack) << " s):\n"
                                  << late.str() << s.describe();
}

}  // namespace
}  // namespace aipg::sim
