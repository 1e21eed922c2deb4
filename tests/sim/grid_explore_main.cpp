// grid_explore — the schedule explorer (DESIGN.md §4 "Order cannot matter", §7): each seed draws
// a scenario of the shipped roles on the full-stack simulator (start order, joins, link delays,
// jobs, lost facts, crashes, partitions), runs it until the grid settles and checks the
// invariants of explore_checks.hpp.
//   grid_explore --seed 42                 replays one seed; prints its scenario and any breach
//   grid_explore --seed 42 --trace         … and every job fact each process judges, as it comes
//   grid_explore --seed 42 --minimise      … and the smallest scenario cut from it that breaks the
//                                          same invariant
//   grid_explore --seeds 2000 --from 1     runs seeds 1…2000; prints each failing seed's report
//                                          and a summary (mix, breaches by invariant)
// Exit status 1 when any seed breaks an invariant.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>

#include "explore.hpp"
#include "explore_minimise.hpp"

int main(int argc, char** argv) {
  using namespace aipg::sim::explore;
  uint64_t seed = 0, from = 1, count = 0;
  bool verbose = false, quiet = false, trace = false, minimise = false;
  CLI::App app{"grid_explore: the grid's schedule explorer on the full-stack simulator"};
  auto* one = app.add_option("--seed", seed, "replay this one seed");
  app.add_option("--seeds", count, "run this many seeds")->excludes(one);
  app.add_option("--from", from, "the first of --seeds")->capture_default_str();
  app.add_flag("--verbose", verbose, "print every seed's scenario, and the processes' logs");
  app.add_flag("--trace", trace, "print every job fact each process judges, as it happens");
  app.add_flag("--minimise", minimise,
               "with --seed: cut a failing scenario down to what breaks its first invariant")
      ->needs(one);
  app.add_flag("--quiet", quiet, "with --seeds: only failing seeds' seed numbers and the summary");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(verbose ? spdlog::level::info : spdlog::level::off);

  if (!*one && count == 0) count = 100;
  const uint64_t first = *one ? seed : from;
  const uint64_t n = *one ? 1 : count;
  const auto wall_start = std::chrono::steady_clock::now();
  Summary summary;
  for (uint64_t s = first; s < first + n; ++s) {
    const SeedResult r = explore_seed(s, trace ? stdout : nullptr);
    summary.add(r);
    if (!r.breaches.empty()) {
      if (quiet) {
        std::printf("seed %llu: %s\n", static_cast<unsigned long long>(s),
                    to_string(r.breaches.front().invariant));
      } else {
        std::printf("%s\n", r.report.c_str());
      }
    } else if (*one || verbose) {
      std::printf("%sseed %llu: every invariant holds (%.1f s virtual)\n",
                  describe(r.scenario).c_str(), static_cast<unsigned long long>(s),
                  r.virtual_seconds);
    }
    std::fflush(stdout);
    if (minimise && !r.breaches.empty()) {
      size_t runs = 0;
      const Scenario small =
          aipg::sim::explore::minimise(r.scenario, r.breaches.front().invariant, &runs);
      const SeedResult m = explore_scenario(small, trace ? stdout : nullptr);
      std::printf("minimised in %zu runs:\n%s\n", runs, m.report.c_str());
    }
  }
  if (!*one) {
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    std::printf("%s", summary.text(wall).c_str());
  }
  return summary.failed() > 0 ? 1 : 0;
}
