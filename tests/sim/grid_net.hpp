// GridNet — the grid protocol's roles on the router-level simulator: ApiNodeCores and
// WorkerCores on RouterNet nodes, their messages carried by the real gossipsub router and
// validated by the roles themselves (a role's verdict is the router's validation result).
// Workers "run" a job by waiting a seeded random time, then publishing the result.
// Every role's router runs the shipped grid settings (node::grid_gossipsub_config: peer scoring,
// P4 on the grid topics, P5 from the role); RouterNetOptions::config is for the nodes a scenario
// adds itself (a rogue).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "protocol/grid/api_core.hpp"
#include "protocol/grid/worker_core.hpp"
#include "router_net.hpp"

namespace aipg::sim {

struct GridNetOptions {
  size_t api_nodes = 5;
  size_t workers = 50;
  uint32_t worker_slots = 2;
  std::vector<std::string> models = {"llama3.2:1b", "qwen2.5:7b"};
  Duration min_run = 200ms, max_run = 2s;
  Duration tick = 50ms;
  size_t degree = 8;
  uint32_t claim_window_ms = 50;  // every API node's default_claim_window_ms
};

// One run of a generation by one worker, as the simulator saw it (for grid_sim's figures).
struct RunRecord {
  enum class End { kRunning, kFinished, kStopped };  // finished: its result was published
  size_t worker = 0;                                 // node index
  grid::RunKey key;
  Instant started{};
  Instant ended{};  // when it finished or was stopped; meaningless while kRunning
  End end = End::kRunning;
};

class GridNet {
 public:
  GridNet(RouterNet& net, GridNetOptions options);

  // Submits on API node `api` (an index into api_nodes()); returns the job id.
  grid::JobId submit(size_t api, const std::string& model, Instant now);
  void crash(size_t node);

  const std::vector<size_t>& api_nodes() const { return api_nodes_; }
  const std::vector<size_t>& workers() const { return workers_; }
  grid::ApiNodeCore* api(size_t node) { return apis_.count(node) ? apis_[node].get() : nullptr; }
  grid::WorkerCore* worker(size_t node) {
    return worker_cores_.count(node) ? worker_cores_[node].get() : nullptr;
  }
  // Results each worker published (job, generation) — to find double work.
  size_t results_published() const { return results_published_; }
  size_t runs_started() const { return runs_started_; }
  // Every run started, in order of start.
  const std::vector<RunRecord>& runs() const { return runs_; }
  // When submit() published the job's announce; nullopt for a job not submitted here.
  std::optional<Instant> submitted_at(const grid::JobId& job) const;

 private:
  void publish(size_t node, const grid::Publishes& out);
  void subscribe_new(size_t node);
  void worker_tick(size_t node);

  RouterNet& net_;
  GridNetOptions options_;
  std::vector<size_t> api_nodes_, workers_;
  std::map<size_t, std::unique_ptr<grid::ApiNodeCore>> apis_;
  std::map<size_t, std::unique_ptr<grid::WorkerCore>> worker_cores_;
  // (worker node, run key) still wanted → its record in runs_.
  std::map<std::pair<size_t, std::string>, size_t> running_;
  std::vector<RunRecord> runs_;
  std::map<grid::JobId, Instant> submitted_;
  std::map<size_t, std::set<std::string>> subscribed_;  // API node → topics subscribed
  size_t results_published_ = 0;
  size_t runs_started_ = 0;
};

}  // namespace aipg::sim
