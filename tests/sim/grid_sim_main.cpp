// grid_sim — the grid protocol on the router-level simulator as a command, for the benchmark in
// docs/benchmarks.md: for each claim window × link latency, submits jobs at a steady rate and
// prints one markdown table row: jobs done, claim latency (submit → the start of the run whose
// result was accepted), and the share of run time spent on the other runs (stopped, or finished
// with a result that did not count).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <tuple>

#include "grid_net.hpp"
#include "scenario.hpp"

namespace {

using namespace aipg;
using namespace aipg::sim;

struct Settings {
  size_t jobs = 300;
  uint64_t seed = 1;
  double jitter = 0.5;  // of the latency
  double rate = 20;     // jobs per second
  // How often each worker and API node ticks. A real shell ticks after every message and at
  // next_deadline(); GridNet's 50 ms (the scenario tests') would delay each claim and each start
  // by up to a tick and, since a claimant decides a tick after claiming at the earliest, act as a
  // second claim window.
  int tick_ms = 5;
  size_t workers = 50;
  size_t api_nodes = 5;
};

double ms(Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Runs one combination and prints its row; true when every job was done.
bool run_one(const Settings& s, int window_ms, int latency_ms) {
  const auto wall_start = std::chrono::steady_clock::now();
  RouterNetOptions opts;
  opts.seed = s.seed;
  opts.latency = std::chrono::milliseconds(latency_ms);
  opts.jitter = std::chrono::duration_cast<Duration>(opts.latency * s.jitter);
  RouterNet net(opts);
  GridNetOptions gopts;
  gopts.api_nodes = s.api_nodes;
  gopts.workers = s.workers;
  gopts.claim_window_ms = static_cast<uint32_t>(window_ms);
  gopts.tick = std::chrono::milliseconds(s.tick_ms);
  GridNet g(net, gopts);
  net.run_for(3s);  // adverts spread: workers know each other, API nodes know the workers

  // Poisson arrivals: evenly spaced submissions would all fall at the same phase of the
  // workers' ticks (which all run in step), and the latencies would show that phase instead.
  io::sim::SeededRng arrivals(s.seed ^ 0x9e3779b97f4a7c15);  // a stream apart from the net's
  std::vector<grid::JobId> ids;
  for (size_t i = 0; i < s.jobs; ++i) {
    ids.push_back(g.submit(i % s.api_nodes, gopts.models[i % gopts.models.size()], net.now()));
    const double u = static_cast<double>(arrivals.next() >> 11) * 0x1p-53;  // [0, 1)
    net.run_for(std::chrono::duration_cast<Duration>(
        std::chrono::duration<double>(-std::log1p(-u) / s.rate)));
  }
  // Longer than a lease (GridNet: 20 s), so a lapsed attempt has its next one run too.
  net.run_for(30s);

  // Which run delivered each accepted result: (worker, attempt, generation) of the job.
  using Winner = std::tuple<gossipsub::PeerId, uint32_t, uint32_t>;
  std::map<grid::JobId, std::vector<Winner>> winners;
  size_t done = 0, generations = 0, claims = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    // The origin's book: what a client polling the API node that took the job is told.
    const auto view = g.api(g.api_nodes()[i % s.api_nodes])->job(ids[i], net.now());
    if (!view) continue;
    done += view->state == grid::JobState::kDone;
    claims += view->claims;
    generations += view->generations.size();
    for (uint32_t gen = 0; gen < view->generations.size(); ++gen) {
      const grid::GenerationView& gv = view->generations[gen];
      if (gv.result_author && gv.result_attempt) {
        winners[ids[i]].emplace_back(*gv.result_author, *gv.result_attempt, gen);
      }
    }
  }

  std::vector<double> latency;
  Duration spent{}, wasted{};
  size_t stopped = 0, unaccepted = 0;
  for (const RunRecord& r : g.runs()) {
    const Instant end = r.end == RunRecord::End::kRunning ? net.now() : r.ended;
    spent += end - r.started;
    const auto w = winners.find(r.key.job_id);
    const Winner mine{net.peer_id(r.worker), r.key.attempt, r.key.generation};
    if (w != winners.end() &&
        std::find(w->second.begin(), w->second.end(), mine) != w->second.end()) {
      latency.push_back(ms(r.started - *g.submitted_at(r.key.job_id)));
      continue;
    }
    wasted += end - r.started;
    stopped += r.end == RunRecord::End::kStopped;
    unaccepted += r.end == RunRecord::End::kFinished;
  }
  double mean = 0;
  for (double l : latency) mean += l;
  mean = latency.empty() ? 0 : mean / static_cast<double>(latency.size());
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const auto per = [](size_t a, size_t b) {
    return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
  };
  std::printf(
      "| %d ms | %d ms | %zu / %zu | %.0f / %.0f / %.0f ms | %.1f | %.2f | %zu / %zu | %.1f%% | "
      "%.0f s |\n",
      window_ms, latency_ms, done, ids.size(), quantile(latency, 0.5), quantile(latency, 0.99),
      mean, per(claims, ids.size()), per(g.runs().size(), generations), stopped, unaccepted,
      spent.count() ? 100.0 * ms(wasted) / ms(spent) : 0.0, wall);
  std::fflush(stdout);
  return done == ids.size();
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  std::vector<int> windows = {0, 50, 200}, latencies = {1, 20, 100};
  CLI::App app{"grid_sim: the grid protocol on the router-level simulator"};
  app.add_option("--jobs", s.jobs, "jobs per combination")->capture_default_str();
  app.add_option("--seed", s.seed)->capture_default_str();
  app.add_option("--window-ms", windows, "claim windows (one or more)")
      ->delimiter(',')
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--latency-ms", latencies, "one-way link latencies (one or more)")
      ->delimiter(',')
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--jitter", s.jitter, "link latency jitter, as a share of the latency")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--rate", s.rate, "jobs submitted per second")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--tick-ms", s.tick_ms, "worker and API node tick period")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--workers", s.workers)->capture_default_str();
  app.add_option("--api-nodes", s.api_nodes)->check(CLI::PositiveNumber)->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  std::printf(
      "| claim window | latency | jobs done | claim latency p50 / p99 / mean | claims per job | "
      "runs per generation | stopped / unaccepted runs | wasted run time | wall time |\n"
      "|---|---|---|---|---|---|---|---|---|\n");
  bool all_done = true;
  for (int w : windows) {
    for (int l : latencies) all_done = run_one(s, w, l) && all_done;
  }
  return all_done ? 0 : 1;
}
